"""One HTTP exchange with an upstream Sentry, bounded, and every failure as one line.

Both ``mockserver record`` and ``mockserver proxy`` talk to a real Sentry (sentry.io or
self-hosted, at any base URL) through :func:`fetch`: the standard library's ``http.client``,
a new connection per exchange, no redirect followed (a redirect is an answer, as Sentry's 302
for a renamed project is), and one deadline for the whole exchange: connecting, sending, and
reading the answer's head and body. What goes wrong raises :class:`UpstreamError` with a
message that fits on one line and never holds a credential.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_TIMEOUT = 30.0
"""Seconds one exchange may take, from connecting to the last byte of the answer."""
MAX_ANSWER_BYTES = 64 * 1024 * 1024
"""The largest answer body read: Sentry's pages are at most a few megabytes."""
_CHUNK = 64 * 1024


class UpstreamError(Exception):
    """The upstream could not be reached, did not answer in time, or answered something that
    is not HTTP. The message is one line, names the upstream, and holds no credential.

    :ivar timed_out: the deadline passed (else: unreachable, or a broken answer).
    """

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


@dataclass(frozen=True, slots=True)
class Upstream:
    """Where a Sentry is: its scheme, host, port and path prefix (a self-hosted Sentry may
    live under ``https://example.com/sentry``).

    :ivar url: the base URL without credentials or trailing slash, for messages.
    """

    scheme: str
    host: str
    port: int
    prefix: str
    url: str

    @classmethod
    def parse(cls, url: str) -> Upstream:
        """The upstream of a base URL.

        :raises ValueError: for a URL that is not ``http://`` or ``https://`` with a host.
        """
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"{url!r} is not a URL: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"{url!r} is not an http:// or https:// URL with a host (e.g. https://sentry.io)"
            )
        if parts.query or parts.fragment:
            raise ValueError(f"{url!r}: give the base URL only, without a query or fragment")
        host = parts.hostname
        default = 443 if parts.scheme == "https" else 80
        shown_host = f"[{host}]" if ":" in host else host
        netloc = shown_host if port in (None, default) else f"{shown_host}:{port}"
        prefix = parts.path.rstrip("/")
        # userinfo (https://user:pass@host) is dropped: it is never sent nor shown.
        return cls(
            parts.scheme, host, port or default, prefix, f"{parts.scheme}://{netloc}{prefix}"
        )

    def url_of(self, target: str) -> str:
        """The full URL of a target (``/api/0/...?x=1``)."""
        return self.url + target


@dataclass(frozen=True, slots=True)
class Answer:
    """The upstream's answer, whole."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header's value (case-insensitive; repeated headers joined with ``, ``)."""
        wanted = name.lower()
        values = [value for key, value in self.headers if key.lower() == wanted]
        return ", ".join(values) if values else None


def fetch(
    upstream: Upstream,
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_ANSWER_BYTES,
) -> Answer:
    """Send one request to the upstream and read its whole answer before ``timeout`` seconds.

    :param target: the path and query, from ``/api/0/...`` (the upstream's prefix is added).
    :param headers: sent as given (the caller leaves out hop-by-hop headers); ``Host`` is the
        upstream's.
    :raises UpstreamError: the upstream is unreachable, too slow, or its answer is broken or
        larger than ``max_bytes``.
    """
    deadline = time.monotonic() + timeout
    url = upstream.url_of(target)
    conn: http.client.HTTPConnection
    if upstream.scheme == "https":
        context = ssl.create_default_context()
        conn = http.client.HTTPSConnection(
            upstream.host, upstream.port, timeout=timeout, context=context
        )
    else:
        conn = http.client.HTTPConnection(upstream.host, upstream.port, timeout=timeout)
    try:
        conn.putrequest(method, upstream.prefix + target, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        _remaining(conn, deadline, url, timeout)
        response = conn.getresponse()
        parts: list[bytes] = []
        size = 0
        while True:
            _remaining(conn, deadline, url, timeout)
            chunk = response.read1(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise UpstreamError(f"{url} answered more than {max_bytes} bytes; stopped reading")
            parts.append(chunk)
        return Answer(
            response.status, response.reason, tuple(response.getheaders()), b"".join(parts)
        )
    except UpstreamError:
        raise
    except TimeoutError:
        raise UpstreamError(f"{url} did not answer within {timeout:g} s", timed_out=True) from None
    except ConnectionRefusedError:
        where = f"{upstream.host}:{upstream.port}"
        raise UpstreamError(f"cannot connect to {where} ({url}): connection refused") from None
    except socket.gaierror as exc:
        raise UpstreamError(f"cannot resolve {upstream.host} ({url}): {exc.strerror}") from None
    except ssl.SSLError as exc:
        raise UpstreamError(f"TLS with {upstream.host} failed ({url}): {exc.reason}") from None
    except http.client.HTTPException as exc:
        what = _one_line(f"{type(exc).__name__}: {exc}")
        raise UpstreamError(f"{url} sent a broken answer ({what})") from None
    except OSError as exc:
        reason = _one_line(exc.strerror or str(exc) or type(exc).__name__)
        raise UpstreamError(f"cannot reach {url}: {reason}") from None
    finally:
        conn.close()


def _remaining(conn: http.client.HTTPConnection, deadline: float, url: str, timeout: float) -> None:
    """Bound the next socket wait by what is left of the deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise UpstreamError(f"{url} did not answer within {timeout:g} s", timed_out=True)
    if conn.sock is not None:
        conn.sock.settimeout(left)


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
