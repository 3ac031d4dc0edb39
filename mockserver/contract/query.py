"""The query-parameter checks of the client contract: which parameters each route reads, and
the values Sentry refuses (400) or silently ignores (answering as if they were absent). Imports
no Flask: it works on the decoded parameters."""

from __future__ import annotations

import difflib
import ipaddress
import math
import re
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence

from werkzeug.datastructures import MultiDict

from mockserver.errors import ApiError
from mockserver.http.routes import SentryRoute
from mockserver.journal.journal import WARNING
from mockserver.journal.journal import Violation
from mockserver.sentry import stats
from mockserver.timefmt import parse_datetime

UNKNOWN_QUERY_PARAMETER = "unknown-query-parameter"
INVALID_QUERY_PARAMETER = "invalid-query-parameter"
#: Query parameters with this prefix are the mock's own controls (Prism's convention:
#: ``?__code=503``, ``?__fault=``, ``?__delay=``), which a client sends to the mock on purpose.
MOCK_CONTROL_PREFIX = "__"
#: Parameters Sentry reads as lists; the others it reads once (the last value).
REPEATABLE = frozenset({"include", "expand"})
USER_QUERY_FIELDS = ("id", "username", "email", "ip")
HOOK_STATUSES = ("active", "disabled")
INCLUDES = ("stats",)
EXPANDS = ("hasAlertIntegration",)

_CURSOR = re.compile(r"\d+(?:\.\d+)?:\d+:[01]")
_LOOSE_CURSOR = re.compile(r"-?\d+(?:\.\d+)?:-?\d+:-?\d+")
_STATS_PERIOD = re.compile(r"\d+[smhdw]?")


QueryCheck = Callable[[str], "str | None"]


def _per_page(value: str) -> str | None:
    if not value.isdigit():
        return f"per_page={value!r} is not an integer (Sentry: 400 'Invalid per_page parameter.')"
    if not 1 <= int(value) <= 100:
        return f"per_page={value} is outside 1..100, Sentry's page sizes (Sentry answers 400)"
    return None


def _cursor(value: str) -> str | None:
    if not value or _CURSOR.fullmatch(value):
        return None
    if _LOOSE_CURSOR.fullmatch(value):
        return (
            f'cursor={value!r} points before the first result: it is a rel="previous" cursor '
            'whose Link says results="false"; stop paging when results is "false"'
        )
    return (
        f"cursor={value!r} is not a Sentry cursor (value:offset:is_prev, e.g. 0:100:0); pass "
        "a Link header's cursor unchanged (Sentry: 400 'Invalid cursor parameter.')"
    )


def _stat(value: str) -> str | None:
    if not value or value in stats.STATS:
        return None
    if value in stats.FILTER_STATS:
        return None  # reported as a warning by _stat_warning
    return (
        f"stat={value!r} is not one of {', '.join(stats.STATS)} "
        f'(Sentry: 400 ["Invalid stat: {value}"])'
    )


def _resolution(value: str) -> str | None:
    try:
        stats.parse_resolution(value)
    except ApiError:
        return f"resolution={value!r} is not one of 10s, 1h, 1d (Sentry: 400 'Invalid resolution')"
    return None


def _timestamp(name: str) -> QueryCheck:
    def check(value: str) -> str | None:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if value and not math.isfinite(number):
            return f"{name}={value!r} is not a numeric timestamp in epoch seconds (Sentry: 400)"
        return None

    return check


def _iso_time(name: str) -> QueryCheck:
    def check(value: str) -> str | None:
        try:
            parse_datetime(value)
        except ValueError:
            return f"{name}={value!r} is not an ISO 8601 time such as 2024-01-15T09:00:00Z"
        return None

    return check


def _stats_period(value: str) -> str | None:
    if _STATS_PERIOD.fullmatch(value):
        return None
    return f"statsPeriod={value!r} is not a period such as 24h or 14d (Sentry answers 500)"


def _choices(name: str, allowed: Sequence[str], effect: str) -> QueryCheck:
    def check(value: str) -> str | None:
        parts = value.split(",") if name == "include" else [value]
        bad = [p for p in parts if p and p not in allowed]
        if not bad:
            return None
        return f"{name}={bad[0]!r} is not one of {', '.join(allowed)}: {effect}"

    return check


