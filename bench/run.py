"""``make bench``: mockserver beside its peers on this machine, as one table, then the soak
(``bench/soak.py``), then issue #17's targets judged against the trivial Flask app.

Every server runs pinned to CPU 0 and wrk to CPU 1 (``taskset``), on 127.0.0.1 only. Each figure
is the median of ``BENCH_REPEATS`` (3) wrk runs of ``BENCH_SECONDS`` (2) each, after a warm-up
of ``BENCH_WARMUP`` (1 second, or ``BENCH_SECONDS`` if shorter); a full run takes about 11
minutes (an estimate is printed at the start).

Workloads (``WORKLOADS``): GET project, stats and a page of 100 users, and POST hooks, at 1 and
16 connections; at 16 only: distinct pages of users and of tag values (``per_page`` 1-100 and
the cursor varying per request, so the response cache cannot answer them), PUT project, and the
pytest-like sequence (each connection, again and again: ``POST /__admin/reset``, GET project,
stats, users, POST hooks, GET hooks). The mock and the trivial Flask app run them all; "cache
off" (``MOCKSERVER_RESPONSE_CACHE=0``) the GETs of issue #17's targets, the pages and the
sequence; "journal off" the first four at both counts; the other peers the first four at 16
connections. Issue #17's targets (mock ÷ Flask, thresholds, PASS/FAIL and the spread of the
repeats) are printed last, after the soak; its throughputs and start are judged from runs and
starts taken in turns, the mock's then the trivial app's (:func:`measure_in_turns`,
:func:`restart_in_turns`), so that both sides of a ratio see the same minute of the machine.

The peers answer the mock's own bytes: WireMock from stub mappings, pytest-httpserver from handlers
and a trivial Flask app (on granian as its command line runs an app, a supervisor and a worker
process, with the threads and HTTP settings of ``mockserver serve``) from a dict, all recorded from
the mock (a distinct page: one page of the mean size, whatever the query); Prism from the mock's own
``/openapi.json``. Prism and WireMock are installed from npm into ``~/.cache/mockserver-bench``
(``MOCKSERVER_BENCH_CACHE``), never into the checkout.

Ratios are the mock's figure divided by the peer's: above 1 is better for req/s, below 1 is
better for times, CPU and memory. "Server CPU µs/request" is the CPU time the server's processes
used during the run divided by the requests served: on a machine shared with other work it is
the steadiest throughput figure (1,000,000 ÷ it is the req/s one core would give), where req/s
and latencies move with whatever else runs.

Knobs for a quick run: ``BENCH_ONLY`` (servers by name, comma-separated, e.g.
``mockserver,cache off,Flask``), ``BENCH_FIXTURE=0`` (no pytest-fixture and issue-4 figures),
``SOAK_REQUESTS`` (0: no soak; see ``bench/soak.py``), ``BENCH_SECONDS``, ``BENCH_REPEATS``,
``BENCH_TURNS`` (the judged workloads' runs in turns: ``BENCH_REPEATS`` + 2), ``BENCH_WARMUP``.
E.g. ``BENCH_SECONDS=0.5 BENCH_REPEATS=1 BENCH_ONLY='mockserver,cache off,Flask'
SOAK_REQUESTS=20000 make bench``.

Nothing here runs under ``make test``; tests never time anything.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml

from bench import judge
from bench.harness import LOAD_CPU
from bench.harness import PROJECT
from bench.harness import SERVER_CPU
from bench.harness import TOKEN
from bench.harness import Load
from bench.harness import Memory
from bench.harness import pinned
from bench.harness import request
from bench.harness import stop
from bench.harness import tree_memory
from bench.harness import wait_for_200
from bench.harness import wrk

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
CACHE = Path(os.environ.get("MOCKSERVER_BENCH_CACHE", Path.home() / ".cache" / "mockserver-bench"))
PEERS_NPM = ("@stoplight/prism-cli@5", "wiremock@3")
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
TURNS = int(os.environ.get("BENCH_TURNS", str(REPEATS + 2)))
"""Runs of each judged workload in turns (:func:`measure_in_turns`): more than the first pass's,
as within one run the mock's POST spread 4,093-6,074 req/s over three."""
WARMUP = float(os.environ.get("BENCH_WARMUP", str(min(1.0, SECONDS))))
ONLY = {n.strip() for n in os.environ.get("BENCH_ONLY", "").split(",") if n.strip()}
FIXTURE = os.environ.get("BENCH_FIXTURE", "1") != "0"
SOAK_REQUESTS = int(os.environ.get("SOAK_REQUESTS", "300000"))
SOAK_HARDENING = int(os.environ.get("SOAK_HARDENING_REQUESTS", str(SOAK_REQUESTS // 2)))
CONNECTIONS = (1, 16)
HOOK_BODY = json.dumps({"url": "https://example.com/hook", "events": ["event.created"]})
PUT_BODY = json.dumps({"name": "Renamed", "platform": "python"})
BENCH_USERS = 1000  # so that users/ answers a full page of 100
TAG = "user"  # the tag key of the distinct pages, given BENCH_USERS values
BIG_USERS = 1_000_000
GENERATE_COUNT = 5000
FLASK = "Flask"


@dataclass(frozen=True)
class Workload:
    """What wrk sends: one request repeated, or a cycle of them (``cycle``)."""

    name: str
    method: str
    path: str
    body: str | None = None
    cycle: tuple[tuple[str, str, str | None], ...] = ()
    #: Each connection runs the cycle on its own (one wrk thread per connection).
    per_connection: bool = False
    connections: tuple[int, ...] = CONNECTIONS
    #: A representative answer for a recorded stub that answers the path whatever the query
    #: (the distinct pages: the peers answer a page of the average size).
    sample: str | None = None

    def load(self, directory: Path) -> Load:
        """What :func:`bench.harness.wrk` runs; a cycle is written to a file in ``directory``."""
        if not self.cycle:
            return Load(self.method, self.path, self.body)
        slug = "".join(c if c.isalnum() else "-" for c in self.name.lower())
        requests = directory / f"requests-{slug}.txt"
        requests.write_text(judge.request_lines(self.cycle), encoding="utf-8")
        return Load(self.method, self.path, requests=requests, per_connection=self.per_connection)


def _pages(path: str, queries: Sequence[str]) -> tuple[tuple[str, str, None], ...]:
    return tuple(("GET", f"{path}?{q}", None) for q in queries)


USERS_PAGES = PROJECT + "users/"
TAG_PAGES = PROJECT + f"tags/{TAG}/values/"
USERS_QUERIES = judge.user_pages(BENCH_USERS)
TAG_QUERIES = judge.tag_value_pages(BENCH_USERS)
SEQUENCE = (
    ("POST", "/__admin/reset", None),
    ("GET", PROJECT, None),
    ("GET", PROJECT + "stats/", None),
    ("GET", PROJECT + "users/", None),
    ("POST", PROJECT + "hooks/", HOOK_BODY),
    ("GET", PROJECT + "hooks/", None),
)
PUT_CYCLE = tuple(
    (
        "PUT",
        PROJECT,
        json.dumps({"name": f"Renamed {n}", "platform": ("python", "javascript")[n % 2]}),
    )
    for n in range(64)
)
WORKLOADS = (
    Workload("GET project", "GET", PROJECT),
    Workload("GET stats (24 h)", "GET", PROJECT + "stats/"),
    Workload("GET users (100)", "GET", PROJECT + "users/?per_page=100"),
    Workload(
        "GET users, distinct pages",
        "GET",
        USERS_PAGES,
        cycle=_pages(USERS_PAGES, USERS_QUERIES),
        connections=(16,),
        sample=f"per_page={judge.mean_per_page(USERS_QUERIES)}&cursor=1:3:0",
    ),
    Workload(
        "GET tag values, distinct pages",
        "GET",
        TAG_PAGES,
        cycle=_pages(TAG_PAGES, TAG_QUERIES),
        connections=(16,),
        sample=f"per_page={judge.mean_per_page(TAG_QUERIES)}&cursor=0:3:0",
    ),
    # A new name each time (64 of them, platforms alternating): every PUT changes the project,
    # so no answer kept for an earlier state of it can be given again.
    Workload("PUT project", "PUT", PROJECT, PUT_BODY, cycle=PUT_CYCLE, connections=(16,)),
    # Starts with a reset (the project's new name goes) and resets again and again (the journal
    # too): before POST hooks, so that the memory after load is still with a full journal.
    Workload(
        "pytest-like sequence",
        "GET",
        PROJECT,
        cycle=SEQUENCE,
        per_connection=True,
        connections=(16,),
    ),
    # Last: every request adds a hook.
    Workload("POST hooks", "POST", PROJECT + "hooks/", HOOK_BODY),
)
ORIGINAL = ("GET project", "GET stats (24 h)", "GET users (100)", "POST hooks")
"""The workloads every server runs (the others: the mock, cache off, and Flask)."""


@dataclass
class Target:
    """A server to measure: how to start it, and what it measured."""

    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    workloads: tuple[str, ...] = ORIGINAL
    connections: tuple[int, ...] = CONNECTIONS
    note: str = ""
    start_ms: float | None = None
    starts: list[float] = field(default_factory=list)  # every start → first 200 (ms)
    turn_starts: list[float] = field(default_factory=list)  # those taken in turns (judged)
    idles: list[Memory] = field(default_factory=list)
    loaded: Memory | None = None
    runs: dict[tuple[str, int], dict[str, float]] = field(default_factory=dict)
    every_rps: dict[tuple[str, int], list[float]] = field(default_factory=dict)

    @property
    def idle(self) -> Memory | None:
        """The memory after the first start (the one the workloads then ran on)."""
        return self.idles[0] if self.idles else None

    def plan(self) -> list[tuple[Workload, int]]:
        """The (workload, connections) this target runs, in order."""
        return [
            (load, connections)
            for load in WORKLOADS
            if load.name in self.workloads
            for connections in load.connections
            if connections in self.connections
        ]


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


def write_scenario(
    directory: Path, users: int, *, literal: bool = True, tag_values: int | None = None
) -> Path:
    """The default scenario with ``users`` users in my-project (generated past the literal),
    and with ``tag_values``, as many values of its ``user`` tag."""
    source = ROOT / "scenarios" / "default.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    project = data["organizations"][0]["projects"][0]
    items = project["users"].get("items", []) if literal else []
    project["users"] = {"items": items, "generate": users - len(items)}
    if tag_values is not None:
        tag = project["tags"][TAG]
        tag["generate"] = tag_values - len(tag.get("items", []))
    path = directory / f"scenario-{users}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def stub_requests() -> Iterator[tuple[str, str, str | None, bool]]:
    """(method, URL, body, any query) of every request a workload sends, as the stubs need
    them: the distinct pages by one sample each, answering any query; the sequence in order."""
    for load in WORKLOADS:
        if load.sample is not None:
            yield load.method, f"{load.path}?{load.sample}", None, True
        elif load.cycle:
            for method, url, body in load.cycle:
                yield method, url, body, False
        else:
            yield load.method, load.path, load.body, False


def record(scenario: Path, directory: Path) -> tuple[Path, Path | None, Path]:
    """The mock's answers to the workloads, as stubs; its OpenAPI document; WireMock mappings.

    A request recorded twice (the sequence repeats single workloads) keeps its first answer.
    """
    from mockserver.app import create_app
    from mockserver.config import Config

    client = create_app(Config(scenario=scenario)).test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    stubs: dict[tuple[str, str, str], dict[str, Any]] = {}  # "*": any query
    mappings = directory / "wiremock" / "mappings"
    mappings.mkdir(parents=True)
    for method, url, body, any_query in stub_requests():
        path, _, query = url.partition("?")
        response = client.open(
            url,
            method=method,
            headers=headers,
            data=body,
            content_type="application/json" if body else None,
        )
        key = (method, path, "*" if any_query else query)
        if key in stubs:
            continue
        kept = {k: v for k, v in response.headers.items() if k in ("Content-Type", "Link")}
        text = response.get_data(as_text=True)
        stubs[key] = {
            "method": method,
            "path": path,
            "query": query,
            "any_query": any_query,
            "status": response.status_code,
            "headers": kept,
            "body": text,
        }
        match = {"urlPath": path} if any_query else {"url": url}
        mapping = {
            "request": {"method": method, **match},
            "response": {"status": response.status_code, "headers": kept, "body": text},
        }
        (mappings / f"{len(stubs)}.json").write_text(json.dumps(mapping), encoding="utf-8")
    stubs_path = directory / "stubs.json"
    stubs_path.write_text(json.dumps(list(stubs.values())), encoding="utf-8")
    openapi = client.get("/openapi.json")
    openapi_path: Path | None = None
    if openapi.status_code == 200:
        openapi_path = directory / "openapi.json"
        openapi_path.write_bytes(openapi.get_data())
    return stubs_path, openapi_path, directory / "wiremock"


# --- processes -------------------------------------------------------------------------------


class Running:
    """A target started in its own process group (stopped, with the group, on exit)."""

    def __init__(self, target: Target, port: int) -> None:
        self.target = target
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self.start_ms: float | None = None

    def __enter__(self) -> Running:
        command = [part.replace("{port}", str(self.port)) for part in self.target.command]
        t0 = time.perf_counter()
        self.process = subprocess.Popen(
            pinned(command, SERVER_CPU),
            cwd=ROOT,
            env={**os.environ, **self.target.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if wait_for_200(self.port, self.process, timeout=90):
            self.start_ms = (time.perf_counter() - t0) * 1000
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            stop(self.process)

    @property
    def pid(self) -> int:
        """The process group leader (the mock's only process; granian's supervisor otherwise)."""
        if self.process is None:
            raise RuntimeError("not started")
        return self.process.pid


def measure(target: Target, port: int, loads: dict[str, Load]) -> None:
    """Start, idle memory, every workload at each connection count, loaded memory, stop."""
    print(f"bench: {target.name}", file=sys.stderr)
    with Running(target, port) as server:
        if server.start_ms is None:
            target.note = target.note or "did not answer 200"
            return
        target.start_ms = server.start_ms
        target.starts.append(server.start_ms)
        time.sleep(0.5)
        target.idles.append(tree_memory(server.pid))
        for workload, connections in target.plan():
            load = loads[workload.name]
            wrk(port, load, connections, WARMUP)
            # The run with the median req/s of a few: one disturbed by another process on
            # the machine moves neither the figure nor its latencies.
            runs = [wrk(port, load, connections, SECONDS, server.pid) for _ in range(REPEATS)]
            runs.sort(key=lambda run: run["rps"])
            target.runs[(workload.name, connections)] = runs[len(runs) // 2]
            target.every_rps[(workload.name, connections)] = [run["rps"] for run in runs]
        target.loaded = tree_memory(server.pid)


STARTS_IN_TURNS = 5
"""Starts of the mock and of the trivial app taken in turns, for the judged start → first 200
(median of these): one start of each, then again. Taken apart, a minute apart, the trivial
app's three starts spread 184-297 ms in one run, wider than the mock's ratio to it moves."""


def restart_in_turns(targets: Sequence[Target], port: int, times: int) -> None:
    """Start and stop each of ``targets`` in turn, ``times`` rounds: start → first 200 (into
    :attr:`Target.turn_starts`), and idle memory."""
    for _ in range(times):
        for target in targets:
            with Running(target, port) as server:
                if server.start_ms is None:
                    continue
                target.turn_starts.append(server.start_ms)
                time.sleep(0.5)
                target.idles.append(tree_memory(server.pid))


PAIRED = (
    ("cache off", "GET project"),
    ("cache off", "GET stats (24 h)"),
    ("mockserver", "pytest-like sequence"),
    ("mockserver", "POST hooks"),
    ("mockserver", "PUT project"),
)
"""The throughputs issue #17 judges, as (mock target, workload): measured again with the mock
and the trivial app taking turns, run by run. This machine's speed drifts by 10-30% over the
minutes between a target's runs and the trivial app's (the trivial app's PUT measured 8,024 and
10,310 req/s in two runs ten minutes apart); runs taken in turns drift together."""

Turns = dict[tuple[str, str], tuple[list[float], list[float]]]


def measure_in_turns(targets: Sequence[Target], loads: dict[str, Load]) -> Turns:
    """Each of :data:`PAIRED` on fresh servers, the mock's run and the trivial app's in turn
    (after a warm-up of each): the req/s of every run, the mock's and the trivial app's."""
    by_name = {t.name: t for t in targets if t.command}
    names = sorted({name for name, _ in PAIRED} | {FLASK})
    if not all(name in by_name for name in names):
        return {}
    print(
        "bench: the judged workloads again, the mock and the trivial app in turns", file=sys.stderr
    )
    found: Turns = {}
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(Running(by_name[name], 18960 + n))
            for n, name in enumerate(names)
        }
        if any(server.start_ms is None for server in servers.values()):
            return {}
        reference = servers[FLASK]
        for name, workload in PAIRED:
            load, mine = loads[workload], servers[name]
            for server in (mine, reference):
                wrk(server.port, load, 16, WARMUP)
            runs: tuple[list[float], list[float]] = ([], [])
            for _ in range(TURNS):
                for server, into in ((mine, runs[0]), (reference, runs[1])):
                    into.append(wrk(server.port, load, 16, SECONDS, server.pid)["rps"])
            found[(name, workload)] = runs
    return found


def planned_seconds(targets: Sequence[Target]) -> float:
    """About how long the whole run takes, from the plan and this machine's usual rates
    (the soak's length is set by the mock's throughput, ~3,000 and ~2,000 req/s)."""
    running = [t for t in targets if t.command]
    runs = sum(len(t.plan()) for t in running)
    seconds = runs * (WARMUP + REPEATS * SECONDS + 0.3 * (REPEATS + 1))
    seconds += 2 * len(running) + 1.5 * 2 * STARTS_IN_TURNS  # starts and restarts
    seconds += len(PAIRED) * 2 * (WARMUP + TURNS * SECONDS + 0.3 * (TURNS + 1)) + 6  # in turns
    if FIXTURE:
        seconds += 4 * REPEATS * 1.2 + 2 * SECONDS + 6
    if SOAK_REQUESTS > 0:
        seconds += (SOAK_REQUESTS + 11_000) / 3000
    return seconds + max(SOAK_HARDENING, 0) / 2000


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


def inproc_median(*args: str, runs: int = REPEATS) -> dict[str, Any]:
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
    with Running(target, port) as server:
        figures["start_ms"] = server.start_ms or 0.0
        for name, cursor in (("page 1", ""), ("page 10,000", "&cursor=100:9999:0")):
            path = f"{PROJECT}users/?per_page=100{cursor}"
            t0 = time.perf_counter()
            status = request(port, path)
            figures[f"{name} cold"] = (time.perf_counter() - t0) * 1000 if status == 200 else -1
            run = wrk(port, Load("GET", path), 1, SECONDS)
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


def fixture_rows(directory: Path, names: list[str]) -> list[tuple[str, list[str]]]:
    """The pytest fixture and issue-4 rows of the table (a cell per server, most of them "—")."""
    print("bench: pytest fixture and issue-4 figures", file=sys.stderr)
    fixture = inproc_median("fixture")
    httpserver = inproc_median("httpserver")
    small = inproc_median("scenario", str(write_scenario(directory, 100, literal=False)))
    big_scenario = write_scenario(directory, BIG_USERS, literal=False)
    big = inproc_median("scenario", str(big_scenario))
    pages = page_latency(big_scenario, 18990)
    rate = generate_rate(directory)
    fmt = judge.figure

    def cells(values: dict[str, str]) -> list[str]:
        return [values.get(name, "—") for name in names]

    def pair(figures: dict[str, Any], key: str, digits: int) -> str:
        return f"{fmt(figures.get(key), digits)} / {fmt(figures.get(key + '_max'), digits)}"

    return [
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


# --- the table -------------------------------------------------------------------------------


def ratio(mine: float | None, theirs: float | None) -> str:
    """``mine / theirs``."""
    value = judge.ratio(mine, theirs)
    return "—" if value is None else f"{value:.2f}"


def table(targets: list[Target], extra: list[tuple[str, list[str]]], peers: list[Target]) -> str:
    """The one table: a row per figure, a column per server, then the mock's ratios."""
    header = ["figure", *(t.name for t in targets), *(f"mock ÷ {p.name}" for p in peers)]
    rows: list[list[str]] = []
    fmt = judge.figure

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
    idle = [t.idle for t in targets]
    add("memory idle: RSS of the largest process, MB", [m.largest_rss if m else None for m in idle])
    add("memory idle: RSS summed over processes, MB", [m.rss if m else None for m in idle])
    add("memory idle: PSS of all processes, MB", [m.pss if m else None for m in idle])
    loaded = [t.loaded for t in targets]
    add("memory after load: RSS, MB", [m.largest_rss if m else None for m in loaded])
    add("memory after load: PSS, MB", [m.pss if m else None for m in loaded])
    width = len(header)
    for name, cells in extra:
        rows.append([name, *cells, *([""] * (width - 1 - len(cells)))])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# --- the soak and issue #17's targets ----------------------------------------------------------


def soak() -> tuple[dict[str, Any] | None, int]:
    """``bench/soak.py``, its output passed on; its figures (the ``SOAK`` line) and exit status."""
    process = subprocess.Popen(
        [sys.executable, str(BENCH / "soak.py"), "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    figures: dict[str, Any] | None = None
    for line in process.stdout or ():
        if line.startswith("SOAK "):
            figures = json.loads(line[5:])
        else:
            print(line, end="", flush=True)
    return figures, process.wait()


def soak_figures(data: dict[str, Any] | None) -> judge.SoakFigures | None:
    """The writes soak's figures, from what ``soak.py --json`` printed."""
    if not data or not data.get("segments"):
        return None
    segments = [judge.Segment(**segment) for segment in data["segments"]]
    return judge.soak_figures(segments, data["rss_before_mb"])


def goals(
    targets: list[Target], soaked: judge.SoakFigures | None, turns: Turns | None = None
) -> list[judge.Goal]:
    """Issue #17's targets and the figures printed beside them; the throughputs measured in
    turns (:func:`measure_in_turns`) are judged from those runs when there are any."""
    by_name = {t.name: t for t in targets}
    empty = Target("", [])
    mock, off, flask = (by_name.get(n, empty) for n in ("mockserver", "cache off", FLASK))

    def rps(target: Target, name: str) -> tuple[float | None, list[float]]:
        run = target.runs.get((name, 16))
        return (run["rps"] if run else None), target.every_rps.get((name, 16), [])

    def against_flask(
        label: str, target: Target, name: str, threshold: float | None, flask_name: str = ""
    ) -> judge.Goal:
        paired = (turns or {}).get((target.name, name))
        if paired is not None and threshold is not None:
            mine_all, theirs_all = paired
            return judge.Goal(
                label + ", in turns",
                _median_of_runs(mine_all),
                _median_of_runs(theirs_all),
                threshold,
                True,
                mine_all,
                theirs_all,
            )
        mine, mine_all = rps(target, name)
        theirs, theirs_all = rps(flask, flask_name or name)
        return judge.Goal(label, mine, theirs, threshold, True, mine_all, theirs_all)

    found = [
        against_flask("GET project, cache off, 16 conn: req/s", off, "GET project", 0.8),
        against_flask("GET stats (24 h), cache off, 16 conn: req/s", off, "GET stats (24 h)", 0.8),
        against_flask("pytest-like sequence, 16 conn: req/s", mock, "pytest-like sequence", 0.8),
        # The target is the sequence as a suite runs it (the cache on, the default);
        # without the cache it is shown, not judged.
        against_flask(
            "pytest-like sequence, cache off, 16 conn: req/s", off, "pytest-like sequence", None
        ),
        against_flask("POST hooks, 16 conn: req/s", mock, "POST hooks", 0.6),
        against_flask("PUT project, 16 conn: req/s", mock, "PUT project", 0.6),
    ]
    if soaked is not None:
        first, last = soaked.first, soaked.last
        found += [
            judge.Goal(
                "soak, cache off, a hook kept every 10 requests: req/s, last 10% vs first",
                last.rps,
                first.rps,
                0.8,
                measured_spread=[s.rps for s in soaked.segments],
                reference_name="first 10%",
            ),
            judge.Goal(
                "soak: server CPU µs/request, last 10% vs first",
                last.cpu_us,
                first.cpu_us,
                None,
                reference_name="first 10%",
            ),
            judge.Goal(
                "soak: p99 ms, last 10% vs first",
                last.p99_ms,
                first.p99_ms,
                None,
                digits=2,
                reference_name="first 10%",
            ),
            judge.Goal(
                f"soak: server RSS MB after vs before ({soaked.hooks:,} hooks written)",
                last.rss_mb,
                last.rss_mb - soaked.rss_growth_mb,
                None,
                digits=1,
                reference_name="before",
            ),
            judge.Goal(
                "soak: bytes of RSS growth per hook written",
                soaked.bytes_per_hook,
                None,
                None,
            ),
        ]
    starts = [
        (t.turn_starts, statistics.median(t.turn_starts) if t.turn_starts else None)
        for t in (mock, flask)
    ]
    pss = [[m.pss for m in t.idles] for t in (mock, flask)]
    found += [
        judge.Goal(
            f"start → first 200, ms, in turns (median of {len(mock.turn_starts)} / "
            f"{len(flask.turn_starts)})",
            starts[0][1],
            starts[1][1],
            1.5,
            at_least=False,
            measured_spread=starts[0][0],
            reference_spread=starts[1][0],
        ),
        judge.Goal(
            "idle memory, MB: PSS summed over the server's processes (median)",
            statistics.median(pss[0]) if pss[0] else None,
            statistics.median(pss[1]) if pss[1] else None,
            1.2,
            at_least=False,
            measured_spread=pss[0],
            reference_spread=pss[1],
            digits=1,
        ),
        # The issue says RSS; summed RSS counts a page shared by two processes (the trivial
        # app's granian supervisor and worker) twice, PSS once: both are judged.
        judge.Goal(
            "idle memory, MB: RSS summed over the server's processes (median)",
            statistics.median(m.rss for m in mock.idles) if mock.idles else None,
            statistics.median(m.rss for m in flask.idles) if flask.idles else None,
            1.2,
            at_least=False,
            measured_spread=[m.rss for m in mock.idles],
            reference_spread=[m.rss for m in flask.idles],
            digits=1,
        ),
    ]
    for name in ("GET users, distinct pages", "GET tag values, distinct pages"):
        found.append(against_flask(f"{name}, 16 conn: req/s", mock, name, None))
        found.append(against_flask(f"{name}, cache off, 16 conn: req/s", off, name, None))
    return found


def _median_of_runs(rps: list[float]) -> float | None:
    """The median req/s of the runs that answered (a failed run measures 0)."""
    answered = [r for r in rps if r > 0]
    return statistics.median(answered) if answered else None


# --- main ------------------------------------------------------------------------------------


def build_targets(
    scenario: Path, stubs: Path, openapi: Path | None, wiremock_root: Path
) -> list[Target]:
    """Every server of the table, in its order, with what each runs."""
    mock_cli = [str(BIN / "mockserver"), "serve", "--quiet", "--port", "{port}"]
    mock_cli += ["--scenario", str(scenario)]
    peer_script = [sys.executable, str(BENCH / "peers.py")]
    # The trivial app on the same server, threads and HTTP settings as `mockserver serve`.
    granian = [str(BIN / "granian"), "--interface", "wsgi", "--workers", "1", "--factory"]
    granian += ["--blocking-threads", "4", "--runtime-threads", "1", "--http", "1"]
    granian += ["--no-ws", "--log-level", "warning", "--host", "127.0.0.1"]
    every = tuple(w.name for w in WORKLOADS)
    targets = [
        Target("mockserver", mock_cli, workloads=every),
        Target(
            "journal off",
            [*peer_script, "mock-journal-off", "--port", "{port}", "--scenario", str(scenario)],
        ),
        Target(
            "cache off",
            mock_cli,
            env={"MOCKSERVER_RESPONSE_CACHE": "0"},
            workloads=(
                "GET project",
                "GET stats (24 h)",
                "GET users, distinct pages",
                "GET tag values, distinct pages",
                "pytest-like sequence",
            ),
            connections=(16,),
            note="every GET through the whole pipeline (the response cache off)",
        ),
        Target(
            "mock on waitress",
            [*mock_cli, "--server", "waitress", "--threads", "4"],
            workloads=("GET project",),
            connections=(16,),
        ),
        Target(
            FLASK,
            [*granian, "--port", "{port}", "--working-dir", str(BENCH), "peers:flask_app"],
            env={"BENCH_STUBS": str(stubs)},
            workloads=every,
        ),
        Target(
            "pytest-httpserver",
            [*peer_script, "httpserver", "--port", "{port}", "--stubs", str(stubs)],
            connections=(16,),
        ),
    ]
    wanted = [t for t in ("Prism", "WireMock") if not ONLY or t in ONLY]
    found = ensure_peers() if wanted else {"prism": None, "wiremock": None}
    prism = Target("Prism", [], connections=(16,))
    if found["prism"] is None or openapi is None:
        prism.note = "not installed" if openapi else "no /openapi.json yet"
    else:
        prism.command = [str(found["prism"]), "mock", "-h", "127.0.0.1", "-p", "{port}"]
        prism.command.append(str(openapi))
    wiremock = Target("WireMock", [], connections=(16,))
    if found["wiremock"] is None:
        wiremock.note = "not installed (npm wiremock, Java 17)"
    else:
        wiremock.command = ["java", "-jar", str(found["wiremock"]), "--port", "{port}"]
        wiremock.command += ["--bind-address", "127.0.0.1", "--disable-banner"]
        wiremock.command += ["--root-dir", str(wiremock_root)]
    targets += [prism, wiremock]
    return [t for t in targets if not ONLY or t.name in ONLY]


def main() -> None:
    """Measure everything, print the table, run the soak, print issue #17's targets."""
    ensure_tools()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mockserver-bench-") as tmp:
        directory = Path(tmp)
        scenario = write_scenario(directory, BENCH_USERS, tag_values=BENCH_USERS)
        stubs, openapi, wiremock_root = record(scenario, directory)
        loads = {w.name: w.load(directory) for w in WORKLOADS}
        targets = build_targets(scenario, stubs, openapi, wiremock_root)
        print(
            f"bench: {sum(len(t.plan()) for t in targets if t.command)} workloads to measure, "
            f"then the fixture figures and the soak: ~{planned_seconds(targets) / 60:.1f} min",
            file=sys.stderr,
        )
        for n, target in enumerate(targets):
            if target.command:
                measure(target, 18900 + n, loads)
        turns = measure_in_turns(targets, loads)
        # Start → first 200 and idle memory are targets: more starts, the two taken in turns.
        paired = [t for t in targets if t.name in ("mockserver", FLASK) and t.starts]
        if len(paired) == 2:
            restart_in_turns(paired, 18940, STARTS_IN_TURNS)
        names = [t.name for t in targets]
        extra = fixture_rows(directory, names) if FIXTURE else []
    took = time.perf_counter() - started

    peers = [t for t in targets if t.name in (FLASK, "pytest-httpserver", "Prism", "WireMock")]
    peers += [t for t in targets if t.name == "journal off"]  # the journal's cost
    notes = [f"{t.name}: {t.note}" for t in targets if t.note]
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"mockserver bench, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}; server on CPU {SERVER_CPU}, wrk on CPU {LOAD_CPU}, "
        f"median of {REPEATS} runs of {SECONDS:g} s; load average at the end {load_avg}; "
        f"took {took:.0f} s"
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
        "WireMock and pytest-httpserver and Flask from the mock's recorded answers (a distinct "
        "page: one page of 50, whatever the query). The pytest-like sequence: per connection, "
        "POST /__admin/reset, GET project, stats, users, POST hooks, GET hooks, again and again.",
        flush=True,
    )
    status = 0
    soaked: judge.SoakFigures | None = None
    if SOAK_REQUESTS > 0 or SOAK_HARDENING > 0:
        print()
        data, status = soak()
        soaked = soak_figures(data)
    print()
    print(
        f"Issue #17 targets ({datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; mock vs "
        f"the trivial Flask app on the same server and threads; 'in turns': measured again on "
        f"fresh servers, a run of the mock's then one of the trivial app's, {TURNS} times, and "
        f"{STARTS_IN_TURNS} starts of each in turn; spread: min-max of the runs, the soak's of "
        f"its ten tenths; took "
        f"{time.perf_counter() - started:.0f} s in all)"
    )
    print()
    print(judge.goals_table(goals(targets, soaked, turns)))
    sys.exit(status)


if __name__ == "__main__":
    main()
