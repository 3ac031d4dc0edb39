"""``GET …/tags/{key}/values/`` (sentry-behavior.md §4)."""

from __future__ import annotations

import pytest

from tests.conftest import PROJECT
from tests.conftest import Api

NOT_FOUND = {"detail": "The requested resource does not exist"}


def values(key: str) -> str:
    return PROJECT + f"tags/{key}/values/"


def test_environment_values_match_the_documentation_example(api: Api) -> None:
    reply = api.get(values("environment"))
    assert reply.status == 200
    assert reply.json[:2] == [
        {
            "key": "environment",
            "name": "production",
            "value": "production",
            "count": 12345,
            "lastSeen": "2024-01-15T08:30:00Z",
            "firstSeen": "2022-01-01T00:00:00Z",
        },
        {
            "key": "environment",
            "name": "staging",
            "value": "staging",
            "count": 3210,
            "lastSeen": "2024-01-14T22:00:00Z",
            "firstSeen": "2022-01-01T00:00:00Z",
        },
    ]
    seen = [v["lastSeen"] for v in reply.json]
    assert seen == sorted(seen, reverse=True)


def test_user_values_have_a_stripped_name_and_a_query(api: Api) -> None:
    body = api.get(values("user")).json
    first = {v["value"]: v for v in body}
    assert first["email:rick@example.net"]["name"] == "rick@example.net"
    assert first["email:rick@example.net"]["query"] == 'user.email:"rick@example.net"'
    assert first["id:1"]["query"] == 'user.id:"1"'
    assert first["id:1"]["key"] == "user"
    assert "query" not in api.get(values("environment")).json[0]


def test_reserved_keys_answer_with_the_sentry_prefix_too(api: Api) -> None:
    assert api.get(values("sentry:user")).json == api.get(values("user")).json


def test_query_is_a_substring_filter(api: Api) -> None:
    body = api.get(values("environment") + "?query=tag").json
    assert [v["value"] for v in body] == ["staging"]
    assert api.get(values("environment") + "?query=Prod").json == []


@pytest.mark.parametrize("key", ["nope", "device"])
def test_unknown_tag_key_answers_404(api: Api, key: str) -> None:
    reply = api.get(values(key))
    assert (reply.status, reply.json) == (404, NOT_FOUND)


def test_unknown_environment_answers_404(api: Api) -> None:
    reply = api.get(values("level") + "?environment=nowhere")
    assert (reply.status, reply.json) == (404, NOT_FOUND)
    assert api.get(values("level") + "?environment=staging").status == 200


@pytest.mark.parametrize("key", ["event_id", "timestamp", "trace.id", "replay_id"])
def test_keys_sentry_never_lists_answer_an_empty_list(api: Api, key: str) -> None:
    reply = api.get(values(key))
    assert (reply.status, reply.json) == (200, [])
