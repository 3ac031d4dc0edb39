"""The JSON Schemas of ``schemas/``: loaded, checked and turned into validators once.

This module owns the one offline ``referencing.Registry`` that ties the schema files together
(each file is the resource ``urn:mockserver:<file stem>``) and the validators built from it. It
imports no Flask: scenarios, views, the CLI and the OpenAPI document all share it.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import numbers
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema import FormatChecker
from jsonschema import ValidationError
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from referencing import Registry
from referencing import Resource
from referencing.exceptions import NoSuchAnchor
from referencing.exceptions import NoSuchResource
from referencing.exceptions import PointerToNowhere
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012
from referencing.jsonschema import Schema

from mockserver import resources
from mockserver.errors import ContractViolation
from mockserver.errors import SchemaLoadError
from mockserver.schemas.explain import closest
from mockserver.schemas.explain import shorten

DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The ``$schema`` every file must declare."""

ID_PREFIX = "urn:mockserver:"
"""A file ``<stem>.json`` is the resource ``urn:mockserver:<stem>``."""

MAX_REPORTED_ERRORS = 5
"""How many errors a :class:`~mockserver.errors.ContractViolation` message spells out."""

META_CHECKED = "meta-checked.sha256"
"""The file, in the shipped schemas directory, listing the SHA-256 of each shipped schema file
known to pass the draft 2020-12 metaschema check, one ``<hex digest>  <file name>`` line each (the
``sha256sum`` format). A file whose name and digest are listed skips that check at load, the
slowest part of it; every other check still runs, and any other file (an edited schema, a user's
directory) is checked in full. tests/test_schemas.py rewrites the list with
``MOCKSERVER_UPDATE_GOLDEN=1`` and fails while it is out of date."""

_CACHE_SIZE = 8
# Loaded directories, by (resolved directory, fast path, (file name, SHA-256) of every file); see
# SchemaRegistry. Least recently used last; at most _CACHE_SIZE entries.
_cache: OrderedDict[tuple[str, bool, tuple[tuple[str, str], ...]], _Loaded] = OrderedDict()
_cache_lock = threading.Lock()
_DIGEST = re.compile(r"[0-9a-f]{64}")

# Stems become OpenAPI component names, which must match ^[a-zA-Z0-9.\-_]+$.
_STEM = re.compile(r"[A-Za-z0-9._-]+")
# Keywords whose values are data, not subschemas: a "$ref" key inside them is not a reference.
_DATA_KEYWORDS = frozenset({"const", "default", "enum", "examples"})
# Keywords whose values map names to subschemas.
_SCHEMA_MAPS = frozenset(
    {"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"}
)
# jsonschema messages embed the failing instance's repr, which for a big list is enormous.

_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))",
    re.ASCII,
)
# RFC 3986: a scheme, then only unreserved, reserved and percent-encoded characters.
_URI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?\[\]]|%[0-9A-Fa-f]{2})*"
    r"(?:#(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?",
    re.ASCII,
)


def _is_date_time(instance: object) -> bool:
    """RFC 3339 ``date-time``: the syntax, and a date and time that exist."""
    if not isinstance(instance, str):
        return True
    match = _DATE_TIME.fullmatch(instance)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    offset_hour, offset_minute = match.group(7), match.group(8)
    if offset_hour is not None and (int(offset_hour) > 23 or int(offset_minute) > 59):
        return False
    try:
        # RFC 3339 allows a leap second (60), which datetime does not represent.
        datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return False
    return second <= 60


def _is_uri(instance: object) -> bool:
    """RFC 3986 absolute ``uri`` (a scheme and the legal character set)."""
    return not isinstance(instance, str) or _URI.fullmatch(instance) is not None


def _format_checker() -> FormatChecker:
    """Draft 2020-12's format checker, with our own ``date-time`` and ``uri``.

    jsonschema checks ``date-time`` only when ``rfc3339-validator`` is installed and ``uri`` only
    with ``rfc3987``, neither of which is a dependency of ours; without them both formats pass
    silently. Our checkers make the contract the same on every installation.
    """
    checker = FormatChecker(formats=())
    checker.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("date-time")(_is_date_time)
    checker.checks("uri")(_is_uri)
    return checker


