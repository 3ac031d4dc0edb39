"""The example client's tests: run the client against the mock, then check what it sent.

Each test gets the session's mock server back at its scenario with an empty journal. After the
test, any request that broke Sentry's contract fails it, unless the test says it means to.
"""

from __future__ import annotations

import threading

import pytest
from sentry_client import SentryApiError
from sentry_client import SentryClient

from mockserver.testing import MockServer

PROJECT_ROUTE = "/api/0/projects/{org}/{project}/"
USERS_ROUTE = "/api/0/projects/{org}/{project}/users/"
HOOKS_ROUTE = "/api/0/projects/{org}/{project}/hooks/"

# A scenario written inline, for a test that needs exactly five users.
FIVE_USERS = {
    "version": 1,
    "tokens": [{"token": "sntrys_TOKEN", "scopes": ["project:read"]}],
    "organizations": [
        {
            "id": "1",
            "slug": "my-org",
            "projects": [
                {
                    "id": "2",
                    "slug": "my-project",
                    "users": {
                        "items": [
                            {
                                "id": str(n),
                                "email": f"user{n}@example.com",
                                "lastSeen": f"2024-01-15T0{9 - n}:00:00Z",
                            }
                            for n in range(1, 6)
                        ]
                    },
                }
            ],
        }
    ],
}


def test_project_reads_the_details(sentry: SentryClient, mockserver: MockServer) -> None:
    project = sentry.project("my-org", "my-project")

    assert (project.id, project.slug, project.name, project.platform) == (
        "2",
        "my-project",
        "My Project",
        "python",
    )
    (call,) = mockserver.assert_requested("GET", PROJECT_ROUTE, count=1)
    assert call.header("Authorization") == "Bearer sntrys_TOKEN"


@pytest.mark.mockserver_scenario(FIVE_USERS)
def test_users_follows_the_link_header_to_the_last_page(
    sentry: SentryClient, mockserver: MockServer
) -> None:
    users = list(sentry.users("my-org", "my-project", per_page=2))

    assert [u.email for u in users] == [f"user{n}@example.com" for n in range(1, 6)]
    # Three pages: the client stops where Sentry's Link says results="false".
    mockserver.assert_requested("GET", USERS_ROUTE, count=3)
    mockserver.assert_requested("GET", USERS_ROUTE, query={"cursor": None, "per_page": "2"})
    mockserver.assert_requested("GET", USERS_ROUTE, query={"cursor": "2:2:0"}, count=1)


def test_stats_sends_the_window_it_is_given(sentry: SentryClient, mockserver: MockServer) -> None:
    series = sentry.stats(
        "my-org", "my-project", since=1541455200, until=1541469600, resolution="1h"
    )

    # The documentation's example series.
    assert series == [
        (1541455200, 1184),
        (1541458800, 1410),
        (1541462400, 1440),
        (1541466000, 1682),
        (1541469600, 1203),
    ]
    mockserver.assert_requested(
        "GET",
        "/api/0/projects/my-org/my-project/stats/",
        query={"stat": "received", "resolution": "1h", "since": "1541455200"},
    )
    # stats/ is an endpoint Sentry marks unstable: a warning, which does not fail the test.
    (_, warning), *_ = mockserver.violations(warnings=True)
    assert warning.code == "unstable-endpoint"


def test_tag_values_filter_by_substring(sentry: SentryClient) -> None:
    values = sentry.tag_values("my-org", "my-project", "environment", query="prod")

    assert [(v.value, v.count) for v in values] == [("production", 12345)]


def test_create_hook_sends_url_and_events(sentry: SentryClient, mockserver: MockServer) -> None:
    hook = sentry.create_hook("my-org", "my-project", "https://example.com/hook", ["event.created"])

    assert (hook.url, hook.events, hook.status) == (
        "https://example.com/hook",
        ("event.created",),
        "active",
    )
    mockserver.assert_requested(
        "POST",
        HOOKS_ROUTE,
        count=1,
        json={"url": "https://example.com/hook", "events": ["event.created"]},
    )
    assert hook.id in [h.id for h in sentry.hooks("my-org", "my-project")]


@pytest.mark.mockserver_scenario("scenarios/without-hooks.yaml")
def test_hooks_without_the_feature_raise(sentry: SentryClient) -> None:
    with pytest.raises(SentryApiError) as raised:
        sentry.hooks("my-org", "my-project")

    assert raised.value.status == 403
    assert raised.value.detail == ["You do not have that feature enabled"]


@pytest.mark.mockserver_allow_violations("invalid-credentials")
def test_a_revoked_token_raises_401(mockserver: MockServer) -> None:
    with (
        SentryClient(mockserver.url, "sntryu_REVOKED") as client,
        pytest.raises(SentryApiError) as raised,
    ):
        client.project("my-org", "my-project")

    assert (raised.value.status, raised.value.detail) == (401, "Invalid token")


def test_a_background_job_is_awaited_without_sleeping(
    sentry: SentryClient, mockserver: MockServer
) -> None:
    job = threading.Thread(
        target=sentry.create_hook,
        args=("my-org", "my-project", "https://example.com/async", ["event.alert"]),
    )
    job.start()
    try:
        (call,) = mockserver.wait_for_request("POST", HOOKS_ROUTE, timeout=10)
    finally:
        job.join()

    assert call.json == {"url": "https://example.com/async", "events": ["event.alert"]}
    assert call.status == 201
