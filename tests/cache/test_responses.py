"""The replay cache (mockserver.replay): a repeated GET gets the answer the pipeline made for it,
exactly, with its own journal entry, and never once anything it depends on has changed.

Each behaviour is shown through both transports (the ``api`` fixture), and answers are compared
with an app built with ``response_cache=False``, which runs the whole pipeline every time.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from werkzeug.wrappers import Response

from mockserver import create_app
from mockserver.cache import responses as response_cache
from mockserver.cache.responses import ResponseCache
from mockserver.config import Config
from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next
from mockserver.journal.journal import Entry
from mockserver.state import state_of
from mockserver.testing import MockServer
from mockserver.world.versions import PROJECTS
from mockserver.world.versions import hooks_part
from tests.conftest import NOW
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.conftest import Api
from tests.conftest import FakeClock
from tests.conftest import Reply

AUTH = {"Authorization": f"Bearer {TOKEN}"}
STATS = PROJECT + "stats/?stat=received&resolution=1h"
READS = [
    PROJECT,
    PROJECT + "?include=stats&expand=hasAlertIntegration",
    PROJECT + "users/",
    PROJECT + "users/?per_page=7&query=email:a",
    PROJECT + "tags/browser/values/",
    PROJECT + "hooks/",
    STATS,
    PROJECT + "?unknown=1",  # a contract violation, replayed with its entry
]
# What differs between two entries of the same request: when, from where, how long, which.
PER_REQUEST = ("id", "seq", "time", "duration_ms", "client_ip")


@pytest.fixture(autouse=True)
def _no_answers_kept(server: MockServer) -> None:
    """Each test starts with an empty cache: the session's server keeps the scenario's answers
    across the resets between tests, and these tests count what is made and what replayed."""
    cache_of(server.app).clear()


def cache_of(app: Flask) -> ResponseCache:
    found = state_of(app).response_cache
    assert found is not None
    return found


def same_request_fields(entry: Entry) -> dict[str, Any]:
    return {k: v for k, v in entry._asdict().items() if k not in PER_REQUEST}


def wire_headers(reply: Reply) -> dict[str, str]:
    # The socket server adds its own Date and Server headers; the app's are the rest.
    return {k: v for k, v in reply.headers.items() if k not in ("date", "server")}


@pytest.mark.parametrize("path", READS)
def test_a_repeated_get_gets_the_same_answer_and_its_own_entry(
    api: Api, server: MockServer, path: str
) -> None:
    cache = cache_of(server.app)
    before = cache.stats()
    first = api.get(path)
    second = api.get(path)
    after = cache.stats()
    assert first.status == 200
    assert (second.status, wire_headers(second), second.raw) == (
        first.status,
        wire_headers(first),
        first.raw,
    )
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 1)
    one, two = server.journal.entries()
    assert same_request_fields(two) == same_request_fields(one)
    assert (two.seq, two.client_ip, two.time) == (one.seq + 1, one.client_ip, NOW)
    assert two.id != one.id


@pytest.mark.parametrize("path", READS)
def test_a_replayed_answer_is_the_answer_of_the_whole_pipeline(clock: FakeClock, path: str) -> None:
    clock.now = NOW
    cached = create_app(Config(validate_responses=True, clock=clock))
    uncached = create_app(Config(validate_responses=True, clock=clock, response_cache=False))
    assert state_of(uncached).response_cache is None
    answers = []
    for app in (cached, cached, uncached, uncached):
        r = app.test_client().get(path, headers=AUTH)
        answers.append((r.status_code, sorted(r.headers.items()), r.data))
    assert answers[1:] == [answers[0]] * 3
    assert cache_of(cached).stats().hits == 1
    replayed = cached.extensions["mockserver"].journal.entries()[1]
    made = uncached.extensions["mockserver"].journal.entries()[1]
    assert same_request_fields(replayed) == same_request_fields(made)


def test_a_new_hook_is_listed_at_once(api: Api, server: MockServer) -> None:
    hooks = PROJECT + "hooks/"
    before = [h["id"] for h in api.get(hooks).json]
    assert [h["id"] for h in api.get(hooks).json] == before
    created = api.post(hooks, json_body={"url": "http://127.0.0.1:9/h", "events": ["event.alert"]})
    assert created.status == 201
    after = [h["id"] for h in api.get(hooks).json]
    assert after == [created.json["id"], *before]
    assert api.delete(hooks + created.json["id"] + "/").status == 204
    assert [h["id"] for h in api.get(hooks).json] == before


def test_a_changed_or_deleted_project_is_answered_as_it_now_is(
    api: Api, server: MockServer
) -> None:
    assert api.get(PROJECT).json["name"] == api.get(PROJECT).json["name"] != "Renamed"
    assert api.put(PROJECT, json_body={"name": "Renamed"}).status == 200
    assert api.get(PROJECT).json["name"] == "Renamed"
    assert api.delete(PROJECT).status == 204
    gone = api.get(PROJECT)
    assert (gone.status, gone.json) == (404, {"detail": "The requested resource does not exist"})


def test_a_new_hook_keeps_the_answers_that_do_not_read_hooks(api: Api, server: MockServer) -> None:
    reads = [PROJECT, STATS, PROJECT + "users/", PROJECT + "tags/browser/values/"]
    cache = cache_of(server.app)
    first = {path: api.get(path).raw for path in reads}
    hooks = api.get(PROJECT + "hooks/").json
    created = api.post(
        PROJECT + "hooks/", json_body={"url": "http://127.0.0.1:9/h", "events": ["event.alert"]}
    )
    assert created.status == 201
    hits = cache.stats().hits
    # Replayed: a hook is no part of them (the same bytes the pipeline made before it).
    assert {path: api.get(path).raw for path in reads} == first
    assert cache.stats().hits == hits + len(reads)
    # The hooks list is made again, with the new hook first.
    listed = api.get(PROJECT + "hooks/").json
    assert cache.stats().hits == hits + len(reads)
    assert [h["id"] for h in listed] == [created.json["id"], *[h["id"] for h in hooks]]


def test_a_deleted_project_is_not_answered_from_any_kept_page(api: Api, server: MockServer) -> None:
    reads = [STATS, PROJECT + "users/", PROJECT + "tags/browser/values/", PROJECT + "hooks/"]
    for path in reads:
        assert api.get(path).status == 200
    assert api.delete(PROJECT).status == 204
    for path in reads:
        gone = api.get(path)
        assert (gone.status, gone.json) == (
            404,
            {"detail": "The requested resource does not exist"},
        ), path


def test_a_store_names_each_part_anew_on_its_own_change(clock: FakeClock) -> None:
    store = state_of(create_app(Config(clock=clock))).store
    project_id = store.world.organizations[0].projects[0].id
    hooks = hooks_part(project_id)
    scenario = store.versions.scenario
    assert (store.versions.of(PROJECTS), store.versions.of(hooks)) == (scenario, scenario)
    store.create_hook(project_id, "http://127.0.0.1:9/h", ["event.alert"])
    assert store.versions.of(PROJECTS) == scenario
    assert store.versions.of(hooks) == store.versions.version != scenario
    after_hook = store.versions.of(hooks)
    store.update_project(project_id, {"name": "Renamed"})
    assert store.versions.of(PROJECTS) == store.versions.version not in (scenario, after_hook)
    assert store.versions.of(hooks) == after_hook
    store.reset()
    assert (store.versions.of(PROJECTS), store.versions.of(hooks)) == (scenario, scenario)


def test_reset_and_a_new_scenario_are_seen_by_the_next_read(api: Api, server: MockServer) -> None:
    original = api.get(PROJECT).json["name"]
    api.put(PROJECT, json_body={"name": "Renamed"})
    assert api.get(PROJECT).json["name"] == api.get(PROJECT).json["name"] == "Renamed"
    server.reset()
    assert api.get(PROJECT).json["name"] == original
    tiny = {
        "version": 1,
        "tokens": [{"token": TOKEN, "scopes": ["project:read"]}],
        "organizations": [
            {"id": "1", "slug": "my-org", "projects": [{"id": "2", "slug": "my-project"}]}
        ],
    }
    try:
        server.load_scenario(tiny)
        assert api.get(PROJECT).json["id"] == "2"
    finally:
        server.prepare()  # the session's server goes back to its own scenario
    assert api.get(PROJECT).json["name"] == original


def test_nothing_is_replayed_while_a_fault_rule_is_in_force(api: Api, server: MockServer) -> None:
    cache = cache_of(server.app)
    admin = server.app.test_client()
    assert api.get(PROJECT).status == api.get(PROJECT).status == 200
    rule = {"route": "project-details", "fault": "service_unavailable", "when": {"every": 2}}
    assert admin.post("/__admin/faults", json=rule).status_code == 201
    before = cache.stats()
    assert [api.get(PROJECT).status for _ in range(4)] == [200, 503, 200, 503]
    during = cache.stats()
    assert (during.hits, during.kept) == (before.hits, before.kept)
    assert admin.delete("/__admin/faults").status_code == 200
    # The answer kept before the rule holds again: nothing it depends on changed.
    assert [api.get(PROJECT).status for _ in range(2)] == [200, 200]
    assert (cache.stats().hits, cache.stats().kept) == (during.hits + 2, during.kept)


def test_per_request_faults_are_never_replayed(api: Api, server: MockServer) -> None:
    kept = cache_of(server.app).stats().kept
    for _ in range(2):
        assert api.get(PROJECT, headers={"Prefer": "code=503"}).status == 503
        assert api.get(PROJECT + "?__code=502").status == 502
        assert api.get(PROJECT + "?__fault=not_found").status == 404
        assert api.get(PROJECT + "?__delay=0").status == 200
    assert cache_of(server.app).stats().kept == kept


def test_nothing_is_replayed_under_rate_limits(api: Api, server: MockServer) -> None:
    admin = server.app.test_client()
    assert admin.post("/__admin/rate-limits", json="saas").status_code == 200
    remaining = [api.get(PROJECT).header("X-Sentry-Rate-Limit-Remaining") for _ in range(3)]
    assert remaining == ["39", "38", "37"]
    admin.delete("/__admin/rate-limits")
    assert api.get(PROJECT).header("X-Sentry-Rate-Limit-Remaining") is None


def test_stats_are_made_again_when_their_ten_second_slot_ends(
    api: Api, server: MockServer, clock: FakeClock
) -> None:
    clock.now = NOW  # NOW is a multiple of 10: the slot is [NOW, NOW + 10)
    cache = cache_of(server.app)
    first = api.get(STATS)
    clock.now = NOW + 9.5
    assert api.get(STATS).raw == first.raw
    hits = cache.stats().hits
    clock.now = NOW + 10
    later = api.get(STATS)
    assert cache.stats().hits == hits
    fresh = create_app(Config(validate_responses=True, clock=clock, response_cache=False))
    assert later.raw == fresh.test_client().get(STATS, headers=AUTH).data


def test_stats_kept_are_not_given_for_a_time_before_they_were_made(
    api: Api, server: MockServer, clock: FakeClock
) -> None:
    # A clock set back (a test's clock, or the system's) into an earlier 10-second slot.
    cache = cache_of(server.app)
    clock.now = NOW + 10
    assert api.get(STATS).status == 200
    clock.now = NOW
    before = api.get(STATS)
    assert cache.stats().hits == 0  # made again
    fresh = create_app(Config(validate_responses=True, clock=clock, response_cache=False))
    assert before.raw == fresh.test_client().get(STATS, headers=AUTH).data


def test_stats_without_until_are_kept_only_while_the_window_gives_the_same_buckets(
    api: Api, server: MockServer, clock: FakeClock
) -> None:
    # until defaults to now: as the clock moves, since=now-3596 gives 360 ten-second buckets,
    # then 361, then (past an hour) 2 hourly ones, all inside one 10-second slot.
    path = PROJECT + f"stats/?since={NOW - 3596}"
    fresh = create_app(Config(validate_responses=True, clock=clock, response_cache=False))
    cache = cache_of(server.app)

    def fresh_answer() -> bytes:
        return bytes(fresh.test_client().get(path, headers=AUTH).data)

    clock.now = NOW
    first = api.get(path)
    assert (first.status, len(first.json)) == (200, 360)
    assert first.raw == fresh_answer()
    clock.now = NOW + 2  # the same buckets: the kept answer is the right one
    hits = cache.stats().hits
    assert api.get(path).raw == first.raw
    assert cache.stats().hits == hits + 1
    for moment, buckets, rollup in ((NOW + 4, 361, 10), (NOW + 5, 2, 3600)):
        clock.now = moment
        hits = cache.stats().hits
        later = api.get(path)
        assert cache.stats().hits == hits  # made again, not replayed
        assert (later.status, len(later.json)) == (200, buckets)
        assert later.json[1][0] - later.json[0][0] == rollup
        assert later.raw == fresh_answer()


def test_hook_stats_are_never_replayed(api: Api, server: MockServer) -> None:
    # They count delivery attempts, which do not change the store: a kept answer would be stale.
    server.state.store.delete_hook("2", "4f9d73e63b7144ecb8944c41620a090b")  # on the internet
    refused = {"url": "http://169.254.169.254/", "events": ["event.created"]}
    hook = api.post(PROJECT + "hooks/", json_body=refused).json
    path = PROJECT + f"hooks/{hook['id']}/stats/"
    cache = cache_of(server.app)
    assert sum(point["total"] for point in api.get(path).json) == 0
    server.trigger_event("my-org/my-project")  # refused at once, but counted (as in Sentry)
    server.wait_for_delivery(hook_id=hook["id"])
    hits = cache.stats().hits
    after = api.get(path)
    assert (after.status, cache.stats().hits) == (200, hits)
    assert sum(point["total"] for point in after.json) == 1


def test_a_request_differing_in_any_header_gets_its_own_answer(
    api: Api, server: MockServer
) -> None:
    plain = api.get(PROJECT + "users/")
    other_host = api.get(PROJECT + "users/", headers={"Host": "sentry.example"})
    assert "<http://sentry.example/api/0/" in (other_host.header("Link") or "")
    assert "sentry.example" not in (plain.header("Link") or "sentry.example")
    forbidden = api.get(PROJECT + "users/", token="sntrys_CI")
    assert forbidden.status == 403


def test_with_the_journal_off_answers_are_replayed_unrecorded(server: MockServer) -> None:
    client = server.app.test_client()
    journal = server.journal
    journal.enabled = False
    hits = cache_of(server.app).stats().hits
    try:
        assert client.get(PROJECT, headers=AUTH).status_code == 200
        assert client.get(PROJECT, headers=AUTH).status_code == 200
        assert cache_of(server.app).stats().hits == hits + 1
    finally:
        journal.enabled = True
    # Kept without an entry: made again (and recorded) once the journal is back.
    hits = cache_of(server.app).stats().hits
    assert client.get(PROJECT, headers=AUTH).status_code == 200
    assert client.get(PROJECT, headers=AUTH).status_code == 200
    assert cache_of(server.app).stats().hits == hits + 1
    assert [e.status for e in journal.entries()] == [200, 200]


def test_an_answer_made_while_a_change_landed_is_not_kept(clock: FakeClock) -> None:
    app = create_app(Config(validate_responses=True, clock=clock))
    store = app.extensions["mockserver"].store
    renamed: list[bool] = []

    def rename_once(ex: Exchange, inner: Next) -> Response:
        # A PUT landing while this GET is in the pipeline, after its lookup.
        if not renamed:
            renamed.append(True)
            store.update_project(store.world.organizations[0].projects[0].id, {"name": "Mid"})
        return inner(ex)

    state_of(app).pipeline.insert("lookup", "rename once", rename_once)

    client = app.test_client()
    # The pipeline had looked the project up before the change landed: the old name, which
    # must not be given again now that the project changed.
    assert client.get(PROJECT, headers=AUTH).json["name"] == "My Project"
    assert client.get(PROJECT, headers=AUTH).json["name"] == "Mid"
    assert cache_of(app).stats().hits == 0  # the second was made again, then kept
    assert client.get(PROJECT, headers=AUTH).json["name"] == "Mid"
    assert cache_of(app).stats().hits == 1


def test_a_reset_brings_back_the_scenarios_answers_and_drops_the_changed_ones(
    api: Api, server: MockServer
) -> None:
    # A test suite's way: reset, read, change, read; then the next test resets and reads.
    cache = cache_of(server.app)
    first = api.get(PROJECT)
    assert (first.status, first.json["name"]) == (200, "My Project")
    assert api.put(PROJECT, json_body={"name": "Changed"}).status == 200
    changed = api.get(PROJECT)
    assert (changed.status, changed.json["name"]) == (200, "Changed")
    assert cache.stats().entries == 2
    server.reset()
    # The scenario's answer is given again, exactly (the changed state's never is again).
    assert cache.stats().hits == 0
    again = api.get(PROJECT)
    assert (again.status, again.raw, wire_headers(again)) == (
        200,
        first.raw,
        wire_headers(first),
    )
    assert cache.stats().hits == 1
    # The same change again is a new state: made again, never the answer kept before the reset.
    assert api.put(PROJECT, json_body={"name": "Changed again"}).status == 200
    assert api.get(PROJECT).json["name"] == "Changed again"
    assert cache.stats().hits == 1


def test_a_store_names_every_changed_state_anew_and_the_scenarios_the_same(
    clock: FakeClock,
) -> None:
    store = state_of(create_app(Config(clock=clock))).store
    project_id = store.world.organizations[0].projects[0].id
    scenario = store.versions.version
    seen = {scenario}
    for name in ("A", "B", "A"):
        store.update_project(project_id, {"name": name})
        assert store.versions.version not in seen  # "A" again is a new state: a new name
        seen.add(store.versions.version)
        store.reset()
        assert store.versions.version == scenario
    changes = store.versions.changes
    store.load(store.world)  # the same world loaded again: its memos are gone, a new name too
    assert store.versions.version not in seen
    assert store.versions.changes > changes


def test_an_answer_made_while_a_reset_landed_is_not_kept(clock: FakeClock) -> None:
    app = create_app(Config(validate_responses=True, clock=clock))
    store = state_of(app).store
    project_id = store.world.organizations[0].projects[0].id
    store.update_project(project_id, {"name": "Changed"})
    reset: list[bool] = []

    def reset_once(ex: Exchange, inner: Next) -> Response:
        # A reset landing while this GET is in the pipeline, after its lookup found the change.
        if not reset:
            reset.append(True)
            store.reset()
        return inner(ex)

    state_of(app).pipeline.insert("lookup", "reset once", reset_once)
    client = app.test_client()
    # Made from the changed project, read before the reset: never given for the scenario's.
    assert client.get(PROJECT, headers=AUTH).json["name"] == "Changed"
    assert cache_of(app).stats().entries == 0
    assert client.get(PROJECT, headers=AUTH).json["name"] == "My Project"
    assert client.get(PROJECT, headers=AUTH).json["name"] == "My Project"
    assert cache_of(app).stats().hits == 1


def test_the_cache_holds_at_most_its_capacity(make_app: Any) -> None:
    app = make_app()
    client = app.test_client()
    for n in range(response_cache.CAPACITY + 5):
        assert client.get(f"{PROJECT}users/?cursor=0:{n}:0", headers=AUTH).status_code == 200
    stats = cache_of(app).stats()
    assert (stats.kept, stats.entries) == (response_cache.CAPACITY + 5, response_cache.CAPACITY)
    # The oldest went first: the newest is still replayed, the first is made again.
    client.get(f"{PROJECT}users/?cursor=0:{response_cache.CAPACITY + 4}:0", headers=AUTH)
    assert cache_of(app).stats().hits == 1
    client.get(f"{PROJECT}users/?cursor=0:0:0", headers=AUTH)
    assert cache_of(app).stats().hits == 1


def test_the_setting_turns_it_off(clock: FakeClock) -> None:
    config = Config.from_env({"MOCKSERVER_RESPONSE_CACHE": "0"}, clock=clock)
    assert config.response_cache is False
    app = create_app(config)
    assert state_of(app).response_cache is None
    bodies = {app.test_client().get(PROJECT, headers=AUTH).data for _ in range(2)}
    assert len(bodies) == 1
    assert json.loads(bodies.pop())["slug"] == "my-project"


def test_the_cache_holds_at_most_its_byte_budget(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = [f"{PROJECT}users/?per_page={n}" for n in (1, 2, 3)]
    reference = make_app(response_cache=False).test_client()
    sizes = [len(reference.get(page, headers=AUTH).data) for page in pages]
    assert len(set(sizes)) == 3
    # Room for the two newest pages: the oldest goes when the third is kept.
    monkeypatch.setattr(response_cache, "BUDGET", sizes[1] + sizes[2])
    app = make_app()
    client = app.test_client()
    for page in pages:
        assert client.get(page, headers=AUTH).status_code == 200
    stats = cache_of(app).stats()
    assert (stats.entries, stats.bytes) == (2, sizes[1] + sizes[2])
    client.get(pages[0], headers=AUTH)  # made again: it was dropped
    assert cache_of(app).stats().hits == 0
    # An answer larger than the whole budget is still kept, alone.
    monkeypatch.setattr(response_cache, "BUDGET", 1)
    size = len(client.get(f"{PROJECT}users/?per_page=4", headers=AUTH).data)
    assert (cache_of(app).stats().entries, cache_of(app).stats().bytes) == (1, size)


def test_tag_values_in_a_window_counted_from_now_are_made_again(
    api: Api, server: MockServer, clock: FakeClock
) -> None:
    # statsPeriod counts back from now: the same request later may list other values, so its
    # answer is never replayed; a window of fixed times is.
    seen = "2023-10-30T22:13:20Z"  # NOW minus 15 days
    value = {"value": "bar", "count": 1, "firstSeen": seen, "lastSeen": seen}
    scenario = {
        "version": 1,
        "tokens": [{"token": TOKEN, "scopes": ["project:read"]}],
        "organizations": [
            {
                "id": "1",
                "slug": "my-org",
                "projects": [{"id": "2", "slug": "my-project", "tags": {"foo": [value]}}],
            }
        ],
    }
    server.load_scenario(scenario)
    try:
        cache = cache_of(server.app)
        url = PROJECT + "tags/foo/values/?statsPeriod=16d"
        assert [v["value"] for v in api.get(url).json] == ["bar"]
        hits = cache.stats().hits
        clock.now = NOW + 2 * 86400
        assert api.get(url).json == []
        assert cache.stats().hits == hits
        fixed = PROJECT + "tags/foo/values/?start=2023-10-30&end=2023-11-01"
        first = api.get(fixed)
        assert [v["value"] for v in first.json] == ["bar"]
        assert api.get(fixed).raw == first.raw
        assert cache.stats().hits == hits + 1
    finally:
        server.prepare()
