"""The inspector's pages (mockserver/inspector/): what each shows, read through Flask's test
client and over a real socket, without JavaScript; the admin token's login; no CDN.

(The live updates and the writes from its script are driven in Chromium: test_browser.py.)"""

from __future__ import annotations

import html
import http.client
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import url_for

from mockserver.admin.token import session_value
from mockserver.app import create_app
from mockserver.config import Config
from mockserver.testing import MockServer
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.receiver import Receiver

AUTH = {"Authorization": f"Bearer {TOKEN}"}
ADMIN = "adm1n-s3cret-t0ken"
PAGES = ("/__admin/ui/", "/__admin/ui/deliveries", "/__admin/ui/faults", "/__admin/ui/scenario")


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    text: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Browser:
    """GETs and form POSTs through the test client or the socket, the same way."""

    def __init__(self, server: MockServer, transport: str) -> None:
        self.server = server
        self.transport = transport
        self.client = server.app.test_client()

    def open(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: str = ""
    ) -> Page:
        sent = dict(headers or {})
        if self.transport == "client":
            with self.client.open(path, method=method, headers=sent, data=body or None) as got:
                found = {k.lower(): v for k, v in got.headers.items()}
                return Page(got.status_code, found, got.get_data(as_text=True))
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.request(method, path, body=body or None, headers=sent)
            answer = conn.getresponse()
            found = {k.lower(): v for k, v in answer.getheaders()}
            return Page(answer.status, found, answer.read().decode())
        finally:
            conn.close()

    def get(self, path: str, **kw: Any) -> Page:
        return self.open("GET", path, **kw)


@pytest.fixture(scope="module")
def _mock() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


@pytest.fixture(params=["client", "socket"])
def browser(request: pytest.FixtureRequest, _mock: MockServer) -> Browser:
    _mock.reset()
    _mock.app.extensions["mockserver"].faults.clear()
    return Browser(_mock, request.param)


def _call(server: MockServer, method: str, path: str, **kw: Any) -> int:
    return server.app.test_client().open(path, method=method, headers=AUTH, **kw).status_code


def _rows(page: Page) -> list[str]:
    """Each journal row as text: method, path, status, token, mark."""
    found = []
    for row in re.findall(r'<tr class="[^"]*" data-seq="\d+">(.*?)</tr>', page.text, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        found.append(" | ".join([cells[2], cells[3], cells[4], cells[6], cells[7]]))
    return found


def test_the_landing_page_links_the_inspector_the_openapi_document_and_the_admin_api(
    browser: Browser,
) -> None:
    page = browser.get("/")
    assert page.status == 200
    assert page.header("Content-Type") == "text/html; charset=utf-8"
    for href in ("/__admin/ui/", "/openapi.json", "/__admin/ui/api", "/favicon.ico"):
        assert f'href="{href}"' in page.text
    icon = browser.get("/favicon.ico")
    assert (icon.status, icon.header("Content-Type")) == (200, "image/svg+xml; charset=utf-8")
    assert icon.text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    # The mock's own pages: never journaled (a browser's tab on the mock adds nothing), never
    # Sentry's.
    assert browser.server.requests() == []


def test_the_journal_lists_requests_newest_first_with_token_names_and_marks(
    browser: Browser,
) -> None:
    server = browser.server
    assert _call(server, "GET", PROJECT) == 200
    assert _call(server, "GET", PROJECT + "users/?per-page=2") == 200
    server.app.test_client().get(PROJECT + "hooks")  # anonymous, no trailing slash
    page = browser.get("/__admin/ui/")
    assert page.status == 200
    assert _rows(page) == [
        f"GET | {PROJECT}hooks | 404 | anonymous | ✗ 1",
        f"GET | {PROJECT}users/?per-page=2 | 200 | #1 sntrys_… | ✗ 1",
        f"GET | {PROJECT} | 200 | #1 sntrys_… | ",
    ]
    assert TOKEN not in page.text
    assert f'data-newest="{server.requests()[-1].seq}"' in page.text


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("method=POST", ["POST hooks/"]),
        ("status=4xx", ["GET hooks"]),
        ("route=project-users", ["GET users/?per-page=2"]),
        ("route=unmatched", ["GET hooks"]),
        ("violations=true", ["GET hooks", "GET users/?per-page=2"]),
        ("method=GET&status=2xx", ["GET users/?per-page=2", "GET "]),
    ],
)
def test_the_journal_filters_without_javascript(
    browser: Browser, query: str, shown: list[str]
) -> None:
    server = browser.server
    _call(server, "GET", PROJECT)
    _call(server, "GET", PROJECT + "users/?per-page=2")
    _call(server, "GET", PROJECT + "hooks")
    _call(server, "POST", PROJECT + "hooks/", json={"url": "https://example.com/h", "events": []})
    page = browser.get(f"/__admin/ui/?{query}")
    rows = [row.split(" | ") for row in _rows(page)]
    assert [f"{r[0]} {r[1].removeprefix(PROJECT)}" for r in rows] == shown


