"""``mockserver proxy --record``: the answers that pass through, kept as the recorder keeps
what it reads (:class:`~mockserver.record.capture.Capture`).

Only the ``200`` answers to ``GET`` are kept: the project's plain details (and its
``include=stats`` / ``expand=hasAlertIntegration`` extras), pages of users at the position their
cursor names (not those filtered by ``query``), the values of each tag key, hooks listed or read
one by one, and stats series (at the first resolution met per stat).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.errors import ApiError
from mockserver.http.routes import RouteMatch
from mockserver.http.views.tags import standard_key
from mockserver.record.capture import Capture
from mockserver.record.capture import ProjectCapture
from mockserver.sentry.pagination import parse_cursor
from mockserver.sentry.stats import parse_resolution
from mockserver.sentry.stats import parse_stat


def keep(capture: Capture, match: RouteMatch, args: Mapping[str, str], data: Any) -> None:
    """Keep a ``200`` answer to a ``GET`` of ``match``'s route (``args``: its query)."""
    params = match.params
    with capture.lock:
        project = capture.project(params["org"], params["project"])
        name = match.route.name
        if name == "project-details":
            _details(project, args, data)
        elif name == "project-users" and isinstance(data, list) and not args.get("query"):
            start = _start(args.get("cursor"))
            if start is not None:
                project.add_users(start, data)
        elif name == "project-tag-values" and isinstance(data, list):
            project.add_tag_values(standard_key(params["key"]), data)
        elif name == "project-hooks" and isinstance(data, list):
            project.add_hooks(data)
        elif name == "project-hook-details" and isinstance(data, dict):
            project.add_hooks([data])
        elif name == "project-stats" and isinstance(data, list):
            _stats(project, args, data)


def _details(project: ProjectCapture, args: Mapping[str, str], data: Any) -> None:
    if not isinstance(data, dict):
        return
    if not args:
        project.details = data
        return
    stats = data.get("stats")
    unresolved = stats.get("unresolved") if isinstance(stats, dict) else None
    if isinstance(unresolved, int) and not isinstance(unresolved, bool):
        project.unresolved = unresolved
    installed = data.get("hasAlertIntegrationInstalled")
    if isinstance(installed, bool):
        project.alert_integration = installed


def _start(raw: str | None) -> int | None:
    """The position of a users page's first item (Sentry's offset cursor)."""
    try:
        cursor = parse_cursor(raw)
    except ApiError:
        return None
    if cursor is None:
        return 0
    start = cursor.offset * cursor.value
    return start if isinstance(start, int) and start >= 0 else None


def _stats(project: ProjectCapture, args: Mapping[str, str], data: list[Any]) -> None:
    try:
        stat = parse_stat(args.get("stat"))
        resolution = parse_resolution(args.get("resolution"))
    except ApiError:  # Sentry answered 200 where the mock reads the parameters otherwise
        return
    if resolution is None:
        # Sentry chose the rollup: the buckets' spacing says which.
        starts = [p[0] for p in data[:2] if isinstance(p, list) and p]
        if len(starts) < 2 or not all(isinstance(s, int) for s in starts):
            return
        resolution = starts[1] - starts[0]
    project.add_stats(stat, resolution, data)
