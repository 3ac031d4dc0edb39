"""The proxy in front of a small upstream of the test's own: what it forwards, what it returns,
the drift it reports (a key, a type, a status the mock's schemas do not describe), and a bad
upstream (unreachable, 401, 429 with Retry-After, no answer, 500). Each through Flask's test
client and over a real socket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from flask import Flask

from mockserver.app import create_app
from mockserver.cli import main
from mockserver.errors import ConfigError
from mockserver.journal.journal import Entry
from mockserver.proxy.app import create_proxy_app
from mockserver.proxy.drift import RESPONSE_DRIFT
from mockserver.state import state_of
from mockserver.testing import MockServer
from tests.record.upstreams import Canned
from tests.record.upstreams import Scripted
from tests.record.upstreams import closed_port
from tests.record.upstreams import scripted

DETAILS = "/api/0/projects/my-org/my-project/"
TEMPLATE = "/api/0/projects/{org}/{project}/"
AUTH = {"Authorization": "Bearer sntrys_REAL_TOKEN"}
LIMITED = (
    "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"
)


@pytest.fixture(scope="module")
def project_body() -> dict[str, Any]:
    """What the mock answers for project details: a body its schema describes whole."""
    client = create_app({"response_cache": False}).test_client()
    body: dict[str, Any] = client.get(
        DETAILS, headers={"Authorization": "Bearer sntrys_TOKEN"}
    ).get_json()
    return body


class Through:
    """Requests through a proxy app, by the test client or over a socket."""

    def __init__(self, app: Flask, server: MockServer | None) -> None:
        self.app = app
        self.server = server

    def get(self, path: str, **kw: Any) -> tuple[int, dict[str, str], bytes]:
        return self.call("GET", path, **kw)

    def call(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {**AUTH, **(headers or {})}
        if self.server is None:
            answer = self.app.test_client().open(path, method=method, headers=headers, data=body)
            return answer.status_code, dict(answer.headers), answer.get_data()
        sent = requests.request(
            method, self.server.url_for(path), headers=headers, data=body, timeout=30
        )
        return sent.status_code, dict(sent.headers), sent.content

    def entries(self) -> list[Entry]:
        return list(state_of(self.app).journal.entries())


@pytest.fixture(params=["test-client", "socket"])
def through(request: pytest.FixtureRequest) -> Iterator[Any]:
    """``make(upstream_url, **options)`` → :class:`Through`, and the proxy's notices."""
    said: list[str] = []
    started: list[MockServer] = []

    def make(url: str, **options: Any) -> Through:
        app = create_proxy_app(url, say=said.append, **options)
        if request.param == "test-client":
            return Through(app, None)
        server = MockServer(app).start()
        started.append(server)
        return Through(app, server)

    yield make, said
    for server in started:
        server.stop()


def drift_of(entry: Entry) -> list[tuple[str, str, tuple[str, ...], str]]:
    return [
        (v.code, v.severity, v.location, v.message)
        for v in entry.violations
        if v.code == RESPONSE_DRIFT
    ]


def test_a_key_and_a_type_the_schemas_do_not_describe_are_reported_and_the_answer_unchanged(
    through: Any, project_body: dict[str, Any]
) -> None:
    make, said = through
    body = {**project_body, "brandNewKey": {"x": 1}, "slug": 5}
    raw = json.dumps(body).encode()
    with scripted(Canned(200, raw=raw, headers=(("X-Upstream", "yes"),))) as up:
        proxy = make(up.url)
        status, headers, answered = proxy.get(DETAILS)
    assert (status, answered) == (200, raw)
    assert headers["X-Upstream"] == "yes"
    (entry,) = proxy.entries()
    assert drift_of(entry) == [
        (
            RESPONSE_DRIFT,
            "warning",
            ("response", "body", "slug"),
            f"GET {TEMPLATE} → 200: body.slug: expected string, got int 5 (schema project)",
        ),
        (
            RESPONSE_DRIFT,
            "warning",
            ("response", "body", "brandNewKey"),
            f"GET {TEMPLATE} → 200: body.brandNewKey: a key the mock's schema project does not "
            "describe",
        ),
    ]
    assert said == [
        f"mockserver proxy: drift: GET {TEMPLATE} → 200: body.slug: expected string, got int 5 "
        "(schema project) (and 1 more)"
    ]


def test_a_nested_key_of_an_item_is_reported_where_it_is(through: Any) -> None:
    make, _ = through
    user = {
        "id": None,
        "tagValue": "email:a@b.example",
        "identifier": None,
        "username": None,
        "email": "a@b.example",
        "name": "a@b.example",
        "ipAddress": None,
        "avatarUrl": "https://gravatar.com/avatar/x",
        "hash": "0" * 32,
        "dateCreated": None,
        "lastSeen": "2025-01-01T00:00:00Z",
    }
    with scripted(Canned(200, [user])) as up:
        proxy = make(up.url)
        assert proxy.get(DETAILS + "users/")[0] == 200
    (entry,) = proxy.entries()
    assert [(v.location, v.message) for v in entry.violations] == [
        (
            ("response", "body", "0", "lastSeen"),
            f"GET {TEMPLATE}users/ → 200: body[0].lastSeen: unknown key 'lastSeen' "
            "(schema event-users)",
        )
    ]


def test_a_status_the_schemas_do_not_describe_is_reported(through: Any) -> None:
    make, said = through
    with scripted(Canned(418, {"detail": "I'm a teapot"})) as up:
        proxy = make(up.url)
        assert proxy.get(DETAILS)[0] == 418
    (entry,) = proxy.entries()
    message = (
        f"GET {TEMPLATE} → 418: status 418 is not one the mock's contract describes (it "
        "describes 200, 302, 401, 403, 404, 429)"
    )
    assert drift_of(entry) == [(RESPONSE_DRIFT, "warning", ("response", "status"), message)]
    assert said == [f"mockserver proxy: drift: {message}"]


