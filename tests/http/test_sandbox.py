"""Fuzzers' sandboxes (``mockserver/http/sandbox.py``): what Schemathesis' requests, or requests
naming a sandbox, delete, rename or create is theirs alone; everyone else keeps the scenario."""

from __future__ import annotations

from flask import Flask

from mockserver.state import state_of
from tests.conftest import PROJECT
from tests.conftest import Api

FUZZER = {"X-Schemathesis-TestCaseId": "AbC123"}
ITS_SANDBOX = {"X-Mockserver-Sandbox": "schemathesis"}
HOOK_BODY = {"url": "https://example.com/fuzz", "events": ["event.created"]}
ST_AGENT = {"User-Agent": "schemathesis/4.32.5"}


def test_a_fuzzers_delete_leaves_the_project_to_everyone_else(api: Api) -> None:
    assert api.delete(PROJECT, headers=FUZZER).status == 204
    # Another test case of the same run, and anyone looking into the sandbox, see it gone.
    gone = api.get(PROJECT, headers={"X-Schemathesis-TestCaseId": "Other1"})
    assert (gone.status, gone.json) == (404, {"detail": "The requested resource does not exist"})
    assert api.get(PROJECT, headers=ITS_SANDBOX).status == 404
    kept = api.get(PROJECT)
    assert kept.status == 200
    assert (kept.json["slug"], kept.json["name"]) == ("my-project", "My Project")


def test_a_fuzzers_rename_and_new_hook_stay_in_its_sandbox(api: Api) -> None:
    renamed = api.put(PROJECT, json_body={"slug": "fuzzed"}, headers=FUZZER)
    assert (renamed.status, renamed.json["slug"]) == (200, "fuzzed")
    moved = api.get(PROJECT, headers=FUZZER)
    assert moved.status == 302
    location = moved.header("location")
    assert location is not None
    assert location.endswith("/api/0/projects/my-org/fuzzed/")
    created = api.post("/api/0/projects/my-org/2/hooks/", json_body=HOOK_BODY, headers=FUZZER)
    assert created.status == 201
    hook = f"/api/0/projects/my-org/2/hooks/{created.json['id']}/"
    assert api.get(hook, headers=FUZZER).json == created.json
    # Everyone else: the scenario's project and hooks, untouched.
    assert api.get(PROJECT).json["slug"] == "my-project"
    assert api.get(hook).status == 404
    assert [h["url"] for h in api.get(PROJECT + "hooks/").json] == [
        "https://empowerplant.io/sentry-hook"
    ]


def test_named_sandboxes_are_apart_from_each_other(api: Api) -> None:
    alice = {"X-Mockserver-Sandbox": "alice"}
    bob = {"X-Mockserver-Sandbox": "  bob  "}  # the name is stripped
    assert api.delete(PROJECT, headers=alice).status == 204
    assert api.get(PROJECT, headers=alice).status == 404
    assert api.get(PROJECT, headers={"X-Mockserver-Sandbox": "bob"}).status == 200
    assert api.put(PROJECT, json_body={"name": "Bob's"}, headers=bob).json["name"] == "Bob's"
    # A Schemathesis request that names a sandbox uses it, not the default one.
    assert api.get(PROJECT, headers={**FUZZER, **alice}).status == 404
    assert api.get(PROJECT, headers=FUZZER).json["name"] == "My Project"
    # An empty name is no name: the app's store.
    assert api.get(PROJECT, headers={"X-Mockserver-Sandbox": " "}).json["name"] == "My Project"


def test_loading_the_document_gives_schemathesis_a_fresh_sandbox(api: Api) -> None:
    assert api.delete(PROJECT, headers=FUZZER).status == 204
    # Anyone else reading the document leaves the sandbox as it is.
    assert api.get("/openapi.json", token=None).status == 200
    assert api.get(PROJECT, headers=FUZZER).status == 404
    # Schemathesis' own load (its first request of a run) starts the run from the scenario.
    assert api.get("/openapi.json", token=None, headers=ST_AGENT).status == 200
    assert api.get(PROJECT, headers=FUZZER).status == 200
    # A run that names its sandbox gets that one afresh, and only that one.
    alice = {"X-Mockserver-Sandbox": "alice"}
    assert api.delete(PROJECT, headers=alice).status == 204
    assert api.delete(PROJECT, headers=FUZZER).status == 204
    assert api.get("/openapi.json", token=None, headers={**ST_AGENT, **alice}).status == 200
    assert api.get(PROJECT, headers=alice).status == 200
    assert api.get(PROJECT, headers=FUZZER).status == 404


def test_a_reset_and_a_scenario_load_drop_every_sandbox(app: Flask, api: Api) -> None:
    state = state_of(app)
    assert api.delete(PROJECT, headers=FUZZER).status == 204
    assert api.delete(PROJECT, headers={"X-Mockserver-Sandbox": "alice"}).status == 204
    assert sorted(state.sandboxes.names()) == ["alice", "schemathesis"]
    assert api.post("/__admin/reset", token=None).status == 200
    assert state.sandboxes.names() == []
    assert api.get(PROJECT, headers=FUZZER).status == 200
    assert api.delete(PROJECT, headers=FUZZER).status == 204
    state.load(state.config.scenario_source)
    assert state.sandboxes.names() == []
    assert api.get(PROJECT, headers=FUZZER).status == 200


def test_the_response_cache_never_answers_a_sandboxed_request(app: Flask, api: Api) -> None:
    cache = state_of(app).response_cache
    assert cache is not None
    # Kept for everyone: the same GET twice is replayed.
    assert api.get(PROJECT).json["name"] == "My Project"
    assert api.get(PROJECT).json["name"] == "My Project"
    hits = cache.stats().hits
    assert hits >= 1
    # In the sandbox the answer changes while the app's store (whose version the cache watches)
    # does not: a kept answer would be stale.
    for headers in (ITS_SANDBOX, FUZZER):
        assert api.get(PROJECT, headers=headers).json["name"] == "My Project"
    assert api.put(PROJECT, json_body={"name": "Fuzzed"}, headers=ITS_SANDBOX).status == 200
    for headers in (ITS_SANDBOX, FUZZER):
        assert api.get(PROJECT, headers=headers).json["name"] == "Fuzzed"
    assert cache.stats().hits == hits  # no sandboxed request was looked up
    assert api.get(PROJECT).json["name"] == "My Project"
    assert cache.stats().hits == hits + 1