def test_the_feed_gives_what_came_after_and_says_when_the_journal_was_cleared(
    browser: Browser,
) -> None:
    server = browser.server
    _call(server, "GET", PROJECT)
    _call(server, "GET", PROJECT + "stats/")
    first, second = (e.seq for e in server.requests())
    client = server.app.test_client()
    newer = client.get(f"/__admin/ui/feed?after={first}").json
    assert [(r["seq"], r["target"], r["route"], r["token"]) for r in newer["rows"]] == [
        (second, PROJECT + "stats/", "project-stats", "#1 sntrys_…")
    ]
    assert (newer["newest"], newer["reset"]) == (second, False)
    assert newer["rows"][0]["warnings"] == 1  # stats/ is an unstable endpoint
    assert client.get(f"/__admin/ui/feed?after={second}").json == {
        "rows": [],
        "newest": second,
        "reset": False,
    }
    client.delete("/__admin/requests")
    cleared = client.get(f"/__admin/ui/feed?after={second}").json
    assert cleared == {"rows": [], "newest": 0, "reset": True}
    bad = client.get("/__admin/ui/feed?after=-1")
    assert (bad.status_code, bad.content_type) == (400, "application/problem+json")
    assert bad.json["detail"] == "after must be a seq (0 or more), got '-1'"


def test_a_bad_filter_is_a_clear_400(browser: Browser) -> None:
    page = browser.get("/__admin/ui/?status=6zz")
    assert page.status == 400
    assert page.header("Content-Type") == "application/problem+json"


def test_a_request_in_full(browser: Browser) -> None:
    server = browser.server
    body = {"url": "https://example.com/hook", "events": ["nope"]}
    assert _call(server, "POST", PROJECT + "hooks/", json=body) == 400
    (entry,) = server.requests()
    page = browser.get(f"/__admin/ui/requests/{entry.id}")
    assert page.status == 200
    text = page.text
    assert f'{PROJECT}hooks/</span> → <span class="status">400</span>' in text
    # The violation and its explanation; the bodies pretty; the headers, credentials masked.
    assert "<b>invalid-body</b>" in text
    assert "body.events[0]: &#39;nope&#39; is not accepted" in text
    assert "{\n  &#34;events&#34;: [\n    &#34;nope&#34;\n  ],\n  &#34;url&#34;" in text
    assert "<th>Authorization</th><td>Bearer [redacted]</td>" in text
    assert "<th>Content-Type</th><td>application/json</td>" in text
    assert TOKEN not in text
    curl = re.search(r'<pre id="curl" class="curl">(.*?)</pre>', text, re.S)
    assert curl is not None
    assert html.unescape(curl.group(1)) == (
        f"curl -i -X POST http://localhost{PROJECT}hooks/"
        " -H 'Content-Type: application/json' -H 'Authorization: Bearer [redacted]'"
        """ --data-binary '{"events": ["nope"], "url": "https://example.com/hook"}'"""
    )


