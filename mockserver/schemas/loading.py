"""Reading and checking the schema files of a directory, before anything validates with them.

Every check runs at load, so that a broken file fails the start and never a request: the file
name, UTF-8 JSON without duplicate keys, ``$schema`` and ``$id``, the draft 2020-12 metaschema
(skipped for the shipped files whose SHA-256 :data:`META_CHECKED` lists), and every ``$ref``
resolving to something loaded. :func:`load` returns the checked schemas and the offline
``referencing.Registry`` that ties them together; :mod:`mockserver.schemas.registry` keeps what
it loads.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from mockserver import resources
from mockserver.errors import SchemaLoadError
from mockserver.schemas.explain import shorten
from mockserver.schemas.formats import strict_validator
from mockserver.schemas.refs import DATA_KEYWORDS
from mockserver.schemas.refs import ID_PREFIX as ID_PREFIX
from mockserver.schemas.refs import SCHEMA_MAPS
from mockserver.schemas.refs import plain_references

if TYPE_CHECKING:
    from referencing import Registry
    from referencing import Resource
    from referencing.jsonschema import Schema

DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The ``$schema`` every file must declare."""

META_CHECKED = "meta-checked.sha256"
"""The file, in the shipped schemas directory, listing the SHA-256 of each shipped schema file
known to pass the draft 2020-12 metaschema check, one ``<hex digest>  <file name>`` line each (the
``sha256sum`` format). A file whose name and digest are listed skips that check at load, the
slowest part of it; every other check still runs, and any other file (an edited schema, a user's
directory) is checked in full. tests/test_schemas.py rewrites the list with
``MOCKSERVER_UPDATE_GOLDEN=1`` and fails while it is out of date."""

_DIGEST = re.compile(r"[0-9a-f]{64}")

# Stems become OpenAPI component names, which must match ^[a-zA-Z0-9.\-_]+$.
_STEM = re.compile(r"[A-Za-z0-9._-]+")


def _refuse_retrieval(uri: str) -> Resource[Schema]:
    """Refuse to fetch anything: every schema is loaded from the directory up front.

    :raises NoSuchResource: always, so that a ``$ref`` never reaches the network.
    """
    from referencing.exceptions import NoSuchResource

    # Positional: referencing's attrs-generated ``__init__`` is invisible to mypy.
    raise NoSuchResource(uri)


def load(
    directory: Path,
    files: list[tuple[Path, bytes | OSError]],
    digests: Mapping[str, str],
) -> tuple[dict[str, dict[str, Any]], Registry[Schema] | None]:
    """Check and load the schemas of ``directory``.

    :param files: each ``*.json`` path of the directory with its bytes, or the error reading it
        (see :func:`read`), sorted by name.
    :param digests: the SHA-256 of each file read, by file name.
    :returns: the schemas by stem, and the registry of them all, crawled, every ``$ref``
        checked to resolve; ``None`` for the registry when every reference is plain and
        resolves (:mod:`mockserver.schemas.refs`: :func:`link` makes it when first needed).
    :raises SchemaLoadError: at the first file that fails a check (see the module docstring).
    """
    shipped = _meta_checked()
    schemas: dict[str, dict[str, Any]] = {}
    for path, data in files:
        stem = path.name.removesuffix(".json")
        listed = digests.get(path.name)
        known_good = listed is not None and shipped.get(path.name) == listed
        schemas[stem] = load_schema(path, stem, data, meta_check=not known_good)
    if plain_references(schemas):
        return schemas, None
    registry = link(schemas)
    for stem, schema in schemas.items():
        _check_references(directory / f"{stem}.json", schema, registry, sorted(schemas))
    return schemas, registry


def link(schemas: Mapping[str, dict[str, Any]]) -> Registry[Schema]:
    """The offline ``referencing.Registry`` of ``schemas``, crawled (anchors and subresources
    indexed now, not on the first request); imports ``referencing``."""
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    registry: Registry[Schema] = Registry(  # type: ignore[call-arg]  # attrs init, see above
        retrieve=_refuse_retrieval
    )
    return registry.with_resources(
        (ID_PREFIX + stem, DRAFT202012.create_resource(schema)) for stem, schema in schemas.items()
    ).crawl()


def read(path: Path) -> bytes | OSError:
    """The bytes of a schema file, or the error reading it: :func:`load` reports it, in the
    order of the files."""
    try:
        return path.read_bytes()
    except OSError as exc:
        return exc


def _meta_checked() -> dict[str, str]:
    """The shipped :data:`META_CHECKED` list, by file name; empty if it is missing or unreadable
    (then every file is checked in full). Only the shipped list counts, never one in a user's
    directory: a digest vouches for the exact bytes a test checked."""
    try:
        text = (resources.schemas_dir() / META_CHECKED).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    listed: dict[str, str] = {}
    for line in text.splitlines():
        digest, separator, name = line.partition("  ")
        if separator and _DIGEST.fullmatch(digest):
            listed[name] = digest
    return listed


