"""One delivery attempt on the wire, bounded: resolve, connect, TLS, send, read the answer, all
before one deadline, and all stopped at once when the mock shuts down.

Sentry's 5-second timeout covers the whole exchange here: a receiver that trickles its answer a
byte a second, or announces a 100 MB body, cannot hold a delivery thread past the deadline, and
at most :attr:`~mockserver.webhooks.delivery.DeliverySettings.max_answer_bytes` of the answer's
body are read (Sentry reads the answer only to finish the exchange; nothing is kept). Sockets are
non-blocking: every wait is a ``select`` on the socket up to the deadline, in slices of
:data:`SLICE` seconds between which :class:`Cancel` is looked at, so that :meth:`Cancel.set` ends
every exchange in progress within a slice (the mock's shutdown waits for no receiver).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from mockserver.webhooks.destinations import Address
from mockserver.webhooks.destinations import Destinations
from mockserver.webhooks.destinations import Refused
from mockserver.webhooks.destinations import check_name
from mockserver.webhooks.http1 import Answer
from mockserver.webhooks.http1 import AnswerReader

_IN_PROGRESS = (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY, errno.EINTR)
_CHUNK = 64 * 1024
SLICE = 0.05
"""Seconds a socket wait lasts at most before it looks at :class:`Cancel` again."""


class Interrupted(Exception):
    """The exchange did not finish: what was being done, and the answer's status if its head
    had arrived.

    :ivar doing: e.g. ``"waiting for the answer"``.
    :ivar status: the receiver's status, or ``None`` before the head arrived.
    :ivar received: bytes of the answer's body read so far.
    :ivar expected: the body's announced length, if any.
    """

    def __init__(
        self, doing: str, status: int | None = None, received: int = 0, expected: int | None = None
    ) -> None:
        super().__init__(doing)
        self.doing = doing
        self.status = status
        self.received = received
        self.expected = expected

    def progress(self) -> str:
        """What was being done, with the bytes read once the head arrived."""
        if self.status is None:
            return self.doing
        announced = f" of {self.expected}" if self.expected is not None else ""
        return f"{self.doing} ({self.received}{announced} bytes)"


class DeadlineExceeded(Interrupted):
    """The deadline passed."""


class Cancelled(Interrupted):
    """The mock is shutting down: the exchange was abandoned."""


class Cancel:
    """Ends every exchange waiting on it: socket waits look at it every :data:`SLICE` seconds
    (no file descriptor to leak, whatever the app's lifetime), other waits on its condition."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.is_set = False

    def set(self) -> None:
        """Wake every waiter, now and later."""
        with self.cond:
            self.is_set = True
            self.cond.notify_all()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds``; whether :meth:`set` was called."""
        with self.cond:
            return self.cond.wait_for(lambda: self.is_set, seconds)


@dataclass(frozen=True, slots=True)
class Request:
    """What to send, and where: the checked addresses, tried in order."""

    host: str  # the URL's host name, for TLS's SNI
    tls: bool
    addresses: tuple[Address, ...]
    data: bytes  # the whole request: head and body


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    destinations: Destinations,
    deadline: float,
    limit: int,
    cancel: Cancel,
) -> Answer:
    """POST ``body`` to ``url`` without following redirects, to an address checked by
    ``destinations`` first and then connected to (so that the name cannot resolve elsewhere in
    between), reading at most ``limit`` bytes of the answer's body.

    :raises Refused: for a URL that is not http(s), or a destination refused.
    :raises DeadlineExceeded, Cancelled, OSError, ValueError, BrokenAnswer: as :func:`exchange`.
    """
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise Refused(f"refused: the URL has spaces or control characters: {url!r}")
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused(f"refused: not a port: {url}") from None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise Refused(f"refused: not an http(s) URL: {url}")
    check_name(host)
    addresses = resolve(host, port, deadline, cancel)
    destinations.check(host, addresses)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc.rpartition('@')[2]}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    request = Request(
        host, parts.scheme == "https", tuple(addresses), "\r\n".join(lines).encode() + body
    )
    return exchange(request, deadline=deadline, limit=limit, cancel=cancel)


def resolve(host: str, port: int, deadline: float, cancel: Cancel) -> list[Address]:
    """The addresses of ``host`` for a TCP connection, within the deadline.

    An IP address is taken as it is; a name is resolved by ``getaddrinfo`` in a thread of its
    own (it cannot be interrupted), which is abandoned at the deadline or on :class:`Cancel`.

    :raises DeadlineExceeded: still resolving at the deadline.
    :raises Cancelled: on shutdown.
    :raises OSError: the name does not resolve.
    """
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        if ip.version == 4:
            return [Address(socket.AF_INET, (str(ip), port))]
        return [Address(socket.AF_INET6, (str(ip), port, 0, 0))]
    found: list[list[Address] | OSError] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            result: list[Address] | OSError = [
                Address(family, sockaddr)
                for family, _, _, _, sockaddr in infos
                if family in (socket.AF_INET, socket.AF_INET6)
            ]
        except (OSError, UnicodeError) as exc:
            result = exc if isinstance(exc, OSError) else OSError(f"bad host name: {exc}")
        with cancel.cond:
            found.append(result)
            cancel.cond.notify_all()

    threading.Thread(target=lookup, name="mockserver-resolve", daemon=True).start()
    with cancel.cond:
        cancel.cond.wait_for(lambda: found or cancel.is_set, _remaining(deadline))
    if cancel.is_set:
        raise Cancelled(f"resolving {host}")
    if not found:
        raise DeadlineExceeded(f"resolving {host}")
    result = found[0]
    if isinstance(result, OSError):
        raise result
    if not result:
        raise OSError(f"{host} has no IPv4 or IPv6 address")
    return result


def exchange(request: Request, *, deadline: float, limit: int, cancel: Cancel) -> Answer:
    """Send ``request`` to the first of its addresses that accepts a connection, and read the
    answer's head and at most ``limit`` bytes of its body.

    :raises DeadlineExceeded: with what was being done, and the status if the head arrived.
    :raises Cancelled: on shutdown.
    :raises OSError: the connection failed (refused, reset...).
    :raises ssl.SSLError: the TLS handshake failed.
    :raises ValueError: the answer is not HTTP/1.x.
    """
    error: OSError | None = None
    for address in request.addresses:
        try:
            wire = _Wire.connect(address, deadline, cancel, limit)
        except OSError as exc:  # try the next address, as socket.create_connection does
            error = exc
            continue
        try:
            if request.tls:
                wire.start_tls(request.host)
            wire.send(request.data)
            return wire.read_answer()
        finally:
            wire.close()
    raise error or OSError("no address to connect to")


def _remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


class _Wire:
    """A non-blocking socket (plain or TLS) whose every wait ends at the deadline or on
    :class:`Cancel`."""

    def __init__(self, sock: socket.socket, deadline: float, cancel: Cancel, limit: int) -> None:
        self.sock = sock
        self.deadline = deadline
        self.cancel = cancel
        self.doing = "connecting"
        self.reader = AnswerReader(limit)
        self._selector = selectors.DefaultSelector()
        self._fd = sock.fileno()  # the same descriptor once TLS wraps the socket
        self._selector.register(self._fd, selectors.EVENT_READ)
        self._events = selectors.EVENT_READ

    @classmethod
    def connect(cls, address: Address, deadline: float, cancel: Cancel, limit: int) -> _Wire:
        sock = socket.socket(address.family, socket.SOCK_STREAM)
        sock.setblocking(False)
        wire = cls(sock, deadline, cancel, limit)
        try:
            code = sock.connect_ex(address.sockaddr)
            if code in _IN_PROGRESS:
                wire.wait(selectors.EVENT_WRITE)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, os.strerror(code))  # ConnectionRefusedError, ...
        except BaseException:
            wire.close()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return wire

    def wait(self, events: int) -> None:
        """Until the socket is ready for ``events``.

        :raises DeadlineExceeded: at the deadline. :raises Cancelled: on shutdown.
        """
        if events != self._events:
            self._selector.modify(self._fd, events)
            self._events = events
        reader = self.reader
        while not self.cancel.is_set:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded(self.doing, reader.status, reader.received, reader.expected)
            if self._selector.select(min(remaining, SLICE)):
                return
        raise Cancelled(self.doing, reader.status, reader.received, reader.expected)

    def start_tls(self, host: str) -> None:
        # Sentry delivers with verify_ssl=False: no certificate check, SNI as requests sends it.
        self.doing = "doing the TLS handshake"
        context = ssl._create_unverified_context()  # noqa: S323 - as Sentry does
        tls = context.wrap_socket(self.sock, server_hostname=host, do_handshake_on_connect=False)
        self.sock = tls
        while True:
            try:
                tls.do_handshake()
                return
            except ssl.SSLWantReadError:
                self.wait(selectors.EVENT_READ)
            except ssl.SSLWantWriteError:
                self.wait(selectors.EVENT_WRITE)

    def send(self, data: bytes) -> None:
        self.doing = "sending the request"
        view = memoryview(data)
        while view:
            try:
                view = view[self.sock.send(view) :]
            except (BlockingIOError, ssl.SSLWantWriteError):
                self.wait(selectors.EVENT_WRITE)
            except ssl.SSLWantReadError:
                self.wait(selectors.EVENT_READ)

    def read_answer(self) -> Answer:
        self.doing = "waiting for the answer"
        reader = self.reader
        while not reader.done():
            if reader.status is not None:
                self.doing = "reading the answer's body"
            try:
                chunk = self.sock.recv(_CHUNK)
            except (BlockingIOError, ssl.SSLWantReadError):
                self.wait(selectors.EVENT_READ)
                continue
            except ssl.SSLWantWriteError:
                self.wait(selectors.EVENT_WRITE)
                continue
            reader.feed(chunk)
        return reader.answer()

    def close(self) -> None:
        self._selector.close()
        self.sock.close()
