"""The compiled fast path: a check, built once from a schema, that can only say "valid".

jsonschema interprets a schema afresh on every call, about 70 µs per user object: a page of 100
users takes ~7 ms, too slow to check every response. The mock's answers are nearly always
valid, so closures compiled once answer the common case in a fraction of that. They are sound
for "valid" only: ``True`` only when jsonschema finds no error; ``False`` when the instance is
invalid *or* anything is in doubt, and then jsonschema runs as if the fast path did not exist. A
schema using a keyword not implemented here gets no fast path. tests/test_schemas.py compares
the two. :class:`~mockserver.schemas.registry.SchemaRegistry` builds one :class:`Compiler` per
set of loaded files.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.schemas.formats import EXACT_FORMATS
from mockserver.schemas.formats import format_checker
from mockserver.schemas.refs import PlainResolver

Check = Callable[[object], bool]
"""A compiled check: ``True`` only for an instance jsonschema finds valid."""

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default"}
)
# Python equality is JSON equality for these only (jsonschema tells True from 1, not 1 from 1.0).
_SCALARS = (str, int, float, type(None))
# The JSON types of the values whose type, equality and formats are decided here exactly as
# jsonschema decides them (with the strict integer of mockserver.schemas.formats). A refuter
# (Compiler.refuter) refutes only these: a Decimal, an IntEnum or a tuple is always in doubt.
_JSON_TYPES: dict[type, tuple[str, ...]] = {
    type(None): ("null",),
    bool: ("boolean",),
    int: ("integer", "number"),
    float: ("number",),
    str: ("string",),
    list: ("array",),
    dict: ("object",),
}


# A tuple, not ``int | float``: the union would be made again at each call (twice the cost).
_NUMBERS = (int, float)


def _number(instance: object) -> bool:
    return isinstance(instance, _NUMBERS) and not isinstance(instance, bool)


def _beyond(instance: object) -> bool:
    """Whether a value is a number to jsonschema but not to the fast path (Decimal, ...)."""
    return isinstance(instance, numbers.Number) and not isinstance(instance, bool | int | float)


def _types(names: list[str]) -> Check:
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


def _one_of(values: list[Any]) -> Check:
    if not all(isinstance(v, _SCALARS) for v in values):
        raise _UnsupportedError("enum or const of arrays or objects")
    # JSON tells true from 1 (Python does not): booleans match booleans only, and the rest the
    # rest (where Python's equality is JSON's, 1 == 1.0 included).
    flags = {v for v in values if isinstance(v, bool)}
    others = frozenset(v for v in values if not isinstance(v, bool))
    return lambda i: i in flags if isinstance(i, bool) else isinstance(i, _SCALARS) and i in others


def _unique(instance: object) -> bool:
    if not isinstance(instance, list) or len(instance) < 2:
        return True
    # Strings only; other items need jsonschema's own equality.
    return all(isinstance(i, str) for i in instance) and len(set(instance)) == len(instance)


def _on(kind: type, test: Callable[[Any], bool]) -> Check:
    """A keyword that applies to one JSON type and lets every other type through."""
    return lambda i: not isinstance(i, kind) or test(i)


def _pattern(regex: re.Pattern[str]) -> Check:
    return _on(str, lambda i: regex.search(i) is not None)  # jsonschema uses search() too


def _required(needed: frozenset[str]) -> Check:
    # A dict's keys view compares as a set: each required name looked up once, in C.
    return lambda i: not isinstance(i, dict) or i.keys() >= needed


def _every(checks: list[Check]) -> Check:
    """All of ``checks``: the fast path's commonest combination (the keywords of one schema),
    without a generator per call, which costs more than most of the checks it runs."""
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda i: first(i) and second(i)
    if len(checks) == 3:
        first, second, third = checks
        return lambda i: first(i) and second(i) and third(i)

    def check(instance: object) -> bool:
        for one in checks:  # noqa: SIM110 - a loop: all() over a generator costs more here
            if not one(instance):
                return False
        return True

    return check


def _bound(within: Callable[[Any], bool]) -> Check:
    return lambda i: within(i) if _number(i) else not _beyond(i)


def _format(name: str) -> Check:
    exact = EXACT_FORMATS.get(name)
    if exact is not None:
        return exact
    # Any other format: jsonschema's checker decides (imported by the first value checked).
    return lambda i: bool(format_checker().conforms(i, name))


# Keywords that need neither subschemas nor their siblings.
_SIMPLE: dict[str, Callable[[Any], Check]] = {
    "type": lambda v: _types([v] if isinstance(v, str) else list(v)),
    "enum": _one_of,
    "const": lambda v: _one_of([v]),
    "required": lambda v: _required(frozenset(v)),
    "minProperties": lambda v: _on(dict, lambda i: len(i) >= v),
    "minItems": lambda v: _on(list, lambda i: len(i) >= v),
    "maxItems": lambda v: _on(list, lambda i: len(i) <= v),
    "uniqueItems": lambda v: _unique if v else _always,
    "minLength": lambda v: _on(str, lambda i: len(i) >= v),
    "maxLength": lambda v: _on(str, lambda i: len(i) <= v),
    "pattern": lambda v: _pattern(re.compile(v)),
    "format": _format,
    "minimum": lambda v: _bound(lambda i: i >= v),
    "maximum": lambda v: _bound(lambda i: i <= v),
    "exclusiveMinimum": lambda v: _bound(lambda i: i > v),
    "exclusiveMaximum": lambda v: _bound(lambda i: i < v),
}


def _within(resolver: Any, schema: dict[str, Any]) -> Any:
    """The resolver of the references inside ``schema``, which has an ``$id``."""
    if isinstance(resolver, PlainResolver):
        return resolver.within(schema)
    from referencing.jsonschema import DRAFT202012

    return resolver.in_subresource(DRAFT202012.create_resource(schema))


def _outside(member: Check) -> Check:
    return lambda i: not member(i)


class _UnsupportedError(Exception):
    """The schema needs something the fast path does not implement."""


def _always(instance: object) -> bool:
    return True


def _never(instance: object) -> bool:
    return False


def _negation(schema: object) -> Check:
    """``not``: only for subschemas decided exactly here (a check that may answer False in doubt
    would turn into a True for an invalid instance)."""
    if schema is True or schema == {}:
        return _never
    if schema is False:
        return _always
    if isinstance(schema, dict) and set(schema) == {"type"} and schema["type"] == "null":
        return lambda i: i is not None
    raise _UnsupportedError(f"not {schema!r}")


@dataclass(frozen=True, slots=True)
class TopLevel:
    """The compiled checks of an object schema's top-level properties (see
    :meth:`Compiler.compile_properties`): sound for "valid" only, as every compiled check.

    :ivar required: the keys the object must have.
    :ivar properties: the check of each named property.
    :ivar other: the check of any other key's value (``additionalProperties``).
    """

    required: frozenset[str]
    properties: Mapping[str, Check]
    other: Check

    def value(self, key: str, value: object) -> bool:
        """``True`` only when ``value`` holds for the schema of the property ``key``."""
        return self.properties.get(key, self.other)(value)


# The keywords of an object schema that TopLevel decides property by property.
_TOP_LEVEL = frozenset({"type", "required", "properties", "additionalProperties"})


class Compiler:
    """Compiles the schemas of one set of loaded files, one file at a time (not thread-safe:
    the caller holds a lock)."""

    def __init__(self) -> None:
        # By the id of the schema dict (the registry keeps it alive): a shared $ref target is
        # compiled once, and a recursive schema finds its own check while it is being built.
        self._done: dict[int, Check] = {}
        self._refuters: dict[int, Check] = {}  # the same, for refuter()

    def compile_root(self, schema: dict[str, Any], resolver: Any) -> Check | None:
        """The check of a whole file's schema; ``None`` if it needs something not implemented
        here (then jsonschema alone validates it)."""
        before, refuters = dict(self._done), dict(self._refuters)
        try:
            return self.compile(schema, resolver)
        except Exception as exc:
            # Forget everything this attempt left: the placeholder of a schema that failed
            # would answer nothing, and checks built meanwhile may call it. Another file that
            # refers to a part of this one then compiles that part afresh (or fails alike).
            self._done, self._refuters = before, refuters
            if isinstance(exc, _UnsupportedError):
                return None
            raise

    def compile_properties(self, schema: dict[str, Any], resolver: Any) -> TopLevel | None:
        """The checks of each top-level property of an object schema made of properties only
        (``type: object``, ``required``, ``properties``, ``additionalProperties``, annotations):
        such a schema holds for an object exactly when its required keys are present and every
        value holds for its property's schema. ``None`` for any other schema, or one that needs
        something not implemented here."""
        if set(schema) - _ANNOTATIONS - _TOP_LEVEL or schema.get("type") != "object":
            return None
        if isinstance(schema.get("$id"), str):
            resolver = _within(resolver, schema)
        before, refuters = dict(self._done), dict(self._refuters)
        try:
            properties = {
                name: self.compile(sub, resolver)
                for name, sub in schema.get("properties", {}).items()
            }
            other = self.compile(schema.get("additionalProperties", True), resolver)
        except Exception as exc:
            # As compile_root: nothing of a failed attempt stays.
            self._done, self._refuters = before, refuters
            if isinstance(exc, _UnsupportedError):
                return None
            raise
        return TopLevel(frozenset(schema.get("required", ())), properties, other)

    def compile(self, schema: object, resolver: Any) -> Check:
        """The check of one (sub)schema, compiled once per schema object.

        :raises _UnsupportedError: if it needs something not implemented here.
        """
        if isinstance(schema, bool):
            return _always if schema else _never
        if not isinstance(schema, dict):
            raise _UnsupportedError("a schema that is neither an object nor a boolean")
        if isinstance(schema.get("$id"), str):
            # An embedded resource is the base URI of the references inside it.
            resolver = _within(resolver, schema)
        key = id(schema)
        if key not in self._done:
            late: list[Check] = []
            self._done[key] = lambda i: late[0](i)
            late.append(self._build(schema, resolver))
            self._done[key] = late[0]
        return self._done[key]

    def _build(self, schema: dict[str, Any], resolver: Any) -> Check:
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
            checks.append(_every([self.compile(sub, resolver) for sub in schema["allOf"]]))
        if "anyOf" in schema:
            some = [self.compile(sub, resolver) for sub in schema["anyOf"]]
            checks.append(lambda i: any(check(i) for check in some))
        if "if" in schema:
            checks.append(self._conditional(schema, resolver))
        if "not" in schema:
            checks.append(_negation(schema["not"]))
        if "oneOf" in schema:
            checks.append(self._exactly_one(schema["oneOf"], resolver))
        return _every(checks)

    def _exactly_one(self, branches: list[Any], resolver: Any) -> Check:
        # A check may answer False in doubt, so "exactly one branch holds" is sure only when one
        # branch's check passes and every other branch is refuted (certainly fails).
        pairs = [(self.compile(sub, resolver), self.refuter(sub, resolver)) for sub in branches]

        def check(instance: object) -> bool:
            chosen = False
            for holds, refuted in pairs:
                if refuted(instance):
                    continue
                if chosen or not holds(instance):
                    return False  # two branches may hold, or this one is in doubt
                chosen = True
            return chosen

        return check

    def refuter(self, schema: object, resolver: Any) -> Check:
        """A check that answers ``True`` only for an instance the (sub)schema certainly refuses,
        ``False`` in doubt: what ``oneOf`` needs of the branches it does not take. It looks at
        ``type``, ``enum`` and ``const`` of scalars, ``required``, the formats decided exactly
        here, ``properties``, ``$ref`` and ``allOf``, and ignores every other keyword."""
        if isinstance(schema, bool):
            return _never if schema else _always
        if not isinstance(schema, dict):
            return _never
        if isinstance(schema.get("$id"), str):
            resolver = _within(resolver, schema)
        key = id(schema)
        if key not in self._refuters:
            late: list[Check] = []
            self._refuters[key] = lambda i: late[0](i)
            late.append(self._build_refuter(schema, resolver))
            self._refuters[key] = late[0]
        return self._refuters[key]

    def _build_refuter(self, schema: dict[str, Any], resolver: Any) -> Check:
        tests: list[Check] = []
        if "type" in schema:
            names = {schema["type"]} if isinstance(schema["type"], str) else set(schema["type"])
            tests.append(lambda i: names.isdisjoint(_JSON_TYPES[type(i)]))
        for given in (schema.get("enum"), [schema["const"]] if "const" in schema else None):
            if given is not None and all(isinstance(v, _SCALARS) for v in given):
                tests.append(_outside(_one_of(given)))
        if "required" in schema:
            needed = list(schema["required"])
            tests.append(lambda i: type(i) is dict and not all(k in i for k in needed))
        exact = EXACT_FORMATS.get(schema.get("format", ""))
        if exact is not None:
            tests.append(lambda i: not exact(i))
        if "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            tests.append(self.refuter(resolved.contents, resolved.resolver))
        tests += [self.refuter(sub, resolver) for sub in schema.get("allOf", ())]
        if "properties" in schema:
            named = [(k, self.refuter(sub, resolver)) for k, sub in schema["properties"].items()]
            tests.append(lambda i: type(i) is dict and any(k in i and r(i[k]) for k, r in named))
        return lambda i: type(i) in _JSON_TYPES and any(test(i) for test in tests)

    def _conditional(self, schema: dict[str, Any], resolver: Any) -> Check:
        # A False from the "if" check may only mean "in doubt", so then it takes both branches
        # to pass; a True means the "if" holds, and the "then" branch alone decides; an "if"
        # refuted (certainly failing) leaves the "else" branch alone to decide.
        test = self.compile(schema["if"], resolver)
        refuted = self.refuter(schema["if"], resolver)
        then = self.compile(schema.get("then", True), resolver)
        otherwise = self.compile(schema.get("else", True), resolver)

        def check(instance: object) -> bool:
            if test(instance):
                return then(instance)
            if refuted(instance):
                return otherwise(instance)
            return then(instance) and otherwise(instance)

        return check

    def _object(self, schema: dict[str, Any], resolver: Any) -> Check:
        props = schema.get("properties", {})
        named = {name: self.compile(sub, resolver) for name, sub in props.items()}
        other = self.compile(schema.get("additionalProperties", True), resolver)
        find = named.get

        def check(instance: object) -> bool:
            if not isinstance(instance, dict):
                return True
            for key, value in instance.items():  # noqa: SIM110 - as in _every
                if not find(key, other)(value):
                    return False
            return True

        return check

    def _array(self, schema: dict[str, Any], resolver: Any) -> Check:
        prefix = [self.compile(sub, resolver) for sub in schema.get("prefixItems", [])]
        rest = self.compile(schema.get("items", True), resolver)

        def check(items: list[Any]) -> bool:
            head = all(one(item) for one, item in zip(prefix, items, strict=False))
            return head and all(map(rest, items[len(prefix) :]))

        return _on(list, check)


# Keywords _build handles itself; any keyword in neither list means "no fast path".
_STRUCTURAL = frozenset(
    {"$ref", "properties", "additionalProperties", "prefixItems", "items"}
    # "not" only over what _negation decides exactly, and oneOf only where the branches not taken
    # are refuted: a check may answer False for a valid instance (when in doubt), which would
    # make them answer True for an invalid one.
    | {"propertyNames", "contains", "allOf", "anyOf", "oneOf", "if", "then", "else", "not"}
)
