"""The admin API's cross-site guard (admin/crosssite.py): what any web page can make a browser
send to the mock cannot change it; curl, scripts and same-origin pages still can, and reads stay
open. Over Flask's test client and a real socket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.conftest import PROJECT
from tests.conftest import Api
from tests.test_security import admin_endpoints

PROBLEM = "application/problem+json"
EVIL = "https://evil.example"
HOW = (
    "call the admin API from curl, a script or mockserver.testing.MockServer (they send no "
    "Origin), or from a page this server serves"
)
# What a page on another site sends with fetch(url, {method: "POST", mode: "no-cors", body}).
PAGE = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"}


def own_origin(api: Api) -> str:
    """The origin the transport reaches the server at (the Host the request carries)."""
    if api.transport == "client":
        return "http://localhost"
    assert api.server is not None
    return f"http://127.0.0.1:{api.server.port}"


def post(api: Api, path: str, headers: dict[str, str], data: bytes | None = None) -> Any:
    return api.call("POST", "/__admin/" + path, token=None, headers=headers, data=data)


def assert_problem(reply: Any, status: int, title: str, detail: str) -> None:
    assert reply.status == status, reply.raw
    assert reply.header("Content-Type") == PROBLEM
    assert reply.json == {
        "type": "urn:mockserver:problem",
        "title": title,
        "status": status,
        "detail": detail,
    }


def test_a_cross_site_text_plain_reset_is_refused_and_changes_nothing(api: Api) -> None:
    hook = api.post(PROJECT + "hooks/", json_body={"url": "https://example.com/kept"})
    assert hook.status == 201
    reply = post(api, "reset", PAGE, data=b"{}")
    assert_problem(
        reply,
        403,
        "Forbidden",
        "cross-site request refused: POST /__admin/reset changes the mock, and the browser sent "
        f"it from another site (Sec-Fetch-Site: cross-site); {HOW}",
    )
    # Not reset: the hook the client made is still there, and so is the journal.
    hooks = api.get(PROJECT + "hooks/").json
    assert [h["id"] for h in hooks if h["url"] == "https://example.com/kept"] == [hook.json["id"]]
    listed = api.call("GET", "/__admin/requests?method=POST", token=None).json
    assert listed["meta"]["total"] == 1


@pytest.mark.parametrize("site", ["cross-site", "same-site", "CROSS-SITE"])
def test_a_request_the_browser_marks_as_from_another_site_is_refused(api: Api, site: str) -> None:
    reply = post(api, "reset", {"Sec-Fetch-Site": site})
    assert_problem(
        reply,
        403,
        "Forbidden",
        "cross-site request refused: POST /__admin/reset changes the mock, and the browser sent "
        f"it from another site (Sec-Fetch-Site: {site.lower()}); {HOW}",
    )


@pytest.mark.parametrize(
    "origin",
    [EVIL, "null", "http://localhost:1", "http://127.0.0.2", "https://localhost", "not a url"],
)
def test_a_request_from_another_origin_is_refused(api: Api, origin: str) -> None:
    reply = post(api, "reset", {"Origin": origin})
    assert_problem(
        reply,
        403,
        "Forbidden",
        "cross-site request refused: POST /__admin/reset changes the mock, and it comes from the "
        f"page of another origin ({origin!r}, not {own_origin(api)!r}); {HOW}",
    )


@pytest.mark.parametrize(
    ("content_type", "mimetype"),
    [
        ("text/plain", "text/plain"),
        ("TEXT/PLAIN; charset=utf-8", "text/plain"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("multipart/form-data; boundary=x", "multipart/form-data"),
    ],
)
def test_a_body_a_page_can_send_without_asking_is_refused(
    api: Api, content_type: str, mimetype: str
) -> None:
    # Without Origin: what an old browser's form post looks like.
    reply = post(api, "reset", {"Content-Type": content_type}, data=b"a=1")
    assert_problem(
        reply,
        415,
        "Unsupported Media Type",
        f"POST /__admin/reset refuses a {mimetype} body, which any web page can send to this "
        "server without asking: send JSON (Content-Type: application/json), or no body at all "
        f"(curl -X POST {own_origin(api)}/__admin/reset)",
    )


def test_curl_still_resets(api: Api) -> None:
    # curl -X POST http://127.0.0.1:8000/__admin/reset: no body, no Content-Type, no Origin.
    reply = post(api, "reset", {"User-Agent": "curl/8.5.0", "Accept": "*/*"})
    assert reply.status == 200
    assert reply.json["status"] == "reset"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},  # typed in the address bar, or a bookmark
        {"Content-Type": "application/json"},
    ],
    ids=["same-origin", "user-initiated", "json"],
)
def test_a_same_origin_page_and_json_clients_still_change_the_mock(
    api: Api, headers: dict[str, str]
) -> None:
    sent = {**headers, "Origin": own_origin(api)} if "Sec-Fetch-Site" in headers else headers
    reply = post(api, "faults", {**sent, "Content-Type": "application/json"}, b'{"status": 503}')
    assert reply.status == 201, reply.raw
    assert post(api, "reset", sent).status == 200


def test_every_state_changing_admin_endpoint_refuses_another_origin(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app().test_client()
    endpoints = admin_endpoints(client.application)
    writes = [(m, p) for m, p in endpoints if m in ("POST", "PUT", "PATCH", "DELETE")]
    assert ("DELETE", "/__admin/requests") in writes
    assert ("POST", "/__admin/scenario") in writes
    let_through = []
    for method, path in writes:
        reply = client.open(path, method=method, headers={"Origin": EVIL}, json={})
        if reply.status_code != 403:
            let_through.append((method, path, reply.status_code))
    assert let_through == []
    # Reads stay open, from anywhere.
    reads = [(m, p) for m, p in endpoints if m in ("GET", "HEAD")]
    assert ("GET", "/__admin/requests") in reads
    refused = [
        (m, p)
        for m, p in reads
        if client.open(p, method=m, headers={"Origin": EVIL}).status_code == 403
    ]
    assert refused == []


def test_the_admin_token_does_not_let_a_page_through(make_app: Callable[..., Flask]) -> None:
    client = make_app(admin_token="admin-secret").test_client()
    headers = {"Authorization": "Bearer admin-secret"}
    assert client.post("/__admin/reset", headers=headers).status_code == 200
    refused = client.post("/__admin/reset", headers={**headers, "Origin": EVIL})
    assert refused.status_code == 403
