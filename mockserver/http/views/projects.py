"""``GET``, ``PUT`` and ``DELETE /api/0/projects/{org}/{project}/`` (Sentry's
``ProjectDetailsEndpoint``)."""

from __future__ import annotations

from werkzeug.wrappers import Response

from mockserver.cache import responses as response_cache
from mockserver.http import params
from mockserver.http.body import json_body
from mockserver.http.exchange import Exchange
from mockserver.http.params.values import EXPAND_ALERT_INTEGRATION
from mockserver.http.params.values import INCLUDE_STATS
from mockserver.http.routes import WRITE
from mockserver.http.views.answers import respond
from mockserver.http.views.answers import respond_encoded
from mockserver.http.views.answers import response_check
from mockserver.sentry import serializers
from mockserver.sentry.project_update import validate_update


def get_project(ex: Exchange) -> Response:
    """Project details, with ``include=stats`` and ``expand=hasAlertIntegration``."""
    view = ex.resolved
    state = ex.state
    response_cache.allow(ex.environ)  # every variant depends on the request and the store only
    args = ex.request.args
    with_stats = INCLUDE_STATS in params.INCLUDE.read(args)
    expand = EXPAND_ALERT_INTEGRATION in params.EXPAND.read(args)
    if not with_stats and not expand:
        # The plain answer is the same until the project changes: encoded (and checked) once.
        check = response_check(state, "project")
        return respond_encoded(serializers.project_details_json(view, check))
    body = serializers.project_details(view)
    if with_stats:
        body["stats"] = {"unresolved": view.project.unresolved_issues}
    if expand:
        body["hasAlertIntegrationInstalled"] = view.project.has_alert_integration
    return respond(state, body, "project")


def update_project(ex: Exchange) -> Response:
    """Partial update; non-elevated tokens may only bookmark."""
    state = ex.state
    view = ex.resolved
    elevated = bool(ex.authenticated.scopes & WRITE)
    changes = validate_update(json_body(ex.request), view, ex.store, elevated=elevated)
    ex.store.update_project(view.project.id, changes)
    body = serializers.project_details(ex.store.view(view.project.id))
    return respond(state, body, "project")


def delete_project(ex: Exchange) -> Response:
    """Schedule the project for deletion: 204, then it is gone."""
    state = ex.state
    view = ex.resolved
    if view.fields.get("isInternal"):
        # Sentry answers a JSON *string* here, not an object.
        body = '{"error": "Cannot remove projects internally used by Sentry."}'
        return respond(state, body, None, 403)
    ex.store.delete_project(view.project.id)
    return respond(state, None, None, 204)