def test_the_request_is_forwarded_whole_but_its_hop_by_hop_headers(through: Any) -> None:
    make, _ = through
    created = {
        "id": "a" * 32,
        "url": "https://example.com/h",
        "secret": "b" * 64,
        "status": "active",
        "events": ["event.alert"],
        "dateCreated": "2025-01-01T00:00:00Z",
    }
    with scripted(Canned(201, created)) as up:
        proxy = make(up.url)
        status, _, answered = proxy.call(
            "POST",
            DETAILS + "hooks/?x=%2F1",
            headers={
                "Content-Type": "application/json",
                "Connection": "keep-alive, X-Private",
                "X-Private": "not for the upstream",
                "Accept-Encoding": "gzip",
                "X-Request-Id": "r-1",
            },
            body=b'{"url": "https://example.com/h", "events": ["event.alert"]}',
        )
        seen = up.seen.get(timeout=5)
    assert (status, json.loads(answered)) == (201, created)
    assert (seen.method, seen.path) == ("POST", DETAILS + "hooks/?x=%2F1")
    assert seen.body == b'{"url": "https://example.com/h", "events": ["event.alert"]}'
    assert seen.headers["Authorization"] == AUTH["Authorization"]
    assert seen.headers["X-Request-Id"] == "r-1"
    assert seen.headers["Host"] == up.url.removeprefix("http://")
    assert seen.headers["Content-Length"] == "59"
    assert "X-Private" not in seen.headers
    assert "Accept-Encoding" not in seen.headers
    (entry,) = proxy.entries()
    # The body is one the hooks' schema accepts; the query parameter is not Sentry's.
    assert [(v.code, v.location) for v in entry.violations] == [
        ("unknown-query-parameter", ("query", "x"))
    ]


def test_an_unreachable_upstream_answers_502_with_one_line(through: Any) -> None:
    make, said = through
    port = closed_port()
    proxy = make(f"http://127.0.0.1:{port}")
    status, headers, answered = proxy.get(DETAILS)
    detail = (
        f"cannot connect to 127.0.0.1:{port} (http://127.0.0.1:{port}{DETAILS}): connection refused"
    )
    assert (status, headers["Content-Type"]) == (502, "application/problem+json")
    assert json.loads(answered) == {
        "type": "urn:mockserver:problem:upstream",
        "title": "Bad gateway",
        "status": 502,
        "detail": detail,
    }
    assert said == [f"mockserver proxy: GET {DETAILS}: {detail} (answered 502)"]
    (entry,) = proxy.entries()
    assert entry.status == 502


def test_an_upstream_that_does_not_answer_in_time_answers_504(through: Any) -> None:
    make, said = through
    with scripted(Canned(hang=True)) as up:
        proxy = make(up.url, timeout=0.5)
        status, _, answered = proxy.get(DETAILS)
    detail = f"{up.url}{DETAILS} did not answer within 0.5 s"
    assert (status, json.loads(answered)["detail"]) == (504, detail)
    assert said == [f"mockserver proxy: GET {DETAILS}: {detail} (answered 504)"]


@pytest.mark.parametrize(
    ("canned", "notices"),
    [
        (
            Canned(401, {"detail": "Invalid token"}, (("WWW-Authenticate", 'xBasic realm="api"'),)),
            [],
        ),
        (Canned(429, LIMITED, (("Retry-After", "3"), ("Content-Type", "text/html"))), []),
    ],
    ids=["401", "429"],
)
def test_sentrys_own_errors_pass_unchanged_without_drift(
    through: Any, canned: Canned, notices: list[str]
) -> None:
    make, said = through
    with scripted(canned) as up:
        proxy = make(up.url)
        status, headers, answered = proxy.get(DETAILS)
    assert (status, answered) == (canned.status, canned.payload())
    for name, value in canned.headers:
        assert headers[name] == value
    (entry,) = proxy.entries()
    assert entry.violations == ()
    assert said == notices


def test_a_server_error_passes_unchanged_is_told_and_drifts(through: Any) -> None:
    make, said = through
    failed = Canned(500, {"detail": "Internal Error", "errorId": "c0ffee"})
    with scripted(failed) as up:
        proxy = make(up.url)
        status, _, answered = proxy.get(DETAILS)
    assert (status, answered) == (500, failed.payload())
    (entry,) = proxy.entries()
    assert [v.location for v in entry.violations] == [("response", "status")]
    assert said == [
        f"mockserver proxy: drift: GET {TEMPLATE} → 500: status 500 is not one the mock's "
        "contract describes (it describes 200, 302, 401, 403, 404, 429)"
    ]


def test_the_proxy_refuses_a_url_that_is_not_http() -> None:
    message = (
        "'ftp://sentry.example' is not an http:// or https:// URL with a host (e.g. "
        "https://sentry.io)"
    )
    with pytest.raises(ConfigError) as raised:
        create_proxy_app("ftp://sentry.example")
    assert str(raised.value) == message
    done = CliRunner().invoke(main, ["proxy", "ftp://sentry.example", "--port", "0"])
    assert (done.exit_code, done.output) == (1, f"Error: {message}\n")


def test_scripted_answers_in_order_then_repeat_the_last() -> None:
    up: Scripted
    with scripted(Canned(201), Canned(202)) as up:
        codes = [requests.get(up.url + "/", timeout=5).status_code for _ in range(3)]
    assert codes == [201, 202, 202]
