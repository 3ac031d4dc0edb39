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
from mockserver.config import ENVIRONMENT
from mockserver.resources import default_scenario
from tests.conftest import PROJECT
from tests.deadline import within
from tests.served import serve
from tests.world.test_bounds import DEEP_BLOCK
from tests.world.test_bounds import LAUGHS

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
    # Every problem of the file, sorted by line (the first alone was reported before).
    assert result.stderr.startswith(f"Error: {broken}: line 2, $.organizations: ")
    assert f"\n{broken}: line 3, $.users: unknown key 'users'" in result.stderr


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


# --- hard input: nothing on the command line wedges the mock or ends in a traceback -----------


def test_validate_refuses_a_billion_laughs_at_once(tmp_path: Path) -> None:
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text(LAUGHS, encoding="utf-8")
    result = within(lambda: CliRunner().invoke(main, ["validate", str(laughs)]))
    assert result.exit_code == 1
    assert result.output == (
        f"error: {laughs}: line 6, column 7: aliases expand the document by more than 100,000 "
        "nodes; those here repeat 13,942 each\n"
        "  fix: aliases may add at most 100,000 nodes: repeat fewer aliases, or write the values "
        "out (use 'generate: N' for many items)\n"
    )


def test_validate_refuses_deeply_nested_yaml(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text(DEEP_BLOCK, encoding="utf-8")
    result = within(lambda: CliRunner().invoke(main, ["validate", str(deep)]))
    assert result.exit_code == 1
    assert result.output == (
        f"error: {deep}: line 65, column 129: nested more than 64 levels deep\n"
        "  fix: nest at most 64 levels deep (the default scenario nests 10)\n"
    )


def test_serve_refuses_a_billion_laughs_before_binding(tmp_path: Path) -> None:
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text(LAUGHS, encoding="utf-8")
    result = subprocess.run(
        [str(MOCKSERVER), "serve", "--port", "0", "--scenario", str(laughs)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,  # the deadline: a process that starts, refuses and exits
    )
    assert result.returncode == 1
    assert f"Error: {laughs}: line 6, column 7: aliases expand the document" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["65536", "65537", "70000", "-1"])
def test_serve_refuses_a_port_out_of_range(port: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", port])
    assert result.exit_code == 2  # a usage error: nothing was served
    assert f"Invalid value for '--port': {port} is not in the range 0<=x<=65535." in result.output


def test_serve_on_port_65537_is_a_usage_error_not_port_1() -> None:
    result = subprocess.run(
        [str(MOCKSERVER), "serve", "--port", "65537"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,  # the deadline: it must exit, not serve
    )
    assert result.returncode == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--port': 65537 is not in the range 0<=x<=65535.\n"
    )


@pytest.mark.parametrize(
    ("option", "value", "bounds"),
    [
        ("--threads", "0", "1<=x<=256"),
        ("--threads", "100000", "1<=x<=256"),
        ("--io-threads", "65", "1<=x<=64"),
    ],
)
def test_serve_refuses_thread_counts_out_of_range(option: str, value: str, bounds: str) -> None:
    result = CliRunner().invoke(main, ["serve", option, value])
    assert result.exit_code == 2
    assert f"Invalid value for '{option}': {value} is not in the range {bounds}." in result.output


def test_generate_tag_values_without_a_key_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["generate", "tag-values"])
    assert result.exit_code == 2
    assert result.output.endswith("Error: tag-values needs --key (a tag key of the project)\n")
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("options", "detail"),
    [
        (["--since", "nan"], "since must be a numeric timestamp"),
        (["--resolution", "2h"], "Invalid resolution"),
    ],
)
def test_generate_stats_options_sentry_refuses_are_usage_errors(
    options: list[str], detail: str
) -> None:
    result = CliRunner().invoke(main, ["generate", "stats", *options])
    assert result.exit_code == 2
    assert result.output.endswith(f"Error: {detail}\n")


