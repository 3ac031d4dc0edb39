"""Event counts over time: literal points and generated patterns (placeholder, points only)."""

from __future__ import annotations

from mockserver.world import StatsSeries


def count_events(series: StatsSeries, start: int, end: int) -> int:
    """The events of ``series`` in ``[start, end)`` (epoch seconds)."""
    return sum(n for ts, n in series.points.items() if start <= ts < end)
