"""``GET`` and ``POST …/hooks/``: service hooks (Sentry's ``ProjectServiceHooksEndpoint``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from werkzeug.wrappers import Response

from mockserver.errors import ApiError
from mockserver.http import params
from mockserver.http.body import json_body
from mockserver.http.exchange import Exchange
from mockserver.http.views.answers import respond_encoded
from mockserver.http.views.answers import response_check
from mockserver.http.views.answers import write_check
from mockserver.http.views.paging import page_params
from mockserver.http.views.paging import respond_page
from mockserver.sentry import drf
from mockserver.sentry import paginators
from mockserver.sentry import serializers
from mockserver.world.model import HOOK_EVENTS
from mockserver.world.model import Hook
from mockserver.world.versions import PROJECTS
from mockserver.world.versions import hooks_part

HOOK_MEMO = "hook"
"""What names a hook's JSON in the app's JSON memo (``serializers.hook``)."""
FEATURE_DISABLED = {
    "error_type": "unavailable_feature",
    "detail": ["You do not have that feature enabled"],
}


def require_feature(ex: Exchange) -> None:
    """The ``servicehooks`` feature gate of the list and create endpoints."""
    if not ex.resolved.project.has_servicehooks:
        raise ApiError(403, FEATURE_DISABLED)


def list_hooks(ex: Exchange) -> Response:
    """The project's hooks, newest first; ``status=active|disabled`` filters.

    Unfiltered, a page costs its page: the store's list is read where the page is (a binary
    search for a cursor), never copied. A filter reads every hook, as Sentry's query does.
    """
    require_feature(ex)
    hooks: Sequence[Hook] = ex.store.hooks(ex.resolved.project.id)
    status = params.STATUS.read(ex.request.args)
    if status:
        hooks = [h for h in hooks if h.status == status]
    per_page, cursor = page_params(ex.request.args)
    page = paginators.paginate_keyset(hooks, _internal_id, cursor, per_page)
    parts = (PROJECTS, hooks_part(ex.resolved.project.id))
    return respond_page(ex, page, serializers.hook, "hooks", parts=parts, memo=HOOK_MEMO)


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


def create_hook(ex: Exchange) -> Response:
    """Register a hook: 201 with a fresh id and secret; always created active."""
    require_feature(ex)
    fields = validate_hook(json_body(ex.request), partial=False)
    hook = ex.store.create_hook(ex.resolved.project.id, fields["url"], fields.get("events", []))
    return respond_hook(ex, hook, 201, written=True)


def respond_hook(ex: Exchange, hook: Hook, status: int = 200, *, written: bool = False) -> Response:
    """Answer one hook: encoded and checked (under response validation) once, and kept in the
    app's JSON memo, where the list of hooks finds it (see ``list_hooks``).

    :param written: the hook is one a write made (its check is sampled: ``write_check``).
    """
    state = ex.state
    check = write_check(state, "hook") if written else response_check(state, "hook")
    encoded = serializers.item_json(hook, serializers.hook, state.memos.json, HOOK_MEMO, check)
    return respond_encoded(encoded.encode(), status)
