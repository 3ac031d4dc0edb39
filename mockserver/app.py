"""``create_app``: wiring only. Loads schemas and the scenario up front, so that a broken file
fails here, with its name and line, and never on the first request."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask import Response
from flask import request
from werkzeug.exceptions import HTTPException

from mockserver.admin import api as admin
from mockserver.admin import faults as faults_admin
from mockserver.admin import webhooks as webhooks_admin
from mockserver.cache import responses as replay
from mockserver.cache.responses import ReplayCache
from mockserver.config import Config
from mockserver.errors import ApiError
from mockserver.faults import stage as faults
from mockserver.http import pipeline
from mockserver.http import views as routes
from mockserver.http.body import MAX_BODY_BYTES
from mockserver.http.body import SentryRequest
from mockserver.http.responses import json_response
from mockserver.http.routes import ROUTES
from mockserver.http.routes import SentryRoute
from mockserver.journal import recording
from mockserver.openapi import document as openapi
from mockserver.state import EXTENSION
from mockserver.state import MockState
from mockserver.state import ServerError
from mockserver.state import get_state

log = logging.getLogger("mockserver")
# Keep the routes package imported: importing it declares every route in ROUTES.
_ROUTE_MODULES = routes.__all__


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """Build a wired mock-server app.

    :param config: a :class:`Config`, a mapping of settings, or ``None`` for the environment.
    :raises ConfigError: if a setting is invalid.
    :raises SchemaLoadError: if a file in ``schemas/`` is not a valid JSON Schema.
    :raises ScenarioError: if the scenario does not validate.
    """
    cfg = config if isinstance(config, Config) else Config.from_env(**dict(config or {}))
    app = Flask("mockserver")
    # Sentry's paths end with a slash; requests without one must reach the catch-all 404,
    # not a redirect, and Flask's own JSON settings must not reformat our bodies.
    app.url_map.strict_slashes = True
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.request_class = SentryRequest
    app.extensions[EXTENSION] = MockState.build(cfg)
    for declared in ROUTES.values():
        app.add_url_rule(
            declared.flask_rule,
            endpoint=declared.name,
            view_func=_dispatcher(declared),
            methods=list(declared.handlers),
        )
    faults.install(app)  # before the pipeline: rate limits and faults come first (§0.1)
    recording.install(app)  # journal and contract checks: first in, last out of every request
    pipeline.install(app)
    app.register_blueprint(webhooks_admin.bp)
    app.register_blueprint(faults_admin.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(admin.bp)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    if cfg.response_cache:
        # Outermost: a replayed answer skips everything inside, the fault middleware included.
        cache = ReplayCache(
            app.wsgi_app,
            app.extensions[EXTENSION],
            recording.get_journal(app),
            faults.controller(app),
            faults.limiter(app),
        )
        app.extensions[replay.EXTENSION] = cache
        app.extensions[EXTENSION].reset_hooks.append(cache.clear)
        app.wsgi_app = cache  # type: ignore[method-assign]
    return app


def _dispatcher(declared: SentryRoute) -> Callable[..., Response]:
    def dispatch(**params: str) -> Response:
        handler = declared.handlers[request.method if request.method != "HEAD" else "GET"]
        extra = {k: v for k, v in params.items() if k not in ("org", "project")}
        response: Response = handler(**extra)
        return response

    dispatch.__name__ = declared.name.replace("-", "_")
    return dispatch


def _api_error(error: ApiError) -> Response:
    return json_response(error.body, error.status, error.headers)


def _http_error(error: HTTPException) -> Response:
    # Werkzeug raises these for requests it cannot parse (e.g. a body over the size limit);
    # answer them in DRF's shape rather than with an HTML page.
    status = error.code or 500
    if status == 413:
        return json_response({"detail": "Request body too large."}, 413)
    return json_response({"detail": error.description or error.name}, status)


def _unexpected(error: Exception) -> Response:
    """An unexpected exception is a bug: Sentry's 500 body, logged, and kept for tests."""
    error_id = uuid.uuid4().hex
    log.exception("unexpected error %s in %s %s", error_id, request.method, request.path)
    get_state().record_error(ServerError(error_id, request.method, request.path, error))
    return json_response({"detail": "Internal Error", "errorId": error_id}, 500)
