"""In-process measurements for ``bench/run.py``, each in a fresh interpreter (one JSON line out).

``python bench/inproc.py fixture``: ``MockServer`` as the pytest fixture uses it: time to build
it (schemas and scenario), to start it, and to the first 200; then ``reset()`` after a change.

``python bench/inproc.py httpserver``: the same for pytest-httpserver (``HTTPServer`` started,
one handler, first 200; ``clear()`` as its reset).

``python bench/inproc.py scenario SCENARIO``: time and peak memory to build an app for a
scenario (issue 4: 100 vs 1,000,000 generated users).
"""

from __future__ import annotations

import http.client
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

TOKEN = {"Authorization": "Bearer sntrys_TOKEN"}
PROJECT = "/api/0/projects/my-org/my-project/"
HOOK = json.dumps({"url": "https://example.com/hook", "events": ["event.created"]})
RESETS = 200


def _get(port: int, path: str, method: str = "GET", body: str | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = dict(TOKEN)
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def fixture() -> dict[str, Any]:
    """MockServer: build, start, first answer, reset."""
    from mockserver.config import Config
    from mockserver.testing import MockServer

    t0 = time.perf_counter()
    server = MockServer(Config(validate_responses=True))
    t1 = time.perf_counter()
    server.start()
    t2 = time.perf_counter()
    status = _get(server.port, PROJECT)
    t3 = time.perf_counter()
    resets = []
    for _ in range(RESETS):
        _get(server.port, PROJECT + "hooks/", "POST", HOOK)
        start = time.perf_counter()
        server.reset()
        resets.append(time.perf_counter() - start)
    server.stop()
    return {
        "status": status,
        "build_ms": (t1 - t0) * 1000,
        "start_ms": (t2 - t1) * 1000,
        "first_200_ms": (t3 - t2) * 1000,
        "ready_ms": (t3 - t0) * 1000,
        "reset_ms": statistics.median(resets) * 1000,
        "reset_max_ms": max(resets) * 1000,
    }


def httpserver() -> dict[str, Any]:
    """pytest-httpserver: start, one handler, first answer; ``clear()`` as the reset."""
    from pytest_httpserver import HTTPServer

    t0 = time.perf_counter()
    server = HTTPServer(host="127.0.0.1", port=0)
    t1 = time.perf_counter()
    server.start()
    t2 = time.perf_counter()
    server.expect_request(PROJECT).respond_with_json({"id": "2"})
    status = _get(server.port, PROJECT)
    t3 = time.perf_counter()
    resets = []
    for _ in range(RESETS):
        server.expect_request(PROJECT).respond_with_json({"id": "2"})
        start = time.perf_counter()
        server.clear()
        resets.append(time.perf_counter() - start)
    server.stop()
    return {
        "status": status,
        "build_ms": (t1 - t0) * 1000,
        "start_ms": (t2 - t1) * 1000,
        "first_200_ms": (t3 - t2) * 1000,
        "ready_ms": (t3 - t0) * 1000,
        "reset_ms": statistics.median(resets) * 1000,
        "reset_max_ms": max(resets) * 1000,
    }


def scenario(path: str) -> dict[str, Any]:
    """Build an app for a scenario: seconds and peak RSS (the interpreter's own included)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    from mockserver.app import create_app
    from mockserver.config import Config

    t1 = time.perf_counter()
    app = create_app(Config(scenario=Path(path), validate_responses=True))
    t2 = time.perf_counter()
    client = app.test_client()
    status = client.get(PROJECT + "users/?per_page=100", headers=TOKEN).status_code
    return {
        "status": status,
        "import_ms": (t1 - t0) * 1000,
        "build_ms": (t2 - t1) * 1000,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": before / 1024,
    }


def main() -> None:
    """Run one measurement and print it as JSON."""
    kind = sys.argv[1]
    if kind == "fixture":
        result = fixture()
    elif kind == "httpserver":
        result = httpserver()
    else:
        result = scenario(sys.argv[2])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
