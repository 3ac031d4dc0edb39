"""Sentry's stats query (mockserver.sentry.stats): how long the same parameters give the same
buckets, which is how long the stats view lets the response cache keep its answer."""

from __future__ import annotations

import math
import random

import pytest

from mockserver.errors import ApiError
from mockserver.sentry import stats

NOW = 1_700_000_000.0  # a multiple of 10; 800 s past an hour


def buckets(params: dict[str, str], now: float) -> tuple[int, tuple[int, ...]] | str:
    """What the body's shape depends on: the rollup and the bucket starts (or the 400)."""
    try:
        query = stats.parse_query(params, now=now)
    except ApiError as exc:
        return f"{exc.status}"
    return query.rollup, tuple(stats.bucket_starts(query))


def stable(params: dict[str, str], now: float) -> float:
    query = stats.parse_query(params, now=now)
    return stats.stable_until(query, len(stats.bucket_starts(query)))


@pytest.mark.parametrize(
    "params",
    [
        {"since": "1699990000", "until": "1700000000"},
        {"until": "1700000000"},
        {"until": "1700000000", "resolution": "10s"},
    ],
)
def test_a_window_with_until_never_expires(params: dict[str, str]) -> None:
    assert stable(params, NOW) == math.inf
    assert buckets(params, NOW) == buckets(params, NOW + 10_000_000)


@pytest.mark.parametrize(
    ("params", "now", "expected"),
    [
        # The row of the hardening issue: 360 ten-second buckets, 361 at +4 s, 2 hourly at +5 s.
        ({"since": str(NOW - 3596)}, NOW, NOW + 4 - 2**-22),
        ({"since": str(NOW - 3596)}, NOW + 4, NOW + 5),
        # The default day: the buckets move at the next hour.
        ({}, NOW + 1, NOW - 800 + 3600),
        ({"resolution": "10s"}, NOW + 3, NOW + 10),
        ({"resolution": "1d"}, NOW, 1_700_006_400),
        # 168 hourly buckets: a 169th a second later, daily ones a second after that.
        ({"since": str(NOW - 604_799)}, NOW, NOW + 1 - 2**-22),
        ({"since": str(NOW - 604_799)}, NOW + 1, NOW + 2),
        # 100,000 ten-second buckets: at the limit, any later moment gets the 400.
        ({"since": str(NOW - 999_995), "resolution": "10s"}, NOW, NOW + 5 - 2**-22),
        ({"since": str(NOW - 999_995), "resolution": "10s"}, NOW + 5, NOW + 5),
        # Before 1970, int() truncates toward zero: not kept at all.
        ({"since": "-5"}, NOW, NOW),
    ],
)
def test_without_until_the_buckets_hold_until_the_moment_returned(
    params: dict[str, str], now: float, expected: float
) -> None:
    until = stable(params, now)
    assert until == expected
    if until > now:  # the same buckets up to the moment, other ones right after it
        assert buckets(params, math.nextafter(until, -math.inf)) == buckets(params, now)
        assert buckets(params, math.nextafter(until, math.inf)) != buckets(params, now)


def test_no_moment_before_the_one_returned_gives_other_buckets() -> None:
    # A seeded sweep over the edges: spans either side of an hour and a week, fractional
    # clocks and since, each resolution; every sampled moment before the one returned must give
    # the same rollup and bucket starts as the request's own moment.
    rng = random.Random(13)
    spans = (0, 10, 35, 3596, 3599.5, 3600, 3601, 86399, 604_790, 604_801)
    checked = 0
    for _ in range(400):
        now = NOW + rng.choice((0, 0.25, 0.5, 3.7, 9.99)) + rng.randrange(-20_000, 20_000)
        params: dict[str, str] = {}
        span = rng.choice(spans)
        if rng.random() < 0.8:
            params["since"] = repr(now - span + rng.choice((0, 0.3, -0.7)))
        if rng.random() < 0.4:
            # (Ten-second buckets over a week are 60,000 buckets a moment: too slow to sweep.)
            params["resolution"] = rng.choice(("10s", "1h", "1d") if span < 4000 else ("1h", "1d"))
        shape = buckets(params, now)
        if isinstance(shape, str):
            continue
        until = stable(params, now)
        assert until >= now
        end = min(until, now + 4000)
        moments = [now + d for d in (0.001, 0.1, 0.5, 1, 2.5, 5, 9.9)]
        moments += [rng.uniform(now, end) for _ in range(10)]
        moments.append(math.nextafter(until, -math.inf))
        for moment in moments:
            if now <= moment < until:
                checked += 1
                assert buckets(params, moment) == shape, (params, now, moment, until)
    assert checked > 3000


def _stepped(query: stats.StatsQuery) -> list[int]:
    """Sentry's own loop (``get_optimal_rollup_series``), one rollup back at a time."""
    starts = []
    timestamp = query.until
    while timestamp >= query.since:
        epoch = int(timestamp)
        starts.append(epoch - epoch % query.rollup)
        timestamp -= query.rollup
    return starts[::-1]


def test_bucket_starts_are_sentrys_steps_for_any_window() -> None:
    # The arithmetic must give exactly the buckets of Sentry's loop: windows of every size and
    # rollup, fractional and whole ends, ends on a bucket's edge, before and after 1970.
    rng = random.Random(17)
    edges = [0.0, 3600.0, 1_764_798_000.0, 1_764_798_329.123456, float(stats.MAX_TIMESTAMP)]
    cases = 0
    for rollup in (10, 3600, 86400):
        for _ in range(400):
            until = rng.choice(edges) if rng.random() < 0.2 else rng.uniform(-5e9, 5e9)
            if rng.random() < 0.3:
                until = float(round(until))
            span = rng.choice([0, rollup, 24 * rollup, rng.uniform(0, 90 * rollup)])
            since = until - span + rng.choice([0.0, 0.5, -0.5, 1.0])
            query = stats.StatsQuery(
                since=since,
                until=until,
                rollup=rollup,
                until_is_now=False,
                since_is_default=False,
                rollup_is_chosen=False,
            )
            assert stats.bucket_starts(query) == _stepped(query), (since, until, rollup)
            cases += 1
    assert cases == 1200
