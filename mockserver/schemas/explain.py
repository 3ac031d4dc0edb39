"""Explaining why a value breaks a JSON Schema: one place for every door that reports it.

jsonschema's own messages quote whole enums and patterns and, for ``oneOf``/``anyOf``, only say
"is not valid under any of the given schemas". :func:`explain` finds the error that says what is
really wrong (:func:`closest`), and words it three ways, for the doors to pick from: a scenario
error's problem and fix, the contract checks' one line, the response checks' message.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

# jsonschema is imported where an error is explained, never at start: a server whose scenario
# and answers are valid never needs it (mockserver.schemas.formats).
if TYPE_CHECKING:
    from jsonschema import ValidationError

MAX_MESSAGE_CHARS = 300
"""jsonschema's message is cut to this many characters."""
_LONG_MESSAGE = 160
_EXAMPLES = {
    "date-time": "2024-01-15T08:30:00Z",
    "uri": "https://example.com/hook",
    "email": "jane@example.com",
}


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a value breaks a schema.

    :ivar error: the error explained (the closest branch's, for ``oneOf``/``anyOf``).
    :ivar path: where the offending value is, from the instance's root; for an unknown key,
        the key itself.
    :ivar problem: what is wrong, in a few words (``unknown key 'usres'``).
    :ivar fix: how to fix it (``remove it; did you mean 'users'?``).
    :ivar message: jsonschema's message, shortened; or, where it would quote a long pattern or
        enum, the value and the nearest ``description`` of the schema that refused it.
    """

    error: ValidationError
    path: tuple[str | int, ...]
    problem: str
    fix: str
    message: str

    @property
    def json_path(self) -> str:
        """:attr:`path` as a JSON path (``$.organizations[0].slug``)."""
        out = "$"
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else f".{part}"
        return out


def closest(error: ValidationError) -> ValidationError:
    """The error that says what is wrong: for a failed ``oneOf``/``anyOf``, the error of the
    branch the value was closest to, recursively.

    A branch whose kind the value is not of (a ``const`` that tells branches apart, the
    value's own type or enum) is passed over: a tag's value list missing ``firstSeen`` is
    explained by the object branch's "'firstSeen' is required", not by the array branch's
    "expected array".
    """
    from jsonschema.exceptions import best_match

    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for found in error.context:
            branches.setdefault(found.relative_schema_path[0], []).append(found)
        viable = [
            found
            for errors in branches.values()
            if not any(_discriminates(e) for e in errors)
            for found in errors
        ]
        error = best_match(viable or error.context)
    return error


def _discriminates(error: ValidationError) -> bool:
    """Whether the error says the value is another kind than the branch's: a ``const`` (such
    as ``type: fixed|uniform|lognormal``), or a type or enum of the value itself."""
    return error.validator == "const" or (
        error.validator in ("type", "enum") and not error.relative_path
    )


def first(errors: Sequence[ValidationError]) -> ValidationError:
    """The most relevant of several errors (jsonschema's ``best_match``, then :func:`closest`)."""
    from jsonschema.exceptions import best_match

    return closest(best_match(errors))


def explain(error: ValidationError, root: Mapping[str, Any] | None = None) -> Explanation:
    """Explain ``error`` (its closest branch, see :func:`closest`).

    :param root: the schema validated against, where the descriptions of long patterns and
        enums are looked up for :attr:`Explanation.message`.
    """
    error = closest(error)
    path: tuple[str | int, ...] = tuple(error.absolute_path)
    kind = error.validator
    value = error.instance
    problem, fix = error.message, "see the schema for the expected shape"
    if kind == "additionalProperties" and isinstance(value, dict):
        unknown = _unknown_keys(error)
        key = unknown[0] if unknown else "?"
        problem, fix = _unknown_key(error, key)
        if unknown:
            path = (*path, key)  # the unknown key itself, not the mapping that holds it
    elif kind == "required":
        problem, fix = error.message.replace("is a required property", "is missing"), "add it"
    elif kind == "type":
        expected = error.validator_value
        problem = f"expected {expected}, got {type(value).__name__} {value!r}"
        fix = f"write a value of type {expected}"
        if expected == "string" and isinstance(value, int | float):
            fix = f"quote it: '{value}' (ids and versions are strings in Sentry)"
    elif kind in ("enum", "const"):
        options: Any = error.validator_value
        choices = list(options) if kind == "enum" else [options]
        problem, fix = f"{value!r} is not allowed", f"use one of: {', '.join(map(repr, choices))}"
    elif kind == "format":
        example = _EXAMPLES.get(str(error.validator_value), "")
        problem = f"{value!r} is not a valid {error.validator_value}"
        fix = f"write e.g. {example}"
    elif kind == "pattern":
        problem = f"{value!r} does not have the expected form"
        fix = f"it must match {error.validator_value}"
    return Explanation(error, path, problem, fix, _message(error, root or {}))


def closest_each(error: ValidationError) -> list[ValidationError]:
    """Like :func:`closest`, but every error of the branch the value was closest to (and of
    the branches inside it), not only the most relevant one: a list of sixty broken users
    under a ``oneOf`` gives sixty errors."""
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for found in error.context:
        branches.setdefault(found.relative_schema_path[0], []).append(found)
    viable = [
        found
        for errors in branches.values()
        if not any(_discriminates(e) for e in errors)
        for found in errors
    ]
    # best_match's own first choice (it then descends into that error's context).
    from jsonschema.exceptions import relevance

    chosen = max(viable or error.context, key=relevance)
    return [
        deeper
        for found in branches[chosen.relative_schema_path[0]]
        for deeper in closest_each(found)
    ]


def explain_each(
    error: ValidationError, root: Mapping[str, Any] | None = None
) -> list[Explanation]:
    """Every problem behind ``error``: each error of the closest branch (:func:`closest_each`)
    explained, and one explanation per unknown key where a mapping has several (jsonschema
    reports them in one error), so that each is named at its own place."""
    out: list[Explanation] = []
    for found in closest_each(error):
        explained = explain(found, root)
        unknown = _unknown_keys(found) if found.validator == "additionalProperties" else []
        if len(unknown) < 2:
            out.append(explained)
            continue
        base = tuple(found.absolute_path)
        out += [
            Explanation(found, (*base, key), *_unknown_key(found, key), explained.message)
            for key in unknown
        ]
    return out


def _unknown_keys(error: ValidationError) -> list[Any]:
    """The keys an ``additionalProperties: false`` error refuses, in the mapping's order."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    allowed = schema.get("properties", {})
    value = error.instance
    return [k for k in value if k not in allowed] if isinstance(value, dict) else []


def _unknown_key(error: ValidationError, key: Any) -> tuple[str, str]:
    """The problem and the fix of an unknown key: the closest allowed one, or all of them."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    allowed = sorted(schema.get("properties", {}))
    close = difflib.get_close_matches(str(key), allowed, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
    return f"unknown key '{key}'", f"remove it; {hint}"


def shorten(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``message``, cut to ``limit`` characters."""
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _message(error: ValidationError, root: Mapping[str, Any]) -> str:
    """jsonschema's message, unless it would quote a long pattern or enum: then the value and
    the nearest ``description`` of the schema that refused it."""
    if error.validator not in ("pattern", "enum", "format") and len(error.message) <= _LONG_MESSAGE:
        return error.message
    shown = repr(error.instance)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    description = _description(root, list(error.absolute_schema_path))
    return f"{shown} is not accepted" + (f": {description}" if description else "")


def _description(root: Mapping[str, Any], schema_path: Sequence[object]) -> str | None:
    """The deepest ``description`` along a schema path (stops at a ``$ref``)."""
    found = root.get("description")
    node: Any = root
    for part in schema_path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, Mapping) and isinstance(node.get("description"), str):
            found = node["description"]
    return found if isinstance(found, str) else None
