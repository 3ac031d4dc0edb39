"""Faults and rate limits in the request pipeline: latency, Sentry's (and its nginx's) error
answers, broken connections, and Sentry's rate limiter.

Faults come from three places, in this order of precedence:

1. a per-request override, in Prism's convention: ``Prefer: code=503``, ``Prefer: fault=<name>``,
   ``Prefer: delay=800`` (combinable: ``Prefer: code=503, delay=800``), or the query fallbacks
   ``__code=``, ``__fault=``, ``__delay=`` for clients that cannot set headers (browsers: Sentry's
   CORS allow-list has no ``Prefer``). A request that says what it wants gets exactly that: the
   rules are skipped (``Prefer: code=200`` is a way to get a clean answer). The answer carries
   ``Preference-Applied`` (RFC 7240);
2. rules, in order: the scenario's ``faults.rules``, then ``mockserver serve --fault`` (or
   ``MOCKSERVER_FAULTS``), then rules added through ``POST /__admin/faults``. Every rule whose
   route and method match counts the request and decides by its ``when`` (seeded probability,
   first N, every Nth) whether it fires; the delays of all firing rules add up, and the first
   firing rule with a failure decides the answer;
3. presets: named bundles (the built-in faults, and the scenario's ``faults.presets``) that rules
   and ``Prefer: fault=`` refer to.

Where each fault happens decides what else the client sees (sentry-behavior.md §0.1):

1. in front of Sentry (nginx's 502/503/504, connection faults): before the rate limiter, so the
   request is not counted and the answer has no rate-limit or CORS headers;
2. the rate limiter (:mod:`mockserver.faults.ratelimit`), first in Sentry as its middleware is;
3. inside Sentry (latency, Sentry's errors): after the rate limiter, so a slow request holds its
   concurrent slot and an injected 500 carries the rate-limit headers; before authentication;
4. after the view (``truncated``, ``malformed``): the real answer, cut.

Every fault applied is recorded on ``flask.g.mockserver_faults``, a list of dicts (``source``:
``scenario``, ``cli``, ``runtime``, ``prefer`` or ``rateLimits``; ``rule``; ``fault``;
``status``; ``delayMs``; ``errorId``, ...), for the request journal; the limiter's count of the
request is on ``flask.g.mockserver_rate_limit`` (a :class:`~mockserver.faults.ratelimit.Meta`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import request
from werkzeug.exceptions import MethodNotAllowed

from mockserver.errors import NOT_FOUND
from mockserver.errors import PERMISSION_DENIED
from mockserver.faults import ratelimit
from mockserver.faults.connection import CONNECTION_FAULT
from mockserver.faults.connection import ConnectionFaultMiddleware
from mockserver.faults.connection import SocketFault
from mockserver.faults.controller import FaultController
from mockserver.faults.controller import Fired
from mockserver.faults.controller import Plan
from mockserver.faults.controller import apply_environment
from mockserver.faults.model import CATALOGUE
from mockserver.faults.model import FEATURE_DISABLED
from mockserver.faults.model import QUERY_THROTTLED
from mockserver.faults.model import FaultSpecError
from mockserver.faults.model import nginx_page
from mockserver.faults.model import parse_prefer
from mockserver.faults.ratelimit import Limiter
from mockserver.faults.ratelimit import Meta
from mockserver.http.auth import unauthorized
from mockserver.http.pipeline import OWN_PREFIXES
from mockserver.http.pipeline import Matched
from mockserver.http.responses import apply_cors
from mockserver.http.responses import json_response
from mockserver.http.responses import problem_response
from mockserver.http.routes import ROUTES
from mockserver.state import EXTENSION as STATE_EXTENSION
from mockserver.state import MockState
from mockserver.state import get_state

EXTENSION = "mockserver.faults"
CORS_HEADERS = (
    "Allow",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Allow-Origin",
)


def install(app: Flask, environ: Mapping[str, str] | None = None) -> FaultController:
    """Wire faults and rate limits into ``app``; call before ``pipeline.install``.

    Registers three ``before_request`` functions, which Flask runs in registration order, all
    before the pipeline's authentication: the fault stage in front of Sentry, the rate limiter,
    and the fault stage inside Sentry. Registers one ``after_request``, which runs after the
    pipeline's (Flask runs those in reverse order) so that it can fix the CORS headers of the
    answers Sentry would not have made, and wraps ``app.wsgi_app`` in
    :class:`~mockserver.faults.connection.ConnectionFaultMiddleware` for the connection faults.

    :param environ: where ``MOCKSERVER_FAULTS`` and ``MOCKSERVER_RATE_LIMITS`` are read (default:
        ``os.environ``; ``mockserver serve --fault`` and ``--rate-limits`` set them).
    :returns: the app's fault controller (also :func:`controller`).
    :raises ScenarioError: for faults or rate limits of the scenario the schema cannot check.
    :raises ConfigError: for a bad ``MOCKSERVER_FAULTS`` or ``MOCKSERVER_RATE_LIMITS``.
    """
    state: MockState = app.extensions[STATE_EXTENSION]
    limiter = Limiter(state.config.clock)
    ctl = FaultController(state.registry, limiter)
    app.extensions[ratelimit.EXTENSION] = limiter
    app.extensions[EXTENSION] = ctl
    ctl.sync(state)
    apply_environment(ctl, os.environ if environ is None else environ)
    # A reset is back to the scenario: its fault counts and rate-limit windows start afresh.
    state.reset_hooks.append(lambda: ctl.reset(state))
    state.reset_hooks.append(limiter.reset)
    app.before_request(_in_front_of_sentry)
    app.before_request(_rate_limit)
    app.before_request(_inside_sentry)
    app.after_request(_after)
    app.teardown_request(_finish)
    app.wsgi_app = ConnectionFaultMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return ctl


def controller(app: Flask | None = None) -> FaultController:
    """The fault controller of ``app`` (default: the current app).

    Tests replace its ``sleep`` to see latency without waiting:
    ``faults.controller(app).sleep = delays.append``.
    """
    found: FaultController = (app or current_app).extensions[EXTENSION]
    return found


def limiter(app: Flask | None = None) -> Limiter:
    """The rate limiter of ``app`` (default: the current app)."""
    found: Limiter = (app or current_app).extensions[ratelimit.EXTENSION]
    return found


def is_api_request() -> bool:
    """Whether the request is for the Sentry API (not ``/__admin/`` or ``/openapi.json``)."""
    return not request.path.startswith(OWN_PREFIXES)


def request_route() -> Matched | None:
    """The Sentry route of the request, also for a method the route does not serve.

    Stored where :func:`mockserver.http.pipeline.current_route` finds it, so that answers made
    before the pipeline runs (a 429, an injected error) get the route's CORS headers, as Sentry's
    ``apply_cors_headers`` gives them, and the journal its template.
    """
    if "sentry_route" in g:
        found: Matched | None = g.sentry_route
        return found
    matched = None
    rule = request.url_rule
    if rule is not None and rule.endpoint in ROUTES:
        matched = Matched(ROUTES[rule.endpoint], dict(request.view_args or {}))
    elif isinstance(request.routing_exception, MethodNotAllowed):
        adapter = current_app.url_map.bind_to_environ(request.environ)
        endpoint, params = adapter.match(method="GET")
        if endpoint in ROUTES:
            matched = Matched(ROUTES[endpoint], dict(params))
    if matched is not None:
        g.sentry_route = matched
    return matched


# --- recording and waiting ---------------------------------------------------------------------


def _record(fired: Fired, **extra: Any) -> None:
    entry = fired.record()
    entry.update(extra)
    records: list[dict[str, Any]] = g.setdefault("mockserver_faults", [])
    records.append(entry)


def _wait(plan: Plan) -> None:
    """Wait out the plan's latency once, and record the entries that only add latency."""
    if plan.slept:
        return
    plan.slept = True
    total = plan.delay_ms
    if total > 0:
        controller().sleep(total / 1000.0)
    for fired in plan.fired:
        if fired.fault is None and fired.delay_ms:
            _record(fired)


