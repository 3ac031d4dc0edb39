"""Real HTTP receivers on 127.0.0.1 for webhook tests: :class:`Receiver` records each request in
a queue and answers as told (a status, or hang until released); :class:`Trickler` answers like a
slow or hostile receiver."""

from __future__ import annotations

import queue
import select
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Self


class LocalServer:
    """An HTTP server of a test's own on 127.0.0.1, serving from a thread inside a ``with``
    block; leaving it sets ``release`` (for handlers told to wait) and stops the server.

    A subclass sets ``release`` and calls :meth:`_bind` with its handler class; ``url_path`` is
    appended to :attr:`url`.
    """

    url_path = ""
    release: threading.Event

    def _bind(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # bound: ready for clients
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{self.url_path}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver(LocalServer):
    """``with Receiver() as r: ... r.url ... r.received.get(timeout=5)``."""

    url_path = "/hook"

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.hang = threading.Event()  # set: requests wait for ``release``
        self.release = threading.Event()
        self.received: queue.Queue[Received] = queue.Queue()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                outer.received.put(Received(self.path, dict(self.headers.items()), body))
                if outer.hang.is_set():
                    outer.release.wait(30)
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._bind(Handler)

    def all(self) -> list[Received]:
        items = []
        while not self.received.empty():
            items.append(self.received.get_nowait())
        return items


HUGE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000000\r\n\r\n"


class Trickler:
    """A raw-socket receiver that reads each request, answers ``head`` (a byte at a time when
    ``head_every`` is set), then a body byte every ``every`` seconds, until the client hangs up
    or the test ends: a slow or hostile receiver. Bound before it serves; events tell the test
    how far it got, without sleeping.

    ``with Trickler() as t: ... t.url ... t.trickling.wait(5) ... t.hung_up.wait(5)``.
    """

    def __init__(
        self, head: bytes = HUGE_HEAD, every: float = 0.05, head_every: float | None = None
    ) -> None:
        self.head = head
        self.every = every
        self.head_every = head_every
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.requests: queue.Queue[bytes] = queue.Queue()
        self.trickling = threading.Event()  # a body byte was sent
        self.hung_up = threading.Event()  # the client closed the connection
        self.sent = 0  # body bytes sent, in all
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"

    def __enter__(self) -> Trickler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.sock.close()
        self._thread.join(10)
        assert not self._thread.is_alive()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.sock], [], [], 0.05)
            if not ready:
                continue
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed by __exit__
            with conn:
                self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(dict(_headers(head)).get("content-length", "0"))
        while len(body) < length:
            body += conn.recv(65536)
        self.requests.put(data)
        try:
            if self.head_every is None:
                conn.sendall(self.head)
            else:
                for byte in self.head:
                    conn.sendall(bytes([byte]))
                    if self._closed_by_client(conn, self.head_every):
                        return
            while not self._stop.is_set():
                conn.sendall(b"x")
                self.sent += 1
                self.trickling.set()
                if self._closed_by_client(conn, self.every):
                    return
        except OSError:
            self.hung_up.set()

    def _closed_by_client(self, conn: socket.socket, wait: float) -> bool:
        """Wait up to ``wait`` seconds; whether the client hung up meanwhile."""
        readable, _, _ = select.select([conn], [], [], wait)
        if readable and not conn.recv(1):
            self.hung_up.set()
            return True
        return False


def _headers(head: bytes) -> list[tuple[str, str]]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return [(k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines)]
