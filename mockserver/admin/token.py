"""The admin token guard every ``/__admin/`` blueprint shares."""

from __future__ import annotations

import hashlib
import hmac

from flask import request
from werkzeug.wrappers import Response

from mockserver.http.responses import problem_response
from mockserver.state import get_state


def require_admin_token() -> Response | None:
    """With ``Config.admin_token`` set, refuse any call without it (constant-time compare);
    refuse, token or not, a service-hook delivery of this very mock that came back to it (the
    deliverer refuses the mock's own address; this catches the ways round it: a proxy, a port
    forwarded from another host).

    Register it with ``blueprint.before_request(require_admin_token)``.
    """
    state = get_state()
    if state.deliverer.is_own_delivery(request.headers.get("X-ServiceHook-Signature")):
        return problem_response(
            "Forbidden",
            "this request is a service-hook delivery of this mock: deliveries never reach its "
            "admin API",
            403,
        )
    token = state.config.admin_token
    if token is None or has_admin_token():
        return None
    response = problem_response(
        "Unauthorized",
        "this mock requires its admin token on /__admin/: send 'Authorization: Bearer <token>'",
        401,
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="mockserver-admin"'
    return response


SESSION_COOKIE = "mockserver_admin"
"""The inspector's session cookie (:mod:`mockserver.inspector`): set by its login form,
``HttpOnly``, ``SameSite=Strict``, path ``/__admin/``, holding :func:`session_value`, never the
token itself. Its name carries the server's port: cookies are per host, not per port."""


def session_value(token: str) -> str:
    """What the session cookie holds for ``token``: an HMAC of it, which proves the token was
    given to the login form without being the token."""
    return hmac.new(token.encode(), b"mockserver-inspector-session", hashlib.sha256).hexdigest()


def session_cookie_name() -> str:
    """The session cookie's name for this server (its port in it)."""
    port = request.host.rpartition(":")[2] if ":" in request.host else ""
    return f"{SESSION_COOKIE}_{port}" if port.isdigit() else SESSION_COOKIE


def has_admin_token() -> bool:
    """Whether the request carries the admin token: ``Authorization: Bearer <token>``, or the
    inspector's session cookie (constant-time compares). True when no token is set."""
    token = get_state().config.admin_token
    if token is None:
        return True
    scheme, _, sent = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
        return True
    cookie = request.cookies.get(session_cookie_name(), "")
    return hmac.compare_digest(cookie.encode(), session_value(token).encode())
