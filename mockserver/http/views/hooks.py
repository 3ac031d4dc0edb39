"""``GET`` and ``POST …/hooks/``: service hooks (sentry-behavior.md §5.1-§5.3)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import request

from mockserver.errors import ApiError
from mockserver.http.body import json_body
from mockserver.http.body import respond
from mockserver.http.pipeline import current_project
from mockserver.http.routes import PROJECT
from mockserver.http.routes import Link
from mockserver.http.routes import OperationDoc
from mockserver.http.routes import handles
from mockserver.http.routes import route
from mockserver.http.views.paging import page_params
from mockserver.http.views.paging import respond_page
from mockserver.sentry import drf
from mockserver.sentry import pagination
from mockserver.sentry import serializers
from mockserver.state import get_state
from mockserver.world.model import HOOK_EVENTS
from mockserver.world.model import Hook

# What a stateful client can do with a hook it was just given.
HOOK_LINKS = {
    "GetServiceHook": Link("getProjectServiceHook", {"hook_id": "$response.body#/id"}),
    "UpdateServiceHook": Link("updateProjectServiceHook", {"hook_id": "$response.body#/id"}),
    "DeleteServiceHook": Link("deleteProjectServiceHook", {"hook_id": "$response.body#/id"}),
    "GetServiceHookStats": Link("getProjectServiceHookStats", {"hook_id": "$response.body#/id"}),
}
project_hooks = route(
    "project-hooks",
    PROJECT + "hooks/",
    query=("status", "cursor", "per_page"),
    paginated=True,
    feature="servicehooks",
    docs={
        "GET": OperationDoc(
            "listProjectServiceHooks",
            "List a project's service hooks",
            {200: "hooks", 400: "error-detail"},
            description="Newest first. `status=active` or `status=disabled` filters; any other "
            "non-empty status answers `[]`.",
        ),
        "POST": OperationDoc(
            "createProjectServiceHook",
            "Register a new service hook",
            {201: "hook", 400: "error-fields"},
            request_schema="hook-create",
            description="The hook is always created active, with a fresh id and secret.",
            links={201: HOOK_LINKS},
        ),
    },
)
FEATURE_DISABLED = {
    "error_type": "unavailable_feature",
    "detail": ["You do not have that feature enabled"],
}


def require_feature() -> None:
    """The ``servicehooks`` feature gate of the list and create endpoints."""
    if not current_project().project.has_servicehooks:
        raise ApiError(403, FEATURE_DISABLED)


@handles(project_hooks, "GET")
def list_hooks() -> Response:
    """The project's hooks, newest first; ``status=active|disabled`` filters."""
    require_feature()
    hooks = get_state().store.hooks(current_project().project.id)
    status = request.args.get("status")
    if status:
        hooks = [h for h in hooks if h.status == status]
    per_page, cursor = page_params()
    page = pagination.paginate_keyset(hooks, _internal_id, cursor, per_page)
    return respond_page(page, serializers.hook, "hooks", memo="hook")


def _internal_id(hook: Hook) -> int:
    """The keyset paginator's key: Sentry's numeric primary key, never serialized."""
    return hook.internal_id


def validate_hook(body: Any, *, partial: bool) -> dict[str, Any]:
    """``ServiceHookValidator`` (§5.3): the cleaned fields, or DRF's 400 field errors."""
    try:
        data = drf.serializer_data(body)
    except drf.FieldError as exc:
        raise ApiError.field_errors({drf.NON_FIELD_ERRORS: exc.detail}) from None
    errors: dict[str, Any] = {}
    cleaned: dict[str, Any] = {}
    if "url" in data:
        try:
            cleaned["url"] = drf.url(data["url"])
        except drf.FieldError as exc:
            errors["url"] = exc.detail
    elif not partial:
        errors["url"] = [drf.REQUIRED]
    if "events" in data:
        try:
            events = drf.string_list(data["events"], max_length=255)
            bad = next((e for e in events if e not in HOOK_EVENTS), None)
            if bad is not None:
                raise drf.FieldError(f"Invalid event name: {bad}")
            cleaned["events"] = events
        except drf.FieldError as exc:
            errors["events"] = exc.detail
    if "version" in data:
        try:
            cleaned["version"] = drf.choice(data["version"], (0,))
        except drf.FieldError as exc:
            errors["version"] = exc.detail
    if "isActive" in data:
        try:
            cleaned["isActive"] = drf.boolean(data["isActive"])
        except drf.FieldError as exc:
            errors["isActive"] = exc.detail
    if errors:
        raise ApiError.field_errors(errors)
    return cleaned


@handles(project_hooks, "POST")
def create_hook() -> Response:
    """Register a hook: 201 with a fresh id and secret; always created active."""
    require_feature()
    fields = validate_hook(json_body(), partial=False)
    hook = get_state().store.create_hook(
        current_project().project.id, fields["url"], fields.get("events", [])
    )
    return respond(serializers.hook(hook), "hook", 201)
