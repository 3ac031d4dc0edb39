"""``GET`` and ``POST …/hooks/`` (sentry-behavior.md §5.1-§5.3)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import NOW
from tests.conftest import PROJECT
from tests.conftest import READONLY
from tests.conftest import Api

HOOKS = PROJECT + "hooks/"
EXAMPLE = {
    "id": "4f9d73e63b7144ecb8944c41620a090b",
    "url": "https://empowerplant.io/sentry-hook",
    "events": ["event.alert", "event.created"],
    "status": "active",
    "secret": "8fcac28aaa4c4f5fa572b61d40a8e084364db25fd37449c299e5a41c0504cbc2",
    "dateCreated": "2018-11-06T21:20:08.143Z",
}
FEATURE = {"error_type": "unavailable_feature", "detail": ["You do not have that feature enabled"]}


def test_list_returns_the_documentation_example(api: Api) -> None:
    reply = api.get(HOOKS)
    assert (reply.status, reply.json) == (200, [EXAMPLE])


def test_create_answers_201_with_a_fresh_active_hook(api: Api) -> None:
    reply = api.post(
        HOOKS,
        json_body={
            "url": "https://empowerplant.io/sentry-hook",
            "events": ["event.created", "event.alert", "event.created"],
        },
    )
    assert reply.status == 201
    body = reply.json
    assert re.fullmatch(r"[0-9a-f]{32}", body["id"])
    assert re.fullmatch(r"[0-9a-f]{64}", body["secret"])
    assert body["id"] != EXAMPLE["id"]
    assert body["secret"] != EXAMPLE["secret"]
    assert body["events"] == ["event.alert", "event.created"]
    assert (body["status"], body["url"]) == ("active", "https://empowerplant.io/sentry-hook")
    assert body["dateCreated"] == "2023-11-14T22:13:20Z"  # the fixed clock, NOW
    listed = api.get(HOOKS).json
    assert [h["id"] for h in listed] == [body["id"], EXAMPLE["id"]]  # newest first


def test_create_without_events_subscribes_to_nothing(api: Api) -> None:
    reply = api.post(HOOKS, json_body={"url": "https://example.com/hook", "isActive": False})
    assert (reply.status, reply.json["events"], reply.json["status"]) == (201, [], "active")


@pytest.mark.parametrize(
    "url",
    [
        "https://x.example:65535/h",
        "https://u:p@x.example:8080/h",
        "https://[::1]:443/h",
        "http://x.example/a:b",
        "https://x.example/" + "a" * 2030,  # 2048 characters: the longest
    ],
)
def test_create_takes_a_url_with_a_port_or_colons(api: Api, url: str) -> None:
    reply = api.post(HOOKS, json_body={"url": url})
    assert (reply.status, reply.json["url"]) == (201, url)


def test_two_creates_get_different_ids(api: Api) -> None:
    a = api.post(HOOKS, json_body={"url": "https://example.com/a"}).json
    b = api.post(HOOKS, json_body={"url": "https://example.com/b"}).json
    assert a["id"] != b["id"]
    assert a["secret"] != b["secret"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"url": ["This field is required."]}),
        ({"url": "not a url"}, {"url": ["Enter a valid URL."]}),
        # Django's URLValidator: its regex takes a port of up to 5 digits, then the port must
        # be at most 65535 (wherever the colons are).
        ({"url": "https://x.example:65536/h"}, {"url": ["Enter a valid URL."]}),
        ({"url": "https://u:p@x.example:99999/h"}, {"url": ["Enter a valid URL."]}),
        ({"url": "https://[::1]:70000/h"}, {"url": ["Enter a valid URL."]}),
        # URLValidator's max_length, 2048.
        ({"url": "https://x.example/" + "a" * 2031}, {"url": ["Enter a valid URL."]}),
        ({"url": ""}, {"url": ["This field may not be blank."]}),
        ({"url": None}, {"url": ["This field may not be null."]}),
        (
            {"url": "https://x.example", "events": ["event.nope"]},
            {"events": ["Invalid event name: event.nope"]},
        ),
        (
            {"url": "https://x.example", "events": "event.alert"},
            {"events": ['Expected a list of items but got type "str".']},
        ),
        (
            {"url": "https://x.example", "events": ["e" * 256]},
            {"events": {"0": ["Ensure this field has no more than 255 characters."]}},
        ),
        ({"url": "https://x.example", "version": 1}, {"version": ['"1" is not a valid choice.']}),
        (
            {"events": ["x"]},
            {"url": ["This field is required."], "events": ["Invalid event name: x"]},
        ),
    ],
)
def test_create_answers_drf_field_errors(api: Api, body: dict[str, Any], errors: Any) -> None:
    reply = api.post(HOOKS, json_body=body)
    assert (reply.status, reply.json) == (400, errors)
    assert api.get(HOOKS).json == [EXAMPLE]


def test_status_filter(api: Api) -> None:
    assert api.get(HOOKS + "?status=active").json == [EXAMPLE]
    assert api.get(HOOKS + "?status=disabled").json == []
    assert api.get(HOOKS + "?status=whatever").json == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_servicehooks_feature_gates_list_and_create(api: Api, method: str) -> None:
    reply = api.call(
        method, "/api/0/projects/my-org/web-frontend/hooks/", json_body={"url": "https://x.example"}
    )
    assert (reply.status, reply.json) == (403, FEATURE)


def test_the_feature_gate_comes_after_validation_order_auth_and_scopes(api: Api) -> None:
    reply = api.post("/api/0/projects/my-org/web-frontend/hooks/", token=READONLY, json_body={})
    assert reply.status == 403
    assert reply.json == {"detail": "You do not have permission to perform this action."}


def test_create_needs_project_write(api: Api) -> None:
    reply = api.post(HOOKS, token=READONLY, json_body={"url": "https://x.example"})
    assert reply.status == 403


def test_a_created_hook_is_dated_by_the_clock(api: Api, clock: Any) -> None:
    clock.now = NOW + 0.25
    body = api.post(HOOKS, json_body={"url": "https://x.example"}).json
    assert body["dateCreated"] == "2023-11-14T22:13:20.250Z"
