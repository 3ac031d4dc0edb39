"""``$ref`` among the loaded schemas without ``referencing``, for the files that need no more.

The shipped schemas refer to one another in three forms only: ``#/<pointer>``,
``urn:mockserver:<stem>`` and ``urn:mockserver:<stem>#/<pointer>``, with no ``$anchor``, no
``$dynamicRef`` and no ``$id`` below a file's root. For such a directory, :func:`plain_references`
resolves every reference (the loader's check that each one resolves, and the compiled fast
path's lookups) with a JSON pointer walk, and ``referencing`` (with attrs and rpds: ~25 ms and
~2.5 MB at start) is imported only when a jsonschema validator is first built. Any other
directory, or a reference that does not resolve here, takes ``referencing``'s way, with its
messages (:mod:`mockserver.schemas.loading`).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

ID_PREFIX = "urn:mockserver:"
"""A file ``<stem>.json`` is the resource ``urn:mockserver:<stem>``."""

# What only referencing resolves: a file using any of them takes its way.
_BEYOND = frozenset({"$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef"})
DATA_KEYWORDS = frozenset({"const", "default", "enum", "examples"})
"""Keywords whose values are data, not subschemas: a ``"$ref"`` key inside them is not a
reference."""
SCHEMA_MAPS = frozenset(
    {"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"}
)
"""Keywords whose values map names to subschemas (a property called ``"enum"`` is a schema)."""


class Unresolved(Exception):
    """A reference this module does not resolve (referencing may, or may say why not)."""


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a reference points to, and the resolver of the references inside it (as
    ``referencing``'s ``Resolved``)."""

    contents: Any
    resolver: PlainResolver


@dataclass(frozen=True, slots=True)
class PlainResolver:
    """Resolves the three plain forms of reference from the document at ``base``."""

    schemas: Mapping[str, dict[str, Any]]
    base: str

    def lookup(self, ref: str) -> Resolved:
        """The (sub)schema ``ref`` points to.

        :raises Unresolved: for any other form, or a pointer to nothing.
        """
        uri, _, fragment = ref.partition("#")
        target = uri or self.base
        if not target.startswith(ID_PREFIX) or target.removeprefix(ID_PREFIX) not in self.schemas:
            raise Unresolved(ref)
        node: Any = self.schemas[target.removeprefix(ID_PREFIX)]
        if fragment and not fragment.startswith("/"):
            raise Unresolved(ref)  # an anchor
        for raw in unquote(fragment).split("/")[1:]:  # as referencing splits a pointer
            part = raw.replace("~1", "/").replace("~0", "~")
            try:
                node = node[int(part)] if isinstance(node, list) else node[part]
            except (KeyError, ValueError, IndexError, TypeError):
                raise Unresolved(ref) from None
            if isinstance(node, dict) and "$id" in node:
                raise Unresolved(ref)  # an embedded resource: referencing's
        return Resolved(node, PlainResolver(self.schemas, target))

    def within(self, schema: Mapping[str, Any]) -> PlainResolver:
        """The resolver inside ``schema``, which has an ``$id``: only a file's root here.

        :raises Unresolved: for an embedded resource.
        """
        if schema.get("$id") != self.base:
            raise Unresolved(str(schema.get("$id")))
        return self


def plain_references(schemas: Mapping[str, dict[str, Any]]) -> bool:
    """Whether every reference of ``schemas`` is plain and resolves here (then
    :class:`PlainResolver` serves the directory)."""
    try:
        for stem, schema in schemas.items():
            resolver = PlainResolver(schemas, ID_PREFIX + stem)
            for ref in _references(schema, root=True):
                resolver.lookup(ref)
    except Unresolved:
        return False
    return True


def _references(node: object, *, root: bool = False) -> Iterator[str]:
    """Every ``$ref`` of a schema, as ``loading``'s walk finds them.

    :raises Unresolved: for a keyword only referencing resolves, or an embedded ``$id``.
    """
    if isinstance(node, list):
        for item in node:
            yield from _references(item)
        return
    if not isinstance(node, dict):
        return
    if _BEYOND & node.keys() or (not root and "$id" in node):
        raise Unresolved("beyond plain references")
    if isinstance(node.get("$ref"), str):
        yield node["$ref"]
    for key, value in node.items():
        if key in DATA_KEYWORDS:
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            for subschema in value.values():
                yield from _references(subschema)
        else:
            yield from _references(value)