def _is_strict_integer(checker: object, instance: object) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


# types-jsonschema leaves extend() unannotated; bind it to a typed name to call it.
_extend: Callable[..., Any] = extend

# JSON Schema counts 1541455200.0 as an integer; Sentry's answers never carry a float where an
# integer belongs (the documentation's stats example does, which is the bug we refuse to copy),
# and a float would break clients that parse integers strictly. Being stricter than Sentry is the
# safe side for requests too: a client the mock accepts is one Sentry accepts.
_Validator: Any = _extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_strict_integer),
)
_FORMAT_CHECKER = _format_checker()


def _refuse_retrieval(uri: str) -> Resource[Schema]:
    """Refuse to fetch anything: every schema is loaded from the directory up front.

    :raises NoSuchResource: always, so that a ``$ref`` never reaches the network.
    """
    # Positional: referencing's attrs-generated ``__init__`` is invisible to mypy.
    raise NoSuchResource(uri)


class SchemaRegistry:
    """Every ``*.json`` JSON Schema (draft 2020-12) of one directory, with a validator for each.

    A file ``<stem>.json`` must have ``"$id": "urn:mockserver:<stem>"``; files refer to one another
    only through such URIs. Everything is read and checked in the constructor; each schema's
    validator is built on its first use, under a lock. The object is otherwise read-only, so one
    instance can serve every thread.

    A process loads the same bytes once: a registry of a directory whose files have not changed
    since one was last built (compared by name and SHA-256) shares that one's schemas and
    validators, which are never written to, and skips every check.

    Validation first runs a check compiled from the schema that can only say "valid"; whenever it
    does not, jsonschema decides and reports the errors, so results never depend on it.

    :param directory: the directory of schema files; default, the shipped ``schemas/``.
    :param fast_path: use the compiled check; ``False`` leaves everything to jsonschema (for
        comparing the two).
    :raises SchemaLoadError: if the directory is missing or empty, or a file is unreadable, not
        JSON, not a valid draft 2020-12 schema, has a missing or wrong ``$schema`` or ``$id``, or
        holds a ``$ref`` that resolves to nothing loaded. The message names the file and where.
    """

    def __init__(self, directory: Path | None = None, *, fast_path: bool = True) -> None:
        if directory is None:
            try:
                directory = resources.schemas_dir()
            except FileNotFoundError as exc:
                raise SchemaLoadError(str(exc)) from exc
        if not directory.is_dir():
            raise SchemaLoadError(f"{directory}: no such directory of JSON Schemas")
        paths = sorted(directory.glob("*.json"))
        if not paths:
            raise SchemaLoadError(f"{directory}: no *.json schema files in this directory")

        files = [(path, _read(path)) for path in paths]
        digests = tuple(
            (path.name, hashlib.sha256(data).hexdigest())
            for path, data in files
            if isinstance(data, bytes)
        )
        key = (str(directory.resolve()), fast_path, digests)
        # A directory with an unreadable file has fewer digests than files and is never cached:
        # it fails to load, and failures are not kept.
        with _cache_lock:
            loaded = _cache.get(key)
            if loaded is not None:
                _cache.move_to_end(key)
        if loaded is None:
            loaded = _build(directory, files, dict(digests), fast_path)
            if len(digests) == len(files):
                with _cache_lock:
                    _cache[key] = loaded
                    while len(_cache) > _CACHE_SIZE:
                        _cache.popitem(last=False)

        self._directory = directory
        self._schemas = loaded.schemas
        self._loaded = loaded

    def ids(self) -> list[str]:
        """The stems of the loaded schemas, sorted (``"hook"`` for ``hook.json``)."""
        return sorted(self._schemas)

    def schema(self, stem: str) -> dict[str, Any]:
        """A copy of the schema of ``<stem>.json``, as written in the file.

        :param stem: the file's stem, e.g. ``"hook"`` or ``"scenario.schema"``.
        :raises KeyError: if no such schema was loaded.
        """
        self._known(stem)
        return copy.deepcopy(self._schemas[stem])

    def errors(self, stem: str, instance: Any) -> list[ValidationError]:
        """Every way ``instance`` breaks the schema ``stem``, sorted by ``json_path``.

        :param stem: the schema's file stem.
        :param instance: a JSON value (dicts, lists, str, int, float, bool, None).
        :returns: the errors; empty when the instance is valid.
        :raises KeyError: if no such schema was loaded.
        """
        validator, fast = self._prepared(stem)
        if fast is not None and fast(instance):
            return []
        return sorted(validator.iter_errors(instance), key=lambda error: error.json_path)

    def is_valid(self, stem: str, instance: Any) -> bool:
        """Whether ``instance`` matches the schema ``stem`` (stops at the first error).

        :param stem: the schema's file stem.
        :param instance: a JSON value.
        :raises KeyError: if no such schema was loaded.
        """
        validator, fast = self._prepared(stem)
        return (fast is not None and fast(instance)) or validator.is_valid(instance)

    def check(self, stem: str, instance: Any) -> None:
        """Do nothing if ``instance`` matches the schema ``stem``; raise otherwise.

        :param stem: the schema's file stem.
        :param instance: a JSON value, typically a body the mock is about to answer.
        :raises ContractViolation: if it does not match; the message names the schema and the
            JSON path and message of the first :data:`MAX_REPORTED_ERRORS` errors.
        :raises KeyError: if no such schema was loaded.
        """
        found = self.errors(stem, instance)
        if found:
            raise ContractViolation(_describe(stem, found))

    def _prepared(self, stem: str) -> tuple[Validator, _Check | None]:
        ready = self._loaded.get(stem)
        return ready if ready is not None else self._loaded.prepare(self._known(stem))

    def _known(self, stem: str) -> str:
        if stem in self._schemas:
            return stem
        near = difflib.get_close_matches(stem, self._schemas, n=3)
        hint = f"; did you mean {', '.join(map(repr, near))}?" if near else ""
        raise KeyError(
            f"no schema {stem!r} in {self._directory} (known: {', '.join(self.ids())}){hint}"
        )