# --- the stages, in order ----------------------------------------------------------------------


def _in_front_of_sentry() -> Response | None:
    """Decide the request's faults; answer those that happen in front of Sentry."""
    if not is_api_request():
        return None
    g.setdefault("mockserver_faults", [])
    ctl = controller()
    ctl.sync(get_state())
    matched = request_route()
    try:
        prefer = parse_prefer(request.headers.getlist("Prefer"), request.args, ctl.presets)
    except FaultSpecError as exc:
        return problem_response("Bad Request", str(exc), 400)
    plan = ctl.plan(matched.route.name if matched else None, request.method, prefer)
    g.mockserver_plan = plan
    failure = plan.failure
    if failure is None or failure.fault is None:
        return None
    fault = CATALOGUE[failure.fault]
    if fault.stage == "proxy":
        _wait(plan)
        _record(failure)
        g.mockserver_in_front = True
        assert fault.status is not None  # noqa: S101 - every proxy fault has a status
        return nginx_page(fault.status)
    if fault.stage == "socket":
        _wait(plan)
        # Read the request body (kept for the journal): unread bytes would make the kernel
        # answer our FIN with a RST.
        request.get_data()
        noise = ctl.noise() if fault.name in ("garbage", "malformed_chunk") else b""
        request.environ[CONNECTION_FAULT] = SocketFault(fault.name, noise)
        _record(failure)
        g.mockserver_in_front = True
        # The middleware breaks the connection instead of sending this; only a server that
        # keeps the connection to itself sends it: what nginx answers when its upstream breaks.
        answer = nginx_page(502)
        answer.headers["X-Mockserver-Connection-Fault"] = fault.name
        return answer
    return None


