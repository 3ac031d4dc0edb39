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
   ``MOCKSERVER_FAULTS``), then rules added through ``POST /__admin/faults`` or by a test
   (``MockServer.fault``), in the order they were added. Every rule whose
   route and method match counts the request and decides by its ``when`` (seeded probability,
   first N, every Nth) whether it fires; the delays of all firing rules add up, and the first
   firing rule with a failure decides the answer;
3. presets: named bundles (the built-in faults, and the scenario's ``faults.presets``) that rules
   and ``Prefer: fault=`` refer to.

Where each fault happens decides what else the client sees (Sentry's middleware runs first, then
``Endpoint.dispatch`` in ``src/sentry/api/base.py``):

1. in front of Sentry (nginx's 502/503/504, connection faults): before the rate limiter, so the
   request is not counted and the answer has none of Sentry's rate-limit or CORS headers (a
   request from a page gets its origin's grant, so that its script reads the error:
   :func:`mockserver.http.cors.cors`). A browser's preflight never gets here: it is answered
   before the faults (:func:`mockserver.http.cors.preflight`);
2. the rate limiter (:mod:`mockserver.faults.limiter`), first in Sentry as its middleware is;
3. inside Sentry (latency, Sentry's errors): after the rate limiter, so a slow request holds its
   concurrent slot and an injected 500 carries the rate-limit headers; before authentication;
4. after the view (``truncated``, ``malformed``): the real answer, cut.

Each place is a stage of :mod:`mockserver.http.pipeline`: :func:`in_front`, :func:`rate_limit`
and :func:`inside`. Every fault applied is recorded on the exchange (``Exchange.faults``, a list
of dicts: ``source``: ``scenario``, ``cli``, ``runtime``, ``test``, ``prefer`` or ``rateLimits``;
``rule``; ``fault``; ``status``; ``delayMs``; ``errorId``, ...), for the request journal; the
limiter's count of the request is ``Exchange.rate_limit`` (a
:class:`~mockserver.faults.limiter.Meta`).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from werkzeug.wrappers import Response

from mockserver.errors import NOT_FOUND
from mockserver.errors import PERMISSION_DENIED
from mockserver.faults.connection import CONNECTION_FAULT
from mockserver.faults.connection import SocketFault
from mockserver.faults.controller import Fired
from mockserver.faults.controller import Plan
from mockserver.faults.limiter import Meta
from mockserver.faults.limiter import identify
from mockserver.faults.limiter import rate_limit_key
from mockserver.faults.limits import SAAS
from mockserver.faults.limits import Category
from mockserver.faults.limits import Limit
from mockserver.faults.limits import Policy
from mockserver.faults.model import CATALOGUE
from mockserver.faults.model import FEATURE_DISABLED
from mockserver.faults.model import NGINX_REASONS
from mockserver.faults.model import QUERY_THROTTLED
from mockserver.faults.model import FaultSpecError
from mockserver.faults.parsing import may_prefer
from mockserver.faults.parsing import parse_prefer
from mockserver.http.auth import unauthorized
from mockserver.http.body import BodyError
from mockserver.http.body import read_body
from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next
from mockserver.http.responses import json_response
from mockserver.http.responses import problem_response

RATE_LIMITED = (
    "You are attempting to use this endpoint too frequently. Limit is {limit} requests in "
    "{window} seconds"
)
# Django's default for a plain HttpResponse (DEFAULT_CONTENT_TYPE + DEFAULT_CHARSET).
CONTENT_TYPE_429 = "text/html; charset=utf-8"
_SENTRY_ERRORS: Mapping[str, Any] = {
    "query_throttled": {"detail": QUERY_THROTTLED},
    "permission_denied": {"detail": PERMISSION_DENIED},
    "feature_disabled": FEATURE_DISABLED,
    "not_found": {"detail": NOT_FOUND},
}


# --- the stages, in order ----------------------------------------------------------------------


def in_front(ex: Exchange, inner: Next) -> Response:
    """Decide the request's faults; answer those that happen in front of Sentry (nginx's
    errors and broken connections), and say which ``Prefer`` was applied."""
    ctl = ex.state.faults
    ctl.sync(ex.state)
    request = ex.request
    if not ctl.rules() and not may_prefer(ex.environ):
        return inner(ex)  # no rule, no preference: nothing to decide
    try:
        prefer = parse_prefer(request.headers.getlist("Prefer"), request.args, ctl.presets)
    except FaultSpecError as exc:
        return problem_response("Bad Request", str(exc), 400)
    route = ex.match.route.name if ex.match is not None else None
    plan = ctl.plan(route, ex.method, prefer)
    ex.plan = plan
    response = _answer_in_front(ex, plan)
    if response is None:
        response = inner(ex)
    if plan.prefer is not None and CONNECTION_FAULT not in ex.environ:
        response.headers["Preference-Applied"] = ", ".join(plan.prefer.applied)
    return response


def rate_limit(ex: Exchange, inner: Next) -> Response:
    """Sentry's ``RatelimitMiddleware``: count the request, 429 when over; the rate-limit
    headers on every answer it counted, and the request out of flight once answered."""
    limiter = ex.state.limiter
    policy = limiter.policy
    if not policy.enabled:
        return _with_rate_limit_headers(ex, inner(ex))  # the rate_limited fault's 429 has them
    key, category, limit = _classify(ex, policy)
    uid = uuid.uuid4().hex
    meta = limiter.check(key, category, limit, uid)
    ex.rate_limit = meta
    try:
        over = meta.limited == "window" or (
            meta.limited == "concurrent" and policy.enforce_concurrent
        )
        if not over:
            return _with_rate_limit_headers(ex, inner(ex))
        ex.faults.append(
            {
                "source": "rateLimits",
                "rule": None,
                "fault": "rate_limited",
                "status": 429,
                "limited": meta.limited,
                "key": meta.key,
            }
        )
        return _with_rate_limit_headers(ex, _answer_429(ex, meta))
    finally:
        limiter.finish(key, uid)  # finish_request: the request is no longer in flight


def _with_rate_limit_headers(ex: Exchange, response: Response) -> Response:
    """``process_response`` adds them to every answer the limiter counted, errors included."""
    counted = ex.rate_limit
    if counted is not None:
        for name, value in counted.headers():
            response.headers[name] = value
    return response


def inside(ex: Exchange, inner: Next) -> Response:
    """Wait out the latency, answer Sentry's own errors, and cut the bodies of the answers
    that ``truncated`` and ``malformed`` break."""
    plan = ex.plan
    if plan is None:
        return inner(ex)
    _wait(ex, plan)
    failure = plan.failure
    if failure is None or failure.fault is None:
        return inner(ex)
    fault = CATALOGUE[failure.fault]
    if fault.stage == "body":
        response = inner(ex)
        _cut_body(ex, response, failure)
        return response
    if fault.stage != "sentry":
        return inner(ex)
    if fault.name == "server_error":
        error_id = ex.state.faults.error_id()
        _record(ex, failure, errorId=error_id)
        return json_response({"detail": "Internal Error", "errorId": error_id}, 500)
    _record(ex, failure)
    if fault.name == "rate_limited":
        return _answer_429(ex, _limited_meta(ex))
    if fault.name == "token_revoked":
        error = unauthorized("Invalid token")
        return json_response(error.body, error.status, error.headers)
    return json_response(_SENTRY_ERRORS[fault.name], fault.status or 500)


# --- recording and waiting ---------------------------------------------------------------------


def _record(ex: Exchange, fired: Fired, **extra: Any) -> None:
    entry = fired.record()
    entry.update(extra)
    ex.faults.append(entry)


def _wait(ex: Exchange, plan: Plan) -> None:
    """Wait out the plan's latency once, and record the entries that only add latency."""
    if plan.slept:
        return
    plan.slept = True
    total = plan.delay_ms
    if total > 0:
        ex.state.faults.sleep(total / 1000.0)
    for fired in plan.fired:
        if fired.fault is None and fired.delay_ms:
            _record(ex, fired)


def _answer_in_front(ex: Exchange, plan: Plan) -> Response | None:
    """nginx's answer, or the connection broken, when the plan's failure happens there."""
    failure = plan.failure
    if failure is None or failure.fault is None:
        return None
    fault = CATALOGUE[failure.fault]
    if fault.stage == "proxy":
        _wait(ex, plan)
        _record(ex, failure)
        ex.in_front = True
        assert fault.status is not None  # noqa: S101 - every proxy fault has a status
        return nginx_page(fault.status)
    if fault.stage == "socket":
        _wait(ex, plan)
        # Read the request body (kept for the journal): unread bytes would make the kernel
        # answer our FIN with a RST.
        with contextlib.suppress(BodyError):  # too large or too slow: it breaks all the same
            read_body(ex.request)
        noise = ex.state.faults.noise() if fault.name in ("garbage", "malformed_chunk") else b""
        ex.environ[CONNECTION_FAULT] = SocketFault(fault.name, noise)
        _record(ex, failure)
        ex.in_front = True
        # The middleware breaks the connection instead of sending this; only a server that
        # keeps the connection to itself sends it: what nginx answers when its upstream breaks.
        answer = nginx_page(502)
        answer.headers["X-Mockserver-Connection-Fault"] = fault.name
        return answer
    return None


# --- helpers -----------------------------------------------------------------------------------


def _classify(ex: Exchange, policy: Policy) -> tuple[str, Category, Limit]:
    """The rate-limit key, category and limit of the request under ``policy``."""
    match = ex.match
    route = match.route.name if match is not None else None
    org = str(match.params.get("org")) if match is not None else None
    caller = identify(
        ex.request.headers.get("Authorization"),
        ex.state.store.world.tokens,
        policy.callers,
        ex.request.remote_addr,
        org,
    )
    limit, custom = policy.limit_for(route, ex.method, caller.category)
    return rate_limit_key(caller, route, ex.method, custom), caller.category, limit


def _limited_meta(ex: Exchange) -> Meta:
    """The request as if its window were used up (the ``rate_limited`` fault): from the
    limiter's count when it counted the request, else under sentry.io's limits. Counts nothing."""
    counted = ex.rate_limit
    if counted is not None:
        return replace(
            counted,
            limited="window",
            current=max(counted.current, counted.limit + 1),
            remaining=0,
            concurrent_requests=None,
        )
    key, category, limit = _classify(ex, SAAS)
    return ex.state.limiter.peek(key, category, limit)


def _answer_429(ex: Exchange, meta: Meta) -> Response:
    """The rate limiter's 429. The rate-limit stage adds its headers, and the CORS stage allows
    the request's method only, as the middleware's ``apply_cors_headers(allowed_methods=[m])``
    does."""
    ex.rate_limit = meta
    ex.cors_methods = [ex.method]
    return too_many_requests(meta)


def nginx_page(status: int) -> Response:
    """nginx's own error page for a 502, 503 or 504."""
    title = f"{status} {NGINX_REASONS[status]}"
    body = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(body, status=title, content_type="text/html")


def too_many_requests(meta: Meta) -> Response:
    """The rate-limit middleware's 429: ``orjson.dumps(message)`` in a plain ``HttpResponse``."""
    body = json.dumps(RATE_LIMITED.format(limit=meta.limit, window=meta.window))
    return Response(body, status=429, content_type=CONTENT_TYPE_429)


def _cut_body(ex: Exchange, response: Response, failure: Fired) -> None:
    body = response.get_data()
    if not body or ex.method == "HEAD":
        _record(ex, failure, skipped="no body to cut")
        return
    keep = len(body) // 2
    response.set_data(body[:keep])
    if failure.fault == "truncated":
        # Announce the whole body, send half; the server closes the connection after it.
        response.headers["Content-Length"] = str(len(body))
    _record(ex, failure, bytes=keep, of=len(body))
