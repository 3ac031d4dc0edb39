"""``GET``, ``PUT``, ``DELETE …/hooks/{hook_id}/`` and ``GET …/hooks/{hook_id}/stats/``
(sentry-behavior.md §5.4, §2.1). No feature gate on these routes, as in Sentry."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import request

from mockserver.errors import ApiError
from mockserver.http.body import json_body
from mockserver.http.body import respond
from mockserver.http.pipeline import current_project
from mockserver.http.routes import PROJECT
from mockserver.http.routes import OperationDoc
from mockserver.http.routes import handles
from mockserver.http.routes import route
from mockserver.http.views.hooks import HOOK_LINKS
from mockserver.http.views.hooks import validate_hook
from mockserver.sentry import serializers
from mockserver.sentry import stats as stats_query
from mockserver.state import get_state
from mockserver.world.model import Hook

hook_details = route(
    "project-hook-details",
    PROJECT + "hooks/{hook_id}/",
    docs={
        "GET": OperationDoc(
            "getProjectServiceHook",
            "Retrieve a service hook",
            {200: "hook"},
            description="Another project's hook, or an unknown id, answers 404.",
            links={200: HOOK_LINKS},
        ),
        "PUT": OperationDoc(
            "updateProjectServiceHook",
            "Update a service hook",
            {200: "hook", 400: "error-fields"},
            request_schema="hook-update",
            description="A partial update: `url` when not blank, `events` when not null, "
            "`isActive` sets the status to active or disabled.",
            links={200: HOOK_LINKS},
        ),
        "DELETE": OperationDoc(
            "deleteProjectServiceHook",
            "Remove a service hook",
            {204: None},
            description="From then on the hook's routes answer 404.",
        ),
    },
)
hook_stats = route(
    "project-hook-stats",
    PROJECT + "hooks/{hook_id}/stats/",
    query=("since", "until", "resolution"),
    docs={
        "GET": OperationDoc(
            "getProjectServiceHookStats",
            "Retrieve a service hook's deliveries over time",
            {200: "hook-stats", 400: "error-detail"},
            description="Delivery attempts per bucket, with the `since`, `until` and "
            "`resolution` rules of the project stats. Not in Sentry's public schema.",
        ),
    },
)


def _hook(hook_id: str) -> Hook:
    """The project's hook, or Sentry's 404 (also for another project's hook)."""
    hook = get_state().store.hook(current_project().project.id, hook_id)
    if hook is None:
        raise ApiError.not_found()
    return hook


@handles(hook_details, "GET")
def get_hook(hook_id: str) -> Response:
    """One hook."""
    return respond(serializers.hook(_hook(hook_id)), "hook")


@handles(hook_details, "PUT")
def update_hook(hook_id: str) -> Response:
    """Partial update: ``events`` when not null, ``url`` when truthy, ``isActive`` → status."""
    _hook(hook_id)
    body = json_body()
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
    hook = get_state().store.update_hook(current_project().project.id, hook_id, **changes)
    assert hook is not None  # noqa: S101 - checked above, under the same request
    return respond(serializers.hook(hook), "hook")


@handles(hook_details, "DELETE")
def delete_hook(hook_id: str) -> Response:
    """Delete: 204 with an empty body."""
    _hook(hook_id)
    get_state().store.delete_hook(current_project().project.id, hook_id)
    return respond(None, None, 204)


@handles(hook_stats, "GET")
def get_hook_stats(hook_id: str) -> Response:
    """``[{"ts", "total"}]``: delivery attempts per bucket, with the stats parameters."""
    hook = _hook(hook_id)
    state = get_state()
    query = stats_query.parse_query(request.args, now=state.config.clock())
    fired = state.deliverer.fired
    body = [
        {"ts": start, "total": fired(hook.id, start, start + query.rollup)}
        for start in stats_query.bucket_starts(query)
    ]
    return respond(body, "hook-stats")
