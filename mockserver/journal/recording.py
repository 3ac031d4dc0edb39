"""Recording every request in the app's journal, with its contract violations.

:func:`install` hooks the app so that nothing escapes: the catch-all 404s and the 401/403/405s
the pipeline answers in ``before_request``, Sentry's error answers, strict-mode refusals and
unexpected 500s are all recorded. The mock's own endpoints (``/__admin/``, ``/openapi.json``)
are not: a journal that recorded its own queries would change each time it is read (WireMock
leaves them out too).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from dataclasses import field

from flask import Flask
from flask import Request
from flask import Response
from flask import current_app
from flask import g
from flask import request
from werkzeug.exceptions import HTTPException

from mockserver.cache.responses import ENTRY
from mockserver.contract.checks import RouteMatch
from mockserver.contract.checks import check_request
from mockserver.contract.checks import match_request
from mockserver.contract.checks import strict_response
from mockserver.faults import connection as netfaults
from mockserver.faults.connection import CONNECTION_FAULT
from mockserver.faults.connection import SocketFault
from mockserver.http.pipeline import OWN_PREFIXES
from mockserver.journal.journal import MAX_REQUEST_BODY
from mockserver.journal.journal import MAX_RESPONSE_BODY
from mockserver.journal.journal import Entry
from mockserver.journal.journal import Journal
from mockserver.journal.journal import Violation
from mockserver.state import EXTENSION
from mockserver.state import MockState

JOURNAL = "mockserver.journal"
_PENDING = "mockserver.pending"  # in the WSGI environ: cheaper than flask.g


@dataclass(slots=True)
class _Pending:
    """What is known about a request before its response exists."""

    started: float
    time: float
    match: RouteMatch = field(default_factory=lambda: RouteMatch(None))
    violations: tuple[Violation, ...] = ()


def install(app: Flask) -> Journal:
    """Give the app a journal (``Config.journal_size`` entries) and record every request in it.

    Also runs the contract checks, and in strict mode refuses a request with errors before
    Sentry's pipeline sees it. Call it once, from :func:`~mockserver.app.create_app`.

    :returns: the journal, also in ``app.extensions``.
    """
    state: MockState = app.extensions[EXTENSION]
    journal = Journal(state.config.journal_size)
    app.extensions[JOURNAL] = journal
    # First of the before-request functions, so that the clock starts before the pipeline can
    # answer (404, 401, 403, 405 are answered there) and strict mode refuses before it runs.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    # After-request functions run in reverse order of registration: the first one runs last,
    # and records the response with every header the pipeline added.
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)
    # A safety net for a response that was never finished (an after-request function raised).
    app.teardown_request(_teardown)
    return journal


def get_journal(app: Flask | None = None) -> Journal:
    """The journal of ``app`` (default: the current app).

    :raises KeyError: if :func:`install` was not called on the app.
    """
    journal: Journal = (app or current_app).extensions[JOURNAL]
    return journal


def _begin() -> Response | None:
    started = time.perf_counter()
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    if req.path.startswith(OWN_PREFIXES):
        return None
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    state: MockState = app.extensions[EXTENSION]
    pending = _Pending(started=started, time=state.config.clock())
    req.environ[_PENDING] = pending
    strict = state.config.strict
    if not (app.extensions[JOURNAL].enabled or strict):
        return None
    pending.match = match_request(app, req)
    pending.violations = check_request(req, pending.match, state)
    return strict_response(req, pending.violations) if strict else None


def _finish(response: Response) -> Response:
    pending: _Pending | None = request.environ.pop(_PENDING, None)
    if pending is not None:
        _record(pending, response, None)
    return response


def _teardown(exc: BaseException | None) -> None:
    pending: _Pending | None = request.environ.pop(_PENDING, None)
    if pending is not None:
        _record(pending, None, exc)


def _record(pending: _Pending, response: Response | None, exc: BaseException | None) -> None:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    journal: Journal = app.extensions[JOURNAL]
    if not journal.enabled:
        return
    state: MockState = app.extensions[EXTENSION]
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    body = _request_body(req)
    headers: tuple[tuple[str, str], ...] = ()
    if response is None:
        status, answer = 500, b""
        error: str | None = (
            f"{type(exc).__name__}: {exc}" if exc else "the response was never finished"
        )
    else:
        status = response.status_code
        headers = tuple(response.headers.items())
        # HEAD answers carry no body on the wire; a streamed body is the client's to read.
        sent = req.method != "HEAD" and not response.is_streamed
        answer = response.get_data() if sent else b""
        error = _server_error(state, status, answer)
        fault: SocketFault | None = req.environ.get(CONNECTION_FAULT)
        seen = None if fault is None else netfaults.as_seen(req.environ, fault)
        if seen is not None:
            # The connection is broken after this: record what the client receives instead.
            status, headers, answer = seen
    match = pending.match
    route = match.route
    req.environ[ENTRY] = journal.record(
        Entry(
            time=pending.time,
            method=req.method,
            scheme=req.scheme,
            host=req.host,
            root_path=req.root_path,
            path=req.path,
            query_string=req.query_string.decode("utf-8", "replace"),
            query=tuple(req.args.items(multi=True)),
            headers=tuple(req.headers.items()),
            body=body[:MAX_REQUEST_BODY],
            body_size=len(body),
            route_name=route.name if route else None,
            route=route.template if route else None,
            params=match.params,
            matched=route is not None and match.served,
            status=status,
            response_headers=headers,
            response_body=answer[:MAX_RESPONSE_BODY],
            response_size=len(answer),
            duration_ms=(time.perf_counter() - pending.started) * 1000,
            violations=pending.violations,
            error=error,
            client_ip=req.remote_addr,
            http_version=req.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            faults=tuple(getattr(g, "mockserver_faults", None) or ()),
        )
    )


def _request_body(request: Request) -> bytes:
    environ = request.environ
    # Reading an absent body through werkzeug's stream wrappers costs more than the rest of
    # the entry: skip it when the request says it has none.
    if (
        environ.get("CONTENT_LENGTH") in (None, "", "0")
        and "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    ):
        return b""
    try:
        return request.get_data(cache=True)
    except (HTTPException, OSError):
        # A client that hung up mid-body still gets its entry.
        return b""


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
