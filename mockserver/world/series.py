"""Counting a :class:`~mockserver.world.model.StatsSeries`: its literal points, then its pattern.

Point ``t`` covers ``[t, t + resolution)``, where the pattern (:mod:`mockserver.world.patterns`)
contributes nothing, and counts entirely in the bucket that contains ``t``. The points are
sorted with prefix sums once (:func:`make_series`), so that a count costs two binary searches
plus the pattern over the gaps between the points.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from bisect import bisect_right
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping

from mockserver.world.model import StatsSeries


class _PointIndex:
    """Sorted literal points with prefix sums, and the merged intervals they cover."""

    __slots__ = ("covered_ends", "covered_starts", "prefix", "times")

    def __init__(self, points: Mapping[int, int], resolution: int) -> None:
        items = sorted(points.items())
        self.times = [t for t, _ in items]
        self.prefix = list(itertools.accumulate((n for _, n in items), initial=0))
        starts: list[int] = []
        ends: list[int] = []
        for t in self.times:
            if ends and t <= ends[-1]:
                ends[-1] = max(ends[-1], t + resolution)
            else:
                starts.append(t)
                ends.append(t + resolution)
        self.covered_starts = starts
        self.covered_ends = ends

    def points_in(self, start: int, end: int) -> int:
        """The literal events whose timestamp is in ``[start, end)``."""
        return (
            self.prefix[bisect_left(self.times, end)] - self.prefix[bisect_left(self.times, start)]
        )

    def gaps(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """The parts of ``[start, end)`` that no point covers, in order."""
        cursor = start
        i = bisect_right(self.covered_ends, start)
        while i < len(self.covered_starts) and self.covered_starts[i] < end:
            if self.covered_starts[i] > cursor:
                yield cursor, self.covered_starts[i]
            cursor = max(cursor, self.covered_ends[i])
            i += 1
        if cursor < end:
            yield cursor, end


def make_series(
    points: Mapping[int, int],
    resolution: int = 3600,
    pattern: Callable[[int, int], int] | None = None,
) -> StatsSeries:
    """A :class:`StatsSeries` with its point index built once, up front."""
    index = _PointIndex(points, resolution) if points else None
    return StatsSeries(points=points, resolution=resolution, pattern=pattern, point_index=index)


def count_events(series: StatsSeries, start: int, end: int) -> int:
    """The events of ``series`` in ``[start, end)`` (epoch seconds).

    A literal point counts entirely in the interval that contains its timestamp; the pattern, if
    any, counts everywhere except in the intervals ``[t, t + resolution)`` the points cover. The
    result is additive: the count over ``[a, c)`` is the count over ``[a, b)`` plus ``[b, c)``.
    """
    if end <= start:
        return 0
    if not series.points:
        return series.pattern(start, end) if series.pattern is not None else 0
    index = series.point_index
    if not isinstance(index, _PointIndex):  # built by hand, not by make_series
        index = _PointIndex(series.points, series.resolution)
    total = index.points_in(start, end)
    if series.pattern is not None:
        total += sum(series.pattern(lo, hi) for lo, hi in index.gaps(start, end))
    return total