def meta_checked_list(directory: Path) -> str:
    """The text of :data:`META_CHECKED` for the ``*.json`` files of ``directory``: each file is
    checked in full (the metaschema included) and listed with its SHA-256, sorted by name.

    :raises SchemaLoadError: if a file fails a check, so that it can never be listed.
    :raises OSError: if a file cannot be read.
    """
    lines = []
    for path in sorted(directory.glob("*.json")):
        data = path.read_bytes()
        load_schema(path, path.name.removesuffix(".json"), data, meta_check=True)
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {path.name}\n")
    return "".join(lines)


class _DuplicateKeyError(ValueError):
    pass


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys without a word; in a schema that hides an edit.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def load_schema(
    path: Path, stem: str, data: bytes | OSError, *, meta_check: bool
) -> dict[str, Any]:
    """Check one file's bytes are a draft 2020-12 schema whose ``$id`` matches its name.

    :param data: the file's bytes, or the error reading it.
    :param meta_check: check the schema against the draft 2020-12 metaschema; ``False`` only for
        bytes known to pass (see :data:`META_CHECKED`).
    :returns: the schema.
    :raises SchemaLoadError: naming the file, and where, when a check fails.
    """
    if _STEM.fullmatch(stem) is None:
        raise SchemaLoadError(
            f"{path}: the file name may only use letters, digits, '.', '_' and '-' "
            "(the stem becomes a URI and an OpenAPI component name)"
        )
    try:
        if isinstance(data, OSError):
            raise data
        # As a text-mode read would: universal newlines. (A raw CR cannot be inside a JSON
        # string, so only line and column numbers of messages can tell.)
        text = data.decode("utf-8")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaLoadError(f"{path}: cannot read the file: {exc}") from exc
    try:
        contents = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise SchemaLoadError(
            f"{path}: line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"
        ) from exc
    except _DuplicateKeyError as exc:
        raise SchemaLoadError(
            f"{path}: duplicate key {exc.args[0]!r} in one object (JSON would keep only the last)"
        ) from exc
    if not isinstance(contents, dict):
        raise SchemaLoadError(
            f"{path}: a schema file must hold a JSON object, not {type(contents).__name__}"
        )
    if contents.get("$schema") != DIALECT:
        raise SchemaLoadError(
            f"{path}: $schema is {contents.get('$schema')!r}; expected {DIALECT!r} "
            "(every schema here is draft 2020-12)"
        )
    expected_id = ID_PREFIX + stem
    if "$id" not in contents:
        raise SchemaLoadError(f'{path}: $id is missing; add "$id": {json.dumps(expected_id)}')
    if contents["$id"] != expected_id:
        raise SchemaLoadError(
            f"{path}: $id is {contents['$id']!r} but the file name requires {expected_id!r}"
        )
    if not meta_check:
        return contents
    # jsonschema only here: the shipped files skip this check, and their server never needs it.
    from jsonschema.exceptions import SchemaError

    try:
        strict_validator().check_schema(contents)
    except SchemaError as exc:
        raise SchemaLoadError(
            f"{path}: {exc.json_path}: not a valid draft 2020-12 schema: {shorten(exc.message)}"
        ) from exc
    return contents


def _check_references(
    path: Path, schema: dict[str, Any], registry: Registry[Schema], stems: list[str]
) -> None:
    """Resolve every ``$ref`` now, so a dangling one fails at load and not mid-request."""
    from referencing.exceptions import NoSuchAnchor
    from referencing.exceptions import PointerToNowhere
    from referencing.exceptions import Unresolvable

    resolver = registry.resolver(base_uri=ID_PREFIX + path.name.removesuffix(".json"))
    for location, keyword, ref, scope in _references(schema, "$", resolver):
        try:
            scope.lookup(ref)
        except PointerToNowhere:
            problem = "its JSON pointer points to nothing in that schema"
        except NoSuchAnchor:
            problem = "that schema has no such anchor"
        except Unresolvable:
            problem = (
                f"no schema loaded from {path.parent} has that URI (nothing is fetched); "
                f"refer to {ID_PREFIX}<stem> with <stem> one of: {', '.join(stems)}"
            )
        else:
            continue
        raise SchemaLoadError(f"{path}: {location}: {keyword} {ref!r} does not resolve: {problem}")


def _references(node: object, location: str, resolver: Any) -> Iterator[tuple[str, str, str, Any]]:
    """Yield ``(json path, keyword, reference, resolver in scope)`` for each reference."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _references(item, f"{location}[{index}]", resolver)
        return
    if not isinstance(node, dict):
        return
    if location != "$" and isinstance(node.get("$id"), str):
        from referencing.jsonschema import DRAFT202012

        # An embedded resource is the base URI of the references inside it.
        resolver = resolver.in_subresource(DRAFT202012.create_resource(node))
    for keyword in ("$ref", "$dynamicRef"):
        if isinstance(node.get(keyword), str):
            yield f"{location}.{keyword}", keyword, node[keyword], resolver
    for key, value in node.items():
        if key in DATA_KEYWORDS:
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            # Property names are names, not keywords: a property called "enum" is a schema.
            for name, subschema in value.items():
                yield from _references(subschema, f"{location}.{key}.{name}", resolver)
        else:
            yield from _references(value, f"{location}.{key}", resolver)
