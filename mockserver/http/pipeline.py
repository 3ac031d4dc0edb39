"""The request pipeline every Sentry route shares, in Sentry's order (sentry-behavior.md §0.1):

route match (or the catch-all 404) → OPTIONS preflight → authentication → scope check →
405 for an unimplemented method → organization and project lookup (404, 302, 403).
The view runs only when all of these pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import request
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound

from mockserver.errors import ApiError
from mockserver.http.auth import authenticate
from mockserver.http.auth import check_scopes
from mockserver.http.responses import apply_cors
from mockserver.http.responses import json_response
from mockserver.http.routes import ROUTES
from mockserver.http.routes import SentryRoute
from mockserver.state import get_state
from mockserver.world.model import Token
from mockserver.world.store import ProjectView
from mockserver.world.store import Redirect

OWN_PREFIXES = ("/__admin", "/openapi.json")


@dataclass(frozen=True, slots=True)
class Matched:
    """The Sentry route a request matched, and its path parameters."""

    route: SentryRoute
    params: dict[str, Any]


def install(app: Flask) -> None:
    """Run the pipeline before every view, and add Sentry's CORS headers after."""
    app.before_request(_before)
    app.after_request(_after)


def current_project() -> ProjectView:
    """The project the pipeline resolved for this request."""
    project: ProjectView = g.sentry_project
    return project


def current_token() -> Token:
    """The token that authenticated this request."""
    token: Token = g.sentry_token
    return token


def current_route() -> Matched | None:
    """The Sentry route of this request, if it matched one."""
    matched: Matched | None = g.get("sentry_route")
    return matched


def _match(app: Flask) -> Matched | None:
    rule = request.url_rule
    if rule is not None and rule.endpoint in ROUTES:
        return Matched(ROUTES[rule.endpoint], dict(request.view_args or {}))
    if isinstance(request.routing_exception, MethodNotAllowed):
        # The path is a Sentry route, the method is one it does not serve: find the route
        # so that authentication and scopes run before the 405, as in DRF.
        adapter = app.url_map.bind_to_environ(request.environ)
        endpoint, params = adapter.match(method="GET")
        if endpoint in ROUTES:
            return Matched(ROUTES[endpoint], dict(params))
    return None


def _before() -> Response | None:
    if request.path.startswith(OWN_PREFIXES):
        return None
    matched = _match(current_app)
    if matched is None:
        return _catchall()
    g.sentry_route = matched
    route = matched.route
    if request.method == "OPTIONS":
        return Response(b"", status=200, headers={"Access-Control-Max-Age": "3600"})
    state = get_state()
    token = authenticate(request.headers.get("Authorization"), state.store.world.tokens)
    check_scopes(token, request.method, route.scopes)
    assert token is not None  # noqa: S101 - check_scopes refuses anonymous requests
    g.sentry_token = token
    if request.method not in route.handlers:
        raise ApiError.detail(405, f'Method "{request.method}" not allowed.')
    found = state.store.resolve(matched.params["org"], matched.params["project"])
    if found is None:
        raise ApiError.not_found()
    if isinstance(found, Redirect):
        return _redirect(found, matched)
    if not token.can_access(found.organization.slug):
        raise ApiError.permission_denied()
    g.sentry_project = found
    return None


def _redirect(found: Redirect, matched: Matched) -> Response:
    """Sentry's answer for the old slug of a renamed project (§0.4)."""
    old = matched.params["project"]
    prefix = f"/api/0/projects/{matched.params['org']}/"
    rest = request.path[len(prefix) + len(old) :]
    new_path = prefix + found.new_slug + rest
    location = new_path + (f"?{request.query_string.decode()}" if request.query_string else "")
    body = {"slug": found.new_slug, "detail": {"extra": {"url": new_path, "slug": found.new_slug}}}
    return json_response(body, 302, {"Location": location})


def _catchall() -> Response:
    """Sentry's ``CatchallEndpoint``: 404, with a hint when the trailing slash is missing."""
    path = request.path
    if not path.endswith("/"):
        hint = "Route not found, did you forget a trailing slash?"
        suggestion = f"try: {path}/"
        if request.headers.get("Content-Type", "").startswith("application/json"):
            # Django's JsonResponse: json.dumps with its default separators.
            text = json.dumps({"info": f"{hint} {suggestion}"})
            return Response(text, status=404, mimetype="application/json")
        arrow = " " * (len(suggestion) - 1) + "^"
        return Response(f"{hint}\n\n{suggestion}\n{arrow}\n", status=404, mimetype="text/plain")
    return Response(b"", status=404, content_type="text/html; charset=utf-8")


def _after(response: Response) -> Response:
    matched = g.get("sentry_route")
    if matched is not None:
        apply_cors(response, matched.route.methods)
    elif not request.path.startswith(OWN_PREFIXES):
        apply_cors(response, ())
    return response


def raise_unmatched() -> None:
    """Re-raise Flask's routing exception (used by views that should never run unmatched)."""
    exc = request.routing_exception
    if exc is not None:
        raise exc
    raise NotFound()
