"""Sentry's cursor pagination, the request's side: cursors, ``per_page`` and the ``Link`` header.

The paginators themselves are :mod:`mockserver.sentry.paginators`; the query parameters'
contract checks and OpenAPI schemas (:mod:`mockserver.http.params`) take their bounds from the
constants here.

Behaviour follows ``getsentry/sentry`` (newest code found): ``src/sentry/utils/cursors.py``
(``Cursor``), ``src/sentry/api/paginator.py`` (``MAX_LIMIT``),
``src/sentry/utils/pagination_factory.py`` (``clamp_pagination_per_page``, ``get_cursor``) and
``src/sentry/api/base.py`` (``build_cursor_link``, ``add_cursor_headers``,
``CURSOR_LINK_HEADER``). The code here is written afresh from that behaviour; where
Sentry's versions disagree, the comment says which one the mock follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import Generic
from typing import TypeAlias
from typing import TypeVar
from urllib.parse import quote_plus

from mockserver.errors import ApiError

T = TypeVar("T")

CursorValue: TypeAlias = int | float
"""A cursor's first part: an ``int``, or a ``float`` when the string had a ``.`` in it."""

#: ``sentry.api.paginator.MAX_LIMIT``, the largest page: ``Paginator`` and ``SequencePaginator``
#: clamp to it, and it is the default ``max_per_page`` of Sentry's ``paginate`` (a larger
#: ``per_page`` is refused): the one upper bound of ``per_page``.
MAX_LIMIT = 100
#: The smallest ``per_page`` Sentry accepts (newest ``clamp_pagination_per_page``).
MIN_PER_PAGE = 1
#: ``sentry.api.base.PAGINATION_DEFAULT_PER_PAGE``.
DEFAULT_PER_PAGE = 100

INVALID_CURSOR = "Invalid cursor parameter."
INVALID_PER_PAGE = "Invalid per_page parameter."
CURSOR_LINK_HEADER = (
    '<{uri}&cursor={cursor}>; rel="{name}"; results="{has_results}"; cursor="{cursor}"'
)


