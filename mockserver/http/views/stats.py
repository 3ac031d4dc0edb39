"""``GET …/stats/``: event counts over time (Sentry's ``ProjectStatsEndpoint``)."""

from __future__ import annotations

from werkzeug.wrappers import Response

from mockserver.cache import responses as response_cache
from mockserver.errors import ApiError
from mockserver.http import params
from mockserver.http.exchange import Exchange
from mockserver.http.views.answers import memoized_json
from mockserver.http.views.answers import respond_encoded
from mockserver.sentry import stats as stats_query
from mockserver.world import patterns
from mockserver.world.model import StatsSeries
from mockserver.world.series import count_events
from mockserver.world.versions import PROJECTS

_EMPTY = StatsSeries()


def get_stats(ex: Exchange) -> Response:
    """``[[timestamp, count], ...]`` for one stat; validation in Sentry's order."""
    view = ex.resolved
    args = ex.request.args
    stat = params.STAT.read(args)
    environment = params.ENVIRONMENT.read(args)
    if stat == "generated" and environment and environment not in view.project.environments:
        raise ApiError.not_found()
    now = ex.state.config.clock()
    # since, until and resolution: read together, in Sentry's order.
    query = stats_query.parse_query(args, now=now)
    series = view.project.stats.get(stat, _EMPTY)
    starts = stats_query.bucket_starts(query)
    # The counts depend on the (frozen) series, the buckets, and "now" only through patterns'
    # relative windows, which resolve to 10-second slots: the body is kept under all of them.
    first = starts[0] if starts else None
    slot = int(now) // patterns.SLOT
    key = ("stats", view.project.id, stat, query.rollup, first, len(starts), slot)
    body = memoized_json(
        ex.state,
        key,
        "stats",
        lambda: stats_query.series(query, lambda start, end: count_events(series, start, end)),
    )
    # The same body, like the memo key says, until the 10-second slot ends, or until the same
    # parameters give other buckets: without until, the window moves with the clock.
    expires = min((slot + 1) * patterns.SLOT, stats_query.stable_until(query, len(starts)))
    response_cache.allow(ex.environ, until=expires, parts=(PROJECTS,))
    return respond_encoded(body)
