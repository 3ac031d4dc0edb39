"""Sentry's ``tests/sentry/core/endpoints/test_project_stats.py``, ported.

Sentry stores outcomes one minute before a frozen now; the scenario gives each stat a point
there (ten seconds wide), and the tests' clock is the frozen now.
"""

from __future__ import annotations

import pytest

from tests.conftest import NOW
from tests.conftest import Api
from tests.fidelity.conftest import Load
from tests.fidelity.conftest import path
from tests.fidelity.conftest import project
from tests.fidelity.conftest import scenario

# Sentry's inbound filter reasons, each with the count Sentry's test stores.
FILTERED = {
    "ip-address": 1,
    "release-version": 2,
    "error-message": 3,
    "browser-extensions": 4,
    "legacy-browsers": 5,
    "localhost": 6,
    "web-crawlers": 7,
    "invalid-csp": 8,
}


def _one_minute_ago(count: int) -> dict[str, object]:
    return {"resolution": 10, "points": [[NOW - 60, count]]}


def test_simple(api: Api, load: Load) -> None:
    """Sentry: ProjectStatsTest.test_simple: 24 hourly points, the project's own outcomes in
    the last one (another project's do not count)."""
    load(
        scenario(
            project("foo", "21", stats={"received": _one_minute_ago(3)}),
            project("bar", "22", stats={"received": _one_minute_ago(5)}),
        )
    )
    reply = api.get(path("foo") + "stats/")
    assert reply.status == 200
    points = reply.json
    assert len(points) == 24
    assert points[-1] == [NOW - NOW % 3600, 3]
    assert all(count == 0 for _, count in points[:-1])


@pytest.mark.parametrize("stat", sorted(FILTERED))
def test_get_error_message_stats(api: Api, load: Load, stat: str) -> None:
    """Sentry: ProjectStatsTest.test_get_error_message_stats: each filter reason is a stat of
    its own."""
    stats = {reason: _one_minute_ago(count) for reason, count in FILTERED.items()}
    load(scenario(project("foo", "21", stats=stats)))
    reply = api.get(path("foo") + f"stats/?stat={stat}")
    assert reply.status == 200
    assert len(reply.json) == 24
    assert reply.json[-1][1] == FILTERED[stat]
