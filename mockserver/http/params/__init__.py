"""The query parameters of the Sentry routes, each defined once: the table that the views, the
contract checks and the OpenAPI document read.

A :class:`QueryParameter` holds what is known of one name: how Sentry's view reads it (the
parser, from :mod:`mockserver.sentry` where the parsers model Sentry, wrapped to read the
request's values), what the client contract says of a value (run by
:mod:`mockserver.contract.query`) and how the OpenAPI document describes it (rendered by
:mod:`mockserver.openapi.document`). A route that reads a parameter its own way has a variant in
:data:`ROUTE_PARAMETERS`; :func:`parameter` picks the route's. The route table
(:data:`~mockserver.http.routes.ROUTES`) lists the names each route reads.

``since``, ``until`` and ``resolution`` are read together, in Sentry's order, by
:func:`mockserver.sentry.stats.parse_query`, from the same per-parameter parsers as here.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from typing import Any
from typing import Generic
from typing import TypeVar

from werkzeug.datastructures import MultiDict

from mockserver.http.params import values
from mockserver.http.params.values import COLLAPSES
from mockserver.http.params.values import EXPAND_ALERT_INTEGRATION
from mockserver.http.params.values import EXPANDS
from mockserver.http.params.values import HOOK_STATUSES
from mockserver.http.params.values import INCLUDE_STATS
from mockserver.http.params.values import INCLUDES
from mockserver.http.params.values import USER_QUERY_FIELDS
from mockserver.http.params.values import ValueCheck
from mockserver.http.params.values import spoken
from mockserver.sentry import pagination
from mockserver.sentry import stats
from mockserver.sentry.pagination import MAX_LIMIT
from mockserver.sentry.pagination import MIN_PER_PAGE
from mockserver.sentry.pagination import Cursor

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class QueryParameter(Generic[T]):
    """One query parameter.

    :ivar name: its name in the query string.
    :ivar description: the OpenAPI description (Markdown).
    :ivar schema: the OpenAPI schema (an array's, for a :attr:`repeatable` parameter).
    :ivar parse: how the view reads it: given every value in request order, the parsed value;
        it raises :class:`~mockserver.errors.ApiError` with Sentry's 400. ``None`` for a
        parameter Sentry accepts and the mock ignores.
    :ivar check: the contract's check of one value (:data:`~.values.ValueCheck`); ``None``
        when any value is fine.
    :ivar repeatable: Sentry reads every value (a list); otherwise only the last one.
    """

    name: str
    description: str
    schema: Mapping[str, Any]
    parse: Callable[[Sequence[str]], T] | None = None
    check: ValueCheck | None = None
    repeatable: bool = False

    def read(self, args: MultiDict[str, str]) -> T:
        """The parameter as the view reads it from the request's ``args``.

        :raises ApiError: Sentry's 400 for a value its parser refuses.
        :raises TypeError: for a parameter no view reads.
        """
        if self.parse is None:
            raise TypeError(f"no view reads the query parameter {self.name!r}")
        return self.parse(args.getlist(self.name))


def last(parse: Callable[[str | None], T]) -> Callable[[Sequence[str]], T]:
    """A parser of one value made a parser of the request's values: Sentry reads a parameter
    with Django's ``QueryDict.get``, so the last value wins (``None`` when there is none)."""

    def parse_last(given: Sequence[str]) -> T:
        return parse(given[-1] if given else None)

    return parse_last


def _text(raw: str | None) -> str:
    """The value as given; empty when absent (the views treat both alike)."""
    return raw or ""


def _given(raw: str | None) -> str | None:
    """The value as given, ``None`` when absent (Sentry tells the two apart)."""
    return raw


def _stripped(raw: str | None) -> str:
    """The value without surrounding whitespace, as the users endpoint reads ``query``."""
    return (raw or "").strip()


def _comma_separated(given: Sequence[str]) -> frozenset[str]:
    """Every item of every value, split at commas (``include=a,b&include=c``)."""
    return frozenset(item for value in given for item in values.split_commas(value))


def _every(given: Sequence[str]) -> frozenset[str]:
    """Every value (``expand=a&expand=b``)."""
    return frozenset(given)


_STRING = {"type": "string"}
_LIST = {"type": "array", "items": _STRING}
# A timestamp, or an empty value (which means "not given"). Two alternatives rather than one
# schema of two types: Prism reads a query value as a string first, and would hold "1541455200"
# to the empty string's length.
_TIMESTAMP = {
    "anyOf": [
        {"type": "number", "minimum": stats.MIN_TIMESTAMP, "maximum": stats.MAX_TIMESTAMP},
        {"type": "string", "maxLength": 0},
    ]
}
_TAG_WINDOW = (
    "The values seen in the window: `statsPeriod` (such as `24h` or `14d`, back from now), or "
    "`start` and `end` (ISO 8601, both); without them, every value."
)

# The table, one record per name; each names the Sentry parser it wraps and the bounds it
# takes from mockserver.sentry.
PER_PAGE = QueryParameter(
    "per_page",
    f"Items per page (default and maximum {MAX_LIMIT}).",
    {"type": "integer", "minimum": MIN_PER_PAGE, "maximum": MAX_LIMIT},
    parse=last(pagination.parse_per_page),
    check=values.check_per_page,
)
CURSOR: QueryParameter[Cursor | None] = QueryParameter(
    "cursor",
    "Where the page starts: a cursor from a `Link` header.",
    values.ACCEPTED_CURSOR.schema(),
    parse=last(pagination.parse_cursor),
    check=values.check_cursor,
)
STAT = QueryParameter(
    "stat",
    f"The count to return (default `{stats.DEFAULT_STAT}`); Sentry also accepts its inbound "
    "filter names.",
    {"type": "string", "enum": ["", *stats.STATS, *stats.FILTER_STATS]},
    parse=last(stats.parse_stat),
    check=values.check_stat,
)
SINCE: QueryParameter[float | None] = QueryParameter(
    "since",
    f"Window start, epoch seconds (default: `until` minus {stats.DEFAULT_SPAN:,} s).",
    _TIMESTAMP,
    parse=last(stats.parse_since),
    check=values.check_timestamp,
)
UNTIL: QueryParameter[float | None] = QueryParameter(
    "until",
    "Window end, epoch seconds (default: now).",
    _TIMESTAMP,
    parse=last(stats.parse_until),
    check=values.check_timestamp,
)
RESOLUTION: QueryParameter[int | None] = QueryParameter(
    "resolution",
    f"Bucket size: {spoken(values.rollup_names())} (or an equivalent such as `60m`; default: "
    "chosen from the window).",
    {"type": "string", "pattern": values.resolution_pattern()},
    parse=last(stats.parse_resolution),
    check=values.check_resolution,
)
ENVIRONMENT = QueryParameter(
    "environment",
    "An environment name; an unknown one answers 404 (for stats, only with `stat=generated`).",
    _STRING,
    parse=last(_text),
)
QUERY = QueryParameter("query", "A filter.", _STRING, parse=last(_text))
STATUS = QueryParameter(
    "status",
    f"{spoken(HOOK_STATUSES)}; any other non-empty value matches no hook.",
    _STRING,
    parse=last(_text),
    check=values.choices(HOOK_STATUSES, "Sentry answers [] for any other status"),
)
INCLUDE = QueryParameter(
    "include",
    f"Extra keys, comma-separated; `{INCLUDE_STATS}` adds `stats.unresolved`.",
    _LIST,
    parse=_comma_separated,
    check=values.choices(INCLUDES, "Sentry ignores it", comma_separated=True),
    repeatable=True,
)
EXPAND = QueryParameter(
    "expand",
    f"`{EXPAND_ALERT_INTEGRATION}` adds `hasAlertIntegrationInstalled`.",
    _LIST,
    parse=_every,
    check=values.choices(EXPANDS, "Sentry ignores it"),
    repeatable=True,
)
COLLAPSE = QueryParameter(
    "collapse",
    f"Parts to leave out: {spoken(COLLAPSES)}.",
    _LIST,
    parse=_every,
    check=values.choices(COLLAPSES, "Sentry ignores it"),
    repeatable=True,
)
STATS_PERIOD: QueryParameter[str | None] = QueryParameter(
    "statsPeriod",
    _TAG_WINDOW,
    {"type": "string", "pattern": "^[0-9]+[smhdw]?$"},
    parse=last(_given),
    check=values.check_stats_period,
)
# An ISO 8601 time (Sentry also reads a date or epoch seconds); empty means "not given".
_TIME = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "maxLength": 0}]}
START: QueryParameter[str | None] = QueryParameter(
    "start", _TAG_WINDOW, _TIME, parse=last(_given), check=values.check_iso_time
)
END: QueryParameter[str | None] = QueryParameter(
    "end", _TAG_WINDOW, _TIME, parse=last(_given), check=values.check_iso_time
)

