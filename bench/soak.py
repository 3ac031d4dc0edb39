"""``make bench``'s soak, in two phases against ``mockserver serve`` (granian, the default
journal).

**Writes** (issue #17): ``SOAK_REQUESTS`` (300,000) requests from wrk at 16 connections, server
pinned to CPU 0 and wrk to CPU 1 as in ``bench/run.py``, with the response cache off, cycling
through 10 requests of which one is a successful POST hooks (so every cycle leaves one more
hook) and nine are reads: project (3), hooks lists (2: the default page and 10), stats, users
(2 pages) and environment tag values. After a warm-up that fills the journal (11,000 requests),
the requests run in ten tenths; for each, wrk's req/s and p99, the server's CPU µs per request
and the server's RSS after it. Printed: the first tenth against the last (issue #17: the last's
throughput ≥ 0.8x the first's), RSS before and after, and the RSS growth per hook written.

**Hardening**: ``SOAK_HARDENING_REQUESTS`` (half of ``SOAK_REQUESTS``) mixed requests from
``SOAK_CLIENTS`` (4) client processes, not pinned, with the default response cache, writes and
large bodies included. The mix, per 1,000 requests: 520 GET project, 150 GET users, 80 GET
stats, 150 POST hooks (one in 15 creating a hook, the rest refused with DRF's 400, so that the
store stays small and the journal is what grows), 80 PUT project, 10 POST hooks with a 1 MiB
body, 5 with a body just under the 2.5 MiB limit and 5 just over it (413), half of the large
ones chunked. The server's journal and response cache are at their defaults (10,000 entries,
32 MiB; 1,024 answers, 32 MiB): the server must stay under 150 MB, or the soak exits 1.

``SOAK_REQUESTS=20000`` makes a quick run of both. ``--json`` adds a last line, ``SOAK {...}``,
with the writes phase's tenths, which ``bench/run.py`` judges.

Nothing here runs under ``make test``.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench import judge
from bench.harness import SERVER_CPU
from bench.harness import Load
from bench.harness import pinned
from bench.harness import server_rss
from bench.harness import stop
from bench.harness import wrk

BIN = Path(sys.executable).parent
REQUESTS = int(os.environ.get("SOAK_REQUESTS", "300000"))
HARDENING = int(os.environ.get("SOAK_HARDENING_REQUESTS", str(REQUESTS // 2)))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "4"))
LIMIT_MB = 150
TENTHS = 10
WARMUP = 11_000  # past the journal's 10,000 entries: its growth is not the store's
CONNECTIONS = 16
PROJECT = "/api/0/projects/my-org/my-project/"
AUTH = {"Authorization": "Bearer sntrys_TOKEN"}
JSON = {**AUTH, "Content-Type": "application/json"}
READY = re.compile(r"on http://127\.0\.0\.1:(\d+)/")
MAX_BODY = 2_621_440


def _padded(size: int) -> bytes:
    """A hook body of ``size`` bytes that DRF refuses (an unknown event): no hook is kept."""
    head = b'{"url": "https://example.com/soak", "events": ["soak"], "pad": "'
    return head + b"x" * (size - len(head) - 2) + b'"}'


BIG = _padded(1024 * 1024)
NEAR = _padded(MAX_BODY - 1000)
OVER = _padded(MAX_BODY + 100_000)
HOOK = json.dumps({"url": "https://example.com/soak", "events": ["event.created"]})
CYCLE = (
    ("POST", PROJECT + "hooks/", HOOK),
    ("GET", PROJECT, None),
    ("GET", PROJECT + "hooks/", None),
    ("GET", PROJECT + "stats/", None),
    ("GET", PROJECT + "users/?per_page=25", None),
    ("GET", PROJECT, None),
    ("GET", PROJECT + "tags/environment/values/", None),
    ("GET", PROJECT + "hooks/?per_page=10", None),
    ("GET", PROJECT + "users/", None),
    ("GET", PROJECT, None),
)
"""The writes phase's cycle: one hook kept per 10 requests, reads of what grows among them."""


def _request(rng: random.Random) -> tuple[str, str, bytes | None, bool]:
    """(method, path, body, chunked) of the next request of the mix."""
    n = rng.randrange(1000)
    if n < 520:
        return "GET", PROJECT, None, False
    if n < 670:
        return "GET", PROJECT + f"users/?per_page={rng.choice((10, 25, 100))}", None, False
    if n < 750:
        return "GET", PROJECT + "stats/?stat=received&resolution=1h", None, False
    if n < 900:
        ok = rng.randrange(15) == 0
        events = '["event.alert"]' if ok else '["nope"]'
        body = f'{{"url": "https://example.com/{n}", "events": {events}}}'.encode()
        return "POST", PROJECT + "hooks/", body, False
    if n < 980:
        return "PUT", PROJECT, f'{{"isBookmarked": {str(n % 2 == 0).lower()}}}'.encode(), False
    large = BIG if n < 990 else NEAR if n < 995 else OVER
    return "POST", PROJECT + "hooks/", large, n % 2 == 0


def _client(job: tuple[int, int, int]) -> Counter[int]:
    port, count, seed = job
    rng = random.Random(seed)
    statuses: Counter[int] = Counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(count):
        method, path, body, chunked = _request(rng)
        headers = AUTH if body is None else JSON
        try:
            if chunked and body is not None:
                pieces = (body[i : i + 65536] for i in range(0, len(body), 65536))
                conn.request(method, path, body=pieces, headers=headers, encode_chunked=True)
            else:
                conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            statuses[response.status] += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            statuses[0] += 1  # a connection the server closed (an undrained 413): reconnect
            conn.close()
    conn.close()
    return statuses


