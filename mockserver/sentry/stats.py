"""Sentry's stats query: parameter parsing, rollup choice and bucket alignment (§2).

Pure functions: the view passes the query and the current time, and gets the buckets.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise

from mockserver.errors import ApiError

ROLLUPS = (10, 3600, 86400)
# get_optimal_rollup: the first (rollup, samples) whose rollup * samples covers the span.
_OPTIMAL = ((10, 360), (3600, 168), (86400, 90))
#: The units of ``resolution``, in seconds (its last character).
UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
DEFAULT_SPAN = 86400 - 1
MAX_BUCKETS = 100_000
# The timestamps a datetime can hold (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z). Sentry
# turns since/until into datetimes: NaN and some out-of-range values raise ValueError, which it
# answers with the 400 below; the rest raise OverflowError, a 500. The mock answers the 400 for
# all of them (and a float that large would also stall the bucket loop: x - 10 == x).
MIN_TIMESTAMP = -62_135_596_800
MAX_TIMESTAMP = 253_402_300_799
# Filter keys Sentry also accepts for stat= (undocumented; §2 item 4).
FILTER_STATS = (
    "ip-address",
    "release-version",
    "error-message",
    "browser-extensions",
    "legacy-browsers",
    "localhost",
    "web-crawlers",
    "invalid-csp",
    "cors",
    "discarded-hash",
    "filtered-transaction",
)
STATS = ("received", "rejected", "blacklisted", "generated")
DEFAULT_STAT = "received"


@dataclass(frozen=True, slots=True)
class StatsQuery:
    """A validated stats query: the window and the bucket size, in epoch seconds.

    :ivar until_is_now: ``until`` was not given: the window ends at the time of the request,
        so the same parameters give other buckets as the clock moves (see :func:`stable_until`).
    :ivar since_is_default: ``since`` was not given: the window is a day long.
    :ivar rollup_is_chosen: ``resolution`` was not given: the rollup follows the window's span.
    """

    since: float
    until: float
    rollup: int
    until_is_now: bool = False
    since_is_default: bool = False
    rollup_is_chosen: bool = False


def parse_stat(raw: str | None) -> str:
    """The ``stat`` parameter, defaulting to :data:`DEFAULT_STAT`.

    :raises ApiError: 400 with the JSON array ``["Invalid stat: <x>"]``.
    """
    stat = raw if raw else DEFAULT_STAT
    if stat not in STATS and stat not in FILTER_STATS:
        raise ApiError(400, [f"Invalid stat: {stat}"])
    return stat


def parse_resolution(raw: str | None) -> int | None:
    """The ``resolution`` parameter in seconds, or ``None`` when absent or empty.

    :raises ApiError: 400 ``Invalid resolution`` unless it equals 10 s, 1 h or 1 d.
    """
    if not raw:
        return None
    # Sentry's _parse_resolution: the last character is the unit, int() parses the rest (so
    # " 1h" and "01h" are accepted as Sentry accepts them).
    unit = UNITS.get(raw[-1])
    try:
        seconds = int(raw[:-1]) * unit if unit else None
    except ValueError:
        seconds = None
    if seconds not in ROLLUPS:
        raise ApiError.detail(400, "Invalid resolution")
    return seconds


def parse_until(raw: str | None) -> float | None:
    """The ``until`` parameter in epoch seconds, or ``None`` (now) when absent or empty.

    :raises ApiError: 400 ``until must be a numeric timestamp.``
    """
    return _timestamp(raw, "until must be a numeric timestamp.") if raw else None


def parse_since(raw: str | None) -> float | None:
    """The ``since`` parameter in epoch seconds, or ``None`` (a day before ``until``) when absent
    or empty.

    :raises ApiError: 400 ``since must be a numeric timestamp``.
    """
    return _timestamp(raw, "since must be a numeric timestamp") if raw else None


def _timestamp(raw: str, message: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ApiError.detail(400, message) from None
    if not math.isfinite(value) or not MIN_TIMESTAMP <= value <= MAX_TIMESTAMP:
        # Python's float() accepts "nan" and "inf", which Sentry would then crash on; a mock
        # that answers 500 helps nobody, so these get the same 400 as any non-number.
        raise ApiError.detail(400, message)
    return value


def parse_query(params: Mapping[str, str], now: float) -> StatsQuery:
    """Parse ``resolution``, ``until`` and ``since`` in Sentry's order (``StatsMixin._parse_args``).

    Each parameter's own parser is :func:`parse_resolution`, :func:`parse_until` and
    :func:`parse_since`; this reads them together, as their defaults and errors depend on each
    other.

    :raises ApiError: with Sentry's exact 400 bodies.
    """
    resolution = parse_resolution(params.get("resolution"))
    parsed_until = parse_until(params.get("until"))
    until = now if parsed_until is None else parsed_until
    parsed_since = parse_since(params.get("since"))
    if parsed_since is None:
        since = until - DEFAULT_SPAN
    elif parsed_since > until:
        raise ApiError.detail(400, "start must be before or equal to end")
    else:
        since = parsed_since
    rollup = resolution if resolution is not None else optimal_rollup(since, until)
    if (until - since) / rollup > MAX_BUCKETS:
        # Sentry sets no limit, but asks Snuba, which refuses huge queries; the mock must not
        # spend minutes building a billion zero buckets, so it refuses them in Sentry's shape.
        raise ApiError.detail(
            400,
            f"Too many buckets: at most {MAX_BUCKETS} per query; narrow since/until "
            "or use a coarser resolution",
        )
    return StatsQuery(
        since=since,
        until=until,
        rollup=rollup,
        until_is_now=parsed_until is None,
        since_is_default=parsed_since is None,
        rollup_is_chosen=resolution is None,
    )


def optimal_rollup(since: float, until: float) -> int:
    """Sentry's ``get_optimal_rollup``: 10 s up to an hour, 1 h up to a week, else 1 d."""
    span = int(until) - int(since)
    for rollup, samples in _OPTIMAL:
        if rollup * samples >= span:
            return rollup
    return _OPTIMAL[-1][0]