def test_an_unmatched_request_shows_its_near_misses(browser: Browser) -> None:
    server = browser.server
    _call(server, "GET", "/api/0/project/my-org/my-project/")
    (entry,) = server.requests()
    page = browser.get(f"/__admin/ui/requests/{entry.id}")
    assert "<h3>Near misses</h3>" in page.text
    assert "try <code>/api/0/projects/my-org/my-project/</code>" in page.text
    assert "<b>unknown-route</b>" in page.text


def test_a_request_no_longer_held_is_a_404_page(browser: Browser) -> None:
    page = browser.get("/__admin/ui/requests/nope-1")
    assert page.status == 404
    assert "<h1>No request nope-1</h1>" in page.text


def test_deliveries_show_their_signature_headers_and_the_receivers_answer(
    browser: Browser,
) -> None:
    server = browser.server
    with Receiver(status=202) as receiver:
        hook = server.app.test_client().post(
            PROJECT + "hooks/", json={"url": receiver.url, "events": ["event.alert"]}, headers=AUTH
        )
        assert hook.status_code == 201
        server.trigger_event("my-org/my-project", "event.alert")
        (delivery,) = server.wait_for_delivery(hook_id=hook.json["id"], timeout=10)
    page = browser.get("/__admin/ui/deliveries")
    assert page.status == 200
    assert f"<code>{receiver.url}</code>" in page.text
    assert 'receiver answered <span class="status">202</span>' in page.text
    signature = delivery.headers["X-ServiceHook-Signature"]
    assert f'<tr class="signature"><th>X-ServiceHook-Signature</th><td>{signature}</td></tr>' in (
        page.text
    )


def test_faults_show_the_rules_presets_and_rate_limits(browser: Browser) -> None:
    server = browser.server
    client = server.app.test_client()
    added = client.post(
        "/__admin/faults", json={"name": "inspector-bad_gateway", "preset": "bad_gateway"}
    )
    assert added.status_code == 201
    assert client.post("/__admin/rate-limits", json="saas").status_code == 200
    try:
        page = browser.get("/__admin/ui/faults")
    finally:
        client.delete("/__admin/rate-limits")
    assert page.status == 200
    assert '<tr data-rule="inspector-bad_gateway">' in page.text
    # The preset is shown on, with its switch; another one off.
    assert 'data-action="remove-rule" data-name="inspector-bad_gateway"' in page.text
    assert 'data-action="preset-on" data-preset="gateway_timeout"' in page.text
    assert "<b>On</b> (from runtime): 40 requests in 1 s" in page.text


def test_the_scenario_with_its_tokens_masked(browser: Browser) -> None:
    page = browser.get("/__admin/ui/scenario")
    assert page.status == 200
    assert "<h1>Scenario <code>default</code></h1>" in page.text
    assert "<code>/api/0/projects/my-org/my-project/</code>" in page.text
    assert "<td>#1 sntrys_…</td><td>project:admin, project:read, project:write</td>" in page.text
    for token in ("sntrys_TOKEN", "sntryu_READONLY", "sntryu_EXPIRED", "sntrys_CI"):
        assert token not in page.text


def test_the_admin_apis_words(browser: Browser) -> None:
    page = browser.get("/__admin/ui/api")
    assert '<span class="method">POST</span> <code>/__admin/reset</code>' in page.text
    assert "Back to the loaded scenario" in page.text


def test_everything_the_pages_need_is_served_by_the_mock(browser: Browser) -> None:
    """No CDN: every script, style and image a page names is the mock's own, and is served."""
    for path in ("/", *PAGES, "/__admin/ui/api"):
        page = browser.get(path)
        assert page.status == 200, path
        for found in re.findall(r'(?:src|href)="([^"]+)"', page.text):
            assert re.match(r"/(?!/)", found), (path, found)
    for name, kind in (("inspector.js", "text/javascript"), ("inspector.css", "text/css")):
        asset = browser.get(f"/__admin/ui/static/{name}")
        assert asset.status == 200
        assert (asset.header("Content-Type") or "").startswith(kind)


