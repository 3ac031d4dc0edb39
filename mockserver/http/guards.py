"""Sentry's own stages, in the order its dispatch runs them for every project endpoint:

the catch-all 404 (no route), ``OPTIONS``, authentication (401), the scope check (403),
405 for a method the endpoint does not implement, then the organization and project lookup (404,
302 after a rename, 403 for a token of another organization). :func:`answer_errors` turns what
they and the views raise into Sentry's answers.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from mockserver.errors import ApiError
from mockserver.errors import ServerError
from mockserver.http import auth
from mockserver.http.body import header as request_header
from mockserver.http.cors import preflight_answer
from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next
from mockserver.http.responses import json_response
from mockserver.world.store import Redirect

if TYPE_CHECKING:
    from mockserver.state import MockState

log = logging.getLogger("mockserver")


def answer_errors(ex: Exchange, inner: Next) -> Response:
    """Sentry's answer for whatever the inner stages raise: :class:`ApiError` as its body,
    Werkzeug's refusals (a body over the limit) in DRF's shape, anything else as a 500."""
    try:
        return inner(ex)
    except Exception as exc:
        return answer_exception(ex, exc)


def answer_exception(ex: Exchange, exc: Exception) -> Response:
    """The answer for an exception raised while answering ``ex`` (see :func:`error_answer`)."""
    return error_answer(ex.state, ex.method, ex.request.path, exc)


def error_answer(state: MockState, method: str, path: str, exc: Exception) -> Response:
    """The answer for an exception raised while answering ``method path``.

    An unexpected exception is a bug of the mock: Sentry's 500 body with an ``errorId``,
    logged, and kept (:meth:`~mockserver.state.MockState.record_error`) for the test that
    caused it to fail on.
    """
    if isinstance(exc, ApiError):
        return json_response(exc.body, exc.status, exc.headers)
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        if status == 413:
            return json_response({"detail": "Request body too large."}, 413)
        return json_response({"detail": exc.description or exc.name}, status)
    error_id = uuid.uuid4().hex
    log.error("unexpected error %s in %s %s", error_id, method, path, exc_info=exc)
    state.record_error(ServerError(error_id, method, path, exc))
    return json_response({"detail": "Internal Error", "errorId": error_id}, 500)


def catch_all(ex: Exchange, inner: Next) -> Response:
    """Sentry's ``CatchallEndpoint`` for a path no route has: 404, with a hint when the
    trailing slash is missing."""
    if ex.match is not None:
        return inner(ex)
    path = ex.request.path
    if not path.endswith("/"):
        hint = "Route not found, did you forget a trailing slash?"
        suggestion = f"try: {path}/"
        if ex.request.headers.get("Content-Type", "").startswith("application/json"):
            # Django's JsonResponse: json.dumps with its default separators.
            text = json.dumps({"info": f"{hint} {suggestion}"})
            return Response(text, status=404, mimetype="application/json")
        arrow = " " * (len(suggestion) - 1) + "^"
        return Response(f"{hint}\n\n{suggestion}\n{arrow}\n", status=404, mimetype="text/plain")
    return Response(b"", status=404, content_type="text/html; charset=utf-8")


def options(ex: Exchange, inner: Next) -> Response:
    """``OPTIONS`` that is no browser's preflight (those are answered earlier:
    :func:`mockserver.http.cors.preflight`): Sentry answers it before authentication, with the
    CORS headers only."""
    if ex.method == "OPTIONS":
        return preflight_answer()
    return inner(ex)


def authenticate(ex: Exchange, inner: Next) -> Response:
    """DRF's authenticators: 401 for a malformed or unknown credential."""
    header = request_header(ex.request, "Authorization")
    ex.token = auth.authenticate(header, ex.state.store.world.tokens)
    return inner(ex)


def scopes(ex: Exchange, inner: Next) -> Response:
    """``ScopedPermission.has_permission``: 401 when anonymous, 403 without the scopes."""
    assert ex.match is not None  # noqa: S101 - catch_all answered unmatched paths
    auth.check_scopes(ex.token, ex.method, ex.match.route.scopes)
    return inner(ex)


def method(ex: Exchange, inner: Next) -> Response:
    """DRF's 405 for a method the endpoint does not implement (after the scope check)."""
    assert ex.match is not None  # noqa: S101 - catch_all answered unmatched paths
    if ex.method not in ex.match.route.served:
        raise ApiError.detail(405, f'Method "{ex.method}" not allowed.')
    return inner(ex)


def lookup(ex: Exchange, inner: Next) -> Response:
    """``ProjectEndpoint.convert_args``: 404 for an unknown project, 302 to the new slug of a
    renamed one, 403 when the token's organization is another (also for a renamed project's
    old slug: Sentry checks the permissions on the project before it reveals the rename)."""
    match, token = ex.match, ex.token
    assert match is not None  # noqa: S101 - the catch-all stage answered unmatched paths
    assert token is not None  # noqa: S101 - check_scopes refuses anonymous requests
    found = ex.store.resolve(match.params["org"], match.params["project"])
    if found is None:
        raise ApiError.not_found()
    if not token.can_access(found.organization.slug):
        raise ApiError.permission_denied()
    if isinstance(found, Redirect):
        return _redirect(ex, found)
    ex.project = found
    return inner(ex)


def _redirect(ex: Exchange, found: Redirect) -> Response:
    """Sentry's answer for the old slug of a renamed project."""
    params = ex.params
    old = params["project"]
    prefix = f"/api/0/projects/{params['org']}/"
    request = ex.request
    rest = request.path[len(prefix) + len(old) :]
    new_path = prefix + found.new_slug + rest
    location = new_path + (f"?{request.query_string.decode()}" if request.query_string else "")
    body = {"slug": found.new_slug, "detail": {"extra": {"url": new_path, "slug": found.new_slug}}}
    return json_response(body, 302, {"Location": location})
