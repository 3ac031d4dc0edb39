"""The admin token guard every ``/__admin/`` blueprint shares."""

from __future__ import annotations

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
    if token is None:
        return None
    scheme, _, sent = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
        return None
    response = problem_response(
        "Unauthorized",
        "this mock requires its admin token on /__admin/: send 'Authorization: Bearer <token>'",
        401,
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="mockserver-admin"'
    return response