def _start(
    env: dict[str, str] | None = None, cpu: str | None = None
) -> tuple[subprocess.Popen[str], int]:
    """``mockserver serve --port 0`` in its own process group; the process and its port."""
    # --quiet: access log lines would fill the pipe this reads only once.
    command = [str(BIN / "mockserver"), "serve", "--quiet", "--port", "0"]
    server = subprocess.Popen(
        pinned(command, cpu) if cpu else command,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    line = server.stderr.readline() if server.stderr else ""
    match = READY.search(line)
    if match is None:
        stop(server)
        sys.exit(f"soak: the server did not start: {line}")
    return server, int(match.group(1))


def writes() -> dict[str, object]:
    """The writes phase: the tenths, printed, and returned for ``--json``."""
    server, port = _start({"MOCKSERVER_RESPONSE_CACHE": "0"}, SERVER_CPU)
    per = max(REQUESTS // TENTHS, 1)
    try:
        with tempfile.TemporaryDirectory(prefix="mockserver-soak-") as tmp:
            requests = Path(tmp) / "cycle.txt"
            requests.write_text(judge.request_lines(CYCLE), encoding="utf-8")
            load = Load("GET", PROJECT, requests=requests)
            warm = wrk(port, load, CONNECTIONS, 600, stop_after=WARMUP)
            if warm["errors"] != 0:
                sys.exit(f"soak: the warm-up had errors: {warm}")
            before = server_rss(server.pid)
            print(
                f"soak (writes): {per * TENTHS:,} requests at {CONNECTIONS} connections, response "
                f"cache off, one hook kept per 10 requests; server RSS before: {before:.1f} MB "
                f"(after a warm-up of {WARMUP:,} requests)",
                flush=True,
            )
            segments = []
            for n in range(TENTHS):
                run = wrk(port, load, CONNECTIONS, per / 100 + 120, server.pid, stop_after=per)
                segment = judge.Segment(
                    requests=run.get("requests", 0.0),
                    rps=run["rps"],
                    cpu_us=run["cpu_us"],
                    p99_ms=run["p99"],
                    created=run["created"],
                    errors=run["errors"],
                    rss_mb=server_rss(server.pid),
                )
                segments.append(segment)
                print(
                    f"soak (writes): tenth {n + 1}: {segment.rps:,.0f} req/s, "
                    f"{segment.cpu_us:,.0f} µs CPU/request, p99 {segment.p99_ms:.2f} ms, "
                    f"{segment.created:,.0f} hooks, {segment.errors:,.0f} errors, "
                    f"server RSS {segment.rss_mb:.1f} MB",
                    flush=True,
                )
    finally:
        stop(server)
    figures = judge.soak_figures(segments, before)
    first, last = figures.first, figures.last
    per_hook = judge.figure(figures.bytes_per_hook)
    print(
        f"soak (writes): last tenth ÷ first: req/s {last.rps:,.0f} ÷ {first.rps:,.0f} = "
        f"{figures.throughput_ratio or 0:.2f} (target ≥ 0.8); CPU µs/request {last.cpu_us:,.0f} "
        f"÷ {first.cpu_us:,.0f}; p99 {last.p99_ms:.2f} ÷ {first.p99_ms:.2f} ms"
    )
    print(
        f"soak (writes): server RSS {before:.1f} → {last.rss_mb:.1f} MB "
        f"({figures.rss_growth_mb:+.1f} MB) for {figures.hooks:,} hooks written: "
        f"{per_hook} bytes per hook",
        flush=True,
    )
    return {"rss_before_mb": before, "segments": [dataclasses.asdict(s) for s in segments]}


def hardening() -> float:
    """The hardening phase: print the server's RSS before and after; return the after."""
    server, port = _start()
    try:
        _client((port, 200, 0))  # warm-up: every route's first answer made
        before = server_rss(server.pid)
        print(
            f"soak (hardening): {HARDENING:,} requests from {CLIENTS} clients, large bodies "
            f"included; server RSS before: {before:.1f} MB",
            flush=True,
        )
        started = time.monotonic()
        share = HARDENING // CLIENTS
        with multiprocessing.Pool(CLIENTS) as pool:
            results = pool.map(_client, [(port, share, seed) for seed in range(1, CLIENTS + 1)])
        took = time.monotonic() - started
        after = server_rss(server.pid)
        total = sum(results, Counter())
        statuses = dict(sorted(total.items()))
        print(
            f"soak (hardening): {sum(total.values())} requests in {took:.0f} s; statuses {statuses}"
        )
        print(
            f"soak (hardening): server RSS after: {after:.1f} MB (limit {LIMIT_MB} MB)", flush=True
        )
    finally:
        stop(server)
    return after


def main() -> None:
    """Run both phases; exit 1 when the hardening phase's server grew over the limit."""
    figures = writes() if REQUESTS > 0 else None
    after = hardening() if HARDENING > 0 else 0.0
    if "--json" in sys.argv[1:]:
        print("SOAK " + json.dumps(figures), flush=True)
    if after >= LIMIT_MB:
        sys.exit(f"soak: the server's RSS grew to {after:.1f} MB, over {LIMIT_MB} MB")


if __name__ == "__main__":
    main()