def bucket_starts(query: StatsQuery) -> list[int]:
    """Sentry's ``get_optimal_rollup_series``: from ``until`` back to ``since``, floored to the
    rollup, ascending. The first bucket may begin before ``since``.

    Sentry steps back from ``until`` one rollup at a time; for times at or after 1970 the
    same buckets follow from arithmetic (``until - k * rollup`` is exact in a float, since the
    rollup is a whole number of seconds), and the stats view asks for them on every request.
    """
    rollup = query.rollup
    until, since = query.until, query.since
    if since < 0:
        return _bucket_starts_by_steps(query)  # int() truncates towards zero before 1970
    if until < since:
        return []
    steps = int((until - since) // rollup)  # the last step back, give or take the rounding
    while until - (steps + 1) * rollup >= since:
        steps += 1
    while steps >= 0 and until - steps * rollup < since:
        steps -= 1
    epoch = int(until)
    last = epoch - epoch % rollup
    return list(range(last - steps * rollup, last + 1, rollup))


def _bucket_starts_by_steps(query: StatsQuery) -> list[int]:
    """:func:`bucket_starts` as Sentry computes it, one rollup back at a time."""
    rollup = query.rollup
    starts = []
    timestamp = query.until
    while timestamp >= query.since:
        epoch = int(timestamp)
        starts.append(epoch - epoch % rollup)
        timestamp -= rollup
    starts.reverse()
    return starts


def stable_until(query: StatsQuery, buckets: int) -> float:
    """The first moment (epoch seconds) at which the parameters of ``query`` may give other
    buckets than the ``buckets`` it has now: another rollup, other bucket starts, another number
    of buckets, or the too-many-buckets 400. ``inf`` when ``until`` was given: the window is
    then fixed.

    Without ``until``, the window ends at the time of the request (``query.until``), and:

    - every bucket start is ``int(until)`` floored to the rollup, minus whole rollups: all of
      them move when ``int(until)`` reaches the next multiple of the rollup;
    - with ``since`` given, the window grows: one more bucket once ``until - since`` reaches
      ``buckets`` rollups, Sentry's rollup choice moves to the next one once the span passes its
      samples (an hour, then a week), and the too-many-buckets answer starts past
      :data:`MAX_BUCKETS` rollups. (With ``since`` defaulting to a day before ``until``, the span,
      the rollup and the number of buckets never change.)

    Exact, not a guess: before the moment returned, :func:`parse_query` and
    :func:`bucket_starts` give the same buckets (the stats view keeps its answer until then).
    """
    if not query.until_is_now:
        return math.inf
    now, rollup, since = query.until, query.rollup, query.since
    if since < 0:
        # int() truncates negative timestamps toward zero, so buckets before 1970 move with
        # every fraction of a second: such answers are not kept at all.
        return now
    moments: list[float] = [(int(now) // rollup + 1) * rollup]
    if not query.since_is_default:
        # The window reaches one more bucket when until - since == buckets * rollup; one float
        # step down, in case the sum rounded up.
        moments.append(math.nextafter(since + buckets * rollup, -math.inf))
        moments.append(since + MAX_BUCKETS * rollup)
        if query.rollup_is_chosen:
            # get_optimal_rollup compares int(until) - int(since) with each rollup's samples.
            for (chosen, samples), (following, _) in pairwise(_OPTIMAL):
                if chosen == rollup and following != rollup:
                    moments.append(int(since) + chosen * samples + 1)
    return max(now, min(moments))


def series(query: StatsQuery, count: Callable[[int, int], int]) -> list[list[int]]:
    """``[[bucket_start, count], ...]`` with ``count(start, end)`` for each bucket."""
    return [[start, count(start, start + query.rollup)] for start in bucket_starts(query)]
