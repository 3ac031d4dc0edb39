"""The JSON Schemas of ``schemas/``: loaded, checked and turned into validators once.

This module owns :class:`SchemaRegistry` and the one process-level cache of the package (see
:data:`_cache`); reading and checking the files is :mod:`mockserver.schemas.loading`, the
meaning of types and formats :mod:`mockserver.schemas.formats`, and the compiled check of valid
instances :mod:`mockserver.schemas.fastpath`. It imports no Flask: scenarios, views, the CLI and
the OpenAPI document all share it.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from itertools import islice
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING
from typing import Any

from mockserver import resources
from mockserver.errors import ResponseSchemaError
from mockserver.errors import SchemaLoadError
from mockserver.schemas import loading
from mockserver.schemas.explain import closest
from mockserver.schemas.explain import shorten
from mockserver.schemas.fastpath import Check
from mockserver.schemas.fastpath import Compiler
from mockserver.schemas.fastpath import TopLevel
from mockserver.schemas.formats import format_checker
from mockserver.schemas.formats import strict_validator
from mockserver.schemas.loading import ID_PREFIX
from mockserver.schemas.parts import BodyCheck
from mockserver.schemas.refs import PlainResolver

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator
    from referencing import Registry
    from referencing.jsonschema import Schema

# ID_PREFIX is re-exported: the OpenAPI document names its components after it.
__all__ = ["ID_PREFIX", "MAX_REPORTED_ERRORS", "SchemaRegistry"]

MAX_REPORTED_ERRORS = 5
"""How many errors a :class:`~mockserver.errors.ResponseSchemaError` message spells out."""

_CACHE_SIZE = 8
# The one process-level cache of mockserver; every other memo is per app
# (mockserver.cache.memo.Memos). Sharing is safe here because what it holds never changes: the
# schemas and validators of a directory, keyed by (resolved directory, fast path, (file name,
# SHA-256) of every file), so edited files are another key. See SchemaRegistry. Least recently
# used last; at most _CACHE_SIZE entries.
_cache: OrderedDict[tuple[str, bool, tuple[tuple[str, str], ...]], _Loaded] = OrderedDict()
_cache_lock = threading.Lock()


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
    does not, jsonschema decides and reports the errors, so results never depend on it. A
    schema's jsonschema validator is built (and jsonschema imported) the first time it is asked.

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

        files = [(path, loading.read(path)) for path in paths]
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
            schemas, registry = loading.load(directory, files, dict(digests))
            loaded = _Loaded(schemas, registry, fast_path)
            if len(digests) == len(files):
                with _cache_lock:
                    _cache[key] = loaded
                    while len(_cache) > _CACHE_SIZE:
                        _cache.popitem(last=False)

        self._directory = directory
        self._schemas = loaded.schemas
        self._loaded = loaded
        self._body_checks: dict[str, BodyCheck] = {}

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

    def errors(
        self, stem: str, instance: Any, *, limit: int | None = None
    ) -> list[ValidationError]:
        """Every way ``instance`` breaks the schema ``stem``, sorted by ``json_path``.

        :param stem: the schema's file stem.
        :param instance: a JSON value (dicts, lists, str, int, float, bool, None).
        :param limit: stop after this many errors (jsonschema finds them lazily, in the
            instance's order): the cost of checking a client's body is then bounded by the
            limit, not by how many items it breaks.
        :returns: the errors (the first ``limit`` found); empty when the instance is valid.
        :raises KeyError: if no such schema was loaded.
        """
        fast = self._prepared(stem)[1]
        if fast is not None and fast(instance):
            return []
        found = self._loaded.validator(stem).iter_errors(instance)
        if limit is not None:
            found = islice(found, limit)
        return sorted(found, key=lambda error: error.json_path)

    def is_valid(self, stem: str, instance: Any) -> bool:
        """Whether ``instance`` matches the schema ``stem`` (stops at the first error).

        :param stem: the schema's file stem.
        :param instance: a JSON value.
        :raises KeyError: if no such schema was loaded.
        """
        fast = self._prepared(stem)[1]
        return (fast is not None and fast(instance)) or self._loaded.validator(stem).is_valid(
            instance
        )

    def check(self, stem: str, instance: Any) -> None:
        """Do nothing if ``instance`` matches the schema ``stem``; raise otherwise.

        :param stem: the schema's file stem.
        :param instance: a JSON value, typically a body the mock is about to answer.
        :raises ResponseSchemaError: if it does not match; the message names the schema and the
            JSON path and message of the first :data:`MAX_REPORTED_ERRORS` errors.
        :raises KeyError: if no such schema was loaded.
        """
        found = self.errors(stem, instance)
        if found:
            raise ResponseSchemaError(_describe(stem, found))

    def body_check(self, stem: str) -> BodyCheck:
        """The response check of bodies of ``stem``, whole or one top-level key at a time
        (:class:`~mockserver.schemas.parts.BodyCheck`); the same object on every call.

        :raises KeyError: if no such schema was loaded.
        """
        made = self._body_checks.get(stem)
        if made is None:
            top = self._loaded.top_level(self._known(stem))
            made = self._body_checks.setdefault(stem, BodyCheck(self, stem, top))
        return made

    def _prepared(self, stem: str) -> tuple[str, Check | None]:
        """The stem, known, and its compiled check (``None``: jsonschema alone decides)."""
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

    The schemas are checked and never written to. A schema's compiled check is built on its
    first use (most of an app's schemas wait for a request that needs them), and its jsonschema
    validator on the first instance the check does not pass, each under a lock, then published
    whole in one dict assignment: :meth:`get` and :meth:`validator` read without the lock.
    jsonschema validators and the compiled checks are immutable and safe to share.
    """

    __slots__ = (
        "_compiler",
        "_fast_path",
        "_lock",
        "_ready",
        "_registry",
        "_tops",
        "_validators",
        "schemas",
    )

    def __init__(
        self, schemas: dict[str, dict[str, Any]], registry: Registry[Schema] | None, fast_path: bool
    ) -> None:
        self.schemas: Mapping[str, dict[str, Any]] = MappingProxyType(schemas)
        self._registry = registry
        self._fast_path = fast_path
        self._compiler = Compiler()
        self._lock = threading.Lock()
        self._ready: dict[str, tuple[str, Check | None]] = {}
        self._validators: dict[str, Validator] = {}
        self._tops: dict[str, TopLevel | None] = {}

    def get(self, stem: str) -> tuple[str, Check | None] | None:
        """The stem and compiled check of ``stem``, or ``None`` before :meth:`prepare`."""
        return self._ready.get(stem)

    def prepare(self, stem: str) -> tuple[str, Check | None]:
        """Build (once) the compiled check of ``stem``, a loaded schema's stem."""
        with self._lock:
            ready = self._ready.get(stem)
            if ready is None:
                schema = self.schemas[stem]
                resolver: Any = (
                    PlainResolver(self.schemas, ID_PREFIX + stem)
                    if self._registry is None
                    else self._registry.resolver(base_uri=ID_PREFIX + stem)
                )
                fast = self._compiler.compile_root(schema, resolver) if self._fast_path else None
                ready = self._ready[stem] = (stem, fast)
            return ready

    def top_level(self, stem: str) -> TopLevel | None:
        """The compiled checks of the top-level properties of ``stem`` (built once), or
        ``None`` without the fast path or for a schema they cannot decide."""
        if not self._fast_path:
            return None
        with self._lock:
            if stem not in self._tops:
                resolver: Any = (
                    PlainResolver(self.schemas, ID_PREFIX + stem)
                    if self._registry is None
                    else self._registry.resolver(base_uri=ID_PREFIX + stem)
                )
                schema = self.schemas[stem]
                self._tops[stem] = self._compiler.compile_properties(schema, resolver)
            return self._tops[stem]

    def validator(self, stem: str) -> Validator:
        """The jsonschema validator of ``stem`` (a prepared stem), built once."""
        validator = self._validators.get(stem)
        if validator is not None:
            return validator
        with self._lock:
            validator = self._validators.get(stem)
            if validator is None:
                if self._registry is None:  # plain references: linked on first need
                    self._registry = loading.link(self.schemas)
                validator = strict_validator()(
                    self.schemas[stem], registry=self._registry, format_checker=format_checker()
                )
                self._validators[stem] = validator
            return validator


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
