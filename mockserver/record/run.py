"""``mockserver record``, as a function: read the projects, anonymize if asked, settle the
scenario against the mock, and write it; and :func:`save`, which the proxy's ``--record`` shares.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mockserver.record.anonymize import Anonymizer
from mockserver.record.capture import Capture
from mockserver.record.client import DEFAULT_MAX_WAIT
from mockserver.record.client import RecordError
from mockserver.record.client import SentryClient
from mockserver.record.http import DEFAULT_TIMEOUT
from mockserver.record.http import Upstream
from mockserver.record.recorder import RESOLUTIONS
from mockserver.record.recorder import Plan
from mockserver.record.recorder import Progress
from mockserver.record.recorder import Window
from mockserver.record.recorder import read_project
from mockserver.record.recorder import standard_windows
from mockserver.record.verify import settle
from mockserver.record.write import check_text
from mockserver.record.write import render
from mockserver.record.write import write_atomically
from mockserver.sentry.stats import MAX_BUCKETS
from mockserver.world.timespec import parse_duration

DEFAULT_PERIOD = "24h"
DEFAULT_RESOLUTION = "1h"


@dataclass(frozen=True, slots=True)
class Options:
    """What ``mockserver record`` was asked for (its command-line options).

    :ivar projects: ``org/project`` each.
    :ivar stats_period: how far back the stats go from now (``24h``, ``14d``).
    :ivar resolution: the stats buckets: ``10s``, ``1h`` or ``1d``.
    """

    projects: tuple[str, ...]
    tags: tuple[str, ...] | None = None
    anonymize: bool = False
    seed: int = 0
    max_items: int | None = None
    stats_period: str = DEFAULT_PERIOD
    resolution: str = DEFAULT_RESOLUTION
    timeout: float = DEFAULT_TIMEOUT
    max_wait: float = DEFAULT_MAX_WAIT


@dataclass(frozen=True, slots=True)
class Summary:
    """What was written: the projects, the requests made, the seconds waited for rate
    limits."""

    projects: int
    requests: int
    waited: float


def split_project(ref: str) -> tuple[str, str]:
    """``org/project`` into its two parts.

    :raises RecordError: for anything else.
    """
    org, sep, project = ref.partition("/")
    if not sep or not org or not project or "/" in project:
        raise RecordError(f"--project {ref!r}: write it ORG/PROJECT, e.g. my-org/my-project")
    return org, project


def window(stats_period: str, resolution: str, now: float) -> Window:
    """The stats window ending now.

    :raises RecordError: for a period or resolution Sentry would refuse.
    """
    if resolution not in RESOLUTIONS:
        raise RecordError(f"--resolution {resolution!r}: one of {', '.join(RESOLUTIONS)}")
    try:
        period = parse_duration(stats_period)
    except ValueError as exc:
        raise RecordError(f"--stats-period: {exc}") from None
    if period <= 0 or period // RESOLUTIONS[resolution] > MAX_BUCKETS:
        raise RecordError(
            f"--stats-period {stats_period} at --resolution {resolution}: more than 0 and at "
            f"most {MAX_BUCKETS} buckets"
        )
    until = int(now)
    return Window(until - period, until, resolution)


def check(url: str, options: Options, now: float) -> tuple[list[tuple[str, str]], Window]:
    """The options' problems, before any request: the URL, the projects, the stats window.

    :returns: the projects as ``(org, project)`` and the stats window.
    :raises RecordError: naming the option and the fix.
    """
    try:
        Upstream.parse(url)
    except ValueError as exc:
        raise RecordError(str(exc)) from None
    refs = [split_project(ref) for ref in options.projects]
    if not refs:
        raise RecordError("no project: pass --project ORG/PROJECT (repeatable)")
    return refs, window(options.stats_period, options.resolution, now)


def record(
    url: str,
    token: str,
    out: Path,
    options: Options,
    *,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> Summary:
    """Record the projects of the Sentry at ``url`` into the scenario file ``out``.

    :raises RecordError: with one line saying what went wrong; ``out`` is then untouched.
    """
    now = clock()
    refs, stats_window = check(url, options, now)
    if not token:
        raise RecordError("no token: pass --token or set SENTRY_AUTH_TOKEN")
    plan = Plan(
        tags=options.tags, max_items=options.max_items, windows=standard_windows(stats_window)
    )
    client = SentryClient.connect(
        url, token, timeout=options.timeout, max_wait=options.max_wait, sleep=sleep, clock=clock
    )
    capture = Capture(source=client.where)
    for org, project in refs:
        read_project(client, capture.project(org, project), plan, progress)
    save(
        capture,
        out,
        by="mockserver record",
        seed=options.seed,
        recorded_at=now,
        secrets=[token],
        anonymize=options.anonymize,
    )
    return Summary(len(refs), client.requests, client.waited)


def save(
    capture: Capture,
    out: Path,
    *,
    by: str,
    seed: int,
    recorded_at: float,
    secrets: Sequence[str] = (),
    anonymize: bool = False,
) -> None:
    """Turn a capture into a scenario that answers as it was answered, and write it.

    :param secrets: tokens that must not appear in the file (the recording's own is chosen
        to differ from the first).
    :raises RecordError: if nothing was captured, the scenario cannot be made, or ``out``
        cannot be written; ``out`` is then untouched.
    """
    if anonymize:
        Anonymizer(seed).capture(capture)
    built = settle(
        capture, seed=seed, recorded_at=recorded_at, avoid_token=secrets[0] if secrets else None
    )
    text = render(built, by=by, source=capture.source, recorded_at=recorded_at)
    check_text(text, out, secrets)
    write_atomically(out, text)
