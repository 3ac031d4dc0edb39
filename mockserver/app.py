"""``create_app``: wiring only. Loads schemas and the scenario up front, so that a broken file
fails here, with its name and line, and never on the first request.

The app is a Flask app for the mock's own endpoints (the admin API, the OpenAPI document);
Sentry's API is answered by the pipeline (:mod:`mockserver.http.pipeline`), which sits in
front of Flask as the app's ``wsgi_app``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask import request
from werkzeug.routing import Rule

from mockserver.admin import api as admin
from mockserver.admin import faults as faults_admin
from mockserver.admin import webhooks as webhooks_admin
from mockserver.admin.body import BodyError
from mockserver.admin.crosssite import refuse_cross_site
from mockserver.admin.reset import QuickReset
from mockserver.cache.responses import ResponseCache
from mockserver.config import Config
from mockserver.faults.connection import ConnectionFaultMiddleware
from mockserver.http.body import MAX_BODY_BYTES
from mockserver.http.exchange import Stage
from mockserver.http.guards import error_answer
from mockserver.http.pipeline import Dispatch
from mockserver.http.pipeline import Pipeline
from mockserver.inspector import register as register_inspector
from mockserver.openapi import served as openapi
from mockserver.state import EXTENSION
from mockserver.state import MockState
from mockserver.state import get_state


def create_app(
    config: Config | Mapping[str, Any] | None = None,
    *,
    stages: Iterable[tuple[str, Stage]] | None = None,
) -> Flask:
    """Build a wired mock-server app.

    :param config: a :class:`Config`, a mapping of settings, or ``None`` for the environment.
    :param stages: the way of a Sentry API request, instead of the mock's
        (:data:`~mockserver.http.pipeline.STAGES`): ``mockserver proxy`` forwards instead of
        answering, behind the same journal and admin API.
    :raises ConfigError: if a setting is invalid.
    :raises SchemaLoadError: if a file in ``schemas/`` is not a valid JSON Schema.
    :raises ScenarioError: if the scenario does not validate.
    """
    cfg = config if isinstance(config, Config) else Config.from_env(**dict(config or {}))
    state = MockState.build(cfg)
    if stages is not None:
        state.pipeline = Pipeline(state, stages)
    app = Flask("mockserver")
    app.url_rule_class = LazyBuildRule
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions[EXTENSION] = state
    # Before every admin blueprint's own guards: no web page of another site changes the mock.
    app.before_request(refuse_cross_site)
    app.register_blueprint(webhooks_admin.bp)
    app.register_blueprint(faults_admin.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(admin.bp)
    register_inspector(app)
    app.register_error_handler(Exception, _error)
    # A body the admin API cannot read (admin/body.py): its own 400 or 415, not a 500.
    app.register_error_handler(BodyError, BodyError.response)
    # The layers of mockserver.http.pipeline, innermost first.
    wsgi: Any = Dispatch(QuickReset(app.wsgi_app, state), ConnectionFaultMiddleware(state.pipeline))
    if cfg.response_cache:
        # Outermost: a kept answer skips everything inside, the connection faults included.
        state.response_cache = wsgi = ResponseCache(wsgi, state)
    app.wsgi_app = wsgi  # type: ignore[method-assign]
    return app


class LazyBuildRule(Rule):
    """A URL rule that writes its URL builders when first asked for a URL (``url_for``), not
    when it is added: werkzeug writes and compiles two per rule, ~8 ms of the start for the
    app's ~40 rules, and only the inspector's pages build URLs, for a few of them."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_first(rule: Rule, **values: Any) -> tuple[str, str]:
            # Two threads may both compile it: the same builder, set twice.
            builder: Callable[..., tuple[str, str]] = Rule._compile_builder(
                rule, append_unknown
            ).__get__(rule, None)
            setattr(rule, attribute, builder)
            return builder(**values)

        return build_first


def _error(error: Exception) -> Any:
    """The admin API's answer to what its views raise, as the pipeline answers Sentry's
    (:func:`mockserver.http.guards.error_answer`): DRF's shape, or Sentry's 500 for a bug."""
    return error_answer(get_state(), request.method, request.path, error)
