"""The fast path's oneOf, refuted ifs, exclusive bounds and exact formats answer as jsonschema
does; and the scenario schema's fast path, which lets a valid scenario load without jsonschema."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.resources import default_scenario
from mockserver.schemas.formats import EXACT_FORMATS
from mockserver.schemas.formats import format_checker
from mockserver.schemas.registry import SchemaRegistry

DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Level(enum.IntEnum):
    LOW = 1


class _Kind(enum.StrEnum):
    FIXED = "fixed"


# Every JSON type, values Python tells apart and JSON does not (1 and 1.0, True and 1), and
# Python values JSON has not (Decimal, enums, tuples), which a refuter must leave in doubt.
VALUES: list[object] = [None, True, False, 0, 1, -1, 1.0, 1.5, 5, 5.0, 6, "", "x", "fixed"]
VALUES += [[], [1], ["a", "b"], {}, {"a": 1}, Decimal("1"), _Level.LOW, _Kind.FIXED, ("x",)]
VALUES += ["1.2.3.4", "01.2.3.4", "::1", "fe80::1%eth0", "a@b", "2024-01-15T08:30:00Z"]
OBJECTS: list[object] = [
    {"type": "fixed", "ms": 5},
    {"type": "fixed"},
    {"type": "uniform", "min": 1, "max": 2},
    {"type": "uniform", "ms": 5},
    {"type": _Kind.FIXED, "ms": 5},
    {"type": 1, "ms": 5},
    {"end": 1},
    {"duration": 1},
    {"end": 1, "duration": 1},
    {"kind": "level", "generate": 5},
    {"kind": "level", "generate": 6},
    {"kind": "other", "generate": 6},
    {"generate": 6},
    {"generate": 6.0},
    {"kind": _Kind.FIXED, "generate": 6},
]

ONE_OF: dict[str, dict[str, Any]] = {
    # Told apart by type, by an enum against an object, by a const inside properties (as the
    # scenario's users, hooks, delays and rate limits are), by required keys (as its windows),
    # and by formats.
    "by_type": {"oneOf": [{"type": "array"}, {"type": "object", "required": ["a"]}]},
    "by_enum": {"oneOf": [{"enum": ["off", "saas"]}, {"type": "object"}]},
    "by_const": {
        "oneOf": [
            {"type": "number", "minimum": 0, "maximum": 10},
            {
                "type": "object",
                "required": ["type", "ms"],
                "properties": {"type": {"const": "fixed"}, "ms": {"type": "number"}},
            },
            {
                "type": "object",
                "required": ["type", "min", "max"],
                "properties": {"type": {"const": "uniform"}},
            },
        ]
    },
    "by_required": {"oneOf": [{"required": ["end"]}, {"required": ["duration"]}]},
    "by_format": {"oneOf": [{"format": "ipv4"}, {"format": "ipv6"}]},
    "by_ref": {"oneOf": [{"$ref": "#/$defs/when"}, {"type": "null"}]},
    "by_all_of": {"oneOf": [{"allOf": [{"type": "string"}]}, {"type": "integer"}]},
    # Branches that may both hold: 5 is an integer and a number (then oneOf fails).
    "overlapping": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
    # Nothing here refutes a branch: the fast path stays in doubt, jsonschema decides.
    "unrefutable": {"oneOf": [{"minLength": 2}, {"maxLength": 0}]},
    "booleans": {"oneOf": [True, False]},
}


def _registry(directory: Path, fast_path: bool = True) -> SchemaRegistry:
    return SchemaRegistry(directory, fast_path=fast_path)


def _write(directory: Path, stem: str, body: dict[str, Any]) -> None:
    schema = {"$schema": DIALECT, "$id": f"urn:mockserver:{stem}", **body}
    (directory / f"{stem}.json").write_text(json.dumps(schema))


@pytest.fixture
def branches(tmp_path: Path) -> tuple[SchemaRegistry, SchemaRegistry]:
    defs = {"when": {"type": "string", "format": "date-time"}}
    for stem, body in ONE_OF.items():
        _write(tmp_path, stem, {**body, "$defs": defs})
    _write(
        tmp_path,
        "conditional",
        {
            "type": "object",
            "if": {"properties": {"kind": {"const": "level"}}, "required": ["kind"]},
            "then": {"properties": {"generate": {"maximum": 5}}},
            "else": {"properties": {"generate": {"type": "integer"}}},
        },
    )
    _write(tmp_path, "exclusive", {"exclusiveMinimum": 1, "exclusiveMaximum": 5.5})
    return _registry(tmp_path), _registry(tmp_path, fast_path=False)


@pytest.mark.parametrize("stem", [*ONE_OF, "conditional", "exclusive"])
def test_the_fast_path_decides_as_jsonschema_does(
    branches: tuple[SchemaRegistry, SchemaRegistry], stem: str
) -> None:
    fast, slow = branches
    assert fast._prepared(stem)[1] is not None  # compiled, not left to jsonschema
    for value in [*VALUES, *OBJECTS, [*OBJECTS]]:
        assert fast.is_valid(stem, value) is slow.is_valid(stem, value), value


def _passes(registry: SchemaRegistry, stem: str) -> list[object]:
    check = registry._prepared(stem)[1]
    assert check is not None
    return [value for value in [*VALUES, *OBJECTS] if check(value)]


def test_one_of_passes_a_value_one_branch_holds_for_and_the_others_refuse(
    branches: tuple[SchemaRegistry, SchemaRegistry],
) -> None:
    # What the fast path alone passes (without jsonschema): never a value two branches hold,
    # nor one whose other branches it cannot refute (a Decimal, an IntEnum: in doubt).
    fast, _ = branches
    assert _passes(fast, "by_type") == [[], [1], ["a", "b"], {"a": 1}]
    numbers = [0, 1, 1.0, 1.5, 5, 5.0, 6]
    assert _passes(fast, "by_const") == [*numbers, OBJECTS[0], OBJECTS[2], OBJECTS[4]]
    assert _passes(fast, "by_enum") == [{}, {"a": 1}, *OBJECTS]
    assert _passes(fast, "by_required") == [{"end": 1}, {"duration": 1}]
    assert _passes(fast, "by_format") == ["1.2.3.4", "::1"]
    assert _passes(fast, "by_ref") == [None, "2024-01-15T08:30:00Z"]
    assert _passes(fast, "overlapping") == [1.0, 1.5, 5.0]
    assert _passes(fast, "unrefutable") == []
    assert _passes(fast, "booleans") == [*VALUES, *OBJECTS]


def test_an_if_that_certainly_fails_leaves_the_else_branch_to_decide(
    branches: tuple[SchemaRegistry, SchemaRegistry],
) -> None:
    # {"generate": 6} breaks "then" (maximum 5), but without "kind" the "if" certainly fails:
    # "else" alone decides. A StrEnum kind may be "level" to jsonschema: in doubt, both.
    check = branches[0]._prepared("conditional")[1]
    assert check is not None
    assert check({"generate": 6})
    assert check({"kind": "other", "generate": 6})
    assert not check({"generate": 6.0})  # not an integer: "else" refuses it
    assert not check({"kind": _Kind.FIXED, "generate": 6})
    assert check({"kind": "level", "generate": 5})
    assert not check({"kind": "level", "generate": 6})


@pytest.mark.parametrize("name", sorted(EXACT_FORMATS))
def test_the_exact_formats_answer_as_the_format_checker(name: str) -> None:
    checker = format_checker()
    odd = ["1.2.3.4", "1.2.3", "256.1.1.1", "01.2.3.4", "::1", "fe80::1%eth0", "1::2::3"]
    odd += ["a@b", "ab", "@", "http://x", "2024-01-15T08:30:00Z", "2024-02-30T00:00:00Z"]
    odd += ["", " ", "*", "[]", "[{}]", "http://a.com:80", "[1]", "**", "$string"]
    for value in [*VALUES, *odd]:
        assert EXACT_FORMATS[name](value) is checker.conforms(value, name), value


def _mutations(node: object) -> Iterator[object]:
    """``node`` with one value anywhere in it replaced by an odd one, or one key dropped."""
    odd: list[object] = [None, -1, 1.5, "x", {}, Decimal("1")]
    yield from odd
    if isinstance(node, dict):
        for key, value in node.items():
            yield {k: v for k, v in node.items() if k != key}
            for changed in _mutations(value):
                yield {**node, key: changed}
    elif isinstance(node, list) and node:
        for changed in _mutations(node[0]):  # the first item of each list
            yield [changed, *node[1:]]


@pytest.mark.slow
def test_the_scenario_schemas_fast_path_agrees_with_jsonschema_on_the_default_scenario() -> None:
    # The check that runs at every start: the default scenario passes it, and each of its
    # mutations is judged as jsonschema judges it.
    fast, slow = SchemaRegistry(), SchemaRegistry(fast_path=False)
    data = yaml.safe_load(default_scenario().read_text(encoding="utf-8"))
    check = fast._prepared("scenario.schema")[1]
    assert check is not None
    assert check(data)
    count = 0
    for mutated in _mutations(data):
        count += 1
        assert fast.is_valid("scenario.schema", mutated) is slow.is_valid(
            "scenario.schema", mutated
        ), mutated
    assert count > 800
