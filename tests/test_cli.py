"""The command line: ``mockserver validate`` and ``mockserver serve`` (a real process)."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.resources import default_scenario
from tests.conftest import PROJECT
from tests.served import serve

ACCEPTANCE = Path(__file__).resolve().parents[2] / "shared" / "acceptance" / "seed_examples.py"
MOCKSERVER = Path(sys.executable).parent / "mockserver"


def test_validate_accepts_the_default_scenario() -> None:
    result = CliRunner().invoke(main, ["validate", str(default_scenario())])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"ok: {default_scenario()} (2 organizations, 3 projects)")


def test_validate_reports_each_broken_file_and_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\norganizations:\n  - id: 1\n    slug: x\n    projects: []\n")
    result = CliRunner().invoke(main, ["validate", str(default_scenario()), str(broken)])
    assert result.exit_code == 1
    assert f"ok: {default_scenario()}" in result.output
    assert (
        f"error: {broken}: line 3, $.organizations[0].id: expected string, got int 1"
        in result.output
    )


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert re.search(r"\d+\.\d+\.\d+", result.output)


class Served:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """``mockserver serve --port 0`` in a subprocess; the URL is read from its first line."""
    process = subprocess.Popen(
        [str(MOCKSERVER), "serve", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None
    line = process.stderr.readline()  # blocks until the socket is bound: no sleep
    match = re.search(r"on (http://127\.0\.0\.1:\d+)/", line)
    assert match, line
    try:
        yield Served(process, match.group(1))
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stderr.close()


def test_serve_answers_every_documentation_example(served: Served) -> None:
    if not ACCEPTANCE.exists():
        pytest.skip(f"{ACCEPTANCE} is not beside the checkout")
    result = subprocess.run(
        [sys.executable, str(ACCEPTANCE), served.url], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\n14 passed, 0 failed$", result.stdout.strip()), result.stdout


def test_serve_stops_cleanly_on_sigterm(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=10) == 0
    assert served.process.stderr is not None
    assert "SIGTERM, shutting down" in served.process.stderr.read()


def test_serve_refuses_a_broken_scenario_before_binding(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\norganizations: []\nusers: []\n")
    result = subprocess.run(
        [str(MOCKSERVER), "serve", "--port", "0", "--scenario", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"Error: {broken}: line 3, $.users: unknown key 'users'" in result.stderr


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), {"enabled": True, "entries": 1, "hits": 1, "misses": 1, "kept": 1, "bytes": 0}),
        (("--no-response-cache",), {"enabled": False}),
    ],
)
def test_serve_replays_a_repeated_get_unless_told_not_to(
    options: tuple[str, ...], expected: dict[str, Any]
) -> None:
    with serve(*options) as served:
        bodies = []
        for _ in range(2):
            conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
            conn.request("GET", PROJECT, headers={"Authorization": "Bearer sntrys_TOKEN"})
            reply = conn.getresponse()
            bodies.append((reply.status, reply.read()))
            conn.close()
        assert bodies[0] == bodies[1]
        assert bodies[0][0] == 200
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        conn.request("GET", "/__admin/health")
        health = json.loads(conn.getresponse().read())
        conn.close()
    if "bytes" in expected:
        expected = {**expected, "bytes": len(bodies[0][1])}
    assert health["responseCache"] == expected
    assert health["journal"]["recorded"] == 2