def _user_query(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    name, colon, wanted = text.partition(":")
    if not colon:
        return (
            f"query={value!r} has no field: write field:value with field one of "
            f"{', '.join(USER_QUERY_FIELDS)} (Sentry answers [] without a Link header)"
        )
    if name not in USER_QUERY_FIELDS or not wanted:
        return (
            f"query={value!r} filters nothing: the field must be one of "
            f"{', '.join(USER_QUERY_FIELDS)} and the value non-empty (Sentry lists every user)"
        )
    if name == "ip":
        try:
            ipaddress.ip_address(wanted)
        except ValueError:
            return f"query={value!r}: {wanted!r} is not an IP address (Sentry ignores the filter)"
    return None


_CHECKS: Mapping[str, QueryCheck] = {
    "per_page": _per_page,
    "cursor": _cursor,
    "stat": _stat,
    "resolution": _resolution,
    "since": _timestamp("since"),
    "until": _timestamp("until"),
    "start": _iso_time("start"),
    "end": _iso_time("end"),
    "statsPeriod": _stats_period,
    "status": _choices("status", HOOK_STATUSES, "Sentry answers [] for any other status"),
    "include": _choices("include", INCLUDES, "Sentry ignores it"),
    "expand": _choices("expand", EXPANDS, "Sentry ignores it"),
}
# Parameters whose meaning depends on the route.
_ROUTE_CHECKS: Mapping[tuple[str, str], QueryCheck] = {
    ("project-users", "query"): _user_query,
}


def check_query(args: MultiDict[str, str], route: SentryRoute) -> list[Violation]:
    """The violations of a request's query parameters: unknown ones (with the closest known),
    values the route refuses or silently ignores, repeats, and inconsistent pairs. The mock's
    own controls (:data:`MOCK_CONTROL_PREFIX`) are left alone.

    :param args: the decoded query parameters, in request order.
    :param route: the route the request belongs to (its ``query`` names the known parameters).
    """
    found: list[Violation] = []
    pairs = list(args.items(multi=True))
    seen: dict[str, int] = {}
    for name, _value in pairs:
        seen[name] = seen.get(name, 0) + 1
    for name, count in seen.items():
        if name.startswith(MOCK_CONTROL_PREFIX):
            continue
        where = ("query", name)
        if name not in route.query:
            close = difflib.get_close_matches(name, route.query, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(route.query) or "none"
            found.append(
                Violation(
                    UNKNOWN_QUERY_PARAMETER,
                    f"{name!r} is not a query parameter of {route.template} (Sentry ignores it; "
                    f"known: {known}){hint}",
                    where,
                )
            )
            continue
        if count > 1 and name not in REPEATABLE:
            found.append(
                Violation(
                    INVALID_QUERY_PARAMETER,
                    f"{name} is given {count} times; Sentry reads only one (the last)",
                    where,
                    WARNING,
                )
            )
        check = _ROUTE_CHECKS.get((route.name, name)) or _CHECKS.get(name)
        if check is None:
            continue
        for value in args.getlist(name):
            problem = check(value)
            if problem is not None:
                found.append(Violation(INVALID_QUERY_PARAMETER, problem, where))
                break
    _relations(args, found)
    return found


def _relations(args: MultiDict[str, str], found: list[Violation]) -> None:
    stat = args.get("stat", "")
    if stat in stats.FILTER_STATS:
        found.append(
            Violation(
                INVALID_QUERY_PARAMETER,
                f"stat={stat!r} is an undocumented inbound-filter stat; the documented ones are "
                f"{', '.join(stats.STATS)}",
                ("query", "stat"),
                WARNING,
            )
        )
    try:
        since, until = float(args.get("since", "")), float(args.get("until", ""))
    except ValueError:
        pass
    else:
        if since > until:
            found.append(
                Violation(
                    INVALID_QUERY_PARAMETER,
                    f"since={args['since']} is after until={args['until']} (Sentry: 400 "
                    "'start must be before or equal to end')",
                    ("query", "since"),
                )
            )
    if ("start" in args) != ("end" in args):
        given, missing = ("start", "end") if "start" in args else ("end", "start")
        found.append(
            Violation(
                INVALID_QUERY_PARAMETER,
                f"{given} is given without {missing}: a date range needs both",
                ("query", given),
            )
        )
