"""The request journal: bounded and thread-safe storage, filters, waiting, and the recording of
every request the app answers (over Flask's test client and a real socket)."""

from __future__ import annotations

import http.client
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import cast

import pytest
from flask import Flask
from waitress.server import TcpWSGIServer
from waitress.server import create_server
from werkzeug.wrappers import Response

from mockserver.config import Config
from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next
from mockserver.journal import recording
from mockserver.journal.journal import Entry
from mockserver.journal.journal import Journal
from mockserver.journal.journal import Violation
from mockserver.journal.query import UNSET
from mockserver.journal.query import FilterError
from mockserver.journal.query import JournalFilter
from mockserver.state import state_of
from mockserver.testing import MockServer
from tests.conftest import NOW
from tests.conftest import PROJECT
from tests.conftest import Api
from tests.conftest import FakeClock

TEMPLATE = "/api/0/projects/{org}/{project}/"


def make_entry(**changes: Any) -> Entry:
    fields: dict[str, Any] = {
        "id": "id",
        "time": float(NOW),
        "method": "GET",
        "scheme": "http",
        "host": "localhost",
        "path": PROJECT,
        "query_string": "",
        "query": (),
        "headers": (),
        "body": b"",
        "body_size": 0,
        "route_name": "project-details",
        "route": TEMPLATE,
        "params": {"org": "my-org", "project": "my-project"},
        "matched": True,
        "status": 200,
        "response_headers": (),
        "response_body": b"",
        "response_size": 0,
        "duration_ms": 1.0,
    }
    fields.update(changes)
    return Entry(**fields)


# --- the journal itself -------------------------------------------------------------------------


def test_journal_numbers_entries_in_order() -> None:
    journal = Journal(10)
    first = journal.record(make_entry(id="a"))
    second = journal.record(make_entry(id="b"))
    assert (first.seq, second.seq) == (1, 2)
    assert [e.id for e in journal.entries()] == ["a", "b"]


def test_record_again_copies_an_entry_with_its_own_time_duration_address_and_number() -> None:
    journal = Journal(2)
    original = journal.record(
        make_entry(id="", client_ip="10.0.0.1", faults=({"fault": "x"},), root_path="/r")
    )
    journal.record_again(original, 5.0, 0.25, "10.0.0.2")
    journal.record_again(original, 6.0, 0.5, None)
    first, second = journal.entries()  # the original was evicted
    prefix = original.id.rsplit("-", 1)[0]
    assert first == original._replace(
        time=5.0, duration_ms=0.25, client_ip="10.0.0.2", id=f"{prefix}-2", seq=2
    )
    assert second == original._replace(
        time=6.0, duration_ms=0.5, client_ip=None, id=f"{prefix}-3", seq=3
    )
    assert type(second) is Entry
    assert journal.stats().evicted == 1
    journal.enabled = False
    journal.record_again(original, 7.0, 0.5, None)
    assert journal.stats().recorded == 3


def test_journal_evicts_the_oldest_and_counts_evictions() -> None:
    journal = Journal(3)
    for n in range(5):
        journal.record(make_entry(id=str(n)))
    assert [e.id for e in journal.entries()] == ["2", "3", "4"]
    assert journal.stats().to_json() == {
        "size": 3,
        "capacity": 3,
        "evicted": 2,
        "recorded": 5,
        "enabled": True,
    }


def test_journal_clear_resets_counters_but_sequence_numbers_keep_increasing() -> None:
    journal = Journal(2)
    for n in range(3):
        journal.record(make_entry(id=str(n)))
    assert journal.clear() == 2
    assert journal.stats().to_json() == {
        "size": 0,
        "capacity": 2,
        "evicted": 0,
        "recorded": 0,
        "enabled": True,
    }
    assert journal.record(make_entry(id="later")).seq == 4


