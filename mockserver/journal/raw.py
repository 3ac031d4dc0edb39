"""What the recording stage keeps of an exchange until the journal is read.

Every request is recorded, but most entries are never read (a benchmark, a frontend paging
through users, a test that looks at three requests of thirty). So the request's way pays only
for a :class:`RawEntry`: the pieces the pipeline already has (the environ's strings, the bodies,
the route match, the answer's status and headers). The :class:`~mockserver.journal.entry.Entry`
(headers as pairs, the URL's parts, the query) is made from them the first time the journal is
read, by the same werkzeug request the pipeline used, and kept: it is the entry the pipeline
would have made at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain
from typing import TYPE_CHECKING
from typing import Any

from mockserver.http.body import SentryRequest
from mockserver.journal.entry import ENTRY_OVERHEAD
from mockserver.journal.entry import Entry
from mockserver.journal.entry import Headers
from mockserver.journal.entry import Violation

if TYPE_CHECKING:
    from mockserver.http.routes import RouteMatch

# The CGI names of the two headers a WSGI environ keeps without the HTTP_ prefix.
_BODY_HEADERS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_HTTP_BODY_HEADERS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


class RawEntry:
    """One exchange as recorded, before it is read (see the module's docstring).

    :ivar environ: the request environ's string values (the request line, the headers, the
        server's address): what werkzeug reads the URL, the query and the headers from. Objects
        (the input stream, the server's own) are not kept.
    :ivar seq: the journal's sequence number, set when it is appended.
    :ivar cost: what it counts against the journal's byte budget.
    """

    __slots__ = (
        "body",
        "body_sha256",
        "body_size",
        "cost",
        "duration_ms",
        "environ",
        "error",
        "faults",
        "made",
        "match",
        "method",
        "response_body",
        "response_headers",
        "response_sha256",
        "response_size",
        "seq",
        "status",
        "time",
        "violations",
    )

    def __init__(
        self,
        *,
        environ: Mapping[str, Any],
        time: float,
        method: str,
        body: bytes,
        body_size: int,
        body_sha256: str | None,
        match: RouteMatch | None,
        status: int,
        response_headers: list[tuple[str, str]],
        response_body: bytes,
        response_size: int,
        response_sha256: str | None,
        duration_ms: float,
        violations: tuple[Violation, ...],
        error: str | None,
        faults: tuple[Mapping[str, Any], ...],
    ) -> None:
        # The strings (WSGI's request line, headers and server address are all strings): the
        # entry reads what the request had, and objects such as the input stream or the
        # server's own are not held by the journal.
        kept = {key: value for key, value in environ.items() if value.__class__ is str}
        self.environ = kept
        self.time = time
        self.method = method
        self.body = body
        self.body_size = body_size
        self.body_sha256 = body_sha256
        self.match = match
        self.status = status
        self.response_headers = response_headers
        self.response_body = response_body
        self.response_size = response_size
        self.response_sha256 = response_sha256
        self.duration_ms = duration_ms
        self.violations = violations
        self.error = error
        self.faults = faults
        self.seq = 0
        self.made: Entry | None = None
        # Every string kept (the request line and headers among them), summed in C.
        self.cost = (
            ENTRY_OVERHEAD
            + len(body)
            + len(response_body)
            + sum(map(len, kept))
            + sum(map(len, kept.values()))
            + sum(map(len, chain.from_iterable(response_headers)))
        )

    def entry(self, prefix: str) -> Entry:
        """The entry, made on the first call (``prefix`` is the journal's, for its id)."""
        made = self.made
        if made is None:
            made = self.made = self._make(prefix)
            self.environ = {}  # read into the entry: not held twice
        return made

    def _make(self, prefix: str) -> Entry:
        environ = self.environ
        request = SentryRequest(dict(environ))
        match = self.match
        route = match.route if match is not None else None
        return Entry(
            time=self.time,
            method=self.method,
            scheme=request.scheme,
            host=request.host,
            root_path=request.root_path,
            path=request.path,
            query_string=request.query_string.decode("utf-8", "replace"),
            query=tuple(request.args.items(multi=True)),
            headers=request_headers(environ),
            body=self.body,
            body_size=self.body_size,
            route_name=route.name if route else None,
            route=route.template if route else None,
            params=match.params if match is not None else {},
            matched=match is not None and match.served,
            status=self.status,
            response_headers=Headers(self.response_headers),
            response_body=self.response_body,
            response_size=self.response_size,
            body_sha256=self.body_sha256,
            response_sha256=self.response_sha256,
            duration_ms=self.duration_ms,
            violations=self.violations,
            error=self.error,
            client_ip=request.remote_addr,
            http_version=environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            faults=self.faults,
            id=f"{prefix}-{self.seq}",
            seq=self.seq,
        )


def request_headers(environ: Mapping[str, Any]) -> Headers:
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
