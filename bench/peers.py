"""Servers that ``bench/run.py`` measures beside ``mockserver serve``, one per process.

``python bench/peers.py KIND --port PORT --stubs STUBS.json``:

- ``flask``: not run this way; granian imports :func:`flask_app` (the same server, threads and
  HTTP settings as ``mockserver serve``), so the gap to the mock is the mock's own work.
- ``httpserver``: pytest-httpserver with one permanent handler per stub.
- ``mock-journal-off``: ``mockserver serve`` as the CLI runs it, with the journal switched off
  (there is no setting for it yet: the journal's ``enabled`` flag is set on the built app).

Every stub answers the mock's own bytes (``run.py`` records them from the mock), so every server
sends the same bodies.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def load_stubs(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The stubs ``run.py`` wrote: method, path, query, status, headers and body."""
    stubs: list[dict[str, Any]] = json.loads(Path(path).read_text(encoding="utf-8"))
    return stubs


def flask_app() -> Any:
    """The trivial Flask app: a dict lookup by method, path and query, then the recorded answer.

    A stub recorded with ``any_query`` (a sample of the distinct pages) answers its path
    whatever the query; the first stub of a path answers any query it was not recorded with.
    """
    from flask import Flask
    from flask import Response
    from flask import request

    stubs = load_stubs(os.environ["BENCH_STUBS"])
    exact = {(s["method"], s["path"], s["query"]): s for s in stubs if not s.get("any_query")}
    fallback = {(s["method"], s["path"]): s for s in stubs if s.get("any_query")}
    for s in stubs:
        fallback.setdefault((s["method"], s["path"]), s)
    app = Flask("trivial")

    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE"])
    def answer(path: str) -> Response:
        method, path = request.method, request.path
        stub = exact.get((method, path, request.query_string.decode()))
        if stub is None:
            stub = fallback[(method, path)]
        return Response(stub["body"], status=stub["status"], headers=stub["headers"])

    return app


def serve_httpserver(port: int, stubs: list[dict[str, Any]]) -> None:
    """pytest-httpserver, as a downstream suite would configure it: one handler per request."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=port)
    for stub in stubs:
        query = None if stub.get("any_query") else stub["query"] or None
        server.expect_request(
            stub["path"], method=stub["method"], query_string=query
        ).respond_with_data(stub["body"], status=stub["status"], headers=stub["headers"])
    server.start()
    _wait_for_stop()
    server.stop()


def serve_mock_without_journal(port: int, scenario: str) -> None:
    """``mockserver serve`` with the journal off."""
    from mockserver.app import create_app
    from mockserver.config import Config
    from mockserver.serving import serve_app
    from mockserver.state import state_of

    app = create_app(Config.from_env(scenario=Path(scenario), validate_responses=True))
    state_of(app).journal.enabled = False
    serve_app(app, host="127.0.0.1", port=port)


def _wait_for_stop() -> None:
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()


def main() -> None:
    """Start one server and serve until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["httpserver", "mock-journal-off"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stubs", help="stubs JSON (httpserver)")
    parser.add_argument("--scenario", help="scenario file (mock-journal-off)")
    args = parser.parse_args()
    if args.kind == "httpserver":
        serve_httpserver(args.port, load_stubs(args.stubs))
    else:
        serve_mock_without_journal(args.port, args.scenario)
    sys.exit(0)


if __name__ == "__main__":
    main()