def test_journal_remove_drops_only_the_matching_entries() -> None:
    journal = Journal(10)
    journal.record(make_entry(id="get"))
    journal.record(make_entry(id="put", method="PUT"))
    assert journal.remove(JournalFilter(method="put")) == 1
    assert [e.id for e in journal.entries()] == ["get"]


def test_journal_get_finds_an_entry_by_id_or_seq() -> None:
    journal = Journal(10)
    entry = journal.record(make_entry(id="abc"))
    assert journal.get("abc") is entry
    assert journal.get(str(entry.seq)) is entry
    assert journal.get("nope") is None


def test_disabled_journal_records_nothing() -> None:
    journal = Journal(10, enabled=False)
    journal.record(make_entry())
    assert journal.entries() == ()
    assert journal.stats().enabled is False


def test_journal_needs_room_for_one_entry() -> None:
    with pytest.raises(ValueError, match="at least one entry, got capacity 0"):
        Journal(0)


def test_snapshots_do_not_change_when_the_journal_does() -> None:
    journal = Journal(10)
    journal.record(make_entry(id="a"))
    snapshot = journal.entries()
    journal.record(make_entry(id="b"))
    journal.clear()
    assert [e.id for e in snapshot] == ["a"]


def test_wait_for_returns_at_once_when_the_entries_are_there() -> None:
    journal = Journal(10)
    journal.record(make_entry(id="a"))
    journal.record(make_entry(id="b", method="POST"))
    found = journal.wait_for(JournalFilter(method="POST"), timeout=0)
    assert found is not None
    assert [e.id for e in found] == ["b"]


def test_wait_for_wakes_when_another_thread_records() -> None:
    journal = Journal(10)
    waiting = threading.Event()
    results: list[tuple[Entry, ...] | None] = []

    def waiter() -> None:
        waiting.set()
        results.append(journal.wait_for(JournalFilter(method="DELETE"), count=2, timeout=30))

    thread = threading.Thread(target=waiter)
    thread.start()
    waiting.wait()
    journal.record(make_entry(id="1", method="DELETE"))
    journal.record(make_entry(id="2", method="GET"))
    journal.record(make_entry(id="3", method="DELETE"))
    thread.join()
    assert results[0] is not None
    assert [e.id for e in results[0]] == ["1", "3"]


def test_wait_for_gives_none_after_the_timeout() -> None:
    journal = Journal(10)
    journal.record(make_entry(method="GET"))
    assert journal.wait_for(JournalFilter(method="POST"), timeout=0.01) is None


# --- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "matches"),
    [
        (JournalFilter(method="get"), True),
        (JournalFilter(method="POST"), False),
        (JournalFilter(path=PROJECT), True),
        (JournalFilter(path="/api/0/projects/my-org/other/"), False),
        (JournalFilter(path=TEMPLATE), True),
        (JournalFilter(path="/api/0/projects/{org}/{project}/users/"), False),
        (JournalFilter(path="project-details"), True),
        (JournalFilter(path="project-users"), False),
        (JournalFilter(path=f"http://localhost{PROJECT}?per_page=2"), True),
        (JournalFilter(path=f"http://localhost{PROJECT}?per_page=3"), False),
        (JournalFilter(status=200), True),
        (JournalFilter(status="2xx"), True),
        (JournalFilter(status="4XX"), False),
        (JournalFilter(since=NOW), True),
        (JournalFilter(since=NOW + 1), False),
        (JournalFilter(since="2023-11-14T22:13:20Z"), True),
        (JournalFilter(since=datetime.fromtimestamp(NOW + 1, tz=UTC)), False),
        (JournalFilter(unmatched=False), True),
        (JournalFilter(unmatched=True), False),
        (JournalFilter(violations=True), True),
        (JournalFilter(query={"per_page": "2"}), True),
        (JournalFilter(query={"per_page": 2}), True),
        (JournalFilter(query={"per_page": "3"}), False),
        (JournalFilter(query={"include": ["stats", "x"]}), True),
        (JournalFilter(query={"include": ["stats"]}), False),
        (JournalFilter(query={"cursor": None}), True),
        (JournalFilter(query={"per_page": None}), False),
        (JournalFilter(json={"name": "x"}), True),
        (JournalFilter(json={"name": "y"}), False),
        (JournalFilter(json=None), False),
    ],
)
def test_filter_conditions(where: JournalFilter, matches: bool) -> None:
    entry = make_entry(
        query=(("per_page", "2"), ("include", "stats"), ("include", "x")),
        query_string="per_page=2&include=stats&include=x",
        body=b'{"name":"x"}',
        body_size=12,
        violations=(Violation("unknown-query-parameter", "x"),),
    )
    assert where.matches(entry) is matches