class _Loaded:
    """What a directory loads to, shared by every registry of the same files.

    The schemas are checked and never written to. A schema's validator and compiled check are
    built on its first use (most of an app's schemas wait for a request that needs them) under
    a lock, then published whole in one dict assignment: :meth:`get` reads without the lock.
    jsonschema validators and the compiled checks are immutable and safe to share.
    """

    __slots__ = ("_compiler", "_fast_path", "_lock", "_ready", "_registry", "schemas")

    def __init__(
        self, schemas: dict[str, dict[str, Any]], registry: Registry[Schema], fast_path: bool
    ) -> None:
        self.schemas: Mapping[str, dict[str, Any]] = MappingProxyType(schemas)
        self._registry = registry
        self._fast_path = fast_path
        self._compiler = _Compiler()
        self._lock = threading.Lock()
        self._ready: dict[str, tuple[Validator, _Check | None]] = {}

    def get(self, stem: str) -> tuple[Validator, _Check | None] | None:
        """The validator and compiled check of ``stem``, or ``None`` before :meth:`prepare`."""
        return self._ready.get(stem)

    def prepare(self, stem: str) -> tuple[Validator, _Check | None]:
        """Build (once) the validator and compiled check of ``stem``, a loaded schema's stem."""
        with self._lock:
            ready = self._ready.get(stem)
            if ready is None:
                schema = self.schemas[stem]
                validator = _Validator(
                    schema, registry=self._registry, format_checker=_FORMAT_CHECKER
                )
                resolver = self._registry.resolver(base_uri=ID_PREFIX + stem)
                fast = self._compiler.compile_root(schema, resolver) if self._fast_path else None
                ready = self._ready[stem] = (validator, fast)
            return ready


