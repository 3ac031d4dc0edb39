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
from mockserver.journal.raw import RawEntry

if TYPE_CHECKING:
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
    body, body_size = _request_body(ex.request)
    status = response.status_code
    headers = response.headers.to_wsgi_list()
    # HEAD answers carry no body on the wire; a streamed body is the client's to read.
    sent = ex.method != "HEAD" and not response.is_streamed
    answer = _answer(response) if sent else b""
    if error is None and status == 500:
        error = _server_error(state, answer)
    fault: SocketFault | None = ex.environ.get(CONNECTION_FAULT)
    seen = None if fault is None else connection.as_seen(ex.environ, fault)
    if seen is not None:
        # The connection is broken after this: record what the client receives instead.
        status, answer = seen[0], seen[2]
        headers = list(seen[1])
    # The pieces only: the entry is made from them when the journal is read (journal.raw).
    ex.environ[ENTRY] = state.journal.record_raw(
        RawEntry(
            environ=ex.environ,
            time=ex.time,
            method=ex.method,
            body=body[:MAX_REQUEST_BODY],
            body_size=body_size,
            body_sha256=_digest(body, MAX_REQUEST_BODY),
            match=ex.match,
            status=status,
            response_headers=headers,
            response_body=answer[:MAX_RESPONSE_BODY],
            response_size=len(answer),
            response_sha256=_digest(answer, MAX_RESPONSE_BODY),
            duration_ms=(time.perf_counter() - ex.started) * 1000,
            violations=ex.violations,
            error=error,
            faults=tuple(ex.faults),
        )
    )


def _answer(response: Response) -> bytes:
    """``response.get_data()``: the body as one piece (the mock's answers are, and werkzeug's
    joins them a generator at a time)."""
    body = response.response
    if type(body) is list and len(body) == 1 and type(body[0]) is bytes:
        first: bytes = body[0]
        return first
    return response.get_data()


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


def _server_error(state: MockState, body: bytes) -> str | None:
    """The exception behind a 500 the app answered with Sentry's body (``errorId``)."""
    try:
        error_id = json.loads(body).get("errorId")
    except (ValueError, AttributeError):
        return None
    with state.lock:
        found = next((e for e in state.errors if e.error_id == error_id), None)
    if found is None:
        return None
    return f"{type(found.exception).__name__}: {found.exception} (errorId {error_id})"
