"""Upstreams for the record and proxy tests: a small HTTP server of the test's own that answers
what it is told (a status, headers, a body, or nothing until released), bound before it
serves; a port nothing listens on; and a field-by-field comparison of JSON bodies."""

from __future__ import annotations

import json
import queue
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.receiver import LocalServer

UPSTREAM_TOKEN = "sntrys_UPSTREAM_SECRET_7f3a9c"
"""The token of tests/record/upstream.yaml: it must never be written to a recording."""


@dataclass(frozen=True)
class Canned:
    """One answer: ``hang`` answers nothing until the test ends."""

    status: int = 200
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    hang: bool = False
    raw: bytes | None = None

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return b"" if self.body is None else json.dumps(self.body).encode()


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Scripted(LocalServer):
    """``with Scripted(answer, ...) as up: ... up.url ...``: each request gets the next answer
    (the last repeats), or ``answer(method, path)`` when given a function."""

    answers: tuple[Canned | Callable[[str, str], Canned], ...]
    seen: queue.Queue[Seen] = field(default_factory=queue.Queue)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        outer = self
        lock = threading.Lock()
        served = [0]

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(length) if length else b""
                outer.seen.put(Seen(self.command, self.path, dict(self.headers.items()), body))
                with lock:
                    answer = outer.answers[min(served[0], len(outer.answers) - 1)]
                    served[0] += 1
                canned = answer if isinstance(answer, Canned) else answer(self.command, self.path)
                if canned.hang:
                    outer.release.wait(30)
                    self.close_connection = True
                    return
                payload = canned.payload()
                self.send_response(canned.status)
                names = {k.lower() for k, _ in canned.headers}
                if canned.body is not None and "content-type" not in names:
                    self.send_header("Content-Type", "application/json")
                for name, value in canned.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._bind(Handler)


def scripted(*answers: Canned | Callable[[str, str], Canned]) -> Scripted:
    """A :class:`Scripted` upstream (not started: use it in ``with``)."""
    return Scripted(tuple(answers))


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then closed: connecting is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def assert_same(expected: Any, actual: Any, where: str = "$") -> None:
    """Compare two JSON values field by field; the message names the first field that
    differs."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        assert sorted(actual) == sorted(expected), f"{where}: keys differ"
        for key in expected:
            assert_same(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, list) and isinstance(actual, list):
        assert len(actual) == len(expected), f"{where}: {len(actual)} items, not {len(expected)}"
        for i, (a, b) in enumerate(zip(expected, actual, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