def _build(
    directory: Path,
    files: list[tuple[Path, bytes | OSError]],
    digests: Mapping[str, str],
    fast_path: bool,
) -> _Loaded:
    """Check and load the schemas of ``files``: each path with its bytes, or the error reading
    it; ``digests`` has the SHA-256 of each file read, by file name."""
    shipped = _meta_checked()
    schemas: dict[str, dict[str, Any]] = {}
    for path, data in files:
        stem = path.name.removesuffix(".json")
        listed = digests.get(path.name)
        known_good = listed is not None and shipped.get(path.name) == listed
        schemas[stem] = _load_schema(path, stem, data, meta_check=not known_good)

    registry: Registry[Schema] = Registry(  # type: ignore[call-arg]  # attrs init, see above
        retrieve=_refuse_retrieval
    )
    registry = registry.with_resources(
        (ID_PREFIX + stem, DRAFT202012.create_resource(schema)) for stem, schema in schemas.items()
    ).crawl()  # index anchors and subresources now, not on the first request
    for stem, schema in schemas.items():
        _check_references(directory / f"{stem}.json", schema, registry, sorted(schemas))

    return _Loaded(schemas, registry, fast_path)


def _read(path: Path) -> bytes | OSError:
    try:
        return path.read_bytes()
    except OSError as exc:
        return exc  # reported by _load_schema, in the order of the files


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
        _load_schema(path, path.name.removesuffix(".json"), data, meta_check=True)
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {path.name}\n")
    return "".join(lines)


def _describe(stem: str, errors: list[ValidationError]) -> str:
    count = len(errors)
    lines = [
        f"does not match schema {stem!r} ({ID_PREFIX}{stem}): "
        f"{count} error{'' if count == 1 else 's'}"
    ]
    for error in errors[:MAX_REPORTED_ERRORS]:
        message = shorten(error.message)
        if error.context:
            # anyOf/oneOf only say "not valid under any"; the closest branch says why.
            near = closest(error)
            message += f" (closest: {near.json_path}: {shorten(near.message)})"
        lines.append(f"  {error.json_path}: {message}")
    if count > MAX_REPORTED_ERRORS:
        lines.append(f"  ... and {count - MAX_REPORTED_ERRORS} more")
    return "\n".join(lines)


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


