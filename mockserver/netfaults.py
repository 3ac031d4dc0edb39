"""Connection faults on the real socket: a WSGI middleware around the Flask app.

A view cannot break a connection: Flask only returns responses. So the fault stage marks the
request (``environ[CONNECTION_FAULT]``) and lets Flask finish as usual (the journal sees the
request); this middleware then, instead of handing the response to the server, does to the
socket what a failing Sentry or network would, and stops the server from writing anything:

- ``empty``: a FIN before any byte (``shutdown(SHUT_RDWR)``). Clients see the connection closed
  without a response (``http.client.RemoteDisconnected``).
- ``reset``: a TCP RST before any byte (``SO_LINGER`` on with a zero timeout, then close).
  Clients see ``ConnectionResetError`` (``ECONNRESET``).
- ``garbage``: random bytes, then a FIN (WireMock's ``RANDOM_DATA_THEN_CLOSE``). Clients see a
  bad status line.
- ``malformed_chunk``: a ``200 OK`` head announcing a chunked body, random bytes, then a FIN
  (WireMock's ``MALFORMED_RESPONSE_CHUNK``). Clients see the status, then fail reading the body.

How each server is reached:

- werkzeug's development server (``MockServer``) puts the socket in ``environ["werkzeug.socket"]``.
  Its handler still holds a file on the socket, so ``close()`` only takes effect when the handler
  is done; ``shutdown(SHUT_RD)`` makes the handler's next read return at once. A
  ``ConnectionError`` raised from the app is what werkzeug treats as a dropped client: it logs
  nothing and writes nothing.
- waitress (``mockserver serve --server waitress``) puts ``channel.check_client_disconnected``
  in the environ; its ``__self__`` is the channel, whose ``socket`` and ``write_soon`` we use.
  Raising waitress's ``ClientDisconnected`` makes the channel close the connection without
  writing a response.
- Flask's test client (no ``SERVER_SOFTWARE`` in the environ: no server, no socket): the
  middleware raises what a socket client would have raised (``ConnectionResetError``,
  ``http.client.RemoteDisconnected``, ...), and the test calling the client gets it.
- Any other server (granian, gunicorn, ...) keeps the connection to itself. What a client
  behind Sentry's nginx sees when the upstream breaks the connection is nginx's 502 page
  (``upstream prematurely closed connection``), so that is the answer; it carries
  ``X-Mockserver-Connection-Fault`` and a warning is logged once.
"""

from __future__ import annotations

import errno
import http.client
import logging
import socket
import struct
from collections.abc import Callable
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

log = logging.getLogger("mockserver")

CONNECTION_FAULT = "mockserver.connection_fault"
"""The environ key the fault stage sets: a :class:`SocketFault`."""

SOCKET_FAULTS = ("empty", "reset", "garbage", "malformed_chunk")
MALFORMED_CHUNK_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
)


class SocketFault:
    """What to do to the connection of one request.

    :param kind: one of :data:`SOCKET_FAULTS`.
    :param noise: the random bytes of ``garbage`` and ``malformed_chunk`` (drawn by the caller
        from its seeded generator, so runs are reproducible).
    """

    def __init__(self, kind: str, noise: bytes = b"") -> None:
        if kind not in SOCKET_FAULTS:
            raise ValueError(f"unknown socket fault {kind!r}")
        self.kind = kind
        self.noise = noise

    def payload(self) -> bytes:
        """The bytes written before closing (none for ``empty`` and ``reset``)."""
        if self.kind == "garbage":
            return self.noise
        if self.kind == "malformed_chunk":
            return MALFORMED_CHUNK_HEAD + self.noise
        return b""

    def client_error(self) -> Exception:
        """What ``http.client`` raises for this fault: raised where there is no socket."""
        if self.kind == "reset":
            return ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
        if self.kind == "empty":
            return http.client.RemoteDisconnected("Remote end closed connection without response")
        if self.kind == "garbage":
            return http.client.BadStatusLine(self.noise.decode("latin-1"))
        return http.client.IncompleteRead(b"")


class ConnectionFaultMiddleware:
    """Wraps a WSGI app; breaks the connection of requests marked with a :class:`SocketFault`.

    :param app: the wrapped WSGI app (Flask's ``wsgi_app``); for a faulted request it must
        have answered what a server without access to the connection should send (the fault
        stage answers nginx's 502 page).
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self._warned = False

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = self.app(environ, start_response)
        fault: SocketFault | None = environ.get(CONNECTION_FAULT)
        if fault is None:
            return body
        sock = environ.get("werkzeug.socket")
        channel = getattr(environ.get("waitress.client_disconnected"), "__self__", None)
        waitress = isinstance(getattr(channel, "socket", None), socket.socket)
        in_process = "SERVER_SOFTWARE" not in environ
        if isinstance(sock, socket.socket) or waitress or in_process:
            close: Callable[[], Any] | None = getattr(body, "close", None)
            if close is not None:
                close()  # Flask's teardown runs now: nothing of the response is sent
            if isinstance(sock, socket.socket):
                _break_werkzeug(sock, fault)
            if waitress:
                _break_waitress(channel, fault)
            raise fault.client_error()
        if not self._warned:
            self._warned = True
            log.warning(
                "%s cannot break connections: the %s fault answers nginx's 502 instead "
                "(serve with waitress for the real thing)",
                environ["SERVER_SOFTWARE"],
                fault.kind,
            )
        return body


def _break_werkzeug(sock: socket.socket, fault: SocketFault) -> None:
    data = fault.payload()
    if data:
        sock.sendall(data)
    if fault.kind == "reset":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # The handler's next read must not wait for the client, which waits for us.
        sock.shutdown(socket.SHUT_RD)
        # Takes effect when the handler closes its file on the socket, before the server's own
        # shutdown(SHUT_WR) could send a FIN ahead of the RST.
        sock.close()
    else:
        sock.shutdown(socket.SHUT_RDWR)
    # werkzeug's "client went away": no log, no 500, nothing written.
    raise ConnectionAbortedError(errno.ECONNABORTED, f"mockserver connection fault: {fault.kind}")


def _break_waitress(channel: Any, fault: SocketFault) -> None:
    from waitress.channel import ClientDisconnected

    data = fault.payload()
    if data:
        channel.write_soon(data)
    if fault.kind == "reset":
        # waitress closes without shutdown(): with a zero linger, close() sends the RST.
        channel.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    # The channel closes the connection once what was written is flushed, and writes no answer.
    raise ClientDisconnected(f"mockserver connection fault: {fault.kind}")
