"""Sentry's ``tests/sentry/api/endpoints/test_project_servicehooks.py``, ported (with the
``servicehooks`` feature, which Sentry's tests turn on)."""

from __future__ import annotations

from tests.conftest import Api
from tests.fidelity.conftest import Load
from tests.fidelity.conftest import path
from tests.fidelity.conftest import project
from tests.fidelity.conftest import scenario

HOOK_ID = "0123456789abcdef0123456789abcdef"


def test_list_simple(api: Api, load: Load) -> None:
    """Sentry: ListProjectServiceHooksTest.test_simple."""
    hook = {"id": HOOK_ID, "url": "http://example.com"}
    load(scenario(project(features=["servicehooks"], hooks=[hook])))
    reply = api.get(path() + "hooks/")
    assert reply.status == 200
    assert [h["id"] for h in reply.json] == [HOOK_ID]
    assert reply.json[0]["url"] == "http://example.com"


def test_create_simple(api: Api, load: Load) -> None:
    """Sentry: CreateProjectServiceHookTest.test_simple: 201, and the hook is the project's
    (its actor and version are Sentry's internals)."""
    load(scenario(project(features=["servicehooks"])))
    body = {"url": "http://example.com", "events": ["event.created", "event.alert"]}
    reply = api.post(path() + "hooks/", json_body=body)
    assert reply.status == 201
    created = reply.json
    assert (created["url"], created["events"], created["status"]) == (
        "http://example.com",
        ["event.alert", "event.created"],
        "active",
    )
    listed = api.get(path() + "hooks/").json
    assert [h["id"] for h in listed] == [created["id"]]
