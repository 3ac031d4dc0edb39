"""``GET``, ``PUT``, ``DELETE …/hooks/{hook_id}/`` and ``GET …/hooks/{hook_id}/stats/`` (Sentry's
``ProjectServiceHookDetailsEndpoint`` and ``ProjectServiceHookStatsEndpoint``). No feature gate
on these routes, as in Sentry."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from mockserver.errors import ApiError
from mockserver.http.body import json_body
from mockserver.http.exchange import Exchange
from mockserver.http.views.answers import respond
from mockserver.http.views.hooks import respond_hook
from mockserver.http.views.hooks import validate_hook
from mockserver.sentry import stats as stats_query
from mockserver.world.model import Hook


def _hook(ex: Exchange) -> Hook:
    """The project's hook, or Sentry's 404 (also for another project's hook)."""
    hook = ex.store.hook(ex.resolved.project.id, ex.params["hook_id"])
    if hook is None:
        raise ApiError.not_found()
    return hook


def get_hook(ex: Exchange) -> Response:
    """One hook."""
    return respond_hook(ex, _hook(ex))


def update_hook(ex: Exchange) -> Response:
    """Partial update: ``events`` when not null, ``url`` when truthy, ``isActive`` → status."""
    _hook(ex)
    body = json_body(ex.request)
    fields = validate_hook(body, partial=True)
    changes: dict[str, Any] = {}
    if fields.get("url"):
        changes["url"] = fields["url"]
    if isinstance(body, dict) and body.get("events") is not None and "events" in fields:
        changes["events"] = tuple(sorted(set(fields["events"])))
    if "version" in fields:
        changes["version"] = fields["version"]
    if "isActive" in fields:
        changes["status"] = "active" if fields["isActive"] else "disabled"
    hook_id = ex.params["hook_id"]
    updated = ex.store.update_hook(ex.resolved.project.id, hook_id, **changes)
    assert updated is not None  # noqa: S101 - checked above, under the same request
    return respond_hook(ex, updated, written=True)


def delete_hook(ex: Exchange) -> Response:
    """Delete: 204 with an empty body."""
    _hook(ex)
    ex.store.delete_hook(ex.resolved.project.id, ex.params["hook_id"])
    return respond(ex.state, None, None, 204)


def get_hook_stats(ex: Exchange) -> Response:
    """``[{"ts", "total"}]``: delivery attempts per bucket, with the stats parameters."""
    hook = _hook(ex)
    state = ex.state
    query = stats_query.parse_query(ex.request.args, now=state.config.clock())
    fired = state.deliverer.fired
    body = [
        {"ts": start, "total": fired(hook.id, start, start + query.rollup)}
        for start in stats_query.bucket_starts(query)
    ]
    return respond(state, body, "hook-stats")
