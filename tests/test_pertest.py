"""Faults and one-off answers for one test (``MockServer.fault``, ``MockServer.respond``): each
kind of fault with Sentry's (or nginx's) answer, rate limits, stubs in order and on a path, the
order against faults, the response cache, answers off Sentry's contract marked, bad arguments
refused, and everything undone by its handle, ``undo_all`` and ``reset``."""

from __future__ import annotations

import errno
import json
import re
from typing import Any

import pytest

from mockserver.config import Config
from mockserver.errors import PERMISSION_DENIED
from mockserver.journal.journal import WARNING
from mockserver.journal.journal import Violation
from mockserver.testing import MockServer
from tests.conftest import PROJECT
from tests.conftest import Api
from tests.faults.kit import Sleeps
from tests.faults.kit import http_get
from tests.faults.kit import raw_exchange

HOOKS = PROJECT + "hooks/"
USERS = PROJECT + "users/"
STATS = PROJECT + "stats/"
NEW_HOOK = {"url": "https://example.com/hook", "events": ["event.created"]}
NGINX_503 = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx"
    b"</center>\r\n</body>\r\n</html>\r\n"
)
RATE_LIMITED = (
    '"You are attempting to use this endpoint too frequently. Limit is 2 requests in 60 seconds"'
)


def test_a_fault_answers_nginxs_page_the_times_asked_then_sentrys(
    api: Api, server: MockServer
) -> None:
    with server.fault("project-hooks", status=503, times=2, method="POST") as fault:
        first = api.post(HOOKS, json_body=NEW_HOOK)
        second = api.post(HOOKS, json_body=NEW_HOOK)
        third = api.post(HOOKS, json_body=NEW_HOOK)
        listed = api.get(HOOKS)  # another method: not the rule's
        assert (fault.matched, fault.fired) == (3, 2)
    assert (fault.matched, fault.fired) == (3, 2)  # still readable once undone
    assert [r.status for r in (first, second, third, listed)] == [503, 503, 201, 200]
    assert first.raw == NGINX_503
    assert first.header("Content-Type") == "text/html"
    assert first.header("Access-Control-Allow-Origin") is None  # nginx's: no CORS headers
    entries = server.requests("POST", HOOKS)
    assert [e.faults for e in entries] == [
        ({"source": "test", "rule": "test-1", "fault": "service_unavailable", "status": 503},),
        ({"source": "test", "rule": "test-1", "fault": "service_unavailable", "status": 503},),
        (),
    ]
    assert fault.undone
    assert server.state.faults.rules() == []
    assert api.post(HOOKS, json_body=NEW_HOOK).status == 201


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, {"detail": PERMISSION_DENIED}),
        (404, {"detail": "The requested resource does not exist"}),
        (401, {"detail": "Invalid token"}),
    ],
)
def test_a_status_is_sentrys_own_answer(
    api: Api, server: MockServer, status: int, body: dict[str, str]
) -> None:
    with server.fault("project-details", status=status):
        reply = api.get(PROJECT)
    assert (reply.status, reply.json) == (status, body)
    assert reply.header("Access-Control-Allow-Origin") == "*"  # Sentry's answer: CORS as usual


def test_a_500_carries_sentrys_error_id(api: Api, server: MockServer) -> None:
    with server.fault("*", status=500):
        reply = api.get(USERS)
    assert reply.status == 500
    assert set(reply.json) == {"detail", "errorId"}
    assert reply.json["detail"] == "Internal Error"
    (entry,) = server.requests()
    assert entry.faults[0]["errorId"] == reply.json["errorId"]


