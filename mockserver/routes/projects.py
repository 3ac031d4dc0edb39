"""``GET``, ``PUT`` and ``DELETE /api/0/projects/{org}/{project}/`` (sentry-behavior.md §1)."""

from __future__ import annotations

from flask import Response
from flask import request

from mockserver import serializers
from mockserver.pipeline import current_project
from mockserver.pipeline import current_token
from mockserver.project_update import validate_update
from mockserver.routes.common import json_body
from mockserver.routes.common import respond
from mockserver.routing import PROJECT
from mockserver.routing import PROJECT_DETAILS_SCOPES
from mockserver.routing import WRITE
from mockserver.routing import handles
from mockserver.routing import route
from mockserver.state import get_state

details = route(
    "project-details",
    PROJECT,
    scopes=PROJECT_DETAILS_SCOPES,
    query=("include", "expand"),
)


@handles(details, "GET")
def get_project() -> Response:
    """Project details, with ``include=stats`` and ``expand=hasAlertIntegration``."""
    view = current_project()
    body = serializers.project_details(view)
    include = {part for value in request.args.getlist("include") for part in value.split(",")}
    if "stats" in include:
        body["stats"] = {"unresolved": view.project.unresolved_issues}
    if "hasAlertIntegration" in request.args.getlist("expand"):
        body["hasAlertIntegrationInstalled"] = view.project.has_alert_integration
    return respond(body, "project")


@handles(details, "PUT")
def update_project() -> Response:
    """Partial update; non-elevated tokens may only bookmark (§1.2)."""
    state = get_state()
    view = current_project()
    elevated = bool(current_token().scopes & WRITE)
    changes = validate_update(json_body(), view, state.store, elevated=elevated)
    state.store.update_project(view.project.id, changes)
    return respond(serializers.project_details(state.store.view(view.project.id)), "project")


@handles(details, "DELETE")
def delete_project() -> Response:
    """Schedule the project for deletion: 204, then it is gone (§1.3)."""
    state = get_state()
    view = current_project()
    if view.fields.get("isInternal"):
        # Sentry answers a JSON *string* here, not an object.
        return respond('{"error": "Cannot remove projects internally used by Sentry."}', None, 403)
    state.store.delete_project(view.project.id)
    return respond(None, None, 204)
