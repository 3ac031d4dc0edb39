"""``mockserver serve`` on both servers: one state whatever the threads, clean stops."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.app import create_app
from mockserver.errors import ConfigError
from mockserver.serving import bind
from mockserver.serving import serve_app
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.served import MOCKSERVER
from tests.served import start


def _start(*options: str) -> tuple[subprocess.Popen[str], int]:
    served = start(*options)
    return served.process, served.port


@pytest.fixture(params=["granian", "waitress"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[str], int]]:
    process, port = _start("--server", request.param, "--threads", "4")
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        assert process.stderr is not None
        process.stderr.close()


def _call(port: int, method: str, path: str, body: object = None) -> tuple[int, object]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def test_each_request_sees_what_the_previous_one_did(
    served: tuple[subprocess.Popen[str], int],
) -> None:
    """One state behind every thread: each hook created (each on its own connection, so on
    any thread) is in the list the next request gets."""
    _, port = served
    created = []
    for n in range(12):
        status, hook = _call(port, "POST", PROJECT + "hooks/", {"url": f"https://e.com/{n}"})
        assert status == 201
        assert isinstance(hook, dict)
        created.append(hook["id"])
        status, listed = _call(port, "GET", PROJECT + "hooks/")
        assert status == 200
        assert isinstance(listed, list)
        assert [h["id"] for h in listed[: n + 1]] == created[::-1]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_both_stop_signals_stop_cleanly(
    served: tuple[subprocess.Popen[str], int], signum: signal.Signals
) -> None:
    process, port = served
    assert _call(port, "GET", PROJECT)[0] == 200
    process.send_signal(signum)
    assert process.wait(timeout=20) == 0
    assert process.stderr is not None
    assert f"{signum.name}, shutting down" in process.stderr.read()


def test_threads_must_be_positive() -> None:
    result = subprocess.run(
        [str(MOCKSERVER), "serve", "--port", "0", "--threads", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "--threads" in result.stderr


@pytest.mark.parametrize("port", [65536, 65537, 70000, -1])
def test_bind_refuses_a_port_out_of_range(port: int) -> None:
    # The resolver would take it modulo 65,536 (65537 served on port 1, 70000 on 4464).
    with pytest.raises(ConfigError) as info:
        bind("127.0.0.1", port)
    assert str(info.value) == f"the port must be from 0 to 65535, got {port}"


@pytest.mark.parametrize(("threads", "io_threads"), [(0, 1), (257, 1), (4, 0), (4, 65)])
def test_serve_app_refuses_thread_counts_out_of_bounds(threads: int, io_threads: int) -> None:
    with pytest.raises(ConfigError) as info:
        serve_app(create_app(), host="127.0.0.1", port=0, threads=threads, io_threads=io_threads)
    assert str(info.value) == (
        "--threads must be from 1 to 256 and --io-threads from 1 to 64, got "
        f"{threads} and {io_threads}"
    )


@pytest.mark.parametrize("server", ["granian", "waitress"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stop_signal_at_the_readiness_line_stops_cleanly(
    server: str, signum: signal.Signals
) -> None:
    """The line is printed before granian's worker thread has started: a stop then (what a
    script does when it only needed to see the server start) must not be lost. SIGHUP stops
    too (granian's own handler would restart the worker, dropping every connection)."""
    process, _ = _start("--server", server)
    assert process.stderr is not None
    try:
        process.send_signal(signum)
        assert process.wait(timeout=20) == 0
        assert process.stderr.read() == f"mockserver: {signum.name}, shutting down\n"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")
def test_granian_serves_from_one_process() -> None:
    """granian's worker is a thread of the process that built the app: no forked copy of it
    (twice the memory), and nothing left holding the port and the state when it is killed."""
    process, port = _start("--server", "granian")
    try:
        assert _call(port, "GET", PROJECT)[0] == 200
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        assert children == []
        threads = {
            Path(f"/proc/{process.pid}/task/{tid}/comm").read_text().strip()
            for tid in os.listdir(f"/proc/{process.pid}/task")
        }
        assert "tokio-rt-worker" in threads  # granian's Rust runtime: the worker is here
    finally:
        process.kill()
        process.wait()
        assert process.stderr is not None
        process.stderr.close()
    refused = pytest.raises(ConnectionRefusedError)
    with refused:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
