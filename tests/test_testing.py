"""MockServer's Python API: querying the journal, assertions with helpful failures, waiting for a
request without sleeping, and the server's lifecycle."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mockserver.config import Config
from mockserver.errors import ConfigError
from mockserver.errors import MockServerError
from mockserver.errors import ScenarioError
from mockserver.journal.journal import Journal
from mockserver.journal.query import JournalFilter
from mockserver.state import ServerError
from mockserver.testing import MockServer
from mockserver.testing import ServerStartError
from tests.conftest import NOW
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.conftest import FakeClock
from tests.deadline import within
from tests.journal.test_journal import make_entry
from tests.world.test_bounds import DEEP_FLOW
from tests.world.test_bounds import LAUGHS
from tests.world.test_bounds import deep_mapping

USERS = "/api/0/projects/{org}/{project}/users/"
TINY = {
    "version": 1,
    "name": "tiny",
    "tokens": [{"token": "t", "scopes": ["project:read"]}],
    "organizations": [{"id": "1", "slug": "o", "projects": [{"id": "2", "slug": "p"}]}],
}


@pytest.fixture(scope="module")
def _module_server(clock: FakeClock) -> Iterator[MockServer]:
    with MockServer(Config(clock=clock)) as server:
        yield server


@pytest.fixture
def mock(_module_server: MockServer, clock: FakeClock) -> Iterator[MockServer]:
    clock.now = NOW
    _module_server.prepare()
    yield _module_server
    _module_server.check()


def call(
    server: MockServer,
    method: str,
    path: str,
    *,
    token: str | None = TOKEN,
    body: Any = None,
) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=data, headers=headers)
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


# --- querying -----------------------------------------------------------------------------------


def test_requests_select_by_every_condition(mock: MockServer, clock: FakeClock) -> None:
    assert call(mock, "GET", PROJECT + "users/?per_page=2")[0] == 200
    clock.now = NOW + 60
    assert call(mock, "POST", PROJECT + "hooks/", body={"url": "https://example.com/h"})[0] == 201
    assert call(mock, "GET", PROJECT + "nope/")[0] == 404

    assert [e.method for e in mock.requests()] == ["GET", "POST", "GET"]
    assert [e.path for e in mock.requests("get")] == [PROJECT + "users/", PROJECT + "nope/"]
    assert [e.status for e in mock.requests(path=USERS)] == [200]
    assert [e.status for e in mock.requests(path="project-hooks")] == [201]
    assert [e.status for e in mock.requests(path=PROJECT + "nope/")] == [404]
    assert [e.status for e in mock.requests(status="4xx")] == [404]
    assert [e.method for e in mock.requests(since=NOW + 30)] == ["POST", "GET"]
    later = datetime.fromtimestamp(NOW + 30, tz=UTC)
    assert len(mock.requests(since=later)) == len(mock.requests(since=later.isoformat())) == 2
    assert [e.status for e in mock.requests(query={"per_page": "2"})] == [200]
    assert [e.status for e in mock.requests(json={"url": "https://example.com/h"})] == [201]
    assert [e.path for e in mock.unmatched()] == [PROJECT + "nope/"]
    assert [e.path for e in mock.requests(unmatched=False)] == [
        PROJECT + "users/",
        PROJECT + "hooks/",
    ]
    assert [e.path for e in mock.requests(violations=True)] == [PROJECT + "nope/"]


def test_near_misses_name_the_route_meant(mock: MockServer) -> None:
    call(mock, "GET", PROJECT + "user/")
    call(mock, "GET", PROJECT)
    (entry, nearest), *_others = mock.near_misses()
    assert entry.path == PROJECT + "user/"
    assert nearest.template == USERS
    assert nearest.reasons == ("'user' should be 'users'",)
    assert nearest.suggestion == PROJECT + "users/"
    assert str(nearest) == f"{USERS} ('user' should be 'users'): try {PROJECT}users/"


def test_violations_are_errors_unless_warnings_are_asked(mock: MockServer) -> None:
    call(mock, "GET", PROJECT + "stats/?resolution=1d")
    call(mock, "GET", PROJECT + "?bogus=1")
    assert [(e.path, v.code) for e, v in mock.violations()] == [
        (PROJECT, "unknown-query-parameter")
    ]
    assert [v.code for _, v in mock.violations(warnings=True)] == [
        "unstable-endpoint",
        "unknown-query-parameter",
    ]
    assert mock.violations(allow=("unknown-query-parameter",)) == []


# --- assertions ---------------------------------------------------------------------------------


def test_assert_requested_returns_the_matching_requests(mock: MockServer) -> None:
    call(mock, "GET", PROJECT + "users/?per_page=2")
    call(mock, "GET", PROJECT + "users/?per_page=2&cursor=2:1:0")
    call(mock, "POST", PROJECT + "hooks/", body={"url": "https://example.com/h"})

    assert len(mock.assert_requested("GET", USERS)) == 2
    mock.assert_requested("GET", USERS, count=2, query={"per_page": "2"})
    mock.assert_requested("GET", USERS, count=1, query={"cursor": None})
    mock.assert_requested("GET", PROJECT + "users/", count=2)
    mock.assert_requested("GET", mock.url_for(PROJECT + "users/?cursor=2:1:0"), count=1)
    (hook,) = mock.assert_requested("POST", "project-hooks", json={"url": "https://example.com/h"})
    assert hook.status == 201
    mock.assert_requested("DELETE", PROJECT, count=0)


def test_assert_requested_lists_the_closest_requests_when_it_fails(mock: MockServer) -> None:
    call(mock, "GET", PROJECT)
    call(mock, "GET", PROJECT + "users/?per_page=5")
    call(mock, "POST", PROJECT + "hooks/", body={"url": "https://example.com/h"})
    with pytest.raises(AssertionError) as failed:
        mock.assert_requested("GET", USERS, query={"per_page": "2"})
    seq = {e.method + e.path: e.seq for e in mock.requests()}
    assert str(failed.value) == (
        f"expected GET {USERS} with query {{'per_page': '2'}} to be requested at least once; "
        "it was 0 times.\n"
        "Closest of the 3 recorded requests:\n"
        f"  #{seq['GET' + PROJECT + 'users/']} GET {PROJECT}users/?per_page=5 → 200: "
        "query per_page='5', expected '2'\n"
        f"  #{seq['GET' + PROJECT]} GET {PROJECT} → 200: route /api/0/projects/{{org}}/"
        f"{{project}}/, not {USERS}; query per_page absent, expected '2'\n"
        f"  #{seq['POST' + PROJECT + 'hooks/']} POST {PROJECT}hooks/ → 201: method POST, not GET; "
        f"route /api/0/projects/{{org}}/{{project}}/hooks/, not {USERS}; query per_page absent, "
        "expected '2'"
    )


def test_assert_requested_with_a_count(mock: MockServer) -> None:
    call(mock, "GET", PROJECT)
    call(mock, "GET", PROJECT)
    with pytest.raises(AssertionError, match=r"exactly 1 time; it was 2 times\.$"):
        mock.assert_requested("GET", PROJECT, count=1)
    with pytest.raises(AssertionError, match="to be requested exactly 0 times; it was 2 times"):
        mock.assert_requested("GET", PROJECT, count=0)


def test_assert_requested_on_an_empty_journal(mock: MockServer) -> None:
    with pytest.raises(AssertionError) as failed:
        mock.assert_requested("GET", PROJECT, json={"a": 1})
    assert str(failed.value) == (
        f"expected GET {PROJECT} with JSON body {{'a': 1}} to be requested at least once; "
        "it was 0 times.\nThe journal is empty: no request reached the mock."
    )


def test_assert_no_violations(mock: MockServer) -> None:
    call(mock, "GET", PROJECT)
    call(mock, "GET", PROJECT + "stats/")
    mock.assert_no_violations()
    with pytest.raises(AssertionError, match="unstable-endpoint"):
        mock.assert_no_violations(warnings=True)
    call(mock, "GET", PROJECT + "users/?per-page=2", token=None)
    seq = mock.requests(path=PROJECT + "users/")[0].seq
    with pytest.raises(AssertionError) as failed:
        mock.assert_no_violations()
    assert str(failed.value) == (
        "2 contract violations in 1 request to the Sentry mock:\n"
        f"  #{seq} GET {PROJECT}users/?per-page=2 → 401\n"
        "      missing-credentials (header.Authorization): no Authorization header; Sentry's "
        "API needs 'Authorization: Bearer <token>' (Sentry answers 401)\n"
        "      unknown-query-parameter (query.per-page): 'per-page' is not a query parameter of "
        f"{USERS} (Sentry ignores it; known: query, cursor, per_page); did you mean 'per_page'?"
    )
    mock.assert_no_violations(allow=("missing-credentials", "unknown-query-parameter"))


# --- waiting ------------------------------------------------------------------------------------


def test_wait_for_request_counts_requests_already_made(mock: MockServer) -> None:
    call(mock, "GET", PROJECT)
    (entry,) = mock.wait_for_request("GET", PROJECT, timeout=0)
    assert entry.status == 200


def test_wait_for_request_wakes_when_the_request_arrives(mock: MockServer) -> None:
    job = threading.Thread(
        target=call, args=(mock, "POST", PROJECT + "hooks/"), kwargs={"body": {"url": "x"}}
    )
    job.start()
    try:
        (entry,) = mock.wait_for_request("POST", "project-hooks", status=400, timeout=30)
    finally:
        job.join()
    assert entry.json == {"url": "x"}


def test_a_waiter_is_woken_by_a_recording_thread() -> None:
    waiting = threading.Event()

    class Observed(Journal):
        def _wait(self, *args: Any) -> Any:
            waiting.set()  # the waiter holds the lock until it waits on the condition
            return super()._wait(*args)

    journal = Observed(10)
    recorder = threading.Thread(
        target=lambda: (waiting.wait(), journal.record(make_entry(method="PUT")))
    )
    recorder.start()
    found = journal.wait_for(JournalFilter(method="PUT"), timeout=30)
    recorder.join()
    assert found is not None
    assert [e.method for e in found] == ["PUT"]


def test_wait_for_request_fails_after_the_timeout_with_the_closest(mock: MockServer) -> None:
    call(mock, "GET", PROJECT)
    with pytest.raises(AssertionError) as failed:
        mock.wait_for_request("DELETE", PROJECT, count=2, timeout=0.01)
    seq = mock.requests()[0].seq
    assert str(failed.value) == (
        f"waited 0.01 s for 2 times DELETE {PROJECT}; it came 0 times.\n"
        "Closest of the 1 recorded requests:\n"
        f"  #{seq} GET {PROJECT} → 200: method GET, not DELETE"
    )


# --- state --------------------------------------------------------------------------------------


def test_reset_drops_changes_and_clears_the_journal(mock: MockServer) -> None:
    assert call(mock, "POST", PROJECT + "hooks/", body={"url": "https://example.com/h"})[0] == 201
    mock.reset()
    assert mock.requests() == []
    status, body = call(mock, "GET", PROJECT + "hooks/")
    assert (status, [h["url"] for h in json.loads(body)]) == (
        200,
        ["https://empowerplant.io/sentry-hook"],
    )


def test_load_scenario_replaces_the_world_and_keeps_the_journal(mock: MockServer) -> None:
    call(mock, "GET", PROJECT)
    world = mock.load_scenario(TINY, seed=5)
    assert (world.name, world.seed) == ("tiny", 5)
    assert call(mock, "GET", "/api/0/projects/o/p/", token="t")[0] == 200
    assert [e.status for e in mock.requests()] == [200, 200]
    with pytest.raises(ScenarioError, match=r"no such file"):
        mock.load_scenario("/nowhere/x.yaml")
    assert mock.state.store.world is world


def test_prepare_goes_back_to_the_servers_own_scenario(mock: MockServer) -> None:
    mock.load_scenario(TINY)
    call(mock, "GET", PROJECT)
    mock.state.record_error(_error())
    world = mock.prepare()
    assert world.name == "default"
    assert mock.requests() == []
    mock.check()  # the pending error was dropped
    assert call(mock, "GET", PROJECT)[0] == 200
    assert mock.prepare(TINY, seed=2).seed == 2
    assert mock.prepare(seed=4).name == "default"


def _error() -> ServerError:
    return ServerError("e1", "GET", "/x", RuntimeError("boom"))


def test_check_raises_the_servers_unexpected_errors(mock: MockServer) -> None:
    mock.state.record_error(_error())
    with pytest.raises(MockServerError, match=r"1 unexpected server error\(s\); first: GET /x"):
        mock.check()
    mock.check()


def test_journal_text_is_the_report_of_a_failing_test(mock: MockServer) -> None:
    call(mock, "POST", PROJECT + "hooks/?x=1", body={"events": ["event.alert"]})
    (entry,) = mock.requests()
    text = mock.journal_text()
    lines = text.splitlines()
    assert lines[0] == f"#{entry.seq} POST {PROJECT}hooks/?x=1 → 400 ({entry.duration_ms:.1f} ms)"
    assert lines[1].startswith("    ! unknown-query-parameter (query.x): 'x' is not a query")
    assert (
        lines[2]
        == "    ! invalid-body (body): body: 'url' is a required property (schema hook-create)"
    )
    assert lines[3] == '    body: {"events": ["event.alert"]}'
    assert lines[4] == '    answer: {"url":["This field is required."]}'
    assert mock.journal_text(limit=0).startswith("(1 earlier request not shown)")


def test_an_empty_journal_reads_as_such(mock: MockServer) -> None:
    assert mock.journal_text() == "(no request reached the mock)"


# --- lifecycle ----------------------------------------------------------------------------------


def test_start_stop_and_urls(clock: FakeClock) -> None:
    server = MockServer(Config(clock=clock))
    with pytest.raises(ServerStartError, match="call start\\(\\) first"):
        _ = server.port
    with server:
        assert server.start() is server
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.url_for("api/0/") == server.url + "/api/0/"
        assert call(server, "GET", PROJECT)[0] == 200
    server.stop()
    with pytest.raises(ServerStartError):
        _ = server.url


def test_a_busy_port_is_a_start_error(clock: FakeClock) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = MockServer(Config(clock=clock), port=port)
        with pytest.raises(ServerStartError, match=f"cannot bind 127.0.0.1:{port}"):
            server.start()


@pytest.mark.parametrize("port", [65536, 65537, 70000, -1])
def test_a_port_out_of_range_is_refused_before_anything_binds(port: int) -> None:
    # The resolver would take it modulo 65,536: 65537 bound port 1, 70000 port 4464.
    with pytest.raises(ConfigError) as info:
        MockServer(port=port)
    assert str(info.value) == f"port must be from 0 to 65535, got {port}"


def test_load_scenario_refuses_a_billion_laughs_at_once(mock: MockServer, tmp_path: Path) -> None:
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text(LAUGHS, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        within(lambda: mock.load_scenario(laughs))
    assert str(info.value).startswith(f"{laughs}: line 6, column 7: aliases expand the document")
    assert call(mock, "GET", PROJECT)[0] == 200  # the old scenario stays, and is served


def test_load_scenario_refuses_deeply_nested_yaml_and_data(
    mock: MockServer, tmp_path: Path
) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text(DEEP_FLOW, encoding="utf-8")
    with pytest.raises(ScenarioError, match="nested more than 64 levels deep"):
        within(lambda: mock.load_scenario(deep))
    with pytest.raises(ScenarioError, match="nested more than 64 levels deep"):
        within(lambda: mock.load_scenario(deep_mapping(100_000)))
    assert call(mock, "GET", PROJECT)[0] == 200
