"""Plain references resolved without referencing; anything else left to referencing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver.errors import SchemaLoadError
from mockserver.schemas.refs import PlainResolver
from mockserver.schemas.refs import Unresolved
from mockserver.schemas.refs import plain_references
from mockserver.schemas.registry import SchemaRegistry

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _schema(stem: str, **body: Any) -> dict[str, Any]:
    return {"$schema": DIALECT, "$id": f"urn:mockserver:{stem}", **body}


def _write(directory: Path, stem: str, **body: Any) -> None:
    (directory / f"{stem}.json").write_text(json.dumps(_schema(stem, **body)))


ODD = {
    "a/b": {"type": "integer"},
    "c~d": {"type": "string"},
    "e%f": {"type": "boolean"},
    "list": [{"type": "null"}, {"minimum": 3}],
}
SCHEMAS = {
    "a": _schema("a", **{"$defs": ODD}),
    "b": _schema("b", properties={"x": {"$ref": "urn:mockserver:a#/$defs/a~1b"}}),
}


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("#/$defs/a~1b", {"type": "integer"}),
        ("#/$defs/c~0d", {"type": "string"}),
        ("#/$defs/e%25f", {"type": "boolean"}),
        ("#/$defs/list/1", {"minimum": 3}),
        ("urn:mockserver:a#/$defs/list/0", {"type": "null"}),
        ("urn:mockserver:b", SCHEMAS["b"]),
        ("urn:mockserver:a#", SCHEMAS["a"]),
    ],
)
def test_a_plain_reference_resolves_to_what_its_pointer_names(
    ref: str, expected: dict[str, Any]
) -> None:
    resolved = PlainResolver(SCHEMAS, "urn:mockserver:a").lookup(ref)
    assert resolved.contents == expected
    # Inside what it found, "#" is that document.
    assert resolved.resolver.lookup("#").contents == SCHEMAS[ref.partition("#")[0][15:] or "a"]


@pytest.mark.parametrize(
    "ref",
    ["#/$defs/nope", "#/$defs/list/2", "#/$defs/list/x", "#anchor", "urn:mockserver:z", "http://x"],
)
def test_anything_else_is_left_to_referencing(ref: str) -> None:
    with pytest.raises(Unresolved):
        PlainResolver(SCHEMAS, "urn:mockserver:a").lookup(ref)


def test_a_directory_of_plain_references_loads_without_referencing(tmp_path: Path) -> None:
    _write(tmp_path, "a", prefixItems=ODD["list"], **{"$defs": {"a/b": {"type": "integer"}}})
    _write(tmp_path, "b", properties={"x": {"$ref": "urn:mockserver:a#/$defs/a~1b"}})
    registry = SchemaRegistry(tmp_path)
    assert registry._loaded._registry is None  # linked by the first jsonschema validator
    assert registry.is_valid("b", {"x": 1})  # the fast path alone
    assert registry._loaded._registry is None
    assert [e.message for e in registry.errors("b", {"x": "1"})] == ["'1' is not of type 'integer'"]
    assert registry._loaded._registry is not None


@pytest.mark.parametrize(
    "body",
    [
        {"$defs": {"x": {"$anchor": "here"}}, "$ref": "#here"},
        {"$defs": {"x": {"$id": "urn:mockserver:inner", "type": "string"}}},
        {"$dynamicAnchor": "meta", "type": "object"},
    ],
)
def test_anchors_and_embedded_resources_are_linked_at_load(
    tmp_path: Path, body: dict[str, Any]
) -> None:
    _write(tmp_path, "a", **body)
    assert not plain_references({"a": _schema("a", **body)})
    assert SchemaRegistry(tmp_path)._loaded._registry is not None


def test_a_dangling_reference_still_fails_with_referencings_reason(tmp_path: Path) -> None:
    _write(tmp_path, "a", properties={"x": {"$ref": "#/$defs/missing"}})
    with pytest.raises(SchemaLoadError, match="its JSON pointer points to nothing"):
        SchemaRegistry(tmp_path)