def test_a_delay_is_waited_out_and_recorded(
    api: Api, server: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps = Sleeps()
    monkeypatch.setattr(server.state.faults, "sleep", sleeps)
    with server.fault("project-details", delay=250):
        assert api.get(PROJECT).status == 200
    assert sleeps.ms == [250.0]
    (entry,) = server.requests()
    assert entry.faults == ({"source": "test", "rule": "test-1", "delayMs": 250.0},)


def test_a_connection_fault_breaks_the_socket(server: MockServer) -> None:
    with server.fault("project-details", fault="CONNECTION_RESET_BY_PEER"):
        with pytest.raises(ConnectionResetError) as raised:
            raw_exchange(server.port, PROJECT)
        assert raised.value.errno == errno.ECONNRESET
    assert http_get(server.port, PROJECT).status == 200


def test_a_rate_limit_counts_with_sentrys_headers_and_429(api: Api, server: MockServer) -> None:
    with server.fault("project-stats", rate_limit="2/60") as limit:
        replies = [api.get(STATS) for _ in range(3)]
        other = api.get(USERS)
        assert limit.rule is None
        assert (limit.fired, limit.matched) == (None, None)
    assert [r.status for r in replies] == [200, 200, 429]
    assert replies[2].raw.decode() == RATE_LIMITED
    assert [r.header("X-Sentry-Rate-Limit-Remaining") for r in replies] == ["1", "0", "0"]
    assert replies[2].header("X-Sentry-Rate-Limit-Limit") == "2"
    # Other routes keep Sentry's default limit while it is in force.
    assert (other.status, other.header("X-Sentry-Rate-Limit-Limit")) == (200, "999")
    # Undone: back to no limits and no headers (the default scenario's).
    after = api.get(STATS)
    assert (after.status, after.header("X-Sentry-Rate-Limit-Limit")) == (200, None)
    assert server.state.limiter.runtime_policy is None


def test_one_rate_limit_at_a_time_and_not_with_other_kinds(server: MockServer) -> None:
    with (
        server.fault(rate_limit="saas"),
        pytest.raises(ValueError, match="a rate limit set by this test is in force"),
    ):
        server.fault("project-stats", rate_limit="1/1")
    with pytest.raises(ValueError, match="rate_limit= is a fault of its own"):
        server.fault("project-stats", status=503, rate_limit="1/1")
    with pytest.raises(ValueError, match=r"sentry\.io's whole policy: leave route out"):
        server.fault("project-stats", rate_limit="saas")
    with pytest.raises(ValueError, match="use off, saas, LIMIT/WINDOW"):
        server.fault("project-stats", rate_limit="often")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"route": "/api/0/projects/my-org/my-project/hooks/", "status": 503},
            "fault() takes a route, not a path: 'project-hooks' (or its template "
            "'/api/0/projects/{org}/{project}/hooks/') for '/api/0/projects/my-org/my-project/"
            "hooks/'",
        ),
        ({"route": "hooks", "status": 503}, "no route 'hooks'; routes: *, project-details, "),
        (
            {"status": 418},
            "status 418 is not a fault (401, 403, 404, 429, 500, 502, 503, 504); respond() "
            "sets any other answer",
        ),
        ({"fault": "kaput"}, "$.preset: no preset 'kaput' (known: bad_gateway, empty"),
        ({"delay": -5}, "not a fault: $.delay: "),
        ({"status": 503, "times": 0}, "not a fault: $.when.first: 0 is less than the minimum"),
        ({}, "$: the rule does nothing (give it a fault, a status, a preset or a delay)"),
    ],
)
def test_a_fault_the_mock_cannot_use_is_refused_with_the_fix(
    server: MockServer, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        server.fault(**kwargs)
    assert server.state.faults.rules() == []


# --- one-off answers ---------------------------------------------------------------------------


def test_respond_answers_in_place_of_sentry_with_cors_and_a_journal_mark(
    api: Api, server: MockServer
) -> None:
    with server.respond("GET", "project-users", json=[]) as stub:
        reply = api.get(USERS)
        assert stub.calls == 1
    assert stub.calls == 1  # still readable once undone
    assert (reply.status, reply.raw) == (200, b"[]")
    assert reply.header("Content-Type") == "application/json"
    assert reply.header("Access-Control-Allow-Origin") == "*"
    (entry,) = server.requests()
    assert entry.faults == ({"source": "respond", "rule": "respond-1", "status": 200},)
    assert entry.violations == ()  # an empty page is Sentry's
    assert stub.marks == ()
    assert "    answered by respond-1, set by the test (not Sentry's answer)" in (
        server.journal_text()
    )
    assert len(api.get(USERS).json) == 50  # undone: Sentry's page again


def test_stubs_answer_in_the_order_set_until_their_times_are_used(
    api: Api, server: MockServer
) -> None:
    server.respond("GET", "project-users", status=200, json=[], times=1)
    server.respond("GET", "project-users", status=400, json={"detail": "Invalid cursor"}, times=1)
    replies = [api.get(USERS) for _ in range(3)]
    assert [(r.status, len(r.json)) for r in replies] == [(200, 0), (400, 1), (200, 50)]
    assert replies[1].json == {"detail": "Invalid cursor"}
    assert [e.faults[0]["rule"] if e.faults else None for e in server.requests()] == [
        "respond-1",
        "respond-2",
        None,
    ]


def test_a_stub_on_a_path_answers_that_project_only(api: Api, server: MockServer) -> None:
    other = "/api/0/projects/my-org/web-frontend/users/"
    server.respond("GET", "http://127.0.0.1:1" + USERS, json=[], headers={"X-Why": "a test"})
    mine, theirs = api.get(USERS), api.get(other)
    assert (mine.raw, mine.header("X-Why")) == (b"[]", "a test")
    assert (theirs.status, theirs.header("X-Why")) == (200, None)
    assert [e.faults for e in server.requests()] == [
        ({"source": "respond", "rule": "respond-1", "status": 200},),
        (),
    ]


def test_a_fault_on_the_route_comes_before_the_stub(api: Api, server: MockServer) -> None:
    server.fault("project-users", status=503, times=1)
    stub = server.respond("GET", "project-users", json=[])
    assert [api.get(USERS).status, api.get(USERS).status] == [503, 200]
    assert stub.calls == 1


def test_the_response_cache_never_replays_over_a_stub(api: Api, server: MockServer) -> None:
    sentrys = api.get(PROJECT).raw
    assert api.get(PROJECT).raw == sentrys  # kept, and replayed
    with server.respond("GET", "project-details", json={"id": "2"}, times=1):
        assert api.get(PROJECT).raw == b'{"id":"2"}'
        assert api.get(PROJECT).raw == sentrys  # the stub's times are used: Sentry's again
    assert api.get(PROJECT).raw == sentrys


def test_an_answer_off_sentrys_contract_is_given_and_marked(api: Api, server: MockServer) -> None:
    stub = server.respond("GET", "project-details", json={"id": "2"})
    reply = api.get(PROJECT)
    assert (reply.status, reply.json) == (200, {"id": "2"})
    mark = Violation(
        "answer-off-contract",
        "the answer set by respond() to GET /api/0/projects/{org}/{project}/: not Sentry's "
        "project: $: 'slug' is missing (9+ more)",
        ("response", "body"),
        WARNING,
    )
    assert stub.marks == (mark,)
    (entry,) = server.requests()
    assert entry.violations == (mark,)
    assert server.violations() == []  # a warning: assert_no_violations() passes
    assert server.violations(warnings=True) == [(entry, mark)]


@pytest.mark.parametrize(
    ("method", "route", "kwargs", "message"),
    [
        (
            "POST",
            "project-hooks",
            {"status": 418, "json": {"detail": "teapot"}},
            "to POST /api/0/projects/{org}/{project}/hooks/: Sentry answers 201, 302, 400, 401, "
            "403, 404, 413, 415, 429 there, never 418",
        ),
        (
            "DELETE",
            "project-details",
            {"status": 204, "json": {}},
            "to DELETE /api/0/projects/{org}/{project}/: Sentry answers 204 with no body",
        ),
        (
            "PATCH",
            "project-details",
            {"json": {}},
            "to PATCH /api/0/projects/{org}/{project}/: Sentry serves GET, PUT, DELETE there, "
            "not PATCH",
        ),
        (
            "GET",
            "project-users",
            {"body": "<html>"},
            "to GET /api/0/projects/{org}/{project}/users/: Sentry answers 200 with JSON "
            "(event-users), not this body",
        ),
        (
            "GET",
            "project-tag-values",
            {"json": [{"value": "prod", "count": 1}]},
            "not Sentry's tag-values: $[0]: 'key' is missing (3 more)",
        ),
    ],
)
def test_each_way_off_the_contract_is_named(
    server: MockServer, method: str, route: str, kwargs: dict[str, Any], message: str
) -> None:
    (mark,) = server.respond(method, route, **kwargs).marks
    assert mark.code == "answer-off-contract"
    assert mark.severity == WARNING
    assert message in mark.message


def test_the_documented_answers_are_on_the_contract(server: MockServer) -> None:
    error = {"detail": "The requested resource does not exist"}
    assert server.respond("GET", "project-hook-details", status=404, json=error).marks == ()
    assert server.respond("*", "project-hook-details", status=404, json=error).marks == ()
    assert server.respond("DELETE", "project-details", status=204).marks == ()
    assert server.respond("GET", "project-stats", status=429, body=RATE_LIMITED).marks == ()


def test_the_clients_contract_is_still_checked_and_strict_mode_refuses_first() -> None:
    with MockServer(Config(strict=True)) as server:
        stub = server.respond("GET", "project-users", json=[])
        reply = http_get(server.port, USERS + "?per-page=2")
        assert reply.status == 400
        assert reply.header("Content-Type") == "application/problem+json"
        assert stub.calls == 0
        (entry,) = server.requests()
        assert [v.code for v in entry.violations] == ["unknown-query-parameter"]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("GET", "*"), {}, "no Sentry route '*': name one of project-details"),
        (("GET", "/api/0/teams/"), {}, "no Sentry route '/api/0/teams/'"),
        (("GET", "project-users"), {"status": 99}, "status must be from 100 to 599, got 99"),
        (("GET", "project-users"), {"times": 0}, "times must be at least 1, got 0"),
        (("GET", "project-users"), {"json": [], "body": "[]"}, "give json= or body=, not both"),
        (("GET", "project-users"), {"json": [float("nan")]}, "json= is not JSON: Out of range"),
        (
            ("GET", "project-users"),
            {"headers": {"X-A": "1\r\nX-B: 2"}},
            "header X-A: a value is one line of text, got '1\\r\\nX-B: 2'",
        ),
        (("G E T", "project-users"), {}, "not a method: 'G E T'"),
    ],
)
def test_a_stub_the_mock_cannot_use_is_refused(
    server: MockServer, args: tuple[str, str], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        server.respond(*args, **kwargs)
    assert not server.state.stubs.active


def test_undo_all_and_reset_undo_everything_a_test_set(server: MockServer) -> None:
    for undo in (server.undo_all, server.reset):
        handles = [
            server.fault("project-hooks", status=503),
            server.fault("project-stats", rate_limit="1/60"),
            server.respond("GET", "project-users", json=[]),
        ]
        undo()
        assert all(h.undone for h in handles)
        assert server.state.faults.rules() == []
        assert server.state.limiter.runtime_policy is None
        assert not server.state.stubs.active
        handles[0].undo()  # again: nothing
        assert http_get(server.port, USERS).status == 200
        assert json.loads(http_get(server.port, USERS).body) != []