def test_filter_explains_each_mismatch() -> None:
    where = JournalFilter(method="POST", path=TEMPLATE, query={"per_page": "5"}, status=201)
    entry = make_entry(query=(("per_page", "2"),), query_string="per_page=2")
    assert where.mismatches(entry) == [
        "method GET, not POST",
        "status 200, not 201",
        "query per_page='2', expected '5'",
    ]


def test_json_filter_on_a_body_that_is_not_json() -> None:
    entry = make_entry(body=b"not json", body_size=8)
    assert JournalFilter(json={"a": 1}).mismatches(entry) == ["body is not JSON"]


def test_filter_from_mapping_reads_query_string_values() -> None:
    values = {
        "method": "get",
        "route": TEMPLATE,
        "status": "4xx",
        "since": "1700000000",
        "unmatched": "true",
        "violations": "false",
        "limit": "5",
    }
    assert JournalFilter.from_mapping(values) == JournalFilter(
        method="GET",
        path=TEMPLATE,
        status="4xx",
        since=1_700_000_000.0,
        unmatched=True,
        violations=False,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"methd": "GET"}, "unknown filter 'methd'; known: method, path, route"),
        ({"status": "abc"}, "status must be a status code such as 404 or a class such as 4xx"),
        ({"status": 99}, "got 99"),
        ({"since": "yesterday"}, "since must be epoch seconds or an ISO 8601 time"),
        ({"unmatched": "maybe"}, "unmatched must be true or false, got 'maybe'"),
        ({"path": 3}, "path must be a string, got 3"),
        ({"query": ["a"]}, "query must be an object of parameter: value"),
    ],
)
def test_filter_from_mapping_rejects_bad_values(data: dict[str, Any], message: str) -> None:
    with pytest.raises(FilterError, match=message):
        JournalFilter.from_mapping(data)


def test_unset_is_not_none() -> None:
    assert JournalFilter().json is UNSET
    assert repr(UNSET) == "UNSET"
    assert not UNSET


# --- recording through the app ------------------------------------------------------------------


def test_a_request_is_recorded_with_its_request_and_response(api: Api, app: Flask) -> None:
    reply = api.get(PROJECT + "?include=stats", headers={"X-Trace": "t-1"})
    assert reply.status == 200

    (entry,) = state_of(app).journal.entries()
    assert (entry.method, entry.path, entry.query_string) == ("GET", PROJECT, "include=stats")
    assert entry.target == PROJECT + "?include=stats"
    assert entry.url.endswith(PROJECT + "?include=stats")
    assert entry.url.startswith("http://")
    assert entry.query == (("include", "stats"),)
    assert entry.header("authorization") == "Bearer sntrys_TOKEN"
    assert entry.header("X-Trace") == "t-1"
    assert (entry.route, entry.route_name, dict(entry.params)) == (
        TEMPLATE,
        "project-details",
        {"org": "my-org", "project": "my-project"},
    )
    assert entry.matched is True
    assert entry.status == 200
    assert entry.response_header("Content-Type") == "application/json"
    assert entry.response_header("Access-Control-Allow-Origin") == "*"
    assert entry.response_json == reply.json
    assert entry.response_size == len(reply.raw)
    assert entry.time == NOW
    assert entry.duration_ms >= 0
    assert entry.violations == ()
    assert entry.error is None
    assert entry.client_ip == "127.0.0.1"


