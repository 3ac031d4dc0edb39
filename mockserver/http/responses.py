"""Building responses the way Sentry's renderer does: compact JSON; and the mock's own problems."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from mockserver.sentry import jsontext

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIEnvironment

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
WWW_AUTHENTICATE = 'xBasic realm="api"'


# Compact JSON, as DRF's JSONRenderer writes it (COMPACT_JSON, UNICODE_JSON): the one function.
dumps = jsontext.dumps


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response; ``body=None`` gives an empty body (e.g. 204)."""
    if body is None:
        response = Response(b"", status=status)
        response.headers.pop("Content-Type", None)
    else:
        response = Response(dumps(body), status=status, mimetype=JSON)
    if headers:
        response.headers.update(headers)
    return response


def problem_response(title: str, detail: str, status: int, **extra: Any) -> Response:
    """An RFC 9457 problem: errors that are the mock's own, never mistaken for Sentry's."""
    body = {"type": "urn:mockserver:problem", "title": title, "status": status, "detail": detail}
    body.update(extra)
    return Response(dumps(body), status=status, mimetype=PROBLEM_JSON)


def put_headers(response: Response, pairs: Sequence[tuple[str, str]]) -> None:
    """``response.headers[name] = value`` for each pair, at the cost of one list extension
    when none of the names is set yet (the common case: CORS headers on a fresh answer).

    For the mock's own header values only (constants, route methods): werkzeug's check for
    newlines is skipped on that path. A value from the request must go through
    ``response.headers[name] = value``.
    """
    headers = response.headers
    present = {name.lower() for name, _ in headers._list}
    if not present.isdisjoint(_lowered_names(tuple(pairs))):
        for name, value in pairs:
            headers[name] = value
        return
    # Headers keeps its pairs in _list (werkzeug's own methods append to it as here);
    # tests/http/test_responses.py checks the result is what setting each one gives.
    headers._list.extend(pairs)


@functools.lru_cache(maxsize=64)
def _lowered_names(pairs: tuple[tuple[str, str], ...]) -> frozenset[str]:
    """The names of ``pairs`` in lower case, made once per set of pairs (the CORS headers of a
    handful of routes)."""
    return frozenset(name.lower() for name, _ in pairs)


# Headers whose value werkzeug rewrites when it sends a response (get_wsgi_headers).
_REWRITTEN = frozenset({"location", "content-location"})


def send(
    response: Response, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """Send ``response`` as werkzeug's ``response(environ, start_response)`` would, without its
    per-request copy of the headers for the common case: a buffered body whose
    ``Content-Length`` is set, no ``Location`` to rewrite, a status with a body, not ``HEAD``
    and nothing to call on close. Anything else goes through werkzeug itself."""
    body = response.response
    status = response.status_code
    if (
        type(body) is not list
        or response.direct_passthrough
        or response._on_close
        or status < 200
        or status in (204, 304)
        or environ["REQUEST_METHOD"] == "HEAD"
    ):
        return response(environ, start_response)
    headers = response.headers.to_wsgi_list()
    names = {name.lower() for name, _ in headers}
    if "content-length" not in names or not _REWRITTEN.isdisjoint(names):
        return response(environ, start_response)
    start_response(response.status, headers)
    return body
