"""``make bench``'s soak: 300,000 mixed requests against ``mockserver serve`` (granian, the
default journal), writes and large bodies included, and the worker's RSS before and after.

The mix, per 1,000 requests: 520 GET project, 150 GET users, 80 GET stats, 150 POST hooks (one
in 15 creating a hook, the rest refused with DRF's 400, so that the store stays small and the
journal is what grows), 80 PUT project, 10 POST hooks with a 1 MiB body, 5 with a body just
under the 2.5 MiB limit and 5 just over it (413), half of the large ones chunked. The server's
journal and response cache are at their defaults (10,000 entries, 32 MiB; 1,024 answers,
32 MiB): the worker must stay under 150 MB. ``SOAK_REQUESTS`` changes the count,
``SOAK_CLIENTS`` the client processes (4).

Nothing here runs under ``make test``.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

BIN = Path(sys.executable).parent
REQUESTS = int(os.environ.get("SOAK_REQUESTS", "300000"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "4"))
LIMIT_MB = 150
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


def _worker_rss(supervisor: int) -> float:
    """The RSS of granian's worker (the supervisor's child), in MB."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    rss = 0
    for child in children:
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = max(rss, int(line.split()[1]))
    return rss / 1024


def main() -> None:
    """Run the soak and print the worker's RSS before and after; exit 1 over the limit."""
    server = subprocess.Popen(
        # --quiet: 300,000 access log lines would fill the pipe this reads only once.
        [str(BIN / "mockserver"), "serve", "--quiet", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    if server.stderr is None:  # pragma: no cover - stderr is a pipe
        sys.exit("soak: no stderr")
    line = server.stderr.readline()
    match = READY.search(line)
    if match is None:
        server.kill()
        sys.exit(f"soak: the server did not start: {line}")
    port = int(match.group(1))
    try:
        _client((port, 200, 0))  # warm-up: every route's first answer made
        before = _worker_rss(server.pid)
        print(
            f"soak: {REQUESTS} requests from {CLIENTS} clients; worker RSS before: {before:.1f} MB"
        )
        started = time.monotonic()
        share = REQUESTS // CLIENTS
        with multiprocessing.Pool(CLIENTS) as pool:
            results = pool.map(_client, [(port, share, seed) for seed in range(1, CLIENTS + 1)])
        took = time.monotonic() - started
        after = _worker_rss(server.pid)
        total = sum(results, Counter())
        statuses = dict(sorted(total.items()))
        print(f"soak: {sum(total.values())} requests in {took:.0f} s; statuses {statuses}")
        print(f"soak: worker RSS after: {after:.1f} MB (limit {LIMIT_MB} MB)")
    finally:
        server.terminate()
        server.communicate(timeout=30)
    if after >= LIMIT_MB:
        sys.exit(f"soak: the worker's RSS grew to {after:.1f} MB, over {LIMIT_MB} MB")


if __name__ == "__main__":
    main()
