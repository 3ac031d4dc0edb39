"""Sentry's ``tests/sentry/api/endpoints/test_project_servicehook_details.py``, ported."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.fidelity.conftest import Load
from tests.fidelity.conftest import path
from tests.fidelity.conftest import project
from tests.fidelity.conftest import scenario

HOOK_ID = "0123456789abcdef0123456789abcdef"
NOT_FOUND = {"detail": "The requested resource does not exist"}


@pytest.fixture
def hook(load: Load) -> str:
    """The setUp of each class: a project with a hook to http://example.com."""
    load(scenario(project(hooks=[{"id": HOOK_ID, "url": "http://example.com"}])))
    return path() + f"hooks/{HOOK_ID}/"


def test_details_simple(api: Api, hook: str) -> None:
    """Sentry: ProjectServiceHookDetailsTest.test_simple."""
    reply = api.get(hook)
    assert (reply.status, reply.json["id"], reply.json["url"]) == (
        200,
        HOOK_ID,
        "http://example.com",
    )


def test_update_simple(api: Api, hook: str) -> None:
    """Sentry: UpdateProjectServiceHookTest.test_simple."""
    body = {"url": "http://example.com/foo", "events": ["event.alert", "event.created"]}
    reply = api.put(hook, json_body=body)
    assert reply.status == 200
    stored = api.get(hook).json
    assert (stored["url"], stored["events"]) == (
        "http://example.com/foo",
        ["event.alert", "event.created"],
    )


def test_delete_simple(api: Api, hook: str) -> None:
    """Sentry: DeleteProjectServiceHookTest.test_simple."""
    reply = api.delete(hook)
    assert (reply.status, reply.raw) == (204, b"")
    gone = api.get(hook)
    assert (gone.status, gone.json) == (404, NOT_FOUND)
