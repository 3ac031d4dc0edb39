"""Sentry's cursor pagination for the list views: parameters in, ``Link`` header out."""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Sequence
from functools import partial
from typing import Any
from typing import TypeVar
from urllib.parse import quote

from werkzeug.wrappers import Response

from mockserver.cache import responses as response_cache
from mockserver.http import params
from mockserver.http.exchange import Exchange
from mockserver.http.querydict import QueryDict
from mockserver.http.views.answers import list_schema
from mockserver.http.views.answers import respond
from mockserver.http.views.answers import respond_encoded
from mockserver.sentry import pagination
from mockserver.sentry import serializers
from mockserver.sentry.pagination import Cursor
from mockserver.sentry.pagination import Page
from mockserver.world.sequences import IndexedSequence

T = TypeVar("T")


def page_params(args: QueryDict) -> tuple[int, Cursor | None]:
    """``per_page`` then ``cursor``, in the order Sentry's ``paginate`` reads them (the last
    value of a repeated parameter wins, as with Django's ``QueryDict``)."""
    per_page = params.PER_PAGE.read(args)
    cursor = params.CURSOR.read(args)
    return per_page, cursor


def respond_page(
    ex: Exchange,
    page: Page[T],
    serialize: Callable[[T], dict[str, Any]],
    schema: str,
    *,
    parts: tuple[Hashable, ...],
    memo: Hashable | None = None,
    replay_until: float = math.inf,
) -> Response:
    """Answer a page with its ``Link`` header (both rels, always).

    :param memo: for items that are frozen world objects, what names ``serialize`` (e.g.
        ``("tag-value", key)``): each item is then encoded and checked once, and kept in the
        app's JSON memo (see :func:`mockserver.sentry.serializers.items_json`).
    :param parts: the parts of the store the page reads (see
        :func:`mockserver.cache.responses.allow`).
    :param replay_until: until when (epoch seconds, the app's clock) the response cache may give
        the answer again; the page depends on the request and the store only until then.
    """
    if replay_until > ex.state.config.clock():
        response_cache.allow(ex.environ, until=replay_until, parts=parts)
    state, request = ex.state, ex.request
    prefix = state.store.world.url_prefix or request.host_url.rstrip("/")
    base_url = prefix.rstrip("/") + quote(request.path)
    link = pagination.link_header(base_url, list(request.args.items(multi=True)), page)
    headers = {"Link": link}
    shape = list_schema(state, schema) if memo is not None else None
    if shape is None or (state.config.validate_responses and not shape.allows(len(page.items))):
        # Checked whole (and, past the bounds, answered with the violation).
        return respond(state, [serialize(item) for item in page.items], schema, headers=headers)
    check = None
    if state.config.validate_responses:
        check = partial(state.registry.check, shape.item)
    memos = state.memos
    body = serializers.items_json(page.items, serialize, memos.json, memo, check, pages=memos.pages)
    return respond_encoded(body, headers=headers)


class Prefix(IndexedSequence[T]):
    """The first ``limit`` items of a sequence, without copying them (Sentry's tag-value
    endpoint reads at most 1000 values)."""

    def __init__(self, items: Sequence[T], limit: int) -> None:
        self._items = items
        self._len = min(len(items), limit)

    def __len__(self) -> int:
        return self._len

    def _item(self, index: int) -> T:
        return self._items[index]
