"""``GET``, ``PUT`` and ``DELETE /api/0/projects/{org}/{project}/`` (sentry-behavior.md §1)."""

from __future__ import annotations

from flask import Response
from flask import request

from mockserver.cache import responses as replay
from mockserver.http.body import json_body
from mockserver.http.body import respond
from mockserver.http.pipeline import current_project
from mockserver.http.pipeline import current_token
from mockserver.http.routes import PROJECT
from mockserver.http.routes import PROJECT_DETAILS_SCOPES
from mockserver.http.routes import WRITE
from mockserver.http.routes import OperationDoc
from mockserver.http.routes import handles
from mockserver.http.routes import route
from mockserver.http.views.encoded import respond_encoded
from mockserver.http.views.encoded import response_check
from mockserver.sentry import serializers
from mockserver.sentry.project_update import validate_update
from mockserver.state import get_state

details = route(
    "project-details",
    PROJECT,
    scopes=PROJECT_DETAILS_SCOPES,
    query=("include", "expand"),
    docs={
        "GET": OperationDoc(
            "getProject",
            "Retrieve a project",
            {200: "project"},
            description="Every key of Sentry's detailed project serializer. `include=stats` adds "
            "`stats.unresolved`; `expand=hasAlertIntegration` adds `hasAlertIntegrationInstalled`; "
            "other values and unknown parameters are ignored.",
        ),
        "PUT": OperationDoc(
            "updateProject",
            "Update a project",
            {200: "project", 400: "error-fields", 403: "error-detail"},
            request_schema="project-update",
            description="A partial update; unknown keys are ignored. A token with only "
            "`project:read` may change the member fields (`isBookmarked`, "
            "`autofixAutomationTuning`, `seerScannerAutomation`); a truthy admin field answers "
            "403. A new slug makes the old one answer 302 to the new path.",
        ),
        "DELETE": OperationDoc(
            "deleteProject",
            "Delete a project",
            {204: None, 403: ("error-detail", "error-internal-project")},
            description="Schedules the project for deletion: from then on every route of the "
            "project answers 404. Sentry's internal projects answer 403 with a JSON string.",
        ),
    },
)


@handles(details, "GET")
def get_project() -> Response:
    """Project details, with ``include=stats`` and ``expand=hasAlertIntegration``."""
    view = current_project()
    replay.allow()  # every variant depends on the request and the store only
    include = {part for value in request.args.getlist("include") for part in value.split(",")}
    expand = "hasAlertIntegration" in request.args.getlist("expand")
    if "stats" not in include and not expand:
        # The plain answer is the same until the project changes: encoded (and checked) once.
        return respond_encoded(serializers.project_details_json(view, response_check("project")))
    body = serializers.project_details(view)
    if "stats" in include:
        body["stats"] = {"unresolved": view.project.unresolved_issues}
    if expand:
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
