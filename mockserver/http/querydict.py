"""Query parameters read as Django reads them (``request.GET``): a repeated one's last value."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from werkzeug.datastructures import ImmutableMultiDict


class QueryDict(ImmutableMultiDict[str, str]):
    """Query and form parameters read as Django's ``QueryDict`` reads them.

    Sentry's views call ``request.GET.get(name)``, which answers the *last* value of a repeated
    parameter (``?stat=received&stat=x`` asks for ``x``); Werkzeug's ``MultiDict`` answers the
    first. ``getlist`` and ``items(multi=True)`` still give every value, in order.
    """

    def __getitem__(self, key: str) -> str:
        values = self.getlist(key)
        if values:
            return values[-1]
        return super().__getitem__(key)  # raises Werkzeug's BadRequestKeyError

    def get(  # type: ignore[override]
        self,
        key: str,
        default: Any = None,
        type: Callable[[str], Any] | None = None,
    ) -> Any:
        """The last value of ``key`` (converted by ``type``), or ``default``, as werkzeug's
        ``get`` answers it, without raising and catching a ``BadRequestKeyError`` for a
        parameter the query lacks (most are absent from most requests)."""
        values = self.getlist(key)
        if not values:
            return default
        if type is None:
            return values[-1]
        try:
            return type(values[-1])
        except (ValueError, TypeError):
            return default

    def items(self, multi: bool = False) -> Iterator[tuple[str, str]]:  # type: ignore[override]
        """``(name, value)`` pairs: the last value of each name, or every pair with ``multi``."""
        for key, values in self.lists():
            if multi:
                yield from ((key, value) for value in values)
            else:
                yield key, values[-1]

    def values(self) -> Iterator[str]:  # type: ignore[override]
        """The last value of each name."""
        for _key, values in self.lists():
            yield values[-1]
