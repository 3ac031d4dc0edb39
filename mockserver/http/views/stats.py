"""``GET …/stats/``: event counts over time (sentry-behavior.md §2)."""

from __future__ import annotations

from flask import Response
from flask import request

from mockserver.cache import responses as replay
from mockserver.errors import ApiError
from mockserver.http.pipeline import current_project
from mockserver.http.routes import PROJECT
from mockserver.http.routes import OperationDoc
from mockserver.http.routes import handles
from mockserver.http.routes import route
from mockserver.http.views.encoded import memoized_json
from mockserver.http.views.encoded import respond_encoded
from mockserver.sentry import stats as stats_query
from mockserver.state import get_state
from mockserver.world import patterns
from mockserver.world.model import StatsSeries

project_stats = route(
    "project-stats",
    PROJECT + "stats/",
    query=("stat", "since", "until", "resolution", "environment"),
    unstable=True,
    docs={
        "GET": OperationDoc(
            "listProjectStats",
            "Retrieve event counts for a project",
            {200: "stats", 400: ("error-list", "error-detail")},
            description="`[timestamp, count]` pairs, ascending and zero-filled, one per bucket "
            "from `until` back to `since` (default: the last 24 hours). Parameters are checked "
            "in Sentry's order, stat, resolution, until, since: an unknown stat answers the "
            'JSON array `["Invalid stat: <x>"]`, the others `{"detail": ...}`; so does `since` '
            "after `until`, and a window of more than 100,000 buckets (where Sentry itself "
            "would fail). `stat=generated` with an unknown `environment` answers 404.",
        ),
    },
)
_EMPTY = StatsSeries()


@handles(project_stats, "GET")
def get_stats() -> Response:
    """``[[timestamp, count], ...]`` for one stat; validation in Sentry's order."""
    view = current_project()
    stat = stats_query.parse_stat(request.args.get("stat"))
    environment = request.args.get("environment")
    if stat == "generated" and environment and environment not in view.project.environments:
        raise ApiError.not_found()
    now = get_state().config.clock()
    query = stats_query.parse_query(request.args, now=now)
    series = view.project.stats.get(stat, _EMPTY)
    starts = stats_query.bucket_starts(query)
    # The counts depend on the (frozen) series, the buckets, and "now" only through patterns'
    # relative windows, which resolve to 10-second slots: the body is kept under all of them.
    first = starts[0] if starts else None
    key = (
        "stats",
        view.project.id,
        stat,
        query.rollup,
        first,
        len(starts),
        int(now) // patterns.SLOT,
    )
    body = memoized_json(
        key,
        "stats",
        lambda: stats_query.series(
            query, lambda start, end: patterns.count_events(series, start, end)
        ),
    )
    # The same body, like the memo key says, until the 10-second slot ends.
    replay.allow(until=(int(now) // patterns.SLOT + 1) * patterns.SLOT)
    return respond_encoded(body)