def test_generate_from_a_missing_scenario_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = CliRunner().invoke(main, ["generate", "users", "--scenario", str(missing)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {missing}: file: no such file\n  fix: check the path, or run 'mockserver "
        "validate'\n"
    )


def test_generate_from_a_billion_laughs_is_refused_at_once(tmp_path: Path) -> None:
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text(LAUGHS, encoding="utf-8")
    result = within(
        lambda: CliRunner().invoke(main, ["generate", "users", "--scenario", str(laughs)])
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {laughs}: line 6, column 7: aliases expand")


@pytest.mark.parametrize(
    "command",
    [["openapi"], ["generate", "users", "--count", "1"], ["generate", "world"]],
    ids=["openapi", "generate", "world"],
)
def test_an_out_path_that_cannot_be_written_is_an_error_not_a_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    out = blocker / "out"  # under a file: no directory can be made there
    result = CliRunner().invoke(main, [*command, "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot write {out}")
    assert result.output.endswith(": Not a directory; check --out\n")


def test_validate_names_a_directory_as_such(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (
        f"error: {tmp_path}: file: is a directory\n  fix: name a scenario file (*.yaml) in it\n"
    )


def test_validate_prints_every_problem_of_a_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "version: 1\norganizations:\n  - id: 1\n    slug: x\n    projects: []\n    nmae: X\n"
    )
    result = CliRunner().invoke(main, ["validate", str(broken)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: {broken}: line 3, $.organizations[0].id: expected string, got int 1",
        "  fix: quote it: '1' (ids and versions are strings in Sentry)",
        f"error: {broken}: line 6, $.organizations[0].nmae: unknown key 'nmae'",
        "  fix: remove it; did you mean 'name'?",
    ]


def test_serve_help_lists_every_variable() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "Environment (the options win over them):" in result.output
    for name, what in ENVIRONMENT.items():
        assert re.search(rf"\n  +{name} +{re.escape(what)}\n", result.output), name


def first_line(env: dict[str, str], *options: str) -> tuple[subprocess.Popen[str], str]:
    """``mockserver serve OPTIONS`` with these variables, and its first line on stderr."""
    process = subprocess.Popen(
        [str(MOCKSERVER), "serve", *options],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
    )
    assert process.stderr is not None
    for _ in range(3):  # a warning may come first (listening beyond 127.0.0.1)
        line = process.stderr.readline()  # blocks until written: bound, warned or refused
        if " on http://" in line or not line:
            break
    return process, line


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    assert process.returncode == 0


def test_serve_binds_where_mockserver_host_and_port_say() -> None:
    # Port 0 from the variable, not 8000 from the default: the readiness line shows a free one.
    process, line = first_line({"MOCKSERVER_HOST": "127.0.0.2", "MOCKSERVER_PORT": "0"})
    try:
        match = re.search(r" on http://127\.0\.0\.2:(\d+)/ ", line)
        assert match, line
        assert int(match.group(1)) not in (0, 8000)
    finally:
        stop(process)
    # The options win over the variables (a port the variable could not give is not read).
    process, line = first_line({"MOCKSERVER_PORT": "99999"}, "--port", "0", "--host", "127.0.0.1")
    try:
        assert " on http://127.0.0.1:" in line, line
    finally:
        stop(process)


def test_a_bad_mockserver_port_is_refused_before_binding() -> None:
    result = subprocess.run(
        [str(MOCKSERVER), "serve"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MOCKSERVER_PORT": "99999"},
    )
    assert result.returncode == 1
    assert result.stderr == "Error: MOCKSERVER_PORT must be from 0 to 65535, got 99999\n"


def test_serve_honours_mockserver_strict() -> None:
    process, line = first_line({"MOCKSERVER_STRICT": "1"}, "--port", "0")
    try:
        match = re.search(r" on http://127\.0\.0\.1:(\d+)/ ", line)
        assert match, line
        conn = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=10)
        conn.request("GET", PROJECT + "?bogus=1", headers={"Authorization": "Bearer sntrys_TOKEN"})
        reply = conn.getresponse()
        assert (reply.status, reply.getheader("Content-Type")) == (400, "application/problem+json")
        conn.close()
    finally:
        stop(process)


@pytest.mark.parametrize(
    ("env", "options", "expected"),
    [
        # A write's answer is made anew each time: serve checks one in 16, the first always.
        ({}, (), {"enabled": True, "writesEvery": 16}),
        # Strict mode is a contract test: every answer.
        ({}, ("--strict",), {"enabled": True, "writesEvery": 1}),
        ({"MOCKSERVER_STRICT": "1"}, (), {"enabled": True, "writesEvery": 1}),
        # Given, it wins over strict mode's.
        ({}, ("--strict", "--validate-writes-every", "2"), {"enabled": True, "writesEvery": 2}),
        (
            {"MOCKSERVER_STRICT": "1", "MOCKSERVER_VALIDATE_WRITES_EVERY": "4"},
            (),
            {"enabled": True, "writesEvery": 4},
        ),
        ({}, ("--no-validate-responses",), {"enabled": False, "writesEvery": 16}),
    ],
)
def test_serve_samples_the_checks_of_writes_unless_strict(
    env: dict[str, str], options: tuple[str, ...], expected: dict[str, Any]
) -> None:
    process, line = first_line(env, "--port", "0", *options)
    try:
        match = re.search(r" on http://127\.0\.0\.1:(\d+)/ ", line)
        assert match, line
        conn = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=10)
        conn.request("GET", "/__admin/health")
        assert json.loads(conn.getresponse().read())["responseValidation"] == expected
        conn.close()
    finally:
        stop(process)


def test_serve_refuses_checking_fewer_than_every_write() -> None:
    result = CliRunner().invoke(main, ["serve", "--validate-writes-every", "0"])
    assert result.exit_code == 2
    assert (
        "Invalid value for '--validate-writes-every': 0 is not in the range x>=1." in result.output
    )
    result = CliRunner().invoke(main, ["serve"], env={"MOCKSERVER_VALIDATE_WRITES_EVERY": "0"})
    assert result.exit_code == 1
    assert result.output == (
        "Error: validate_writes_every must be at least 1 (1 checks every answer of a write), "
        "got 0\n"
    )
