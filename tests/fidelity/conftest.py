"""Sentry's own endpoint tests, ported: the scenario each needs, built inline.

Sentry's tests create their data directly (a project, options, events with tags, outcomes);
here each test loads an inline scenario into the session's server, and the server goes back to
its own scenario after the test. Every test runs through Flask's test client and over a real
socket (the ``api`` fixture of ``tests/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest

from mockserver.testing import MockServer
from tests.conftest import NOW

ORG = "baz"
ADMIN = "sntrys_TOKEN"
"""The token of Sentry's logged-in owner: every project scope."""
READ = "sntryu_READ"
WRITE = "sntryu_WRITE"
PROJECT_ADMIN = "sntryu_ADMIN"
NO_SCOPES = "sntryu_NOSCOPES"
TEAM_WRITER = "sntryu_TEAMWRITER"
"""Project scopes and team:write (copying settings from a project with teams needs it)."""
TEAM = {"id": "11", "slug": "team-a", "name": "Team A"}

Load = Callable[[dict[str, Any]], None]


def iso(seconds_ago: float) -> str:
    """The time ``seconds_ago`` before the tests' clock, as a scenario writes it."""
    return datetime.fromtimestamp(NOW - seconds_ago, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def project(slug: str = "bar", pid: str = "21", **keys: Any) -> dict[str, Any]:
    """A project of the scenario (Sentry's ``self.create_project()``): python, one team."""
    return {"id": pid, "slug": slug, "platform": "python", "teams": [TEAM], **keys}


def scenario(
    *projects: dict[str, Any],
    features: tuple[str, ...] = (),
    options: dict[str, Any] | None = None,
    others: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    """One organization ``baz`` with ``projects``, and the tokens of the ported tests.

    :param features: the organization's features (Sentry's ``self.feature(...)``).
    :param options: the organization's options (``organization.update_option``).
    :param others: more organizations.
    """
    scopes = ["project:read", "project:write", "project:admin"]
    return {
        "version": 1,
        "tokens": [
            {"token": ADMIN, "scopes": scopes},
            {"token": READ, "scopes": ["project:read"]},
            {"token": WRITE, "scopes": ["project:write"]},
            {"token": PROJECT_ADMIN, "scopes": ["project:admin"]},
            {"token": NO_SCOPES, "scopes": []},
            {"token": TEAM_WRITER, "scopes": [*scopes, "team:write"]},
        ],
        "organizations": [
            {
                "id": "10",
                "slug": ORG,
                "features": list(features),
                "options": options or {},
                "projects": list(projects) or [project()],
            },
            *others,
        ],
    }


def path(slug: str = "bar", org: str = ORG) -> str:
    """The project's details URL."""
    return f"/api/0/projects/{org}/{slug}/"


@pytest.fixture
def load(server: MockServer) -> Iterator[Load]:
    """Serve an inline scenario for this test; the server's own comes back after it."""
    loaded = False

    def load(data: dict[str, Any]) -> None:
        nonlocal loaded
        server.load_scenario(data)
        loaded = True

    yield load
    if loaded:
        server.prepare()
