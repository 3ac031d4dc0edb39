"""The README's screenshots of the inspector: ``.venv/bin/python docs/screenshots.py``.

Drives Debian's Chromium (``apt-get install chromium``) with Playwright, against a mock in this
process with a little traffic, and writes ``docs/inspector-*.png``.
"""

from __future__ import annotations

import http.client
from json import dumps
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from mockserver.testing import MockServer

HERE = Path(__file__).resolve().parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
AUTH = {"Authorization": "Bearer sntrys_TOKEN"}
PROJECT = "/api/0/projects/my-org/my-project/"


class _Client:
    """Requests over the mock's socket (so that the journal shows its real address)."""

    def __init__(self, mock: MockServer) -> None:
        self.port = mock.port

    def _send(self, method: str, path: str, headers: dict[str, str], body: str | None) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            conn.getresponse().read()
        finally:
            conn.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> None:
        self._send("GET", path, headers or {}, None)

    def post(self, path: str, json: Any, headers: dict[str, str] | None = None) -> None:
        sent = {"Content-Type": "application/json", **(headers or {})}
        self._send("POST", path, sent, dumps(json))


def traffic(mock: MockServer) -> str:
    """A few requests a frontend makes; the id of the one to show in full."""
    client = _Client(mock)
    client.get(PROJECT, headers=AUTH)
    client.get(PROJECT + "users/?per_page=5", headers=AUTH)
    client.get(PROJECT + "stats/?stat=received&resolution=1h", headers=AUTH)
    client.get(PROJECT + "hooks", headers=AUTH)
    client.post(
        PROJECT + "hooks/", json={"url": "https://example.com/h", "events": ["nope"]}, headers=AUTH
    )
    client.get(PROJECT + "users/?per-page=2", headers=AUTH)
    client.get(PROJECT + "tags/browser/values/?__code=503", headers=AUTH)
    client.get(PROJECT, headers={"Authorization": "Bearer sntryu_EXPIRED"})
    client.post(
        "/__admin/faults", json={"route": "project-stats", "status": 503, "when": {"first": 2}}
    )
    client.post(
        "/__admin/faults", json={"name": "slow-users", "route": "project-users", "delay": 800}
    )
    posted = [e for e in mock.requests() if e.method == "POST"]
    return posted[0].id


def main() -> None:
    with MockServer() as mock, sync_playwright() as playwright:
        shown = traffic(mock)
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 560})
        for name, path in (
            ("journal", "/__admin/ui/"),
            ("request", f"/__admin/ui/requests/{shown}"),
            ("faults", "/__admin/ui/faults"),
        ):
            page.goto(mock.url_for(path))
            page.screenshot(path=str(HERE / f"inspector-{name}.png"))
        browser.close()


if __name__ == "__main__":
    main()
