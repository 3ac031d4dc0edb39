"""``make bench``: mockserver beside its peers on this machine, as one table.

Every server runs pinned to CPU 0 and wrk to CPU 1 (``taskset``), on 127.0.0.1 only. Each figure
is the median of ``BENCH_REPEATS`` (3) wrk runs of ``BENCH_SECONDS`` (2) each, after a
one-second warm-up; a full run takes about 8 minutes. The peers answer the mock's
own bytes: WireMock from stub mappings, pytest-httpserver from handlers and a trivial Flask app
(on granian, as ``mockserver serve``) from a dict, all recorded from the mock; Prism from the
mock's own ``/openapi.json``. Prism and WireMock are installed from npm into
``~/.cache/mockserver-bench`` (``MOCKSERVER_BENCH_CACHE``), never into the checkout.

Ratios are the mock's figure divided by the peer's: above 1 is better for req/s, below 1 is
better for times, CPU and memory. "Server CPU µs/request" is the CPU time the server's processes
used during the run divided by the requests served: on a machine shared with other work it is
the steadiest throughput figure (1,000,000 ÷ it is the req/s one core would give), where req/s
and latencies move with whatever else runs.

Nothing here runs under ``make test``; tests never time anything.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
CACHE = Path(os.environ.get("MOCKSERVER_BENCH_CACHE", Path.home() / ".cache" / "mockserver-bench"))
PEERS_NPM = ("@stoplight/prism-cli@5", "wiremock@3")
SERVER_CPU = "0"
LOAD_CPU = "1"
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
WARMUP = 1.0
CONNECTIONS = (1, 16)
TOKEN = "sntrys_TOKEN"  # noqa: S105 - the default scenario's documented token
PROJECT = "/api/0/projects/my-org/my-project/"
HOOK_BODY = json.dumps({"url": "https://example.com/hook", "events": ["event.created"]})
BENCH_USERS = 1000  # so that users/ answers a full page of 100
BIG_USERS = 1_000_000
GENERATE_COUNT = 5000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Workload:
    """One request, repeated by wrk."""

    name: str
    method: str
    path: str
    body: str | None = None


WORKLOADS = (
    Workload("GET project", "GET", PROJECT),
    Workload("GET stats (24 h)", "GET", PROJECT + "stats/"),
    Workload("GET users (100)", "GET", PROJECT + "users/?per_page=100"),
    # Last: every request adds a hook.
    Workload("POST hooks", "POST", PROJECT + "hooks/", HOOK_BODY),
)


@dataclass
class Target:
    """A server to measure: how to start it, and what it measured."""

    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    workloads: tuple[str, ...] = tuple(w.name for w in WORKLOADS)
    connections: tuple[int, ...] = CONNECTIONS
    note: str = ""
    start_ms: float | None = None
    idle: tuple[float, float] | None = None  # (largest RSS, summed PSS) in MB
    loaded: tuple[float, float] | None = None
    runs: dict[tuple[str, int], dict[str, float]] = field(default_factory=dict)


# --- set-up ----------------------------------------------------------------------------------


def ensure_tools() -> None:
    """wrk and taskset must be there (``make bench-deps`` installs wrk from Debian)."""
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is missing; run `make bench-deps` (apt-get install wrk)")


def ensure_peers() -> dict[str, Path | None]:
    """Install Prism and WireMock from npm into the cache directory, once."""
    CACHE.mkdir(parents=True, exist_ok=True)
    prism = CACHE / "node_modules" / ".bin" / "prism"
    jars = sorted((CACHE / "node_modules" / "wiremock").glob("**/wiremock-standalone-*.jar"))
    if (not prism.exists() or not jars) and shutil.which("npm"):
        package = CACHE / "package.json"
        if not package.exists():
            package.write_text('{"name": "mockserver-bench-peers", "private": true}\n')
        print(f"bench: installing {', '.join(PEERS_NPM)} into {CACHE}", file=sys.stderr)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent", *PEERS_NPM],
            cwd=CACHE,
            check=False,
            timeout=600,
        )
        jars = sorted((CACHE / "node_modules" / "wiremock").glob("**/wiremock-standalone-*.jar"))
    return {
        "prism": prism if prism.exists() else None,
        "wiremock": jars[-1] if jars and shutil.which("java") else None,
    }


def write_scenario(directory: Path, users: int, *, literal: bool = True) -> Path:
    """The default scenario with ``users`` users in my-project (generated past the literal)."""
    source = ROOT / "scenarios" / "default.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    project = data["organizations"][0]["projects"][0]
    items = project["users"].get("items", []) if literal else []
    project["users"] = {"items": items, "generate": users - len(items)}
    path = directory / f"scenario-{users}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def record(scenario: Path, directory: Path) -> tuple[Path, Path | None, Path]:
    """The mock's answers to the workloads, as stubs; its OpenAPI document; WireMock mappings."""
    from mockserver.app import create_app
    from mockserver.config import Config

    client = create_app(Config(scenario=scenario)).test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    stubs = []
    mappings = directory / "wiremock" / "mappings"
    mappings.mkdir(parents=True)
    for n, load in enumerate(WORKLOADS):
        path, _, query = load.path.partition("?")
        response = client.open(
            load.path,
            method=load.method,
            headers=headers,
            data=load.body,
            content_type="application/json" if load.body else None,
        )
        kept = {k: v for k, v in response.headers.items() if k in ("Content-Type", "Link")}
        body = response.get_data(as_text=True)
        stubs.append(
            {
                "method": load.method,
                "path": path,
                "query": query,
                "status": response.status_code,
                "headers": kept,
                "body": body,
            }
        )
        mapping = {
            "request": {"method": load.method, "url": load.path},
            "response": {"status": response.status_code, "headers": kept, "body": body},
        }
        (mappings / f"{n}.json").write_text(json.dumps(mapping), encoding="utf-8")
    stubs_path = directory / "stubs.json"
    stubs_path.write_text(json.dumps(stubs), encoding="utf-8")
    openapi = client.get("/openapi.json")
    openapi_path: Path | None = None
    if openapi.status_code == 200:
        openapi_path = directory / "openapi.json"
        openapi_path.write_bytes(openapi.get_data())
    return stubs_path, openapi_path, directory / "wiremock"


