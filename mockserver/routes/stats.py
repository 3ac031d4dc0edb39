"""``GET …/stats/``: event counts over time (sentry-behavior.md §2)."""

from __future__ import annotations

from flask import Response
from flask import request

from mockserver import patterns
from mockserver import stats as stats_query
from mockserver.errors import ApiError
from mockserver.pipeline import current_project
from mockserver.routes.common import respond
from mockserver.routing import PROJECT
from mockserver.routing import handles
from mockserver.routing import route
from mockserver.state import get_state
from mockserver.world import StatsSeries

project_stats = route(
    "project-stats",
    PROJECT + "stats/",
    query=("stat", "since", "until", "resolution", "environment"),
    unstable=True,
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
    query = stats_query.parse_query(request.args, now=get_state().config.clock())
    series = view.project.stats.get(stat, _EMPTY)
    body = stats_query.series(query, lambda start, end: patterns.count_events(series, start, end))
    return respond(body, "stats")
