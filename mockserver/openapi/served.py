"""``GET /openapi.json``: the OpenAPI document this server serves.

The view imports the document's builder (:mod:`mockserver.openapi.document`, with the
examples, operations and components it reads) on the first request for it, not at start: most
servers are never asked for their document.
"""

from __future__ import annotations

from flask import Blueprint
from flask import request
from werkzeug.wrappers import Response

from mockserver.http.responses import dumps
from mockserver.http.sandbox import fresh_sandbox
from mockserver.state import get_state

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def serve_document() -> Response:
    """The document, with this server as its ``servers`` entry and the scenario's projects as
    the values of ``copy_from_project``, built once per server URL, rate-limit state and
    scenario, and kept by the app (``state.documents``).

    A load by Schemathesis starts its sandbox afresh (:func:`~mockserver.http.sandbox.
    fresh_sandbox`): every ``st run`` fuzzes the scenario, not what the previous run left.
    """
    from mockserver.openapi.components import with_scenario_projects
    from mockserver.openapi.document import JSON
    from mockserver.openapi.document import build_document

    state = get_state()
    fresh_sandbox(state, request.environ)
    key = (request.host_url, _rate_limits_on())
    world = state.store.world
    kept: tuple[object, str] | None = state.documents.get(key)
    if kept is not None and kept[0] is world:
        body = kept[1]
    else:
        # Made again for another scenario: it names the scenario's projects.
        document = build_document(state.registry, server_url=key[0], rate_limits=key[1])
        body = dumps(with_scenario_projects(document, world))
        state.documents.put(key, (world, body))
    return Response(body, mimetype=JSON)


def _rate_limits_on() -> bool:
    """Whether the app's rate limiter is on now (its policy can change at run time)."""
    return get_state().limiter.policy.enabled
