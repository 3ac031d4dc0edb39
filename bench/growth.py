"""Does a request cost more once many hooks were written? The soak's cycle (``bench/soak.py``)
in process, on two apps, one holding ~1,000 hooks and one ``HOOKS`` (30,000), measured in turns
(a batch on one, then on the other) so that a machine that slows down slows both alike.

The soak over HTTP judges the same thing end to end, but on a shared machine its tenths move
with other tenants' load; this run's two figures come from the same minutes. Server CPU per
request (``time.process_time``), median of the turns, with every turn's figure.

    .venv/bin/python bench/growth.py [HOOKS] [TURNS]

Nothing here runs under ``make test`` or ``make bench``.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

from werkzeug.test import Client

from bench.soak import AUTH
from bench.soak import CYCLE
from bench.soak import JSON
from mockserver import create_app
from mockserver.config import SERVE_WRITE_SAMPLE
from mockserver.config import Config

BATCH = 200
"""Cycles (of 10 requests, one of them a write) per turn."""


def app_with(hooks: int) -> Client:
    """A client of a fresh app (response cache off, writes' answers sampled: as the soak's
    ``mockserver serve``) after ``hooks`` writes."""
    config = Config(response_cache=False, validate_writes_every=SERVE_WRITE_SAMPLE)
    client = Client(create_app(config))
    _, path, body = CYCLE[0]  # the cycle's write
    for _ in range(hooks):
        _expect(client.post(path, data=body, headers=JSON).status_code, path)
    return client


def _expect(status: int, path: str) -> None:
    if status not in (200, 201):
        raise SystemExit(f"{path}: {status}, not 200 or 201")


def cpu_per_request(client: Client, cycles: int) -> float:
    """Server CPU µs per request over ``cycles`` of the soak's cycle."""
    started = time.process_time()
    for _ in range(cycles):
        for method, path, body in CYCLE:
            response = client.open(path, method=method, data=body, headers=JSON if body else AUTH)
            _expect(response.status_code, path)
    return (time.process_time() - started) / (cycles * len(CYCLE)) * 1e6


def main() -> None:
    """Print both apps' CPU per request."""
    hooks = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    turns = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    few, many = app_with(1_000), app_with(hooks)
    gc.collect()
    gc.freeze()
    figures: tuple[list[float], list[float]] = ([], [])
    for _ in range(turns):
        figures[0].append(cpu_per_request(few, BATCH))
        figures[1].append(cpu_per_request(many, BATCH))
    for held, runs in zip((1_000, hooks), figures, strict=True):
        spread = ", ".join(f"{r:.0f}" for r in sorted(runs))
        print(f"{held:,} hooks: {statistics.median(runs):.0f} µs/request [{spread}]")


if __name__ == "__main__":
    main()
