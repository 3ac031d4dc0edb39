"""Unexpected errors are bugs: Sentry's 500 body, kept for the test that caused them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mockserver.errors import MockServerError
from mockserver.testing import MockServer
from tests.conftest import TOKEN

SCENARIO: dict[str, Any] = {
    "version": 1,
    "tokens": [{"token": TOKEN, "scopes": ["project:read", "project:write", "project:admin"]}],
    "organizations": [
        {
            "id": "1",
            "slug": "acme",
            "projects": [
                # A scenario override that breaks the response schema: id must be a string.
                {"id": "2", "slug": "broken", "fields": {"id": 2}},
                {"id": "3", "slug": "internal", "fields": {"isInternal": True}},
            ],
        }
    ],
}
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_a_response_that_breaks_its_schema_is_sentrys_500_and_fails_check() -> None:
    with MockServer({"scenario": SCENARIO, "validate_responses": True}) as server:
        reply = server.app.test_client().get("/api/0/projects/acme/broken/", headers=AUTH)
        assert reply.status_code == 500
        body = reply.get_json()
        assert body["detail"] == "Internal Error"
        assert re.fullmatch(r"[0-9a-f]{32}", body["errorId"])
        with pytest.raises(MockServerError, match=body["errorId"]) as info:
            server.check()
        assert "does not match schema 'project'" in str(info.value.__cause__)
        server.check()  # reported once


def test_without_validation_the_override_is_served() -> None:
    with MockServer({"scenario": SCENARIO}) as server:
        reply = server.app.test_client().get("/api/0/projects/acme/broken/", headers=AUTH)
        assert (reply.status_code, reply.get_json()["id"]) == (200, 2)


def test_deleting_an_internal_project_answers_a_json_string() -> None:
    with MockServer({"scenario": SCENARIO}) as server:
        reply = server.app.test_client().delete("/api/0/projects/acme/internal/", headers=AUTH)
        assert reply.status_code == 403
        assert (
            reply.data
            == b'"{\\"error\\": \\"Cannot remove projects internally used by Sentry.\\"}"'
        )
        again = server.app.test_client().get("/api/0/projects/acme/internal/", headers=AUTH)
        assert again.status_code == 200