# --- the admin token ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _locked_mock() -> Iterator[MockServer]:
    with MockServer(Config(admin_token=ADMIN)) as server:
        yield server


@pytest.fixture(params=["client", "socket"])
def locked(request: pytest.FixtureRequest, _locked_mock: MockServer) -> Browser:
    return Browser(_locked_mock, request.param)


def test_without_the_token_every_page_is_the_login_form(locked: Browser) -> None:
    for path in (
        *PAGES,
        "/__admin/ui/api",
        "/__admin/ui/requests/x",
        "/__admin/ui/static/inspector.js",
    ):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Cookie": "mockserver_admin=x"}):
            page = locked.get(path, headers=headers)
            assert page.status == 401, path
            assert '<input type="password" name="token"' in page.text
            assert ADMIN not in page.text
    feed = locked.get("/__admin/ui/feed")
    assert (feed.status, feed.header("Content-Type")) == (401, "application/problem+json")


def _login(locked: Browser, token: str, next_page: str = "/__admin/ui/faults") -> Page:
    port = locked.server.port
    return locked.open(
        "POST",
        "/__admin/ui/login",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{port}"
            if locked.transport == "socket"
            else "http://localhost",
        },
        body=f"token={token}&next={next_page}",
    )


def test_the_login_form_sets_a_session_cookie_that_is_not_the_token(locked: Browser) -> None:
    wrong = _login(locked, "nope")
    assert wrong.status == 401
    assert "That is not the admin token." in wrong.text
    assert wrong.header("Set-Cookie") is None
    right = _login(locked, ADMIN)
    assert (right.status, right.header("Location")) == (303, "/__admin/ui/faults")
    cookie = right.header("Set-Cookie") or ""
    port = locked.server.port if locked.transport == "socket" else None
    name = f"mockserver_admin_{port}" if port else "mockserver_admin"
    value = session_value(ADMIN)
    assert cookie == f"{name}={value}; HttpOnly; Path=/__admin/; SameSite=Strict"
    assert ADMIN not in cookie
    with_cookie = {"Cookie": f"{name}={value}"}
    # The cookie opens the pages and the admin API (same-origin writes of the page's script).
    for path in PAGES:
        assert locked.get(path, headers=with_cookie).status == 200
    assert locked.get("/__admin/requests", headers=with_cookie).status == 200
    assert locked.open("DELETE", "/__admin/requests", headers=with_cookie).status == 200
    out = locked.open("POST", "/__admin/ui/logout", headers=with_cookie)
    assert out.status == 303
    assert (out.header("Set-Cookie") or "").startswith(f"{name}=; Expires=Thu, 01 Jan 1970")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/api/0/"])
def test_login_goes_back_only_to_the_inspector(locked: Browser, target: str) -> None:
    page = _login(locked, ADMIN, target)
    assert (page.status, page.header("Location")) == (303, "/__admin/ui/")


def test_another_sites_page_cannot_post_the_login_form(locked: Browser) -> None:
    page = locked.open(
        "POST",
        "/__admin/ui/login",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": "https://evil.example",
        },
        body=f"token={ADMIN}",
    )
    assert page.status == 403
    assert page.header("Set-Cookie") is None


def test_urls_are_built_by_builders_written_on_first_use() -> None:
    """The app's rules write their URL builders when first asked (mockserver.app.LazyBuildRule):
    the URLs are werkzeug's, with the values in the path, and the others in the query."""
    app = create_app(Config())
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "inspector.entry")
    assert rule._build.__name__ == rule._build_unknown.__name__ == "build_first"
    with app.test_request_context():
        assert url_for("inspector.entry", entry_id="a b") == "/__admin/ui/requests/a%20b"
        assert url_for("inspector.journal", status="5xx") == "/__admin/ui/?status=5xx"
        assert url_for("inspector.entry", entry_id="x", _external=True) == (
            "http://localhost/__admin/ui/requests/x"
        )
    # url_for's (which puts unknown values in the query) written once, then werkzeug's own.
    assert rule._build_unknown.__name__ != "build_first"
    assert rule._build.__name__ == "build_first"
