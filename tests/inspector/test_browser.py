"""The browser door, in real headless Chromium (Debian's, driven by Playwright): a page on
another origin calls the mock with ``fetch``, and the inspector shows it, live.

Skipped where Chromium is missing (tests/conftest.py says so in one line). Every wait is one of
Playwright's, with a timeout: no sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright

from mockserver.config import Config
from mockserver.testing import MockServer
from tests.conftest import CHROMIUM
from tests.conftest import PROJECT
from tests.conftest import TOKEN

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LIVE_WITHIN_MS = 2000
"""A request made by the page appears in the inspector within this, without a reload."""
NGINX_503 = (
    "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>"
    "\r\n</body>\r\n</html>\r\n"
)
RATE_LIMITED = (
    '"You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"'
)
SLASH_HINT = (
    "Route not found, did you forget a trailing slash?\n\n"
    f"try: {PROJECT}hooks/\n" + " " * 44 + "^\n"
)
# What the page's script does: fetch, and hand back what its JavaScript can read (a CORS refusal
# throws, and fails the test).
FETCH = """async ([url, init]) => {
    const answer = await fetch(url, init);
    return {status: answer.status, body: await answer.text(),
            type: answer.headers.get("content-type")};
}"""


class _App(BaseHTTPRequestHandler):
    """The frontend developer's app: a page on its own origin."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>app</title><h1>app on another origin</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    """A second local server, on another port: the page's origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _App)  # bound before serving
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def _mock() -> Iterator[MockServer]:
    with MockServer(Config(validate_responses=True)) as server:
        yield server


@pytest.fixture
def mock(_mock: MockServer) -> MockServer:
    _mock.reset()
    _mock.state.faults.clear()
    return _mock


@pytest.fixture
def app_page(chromium: Browser, origin: str) -> Iterator[Page]:
    """The developer's app, open on its origin."""
    context = chromium.new_context()
    page = context.new_page()
    page.goto(origin)
    yield page
    context.close()


@pytest.fixture
def inspector(chromium: Browser, mock: MockServer) -> Iterator[Page]:
    """The inspector's journal, open in its own tab."""
    context = chromium.new_context()
    page = context.new_page()
    page.goto(mock.url_for("/__admin/ui/"))
    yield page
    context.close()


def call(page: Page, url: str, **init: Any) -> dict[str, Any]:
    """``fetch(url, init)`` from the page; what its JavaScript sees."""
    seen: dict[str, Any] = page.evaluate(FETCH, [url, init])
    return seen


def authorized(**headers: str) -> dict[str, Any]:
    return {"headers": {"Authorization": f"Bearer {TOKEN}", **headers}}


def test_a_request_from_the_page_appears_live_with_its_violation(
    mock: MockServer, app_page: Page, inspector: Page
) -> None:
    inspector.evaluate("window.notReloaded = true")
    seen = call(app_page, mock.url_for(PROJECT + "users/?per-page=2"), **authorized())
    assert seen["status"] == 200
    newest = inspector.locator("#rows tr").first
    expect(newest).to_contain_text(f"{PROJECT}users/?per-page=2", timeout=LIVE_WITHIN_MS)
    expect(newest.locator(".status")).to_have_text("200")
    expect(newest.locator(".token")).to_have_text("#1 sntrys_…")
    expect(newest.locator(".violation")).to_have_text("✗ 1")
    expect(newest).to_have_class("s2xx violating fresh")
    assert inspector.evaluate("window.notReloaded") is True
    # Its detail: the violation, explained.
    newest.locator("td.path a").click()
    expect(inspector.locator("h1")).to_contain_text(f"GET {PROJECT}users/?per-page=2 → 200")
    violation = inspector.locator(".violations li.error")
    expect(violation).to_contain_text("unknown-query-parameter")
    expect(violation).to_contain_text("did you mean 'per_page'?")
    expect(inspector.locator("body")).not_to_contain_text(TOKEN)


@pytest.mark.parametrize(
    ("path", "headers", "status", "body"),
    [
        (PROJECT + "?__code=503", {}, 503, NGINX_503),
        (PROJECT + "?__code=429", {}, 429, RATE_LIMITED),
        (PROJECT, {"Prefer": "code=503"}, 503, NGINX_503),
        (PROJECT + "hooks", {}, 404, SLASH_HINT),
    ],
)
def test_what_the_page_asks_for_reaches_its_javascript_as_sentry_would_send_it(
    mock: MockServer,
    app_page: Page,
    path: str,
    headers: dict[str, str],
    status: int,
    body: str,
) -> None:
    seen = call(app_page, mock.url_for(path), **authorized(**headers))
    assert (seen["status"], seen["body"]) == (status, body)
    # The browser asked first (its Authorization header is not a simple one): the preflight got
    # 200, with no fault; the request itself got the fault.
    preflight, request = mock.requests()
    assert (preflight.method, preflight.status, preflight.faults) == ("OPTIONS", 200, ())
    assert (request.method, request.status) == ("GET", status)


def test_a_credentialed_fetch_works(mock: MockServer, app_page: Page, origin: str) -> None:
    seen = call(app_page, mock.url_for(PROJECT), credentials="include", **authorized())
    assert seen["status"] == 200
    assert '"slug":"my-project"' in seen["body"]
    (_, request) = mock.requests()
    assert request.response_header("Access-Control-Allow-Origin") == origin
    assert request.response_header("Access-Control-Allow-Credentials") == "true"


