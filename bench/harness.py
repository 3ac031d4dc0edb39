"""What ``bench/run.py`` and ``bench/soak.py`` share: pinned processes, ``/proc`` figures of a
server's process tree, and wrk runs (``bench/wrk.lua``) read back as numbers.

Nothing here runs under ``make test``; tests never time anything.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SERVER_CPU = "0"
LOAD_CPU = "1"
TOKEN = "sntrys_TOKEN"  # noqa: S105 - the default scenario's documented token
PROJECT = "/api/0/projects/my-org/my-project/"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Load:
    """What wrk sends: one request repeated (``method``, ``path``, ``body``), or the cycle of
    requests in the file ``requests`` (see ``bench/wrk.lua``), ``path`` then only its URL."""

    method: str
    path: str
    body: str | None = None
    requests: Path | None = None
    #: One wrk thread per connection, so that each connection runs the cycle on its own.
    per_connection: bool = False


def pinned(command: list[str], cpu: str) -> list[str]:
    """``command`` run on one CPU."""
    return ["taskset", "-c", cpu, *command]


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """SIGTERM to the process group we started, then SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # Children of the group (a Java or granian worker) may outlive the leader briefly.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def request(port: int, path: str, method: str = "GET", body: str | None = None) -> int:
    """One request on a fresh connection; its status (0 when the connection fails)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if body:
        headers["Content-Type"] = "application/json"
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
    except OSError:
        return 0
    return response.status


def wait_for_200(port: int, process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Poll GET project every 5 ms until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if request(port, PROJECT) == 200:
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.005)
    return False


def descendants(pid: int) -> list[int]:
    """The process and its descendants, from ``/proc``."""
    found = [pid]
    for p in found:
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                found.extend(int(c) for c in (task / "children").read_text().split())
    return found


@dataclass(frozen=True)
class Memory:
    """A process tree's memory, in MB: the largest RSS, RSS summed, PSS summed.

    A granian or Java server is several processes sharing pages: summed RSS counts a shared page
    once per process, PSS splits it between the processes that share it, so summed PSS is the
    memory the whole server holds (the mock serves from one process; granian serves the trivial
    Flask app from a supervisor and its worker).
    """

    largest_rss: float
    rss: float
    pss: float


def tree_memory(pid: int) -> Memory:
    """:class:`Memory` of a process and its descendants."""
    largest = rss = pss = 0
    for p in descendants(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    largest = max(largest, int(line.split()[1]))
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
    return Memory(largest / 1024, rss / 1024, pss / 1024)


def server_rss(pid: int) -> float:
    """The RSS of the process that holds the app, in MB: the largest of the server's processes
    (the mock's only one; the worker, for an app that granian serves from a worker process)."""
    return tree_memory(pid).largest_rss


def cpu_seconds(pid: int) -> float:
    """User and system CPU time used so far by a process and its descendants."""
    ticks = 0
    for p in descendants(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / CLOCK_TICKS


FAILED = {"rps": 0.0, "p50": 0.0, "p99": 0.0, "errors": -1.0, "cpu_us": -1.0, "created": 0.0}


def wrk(
    port: int,
    load: Load,
    connections: int,
    seconds: float,
    server: int | None = None,
    stop_after: int = 0,
) -> dict[str, float]:
    """One wrk run (pinned to the load CPU): requests/s, p50 and p99 in ms, errors (socket
    errors and answers other than 2xx/3xx), answers 201 (``created``, counted only with
    ``stop_after``) and the CPU time the server (pid ``server`` and its children) spent per
    request, in µs.

    With ``stop_after``, the run ends once the (single) wrk thread has had that many answers,
    ``seconds`` being only a bound.
    """
    threads = connections if load.per_connection else 1
    # wrk takes whole seconds: a fraction is a longer run ended by SIGINT, as wrk's own Ctrl-C
    # (wrk divides by the time it really ran).
    whole = float(seconds).is_integer()
    duration = int(seconds) if whole else math.ceil(seconds) + 1
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s"]
    command += ["-s", str(BENCH / "wrk.lua"), f"http://127.0.0.1:{port}{load.path}"]
    env = {**os.environ, "BENCH_METHOD": load.method, "BENCH_BODY": load.body or ""}
    env["BENCH_REQUESTS"] = str(load.requests or "")
    env["BENCH_STOP_AFTER"] = str(stop_after)
    cpu = cpu_seconds(server) if server else 0.0
    process = subprocess.Popen(
        pinned(command, LOAD_CPU), env=env, stdout=subprocess.PIPE, text=True
    )
    line = None
    # A wrk that hangs past its duration is killed (its output then has no summary line).
    watchdog = threading.Timer(seconds + 30, process.kill)
    watchdog.start()
    short = threading.Timer(seconds, process.send_signal, (signal.SIGINT,))
    if not whole:
        short.start()
    try:
        for out in process.stdout or ():
            if out.startswith("BENCH_STOPPED"):
                process.send_signal(signal.SIGINT)  # wrk's own way to end a run early
            elif out.startswith("BENCH "):
                line = out
        process.wait()
    finally:
        watchdog.cancel()
        short.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    if line is None:
        return dict(FAILED)
    data = json.loads(line[6:])
    cpu = cpu_seconds(server) - cpu if server else 0.0
    return {
        "cpu_us": cpu / data["requests"] * 1e6 if server and data["requests"] else -1.0,
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50": data["p50_us"] / 1000,
        "p99": data["p99_us"] / 1000,
        "errors": float(data["socket_errors"] + data["non2xx"]),
        "requests": float(data["requests"]),
        "created": float(data["created"]),
    }
