"""Shared fixtures: the app with a controllable clock, and one API client per transport.

Every Sentry-API test runs twice, through Flask's test client and over a real socket, through
the :class:`Api` adapter; every response is checked against its schema (success bodies by the
server itself, error bodies here), and any unexpected server error fails the test.
"""

from __future__ import annotations

import http.client
import json
import shutil
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from mockserver import create_app
from mockserver.config import Config
from mockserver.testing import MockServer

PROJECT = "/api/0/projects/my-org/my-project/"
TOKEN = "sntrys_TOKEN"
READONLY = "sntryu_READONLY"
WRITE = "sntryu_WRITE"
NOW = 1_700_000_000
CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium, which the browser tests drive with Playwright (whose own browser download
is not used); without it they are skipped, and the run says so in one line."""
ERROR_SCHEMAS = (
    "error-detail",
    "error-list",
    "error-fields",
    "error-feature",
    "error-internal",
    "error-internal-project",
    "error-redirect",
    "error-trailing-slash",
    "error-rate-limit",
)


class FakeClock:
    """A clock tests set by hand."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Reply:
    """A response, whatever the transport."""

    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Api:
    """Calls the mock through Flask's test client or over a real socket, the same way."""

    def __init__(self, app: Flask, transport: str, server: MockServer | None) -> None:
        self.app = app
        self.transport = transport
        self.server = server
        self._client = app.test_client()

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = TOKEN,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if token is not None:
            sent.setdefault("Authorization", f"Bearer {token}")
        body = data
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        if self.transport == "client":
            r = self._client.open(path, method=method, data=body, headers=sent)
            reply = Reply(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.data)
        else:
            assert self.server is not None
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
            try:
                conn.request(method, path, body=body, headers=sent)
                resp = conn.getresponse()
                reply = Reply(
                    resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
                )
            finally:
                conn.close()
        self._check_error_shape(reply)
        return reply

    def _check_error_shape(self, reply: Reply) -> None:
        if reply.status < 400 or not reply.raw:
            return
        if not (reply.header("content-type") or "").startswith("application/json"):
            return
        registry = self.app.extensions["mockserver"].registry
        body = reply.json
        assert any(registry.is_valid(schema, body) for schema in ERROR_SCHEMAS), body

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Reply:
        return self.call("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Reply:
        return self.call("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.call("DELETE", path, **kw)


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def _session_server(clock: FakeClock) -> Iterator[MockServer]:
    server = MockServer(Config(validate_responses=True, clock=clock))
    with server:
        yield server


@pytest.fixture
def server(_session_server: MockServer, clock: FakeClock) -> Iterator[MockServer]:
    """The session's live server, reset before the test and checked for server errors after."""
    clock.now = NOW
    _session_server.reset()
    _session_server.state.take_errors()
    yield _session_server
    _session_server.check()


@pytest.fixture
def app(server: MockServer) -> Flask:
    return server.app


@pytest.fixture(params=["client", "socket"])
def api(request: pytest.FixtureRequest, server: MockServer) -> Api:
    """The Sentry API through one transport (each test runs with both)."""
    return Api(server.app, request.param, server)


@pytest.fixture
def make_app(clock: FakeClock) -> Any:
    """Build a separate app from an inline scenario (for scenario-specific behaviour)."""

    def make(scenario: Mapping[str, Any] | None = None, **settings: Any) -> Flask:
        return create_app(
            Config(scenario=scenario, validate_responses=True, clock=clock, **settings)
        )

    return make


# --- the browser tests -------------------------------------------------------------------------


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when they can."""
    if shutil.which(CHROMIUM) is None:
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the tests marked ``browser`` (and only those) where Chromium is missing."""
    why = chromium_missing()
    if why is None:
        return
    skip = pytest.mark.skip(reason=f"browser test: {why}")
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The one line that says the browser tests were skipped, and why."""
    why = chromium_missing()
    if why is not None:
        terminalreporter.write_line(f"browser tests skipped: {why}")
