"""Sentry's cursor pagination for the list views: parameters in, ``Link`` header out."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any
from typing import TypeVar
from typing import overload
from urllib.parse import quote

from flask import Response
from flask import request

from mockserver import pagination
from mockserver.pagination import Cursor
from mockserver.pagination import Page
from mockserver.routes.common import respond
from mockserver.state import get_state

T = TypeVar("T")


def page_params() -> tuple[int, Cursor | None]:
    """``per_page`` then ``cursor``, in the order Sentry's ``paginate`` reads them (the last
    value of a repeated parameter wins, as with Django's ``QueryDict``)."""
    pairs = list(request.args.items(multi=True))
    per_page = pagination.parse_per_page(pagination.last_param(pairs, "per_page"))
    cursor = pagination.parse_cursor(pagination.last_param(pairs, "cursor"))
    return per_page, cursor


def respond_page(page: Page[T], serialize: Callable[[T], dict[str, Any]], schema: str) -> Response:
    """Answer a page with its ``Link`` header (both rels, always)."""
    prefix = get_state().store.world.url_prefix or request.host_url.rstrip("/")
    base_url = prefix.rstrip("/") + quote(request.path)
    link = pagination.link_header(base_url, list(request.args.items(multi=True)), page)
    return respond([serialize(item) for item in page.items], schema, headers={"Link": link})


class Prefix(Sequence[T]):
    """The first ``limit`` items of a sequence, without copying them (Sentry's tag-value
    endpoint reads at most 1000 values)."""

    def __init__(self, items: Sequence[T], limit: int) -> None:
        self._items = items
        self._len = min(len(items), limit)

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self._items[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        return self._items[index]

    def __iter__(self) -> Iterator[T]:
        for i in range(self._len):
            yield self._items[i]
