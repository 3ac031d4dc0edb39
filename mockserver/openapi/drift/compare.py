"""The mock's contract against Sentry's published one, operation by operation.

Both are OpenAPI documents: the mock's is :func:`mockserver.openapi.document.build_document`'s,
Sentry's the published ``openapi-derefed.json`` (or the snapshot of it that ships here). An
operation is a path and a method; paths match whatever their parameters are called. For every
operation on the mock's paths, :func:`compare` lists each :class:`Difference`:

- an operation one side has and the other has not;
- a parameter (path or query) one side has, its ``required`` flag, its schema's shape;
- the request body: one side only, ``required``, its schema's shape;
- a status one side documents and the other does not;
- a response body both document: its schema's shape.

Shapes (:mod:`.shapes`) differ by type, nullability, required keys, keys one side has, and
the values of an enum both list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.openapi.drift.shapes import Resolve
from mockserver.openapi.drift.shapes import Shape
from mockserver.openapi.drift.shapes import shape_of

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
JSON = "application/json"
UPSTREAM_ONLY = "not in the mock"
MOCK_ONLY = "not upstream"


@dataclass(frozen=True, order=True)
class Difference:
    """One way the mock's contract differs from Sentry's published one.

    :ivar key: what differs, stable across runs, e.g. ``listProjectUsers: response 200
        body[].email: nullable``; the list of deliberate differences names it (``*`` matching
        anything).
    :ivar upstream: what Sentry's document says.
    :ivar mock: what the mock's says.
    """

    key: str
    upstream: str
    mock: str

    def __str__(self) -> str:
        return f"{self.key} (upstream: {self.upstream}; mock: {self.mock})"


def compare(mock: Mapping[str, Any], upstream: Mapping[str, Any]) -> list[Difference]:
    """Every difference between the operations on the mock's paths, sorted by key."""
    mock_resolve = _resolver(mock)
    upstream_resolve = _resolver(upstream)
    upstream_paths = {_skeleton(path): item for path, item in upstream.get("paths", {}).items()}
    found: list[Difference] = []
    for path, mock_item in mock.get("paths", {}).items():
        upstream_item = upstream_paths.get(_skeleton(path), {})
        for method in METHODS:
            ours, theirs = mock_item.get(method), upstream_item.get(method)
            if ours is None and theirs is None:
                continue
            label = (ours or {}).get("operationId") or f"{method.upper()} {path}"
            if ours is None or theirs is None:
                side = UPSTREAM_ONLY if ours is None else MOCK_ONLY
                here = "absent" if ours is None else "served"
                there = "absent" if theirs is None else "documented"
                found.append(Difference(f"{label}: operation: {side}", there, here))
                continue
            pair = _Pair(label, mock_resolve, upstream_resolve, found)
            pair.parameters(
                [*upstream_item.get("parameters", []), *theirs.get("parameters", [])],
                [*mock_item.get("parameters", []), *ours.get("parameters", [])],
            )
            pair.request_body(
                _followed(theirs.get("requestBody"), upstream_resolve),
                _followed(ours.get("requestBody"), mock_resolve),
            )
            pair.responses(
                {k: _followed(v, upstream_resolve) for k, v in theirs.get("responses", {}).items()},
                {k: _followed(v, mock_resolve) for k, v in ours.get("responses", {}).items()},
            )
    return sorted(found)


def _followed(node: Any, resolve: Resolve) -> Any:
    """``node``, or what its ``$ref`` points to (a response or request body of components)."""
    if isinstance(node, Mapping) and "$ref" in node:
        return resolve(str(node["$ref"]))
    return node


