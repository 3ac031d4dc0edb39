"""``SchemaRegistry.body_check``: a response check whole, or one top-level key at a time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver.errors import ResponseSchemaError
from mockserver.schemas.registry import SchemaRegistry


def _write(directory: Path, stem: str, schema: dict[str, Any]) -> None:
    body = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:mockserver:{stem}",
    }
    (directory / f"{stem}.json").write_text(json.dumps({**body, **schema}), encoding="utf-8")


def test_the_project_check_vouches_for_each_property_and_the_required_keys() -> None:
    registry = SchemaRegistry()
    check = registry.body_check("project")
    assert check is registry.body_check("project")  # made once
    assert check.by_parts
    assert check.part("name", "Renamed")
    assert not check.part("name", 42)
    assert not check.part("name", "x" * 201)  # maxLength 200
    assert check.part("platform", None)
    assert check.part("notInTheSchema", object())  # additionalProperties: true
    required = registry.schema("project")["required"]
    assert check.has_required(required[:3], required[3:])
    assert not check.has_required(required[1:])
    with pytest.raises(ResponseSchemaError, match="'id' is a required property"):
        check({"name": 42})


def test_a_schema_not_made_of_properties_only_is_checked_whole(tmp_path: Path) -> None:
    _write(tmp_path, "listed", {"type": "array", "items": {"type": "string"}})
    _write(
        tmp_path,
        "bounded",
        {"type": "object", "properties": {"a": {"type": "string"}}, "maxProperties": 1},
    )
    _write(tmp_path, "plain", {"type": "object", "properties": {"a": {"type": "string"}}})
    registry = SchemaRegistry(tmp_path)
    for stem in ("listed", "bounded"):
        check = registry.body_check(stem)
        assert not check.by_parts
        assert not check.part("a", "text")  # never vouches
        assert not check.has_required([])
    assert registry.body_check("plain").by_parts
    with pytest.raises(ResponseSchemaError):
        registry.body_check("bounded")({"a": "x", "b": "y"})
    registry.body_check("bounded")({"a": "x"})
    slow = SchemaRegistry(tmp_path, fast_path=False)
    assert not slow.body_check("plain").by_parts  # no fast path: whole, by jsonschema