def test_a_json_body_is_recorded(api: Api, app: Flask) -> None:
    reply = api.post(
        PROJECT + "hooks/", json_body={"url": "https://example.com/h", "events": ["event.alert"]}
    )
    assert reply.status == 201
    (entry,) = state_of(app).journal.entries()
    assert entry.json == {"url": "https://example.com/h", "events": ["event.alert"]}
    assert entry.body_size == len(entry.body)
    assert entry.response_json["url"] == "https://example.com/h"


def test_the_catch_all_404_is_recorded_as_unmatched(api: Api, app: Flask) -> None:
    reply = api.get("/api/0/projects/my-org/my-project/users")
    assert reply.status == 404
    (entry,) = state_of(app).journal.entries()
    assert (entry.status, entry.route, entry.matched) == (404, None, False)
    assert [v.code for v in entry.violations] == ["missing-trailing-slash"]
    assert entry.response_body == reply.raw


def test_pipeline_refusals_are_recorded_with_their_route(api: Api, app: Flask) -> None:
    assert api.call("PATCH", PROJECT).status == 403
    assert api.post(PROJECT).status == 405
    assert api.get(PROJECT, token=None).status == 401
    patch, post, anonymous = state_of(app).journal.entries()
    assert (patch.status, patch.route, patch.matched) == (403, TEMPLATE, False)
    assert (post.status, post.route, post.matched) == (405, TEMPLATE, False)
    assert (anonymous.status, anonymous.route, anonymous.matched) == (401, TEMPLATE, True)
    assert [v.code for v in anonymous.violations] == ["missing-credentials"]


def test_head_answers_are_recorded_without_a_body(api: Api, app: Flask) -> None:
    reply = api.call("HEAD", PROJECT)
    assert reply.status == 403
    (entry,) = state_of(app).journal.entries()
    assert (entry.method, entry.status, entry.response_body, entry.response_size) == (
        "HEAD",
        403,
        b"",
        0,
    )


def test_admin_and_openapi_calls_are_not_recorded(api: Api, app: Flask) -> None:
    assert api.get("/__admin/requests", token=None).status == 200
    assert api.get("/__admin/health", token=None).status == 200
    assert state_of(app).journal.entries() == ()