def _rate_limit() -> Response | None:
    """Sentry's ``RatelimitMiddleware.process_view``: count the request, 429 when over."""
    if not is_api_request():
        return None
    policy = limiter().policy
    if not policy.enabled:
        return None
    key, category, limit = _classify(policy)
    uid = uuid.uuid4().hex
    meta = limiter().check(key, category, limit, uid)
    g.mockserver_rate_limit = meta
    g.mockserver_rate_limit_uid = (key, uid)
    over = meta.limited == "window" or (meta.limited == "concurrent" and policy.enforce_concurrent)
    if not over:
        return None
    records: list[dict[str, Any]] = g.setdefault("mockserver_faults", [])
    records.append(
        {
            "source": "rateLimits",
            "rule": None,
            "fault": "rate_limited",
            "status": 429,
            "limited": meta.limited,
            "key": meta.key,
        }
    )
    return _answer_429(meta)


def _inside_sentry() -> Response | None:
    """Wait out the latency, and answer Sentry's own errors."""
    plan: Plan | None = g.get("mockserver_plan")
    if plan is None:
        return None
    _wait(plan)
    failure = plan.failure
    if failure is None or failure.fault is None:
        return None
    fault = CATALOGUE[failure.fault]
    if fault.stage == "body":
        g.mockserver_body_fault = failure
        return None
    if fault.stage != "sentry":
        return None
    if fault.name == "server_error":
        error_id = controller().error_id()
        _record(failure, errorId=error_id)
        return json_response({"detail": "Internal Error", "errorId": error_id}, 500)
    _record(failure)
    if fault.name == "rate_limited":
        return _answer_429(_limited_meta())
    if fault.name == "token_revoked":
        error = unauthorized("Invalid token")
        return json_response(error.body, error.status, error.headers)
    bodies: Mapping[str, Any] = {
        "query_throttled": {"detail": QUERY_THROTTLED},
        "permission_denied": {"detail": PERMISSION_DENIED},
        "feature_disabled": FEATURE_DISABLED,
        "not_found": {"detail": NOT_FOUND},
    }
    return json_response(bodies[fault.name], fault.status or 500)


def _after(response: Response) -> Response:
    """Rate-limit headers; no CORS on nginx's answers; cut bodies; ``Preference-Applied``."""
    if not is_api_request():
        return response
    meta: Meta | None = g.get("mockserver_rate_limit")
    if meta is not None:
        # process_response adds them to every answer the limiter counted, errors included.
        for name, value in meta.headers():
            response.headers[name] = value
    if g.get("mockserver_rate_limited"):
        # The middleware answers before the view: apply_cors_headers(allowed_methods=[method]).
        apply_cors(response, [request.method])
    if g.get("mockserver_in_front"):
        # nginx adds no CORS headers: a browser sees a network error, as against sentry.io.
        for name in CORS_HEADERS:
            response.headers.pop(name, None)
    failure: Fired | None = g.get("mockserver_body_fault")
    if failure is not None:
        _cut_body(response, failure)
    plan: Plan | None = g.get("mockserver_plan")
    if plan is not None and plan.prefer is not None and CONNECTION_FAULT not in request.environ:
        response.headers["Preference-Applied"] = ", ".join(plan.prefer.applied)
    return response


def _finish(_exc: BaseException | None) -> None:
    """Take the request out of flight (``finish_request`` in ``process_response``)."""
    started: tuple[str, str] | None = g.get("mockserver_rate_limit_uid")
    if started is not None:
        limiter().finish(*started)


# --- helpers -----------------------------------------------------------------------------------


def _classify(policy: ratelimit.Policy) -> tuple[str, ratelimit.Category, ratelimit.Limit]:
    """The rate-limit key, category and limit of the current request under ``policy``."""
    matched = request_route()
    route = matched.route.name if matched is not None else None
    org = str(matched.params.get("org")) if matched is not None else None
    caller = ratelimit.identify(
        request.headers.get("Authorization"),
        get_state().store.world.tokens,
        policy.callers,
        request.remote_addr,
        org,
    )
    limit, custom = policy.limit_for(route, request.method, caller.category)
    return ratelimit.rate_limit_key(caller, route, request.method, custom), caller.category, limit


def _limited_meta() -> Meta:
    """The current request as if its window were used up (the ``rate_limited`` fault): from the
    limiter's count when it counted the request, else under sentry.io's limits. Counts nothing."""
    counted: Meta | None = g.get("mockserver_rate_limit")
    if counted is not None:
        return replace(
            counted,
            limited="window",
            current=max(counted.current, counted.limit + 1),
            remaining=0,
            concurrent_requests=None,
        )
    key, category, limit = _classify(ratelimit.SAAS)
    return limiter().peek(key, category, limit)


def _answer_429(meta: Meta) -> Response:
    g.mockserver_rate_limit = meta
    g.mockserver_rate_limited = True
    return ratelimit.too_many_requests(meta)


def _cut_body(response: Response, failure: Fired) -> None:
    body = response.get_data()
    if not body or request.method == "HEAD":
        _record(failure, skipped="no body to cut")
        return
    keep = len(body) // 2
    response.set_data(body[:keep])
    if failure.fault == "truncated":
        # Announce the whole body, send half; the server closes the connection after it.
        response.headers["Content-Length"] = str(len(body))
    _record(failure, bytes=keep, of=len(body))
