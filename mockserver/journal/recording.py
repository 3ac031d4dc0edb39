"""Recording every request in the app's journal: the first stage of the pipeline.

Nothing escapes it: the catch-all 404s, the 401/403/405s of Sentry's stages, Sentry's error
answers, strict-mode refusals, injected faults and unexpected 500s are all recorded, with the
response as the client received it. The mock's own endpoints (``/__admin/``,
``/openapi.json``) never reach the pipeline: a journal that recorded its own queries would
change each time it is read (WireMock leaves them out too).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from mockserver.cache.responses import ENTRY
from mockserver.faults import connection
from mockserver.faults.connection import CONNECTION_FAULT
from mockserver.faults.connection import SocketFault
from mockserver.http.body import BodyError
from mockserver.http.body import read_body
from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next
from mockserver.http.guards import answer_exception
from mockserver.journal.journal import MAX_REQUEST_BODY
from mockserver.journal.journal import MAX_RESPONSE_BODY
from mockserver.journal.journal import Entry
from mockserver.journal.journal import Headers

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from mockserver.state import MockState


def record(ex: Exchange, inner: Next) -> Response:
    """The stage: answer through the rest of the pipeline, then record the exchange.

    An exception that escapes every other stage is still answered (Sentry's 500) and recorded,
    with the error the entry names.
    """
    error: str | None = None
    try:
        response = inner(ex)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        response = answer_exception(ex, exc)
    journal = ex.state.journal
    if journal.enabled:
        _record(ex, response, error)
    return response


def _record(ex: Exchange, response: Response, error: str | None) -> None:
    state = ex.state
    req = ex.request
    body, body_size = _request_body(req)
    status = response.status_code
    headers = Headers(response.headers.to_wsgi_list())
    # HEAD answers carry no body on the wire; a streamed body is the client's to read.
    sent = ex.method != "HEAD" and not response.is_streamed
    answer = response.get_data() if sent else b""
    if error is None:
        error = _server_error(state, status, answer)
    fault: SocketFault | None = ex.environ.get(CONNECTION_FAULT)
    seen = None if fault is None else connection.as_seen(ex.environ, fault)
    if seen is not None:
        # The connection is broken after this: record what the client receives instead.
        status, answer = seen[0], seen[2]
        headers = Headers(seen[1])
    match = ex.match
    route = match.route if match is not None else None
    ex.environ[ENTRY] = state.journal.record(
        Entry(
            time=ex.time,
            method=ex.method,
            scheme=req.scheme,
            host=req.host,
            root_path=req.root_path,
            path=req.path,
            query_string=req.query_string.decode("utf-8", "replace"),
            query=tuple(req.args.items(multi=True)),
            headers=request_headers(ex.environ),
            body=body[:MAX_REQUEST_BODY],
            body_size=body_size,
            route_name=route.name if route else None,
            route=route.template if route else None,
            params=match.params if match is not None else {},
            matched=match is not None and match.served,
            status=status,
            response_headers=headers,
            response_body=answer[:MAX_RESPONSE_BODY],
            response_size=len(answer),
            body_sha256=_digest(body, MAX_REQUEST_BODY),
            response_sha256=_digest(answer, MAX_RESPONSE_BODY),
            duration_ms=(time.perf_counter() - ex.started) * 1000,
            violations=ex.violations,
            error=error,
            client_ip=req.remote_addr,
            http_version=ex.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            faults=tuple(ex.faults),
        )
    )


# The CGI names of the two headers a WSGI environ keeps without the HTTP_ prefix.
_BODY_HEADERS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_HTTP_BODY_HEADERS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


def request_headers(environ: WSGIEnvironment) -> Headers:
    """The request's headers as werkzeug's ``request.headers`` lists them (same names, values
    and order), in one pass over the environ instead of its generator's."""
    return Headers(
        [
            ((key[5:] if key[0] == "H" else key).replace("_", "-").title(), value)
            for key, value in environ.items()
            if (key.startswith("HTTP_") and key not in _HTTP_BODY_HEADERS)
            or (key in _BODY_HEADERS and value)
        ]
    )


def _request_body(request: Request) -> tuple[bytes, int]:
    """The body and its size; a body that could not be read is recorded empty, with the size
    known of it (its ``Content-Length``, or the bytes that arrived)."""
    try:
        body = read_body(request)
    except BodyError as exc:
        # Too large, too slow, or a client that hung up mid-body: the request still gets its
        # entry, and the answer it got says why.
        return b"", exc.size
    return body, len(body)


def _digest(body: bytes, kept: int) -> str | None:
    """The SHA-256 of a body the entry keeps only the start of (``None`` when it is whole)."""
    return hashlib.sha256(body).hexdigest() if len(body) > kept else None


def _server_error(state: MockState, status: int, body: bytes) -> str | None:
    """The exception behind a 500 the app answered with Sentry's body (``errorId``)."""
    if status != 500:
        return None
    try:
        error_id = json.loads(body).get("errorId")
    except (ValueError, AttributeError):
        return None
    with state.lock:
        found = next((e for e in state.errors if e.error_id == error_id), None)
    if found is None:
        return None
    return f"{type(found.exception).__name__}: {found.exception} (errorId {error_id})"