@dataclass(frozen=True)
class Cursor:
    """A position in a paginated list, written ``"value:offset:is_prev"``.

    :param value: the sort key to start from (keyset and sequence paginators) or the page size
        (offset paginator); ``0`` means "from the start".
    :param offset: rows to skip after ``value``, or the page number (offset paginator).
    :param is_prev: whether the cursor pages backwards.
    """

    value: CursorValue
    offset: int
    is_prev: bool

    def __str__(self) -> str:
        # ``Cursor.__str__``: is_prev is written 0/1, a float value keeps Python's repr ("1.5").
        return f"{self.value}:{self.offset}:{int(self.is_prev)}"

    @classmethod
    def from_string(cls, raw: str) -> Cursor:
        """Parse a cursor exactly as Sentry's ``Cursor.from_string`` does.

        Three ``:``-separated parts; the first is a ``float`` if it contains ``.``, else an
        ``int``; the others are ``int``. Python's ``int()``/``float()`` rules apply, so surrounding
        whitespace, a sign, ``_`` digit separators and negative offsets are accepted, and any
        non-zero ``is_prev`` means ``True``. (The reference, §0.6, says three integers; the
        code has accepted a float value since it started parsing ``"."`` values as floats.)

        :param raw: the cursor string.
        :returns: the cursor.
        :raises ValueError: if Sentry would reject the string.
        """
        bits = raw.split(":")
        if len(bits) != 3:
            raise ValueError(f"a cursor has three parts, got {len(bits)}: {raw!r}")
        value: CursorValue = float(bits[0]) if "." in bits[0] else int(bits[0])
        return cls(value, int(bits[1]), bool(int(bits[2])))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the two cursors Sentry puts in the ``Link`` header.

    :param items: the page's items, in display order.
    :param prev: the ``rel="previous"`` cursor.
    :param next: the ``rel="next"`` cursor.
    :param prev_has_results: the ``results`` flag of ``prev`` (Sentry's ``Cursor.has_results``).
    :param next_has_results: the ``results`` flag of ``next``.
    """

    items: list[T]
    prev: Cursor
    next: Cursor
    prev_has_results: bool
    next_has_results: bool


class PaginatorCrash(ApiError):
    """A cursor that parses but makes Sentry's own paginator raise.

    Sentry answers these with its unhandled-error 500. The mock answers 400
    ``{"detail": "Invalid cursor parameter."}`` instead, by design: the mock promises never to
    answer bad input with a 500 (a fuzzer's ``not_a_server_error`` check relies on it), and the
    client's mistake (e.g. following a ``results="false"`` link) is better named than hidden.

    :param reason: what raises in Sentry; for logs and tests, never sent to the client.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(400, {"detail": INVALID_CURSOR})
        self.reason = reason


def last_param(query: Sequence[tuple[str, str]], name: str) -> str | None:
    """Return the last value of a query parameter, or ``None`` if it is absent.

    Django's ``QueryDict.get`` (which Sentry reads ``cursor`` and ``per_page`` with) returns the
    *last* value of a repeated parameter, where Werkzeug's ``MultiDict.get`` returns the first.

    :param query: the decoded query pairs, in request order.
    :param name: the parameter.
    """
    found: str | None = None
    for key, value in query:
        if key == name:
            found = value
    return found


def parse_cursor(raw: str | None) -> Cursor | None:
    """Parse the ``cursor`` query parameter like Sentry's ``get_cursor``.

    :param raw: the parameter's last value (see :func:`last_param`), or ``None``.
    :returns: ``None`` when ``raw`` is ``None`` or empty (``cursor=`` means no cursor), else the
        cursor.
    :raises ApiError: 400 ``{"detail": "Invalid cursor parameter."}`` for anything
        :meth:`Cursor.from_string` rejects.
    """
    if not raw:
        return None
    try:
        return Cursor.from_string(raw)
    except ValueError:
        raise ApiError.detail(400, INVALID_CURSOR) from None


def parse_per_page(
    raw: str | None, default: int = DEFAULT_PER_PAGE, max_per_page: int = MAX_LIMIT
) -> int:
    """Parse the ``per_page`` query parameter like Sentry's ``clamp_pagination_per_page``.

    Above the maximum: the reference's ``"Invalid per_page value. Cannot exceed <max>."`` (§0.6,
    checklist 37). Below :data:`MIN_PER_PAGE`: the newest ``pagination_factory.py``'s
    ``"Invalid per_page value. Must be between 1 and <max>."``.

    :param raw: the parameter's last value (see :func:`last_param`), or ``None`` for the default.
        An empty string is not the default: ``int("")`` fails, as in Sentry.
    :param default: the endpoint's default page size (``0`` means :data:`DEFAULT_PER_PAGE`, as in
        ``get_per_page``).
    :param max_per_page: the endpoint's maximum (``0`` means :data:`MAX_LIMIT`); raised to
        ``default`` if lower.
    :returns: the page size, ``MIN_PER_PAGE <= per_page <= max(max_per_page, default)``.
    :raises ApiError: 400 ``{"detail": "Invalid per_page parameter."}`` if ``raw`` is not an
        integer, or 400 ``{"detail": "Invalid per_page value. Must be between 1 and <max>."}``.
    """
    default = default or DEFAULT_PER_PAGE
    max_per_page = max(max_per_page or MAX_LIMIT, default)
    try:
        per_page = int(default if raw is None else raw)
    except ValueError:
        raise ApiError.detail(400, INVALID_PER_PAGE) from None
    if per_page > max_per_page:
        # Sentry's wording (mid-2025 code, src/sentry/api/base.py).
        raise ApiError.detail(400, f"Invalid per_page value. Cannot exceed {max_per_page}.")
    if per_page < MIN_PER_PAGE:
        # The reference lets these through to the paginator; the newest Sentry refuses them
        # with this message, which is the clearer answer.
        raise ApiError.detail(
            400, f"Invalid per_page value. Must be between {MIN_PER_PAGE} and {max_per_page}."
        )
    return per_page


def link_header(base_url: str, query: Sequence[tuple[str, str]], page: Page[Any]) -> str:
    """Build the ``Link`` header Sentry's ``add_cursor_headers`` sends for ``page``.

    The query string is the request's minus every ``cursor`` parameter, re-encoded as Django's
    ``QueryDict.urlencode`` does: parameters grouped by name in order of first appearance,
    ``quote_plus`` with nothing safe (``" "`` becomes ``+``, ``/`` and ``:`` are escaped). The
    cursor itself is not escaped.

    :param base_url: the absolute URL of the request path, already quoted (Sentry:
        ``absolute_uri(quote(request.path))``), e.g. ``https://sentry.io/api/0/projects/a/b/hooks/``.
    :param query: the decoded query pairs in request order, blank values kept.
    :param page: the page whose cursors to link.
    :returns: ``<uri&cursor=P>; rel="previous"; ..., <uri&cursor=N>; rel="next"; ...``.
    """
    grouped: dict[str, list[str]] = {}
    for name, value in query:
        if name != "cursor":
            grouped.setdefault(name, []).append(value)
    querystring = "&".join(
        f"{quote_plus(name, safe='')}={quote_plus(value, safe='')}"
        for name, values in grouped.items()
        for value in values
    )
    uri = f"{base_url}?{querystring}"
    return ", ".join(
        CURSOR_LINK_HEADER.format(
            uri=uri,
            cursor=str(cursor),
            name=rel,
            has_results="true" if has_results else "false",
        )
        for rel, cursor, has_results in (
            ("previous", page.prev, page.prev_has_results),
            ("next", page.next, page.next_has_results),
        )
    )
