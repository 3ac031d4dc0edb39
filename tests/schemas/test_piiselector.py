"""Relay's PII selectors (mockserver.schemas.piiselector): Relay's own cases (its Python
binding's test_validate_pii_selector) and the grammar's corners."""

from __future__ import annotations

import pytest

from mockserver.schemas.formats import FORMAT_CHECKER
from mockserver.schemas.piiselector import rust_debug
from mockserver.schemas.piiselector import selector_error


@pytest.mark.parametrize(
    "selector",
    [
        "test",
        "$user.id",
        "extra.'sys.argv'.**",
        "extra.fields.**",
        "freeform",
        "databag",
        " a . b ",
        "$string && !password",
        "(a || b) & ~$http.headers",
        "'it''s'",
        "frames.0.vars",
        "**.password",
    ],
)
def test_relay_accepts(selector: str) -> None:
    assert selector_error(selector) is None


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("no_spaces allowed", 'invalid syntax near "no_spaces allowed"'),
        ("unterminated.'string", 'invalid syntax near "unterminated.\'string"'),
        ("double.**.wildcard.**", "deep wildcard used more than once"),
        ("*", "wildcard must be part of a path"),
        ("$nope", "unknown value"),
        ("x.99999999999999999999", "invalid index"),
        ("", 'invalid syntax near ""'),
        ("(a || b", 'invalid syntax near "(a || b"'),
        ("a.$nope bad", 'invalid syntax near "a.$nope bad"'),
        ('say "hi"\n', 'invalid syntax near "say \\"hi\\"\\n"'),
    ],
)
def test_relay_refuses_with_its_message(selector: str, message: str) -> None:
    assert selector_error(selector) == message


def test_a_syntax_error_wins_over_a_refusal_later_in_the_text() -> None:
    # Relay parses the whole text before it walks the paths.
    assert selector_error("$nope.**.** !") == 'invalid syntax near "$nope.**.** !"'
    assert selector_error("$nope.**.**") == "unknown value"


def test_rust_debug_escapes_control_characters() -> None:
    assert rust_debug("a\x01\tb") == '"a\\u{1}\\tb"'


def test_the_format_reads_numbers_as_their_text() -> None:
    assert FORMAT_CHECKER.conforms(5, "relay-pii-selector")
    assert not FORMAT_CHECKER.conforms(-5, "relay-pii-selector")
    assert not FORMAT_CHECKER.conforms("er ror", "relay-pii-selector")
