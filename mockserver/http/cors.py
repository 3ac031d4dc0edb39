"""CORS: the headers Sentry's ``apply_cors_headers`` adds to every answer of its API, so that a
browser app on another origin can call it."""

from __future__ import annotations

from collections.abc import Iterable

from werkzeug.wrappers import Response

from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next

CORS_ALLOW_HEADERS = (
    "X-Sentry-Auth, X-Requested-With, Origin, Accept, Content-Type, Authentication, "
    "Authorization, Content-Encoding, sentry-trace, baggage, X-CSRFToken"
)
CORS_EXPOSE_HEADERS = (
    "X-Sentry-Error, X-Sentry-Direct-Hit, X-Hits, X-Max-Hits, Endpoint, Retry-After, Link"
)
CORS_HEADERS = (
    "Allow",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Allow-Origin",
)
"""Every header :func:`apply_cors` sets."""


def apply_cors(response: Response, methods: Iterable[str]) -> None:
    """Sentry's ``apply_cors_headers``: what a browser app on another origin needs.

    :param methods: the methods the route allows (``Allow`` and ``-Allow-Methods``).
    """
    allowed = ", ".join(methods)
    headers = response.headers
    headers["Allow"] = allowed
    headers["Access-Control-Allow-Methods"] = allowed
    headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
    headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
    headers["Access-Control-Allow-Origin"] = "*"


def cors(ex: Exchange, inner: Next) -> Response:
    """The stage: every answer carries the route's methods (none for a path no route has), or
    those a stage chose (:attr:`Exchange.cors_methods`), but nginx's own answers, which carry
    none (:attr:`Exchange.in_front`): a browser sees a network error, as against sentry.io."""
    response = inner(ex)
    if ex.in_front:
        return response
    methods = ex.cors_methods
    if methods is None:
        methods = ex.match.route.methods if ex.match is not None else ()
    apply_cors(response, methods)
    return response
