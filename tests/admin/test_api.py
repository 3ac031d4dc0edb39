"""The admin API under /__admin/: journal queries, near-misses, HAR, reset, scenarios, health
and the admin token, over Flask's test client and a real socket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask

from mockserver.config import Config
from mockserver.state import state_of
from mockserver.testing import MockServer
from tests.conftest import NOW
from tests.conftest import PROJECT
from tests.conftest import Api
from tests.conftest import FakeClock

TEMPLATE = "/api/0/projects/{org}/{project}/"
PROBLEM = "application/problem+json"
INLINE = {
    "version": 1,
    "name": "tiny",
    "tokens": [{"token": "tiny-token", "scopes": ["project:read"]}],
    "organizations": [{"id": "1", "slug": "acme", "projects": [{"id": "2", "slug": "web"}]}],
}


def admin(api: Api, method: str, path: str, **kw: Any) -> Any:
    kw.setdefault("token", None)
    return api.call(method, "/__admin/" + path, **kw)


def traffic(api: Api) -> None:
    """Three requests: a matched 200, an unmatched 404 and a 401."""
    assert api.get(PROJECT + "users/?per_page=2").status == 200
    assert api.get(PROJECT + "user/").status == 404
    assert api.get(PROJECT, token=None).status == 401


# --- listing and filters ------------------------------------------------------------------------


def test_requests_are_listed_newest_first_with_the_journals_numbers(api: Api) -> None:
    traffic(api)
    reply = admin(api, "GET", "requests")
    assert reply.status == 200
    assert reply.header("Content-Type") == "application/json"
    body = reply.json
    assert [r["request"]["url"] for r in body["requests"]] == [
        PROJECT,
        PROJECT + "user/",
        PROJECT + "users/?per_page=2",
    ]
    assert body["meta"] == {
        "total": 3,
        "returned": 3,
        "size": 3,
        "capacity": 10_000,
        "evicted": 0,
        "recorded": 3,
        "enabled": True,
    }
    assert body["requestJournalDisabled"] is False
    oldest = body["requests"][-1]
    assert set(oldest) == {
        "id", "seq", "request", "route", "wasMatched", "response", "durationMs", "violations",
        "faults", "error",
    }  # fmt: skip
    assert oldest["request"]["method"] == "GET"
    assert oldest["request"]["path"] == PROJECT + "users/"
    assert oldest["request"]["query"] == {"per_page": ["2"]}
    assert oldest["request"]["absoluteUrl"].endswith(PROJECT + "users/?per_page=2")
    assert oldest["request"]["loggedDate"] == NOW * 1000
    assert oldest["request"]["loggedDateString"] == "2023-11-14T22:13:20.000Z"
    assert oldest["route"] == {
        "name": "project-users",
        "template": TEMPLATE + "users/",
        "params": {"org": "my-org", "project": "my-project"},
    }
    assert oldest["wasMatched"] is True
    assert oldest["response"]["status"] == 200
    assert oldest["response"]["headers"]["Link"].startswith("<")
    assert oldest["violations"] == []
    assert body["requests"][1]["wasMatched"] is False
    assert body["requests"][1]["violations"][0]["code"] == "unknown-route"


def test_credentials_are_redacted_unless_asked(api: Api) -> None:
    created = api.post(PROJECT + "hooks/", json_body={"url": "https://example.com/h"})
    assert created.status == 201
    (entry,) = admin(api, "GET", "requests").json["requests"]
    assert entry["request"]["headers"]["Authorization"] == "Bearer [redacted]"
    assert '"secret":"[redacted]"' in entry["response"]["body"]
    (raw,) = admin(api, "GET", "requests?redact=false").json["requests"]
    assert raw["request"]["headers"]["Authorization"] == "Bearer sntrys_TOKEN"
    assert created.json["secret"] in raw["response"]["body"]


def test_limit_keeps_the_newest(api: Api) -> None:
    traffic(api)
    body = admin(api, "GET", "requests?limit=1").json
    assert [r["request"]["url"] for r in body["requests"]] == [PROJECT]
    assert (body["meta"]["total"], body["meta"]["returned"]) == (3, 1)


@pytest.mark.parametrize(
    ("query", "urls"),
    [
        ("method=get&status=4xx", [PROJECT, PROJECT + "user/"]),
        ("status=401", [PROJECT]),
        (f"path={PROJECT}", [PROJECT]),
        (f"route={quote(TEMPLATE + 'users/')}", [PROJECT + "users/?per_page=2"]),
        ("route=project-details", [PROJECT]),
        ("unmatched=true", [PROJECT + "user/"]),
        ("violations=true", [PROJECT, PROJECT + "user/"]),
        ("since=2023-11-14T22:13:30Z", [PROJECT, PROJECT + "user/"]),
        (f"since={NOW + 20}", [PROJECT]),
    ],
)
def test_query_filters(api: Api, clock: FakeClock, query: str, urls: list[str]) -> None:
    traffic_at = [NOW, NOW + 10, NOW + 20]
    for moment, (path, token) in zip(
        traffic_at,
        [(PROJECT + "users/?per_page=2", "sntrys_TOKEN"), (PROJECT + "user/", "sntrys_TOKEN"),
         (PROJECT, None)],
        strict=True,
    ):  # fmt: skip
        clock.now = moment
        api.get(path, token=token)
    reply = admin(api, "GET", f"requests?{query}")
    assert reply.status == 200
    assert [r["request"]["url"] for r in reply.json["requests"]] == urls


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("requests?status=teapot", "status must be a status code such as 404 or a class"),
        ("requests?since=yesterday", "since must be epoch seconds or an ISO 8601 time"),
        ("requests?unmatched=maybe", "unmatched must be true or false, got 'maybe'"),
        ("requests?color=red", "unknown filter 'color'"),
        ("requests?limit=0", "limit must be a positive integer, got '0'"),
        ("requests?redact=perhaps", "redact must be true or false, got 'perhaps'"),
    ],
)
def test_bad_filters_are_refused_with_problem_json(api: Api, path: str, detail: str) -> None:
    reply = admin(api, "GET", path)
    assert reply.status == 400
    assert reply.header("Content-Type") == PROBLEM
    assert reply.json["title"] == "Bad Request"
    assert detail in reply.json["detail"]


def test_find_takes_a_json_filter(api: Api) -> None:
    traffic(api)
    reply = admin(api, "POST", "requests/find", json_body={"query": {"per_page": "2"}})
    assert reply.status == 200
    assert [r["request"]["url"] for r in reply.json["requests"]] == [PROJECT + "users/?per_page=2"]
    bad = admin(api, "POST", "requests/find", data=b"[1]", headers={"Content-Type": "text/x"})
    assert (bad.status, bad.json["detail"]) == (
        400,
        "send a JSON object (Content-Type: application/json)",
    )


def test_count_with_a_json_filter_or_query_parameters(api: Api) -> None:
    traffic(api)
    posted = admin(api, "POST", "requests/count", json_body={"method": "GET", "status": "4xx"})
    assert (posted.status, posted.json) == (200, {"count": 2})
    got = admin(api, "GET", "requests/count?unmatched=true")
    assert (got.status, got.json) == (200, {"count": 1})


def test_delete_removes_what_the_filters_select_or_everything(api: Api, app: Flask) -> None:
    traffic(api)
    reply = admin(api, "DELETE", "requests?status=401")
    assert (reply.status, reply.json) == (200, {"removed": 1})
    assert state_of(app).journal.count() == 2
    removed = admin(api, "POST", "requests/remove", json_body={"unmatched": True})
    assert (removed.status, removed.json) == (200, {"removed": 1})
    everything = admin(api, "DELETE", "requests")
    assert (everything.status, everything.json) == (200, {"removed": 1})
    assert state_of(app).journal.count() == 0


def test_unmatched_requests(api: Api) -> None:
    traffic(api)
    reply = admin(api, "GET", "requests/unmatched")
    assert reply.status == 200
    assert [r["request"]["url"] for r in reply.json["requests"]] == [PROJECT + "user/"]


def test_one_entry_by_id_or_seq(api: Api, app: Flask) -> None:
    traffic(api)
    entry = state_of(app).journal.entries()[0]
    by_id = admin(api, "GET", f"requests/{entry.id}")
    by_seq = admin(api, "GET", f"requests/{entry.seq}")
    assert by_id.status == by_seq.status == 200
    assert by_id.json == by_seq.json
    assert by_id.json["request"]["url"] == PROJECT + "users/?per_page=2"
    missing = admin(api, "GET", "requests/no-such-id")
    assert missing.status == 404
    assert missing.header("Content-Type") == PROBLEM
    assert missing.json["detail"] == (
        "no journal entry 'no-such-id' (evicted, cleared, or never made)"
    )


# --- near-misses --------------------------------------------------------------------------------


def test_near_misses_of_unmatched_requests(api: Api) -> None:
    traffic(api)
    reply = admin(api, "GET", "requests/unmatched/near-misses")
    assert reply.status == 200
    nearest = reply.json["nearMisses"][0]
    assert nearest["request"]["request"]["url"] == PROJECT + "user/"
    assert nearest["route"] == {
        "name": "project-users",
        "template": TEMPLATE + "users/",
        "methods": ["GET", "OPTIONS"],
    }
    assert nearest["reasons"] == ["'user' should be 'users'"]
    assert nearest["suggestion"] == PROJECT + "users/"
    assert 0 < nearest["matchResult"]["distance"] < 0.05
    distances = [m["matchResult"]["distance"] for m in reply.json["nearMisses"]]
    assert distances == sorted(distances)


def test_near_misses_of_any_request(api: Api) -> None:
    reply = admin(
        api, "POST", "near-misses/request", json_body={"method": "PATCH", "url": PROJECT + "?x=1"}
    )
    assert reply.status == 200
    first = reply.json["nearMisses"][0]
    assert first["route"]["template"] == TEMPLATE
    assert first["reasons"] == ["PATCH is not served; the route serves GET, PUT, DELETE, OPTIONS"]
    bad = admin(api, "POST", "near-misses/request", json_body={"url": "no-slash"})
    assert bad.status == 400
    assert bad.json["detail"] == 'send {"method": "GET", "url": "/api/0/…"} (url: a path)'


# --- HAR ----------------------------------------------------------------------------------------


def test_har_export(api: Api) -> None:
    created = api.post(PROJECT + "hooks/", json_body={"url": "https://example.com/h"})
    assert created.status == 201
    api.get(PROJECT + "users/?per_page=1")
    reply = admin(api, "GET", "requests/har")
    assert reply.status == 200
    log = reply.json["log"]
    assert log["version"] == "1.2"
    assert log["creator"] == {"name": "mockserver", "version": "0.1.0"}
    post, get = log["entries"]  # oldest first
    assert post["request"]["method"] == "POST"
    assert post["request"]["url"].endswith(PROJECT + "hooks/")
    assert post["request"]["httpVersion"].startswith("HTTP/1.")
    assert {"name": "Authorization", "value": "Bearer [redacted]"} in post["request"]["headers"]
    assert post["request"]["postData"]["mimeType"] == "application/json"
    assert '"url": "https://example.com/h"' in post["request"]["postData"]["text"]
    assert post["response"]["status"] == 201
    assert post["response"]["statusText"] == "Created"
    assert post["response"]["content"]["mimeType"] == "application/json"
    assert '"secret":"[redacted]"' in post["response"]["content"]["text"]
    assert post["response"]["content"]["size"] == len(created.raw)
    assert post["startedDateTime"] == "2023-11-14T22:13:20.000Z"
    assert post["timings"]["wait"] == post["time"]
    assert post["_route"] == TEMPLATE + "hooks/"
    for har_entry in log["entries"]:
        assert set(har_entry) >= {"startedDateTime", "time", "request", "response", "cache"}
        assert set(har_entry["request"]) >= {
            "method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize",
            "bodySize",
        }  # fmt: skip
        assert set(har_entry["response"]) >= {
            "status", "statusText", "httpVersion", "cookies", "headers", "content",
            "redirectURL", "headersSize", "bodySize",
        }  # fmt: skip
    assert get["request"]["queryString"] == [{"name": "per_page", "value": "1"}]
    assert "postData" not in get["request"]
    raw = admin(api, "GET", "requests/har?redact=false&method=POST").json["log"]["entries"]
    assert len(raw) == 1
    assert {"name": "Authorization", "value": "Bearer sntrys_TOKEN"} in raw[0]["request"]["headers"]


# --- state --------------------------------------------------------------------------------------


def test_reset_drops_changes_and_clears_the_journal(api: Api, app: Flask) -> None:
    assert api.post(PROJECT + "hooks/", json_body={"url": "https://example.com/h"}).status == 201
    reply = admin(api, "POST", "reset")
    assert reply.status == 200
    assert reply.json["status"] == "reset"
    assert reply.json["scenario"]["name"] == "default"
    assert state_of(app).journal.count() == 0
    hooks = api.get(PROJECT + "hooks/")
    assert [h["url"] for h in hooks.json] == ["https://empowerplant.io/sentry-hook"]


def test_health(api: Api, app: Flask) -> None:
    # The session's server keeps the scenario's answers across resets: start with none.
    cache = state_of(app).response_cache
    assert cache is not None
    cache.clear()
    reply = admin(api, "GET", "health")
    assert reply.status == 200
    body = reply.json
    assert (body["status"], body["message"], body["version"], body["strict"]) == (
        "healthy",
        "mockserver is ok",
        "0.1.0",
        False,
    )
    # The test server checks every answer, writes' too.
    assert body["responseValidation"] == {"enabled": True, "writesEvery": 1}
    assert body["scenario"]["name"] == "default"
    assert body["journal"] == {
        "size": 0,
        "capacity": 10_000,
        "evicted": 0,
        "recorded": 0,
        "enabled": True,
    }
    # Zeroed by the reset before the test; the two reads are one made, then one replayed.
    assert body["responseCache"] == {
        "enabled": True,
        "entries": 0,
        "bytes": 0,
        "hits": 0,
        "misses": 0,
        "kept": 0,
    }
    api.get(PROJECT)
    size = len(api.get(PROJECT).raw)
    assert admin(api, "GET", "health").json["responseCache"] == {
        "enabled": True,
        "entries": 1,
        "bytes": size,
        "hits": 1,
        "misses": 1,
        "kept": 1,
    }


def test_index_and_unknown_endpoints(api: Api) -> None:
    index = admin(api, "GET", "")
    assert index.status == 200
    assert {"path": "/__admin/requests", "methods": ["DELETE", "GET"]} in index.json["endpoints"]
    assert {"path": "/__admin/requests/count", "methods": ["GET", "POST"]} in (
        index.json["endpoints"]
    )
    unknown = admin(api, "PUT", "requestz")
    assert unknown.status == 404
    assert unknown.header("Content-Type") == PROBLEM
    assert unknown.json["detail"].startswith("no admin endpoint PUT /__admin/requestz; known: ")
    assert "DELETE GET /__admin/requests;" in unknown.json["detail"]


@pytest.fixture(scope="module")
def _own_server(clock: FakeClock) -> Iterator[MockServer]:
    """A server of its own: these tests replace its scenario."""
    with MockServer(Config(clock=clock)) as server:
        yield server


@pytest.fixture(params=["client", "socket"])
def own_api(request: pytest.FixtureRequest, _own_server: MockServer) -> Iterator[Api]:
    _own_server.prepare()
    yield Api(_own_server.app, request.param, _own_server)
    _own_server.prepare()


def test_scenario_is_shown(own_api: Api) -> None:
    reply = admin(own_api, "GET", "scenario")
    assert reply.status == 200
    scenario = reply.json["scenario"]
    assert (scenario["name"], scenario["seed"]) == ("default", 0)
    assert scenario["source"].endswith("default.yaml")


def test_an_inline_scenario_is_loaded_at_run_time(own_api: Api) -> None:
    assert own_api.get(PROJECT).status == 200
    reply = admin(own_api, "POST", "scenario", json_body={"scenario": INLINE, "seed": 3})
    assert reply.status == 200
    assert reply.json == {
        "status": "loaded",
        "scenario": {"name": "tiny", "description": "", "source": "<inline>", "seed": 3},
    }
    assert own_api.get("/api/0/projects/acme/web/", token="tiny-token").json["slug"] == "web"
    assert own_api.get(PROJECT).status == 401  # sntrys_TOKEN is not a token of "tiny"
    back = admin(own_api, "POST", "scenario", json_body={"default": True})
    assert (back.status, back.json["scenario"]["name"]) == (200, "default")
    assert own_api.get(PROJECT).status == 200


def test_a_scenario_file_is_loaded_at_run_time(own_api: Api, tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(
        "version: 1\nname: from-file\ntokens: [{token: t, scopes: [project:read]}]\n"
        "organizations: [{id: '1', slug: o, projects: [{id: '2', slug: p}]}]\n",
        encoding="utf-8",
    )
    reply = admin(own_api, "POST", "scenario", json_body={"path": str(path)})
    assert reply.status == 200
    assert reply.json["scenario"]["name"] == "from-file"
    assert reply.json["scenario"]["source"] == str(path)
    assert own_api.get("/api/0/projects/o/p/", token="t").status == 200


def test_an_invalid_scenario_is_refused_and_the_old_one_stays(own_api: Api) -> None:
    broken = {**INLINE, "organizations": [{"id": "1", "slug": "acme", "projecs": []}]}
    reply = admin(own_api, "POST", "scenario", json_body={"scenario": broken})
    assert reply.status == 400
    assert reply.header("Content-Type") == PROBLEM
    assert reply.json["title"] == "Invalid scenario"
    # Every problem at once (the second used to be left as "1 more problem may follow").
    assert reply.json["detail"] == (
        "<inline>: $.organizations[0]: 'projects' is missing\n  fix: add it\n"
        "<inline>: $.organizations[0].projecs: unknown key 'projecs'\n"
        "  fix: remove it; did you mean 'projects'?"
    )
    missing = admin(own_api, "POST", "scenario", json_body={"path": "/nowhere/x.yaml"})
    assert missing.status == 400
    assert missing.json["detail"].startswith("/nowhere/x.yaml: file: no such file")
    assert own_api.get(PROJECT).json["slug"] == "my-project"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, 'send exactly one of {"path": "<file on the server>"}, {"scenario": {...}}'),
        ({"path": "a.yaml", "default": True}, "send exactly one of"),
        ({"scenario": [1]}, "scenario must be an object (an inline scenario), got [1]"),
        ({"path": 3}, "path must be a file path, got 3"),
        ({"default": "yes"}, "default must be true, got 'yes'"),
        ({"default": True, "seed": "x"}, "seed must be an integer, got 'x'"),
    ],
)
def test_bad_scenario_requests(own_api: Api, body: dict[str, Any], detail: str) -> None:
    reply = admin(own_api, "POST", "scenario", json_body=body)
    assert reply.status == 400
    assert detail in reply.json["detail"]


# --- the admin token ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _guarded_server(clock: FakeClock) -> Iterator[MockServer]:
    with MockServer(Config(admin_token="s3cret", clock=clock)) as server:
        yield server


@pytest.fixture(params=["client", "socket"])
def guarded_api(request: pytest.FixtureRequest, _guarded_server: MockServer) -> Api:
    _guarded_server.prepare()
    return Api(_guarded_server.app, request.param, _guarded_server)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "requests"),
        ("GET", "requests/har"),
        ("POST", "requests/count"),
        ("DELETE", "requests"),
        ("POST", "reset"),
        ("POST", "scenario"),
        ("GET", "health"),
        ("GET", "nope"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "s3cret", "Basic s3cret"])
def test_the_admin_token_guards_every_call(
    guarded_api: Api, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    reply = admin(guarded_api, method, path, headers=headers)
    assert reply.status == 401
    assert reply.header("Content-Type") == PROBLEM
    assert reply.header("WWW-Authenticate") == 'Bearer realm="mockserver-admin"'
    assert reply.json["detail"] == (
        "this mock requires its admin token on /__admin/: send 'Authorization: Bearer <token>'"
    )


def test_the_admin_token_opens_the_admin_api(guarded_api: Api) -> None:
    guarded_api.get(PROJECT)
    reply = admin(guarded_api, "GET", "requests", headers={"Authorization": "bearer s3cret"})
    assert reply.status == 200
    assert reply.json["meta"]["total"] == 1
    # The Sentry API itself is unaffected by the admin token.
    assert guarded_api.get(PROJECT).status == 200
