"""The response check of one schema, for a whole body or one top-level key at a time.

An answer made from parts (a project's JSON after an update, see
:mod:`mockserver.sentry.project_parts`) need not be checked whole when most of it was checked
before: for an object schema made of properties only, an object holds exactly when its required
keys are there and each value holds for its property, so the new parts are checked alone, each
against its property's compiled check. The compiled checks can only say "valid": when they do
not, the whole body is checked by jsonschema (:meth:`BodyCheck.__call__`), which reports the
errors as every other response check does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from mockserver.schemas.fastpath import TopLevel

if TYPE_CHECKING:
    from mockserver.schemas.registry import SchemaRegistry


class BodyCheck:
    """The check of bodies of the schema ``stem``: call it on a whole body (it raises
    :class:`~mockserver.errors.ResponseSchemaError` when the body breaks the schema), or ask
    :meth:`part` about one key when :attr:`by_parts`.

    :param registry: the registry of the schema.
    :param stem: the schema's file stem.
    :param top: the compiled checks of its top-level properties, or ``None`` when the schema is
        not an object schema made of properties only (or has no fast path).
    """

    __slots__ = ("_registry", "_top", "stem")

    def __init__(self, registry: SchemaRegistry, stem: str, top: TopLevel | None) -> None:
        self._registry = registry
        self._top = top
        self.stem = stem

    @property
    def by_parts(self) -> bool:
        """Whether :meth:`part` and :meth:`has_required` can vouch for a body."""
        return self._top is not None

    def __call__(self, body: Any) -> None:
        """Check a whole body.

        :raises ResponseSchemaError: if it breaks the schema.
        """
        self._registry.check(self.stem, body)

    def part(self, key: str, value: Any) -> bool:
        """``True`` only when ``value`` holds for the schema of the top-level property ``key``
        (``False`` when it does not, or in doubt, or when not :attr:`by_parts`)."""
        return self._top is not None and self._top.value(key, value)

    def has_required(self, *keys: Iterable[str]) -> bool:
        """Whether an object with the union of ``keys`` has every key the schema requires
        (``False`` when not :attr:`by_parts`)."""
        return self._top is not None and not self._top.required.difference(*keys)

    def __repr__(self) -> str:
        return f"BodyCheck({self.stem!r}, by_parts={self.by_parts})"
