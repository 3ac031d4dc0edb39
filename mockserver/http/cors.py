"""CORS: the headers Sentry's ``apply_cors_headers`` adds to every answer of its API, and the
preflight answer, so that a browser app on another origin can call it.

Two stages of :mod:`mockserver.http.pipeline`: :func:`cors` puts the headers on every answer
(nginx's included, as far as a browser needs to read them: see :func:`cors`), and
:func:`preflight` answers a browser's preflight (``OPTIONS`` with
``Access-Control-Request-Method``) for every path under ``/api/0/`` before faults, rate limits,
authentication and routing, so that the request it announces then gets the fault, the 429 or
the 404 it would get, where the page's JavaScript can read it.

The origin: a request without ``Origin`` (curl, a test's client) gets ``*``, as from Sentry. A
request with one gets it back (``Vary: Origin``), and ``Access-Control-Allow-Credentials:
true`` when the origin is allowed (:attr:`mockserver.config.Config.cors_origins`; default any),
as Sentry does for its own UI's origins; ``Origin: null`` (a sandboxed page, a file) gets ``*``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from collections.abc import Sequence

from werkzeug.wrappers import Response

from mockserver.http.body import header
from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next
from mockserver.http.responses import put_headers
from mockserver.http.routes import match_route

CORS_ALLOW_HEADERS = (
    "X-Sentry-Auth, X-Requested-With, Origin, Accept, Content-Type, Authentication, "
    "Authorization, Content-Encoding, sentry-trace, baggage, X-CSRFToken"
)
PREFLIGHT_ALLOW_HEADERS = CORS_ALLOW_HEADERS + ", Prefer"
"""What a preflight allows: Sentry's list, and the mock's own ``Prefer`` (per-request faults),
so that a page can ask for a fault with it (sentry.io would refuse the header)."""
CORS_EXPOSE_HEADERS = (
    "X-Sentry-Error, X-Sentry-Direct-Hit, X-Hits, X-Max-Hits, Endpoint, Retry-After, Link"
)
PREFLIGHT_MAX_AGE = "3600"
"""Sentry's ``Access-Control-Max-Age``: the browser asks again after an hour."""
CATCH_ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
"""The methods of Sentry's ``CatchallEndpoint`` (the preflight of a path no route has)."""
API_PREFIX = "/api/0/"
ANY_ORIGIN = "*"
CORS_HEADERS = (
    "Allow",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
)
"""Every header :func:`apply_cors` may set."""


def apply_cors(
    response: Response,
    methods: Iterable[str],
    origin: str | None = None,
    allowed: Sequence[str] = (ANY_ORIGIN,),
) -> None:
    """Sentry's ``apply_cors_headers``: what a browser app on another origin needs.

    :param methods: the methods the route allows (``Allow`` and ``-Allow-Methods``).
    :param origin: the request's ``Origin`` header, if any.
    :param allowed: the origins that may send credentials (``*``: any).
    """
    anyone = origin is None or origin == "null"
    put_headers(response, _cors_headers(tuple(methods), anyone))
    if not anyone:
        grant_origin(response, origin, allowed)


@functools.lru_cache(maxsize=64)
def _cors_headers(methods: tuple[str, ...], anyone: bool) -> tuple[tuple[str, str], ...]:
    """The headers :func:`apply_cors` sets for a route's methods, made once per set of
    methods (a handful of routes)."""
    allowed_methods = ", ".join(methods)
    headers = (
        ("Allow", allowed_methods),
        ("Access-Control-Allow-Methods", allowed_methods),
        ("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS),
        ("Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS),
    )
    return (*headers, ("Access-Control-Allow-Origin", ANY_ORIGIN)) if anyone else headers


def grant_origin(response: Response, origin: str | None, allowed: Sequence[str]) -> None:
    """``Access-Control-Allow-Origin`` (and ``-Allow-Credentials``) for ``origin``."""
    headers = response.headers
    if origin is None or origin == "null":
        headers["Access-Control-Allow-Origin"] = ANY_ORIGIN
        return
    headers["Access-Control-Allow-Origin"] = origin
    headers.add("Vary", "Origin")
    if origin_allowed(origin, allowed):
        headers["Access-Control-Allow-Credentials"] = "true"


def origin_allowed(origin: str, allowed: Sequence[str]) -> bool:
    """Whether ``origin`` may send credentials: ``*`` allows any; else the exact origin (its
    scheme and host compared without case), as Sentry's ``ALLOWED_CREDENTIAL_ORIGINS``."""
    if ANY_ORIGIN in allowed:
        return "," not in origin  # one origin, as Sentry checks
    return origin.strip().rstrip("/").lower() in allowed


def cors(ex: Exchange, inner: Next) -> Response:
    """The stage: every answer carries the route's methods (none for a path no route has), or
    those a stage chose (:attr:`Exchange.cors_methods`).

    nginx's own answers (:attr:`Exchange.in_front`) carry none of Sentry's headers; but when
    the request comes from a page (it has an ``Origin``), they carry the origin's grant, so that
    the page reads the 502, 503 or 504 it asked for instead of a network error. A broken
    connection (``reset``, ``empty``, ...) is a network error all the same.
    """
    response = inner(ex)
    origin = header(ex.request, "Origin")
    allowed = ex.state.config.cors_origins
    if ex.in_front:
        if origin is not None:
            grant_origin(response, origin, allowed)
            response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
        return response
    methods = ex.cors_methods
    if methods is None:
        methods = ex.match.route.methods if ex.match is not None else ()
    apply_cors(response, methods, origin, allowed)
    if is_preflight(ex):
        response.headers["Access-Control-Allow-Headers"] = PREFLIGHT_ALLOW_HEADERS
    return response


def is_preflight(ex: Exchange) -> bool:
    """Whether the request is a browser's preflight to Sentry's API."""
    return (
        ex.method == "OPTIONS"
        and "Access-Control-Request-Method" in ex.request.headers
        and ex.request.path.startswith(API_PREFIX)
    )


def preflight(ex: Exchange, inner: Next) -> Response:
    """The stage: a browser's preflight (``OPTIONS`` with ``Access-Control-Request-Method``)
    to any path under ``/api/0/`` is answered here, 200 with the CORS headers (the :func:`cors`
    stage adds them), before the contract, faults, rate limits, authentication and routing.

    The methods are the route's; for a path missing its trailing slash, those of the route it
    lacks it for (the request then gets the 404 that says so); for a path no route has, those of
    Sentry's catch-all endpoint.
    """
    if not is_preflight(ex):
        return inner(ex)
    ex.cors_methods = _methods_of(ex)
    return preflight_answer()


def preflight_answer() -> Response:
    """Sentry's answer to ``OPTIONS`` (``allow_cors_options``): Django's empty
    ``HttpResponse``, with ``Access-Control-Max-Age``."""
    return Response(
        b"",
        status=200,
        headers={"Access-Control-Max-Age": PREFLIGHT_MAX_AGE},
        content_type="text/html; charset=utf-8",
    )


def _methods_of(ex: Exchange) -> Sequence[str]:
    if ex.match is not None:
        return ex.match.route.methods
    path = ex.request.path
    if not path.endswith("/"):
        slashed = match_route(path + "/", ex.method)
        if slashed is not None:
            return slashed.route.methods
    return CATCH_ALL_METHODS