# --- processes -------------------------------------------------------------------------------


def pinned(command: list[str], cpu: str) -> list[str]:
    """``command`` run on one CPU."""
    return ["taskset", "-c", cpu, *command]


@contextlib.contextmanager
def running(target: Target, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """Start a target in its own process group; stop the group (ours) afterwards."""
    command = [part.replace("{port}", str(port)) for part in target.command]
    t0 = time.perf_counter()
    process = subprocess.Popen(
        pinned(command, SERVER_CPU),
        cwd=ROOT,
        env={**os.environ, **target.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        if wait_for_200(port, process, timeout=90):
            target.start_ms = (time.perf_counter() - t0) * 1000
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
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


def tree_memory(pid: int) -> tuple[float, float]:
    """The largest RSS of a process and its descendants, and their PSS summed (MB).

    A granian or Java server is several processes sharing pages: summing RSS would count the
    shared pages once per process, PSS splits them between the processes that share them.
    """
    rss = pss = 0
    for p in descendants(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss = max(rss, int(line.split()[1]))
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
    return rss / 1024, pss / 1024


def cpu_seconds(pid: int) -> float:
    """User and system CPU time used so far by a process and its descendants."""
    ticks = 0
    for p in descendants(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / CLOCK_TICKS


def descendants(pid: int) -> list[int]:
    """The process and its descendants, from ``/proc``."""
    found = [pid]
    for p in found:
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                found.extend(int(c) for c in (task / "children").read_text().split())
    return found


def wrk(
    port: int, load: Workload, connections: int, seconds: float, server: int | None = None
) -> dict[str, float]:
    """One wrk run; requests/s, p50 and p99 in ms, errors, and the CPU time the server (pid
    ``server`` and its children) spent per request, in µs."""
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "5s",
        "-s",
        str(BENCH / "wrk.lua"),
        f"http://127.0.0.1:{port}{load.path}",
    ]
    env = {**os.environ, "BENCH_METHOD": load.method, "BENCH_BODY": load.body or ""}
    cpu = cpu_seconds(server) if server else 0.0
    result = subprocess.run(
        pinned(command, LOAD_CPU),
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=seconds + 30,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        return {"rps": 0.0, "p50": 0.0, "p99": 0.0, "errors": -1.0, "cpu_us": -1.0}
    data = json.loads(line[6:])
    cpu = cpu_seconds(server) - cpu if server else 0.0
    return {
        "cpu_us": cpu / data["requests"] * 1e6 if server and data["requests"] else -1.0,
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50": data["p50_us"] / 1000,
        "p99": data["p99_us"] / 1000,
        "errors": float(data["socket_errors"] + data["non2xx"]),
    }


def measure(target: Target, port: int) -> None:
    """Start, idle memory, every workload at each connection count, loaded memory, stop."""
    print(f"bench: {target.name}", file=sys.stderr)
    with running(target, port) as process:
        if target.start_ms is None:
            target.note = target.note or "did not answer 200"
            return
        time.sleep(0.5)
        target.idle = tree_memory(process.pid)
        for load in WORKLOADS:
            if load.name not in target.workloads:
                continue
            for connections in target.connections:
                wrk(port, load, connections, WARMUP)
                # The run with the median req/s of a few: one disturbed by another process on
                # the machine moves neither the figure nor its latencies.
                runs = [wrk(port, load, connections, SECONDS, process.pid) for _ in range(REPEATS)]
                runs.sort(key=lambda run: run["rps"])
                target.runs[(load.name, connections)] = runs[len(runs) // 2]
        target.loaded = tree_memory(process.pid)


# --- the issue-4 figures and the fixture -----------------------------------------------------


def inproc(*args: str) -> dict[str, Any]:
    """``bench/inproc.py`` in a fresh interpreter, pinned like a server."""
    result = subprocess.run(
        pinned([sys.executable, str(BENCH / "inproc.py"), *args], SERVER_CPU),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def inproc_median(*args: str, runs: int = 3) -> dict[str, Any]:
    """:func:`inproc` a few times; each figure is the median of the runs (one interpreter that
    another process on the machine delayed moves none of them)."""
    results = [inproc(*args) for _ in range(runs)]
    good = [r for r in results if "error" not in r]
    if not good:
        return results[0]
    return {key: statistics.median(r[key] for r in good) for key in good[0]}


def page_latency(scenario: Path, port: int) -> dict[str, float]:
    """users/ page 1 and page 10,000 of a 1,000,000-user scenario: first (cold) and warm p50."""
    # --quiet: the access log would measure the terminal (and fill the pipe nobody reads).
    target = Target("1M users", [str(BIN / "mockserver"), "serve", "--quiet", "--port", "{port}"])
    target.command += ["--scenario", str(scenario)]
    figures: dict[str, float] = {}
    with running(target, port):
        figures["start_ms"] = target.start_ms or 0.0
        for name, cursor in (("page 1", ""), ("page 10,000", "&cursor=100:9999:0")):
            path = f"{PROJECT}users/?per_page=100{cursor}"
            t0 = time.perf_counter()
            status = request(port, path)
            figures[f"{name} cold"] = (time.perf_counter() - t0) * 1000 if status == 200 else -1
            run = wrk(port, Workload(name, "GET", path), 1, 2.0)
            figures[f"{name} warm p50"] = run["p50"]
            figures[f"{name} warm p99"] = run["p99"]
    return figures


def generate_rate(directory: Path) -> float:
    """``mockserver generate users`` throughput, users per second (JSON lines to a file)."""
    out = directory / "users.jsonl"
    t0 = time.perf_counter()
    command = [str(BIN / "mockserver"), "generate", "users", "--count", str(GENERATE_COUNT)]
    command += ["--seed", "1", "--format", "jsonl", "--out", str(out)]
    subprocess.run(pinned(command, SERVER_CPU), check=True, capture_output=True, timeout=900)
    return GENERATE_COUNT / (time.perf_counter() - t0)


# --- the table -------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 0) -> str:
    """A figure, or a dash."""
    if value is None or value < 0:
        return "—"
    return f"{value:,.{digits}f}"


def ratio(mine: float | None, theirs: float | None) -> str:
    """``mine / theirs``."""
    if not mine or not theirs or mine < 0 or theirs < 0:
        return "—"
    return f"{mine / theirs:.2f}"


def table(targets: list[Target], extra: list[tuple[str, list[str]]], peers: list[Target]) -> str:
    """The one table: a row per figure, a column per server, then the mock's ratios."""
    header = ["figure", *(t.name for t in targets), *(f"mock ÷ {p.name}" for p in peers)]
    rows: list[list[str]] = []

    def add(name: str, values: list[float | None], digits: int = 0) -> None:
        mine = values[0]
        cells = [fmt(v, digits) for v in values]
        ratios = [ratio(mine, values[targets.index(p)]) for p in peers]
        rows.append([name, *cells, *ratios])

    for load in WORKLOADS:
        for connections in CONNECTIONS:
            key = (load.name, connections)
            runs = [t.runs.get(key) for t in targets]
            if not any(runs):
                continue
            label = f"{load.name}, {connections} conn"
            add(f"{label}: req/s", [r["rps"] if r else None for r in runs])
            add(f"{label}: p50 ms", [r["p50"] if r else None for r in runs], 2)
            add(f"{label}: p99 ms", [r["p99"] if r else None for r in runs], 2)
            add(f"{label}: server CPU µs/request", [r["cpu_us"] if r else None for r in runs])
            errors = [int(r["errors"]) if r else 0 for r in runs]
            if any(errors):
                rows.append([f"{label}: errors or non-2xx", *map(str, errors)])
    add("start → first 200 (ms)", [t.start_ms for t in targets])
    add(
        "memory idle: RSS of the largest process, MB",
        [t.idle[0] if t.idle else None for t in targets],
    )
    add("memory idle: PSS of all processes, MB", [t.idle[1] if t.idle else None for t in targets])
    add("memory after load: RSS, MB", [t.loaded[0] if t.loaded else None for t in targets])
    add("memory after load: PSS, MB", [t.loaded[1] if t.loaded else None for t in targets])
    width = len(header)
    for name, cells in extra:
        rows.append([name, *cells, *([""] * (width - 1 - len(cells)))])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    """Measure everything, then print the table."""
    ensure_tools()
    found = ensure_peers()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mockserver-bench-") as tmp:
        directory = Path(tmp)
        scenario = write_scenario(directory, BENCH_USERS)
        stubs, openapi, wiremock_root = record(scenario, directory)
        mock_cli = [str(BIN / "mockserver"), "serve", "--quiet", "--port", "{port}"]
        mock_cli += ["--scenario", str(scenario)]
        peer_script = [sys.executable, str(BENCH / "peers.py")]
        # The trivial app on the same server, threads and HTTP settings as `mockserver serve`.
        granian = [str(BIN / "granian"), "--interface", "wsgi", "--workers", "1", "--factory"]
        granian += ["--blocking-threads", "4", "--runtime-threads", "1", "--http", "1"]
        granian += ["--no-ws", "--log-level", "warning", "--host", "127.0.0.1"]
        targets = [
            Target("mockserver", mock_cli),
            Target(
                "journal off",
                [*peer_script, "mock-journal-off", "--port", "{port}", "--scenario", str(scenario)],
            ),
            Target(
                "cache off",
                mock_cli,
                env={"MOCKSERVER_RESPONSE_CACHE": "0"},
                note="every GET through the whole pipeline (the response cache off)",
            ),
            Target(
                "mock on waitress",
                [*mock_cli, "--server", "waitress", "--threads", "4"],
                workloads=("GET project",),
            ),
            Target(
                "Flask",
                [*granian, "--port", "{port}", "--working-dir", str(BENCH), "peers:flask_app"],
                env={"BENCH_STUBS": str(stubs)},
            ),
            Target(
                "pytest-httpserver",
                [*peer_script, "httpserver", "--port", "{port}", "--stubs", str(stubs)],
            ),
        ]
        prism = Target("Prism", [])
        if found["prism"] is None or openapi is None:
            prism.note = "not installed" if openapi else "no /openapi.json yet"
        else:
            prism.command = [str(found["prism"]), "mock", "-h", "127.0.0.1", "-p", "{port}"]
            prism.command.append(str(openapi))
        wiremock = Target("WireMock", [])
        if found["wiremock"] is None:
            wiremock.note = "not installed (npm wiremock, Java 17)"
        else:
            wiremock.command = ["java", "-jar", str(found["wiremock"]), "--port", "{port}"]
            wiremock.command += ["--bind-address", "127.0.0.1", "--disable-banner"]
            wiremock.command += ["--root-dir", str(wiremock_root)]
        targets += [prism, wiremock]
        for n, target in enumerate(targets):
            if target.command:
                measure(target, 18900 + n)
        print("bench: pytest fixture and issue-4 figures", file=sys.stderr)
        fixture = inproc_median("fixture")
        httpserver = inproc_median("httpserver")
        small = inproc_median("scenario", str(write_scenario(directory, 100, literal=False)))
        big_scenario = write_scenario(directory, BIG_USERS, literal=False)
        big = inproc_median("scenario", str(big_scenario))
        pages = page_latency(big_scenario, 18990)
        rate = generate_rate(directory)

    names = [t.name for t in targets]
    at = {name: i for i, name in enumerate(names)}

    def cells(values: dict[str, str]) -> list[str]:
        row = ["—"] * len(names)
        for name, value in values.items():
            row[at[name]] = value
        return row

    extra = [
        (
            "pytest fixture: MockServer built + started + first 200 (ms)",
            cells(
                {
                    "mockserver": fmt(fixture.get("ready_ms"), 1),
                    "pytest-httpserver": fmt(httpserver.get("ready_ms"), 1),
                }
            ),
        ),
        (
            "pytest fixture: start() alone (ms)",
            cells(
                {
                    "mockserver": fmt(fixture.get("start_ms"), 2),
                    "pytest-httpserver": fmt(httpserver.get("start_ms"), 2),
                }
            ),
        ),
        (
            "pytest fixture: reset, median / max of 200 (ms)",
            cells(
                {
                    "mockserver": f"{fmt(fixture.get('reset_ms'), 3)} / "
                    f"{fmt(fixture.get('reset_max_ms'), 3)}",
                    "pytest-httpserver": f"{fmt(httpserver.get('reset_ms'), 3)} / "
                    f"{fmt(httpserver.get('reset_max_ms'), 3)}",
                }
            ),
        ),
        (
            "scenario build, 100 / 1,000,000 users (ms)",
            cells({"mockserver": f"{fmt(small.get('build_ms'))} / {fmt(big.get('build_ms'))}"}),
        ),
        (
            "peak RSS, 100 / 1,000,000 users (MB)",
            cells(
                {"mockserver": f"{fmt(small.get('peak_rss_mb'))} / {fmt(big.get('peak_rss_mb'))}"}
            ),
        ),
        (
            "1,000,000 users: CLI start → first 200 (ms)",
            cells({"mockserver": fmt(pages.get("start_ms"))}),
        ),
        (
            "users/ page 1 / page 10,000: first request (ms)",
            cells(
                {
                    "mockserver": f"{fmt(pages.get('page 1 cold'), 1)} / "
                    f"{fmt(pages.get('page 10,000 cold'), 1)}"
                }
            ),
        ),
        (
            "users/ page 1 / page 10,000: warm p50, p99 (ms)",
            cells(
                {
                    "mockserver": f"{fmt(pages.get('page 1 warm p50'), 2)}, "
                    f"{fmt(pages.get('page 1 warm p99'), 2)} / "
                    f"{fmt(pages.get('page 10,000 warm p50'), 2)}, "
                    f"{fmt(pages.get('page 10,000 warm p99'), 2)}"
                }
            ),
        ),
        (
            f"mockserver generate users --count {GENERATE_COUNT:,} (users/s)",
            cells({"mockserver": fmt(rate)}),
        ),
    ]
    peers = [t for t in targets if t.name in ("Prism", "WireMock", "pytest-httpserver", "Flask")]
    peers.append(targets[1])  # the journal's cost: mock ÷ journal off
    notes = [f"{t.name}: {t.note}" for t in targets if t.note]
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"mockserver bench, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}; server on CPU {SERVER_CPU}, wrk on CPU {LOAD_CPU}, "
        f"median of {REPEATS} runs of {SECONDS:g} s; load average at the end {load_avg}; "
        f"took {time.perf_counter() - started:.0f} s"
    )
    print()
    print(table(targets, extra, peers))
    if notes:
        print()
        print("Notes: " + "; ".join(notes))
    print(
        "\nRatios: mock ÷ peer (req/s: higher is better; ms, CPU µs and MB: lower is better). "
        "'journal off' is the mock with its journal disabled: mock ÷ journal off is the "
        "journal's cost. Prism answers from the OpenAPI document (examples or schemas), "
        "WireMock and pytest-httpserver and Flask from the mock's recorded answers."
    )


if __name__ == "__main__":
    main()
