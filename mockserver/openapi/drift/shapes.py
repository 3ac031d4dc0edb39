"""What drift compares of a JSON Schema: its shape.

Sentry's published document is OpenAPI 3.0 (``nullable``, no ``const``); the mock's is 3.1 with
JSON Schema 2020-12 (type lists, ``anyOf`` for what DRF reads leniently, ``const``). Both are
read into a :class:`Shape`: the JSON types a value may have (``null`` included), the keys of an
object (which are required, and each key's shape), the shape of an array's items and, where the
schema lists them, the values allowed. Patterns, bounds and formats are not part of a shape.

``anyOf``/``oneOf`` read as the union of their alternatives (a key is required only if every
alternative requires it), ``allOf`` as their merge; ``$ref`` is followed within the document.
A schema that says nothing of the type (``{}``) allows any.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

ANY: frozenset[str] = frozenset()
"""The types of a schema that allows any value."""
MAX_DEPTH = 32
"""Nested schemas followed at most (a recursive ``$ref`` stops here)."""

Resolve = Callable[[str], Mapping[str, Any]]
"""Finds the schema a ``$ref`` points to."""


@dataclass(frozen=True)
class Shape:
    """The comparable part of a schema.

    :ivar types: JSON types (``object``, ``array``, ``string``, ``integer``, ``number``,
        ``boolean``, ``null``); empty for any.
    :ivar properties: an object's keys and their shapes.
    :ivar required: the keys an object must have.
    :ivar items: an array's items.
    :ivar enum: the values allowed, each as JSON text; ``None`` when the schema lists none.
    """

    types: frozenset[str] = ANY
    properties: Mapping[str, Shape] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    items: Shape | None = None
    enum: frozenset[str] | None = None

    @property
    def nullable(self) -> bool:
        """Whether ``null`` is allowed (any type allows it)."""
        return not self.types or "null" in self.types

    @property
    def kinds(self) -> frozenset[str]:
        """The types but ``null``; empty for any."""
        return self.types - {"null"}


def shape_of(schema: Any, resolve: Resolve, depth: int = 0) -> Shape:
    """The shape of ``schema`` (a dict; ``True`` and ``{}`` allow anything)."""
    if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
        return Shape()
    if "$ref" in schema:
        return shape_of(resolve(str(schema["$ref"])), resolve, depth + 1)
    alternatives = [
        shape_of(sub, resolve, depth + 1)
        for keyword in ("anyOf", "oneOf")
        for sub in schema.get(keyword, ())
    ]
    own = _own_shape(schema, resolve, depth)
    merged = [shape_of(sub, resolve, depth + 1) for sub in schema.get("allOf", ())]
    result = own
    if alternatives:
        result = _merge(own, _union(alternatives))
    for part in merged:
        result = _merge(result, part)
    return result


def _own_shape(schema: Mapping[str, Any], resolve: Resolve, depth: int) -> Shape:
    types = _types(schema)
    enum: frozenset[str] | None = None
    values: list[Any] | None = None
    if "const" in schema:
        values = [schema["const"]]
    elif isinstance(schema.get("enum"), list):
        values = list(schema["enum"])
    if values is not None:
        enum = frozenset(_text(value) for value in values)
        if not types:
            types = frozenset(_json_type(value) for value in values)
        elif None in values:
            types |= {"null"}
    properties = {
        name: shape_of(sub, resolve, depth + 1)
        for name, sub in (schema.get("properties") or {}).items()
    }
    items = schema.get("items")
    if not types and properties:
        types = frozenset({"object"})
    if not types and isinstance(items, Mapping):
        types = frozenset({"array"})
    return Shape(
        types=types,
        properties=properties,
        required=frozenset(schema.get("required") or ()),
        items=shape_of(items, resolve, depth + 1) if isinstance(items, Mapping) else None,
        enum=enum,
    )


def _types(schema: Mapping[str, Any]) -> frozenset[str]:
    declared = schema.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or ())
    if types and schema.get("nullable") is True:  # OpenAPI 3.0
        types.add("null")
    return frozenset(types)


def _union(shapes: Iterable[Shape]) -> Shape:
    """What any one of ``shapes`` allows."""
    shapes = list(shapes)
    types = (
        ANY if any(not s.types for s in shapes) else frozenset().union(*(s.types for s in shapes))
    )
    names = {name for s in shapes for name in s.properties}
    properties = {
        name: _union(s.properties[name] for s in shapes if name in s.properties) for name in names
    }
    objects = [s for s in shapes if "object" in s.types or s.properties]
    required = frozenset.intersection(*(s.required for s in objects)) if objects else frozenset()
    items = [s.items for s in shapes if s.items is not None]
    enums = [s.enum for s in shapes]
    return Shape(
        types=types,
        properties=properties,
        required=required,
        items=_union(items) if items else None,
        enum=None if any(e is None for e in enums) else frozenset().union(*enums),  # type: ignore[arg-type]
    )


def _merge(first: Shape, second: Shape) -> Shape:
    """What both ``first`` and ``second`` say (the second's keys added to the first's)."""
    if not second.types and not second.properties and second.items is None and not second.enum:
        return Shape(
            first.types, first.properties, first.required | second.required, first.items, first.enum
        )
    types = second.types if not first.types else first.types & second.types or first.types
    properties = dict(first.properties)
    for name, sub in second.properties.items():
        properties[name] = _merge(properties[name], sub) if name in properties else sub
    return Shape(
        types=types,
        properties=properties,
        required=first.required | second.required,
        items=second.items if first.items is None else first.items,
        enum=second.enum if first.enum is None else first.enum,
    )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
