"""``mockserver serve``'s access log (mockserver/serving/access_log.py): one line per request
on stderr, text (coloured on a terminal) or JSON, redacted, and none with ``--quiet``."""

from __future__ import annotations

import http.client
import io
import json
import re

import pytest
from click.testing import CliRunner

from mockserver.app import create_app
from mockserver.cli import main
from mockserver.errors import ConfigError
from mockserver.journal.redaction import PATTERNS
from mockserver.serving import serve_app
from mockserver.serving.access_log import AccessLog
from mockserver.state import state_of
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.conftest import FakeClock
from tests.served import serve

AUTH = {"Authorization": f"Bearer {TOKEN}"}
TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
LINE = re.compile(rf"({TIME}) (\S+) (\S+) → (\d+|no response) (\d+\.\d) ms(?: ! (.+))?")


def _logged(fmt: str, colour: bool = False) -> tuple[list[str], FakeClock]:
    """Three requests through an app with the access log: a first GET, the same GET replayed by
    the response cache, and a path without its trailing slash (a violation)."""
    clock = FakeClock(1_705_309_200)  # 2024-01-15T09:00:00Z
    app = create_app({"clock": clock})
    out = io.StringIO()
    state = state_of(app)
    state.journal.listener = AccessLog(lambda: state.redactor, fmt, out, colour=colour)
    client = app.test_client()
    assert client.get(PROJECT, headers=AUTH).status_code == 200
    assert client.get(PROJECT, headers=AUTH).status_code == 200  # replayed
    assert client.get(PROJECT + "hooks?token=sntrys_TOKEN", headers=AUTH).status_code == 404
    return out.getvalue().splitlines(), clock


def test_a_text_line_per_request_with_its_violations_in_short() -> None:
    lines, _ = _logged("text")
    assert len(lines) == 3
    parsed = [LINE.fullmatch(line) for line in lines]
    assert all(parsed), lines
    fields = [m.groups() for m in parsed if m]
    assert [f[0] for f in fields] == ["2024-01-15T09:00:00.000Z"] * 3
    assert [(f[1], f[2], f[3]) for f in fields] == [
        ("GET", PROJECT, "200"),
        ("GET", PROJECT, "200"),
        ("GET", PROJECT + "hooks?token=[redacted]", "404"),
    ]
    assert fields[2][5] == "missing-trailing-slash"
    assert fields[0][5] is None
    assert "\033" not in "".join(lines)
    assert "sntrys_TOKEN" not in "".join(lines)


def test_json_lines_for_machines() -> None:
    lines, _ = _logged("json")
    records = [json.loads(line) for line in lines]
    assert [set(r) for r in records] == [
        {"time", "method", "path", "status", "durationMs", "route", "violations", "faults"}
    ] * 3
    assert records[2] | {"durationMs": 0} == {
        "time": "2024-01-15T09:00:00.000Z",
        "method": "GET",
        "path": PROJECT + "hooks?token=[redacted]",
        "status": 404,
        "durationMs": 0,
        "route": None,
        "violations": ["missing-trailing-slash"],
        "faults": [],
    }
    assert [(r["route"], r["status"]) for r in records[:2]] == [("project-details", 200)] * 2
    assert all(isinstance(r["durationMs"], float) and r["durationMs"] >= 0 for r in records)


def test_colour_marks_the_status_and_the_violations() -> None:
    lines, _ = _logged("text", colour=True)
    dim, reset = "\033[2m", "\033[0m"
    ms = r"\d+\.\d ms"
    assert re.fullmatch(
        re.escape(f"{dim}2024-01-15T09:00:00.000Z{reset} GET {PROJECT} → \033[32m200{reset} ")
        + re.escape(dim)
        + ms
        + re.escape(reset),
        lines[0],
    ), lines[0]
    assert re.fullmatch(
        re.escape(f"{dim}2024-01-15T09:00:00.000Z{reset} GET {PROJECT}hooks?token=[redacted] → ")
        + re.escape(f"\033[33m404{reset} {dim}")
        + ms
        + re.escape(f"{reset} \033[31m! missing-trailing-slash{reset}"),
        lines[2],
    ), lines[2]


def test_a_closed_stderr_does_not_fail_the_request() -> None:
    app = create_app({})
    closed = io.StringIO()
    closed.close()
    state_of(app).journal.listener = AccessLog(lambda: PATTERNS, "text", closed)
    assert app.test_client().get(PROJECT, headers=AUTH).status_code == 200


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=AUTH)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_serve_logs_each_request_on_stderr_as_it_is_answered() -> None:
    for server in ("granian", "waitress"):
        with serve("--server", server, log=True) as served:
            assert _get(served.port, PROJECT) == 200
            line = served.next_line()  # written before the answer was sent: no waiting
            match = LINE.fullmatch(line)
            assert match is not None, line
            assert match.group(2, 3, 4) == ("GET", PROJECT, "200")
            assert _get(served.port, PROJECT + "stats") == 404
            assert served.next_line().endswith(" ! missing-trailing-slash")


def test_serve_log_format_json() -> None:
    with serve("--log-format", "json", log=True) as served:
        assert _get(served.port, PROJECT + "users/?per_page=1") == 200
        record = json.loads(served.next_line())
    assert (record["method"], record["path"], record["status"], record["route"]) == (
        "GET",
        PROJECT + "users/?per_page=1",
        200,
        "project-users",
    )


def test_quiet_silences_the_access_log() -> None:
    with serve(log=True) as loud:  # the same process as below, but for --quiet
        assert _get(loud.port, PROJECT) == 200
        assert LINE.fullmatch(loud.next_line())
    with serve("--quiet", log=True) as quiet:
        for _ in range(3):
            assert _get(quiet.port, PROJECT) == 200
    # Stopped (serve() read the rest of stderr): the readiness line and the stop line only.
    assert len(quiet.lines) == 2, quiet.lines
    assert quiet.lines[1] == "mockserver: SIGTERM, shutting down"


def test_an_unknown_log_format_or_origin_is_refused_before_binding() -> None:
    result = CliRunner().invoke(main, ["serve", "--log-format", "xml"])
    assert result.exit_code == 2
    assert "Invalid value for '--log-format': 'xml' is not one of 'text', 'json'." in result.output
    result = CliRunner().invoke(main, ["serve", "--cors-origin", "localhost:3000"])
    assert result.exit_code == 1
    assert "Error: cors_origins: 'localhost:3000' is not an origin" in result.output
    with pytest.raises(ConfigError, match="unknown access log format 'xml'; one of text, json"):
        serve_app(create_app({}), host="127.0.0.1", port=0, access_log="xml")
