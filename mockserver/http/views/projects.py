"""``GET``, ``PUT`` and ``DELETE /api/0/projects/{org}/{project}/`` (Sentry's
``ProjectDetailsEndpoint``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

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
from mockserver.http.views.answers import write_check
from mockserver.schemas.explain import explain
from mockserver.schemas.registry import SchemaRegistry
from mockserver.sentry import project_body
from mockserver.sentry import project_options
from mockserver.sentry import project_parts
from mockserver.sentry import serializers
from mockserver.sentry import symbol_sources
from mockserver.sentry.project_fields import UpdateContext
from mockserver.sentry.project_update import plan_update
from mockserver.sentry.project_update import validate_update
from mockserver.world.store import ProjectView
from mockserver.world.store import Store
from mockserver.world.versions import PROJECTS

if TYPE_CHECKING:
    from mockserver.state import MockState


def get_project(ex: Exchange) -> Response:
    """Project details, with ``include=stats``, ``expand=hasAlertIntegration`` and
    ``collapse``."""
    view = ex.resolved
    state = ex.state
    # Every variant depends on the request and the projects only (not on hooks).
    response_cache.allow(ex.environ, parts=(PROJECTS,))
    args = ex.request.args
    with_stats = INCLUDE_STATS in params.INCLUDE.read(args)
    expand = EXPAND_ALERT_INTEGRATION in params.EXPAND.read(args)
    collapse = params.COLLAPSE.read(args)
    check = response_check(state, "project")
    if not with_stats and not expand and not collapse:
        # The plain answer is the same until the project changes: encoded (and checked) once.
        return respond_encoded(serializers.project_details_json(view, check))
    # The other variants share the parts of the plain answer (made, checked and encoded once
    # per state of the project), and make what differs.
    extra: dict[str, Any] = {}
    if with_stats:
        extra["stats"] = {"unresolved": view.project.unresolved_issues}
    if expand:
        extra["hasAlertIntegrationInstalled"] = view.project.has_alert_integration
    shown = project_body.variant(collapse)
    return respond_encoded(project_parts.render(view, shown, check, extra))


def update_project(ex: Exchange) -> Response:
    """Partial update, as Sentry's ``put``: non-elevated tokens may change the member fields
    only; the answer is the project as it now is."""
    state = ex.state
    view = ex.resolved
    store = ex.store  # the scenario's, or a fuzzer's sandbox
    scopes = ex.authenticated.scopes
    elevated = bool(scopes & WRITE)
    project_id = view.project.id
    ctx = update_context(state, store, view, scopes)
    result = validate_update(json_body(ex.request), ctx, elevated=elevated)
    update = plan_update(result, ctx, elevated=elevated)
    copied: tuple[str, ...] = ()
    if update.copy_from is not None:
        copied = ("teams", "team", *_shadows(store.view(update.copy_from).options))
    store.update_project(
        project_id,
        update.project,
        update.options,
        shadows=(*update.project, *_shadows(update.options), *_shadows(update.after_copy)),
        copy_from=update.copy_from,
        after_copy=update.after_copy,
        copy_shadows=copied,
    )
    # Made, checked and encoded once per state of the project (an update that changes nothing
    # keeps it): the mock's own answer is not checked again, and new ones are sampled.
    check = write_check(state, "project")
    encoded = serializers.project_update_json(
        store.view(project_id), check, keep_biases=update.keep_biases
    )
    return respond_encoded(encoded)


def update_context(
    state: MockState, store: Store, view: ProjectView, scopes: Iterable[str]
) -> UpdateContext:
    """What an update of ``view`` in ``store`` by a token of ``scopes`` is checked against."""
    project_id = view.project.id
    return UpdateContext(
        view=view,
        store=store,
        scopes=frozenset(scopes),
        check_sources=_sources_check(state.registry),
        new_source_id=lambda: store.new_id(project_id, "symbol-source"),
    )


def _shadows(options: Any) -> list[str]:
    return [key for option in options for key in project_options.shows(option)]


def _sources_check(registry: SchemaRegistry) -> symbol_sources.Check:
    """Symbol sources checked against ``schemas/symbol-sources.json``: the first problem."""

    def check(sources: Any) -> str | None:
        errors = registry.errors("symbol-sources", sources)
        if not errors:
            return None
        why = explain(errors[0], registry.schema("symbol-sources"))
        return f"{why.json_path}: {why.message}"

    return check


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
