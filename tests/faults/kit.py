"""Helpers for the fault and rate-limit tests: apps from the default scenario plus faults, the
same app on werkzeug's server (``MockServer``) or on waitress (``mockserver serve --server
waitress``), raw-socket requests, and a sleep that records instead of waiting."""

from __future__ import annotations

import copy
import http.client
import json
import socket
import threading
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import yaml
from flask import Flask
from waitress.server import TcpWSGIServer
from waitress.server import create_server
from werkzeug.wrappers import Response

from mockserver import create_app
from mockserver.config import Config
from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next
from mockserver.resources import default_scenario
from mockserver.state import state_of
from mockserver.testing import MockServer
from tests.conftest import NOW
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.conftest import FakeClock

AUTH: dict[str, str] = {"Authorization": f"Bearer {TOKEN}"}
STATS = PROJECT + "stats/"
USERS = PROJECT + "users/"
HOOKS = PROJECT + "hooks/"
TAG_VALUES = PROJECT + "tags/environment/values/"
SERVERS = ("werkzeug", "waitress")

_DEFAULT = yaml.safe_load(default_scenario().read_text(encoding="utf-8"))


def scenario(**extra: Any) -> dict[str, Any]:
    """The default scenario plus top-level keys, e.g. ``faults={...}``."""
    data: dict[str, Any] = copy.deepcopy(_DEFAULT)
    data.update(extra)
    return data


@dataclass
class Sleeps:
    """A ``sleep`` that records the seconds it was asked to wait, and can block on a hook."""

    seconds: list[float] = field(default_factory=list)
    hook: Callable[[], None] | None = None

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if self.hook is not None:
            self.hook()

    @property
    def ms(self) -> list[float]:
        return [round(s * 1000, 6) for s in self.seconds]


@dataclass
class Kit:
    """An app with a controllable clock, recorded sleeps and the faults each request got."""

    app: Flask
    clock: FakeClock
    sleeps: Sleeps
    recorded: list[list[dict[str, Any]]]

    @property
    def last_faults(self) -> list[dict[str, Any]]:
        return self.recorded[-1]


def make_kit(
    clock: FakeClock | None = None, environ: Mapping[str, str] | None = None, **extra: Any
) -> Kit:
    """An app serving the default scenario plus ``extra`` top-level keys; ``environ`` gives
    ``MOCKSERVER_*`` variables (``MOCKSERVER_FAULTS``...), read as ``Config.from_env`` does."""
    clock = clock or FakeClock(NOW)
    app = create_app(Config.from_env(environ or {}, scenario=scenario(**extra), clock=clock))
    sleeps = Sleeps()
    state_of(app).faults.sleep = sleeps
    recorded: list[list[dict[str, Any]]] = []

    def capture(ex: Exchange, inner: Next) -> Response:
        # Right inside the journal's stage: what the journal sees, complete.
        try:
            return inner(ex)
        finally:
            recorded.append(list(ex.faults))

    pipeline = state_of(app).pipeline
    assert pipeline is not None
    pipeline.insert("record", "capture faults", capture)

    return Kit(app, clock, sleeps, recorded)


@contextmanager
def serving(app: Flask, kind: str) -> Iterator[int]:
    """Serve ``app`` on 127.0.0.1 with werkzeug's threaded server or waitress; yield the port."""
    if kind == "werkzeug":
        with MockServer(app) as server:
            yield server.port
        return
    waitress = create_server(
        app, host="127.0.0.1", port=0, threads=4, asyncore_loop_timeout=0.05, ident="mockserver"
    )
    assert isinstance(waitress, TcpWSGIServer)
    assert waitress.socket is not None
    thread = threading.Thread(target=waitress.run, daemon=True)
    thread.start()
    try:
        yield int(waitress.socket.getsockname()[1])
    finally:
        # Close from the server's own loop: closing its sockets from this thread would pull
        # them from under the select() the loop is in.
        waitress.trigger.pull_trigger(waitress.close)  # type: ignore[attr-defined]
        thread.join(timeout=5)
        assert not thread.is_alive()


@dataclass
class Got:
    """What an ``http.client`` client got: a response, or the exception it raised (and when)."""

    status: int | None = None
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: BaseException | None = None
    failed_reading_body: bool = False

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def http_get(
    port: int,
    path: str,
    headers: Mapping[str, str] | None = None,
    method: str = "GET",
    body: bytes | None = None,
) -> Got:
    """A request with ``http.client``, as most Python clients make it."""
    got = Got()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={**AUTH, **(headers or {})})
        response = conn.getresponse()
        got.status, got.reason = response.status, response.reason
        got.headers = {k.lower(): v for k, v in response.getheaders()}
        try:
            got.body = response.read()
        except Exception as exc:  # the test asserts on the exact type
            got.error, got.failed_reading_body = exc, True
    except Exception as exc:  # the test asserts on the exact type
        got.error = exc
    finally:
        conn.close()
    return got


def raw_exchange(port: int, path: str, headers: Mapping[str, str] | None = None) -> bytes:
    """Send a GET on a bare socket and read until the server closes: every byte it sent.

    :raises ConnectionResetError: if the server reset the connection.
    """
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in {**AUTH, **(headers or {})}.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks: list[bytes] = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
