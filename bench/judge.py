"""The pure parts of ``make bench``: the distinct-page requests, wrk's request files, the soak's
segment figures and the verdicts of issue #17's targets (``tests/bench/`` tests them; nothing
here times anything).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

PER_PAGES = range(1, 101)
"""``per_page`` of the distinct-page workloads: every size Sentry accepts."""


@dataclass(frozen=True)
class Goal:
    """One target of issue #17: ``measured`` ÷ ``reference`` must be at least (or, with
    ``at_least=False``, at most) ``threshold``; without a threshold, a figure printed beside
    the targets with its ratio.

    The spreads are every figure of the repeats (min-max is printed); ``reference_name`` says
    what the reference is when it is not the trivial Flask app.
    """

    name: str
    measured: float | None
    reference: float | None
    threshold: float | None
    at_least: bool = True
    measured_spread: Sequence[float] = field(default_factory=tuple)
    reference_spread: Sequence[float] = field(default_factory=tuple)
    digits: int = 0
    reference_name: str = "Flask"

    @property
    def ratio(self) -> float | None:
        """``measured / reference``, or ``None`` when either is missing or not positive."""
        return ratio(self.measured, self.reference)

    @property
    def verdict(self) -> str:
        """``PASS``, ``FAIL``, ``—`` when a figure is missing, ``info`` without a threshold."""
        value = self.ratio
        if self.threshold is None:
            return "info"
        if value is None:
            return "—"
        met = value >= self.threshold if self.at_least else value <= self.threshold
        return "PASS" if met else "FAIL"


def ratio(measured: float | None, reference: float | None) -> float | None:
    """``measured / reference``; ``None`` unless both are positive."""
    if measured is None or reference is None or measured <= 0 or reference <= 0:
        return None
    return measured / reference


def figure(value: float | None, digits: int = 0) -> str:
    """A figure with thousands separators, or a dash."""
    if value is None or value < 0:
        return "—"
    return f"{value:,.{digits}f}"


def spread(values: Sequence[float], digits: int = 0) -> str:
    """``min-max`` of the repeats (one figure alone when they are equal), or a dash."""
    kept = [v for v in values if v >= 0]
    if not kept:
        return "—"
    low, high = figure(min(kept), digits), figure(max(kept), digits)
    return low if low == high else f"{low}-{high}"


def goals_table(goals: Sequence[Goal]) -> str:
    """The "Issue #17 targets" table, in Markdown."""
    header = ["target", "mock", "reference", "ratio", "needs", "result", "mock spread"]
    header.append("reference spread")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for goal in goals:
        value = goal.ratio
        reference = figure(goal.reference, goal.digits)
        if goal.reference_name != "Flask" and goal.reference is not None:
            reference = f"{reference} ({goal.reference_name})"
        cells = [
            goal.name,
            figure(goal.measured, goal.digits),
            reference,
            "—" if value is None else f"{value:.2f}",
            needs(goal),
            goal.verdict,
            spread(goal.measured_spread, goal.digits),
            spread(goal.reference_spread, goal.digits),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def needs(goal: Goal) -> str:
    """The threshold as the table shows it: ``≥ 0.8``, ``≤ 1.5``, or a dash."""
    if goal.threshold is None:
        return "—"
    return f"{'≥' if goal.at_least else '≤'} {goal.threshold:g}"


def user_pages(users: int, step: int = 17, seed: int = 17) -> list[str]:
    """Query strings of full pages of ``users`` users at every ``per_page``, starting at every
    ``step``-th user, shuffled.

    The users list pages by offset: cursor ``{value}:{n}:0`` starts at item ``n * value`` (see
    ``sentry/paginators.py``), so ``1:{start}:0`` starts anywhere. Each query differs from its
    neighbours, and the cycle is longer than the response cache (1,024 answers), so none is
    answered from it.
    """
    return _pages(users, step, seed, "1:{start}:0")


def tag_value_pages(values: int, step: int = 17, seed: int = 17) -> list[str]:
    """Query strings of full pages of ``values`` tag values at every ``per_page``, starting at
    every ``step``-th value, shuffled.

    Tag values page like Sentry's ``SequencePaginator``: cursor ``0:{n}:0`` starts ``n`` items
    from the top.
    """
    return _pages(values, step, seed, "0:{start}:0")


def _pages(items: int, step: int, seed: int, cursor: str) -> list[str]:
    queries = [
        f"per_page={size}&cursor={cursor.format(start=start)}"
        for size in PER_PAGES
        for start in range(0, items - size + 1, step)
    ]
    random.Random(seed).shuffle(queries)
    return queries


def mean_per_page(queries: Iterable[str]) -> int:
    """The mean ``per_page`` of ``queries``, rounded: the size of a page that weighs what the
    pages weigh on average (the peers answer any page with one such)."""
    sizes = [int(q.split("per_page=", 1)[1].split("&", 1)[0]) for q in queries]
    if not sizes:
        raise ValueError("no queries")
    return round(sum(sizes) / len(sizes))


def request_lines(requests: Iterable[tuple[str, str, str | None]]) -> str:
    """A request file of ``bench/wrk.lua``: ``METHOD<TAB>PATH[<TAB>BODY]`` lines."""
    lines = []
    for method, path, body in requests:
        if "\t" in path or "\n" in path or (body and ("\t" in body or "\n" in body)):
            raise ValueError(f"a request of a wrk file is one line without tabs: {path!r}")
        lines.append(f"{method}\t{path}\t{body}" if body else f"{method}\t{path}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Segment:
    """One tenth of the soak's requests: what wrk and ``/proc`` said about it."""

    requests: float
    rps: float
    cpu_us: float
    p99_ms: float
    created: float
    errors: float
    rss_mb: float


@dataclass(frozen=True)
class SoakFigures:
    """The first tenth against the last, and the memory per hook written."""

    segments: tuple[Segment, ...]
    first: Segment
    last: Segment
    throughput_ratio: float | None
    cpu_ratio: float | None
    p99_ratio: float | None
    hooks: int
    rss_growth_mb: float
    bytes_per_hook: float | None


def soak_figures(segments: Sequence[Segment], rss_before_mb: float) -> SoakFigures:
    """Compare the first and last of ``segments``; the RSS growth over them all (from
    ``rss_before_mb`` to the last segment's) divided by the hooks they created."""
    if not segments:
        raise ValueError("the soak has no segments")
    first, last = segments[0], segments[-1]
    hooks = int(sum(s.created for s in segments))
    growth = last.rss_mb - rss_before_mb
    per_hook = growth * 1024 * 1024 / hooks if hooks else None
    return SoakFigures(
        segments=tuple(segments),
        first=first,
        last=last,
        throughput_ratio=ratio(last.rps, first.rps),
        cpu_ratio=ratio(last.cpu_us, first.cpu_us),
        p99_ratio=ratio(last.p99_ms, first.p99_ms),
        hooks=hooks,
        rss_growth_mb=growth,
        bytes_per_hook=per_hook,
    )
