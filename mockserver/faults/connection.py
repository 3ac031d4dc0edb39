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
- Any other server (granian, ``mockserver serve``'s default; gunicorn, ...) keeps the connection
  to itself, but it writes a body as the app's iterator yields it, and closes the connection
  when the iterator raises:

  - ``malformed_chunk`` is done that way: the middleware replaces Flask's head with
    ``200 OK`` and ``Content-Type: application/json`` and no ``Content-Length`` (PEP 3333's
    second ``start_response``, with ``exc_info``, before anything is sent), so the server
    announces a chunked body; its iterator yields the random bytes, waits :data:`FLUSH_WAIT`
    and raises. granian (2.8.9, measured) sends the head, the bytes as one well-formed chunk,
    and closes the connection without the terminating chunk: clients see the ``200`` and
    ``Transfer-Encoding: chunked``, then fail reading the body (``http.client.IncompleteRead``;
    curl: "transfer closed with outstanding read data remaining"). granian logs the exception
    that ended the body as an application error; ``mockserver serve`` filters it out (its
    message contains :data:`BREAK_MESSAGE`).
  - ``empty``, ``reset`` and ``garbage`` cannot be done: they need the connection before any
    byte is written (granian answers 500 if the app raises instead). What a client behind
    Sentry's nginx sees when the upstream breaks the connection is nginx's 502 page
    (``upstream prematurely closed connection``), so that is the answer; it carries
    ``X-Mockserver-Connection-Fault`` and a warning naming the fix (``mockserver serve
    --server waitress``) is logged once. ``mockserver serve`` (``--server auto``) picks waitress
    by itself when such a fault is configured at start: :func:`needs_the_connection` says which.
"""

from __future__ import annotations

import errno
import http.client
import logging
import socket
import struct
import sys
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from mockserver.faults.model import BUILTIN_PRESETS
from mockserver.faults.model import Preset
from mockserver.faults.model import Rule

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

log = logging.getLogger("mockserver")

CONNECTION_FAULT = "mockserver.connection_fault"
"""The environ key the fault stage sets: a :class:`SocketFault`."""

SOCKET_FAULTS = ("empty", "reset", "garbage", "malformed_chunk")
NEED_THE_CONNECTION = ("empty", "reset", "garbage")
"""The socket faults that only a server handing the app its connection (werkzeug, waitress) can
do: they happen before any byte of a response, which granian writes only from what the app
returns. ``malformed_chunk`` happens after the head, so granian can do it too."""
FLUSH_WAIT = 0.25
"""Seconds between a ``malformed_chunk``'s bytes and the exception that closes the connection,
under a server that keeps the connection (see :func:`_break_body`). granian closes it as soon
as the iterator raises, dropping whatever its writer has not sent yet, and tells the app nothing
about what it has sent. Measured on granian 2.8.9, raising at once lost the head or the bytes in
15 of 30 first requests after a start and in 700 of 3,000 requests on 6 concurrent connections;
with this wait, in none of 30 first requests and none of 600 concurrent ones."""
BREAK_MESSAGE = "mockserver connection fault"
"""In the message of every exception the middleware raises to break a connection."""
MALFORMED_CHUNK_STATUS = "200 OK"
MALFORMED_CHUNK_HEADERS = [("Content-Type", "application/json")]
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
        have answered what a server without access to the connection should send for the
        faults it cannot do (the fault stage answers nginx's 502 page).
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
        channel = _waitress_channel(environ)
        waitress = channel is not None
        if can_break(environ):
            _close(body)  # nothing of Flask's response is sent
            if isinstance(sock, socket.socket):
                _break_werkzeug(sock, fault)
            if waitress:
                _break_waitress(channel, fault)
            raise fault.client_error()
        if fault.kind == "malformed_chunk":
            _close(body)
            return _break_body(start_response, fault)
        if not self._warned:
            self._warned = True
            log.warning(
                "%s cannot break connections: the %s fault answers nginx's 502 instead "
                "(for the real thing, serve with mockserver serve --server waitress)",
                environ["SERVER_SOFTWARE"],
                fault.kind,
            )
        return body


def can_break(environ: Mapping[str, Any]) -> bool:
    """Whether the server of this request lets the middleware break its connection (werkzeug,
    waitress, or no server at all: Flask's test client, where the caller gets the error)."""
    return (
        isinstance(environ.get("werkzeug.socket"), socket.socket)
        or _waitress_channel(environ) is not None
        or "SERVER_SOFTWARE" not in environ
    )


def _waitress_channel(environ: Mapping[str, Any]) -> Any:
    channel = getattr(environ.get("waitress.client_disconnected"), "__self__", None)
    return channel if isinstance(getattr(channel, "socket", None), socket.socket) else None


NO_RESPONSE = 0
"""The status a journal entry records when the client got no HTTP response (HAR's convention for
an aborted request)."""


def as_seen(
    environ: Mapping[str, Any], fault: SocketFault
) -> tuple[int, tuple[tuple[str, str], ...], bytes] | None:
    """What the client of this request receives for ``fault``: status (:data:`NO_RESPONSE`
    when no HTTP response arrives), headers and the bytes sent; ``None`` when the server cannot
    break the connection and the stand-in answer (nginx's 502) is what it receives.

    The journal records this, not the stand-in Flask answered.
    """
    if fault.kind == "malformed_chunk":
        chunked = (("Content-Type", "application/json"), ("Transfer-Encoding", "chunked"))
        return 200, chunked, fault.noise
    if not can_break(environ):
        return None
    return NO_RESPONSE, (), fault.payload()


def needs_the_connection(rules: Iterable[Rule], presets: Mapping[str, Preset]) -> list[str]:
    """Which of the configured faults only a server that hands over the connection can do
    (:data:`NEED_THE_CONNECTION`), each as "<where it is configured> uses '<fault>'".

    :param rules: the rules in force (``FaultController.rules()``): the scenario's, those of
        ``--fault`` and ``MOCKSERVER_FAULTS``, any added at run time.
    :param presets: every preset (``FaultController.presets``); the built-in ones are left out,
        the scenario's count, since ``Prefer: fault=<preset>`` may ask for them.
    :returns: in rule order, then presets by name; empty when granian can do every fault.
    """
    where = {
        "scenario": "the scenario's fault rule {!r}",
        "cli": "the fault rule {!r} of --fault / MOCKSERVER_FAULTS",
    }
    found = [
        f"{where.get(rule.source, 'the fault rule {!r} added at run time').format(rule.name)} "
        f"uses {rule.fault!r}"
        for rule in rules
        if rule.fault in NEED_THE_CONNECTION
    ]
    found += [
        f"the scenario's fault preset {name!r} uses {preset.fault!r}"
        for name, preset in sorted(presets.items())
        if preset.fault in NEED_THE_CONNECTION and BUILTIN_PRESETS.get(name) is not preset
    ]
    return found


def _close(body: Iterable[bytes]) -> None:
    """PEP 3333: whoever drops the app's iterable closes it (Flask's ``call_on_close``)."""
    close: Callable[[], Any] | None = getattr(body, "close", None)
    if close is not None:
        close()


def _break_body(start_response: StartResponse, fault: SocketFault) -> Iterator[bytes]:
    """``malformed_chunk`` through a server that keeps the connection: a 200 without a
    ``Content-Length`` (a chunked body), the noise, then an exception that makes the server
    close the connection without the terminating chunk."""
    error = ConnectionAbortedError(errno.ECONNABORTED, f"{BREAK_MESSAGE}: {fault.kind}")
    try:
        raise error
    except ConnectionAbortedError:
        # Flask has called start_response with its stand-in (nginx's 502), which is not sent
        # yet: a second call from the error's handler, with exc_info, replaces it (PEP 3333).
        start_response(MALFORMED_CHUNK_STATUS, list(MALFORMED_CHUNK_HEADERS), sys.exc_info())

    def chunks() -> Iterator[bytes]:
        yield fault.noise
        # granian's writer is a Rust thread: it sends while this one waits (without the GIL).
        time.sleep(FLUSH_WAIT)
        raise error

    return chunks()


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
    raise ConnectionAbortedError(errno.ECONNABORTED, f"{BREAK_MESSAGE}: {fault.kind}")


def _break_waitress(channel: Any, fault: SocketFault) -> None:
    from waitress.channel import ClientDisconnected

    data = fault.payload()
    if data:
        channel.write_soon(data)
    if fault.kind == "reset":
        # waitress closes without shutdown(): with a zero linger, close() sends the RST.
        channel.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    # The channel closes the connection once what was written is flushed, and writes no answer.
    raise ClientDisconnected(f"{BREAK_MESSAGE}: {fault.kind}")
