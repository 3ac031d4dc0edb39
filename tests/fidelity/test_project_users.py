"""Sentry's ``tests/sentry/core/endpoints/test_project_users.py``, ported.

Sentry stores two events an hour ago, each with a user; the scenario lists those users. The
analytics event Sentry's test also checks is not modelled.
"""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.fidelity.conftest import Load
from tests.fidelity.conftest import iso
from tests.fidelity.conftest import path
from tests.fidelity.conftest import project
from tests.fidelity.conftest import scenario

USERS = [
    {"id": "1", "email": "foo@example.com", "username": "foobar", "ipAddress": "127.0.0.1"},
    {"id": "2", "email": "bar@example.com", "username": "baz", "ipAddress": "192.168.0.1"},
]


@pytest.fixture
def users(load: Load) -> str:
    """EventUserProjectUsersTest.setUp: the users of two events, an hour ago."""
    seen = [{**user, "lastSeen": iso(3600)} for user in USERS]
    load(scenario(project(users=seen)))
    return path() + "users/"


def test_simple(api: Api, users: str) -> None:
    """Sentry: EventUserProjectUsersTest.test_simple: both users; their ids are null (Snuba's
    event users have none)."""
    reply = api.get(users)
    assert reply.status == 200
    assert [user["id"] for user in reply.json] == [None, None]
    assert sorted(user["tagValue"] for user in reply.json) == ["id:1", "id:2"]


def test_empty_search_query(api: Api, users: str) -> None:
    """Sentry: EventUserProjectUsersTest.test_empty_search_query: a query without a field."""
    reply = api.get(users + "?query=foo")
    assert (reply.status, reply.json) == (200, [])


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("username:baz", "2"),
        ("username:ba", None),
        ("email:foo@example.com", "1"),
        ("email:@example.com", None),
        ("id:1", "1"),
        ("id:3", None),
        ("ip:192.168.0.1", "2"),
    ],
)
def test_search(api: Api, users: str, query: str, found: str | None) -> None:
    """Sentry: EventUserProjectUsersTest.test_username_search, test_email_search, test_id_search
    and test_ip_search: exact matches only."""
    reply = api.get(users + f"?query={query}")
    assert reply.status == 200
    assert [user["identifier"] for user in reply.json] == ([found] if found else [])
    assert all(user["id"] is None for user in reply.json)