PARAMETERS: Mapping[str, QueryParameter[Any]] = {
    p.name: p
    for p in (
        CURSOR,
        PER_PAGE,
        STAT,
        SINCE,
        UNTIL,
        RESOLUTION,
        ENVIRONMENT,
        QUERY,
        STATUS,
        INCLUDE,
        EXPAND,
        COLLAPSE,
        STATS_PERIOD,
        START,
        END,
    )
}
"""Every query parameter a route reads, by name, as most routes read it."""

USERS_CURSOR = replace(CURSOR, schema=values.OFFSET_CURSOR.schema())
"""The users endpoint's ``cursor``: its offset paginator accepts fewer cursors."""
USERS_QUERY = replace(
    QUERY,
    description=f"`<field>:<value>`, an exact match on {spoken(USER_QUERY_FIELDS)}; another "
    "field or an empty side filters nothing; no colon matches nobody.",
    parse=last(_stripped),
    check=values.check_user_query,
)
"""The users endpoint's ``query``: a ``field:value`` filter."""
TAG_VALUES_QUERY = replace(QUERY, description="A substring of the values to list.")
"""The tag values endpoint's ``query``: a substring."""

ROUTE_PARAMETERS: Mapping[tuple[str, str], QueryParameter[Any]] = {
    ("project-users", "cursor"): USERS_CURSOR,
    ("project-users", "query"): USERS_QUERY,
    ("project-tag-values", "query"): TAG_VALUES_QUERY,
}
"""By route name and parameter name, where a route reads a parameter its own way."""


def parameter(route: str, name: str) -> QueryParameter[Any]:
    """The parameter ``name`` as the route named ``route`` reads it.

    :raises KeyError: if the table has no parameter ``name``.
    """
    return ROUTE_PARAMETERS.get((route, name)) or PARAMETERS[name]
