"""The proxy's stages: the client's contract checked as the mock checks it (but the tokens,
which only the real Sentry can judge), then the request forwarded and the answer returned
unchanged, with its drift from the mock's contract in the journal.

Forwarded: the method, the path and query as the client wrote them, every header but the
hop-by-hop ones (``Connection`` and those it names, ``Keep-Alive``, ``TE``, ...), ``Host``
(the upstream's) and ``Accept-Encoding`` (the answer is asked for uncompressed, so that its
body can be checked), and the body. Returned: the status, its reason, every header but the
hop-by-hop ones, and the body, byte for byte. When the upstream cannot be reached or does not
answer in time, the proxy answers ``502`` or ``504`` itself, as ``application/problem+json``
(the proxy's own error, never mistaken for Sentry's).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from urllib.parse import quote

from werkzeug.wrappers import Response

from mockserver.contract.checks import check_request
from mockserver.http.body import read_body
from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next
from mockserver.http.responses import problem_response
from mockserver.http.routes import ADMIN
from mockserver.http.routes import READ
from mockserver.http.routes import WRITE
from mockserver.proxy import capture as keeping
from mockserver.proxy.drift import check_response
from mockserver.record.capture import Capture
from mockserver.record.http import DEFAULT_TIMEOUT
from mockserver.record.http import Answer
from mockserver.record.http import Upstream
from mockserver.record.http import UpstreamError
from mockserver.record.http import fetch
from mockserver.world.model import Token

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
"""Headers of one connection, never forwarded (RFC 9110 §7.6.1)."""
NOT_SENT = HOP_BY_HOP | {"host", "content-length", "accept-encoding"}
NOT_RETURNED = HOP_BY_HOP | {"content-length"}
UPSTREAM_PROBLEM = "urn:mockserver:problem:upstream"
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"

Say = Callable[[str], None]
"""Where the proxy's one-line notices go (stderr, for ``mockserver proxy``)."""


class AnyToken(Mapping[str, Token]):
    """Every bearer token, with every project scope: the proxy checks a credential's form, and
    leaves the token itself to the real Sentry."""

    def __getitem__(self, token: str) -> Token:
        return Token(token=token, scopes=READ | WRITE | ADMIN)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


ANY_TOKEN = AnyToken()


def check_contract(ex: Exchange, inner: Next) -> Response:
    """The client's contract, as the mock's ``contract`` stage checks it but for the tokens
    (never refused: strict mode does not apply to a proxy)."""
    if ex.state.journal.enabled:
        ex.violations = check_request(ex.request, ex.match, ex.state, tokens=ANY_TOKEN)
    return inner(ex)


class _Passed(Response):
    """The upstream's answer: no content type added where it sent none."""

    default_mimetype = None


class Forward:
    """The last stage: forward the exchange, return the answer, report its drift (it answers
    every exchange itself: nothing is inside it).

    :param upstream: the real Sentry.
    :param timeout: seconds for the whole exchange with it.
    :param capture: where ``--record`` keeps the answers that pass through, or ``None``.
    :param say: where a failed exchange, an upstream error or a drifting answer is told, one
        line each.
    """

    def __init__(
        self,
        upstream: Upstream,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        capture: Capture | None = None,
        say: Say | None = None,
    ) -> None:
        self.upstream = upstream
        self.timeout = timeout
        self.capture = capture
        self.say: Say = say or (lambda _line: None)
        self.tokens: set[str] = set()

    def __call__(self, ex: Exchange, inner: Next) -> Response:
        request = ex.request
        body = read_body(request)  # too large or too slow: answered as the mock answers it
        headers = _forwarded_headers(request.headers.items())
        self._remember_token(request.headers.get("Authorization"))
        target = _target(ex.environ)
        try:
            answer = fetch(self.upstream, ex.method, target, headers, body, timeout=self.timeout)
        except UpstreamError as exc:
            status, title = (504, "Upstream timed out") if exc.timed_out else (502, "Bad gateway")
            self.say(f"mockserver proxy: {ex.method} {request.path}: {exc} (answered {status})")
            return problem_response(title, str(exc), status, type=UPSTREAM_PROBLEM)
        dropped = _not_returned(answer)
        response = _Passed(
            answer.body,
            status=f"{answer.status} {answer.reason}".strip(),
            headers=[(k, v) for k, v in answer.headers if k.lower() not in dropped],
        )
        if ex.method == "HEAD" and answer.header("Content-Length") is not None:
            response.headers["Content-Length"] = answer.header("Content-Length") or "0"
        drift = check_response(ex.state.registry, ex.match, ex.method, answer.status, answer.body)
        if drift:
            ex.violations = (*ex.violations, *drift)
            more = f" (and {len(drift) - 1} more)" if len(drift) > 1 else ""
            self.say(f"mockserver proxy: drift: {drift[0].message}{more}")
        elif answer.status >= 500:
            self.say(
                f"mockserver proxy: {ex.method} {request.path}: the upstream answered "
                f"{answer.status}"
            )
        if (
            self.capture is not None
            and ex.method == "GET"
            and answer.status == 200
            and ex.match is not None
            and ex.match.served
        ):
            self._keep(ex, answer.body)
        return response

    def _keep(self, ex: Exchange, body: bytes) -> None:
        assert self.capture is not None  # noqa: S101 - checked by the caller
        assert ex.match is not None  # noqa: S101 - checked by the caller
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return
        keeping.keep(self.capture, ex.match, ex.request.args, data)

    def _remember_token(self, header: str | None) -> None:
        """Tokens seen, so that a recording can prove it holds none of them."""
        if self.capture is not None and header:
            parts = header.split()
            if len(parts) == 2:
                with self.capture.lock:
                    self.tokens.add(parts[1])


def _forwarded_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    pairs = list(headers)
    named = {
        name.strip().lower()
        for key, value in pairs
        if key.lower() == "connection"
        for name in value.split(",")
    }
    return [(k, v) for k, v in pairs if k.lower() not in NOT_SENT and k.lower() not in named]


def _not_returned(answer: Answer) -> frozenset[str]:
    connection = answer.header("Connection") or ""
    return NOT_RETURNED | {name.strip().lower() for name in connection.split(",") if name.strip()}


def _target(environ: Mapping[str, object]) -> str:
    """The path and query as the client wrote them (the server's raw request target when it
    keeps one, else the decoded path quoted again)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw.startswith("/"):
        return raw
    path = str(environ.get("PATH_INFO", "/"))
    # WSGI paths are latin-1 strings of the raw bytes.
    path = quote(path.encode("latin-1").decode("utf-8", "replace"), safe=_PATH_SAFE)
    query = str(environ.get("QUERY_STRING", ""))
    return path + (f"?{query}" if query else "")
