"""Event counts over time: seeded patterns that look like real traffic.

A pattern (:func:`stats_pattern`) is defined for every moment, so "the last 24 hours" has data
whatever today is. It is built top-down, in whole events, with integer arithmetic only (so
that no platform's ``libm`` can change a count):

1. each UTC **day** gets one integer, drawn around its expected total (the baseline, the
   weekday or weekend weight, spikes and outages) with noise from a stable hash of the day;
2. a day's integer is split across its 24 **hours** in proportion to weights (the daily
   rhythm, the windows, noise from the hash), as cumulative floors, so the hours add up to the
   day exactly;
3. an hour's integer is split the same way across its 360 **10-second slots**.

An event of slot *s* happens at ``10 * s``. The count over ``[start, end)`` is therefore a
difference of one cumulative function, which makes it additive for every split point, and costs
one small computation per whole day plus two per partial day or hour (all of them cached), so a
24-bucket hourly query and a 90-bucket daily query take well under a millisecond once warm.

:func:`mockserver.world.series.count_events` combines a series' literal points with its
pattern; the times and durations of spikes and outages are :mod:`mockserver.world.timespec`'s.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from array import array
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mockserver.world.timespec import parse_duration
from mockserver.world.timespec import parse_moment

SLOT = 10
"""Seconds in a slot, the pattern's finest grain (Sentry's finest rollup)."""
SLOTS_PER_HOUR = 360
HOURS_PER_DAY = 24
SLOTS_PER_DAY = SLOTS_PER_HOUR * HOURS_PER_DAY

DEFAULT_BASELINE = 100.0
DEFAULT_DAILY = 0.5
DEFAULT_PEAK_HOUR = 15
DEFAULT_WEEKLY = 0.3
DEFAULT_NOISE = 0.2
DEFAULT_SPIKE_FACTOR = 5.0
DEFAULT_OUTAGE_FACTOR = 0.0

_PPM = 1_000_000  # fixed-point scale of rates and multipliers
_PERMILLE = 1_000  # fixed-point scale of amplitudes and window factors
# Overlapping spikes multiply; past a million-fold the 64-bit slot weights could overflow.
_MAX_FACTOR_PERMILLE = 1_000_000_000
# round(1000 * cos(2 * pi * k / 24)): written out, not computed, so that the table cannot differ
# between platforms; it sums to exactly 0, so the daily rhythm keeps the daily mean.
_COS_PERMILLE = (
    1000, 966, 866, 707, 500, 259, 0, -259, -500, -707, -866, -966,
    -1000, -966, -866, -707, -500, -259, 0, 259, 500, 707, 866, 966,
)  # fmt: skip
# Triangular noise (the sum of two uniforms) scaled by sqrt(6) has a standard deviation of 1.
_SQRT6_PERMILLE = 2449

# Weights of an hour's 360 slots come from one hash byte each, offset so that no slot is empty
# by chance: the busiest slot is at most five times the quietest.
_SLOT_WEIGHT_FLOOR = 64


@dataclass(frozen=True, slots=True)
class _Moment:
    """An absolute time (epoch seconds), or an offset from the clock's "now"."""

    seconds: int
    relative: bool

    def resolve(self, now: int) -> int:
        return now + self.seconds if self.relative else self.seconds


@dataclass(frozen=True, slots=True)
class _WindowSpec:
    start: _Moment
    end: _Moment
    factor_permille: int


_Window = tuple[int, int, int]
"""A resolved window: first slot, end slot (exclusive), factor in per-mille."""


def _window_spec(raw: Mapping[str, Any], default_factor: float, what: str) -> _WindowSpec:
    start = _Moment(*parse_moment(raw["start"]))
    if "end" in raw:
        end = _Moment(*parse_moment(raw["end"]))
    elif "duration" in raw:
        end = _Moment(start.seconds + parse_duration(str(raw["duration"])), start.relative)
    else:
        raise ValueError(f"a {what} needs 'end' or 'duration'")
    if start.relative == end.relative and end.seconds <= start.seconds:
        raise ValueError(f"a {what} must end after it starts (start {raw['start']!r})")
    factor = float(raw.get("factor", default_factor))
    if factor < 0:
        raise ValueError(f"a {what}'s factor must not be negative, not {factor}")
    return _WindowSpec(start, end, min(round(factor * _PERMILLE), _MAX_FACTOR_PERMILLE))