def test_an_unexpected_exception_lands_in_the_journal(
    api: Api, app: Flask, server: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(ex: Exchange) -> Response:
        raise RuntimeError("kaput")

    monkeypatch.setitem(state_of(app).pipeline.handlers["project-details"], "GET", boom)
    cache = state_of(app).response_cache
    assert cache is not None
    cache.clear()  # the scenario's answer, kept across resets, would not reach the view
    reply = api.get(PROJECT)
    assert reply.status == 500
    error_id = reply.json["errorId"]
    (entry,) = state_of(app).journal.entries()
    assert entry.status == 500
    assert entry.error == f"RuntimeError: kaput (errorId {error_id})"
    with pytest.raises(Exception, match="kaput"):
        server.check()


def test_a_response_that_never_finishes_is_still_recorded(make_app: Any) -> None:
    app = make_app()

    def broken(ex: Exchange, inner: Next) -> Response:
        inner(ex)
        raise LookupError("after-request hook failed")

    state_of(app).pipeline.insert("record", "broken", broken)

    reply = app.test_client().get(PROJECT, headers={"Authorization": "Bearer sntrys_TOKEN"})
    assert reply.status_code == 500
    (entry,) = state_of(app).journal.entries()
    assert (entry.method, entry.path, entry.status) == ("GET", PROJECT, 500)
    assert entry.error == "LookupError: after-request hook failed"
    assert entry.route == TEMPLATE


def test_long_bodies_are_cut_but_their_size_is_kept(
    api: Api, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recording, "MAX_RESPONSE_BODY", 10)
    monkeypatch.setattr(recording, "MAX_REQUEST_BODY", 5)
    reply = api.put(PROJECT, json_body={"isBookmarked": True})
    assert reply.status == 200
    (entry,) = state_of(app).journal.entries()
    assert entry.body == b'{"isB'
    assert entry.body_size == len(b'{"isBookmarked": true}')
    assert entry.response_body == reply.raw[:10]
    assert entry.response_size == len(reply.raw)


def test_journal_size_comes_from_the_config(make_app: Any) -> None:
    app = make_app(journal_size=2)
    client = app.test_client()
    for _ in range(3):
        reply = client.get(PROJECT, headers={"Authorization": "Bearer sntrys_TOKEN"})
        assert reply.status_code == 200
    assert state_of(app).journal.stats().to_json() == {
        "size": 2,
        "capacity": 2,
        "evicted": 1,
        "recorded": 3,
        "enabled": True,
    }


def test_the_time_is_the_apps_clock(api: Api, app: Flask, clock: FakeClock) -> None:
    clock.now = NOW + 60
    api.get(PROJECT)
    (entry,) = state_of(app).journal.entries()
    assert entry.time == NOW + 60


# --- concurrency --------------------------------------------------------------------------------

CLIENTS = 16
PER_CLIENT = 2_000
# The clients run in their own process, so that their parsing does not compete with the server
# for the GIL: 16 threads that start together (a Barrier), each on its own keep-alive
# connection, sending its requests in pipelined batches and reading every answer. A mix of
# answers: 200 (the whole pipeline), 200 (a preflight), 401 and 403 (refused by the pipeline,
# the last one unmatched). It prints the statuses each client read, as JSON.
CLIENT_SCRIPT = """
import json, socket, sys, threading
port, clients, per_client, batch = map(int, sys.argv[1:5])
project = "/api/0/projects/my-org/my-project/"
kinds = [("GET", project, True), ("OPTIONS", project + "hooks/", False),
         ("GET", project + "users/", False), ("PATCH", project, True)]
barrier = threading.Barrier(clients)
statuses = {}

def client(number):
    requests = []
    for n in range(per_client):
        method, path, auth = kinds[n % len(kinds)]
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"X-Client-Seq: {number}-{n}"]
        if auth:
            lines.append("Authorization: Bearer sntrys_TOKEN")
        requests.append(("\\r\\n".join(lines) + "\\r\\n\\r\\n").encode())
    got = []
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        reader = sock.makefile("rb")
        barrier.wait()
        for start in range(0, per_client, batch):
            sock.sendall(b"".join(requests[start:start + batch]))
            for _ in requests[start:start + batch]:
                got.append(int(reader.readline().split()[1]))
                length = 0
                while (line := reader.readline()) not in (b"\\r\\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                reader.read(length)
        reader.close()
    statuses[number] = got

threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(statuses))
"""


@contextmanager
def waitress_serving(app: Flask) -> Iterator[int]:
    """The app on waitress (keep-alive, a thread pool; one of ``mockserver serve``'s servers), in
    this process, so that the test reads the journal itself."""
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    assert isinstance(server, TcpWSGIServer)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            channels = server._map  # type: ignore[attr-defined]
            server.asyncore.loop(timeout=0.05, map=channels, use_poll=True, count=1)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield server.effective_port  # type: ignore[attr-defined]
    finally:
        stop.set()
        thread.join()
        # Workers first: a finishing task pulls the trigger, which must still be open.
        server.task_dispatcher.shutdown()
        for channel in list(server._map.values()):  # type: ignore[attr-defined]
            channel.close()


@pytest.mark.slow
def test_concurrent_clients_leave_exactly_the_requests_they_made(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    # waitress warns of every queued request; 32,000 captured warnings would slow the test.
    caplog.set_level(logging.ERROR, logger="waitress")
    # Room for every entry, in number and in bytes (32,000 entries outgrow the default budget).
    settings = Config(journal_size=CLIENTS * PER_CLIENT + 1, journal_bytes=1 << 30, clock=clock)
    app = MockServer(settings).app
    with waitress_serving(app) as port:
        done = subprocess.run(
            [sys.executable, "-c", CLIENT_SCRIPT, str(port), str(CLIENTS), str(PER_CLIENT), "10"],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )

    statuses = json.loads(done.stdout)
    assert sorted(map(int, statuses)) == list(range(CLIENTS))
    assert all(s == [200, 200, 401, 403] * (PER_CLIENT // 4) for s in statuses.values())
    journal = state_of(app).journal
    entries = journal.entries()
    assert len(entries) == CLIENTS * PER_CLIENT
    assert journal.stats().evicted == 0
    sent = [e.header("X-Client-Seq") or "" for e in entries]
    assert set(sent) == {f"{c}-{n}" for c in range(CLIENTS) for n in range(PER_CLIENT)}
    assert len(set(sent)) == len(sent)  # none lost (above), none duplicated
    assert len({e.id for e in entries}) == len(entries)
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + len(entries)))
    # Each client sent its requests one after another: the journal keeps that order, and each
    # entry holds its own request's answer.
    by_client: dict[str, list[tuple[int, int]]] = {}
    for seq, entry in zip(sent, entries, strict=True):
        client, _, number = seq.partition("-")
        by_client.setdefault(client, []).append((int(number), entry.status))
    for client, seen in by_client.items():
        assert [number for number, _ in seen] == list(range(PER_CLIENT))
        assert [status for _, status in seen] == statuses[client]
    assert sum(1 for e in entries if not e.matched) == CLIENTS * PER_CLIENT // 4


def test_concurrent_clients_over_mockserver_threads(clock: FakeClock) -> None:
    """The same guarantee on MockServer's werkzeug server (a thread per connection)."""
    per_client = 50
    barrier = threading.Barrier(CLIENTS)
    with MockServer(Config(clock=clock)) as server:

        def client(number: int) -> None:
            barrier.wait()
            for n in range(per_client):
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                conn.request("GET", PROJECT, headers={"X-Client-Seq": f"{number}-{n}"})
                conn.getresponse().read()
                conn.close()

        threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent = [e.header("X-Client-Seq") for e in server.journal.entries()]
    expected = {f"{c}-{n}" for c in range(CLIENTS) for n in range(per_client)}
    assert len(sent) == len(expected)
    assert set(sent) == expected


def test_an_entrys_headers_read_like_a_mapping_and_stay_a_tuple(
    api: Api, server: MockServer
) -> None:
    api.get(PROJECT + "users/?per_page=2", headers={"X-Trace": "a"})
    (entry,) = server.requests()
    answer = entry.response_headers
    assert answer.get("content-type") == "application/json"
    assert answer.get("X-Missing") is None
    assert answer.get("X-Missing", "-") == "-"
    assert answer["LINK"] == entry.response_header("Link")
    assert answer["link"].endswith('rel="next"; results="true"; cursor="2:1:0"')
    with pytest.raises(KeyError):
        answer["X-Missing"]
    # (mypy's strict equality expects pairs in a tuple of pairs: a name is checked at run time)
    assert "access-control-allow-origin" in cast("tuple[object, ...]", answer)
    assert ("Content-Type", "application/json") in answer
    assert entry.headers.getlist("x-trace") == ["a"]
    assert entry.headers.get("Authorization") == "Bearer sntrys_TOKEN"
    # Still the tuple of pairs it was: equal to one, indexable, JSON as a list of pairs.
    assert answer == tuple(answer)
    assert answer[0] == next(iter(answer))
    assert isinstance(answer[0], tuple)
    assert json.loads(json.dumps(answer)) == [list(pair) for pair in answer]
    assert answer.keys()[0] == next(iter(answer))[0]
    assert len(answer.keys()) == len({name for name, _ in answer})
