"""One redactor for everything the journal outputs (journal/redaction.py): a token-shaped value
or a scenario's token is replaced wherever it appears (URLs, paths, query strings, route
parameters, headers, bodies, violation messages, near-misses, errors), in the admin API's JSON,
the HAR export, the pytest report and assertion messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from mockserver.errors import MockServerError
from mockserver.journal.redaction import PATTERNS
from mockserver.journal.redaction import Redactor
from mockserver.state import ServerError
from mockserver.state import state_of
from mockserver.testing import MockServer
from tests.admin.test_api import INLINE
from tests.conftest import PROJECT
from tests.conftest import Api

LEAK = "sntrys_LEAK"
DEEP_SECRET = b'{"token": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
OUTPUTS = ("/__admin/requests", "/__admin/requests/har", "/__admin/requests/1")


def admin_json(api: Api, path: str) -> Any:
    reply = api.call("GET", path, token=None)
    assert reply.status == 200, reply.raw
    return reply.json


def outputs(api: Api, entry_id: str) -> dict[str, str]:
    """The raw text of every admin answer that shows the journal."""
    paths = (
        "/__admin/requests",
        "/__admin/requests/har",
        f"/__admin/requests/{entry_id}",
        "/__admin/requests/unmatched",
        "/__admin/requests/unmatched/near-misses",
    )
    return {path: api.call("GET", path, token=None).raw.decode() for path in paths}


def test_a_token_in_a_query_value_is_redacted_everywhere(api: Api, server: MockServer) -> None:
    assert api.get(PROJECT + f"users/?per_page={LEAK}").status == 400
    (entry,) = admin_json(api, "/__admin/requests")["requests"]
    message = "per_page='[redacted]' is not an integer (Sentry: 400 'Invalid per_page parameter.')"
    assert entry["request"]["url"] == PROJECT + "users/?per_page=[redacted]"
    assert entry["request"]["absoluteUrl"].endswith(PROJECT + "users/?per_page=[redacted]")
    assert entry["request"]["query"] == {"per_page": ["[redacted]"]}
    assert [v["message"] for v in entry["violations"]] == [message]
    (har,) = admin_json(api, "/__admin/requests/har")["log"]["entries"]
    assert har["request"]["url"].endswith(PROJECT + "users/?per_page=[redacted]")
    assert har["request"]["queryString"] == [{"name": "per_page", "value": "[redacted]"}]
    assert [v["message"] for v in har["_violations"]] == [message]
    for path, text in outputs(api, entry["id"]).items():
        assert LEAK not in text, path
    # The pytest plugin's report and its teardown failure.
    assert LEAK not in server.journal_text()
    assert f"#{entry['seq']} GET {PROJECT}users/?per_page=[redacted] → 400" in server.journal_text()
    with pytest.raises(AssertionError) as failed:
        server.assert_no_violations()
    assert str(failed.value).endswith(f"      invalid-query-parameter (query.per_page): {message}")
    assert LEAK not in str(failed.value)
    # It was there: redact=false shows it.
    raw = admin_json(api, "/__admin/requests?redact=false")["requests"][0]
    assert raw["request"]["url"] == PROJECT + f"users/?per_page={LEAK}"
    server.state.journal.clear()  # the violation was made on purpose


def test_a_token_in_the_path_is_redacted_everywhere(api: Api, server: MockServer) -> None:
    assert api.get(f"/api/0/projects/{LEAK}/my-project/").status == 404
    assert api.get(f"/api/0/projects/my-org/sntryu_{'ab' * 32}/hoks/").status == 404
    found, unmatched = admin_json(api, "/__admin/requests?limit=2")["requests"][::-1]
    # A token's characters include '/' (base64): the rest of the path goes with it.
    assert found["request"]["url"] == "/api/0/projects/[redacted]"
    assert found["request"]["path"] == "/api/0/projects/[redacted]"
    assert found["route"]["params"] == {"org": "[redacted]", "project": "my-project"}
    assert unmatched["request"]["url"] == "/api/0/projects/my-org/[redacted]"
    assert unmatched["violations"][0]["message"].startswith(
        "no Sentry route matches GET /api/0/projects/my-org/[redacted]; nearest: "
    )
    misses = admin_json(api, "/__admin/requests/unmatched/near-misses")["nearMisses"]
    assert misses
    assert {m["suggestion"] for m in misses} >= {"/api/0/projects/my-org/[redacted]"}
    for path, text in outputs(api, found["id"]).items():
        assert LEAK not in text, path
        assert "ab" * 32 not in text, path
    report = server.journal_text()
    assert "GET /api/0/projects/[redacted] → 404" in report
    assert LEAK not in report
    with pytest.raises(AssertionError) as failed:
        server.assert_requested("GET", "/api/0/projects/{org}/{project}/stats/")
    assert LEAK not in str(failed.value)
    assert f"#{found['seq']} GET /api/0/projects/[redacted] → 404" in str(failed.value)
    with pytest.raises(AssertionError) as waited:
        server.wait_for_request("GET", "/api/0/projects/{org}/{project}/stats/", timeout=0)
    assert LEAK not in str(waited.value)
    server.state.journal.clear()


def test_an_error_message_is_redacted(server: MockServer) -> None:
    server.state.record_error(
        ServerError("e1", "GET", f"/api/0/projects/{LEAK}/", RuntimeError(f"boom {LEAK}"))
    )
    with pytest.raises(MockServerError) as failed:
        server.check()
    assert str(failed.value) == (
        "1 unexpected server error(s); first: GET /api/0/projects/[redacted] (errorId e1): "
        "RuntimeError('boom [redacted]')"
    )


def test_a_scenarios_own_tokens_are_redacted_whatever_their_shape(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(INLINE)
    client = app.test_client()
    auth = {"Authorization": "Bearer tiny-token"}
    assert client.get("/api/0/projects/acme/web/users/?query=tiny-token", headers=auth).status_code
    assert client.get("/api/0/projects/tiny-token/web/", headers=auth).status_code == 404
    text = client.get("/__admin/requests").get_data(as_text=True)
    assert "tiny-token" not in text
    body = json.loads(text)
    urls = [r["request"]["url"] for r in body["requests"]]
    assert urls == [
        "/api/0/projects/[redacted]/web/",
        "/api/0/projects/acme/web/users/?query=[redacted]",
    ]
    assert body["requests"][0]["request"]["headers"]["Authorization"] == "Bearer [redacted]"
    # After another scenario is loaded, the entries made under this one stay redacted.
    state_of(app).load(state_of(app).config.scenario_source)
    assert "tiny-token" not in client.get("/__admin/requests/har").get_data(as_text=True)
    assert "tiny-token" in client.get("/__admin/requests?redact=false").get_data(as_text=True)


@pytest.mark.parametrize(
    "token",
    [
        "sntryu_" + "a" * 64,  # a user token
        "sntrys_eyJpYXQiOjE3fQ==_c2VjcmV0+/abc",  # an organization token
        "sntrya_" + "0" * 64,  # a user application token
        "sntryi_" + "f" * 64,  # an integration token
        "sntryag_abc",  # an agent token
        "0123456789abcdef" * 4,  # a legacy token, or a hook secret
    ],
)
def test_every_kind_of_sentry_token_is_redacted(token: str) -> None:
    assert PATTERNS.text(f"Bearer {token}") == "Bearer [redacted]"
    assert PATTERNS.text(f"/a/{token}") == "/a/[redacted]"
    assert PATTERNS.text(f"q=x%20{token}&b=2") == "q=x%20[redacted]&b=2"


def test_a_literal_secret_is_redacted_whole_and_percent_encoded() -> None:
    redactor = PATTERNS.including(["secret1", "ab+cd/ef", "t"])
    assert redactor.text("secret1 secret10 xsecret1 (secret1)") == (
        "[redacted] secret10 xsecret1 ([redacted])"
    )
    assert redactor.text("q=ab%2Bcd%2Fef&p=ab+cd/ef") == "q=[redacted]&p=[redacted]"
    assert redactor.including(["secret1"]) is redactor
    assert Redactor().text("secret1") == "secret1"
    # A token too short to be anyone's secret is left to the header and key rules.
    assert redactor.text("it doesn't") == "it doesn't"
    assert redactor.header("Authorization", "Bearer t") == "Bearer [redacted]"


def test_headers_keep_the_scheme_and_lose_the_credential() -> None:
    headers = [
        ("Authorization", "Token abc"),
        ("Cookie", "session=1"),
        ("X-Forwarded-For", f"1.2.3.4 {LEAK}"),
    ]
    assert PATTERNS.headers(headers) == [
        ("Authorization", "Token [redacted]"),
        ("Cookie", "[redacted]"),
        ("X-Forwarded-For", "1.2.3.4 [redacted]"),
    ]


def test_an_entry_prints_without_credentials(api: Api, server: MockServer) -> None:
    # What pytest shows of entries in a failed assertion (assert mockserver.requests() == []).
    api.get(PROJECT + f"users/?per_page={LEAK}&api_key=abc")
    (entry,) = server.requests()
    assert repr(entry) == (
        f"Entry(#{entry.seq} GET {PROJECT}users/?per_page=[redacted]&api_key=[redacted] → 400)"
    )
    server.state.journal.clear()


@pytest.mark.parametrize(
    ("raw", "redacted"),
    [
        (b'{"secret": "abc", "n": 1}', b'{"secret":"[redacted]","n":1}'),  # by key: re-encoded
        (b'{"url": "https://x.io/sntrys_A"}', b'{"url": "https://x.io/[redacted]"}'),  # kept
        (b'{"ApiKey": ""}', b'{"ApiKey": ""}'),  # an empty secret reveals nothing
        (b"token=sntryu_abc&x=1", b"token=[redacted]&x=1"),  # not JSON: by shape only
        (b"\xff\xfe", b"\xff\xfe"),  # binary: kept
        (DEEP_SECRET, DEEP_SECRET),  # too deep to parse: by shape only
    ],
)
def test_bodies_are_redacted_by_key_and_by_shape(raw: bytes, redacted: bytes) -> None:
    assert PATTERNS.body(raw) == redacted
