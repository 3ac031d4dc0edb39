"""Response drift: where the real Sentry's answer leaves the mock's contract.

The contract of an operation is what the OpenAPI document says of it
(:func:`~mockserver.openapi.document.operation_statuses`): the statuses it may answer, with the
rate limiter's 429 (sentry.io answers it), and for each the body schemas of ``schemas/``. An
answer drifts when its status is not one of them, when its body is not JSON where one is
described (or is not empty where none is), when no described schema accepts it (a value of
another type, a required key missing), or when it holds a key the schema does not list: the
mock's schemas of Sentry's objects allow unknown keys (Sentry adds keys over time), so those are
found by walking the body along its schema (``properties``, ``items``, ``$ref``, ``allOf``,
and the one branch of an ``anyOf``/``oneOf`` of the value's type). Each is a
:class:`Violation` with the code :data:`RESPONSE_DRIFT` and severity ``warning``: it is the
server's departure from the mock, never the client's mistake, so it fails no test and no
strict-mode request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from mockserver.http.routes import RouteMatch
from mockserver.journal.journal import WARNING
from mockserver.journal.journal import Violation
from mockserver.openapi.document import operation_statuses
from mockserver.openapi.operations import OPERATIONS
from mockserver.schemas.explain import explain
from mockserver.schemas.registry import ID_PREFIX
from mockserver.schemas.registry import SchemaRegistry

RESPONSE_DRIFT = "response-drift"
"""The violation code of an answer the mock's contract does not describe."""
MAX_DRIFTS = 10
"""Differences reported per answer at most; then one saying more were found."""
MAX_REFS = 8
"""``$ref`` followed in a row at most (the shipped schemas chain two)."""


def check_response(
    registry: SchemaRegistry,
    match: RouteMatch | None,
    method: str,
    status: int,
    body: bytes,
) -> tuple[Violation, ...]:
    """How an answer of the real Sentry drifts from the mock's contract (empty: it does not).

    Answers to paths and methods no route serves, and to preflights, are not checked: the
    request's own violations say what is wrong.
    """
    if match is None or not match.served or method in ("OPTIONS", "HEAD"):
        return ()
    route = match.route
    doc = OPERATIONS.get((route.name, method))
    if doc is None:  # pragma: no cover - every served method has its OperationDoc
        return ()
    statuses = operation_statuses(route, method, doc, rate_limits=True)
    where = f"{method} {route.template} → {status}"
    if status not in statuses:
        described = ", ".join(str(s) for s in sorted(statuses))
        return (
            _drift(
                f"{where}: status {status} is not one the mock's contract describes (it "
                f"describes {described})",
                ("response", "status"),
            ),
        )
    stems = statuses[status]
    if stems is None:
        if body.strip():
            return (
                _drift(
                    f"{where}: a body of {len(body)} bytes where the mock's contract describes "
                    "none",
                    ("response", "body"),
                ),
            )
        return ()
    try:
        data = json.loads(body, parse_constant=_refuse)
    except (ValueError, RecursionError) as exc:
        return (_drift(f"{where}: the body is not JSON ({exc})", ("response", "body")),)
    return _body_drift(registry, where, stems, data)


def _body_drift(
    registry: SchemaRegistry, where: str, stems: Sequence[str], data: Any
) -> tuple[Violation, ...]:
    """The errors and undescribed keys of the schema the body is closest to (fewest errors)."""
    best: tuple[str, list[Any]] | None = None
    for stem in stems:
        errors = registry.errors(stem, data, limit=MAX_DRIFTS + 1)
        if best is None or len(errors) < len(best[1]):
            best = (stem, errors)
        if not errors:
            break
    assert best is not None  # noqa: S101 - a described status has at least one schema
    stem, errors = best
    root = registry.schema(stem)
    found = []
    for error in errors[:MAX_DRIFTS]:
        why = explain(error, root)
        path = why.json_path.replace("$", "body", 1)
        found.append(
            _drift(
                f"{where}: {path}: {why.problem} (schema {stem})",
                ("response", "body", *(str(part) for part in why.path)),
            )
        )
    for where_, key in _undescribed(registry, root, root, data, ()):
        if len(found) > MAX_DRIFTS:
            break
        shown = "body" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where_)
        found.append(
            _drift(
                f"{where}: {shown}.{key}: a key the mock's schema {stem} does not describe",
                ("response", "body", *(str(p) for p in where_), key),
            )
        )
    if len(found) > MAX_DRIFTS:
        found[MAX_DRIFTS:] = [
            _drift(
                f"{where}: the body leaves schema {stem} in more places: checking stopped after "
                f"{MAX_DRIFTS}",
                ("response", "body"),
            )
        ]
    return tuple(found)


def _undescribed(
    registry: SchemaRegistry,
    schema: Any,
    root: Mapping[str, Any],
    value: Any,
    path: tuple[str | int, ...],
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """The keys of ``value`` its schema does not list, where it allows unknown keys."""
    schema, root = _resolved(registry, schema, root)
    if not isinstance(schema, dict):
        return
    for part in schema.get("allOf", ()):
        yield from _undescribed(registry, part, root, value, path)
    branch = _branch_of(registry, schema, root, value)
    if branch is not None:
        yield from _undescribed(registry, branch, root, value, path)
    if isinstance(value, dict):
        properties = schema.get("properties")
        extra = schema.get("additionalProperties", True)
        patterns = schema.get("patternProperties") or {}
        for key, item in value.items():
            pattern = next((p for p in patterns if re.search(p, key)), None)
            if isinstance(properties, dict) and key in properties:
                yield from _undescribed(registry, properties[key], root, item, (*path, key))
            elif pattern is not None:
                yield from _undescribed(registry, patterns[pattern], root, item, (*path, key))
            elif isinstance(extra, dict):
                yield from _undescribed(registry, extra, root, item, (*path, key))
            elif extra is True and isinstance(properties, dict):
                yield path, key
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from _undescribed(registry, schema["items"], root, item, (*path, i))


def _resolved(
    registry: SchemaRegistry, schema: Any, root: Mapping[str, Any]
) -> tuple[Any, Mapping[str, Any]]:
    """Follow ``$ref`` (``urn:mockserver:<stem>`` and ``#/...`` pointers), a few times."""
    for _ in range(MAX_REFS):
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str):
            break
        document, _, pointer = ref.partition("#")
        if document:
            root = registry.schema(document.removeprefix(ID_PREFIX))
        schema = root
        for part in (p for p in pointer.split("/") if p):
            schema = schema.get(part.replace("~1", "/").replace("~0", "~"), {})
    return schema, root


def _branch_of(
    registry: SchemaRegistry, schema: Mapping[str, Any], root: Mapping[str, Any], value: Any
) -> Any:
    """The one branch of an ``anyOf``/``oneOf`` whose type is the value's, if exactly one."""
    branches = [*schema.get("anyOf", ()), *schema.get("oneOf", ())]
    kind = _json_type(value)
    fitting = [b for b in branches if kind in _types(_resolved(registry, b, root)[0])]
    return fitting[0] if len(fitting) == 1 else None


def _types(schema: Any) -> set[str]:
    declared = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(declared, str):
        return {declared}
    return set(declared) if isinstance(declared, list) else set()


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "other"


def _drift(message: str, location: tuple[str, ...]) -> Violation:
    return Violation(RESPONSE_DRIFT, message, location, WARNING)


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