def test_a_fault_turned_on_in_the_inspector_reaches_the_pages_next_fetch(
    mock: MockServer, app_page: Page, inspector: Page
) -> None:
    url = mock.url_for(PROJECT)
    assert call(app_page, url, **authorized())["status"] == 200
    inspector.goto(mock.url_for("/__admin/ui/faults"))
    form = inspector.locator("#add-fault")
    form.locator("select[name=route]").select_option("project-details")
    form.locator("input[name=prefer]").fill("code=503")
    form.locator("button[type=submit]").click()
    rule = inspector.locator("table.rules tbody tr")
    expect(rule).to_have_count(1)
    expect(rule).to_contain_text("project-details")
    expect(rule).to_contain_text("runtime")
    seen = call(app_page, url, **authorized())
    assert (seen["status"], seen["body"]) == (503, NGINX_503)
    # And off again.
    rule.locator("button[data-action=remove-rule]").click()
    expect(inspector.locator("table.rules")).to_have_count(0)
    assert call(app_page, url, **authorized())["status"] == 200


def test_a_preset_switched_on_and_off_in_the_inspector(
    mock: MockServer, app_page: Page, inspector: Page
) -> None:
    url = mock.url_for(PROJECT)
    inspector.goto(mock.url_for("/__admin/ui/faults"))
    inspector.locator("button[data-preset=rate_limited]").click()
    expect(inspector.locator("tr[data-rule=inspector-rate_limited]")).to_have_count(1)
    assert call(app_page, url, **authorized()) == {
        "status": 429,
        "body": RATE_LIMITED,
        "type": "text/html; charset=utf-8",
    }
    inspector.locator("tr.on button[data-name=inspector-rate_limited]").click()
    expect(inspector.locator("tr[data-rule=inspector-rate_limited]")).to_have_count(0)
    assert call(app_page, url, **authorized())["status"] == 200


def test_clearing_the_journal_and_resetting_from_the_inspector(
    mock: MockServer, app_page: Page, inspector: Page
) -> None:
    call(app_page, mock.url_for(PROJECT), **authorized())
    expect(inspector.locator("#rows tr")).to_have_count(2, timeout=LIVE_WITHIN_MS)  # + preflight
    inspector.locator("#clear").click()
    expect(inspector.locator("#rows tr")).to_have_count(0)
    expect(inspector.locator("#empty")).to_be_visible()
    assert mock.requests() == []
    # A page's change, undone by the scenario page's reset.
    changed = call(
        app_page,
        mock.url_for(PROJECT),
        method="PUT",
        body='{"name": "Renamed"}',
        **authorized(**{"Content-Type": "application/json"}),
    )
    assert changed["status"] == 200
    inspector.goto(mock.url_for("/__admin/ui/scenario"))
    inspector.locator("button[data-action=reset]").click()
    expect(inspector.locator("h1")).to_have_text("Scenario default")
    assert '"name":"My Project"' in call(app_page, mock.url_for(PROJECT), **authorized())["body"]


TINY_YAML = """\
version: 1
name: tiny
seed: 1
tokens: [{token: t0ken-of-tiny, scopes: [project:read]}]
organizations: [{id: "1", slug: o, projects: [{id: "2", slug: p}]}]
"""


def test_another_scenario_file_is_loaded_from_the_inspector(
    mock: MockServer, inspector: Page, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\norganizations: []\nusres: []\n")
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(TINY_YAML)
    inspector.goto(mock.url_for("/__admin/ui/scenario"))
    form = inspector.locator("#load-file")
    form.locator("input[type=file]").set_input_files(str(broken))
    form.locator("button[type=submit]").click()
    flash = inspector.locator("#flash")
    expect(flash).to_contain_text("400")
    expect(flash).to_contain_text("line 3, $.usres: unknown key 'usres'")
    expect(inspector.locator("h1")).to_have_text("Scenario default")
    form.locator("input[type=file]").set_input_files(str(tiny))
    form.locator("input[name=seed]").fill("7")
    form.locator("button[type=submit]").click()
    expect(inspector.locator("h1")).to_have_text("Scenario tiny")
    expect(inspector.locator(".meta").first).to_contain_text("seed 7")
    expect(inspector.locator("table.tokens")).to_contain_text("#1 …")
    expect(inspector.locator("body")).not_to_contain_text("t0ken-of-tiny")
    inspector.locator("#load-default button").click()
    expect(inspector.locator("h1")).to_have_text("Scenario default")


def test_the_inspector_follows_the_admin_token(chromium: Browser) -> None:
    with MockServer(Config(admin_token="adm1n-s3cret-t0ken")) as locked:
        context = chromium.new_context()
        try:
            page = context.new_page()
            answer = page.goto(locked.url_for("/__admin/ui/faults"))
            assert answer is not None
            assert answer.status == 401
            page.locator("input[name=token]").fill("wrong")
            page.locator("button[type=submit]").click()
            expect(page.locator(".error")).to_have_text("That is not the admin token.")
            page.locator("input[name=token]").fill("adm1n-s3cret-t0ken")
            page.locator("button[type=submit]").click()
            expect(page.locator("h1")).to_have_text("Faults and rate limits")
            # The page's script writes through the admin API with the session cookie.
            page.locator("button[data-preset=not_found]").click()
            expect(page.locator("tr[data-rule=inspector-not_found]")).to_have_count(1)
            assert [r.name for r in locked.state.faults.rules()] == ["inspector-not_found"]
        finally:
            context.close()
