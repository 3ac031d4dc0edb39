"""The ``schemas/`` files as the OpenAPI document's ``components.schemas``: each schema an
operation uses, and every schema it refers to, with its references rewritten and its tuples in
the form every OpenAPI tool reads.

A tuple (``prefixItems``: ``[timestamp, count]`` in ``stats``) is valid JSON Schema 2020-12 and
OpenAPI 3.1, but Schemathesis 4 rewrites it into the draft-4 tuple form and then refuses that
under its 2020-12 validator, and older tools (Prism 5's generator among them) do not know the
keyword. In the document a tuple is therefore written as an array whose every item is one of the
tuple's item schemas (``items: {anyOf: [...]}``), with its ``minItems``/``maxItems`` kept: the
length and the item types stay checkable by any tool, only the position of each item is lost.
The files themselves keep the tuple, and the mock checks each of its answers against them
(``validate_responses``), so the exact bounds are still enforced on what it answers.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from mockserver.world.model import World

from mockserver.schemas.registry import ID_PREFIX
from mockserver.schemas.registry import SchemaRegistry

COMPONENTS = "#/components/schemas/"
"""Where a component schema is, as a reference: ``#/components/schemas/<stem>``."""


def component_schemas(registry: SchemaRegistry, stems: Iterable[str]) -> dict[str, Any]:
    """The schemas ``stems`` and every schema they refer to, as OpenAPI components.

    Each is the file's schema with ``$schema`` and ``$id`` dropped (a component is not a
    resource of its own) and its references rewritten: ``urn:mockserver:<stem>[#pointer]`` to
    ``#/components/schemas/<stem>[pointer]``, and a local ``#pointer`` to the same place under
    its own component.

    :raises KeyError: if a stem is not in ``registry``.
    """
    pending = sorted(set(stems))
    done: dict[str, Any] = {}
    while pending:
        stem = pending.pop()
        if stem in done:
            continue
        schema = registry.schema(stem)
        schema.pop("$schema", None)
        schema.pop("$id", None)
        refers: set[str] = set()
        done[stem] = _rewrite(schema, stem, refers)
        pending.extend(sorted(refers - set(done)))
    return dict(sorted(done.items()))


# Keywords whose values are data, not schemas: a "$ref" key inside them is data too.
_DATA_KEYWORDS = frozenset({"const", "default", "enum", "examples", "example"})
# Keywords whose values map names to schemas.
_SCHEMA_MAPS = frozenset(
    {"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"}
)


def _rewrite(node: Any, stem: str, refers: set[str]) -> Any:
    if isinstance(node, list):
        return [_rewrite(item, stem, refers) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten: dict[str, Any] = {}
    if "prefixItems" in node and "items" not in node:
        node = tuple_as_items(node)
    for key, value in node.items():
        if key in ("$ref", "$dynamicRef") and isinstance(value, str):
            rewritten[key] = _rewrite_ref(value, stem, refers)
        elif key in _DATA_KEYWORDS:
            rewritten[key] = copy.deepcopy(value)
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            rewritten[key] = {name: _rewrite(sub, stem, refers) for name, sub in value.items()}
        else:
            rewritten[key] = _rewrite(value, stem, refers)
    return rewritten


def tuple_as_items(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its tuple (``prefixItems``, no ``items``) as an array of any of the
    tuple's item schemas; its other keywords (``minItems``, ``maxItems``, ...) unchanged."""
    return {
        ("items" if key == "prefixItems" else key): (
            {"anyOf": value} if key == "prefixItems" else value
        )
        for key, value in schema.items()
    }


def _rewrite_ref(ref: str, stem: str, refers: set[str]) -> str:
    target, _, pointer = ref.partition("#")
    if not target:
        target_stem = stem
    elif target.startswith(ID_PREFIX):
        target_stem = target[len(ID_PREFIX) :]
        refers.add(target_stem)
    else:
        # The registry refuses any other reference when it loads, so this is unreachable.
        raise KeyError(f"schema {stem!r}: cannot place reference {ref!r} in the document")
    return COMPONENTS + target_stem + pointer


def with_scenario_projects(document: dict[str, Any], world: World) -> dict[str, Any]:
    """``document`` with the update body's ``copy_from_project`` narrowed to the ids of the
    projects the served scenario's first organization has (the one its examples name).

    Which ids name a project is the scenario's, not the schema's: any integer is well formed,
    and Sentry answers a 400 for one that names no project of the organization. A fuzzer
    reading the document as valid data would take that 400 for a refusal of valid data.
    """
    body = document["components"]["schemas"].get("project-update")
    if body is None or not world.organizations:
        return document
    ids = [int(project.id) for project in world.organizations[0].projects]
    described = body["properties"]["copy_from_project"]
    body["properties"]["copy_from_project"] = {
        "enum": ids,
        "description": described.get("description", "")
        + " In this scenario: one of the ids listed.",
    }
    return document