def _ceil_div(value: int, step: int) -> int:
    return -(-value // step)


def _overlapping(windows: tuple[_Window, ...], lo: int, hi: int) -> tuple[_Window, ...]:
    """The windows that share a slot with ``[lo, hi)``: the cache keys of days and hours."""
    if not windows:
        return windows
    return tuple(w for w in windows if w[0] < hi and w[1] > lo)


def _uniform16(digest: bytes, index: int) -> int:
    """The ``index``-th 16-bit unsigned number of a digest (big-endian: platform-independent)."""
    return (digest[2 * index] << 8) | digest[2 * index + 1]


def _noise_permille(digest: bytes, index: int) -> int:
    """Approximately standard-normal noise (triangular, standard deviation 1), in per-mille."""
    total = _uniform16(digest, index) + _uniform16(digest, index + 1)
    return (total - 65535) * _SQRT6_PERMILLE // 65535


class StatsPattern:
    """A seeded traffic pattern: call it with ``(start, end)`` epoch seconds for the events in
    ``[start, end)``. Build it with :func:`stats_pattern`.

    Instances are immutable apart from their caches (``functools.lru_cache``, which is
    thread-safe), so one instance serves every request thread.
    """

    def __init__(
        self,
        *,
        key: bytes,
        baseline: float,
        daily: float,
        peak_hour: int,
        weekly: float,
        noise: float,
        windows: tuple[_WindowSpec, ...],
        clock: Callable[[], float],
    ) -> None:
        self._key = key
        self._base_ppm = max(0, round(baseline * _PPM))
        amplitude = min(max(round(daily * _PERMILLE), 0), _PERMILLE)
        # Hourly multipliers (ppm) by UTC hour of day; they average exactly 1.
        self._daily_ppm = tuple(
            _PPM + amplitude * _COS_PERMILLE[(hour - peak_hour) % HOURS_PER_DAY]
            for hour in range(HOURS_PER_DAY)
        )
        weekend = _PERMILLE - min(max(round(weekly * _PERMILLE), 0), _PERMILLE)
        divisor = 5 * _PERMILLE + 2 * weekend
        # Monday first; five weekdays at 1000 and two weekend days at `weekend` average to 1.
        self._weekly_ppm = tuple(
            (_PERMILLE if dow < 5 else weekend) * 7 * _PPM // divisor for dow in range(7)
        )
        self._noise_permille = min(max(round(noise * _PERMILLE), 0), _PERMILLE)
        self._windows = windows
        self._clock = clock
        self._fixed: tuple[_Window, ...] | None = None
        if not any(w.start.relative or w.end.relative for w in windows):
            self._fixed = self._resolve(0)
        self._cached_day_total = lru_cache(maxsize=8192)(self._day_total)
        self._day_prefix = lru_cache(maxsize=1024)(self._compute_day_prefix)
        self._slot_prefix = lru_cache(maxsize=512)(self._compute_slot_prefix)

    # --- windows ---------------------------------------------------------------------------

    def _resolve(self, now: int) -> tuple[_Window, ...]:
        resolved = []
        for w in self._windows:
            start, end = w.start.resolve(now), w.end.resolve(now)
            # Slot s belongs to the window when its start 10*s does: start <= 10*s < end.
            lo, hi = _ceil_div(start, SLOT), _ceil_div(end, SLOT)
            if hi > lo:
                resolved.append((lo, hi, w.factor_permille))
        return tuple(sorted(resolved))

    def windows(self) -> tuple[_Window, ...]:
        """The windows as slot ranges, relative ones resolved against the clock now."""
        if self._fixed is not None:
            return self._fixed
        # Floored to a slot, so that a relative window's edges are slot edges.
        return self._resolve(int(self._clock()) // SLOT * SLOT)

    def _slot_factors(self, first: int, windows: tuple[_Window, ...]) -> list[int]:
        """Per-mille factors of the 360 slots of the hour starting at slot ``first``."""
        factors = [_PERMILLE] * SLOTS_PER_HOUR
        for lo, hi, factor in windows:
            for s in range(max(lo, first) - first, min(hi, first + SLOTS_PER_HOUR) - first):
                factors[s] = min(factors[s] * factor // _PERMILLE, _MAX_FACTOR_PERMILLE)
        return factors

    def _hour_factor(self, first: int, windows: tuple[_Window, ...]) -> tuple[int, bool]:
        """The hour's summed slot factors (``360_000`` when untouched), and whether the factor
        is the same for every slot (then the split within the hour ignores it)."""
        if not windows:
            return SLOTS_PER_HOUR * _PERMILLE, True
        last = first + SLOTS_PER_HOUR
        if all(lo <= first and hi >= last for lo, hi, _ in windows):
            product = _PERMILLE
            for _, _, factor in windows:
                product = min(product * factor // _PERMILLE, _MAX_FACTOR_PERMILLE)
            return SLOTS_PER_HOUR * product, True
        return sum(self._slot_factors(first, windows)), False

    # --- days, hours, slots ----------------------------------------------------------------

    def _digest(self, kind: bytes, index: int, size: int) -> bytes:
        return hashlib.shake_256(self._key + kind + index.to_bytes(8, "big", signed=True)).digest(
            size
        )

    def _hour_expected(self, day: int, hour: int, windows: tuple[_Window, ...]) -> int:
        """Expected events (ppm) in an hour, with its windows."""
        weekly = self._weekly_ppm[(day + 3) % 7]  # 1970-01-01, day 0, was a Thursday
        rate = self._base_ppm * self._daily_ppm[hour] // _PPM * weekly // _PPM
        first = (day * HOURS_PER_DAY + hour) * SLOTS_PER_HOUR
        factor, _ = self._hour_factor(first, _overlapping(windows, first, first + SLOTS_PER_HOUR))
        return rate * factor // (SLOTS_PER_HOUR * _PERMILLE)

    def _day_total(self, day: int, windows: tuple[_Window, ...]) -> int:
        """The events of a UTC day (``windows``: those overlapping it)."""
        if windows:
            expected = sum(self._hour_expected(day, h, windows) for h in range(HOURS_PER_DAY))
        else:
            weekly = self._weekly_ppm[(day + 3) % 7]
            expected = self._base_ppm * weekly * HOURS_PER_DAY // _PPM
        if expected <= 0:
            return 0
        digest = self._digest(b"day", day, 6)
        # Days vary about half as much as hours: the hour split adds its own noise.
        noise = self._noise_permille * _noise_permille(digest, 0) // 2
        scaled = expected * max(0, _PPM + noise) // _PPM
        # Stochastic rounding: unbiased, and deterministic through the hash.
        dither = _uniform16(digest, 2) * _PPM >> 16
        return (scaled + dither) // _PPM

    def _compute_day_prefix(self, day: int, windows: tuple[_Window, ...]) -> tuple[int, ...]:
        """Events before each hour of the day (25 numbers, from 0 to the day's total)."""
        total = self._cached_day_total(day, windows)
        if total == 0:
            return (0,) * (HOURS_PER_DAY + 1)
        expected = [self._hour_expected(day, h, windows) for h in range(HOURS_PER_DAY)]
        digest = self._digest(b"hours", day, 4 * HOURS_PER_DAY)
        weights = [
            e * max(0, _PPM + self._noise_permille * _noise_permille(digest, 2 * h)) // _PPM
            for h, e in enumerate(expected)
        ]
        if sum(weights) == 0:
            # Extreme noise (or a tiny baseline) zeroed every weight: fall back to the rhythm,
            # and to a flat split when even that rounds to nothing.
            weights = expected if sum(expected) else [1] * HOURS_PER_DAY
        cumulative = list(itertools.accumulate(weights, initial=0))
        whole = cumulative[-1]
        return tuple(total * c // whole for c in cumulative)

    def _compute_slot_prefix(self, hour: int, windows: tuple[_Window, ...]) -> array[int]:
        """Cumulative weights of an hour's 360 slots (361 numbers, from 0)."""
        digest = self._digest(b"slots", hour, SLOTS_PER_HOUR)
        weights = [_SLOT_WEIGHT_FLOOR + b for b in digest]
        if windows:
            factors = self._slot_factors(hour * SLOTS_PER_HOUR, windows)
            weights = [w * f for w, f in zip(weights, factors, strict=True)]
        return array("q", itertools.accumulate(weights, initial=0))

    def _events_before(self, day: int, slot: int, windows: tuple[_Window, ...]) -> int:
        """Events of ``day`` in its slots before ``slot`` (0 to 8640)."""
        if slot == 0:
            return 0
        day_windows = _overlapping(windows, day * SLOTS_PER_DAY, (day + 1) * SLOTS_PER_DAY)
        prefix = self._day_prefix(day, day_windows)
        hour, rest = divmod(slot, SLOTS_PER_HOUR)
        events = prefix[hour]
        if rest:
            in_hour = prefix[hour + 1] - events
            if in_hour:
                absolute = day * HOURS_PER_DAY + hour
                first = absolute * SLOTS_PER_HOUR
                hour_windows = _overlapping(day_windows, first, first + SLOTS_PER_HOUR)
                # A factor shared by every slot cancels out of the split: share the cache entry.
                if hour_windows and self._hour_factor(first, hour_windows)[1]:
                    hour_windows = ()
                weights = self._slot_prefix(absolute, hour_windows)
                total_weight = weights[SLOTS_PER_HOUR]
                if total_weight:
                    events += in_hour * weights[rest] // total_weight
        return events

    def __call__(self, start: int, end: int) -> int:
        """The events in ``[start, end)`` (epoch seconds; floats are accepted)."""
        first = _ceil_div(start, SLOT) if isinstance(start, int) else -int(-start // SLOT)
        stop = _ceil_div(end, SLOT) if isinstance(end, int) else -int(-end // SLOT)
        if stop <= first:
            return 0
        windows = self.windows()
        first_day, first_rest = divmod(first, SLOTS_PER_DAY)
        stop_day, stop_rest = divmod(stop, SLOTS_PER_DAY)
        total = 0
        for day in range(first_day, stop_day):
            day_windows = _overlapping(windows, day * SLOTS_PER_DAY, (day + 1) * SLOTS_PER_DAY)
            total += self._cached_day_total(day, day_windows)
        total -= self._events_before(first_day, first_rest, windows)
        total += self._events_before(stop_day, stop_rest, windows)
        return total


def stats_pattern(
    *,
    seed: int,
    owner: str,
    stat: str,
    spec: Mapping[str, Any],
    clock: Callable[[], float] = time.time,
) -> StatsPattern:
    """Build the pattern of one stat of one project from a scenario's ``pattern`` block.

    The options are those of ``statsPattern`` in ``schemas/scenario-generate.json``:
    ``baseline`` (events per hour), ``daily``, ``peakHour``, ``weekly``, ``noise``, ``spikes``
    and ``outages``.

    :param seed: the scenario's seed.
    :param owner: the project, as ``"<org slug>/<project slug>"``; with ``stat`` it makes the
        noise of every series independent.
    :param stat: ``received``, ``rejected``, ``blacklisted`` or ``generated``.
    :param spec: the ``pattern`` block (already validated against the schema).
    :param clock: the source of "now" for relative window times such as ``now-36h``; read at
        every call, floored to 10 seconds.
    :returns: ``pattern(start, end)``: the events in ``[start, end)``, epoch seconds.
    :raises ValueError: if a time, a duration or a window is malformed.
    """
    windows = tuple(
        _window_spec(raw, DEFAULT_SPIKE_FACTOR, "spike") for raw in spec.get("spikes", ())
    ) + tuple(_window_spec(raw, DEFAULT_OUTAGE_FACTOR, "outage") for raw in spec.get("outages", ()))
    key = hashlib.blake2b(
        "\x1f".join(("stats-pattern", str(seed), owner, stat)).encode(), digest_size=16
    ).digest()
    return StatsPattern(
        key=key,
        baseline=float(spec.get("baseline", DEFAULT_BASELINE)),
        daily=float(spec.get("daily", DEFAULT_DAILY)),
        peak_hour=int(spec.get("peakHour", DEFAULT_PEAK_HOUR)) % HOURS_PER_DAY,
        weekly=float(spec.get("weekly", DEFAULT_WEEKLY)),
        noise=float(spec.get("noise", DEFAULT_NOISE)),
        windows=windows,
        clock=clock,
    )
