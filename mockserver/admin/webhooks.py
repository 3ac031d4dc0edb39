"""Admin API for webhooks: trigger events, list deliveries (``/__admin/events``,
``/__admin/deliveries``)."""

from __future__ import annotations

from flask import Blueprint
from flask import request
from werkzeug.wrappers import Response

from mockserver.admin.body import json_object
from mockserver.admin.token import require_admin_token
from mockserver.http.responses import json_response
from mockserver.http.responses import problem_response
from mockserver.state import get_state
from mockserver.world.model import HOOK_EVENTS
from mockserver.world.store import ProjectView

bp = Blueprint("webhooks_admin", __name__, url_prefix="/__admin")


bp.before_request(require_admin_token)


def resolve_project(ref: object) -> ProjectView | None:
    """``"org/project"`` (ids or slugs) to a live project."""
    if not isinstance(ref, str) or ref.count("/") != 1:
        return None
    org, project = ref.split("/")
    found = get_state().store.resolve(org, project)
    return found if isinstance(found, ProjectView) else None


@bp.post("/events")
def trigger_event() -> Response:
    """Process an event for a project and deliver it to the matching hooks.

    Body: ``{"project": "my-org/my-project", "type": "event.created" | "event.alert",
    "overrides": {...}}``. Answers 202 with the event id and the hooks it goes to.
    """
    body = json_object()
    view = resolve_project(body.get("project"))
    if view is None:
        return problem_response(
            "Bad Request", "project must be 'org/project' (id or slug) of a live project", 400
        )
    event_type = body.get("type", "event.created")
    if event_type not in HOOK_EVENTS:
        return problem_response("Bad Request", f"type must be one of {', '.join(HOOK_EVENTS)}", 400)
    overrides = body.get("overrides", {})
    if not isinstance(overrides, dict):
        return problem_response("Bad Request", "overrides must be an object", 400)
    triggered = get_state().deliverer.trigger(view, event_type, overrides)
    return json_response(
        {
            "eventId": triggered.event_id,
            "type": triggered.event_type,
            "hooks": list(triggered.hook_ids),
            "payload": triggered.payload,
        },
        202,
    )


@bp.get("/deliveries")
def list_deliveries() -> Response:
    """Every delivery attempt, oldest first; filters ``hook``, ``event``, ``project``."""
    deliveries = get_state().deliverer.deliveries(
        hook_id=request.args.get("hook"),
        event_id=request.args.get("event"),
        project=request.args.get("project"),
    )
    return json_response(
        {"deliveries": [d.to_json() for d in deliveries], "total": len(deliveries)}
    )
