"""``GET …/users/`` (sentry-behavior.md §3)."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import PROJECT
from tests.conftest import Api

USERS = PROJECT + "users/"


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def test_users_are_listed_most_recent_first_with_computed_fields(api: Api) -> None:
    reply = api.get(USERS)
    assert reply.status == 200
    body = reply.json
    assert len(body) >= 20
    assert body[0] == {
        "id": None,
        "tagValue": "id:1",
        "identifier": "1",
        "username": "sentry",
        "email": "sentry@example.com",
        "name": "sentry@example.com",
        "ipAddress": "127.0.0.1",
        "avatarUrl": f"https://gravatar.com/avatar/{md5('sentry@example.com')}?s=32&d=mm",
        "hash": md5("1"),
        "dateCreated": None,
    }
    assert body[1]["tagValue"] == "username:jane.doe"
    assert body[1]["hash"] == md5("jane.doe")
    assert body[2]["tagValue"] == "email:rick@example.net"
    assert body[2]["name"] == "rick@example.net"
    assert body[3] == {
        "id": None,
        "tagValue": "ip:203.0.113.77",
        "identifier": None,
        "username": None,
        "email": None,
        "name": None,
        "ipAddress": "203.0.113.77",
        "avatarUrl": f"https://gravatar.com/avatar/{md5('')}?s=32&d=mm",
        "hash": md5("203.0.113.77"),
        "dateCreated": None,
    }


@pytest.mark.parametrize(
    ("query", "tag_values"),
    [
        ("email:sentry@example.com", ["id:1"]),
        ("username:jane.doe", ["username:jane.doe"]),
        ("id:1", ["id:1"]),
        ("ip:203.0.113.77", ["ip:203.0.113.77"]),
        ("email:SENTRY@example.com", []),  # exact match only
        ("email:nobody@example.com", []),
    ],
)
def test_query_filters_by_exact_field(api: Api, query: str, tag_values: list[str]) -> None:
    body = api.get(USERS + f"?query={query}").json
    assert [u["tagValue"] for u in body] == tag_values


@pytest.mark.parametrize("query", ["name:foo", "email:", ":x", "ip:not-an-ip"])
def test_unknown_fields_and_empty_sides_filter_nothing(api: Api, query: str) -> None:
    everyone = api.get(USERS).json
    assert api.get(USERS + f"?query={query}").json == everyone


def test_a_query_without_a_colon_answers_an_empty_list_without_link(api: Api) -> None:
    reply = api.get(USERS + "?query=sentry")
    assert (reply.status, reply.json) == (200, [])
    assert reply.header("Link") is None
