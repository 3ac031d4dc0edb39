"""``POST /__admin/reset``: back to the scenario, the journal cleared.

A test suite that drives the mock over HTTP (a JavaScript suite, a suite in another process)
resets it before every test, so the reset is on the hot path of every test. The plain call (no
body, no browser's headers, no admin token set, no delivery signature) is answered here, without
Flask's request context, with the answer the Flask view gives; every other call goes on to the
view (``admin/api.py``), through the admin API's guards (``admin/crosssite.py``,
``admin/token.py``), which are what would refuse it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from mockserver.http.responses import json_response
from mockserver.http.responses import send

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

    from mockserver.state import MockState
    from mockserver.world.model import World

PATH = "/__admin/reset"
# What the guards read: a call carrying any of them goes through them.
_GUARDED = ("HTTP_ORIGIN", "HTTP_SEC_FETCH_SITE", "HTTP_X_SERVICEHOOK_SIGNATURE")
_NO_BODY = (None, "", "0")


def scenario_info(world: World) -> dict[str, Any]:
    """The scenario as the admin API names it."""
    return {
        "name": world.name,
        "description": world.description,
        "source": world.source,
        "seed": world.seed,
    }


def reset(state: MockState) -> dict[str, Any]:
    """Reset the app's state and clear its journal; the admin API's answer."""
    state.reset()
    state.journal.clear()
    return {"status": "reset", "scenario": scenario_info(state.store.world)}


class QuickReset:
    """The WSGI layer in front of the Flask app that answers the plain reset itself.

    :param own: the Flask app's WSGI callable, for every other request.
    :param state: the app's state.
    """

    def __init__(self, own: WSGIApplication, state: MockState) -> None:
        self.own = own
        self.state = state

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (
            environ.get("PATH_INFO") != PATH
            or environ.get("REQUEST_METHOD") != "POST"
            or self.state.config.admin_token is not None
            or environ.get("CONTENT_LENGTH") not in _NO_BODY
            or environ.get("CONTENT_TYPE", "") not in ("", "application/json")
            or "HTTP_TRANSFER_ENCODING" in environ
            or any(name in environ for name in _GUARDED)
        ):
            return self.own(environ, start_response)
        return send(json_response(reset(self.state)), environ, start_response)