def _load_schema(
    path: Path, stem: str, data: bytes | OSError, *, meta_check: bool
) -> dict[str, Any]:
    """Check one file's bytes are a draft 2020-12 schema whose ``$id`` matches its name.

    :param data: the file's bytes, or the error reading it.
    :param meta_check: check the schema against the draft 2020-12 metaschema; ``False`` only for
        bytes known to pass (see :data:`META_CHECKED`).
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
    try:
        _Validator.check_schema(contents)
    except SchemaError as exc:
        raise SchemaLoadError(
            f"{path}: {exc.json_path}: not a valid draft 2020-12 schema: {shorten(exc.message)}"
        ) from exc
    return contents


def _check_references(
    path: Path, schema: dict[str, Any], registry: Registry[Schema], stems: list[str]
) -> None:
    """Resolve every ``$ref`` now, so a dangling one fails at load and not mid-request."""
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
        # An embedded resource is the base URI of the references inside it.
        resolver = resolver.in_subresource(DRAFT202012.create_resource(node))
    for keyword in ("$ref", "$dynamicRef"):
        if isinstance(node.get(keyword), str):
            yield f"{location}.{keyword}", keyword, node[keyword], resolver
    for key, value in node.items():
        if key in _DATA_KEYWORDS:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            # Property names are names, not keywords: a property called "enum" is a schema.
            for name, subschema in value.items():
                yield from _references(subschema, f"{location}.{key}.{name}", resolver)
        else:
            yield from _references(value, f"{location}.{key}", resolver)


# --- the compiled fast path ---------------------------------------------------------------------
#
# jsonschema interprets a schema afresh on every call, about 70 µs per user object: a page of 100
# users takes ~7 ms, too slow to check every response. The mock's answers are nearly always
# valid, so closures compiled once answer the common case in a fraction of that. They are sound
# for "valid" only: True only when jsonschema finds no error; False when the instance is invalid
# *or* anything is in doubt, and then jsonschema runs as if the fast path did not exist. A schema
# using a keyword not implemented here gets no fast path. tests/test_schemas.py compares the two.

_Check = Callable[[object], bool]
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default"}
)
# Python equality is JSON equality for these only (jsonschema tells True from 1, not 1 from 1.0).
_SCALARS = (str, int, float, type(None))


def _number(instance: object) -> bool:
    return isinstance(instance, int | float) and not isinstance(instance, bool)


def _beyond(instance: object) -> bool:
    """Whether a value is a number to jsonschema but not to the fast path (Decimal, ...)."""
    return isinstance(instance, numbers.Number) and not isinstance(instance, bool | int | float)


def _types(names: list[str]) -> _Check:
    if not set(names) <= {"null", "boolean", "integer", "number", "string", "array", "object"}:
        raise _UnsupportedError(f"type {names}")
    kinds = tuple(k for n, k in (("string", str), ("array", list), ("object", dict)) if n in names)
    allowed = {
        type(None): "null" in names,
        bool: "boolean" in names,
        int: "integer" in names or "number" in names,
        float: "number" in names,
    }
    # Exact classes first (the common case), then subclasses such as str enums.
    return lambda i: allowed[type(i)] if type(i) in allowed else isinstance(i, kinds)


def _one_of(values: list[Any]) -> _Check:
    if not all(isinstance(v, _SCALARS) for v in values):
        raise _UnsupportedError("enum or const of arrays or objects")
    # JSON tells true from 1 (Python does not): booleans match booleans only, and the rest the
    # rest (where Python's equality is JSON's, 1 == 1.0 included).
    flags = {v for v in values if isinstance(v, bool)}
    others = [v for v in values if not isinstance(v, bool)]
    return lambda i: i in flags if isinstance(i, bool) else isinstance(i, _SCALARS) and i in others


def _unique(instance: object) -> bool:
    if not isinstance(instance, list) or len(instance) < 2:
        return True
    # Strings only; other items need jsonschema's own equality.
    return all(isinstance(i, str) for i in instance) and len(set(instance)) == len(instance)


def _on(kind: type, test: Callable[[Any], bool]) -> _Check:
    """A keyword that applies to one JSON type and lets every other type through."""
    return lambda i: not isinstance(i, kind) or test(i)


def _pattern(regex: re.Pattern[str]) -> _Check:
    return _on(str, lambda i: regex.search(i) is not None)  # jsonschema uses search() too


def _bound(within: Callable[[Any], bool]) -> _Check:
    return lambda i: within(i) if _number(i) else not _beyond(i)


# Keywords that need neither subschemas nor their siblings.
_SIMPLE: dict[str, Callable[[Any], _Check]] = {
    "type": lambda v: _types([v] if isinstance(v, str) else list(v)),
    "enum": _one_of,
    "const": lambda v: _one_of([v]),
    "required": lambda v: _on(dict, lambda i: all(k in i for k in v)),
    "minProperties": lambda v: _on(dict, lambda i: len(i) >= v),
    "minItems": lambda v: _on(list, lambda i: len(i) >= v),
    "maxItems": lambda v: _on(list, lambda i: len(i) <= v),
    "uniqueItems": lambda v: _unique if v else _always,
    "minLength": lambda v: _on(str, lambda i: len(i) >= v),
    "maxLength": lambda v: _on(str, lambda i: len(i) <= v),
    "pattern": lambda v: _pattern(re.compile(v)),
    "format": lambda v: lambda i: bool(_FORMAT_CHECKER.conforms(i, v)),
    "minimum": lambda v: _bound(lambda i: i >= v),
    "maximum": lambda v: _bound(lambda i: i <= v),
}


class _UnsupportedError(Exception):
    """The schema needs something the fast path does not implement."""


def _always(instance: object) -> bool:
    return True


def _never(instance: object) -> bool:
    return False


class _Compiler:
    """Compiles the schemas of one registry, one file at a time (not thread-safe: the caller
    holds a lock)."""

    def __init__(self) -> None:
        # By the id of the schema dict (the registry keeps it alive): a shared $ref target is
        # compiled once, and a recursive schema finds its own check while it is being built.
        self._done: dict[int, _Check] = {}

    def compile_root(self, schema: dict[str, Any], resolver: Any) -> _Check | None:
        """The check of a whole file's schema; ``None`` if it needs something not implemented
        here (then jsonschema alone validates it)."""
        before = dict(self._done)
        try:
            return self.compile(schema, resolver)
        except Exception as exc:
            # Forget everything this attempt left: the placeholder of a schema that failed
            # would answer nothing, and checks built meanwhile may call it. Another file that
            # refers to a part of this one then compiles that part afresh (or fails alike).
            self._done = before
            if isinstance(exc, _UnsupportedError):
                return None
            raise

    def compile(self, schema: object, resolver: Any) -> _Check:
        if isinstance(schema, bool):
            return _always if schema else _never
        if not isinstance(schema, dict):
            raise _UnsupportedError("a schema that is neither an object nor a boolean")
        if isinstance(schema.get("$id"), str):
            # An embedded resource is the base URI of the references inside it.
            resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
        key = id(schema)
        if key not in self._done:
            late: list[_Check] = []
            self._done[key] = lambda i: late[0](i)
            late.append(self._build(schema, resolver))
            self._done[key] = late[0]
        return self._done[key]

    def _build(self, schema: dict[str, Any], resolver: Any) -> _Check:
        unknown = set(schema) - _ANNOTATIONS - set(_SIMPLE) - _STRUCTURAL
        if unknown:
            raise _UnsupportedError(", ".join(sorted(unknown)))
        checks = [_SIMPLE[k](v) for k, v in schema.items() if k in _SIMPLE]
        if "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            checks.append(self.compile(resolved.contents, resolved.resolver))
        if {"properties", "additionalProperties"} & set(schema):
            checks.append(self._object(schema, resolver))
        if {"prefixItems", "items"} & set(schema):
            checks.append(self._array(schema, resolver))
        if "propertyNames" in schema:
            names = self.compile(schema["propertyNames"], resolver)
            checks.append(_on(dict, lambda i: all(map(names, i))))
        if "contains" in schema:
            matches = self.compile(schema["contains"], resolver)
            checks.append(_on(list, lambda i: any(map(matches, i))))
        if "allOf" in schema:
            every = [self.compile(sub, resolver) for sub in schema["allOf"]]
            checks.append(lambda i: all(check(i) for check in every))
        if "anyOf" in schema:
            some = [self.compile(sub, resolver) for sub in schema["anyOf"]]
            checks.append(lambda i: any(check(i) for check in some))
        if len(checks) == 1:
            return checks[0]
        return lambda i: all(check(i) for check in checks)

    def _object(self, schema: dict[str, Any], resolver: Any) -> _Check:
        props = schema.get("properties", {})
        named = {name: self.compile(sub, resolver) for name, sub in props.items()}
        other = self.compile(schema.get("additionalProperties", True), resolver)
        return _on(dict, lambda i: all(named.get(k, other)(v) for k, v in i.items()))

    def _array(self, schema: dict[str, Any], resolver: Any) -> _Check:
        prefix = [self.compile(sub, resolver) for sub in schema.get("prefixItems", [])]
        rest = self.compile(schema.get("items", True), resolver)

        def check(items: list[Any]) -> bool:
            head = all(one(item) for one, item in zip(prefix, items, strict=False))
            return head and all(map(rest, items[len(prefix) :]))

        return _on(list, check)


# Keywords _build handles itself; any keyword in neither list means "no fast path".
_STRUCTURAL = frozenset(
    {"$ref", "properties", "additionalProperties", "prefixItems", "items"}
    # Not oneOf or not: a check may answer False for a valid instance (when in doubt), which
    # would make them answer True for an invalid one.
    | {"propertyNames", "contains", "allOf", "anyOf"}
)
