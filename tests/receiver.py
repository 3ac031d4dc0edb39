"""A real HTTP receiver on 127.0.0.1 for webhook tests: records each request in a queue and
answers as told (a status, or hang until released)."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """``with Receiver() as r: ... r.url ... r.received.get(timeout=5)``."""

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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def all(self) -> list[Received]:
        items = []
        while not self.received.empty():
            items.append(self.received.get_nowait())
        return items