def _skeleton(path: str) -> str:
    """A path template with its parameters unnamed: ``/a/{x}/b/`` → ``/a/{}/b/``."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _resolver(document: Mapping[str, Any]) -> Resolve:
    def resolve(ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#/"):
            raise ValueError(f"cannot follow the reference {ref!r}: only #/... is supported")
        node: Any = document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        if not isinstance(node, Mapping):
            raise ValueError(f"the reference {ref!r} is not an object")
        return node

    return resolve


class _Pair:
    """One operation present on both sides, and where its differences go."""

    def __init__(
        self, label: str, mock: Resolve, upstream: Resolve, found: list[Difference]
    ) -> None:
        self.label = label
        self.mock = mock
        self.upstream = upstream
        self.found = found

    def add(self, where: str, kind: str, upstream: str, mock: str) -> None:
        self.found.append(Difference(f"{self.label}: {where}: {kind}", upstream, mock))

    def parameters(self, upstream: list[Any], mock: list[Any]) -> None:
        theirs = self._by_name(upstream, self.upstream)
        ours = self._by_name(mock, self.mock)
        for key in sorted(theirs.keys() | ours.keys()):
            where = f"{key[0]} {key[1]}"
            if key not in ours or key not in theirs:
                side = UPSTREAM_ONLY if key not in ours else MOCK_ONLY
                self.add(where, side, _present(key in theirs), _present(key in ours))
                continue
            their, our = theirs[key], ours[key]
            if bool(their.get("required")) != bool(our.get("required")):
                self.add(where, "required", _yes(their.get("required")), _yes(our.get("required")))
            self.shapes(
                where,
                shape_of(their.get("schema"), self.upstream),
                shape_of(our.get("schema"), self.mock),
            )

    @staticmethod
    def _by_name(parameters: list[Any], resolve: Resolve) -> dict[tuple[str, str], Any]:
        found = {}
        for parameter in parameters:
            if "$ref" in parameter:
                parameter = resolve(parameter["$ref"])
            found[(str(parameter.get("in")), str(parameter.get("name")))] = parameter
        return found

    def request_body(self, upstream: Any, mock: Any) -> None:
        if upstream is None and mock is None:
            return
        if upstream is None or mock is None:
            side = UPSTREAM_ONLY if mock is None else MOCK_ONLY
            self.add("request body", side, _present(upstream), _present(mock))
            return
        if bool(upstream.get("required")) != bool(mock.get("required")):
            self.add(
                "request body",
                "required",
                _yes(upstream.get("required")),
                _yes(mock.get("required")),
            )
        their, our = _json_schema(upstream), _json_schema(mock)
        if their is not None and our is not None:
            self.shapes("request body", shape_of(their, self.upstream), shape_of(our, self.mock))

    def responses(self, upstream: Mapping[str, Any], mock: Mapping[str, Any]) -> None:
        for status in sorted(upstream.keys() | mock.keys()):
            where = f"status {status}"
            if status not in mock or status not in upstream:
                side = UPSTREAM_ONLY if status not in mock else MOCK_ONLY
                self.add(where, side, _present(status in upstream), _present(status in mock))
                continue
            their, our = _json_schema(upstream[status]), _json_schema(mock[status])
            if their is not None and our is not None:
                self.shapes(
                    f"response {status} body",
                    shape_of(their, self.upstream),
                    shape_of(our, self.mock),
                )

    def shapes(self, where: str, upstream: Shape, mock: Shape) -> None:
        """The differences of two shapes at ``where``, then of their keys and items."""
        for kind, theirs, ours in _differences(upstream, mock):
            self.add(where, kind, theirs, ours)
        # An object that lists no keys (a map, or "any object") says nothing of which keys the
        # other side should have: only keys both list are compared then.
        names = upstream.properties.keys() | mock.properties.keys()
        if not upstream.properties or not mock.properties:
            names = upstream.properties.keys() & mock.properties.keys()
        for name in sorted(names):
            here = f"{where}.{name}"
            if name not in mock.properties or name not in upstream.properties:
                side = UPSTREAM_ONLY if name not in mock.properties else MOCK_ONLY
                their_word = _required_word(upstream, name)
                our_word = _required_word(mock, name)
                self.add(here, f"key {side}", their_word, our_word)
                continue
            required = (name in upstream.required, name in mock.required)
            if required[0] != required[1]:
                self.add(here, "required", _yes(required[0]), _yes(required[1]))
            self.shapes(here, upstream.properties[name], mock.properties[name])
        if upstream.items is not None and mock.items is not None:
            self.shapes(f"{where}[]", upstream.items, mock.items)


def _differences(upstream: Shape, mock: Shape) -> Iterator[tuple[str, str, str]]:
    if not upstream.types or not mock.types:
        return  # a side that allows any value says nothing to compare
    if upstream.kinds != mock.kinds and upstream.kinds and mock.kinds:
        yield "type", _words(upstream.kinds), _words(mock.kinds)
    if upstream.nullable != mock.nullable:
        yield "nullable", _yes(upstream.nullable), _yes(mock.nullable)
    if upstream.enum is not None and mock.enum is not None and upstream.enum != mock.enum:
        only_theirs = sorted(upstream.enum - mock.enum)
        only_ours = sorted(mock.enum - upstream.enum)
        yield "enum", _values(only_theirs, "also"), _values(only_ours, "also")


def _json_schema(node: Mapping[str, Any]) -> Any:
    content = node.get("content") or {}
    media = content.get(JSON) or next(iter(content.values()), None)
    return None if media is None else media.get("schema")


def _present(value: Any) -> str:
    return "documented" if value not in (None, False) else "absent"


def _yes(value: Any) -> str:
    return "yes" if value else "no"


def _required_word(shape: Shape, name: str) -> str:
    if name not in shape.properties:
        return "absent"
    return "required" if name in shape.required else "optional"


def _words(kinds: frozenset[str]) -> str:
    return " or ".join(sorted(kinds))


def _values(values: list[str], word: str) -> str:
    return f"{word} {', '.join(values)}" if values else "nothing more"
