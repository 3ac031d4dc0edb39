"""Stats patterns and literal points: determinism, additivity, rhythm, spikes and outages."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest

from mockserver.resources import schemas_dir
from mockserver.schemas.registry import SchemaRegistry
from mockserver.world import patterns
from mockserver.world.model import StatsSeries
from mockserver.world.patterns import stats_pattern
from mockserver.world.series import count_events
from mockserver.world.timespec import parse_duration
from mockserver.world.timespec import parse_moment

NOW = 1_705_309_200  # 2024-01-15T09:00:00Z, a Monday
HOUR = 3600
DAY = 86400
OWNER = "acme/web"


class Clock:
    """A clock the test sets by hand."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make(
    spec: dict[str, Any] | None = None,
    *,
    seed: int = 0,
    stat: str = "received",
    clock: Callable[[], float] | None = None,
) -> patterns.StatsPattern:
    return stats_pattern(seed=seed, owner=OWNER, stat=stat, spec=spec or {}, clock=clock or Clock())


def hours(pattern: Callable[[int, int], int], start: int, count: int) -> list[int]:
    return [pattern(start + HOUR * k, start + HOUR * (k + 1)) for k in range(count)]


def floor(t: int, step: int) -> int:
    return t - t % step


# --- determinism --------------------------------------------------------------------------------


def test_same_inputs_give_the_same_counts_from_separately_built_patterns() -> None:
    first, second = make({"baseline": 120}), make({"baseline": 120})
    start = floor(NOW, DAY) - 7 * DAY
    assert hours(first, start, 24 * 7) == hours(second, start, 24 * 7)
    assert first(start, NOW) == second(start, NOW)


def test_seed_owner_and_stat_each_change_the_noise() -> None:
    start = floor(NOW, DAY) - DAY
    base = hours(make(), start, 24)
    assert hours(make(seed=1), start, 24) != base
    assert hours(make(stat="rejected"), start, 24) != base
    other = stats_pattern(seed=0, owner="acme/api", stat="received", spec={}, clock=Clock())
    assert hours(other, start, 24) != base


_SCRIPT = """
import json
from mockserver.world.patterns import stats_pattern
p = stats_pattern(
    seed=9, owner="acme/web", stat="received",
    spec={"baseline": 75, "spikes": [{"start": "now-5h", "duration": "1h", "factor": 4}]},
    clock=lambda: 1705309200,
)
start = 1705309200 - 3 * 86400
print(json.dumps([p(start + 3600 * k, start + 3600 * (k + 1)) for k in range(72)]
                 + [p(start + 10 * k, start + 10 * (k + 1)) for k in range(50)]))
"""


@pytest.mark.parametrize("hash_seed", ["0", "31337"])
def test_counts_are_identical_in_a_process_with_another_hash_seed(hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, check=True
    )
    namespace: dict[str, Any] = {}
    exec(  # noqa: S102 - our own script, run here to compare with the subprocess
        compile(_SCRIPT.replace("print(json.dumps(", "out = (("), "<script>", "exec"), namespace
    )
    assert json.loads(done.stdout) == namespace["out"]


# --- shape ----------------------------------------------------------------------------------------


def test_counts_are_non_negative_integers() -> None:
    pattern = make({"noise": 1.0, "daily": 1.0, "weekly": 1.0})
    start = floor(NOW, DAY) - 14 * DAY
    counts = hours(pattern, start, 24 * 14)
    assert all(type(c) is int and c >= 0 for c in counts)


@pytest.mark.parametrize("now", [978_307_200, NOW, 2_208_988_800, 4_102_444_800])
def test_the_last_24_hours_have_data_whatever_today_is(now: int) -> None:
    pattern = make(clock=Clock(now))
    last_day = hours(pattern, floor(now, HOUR) - 23 * HOUR, 24)
    assert sum(last_day) > 0
    assert sum(c > 0 for c in last_day) >= 20


def test_the_hourly_average_over_weeks_is_the_baseline() -> None:
    pattern = make({"baseline": 500})
    start = floor(NOW, DAY) - 28 * DAY - 3 * DAY  # whole weeks: Monday to Monday
    average = pattern(start, start + 28 * DAY) / (28 * 24)
    assert 450 < average < 550


def test_the_daily_rhythm_peaks_at_the_peak_hour() -> None:
    pattern = make({"baseline": 1000, "daily": 0.8, "noise": 0, "weekly": 0, "peakHour": 4})
    start = floor(NOW, DAY) - 21 * DAY
    by_hour = [0] * 24
    for k, count in enumerate(hours(pattern, start, 21 * 24)):
        by_hour[k % 24] += count
    assert max(range(24), key=by_hour.__getitem__) == 4
    assert min(range(24), key=by_hour.__getitem__) == 16
    assert by_hour[4] > 5 * by_hour[16]


def test_weekends_are_quieter_by_the_weekly_amplitude() -> None:
    pattern = make({"baseline": 1000, "weekly": 0.5, "noise": 0})
    monday = floor(NOW, DAY)  # 2024-01-15 was a Monday
    weekdays = sum(pattern(monday - k * DAY, monday - (k - 1) * DAY) for k in (7, 6, 5, 4, 3))
    weekend = sum(pattern(monday - k * DAY, monday - (k - 1) * DAY) for k in (2, 1))
    assert weekend / 2 == pytest.approx(0.5 * weekdays / 5, rel=0.02)
    assert weekdays + weekend == pytest.approx(1000 * 24 * 7, rel=0.01)


def test_flat_noiseless_pattern_is_the_baseline_every_hour() -> None:
    pattern = make({"baseline": 60, "daily": 0, "weekly": 0, "noise": 0})
    assert set(hours(pattern, floor(NOW, DAY) - 2 * DAY, 48)) <= {59, 60, 61}


def test_zero_baseline_gives_no_events() -> None:
    pattern = make({"baseline": 0})
    assert pattern(NOW - 30 * DAY, NOW) == 0


# --- additivity -----------------------------------------------------------------------------------

SPECS = [
    {},
    {"baseline": 3, "noise": 1},
    {"baseline": 25_000, "daily": 0.9},
    {
        "baseline": 400,
        "spikes": [
            {"start": "now-30h", "duration": "95m", "factor": 12},
            {"start": NOW - 29 * HOUR - 7, "end": NOW - 20 * HOUR + 3, "factor": 2.5},
        ],
        "outages": [
            {"start": "2024-01-14T03:17:45Z", "duration": "2h3m"},
            {"start": "now-50h", "duration": "1d", "factor": 0.3},
        ],
    },
]


@pytest.mark.parametrize("spec", SPECS)
def test_counts_are_additive_over_random_splits(spec: dict[str, Any]) -> None:
    pattern = make(spec)
    rng = random.Random(20240115)
    for _ in range(400):
        a = NOW - rng.randrange(10 * DAY)
        c = a + rng.randrange(4 * DAY)
        b = a + rng.randrange(c - a + 1)
        b = b - b % 10 if rng.random() < 0.7 else b  # aligned to 10 s, and sometimes not
        b = min(max(b, a), c)
        assert pattern(a, c) == pattern(a, b) + pattern(b, c), (a, b, c)


@pytest.mark.parametrize("spec", SPECS)
def test_a_day_is_the_sum_of_its_hours_and_an_hour_of_its_slots(spec: dict[str, Any]) -> None:
    pattern = make(spec)
    for day in range(floor(NOW, DAY) - 3 * DAY, floor(NOW, DAY) + DAY, DAY):
        assert pattern(day, day + DAY) == sum(hours(pattern, day, 24))
    for hour in range(floor(NOW, HOUR) - 31 * HOUR, floor(NOW, HOUR) - 25 * HOUR, HOUR):
        slots = [pattern(t, t + 10) for t in range(hour, hour + HOUR, 10)]
        assert pattern(hour, hour + HOUR) == sum(slots)


def test_empty_and_reversed_ranges_count_nothing() -> None:
    pattern = make()
    assert pattern(NOW, NOW) == 0
    assert pattern(NOW, NOW - HOUR) == 0
    assert pattern(NOW + 1, NOW + 9) == 0  # no slot starts in (NOW, NOW + 10)


# --- spikes and outages ---------------------------------------------------------------------------


def test_an_outage_zeroes_every_slot_in_its_window() -> None:
    start, end = NOW - 5 * HOUR + 1234, NOW - 2 * HOUR - 4321
    pattern = make({"baseline": 5000, "outages": [{"start": start, "end": end}]})
    first = start + (-start) % 10
    assert pattern(start, end) == 0
    assert all(pattern(t, t + 10) == 0 for t in range(first, end - 10, 10))
    # Around the window, traffic goes on.
    assert pattern(start - HOUR, start) > 1000
    assert pattern(end, end + HOUR) > 1000


def test_a_partial_outage_keeps_its_share_of_the_traffic() -> None:
    window = {"start": "now-3d", "duration": "2d"}
    normal = make({"baseline": 2000})
    degraded = make({"baseline": 2000, "outages": [{**window, "factor": 0.25}]})
    before, after = normal(NOW - 3 * DAY, NOW - DAY), degraded(NOW - 3 * DAY, NOW - DAY)
    assert after == pytest.approx(0.25 * before, rel=0.05)


def test_a_spike_multiplies_the_counts_in_its_window() -> None:
    window = {"start": "2024-01-14T10:00:00Z", "duration": "90m"}
    normal = make({"baseline": 300})
    spiked = make({"baseline": 300, "spikes": [{**window, "factor": 10}]})
    start = int(datetime(2024, 1, 14, 10, tzinfo=UTC).timestamp())
    inside = spiked(start, start + 90 * 60)
    assert inside == pytest.approx(10 * normal(start, start + 90 * 60), rel=0.25)
    assert inside > 5 * normal(start, start + 90 * 60)
    # Outside the window's day, nothing changes.
    assert spiked(start - 3 * DAY, start - DAY) == normal(start - 3 * DAY, start - DAY)


def test_the_default_spike_factor_is_five() -> None:
    window = {"start": "now-10h", "duration": "4h"}
    normal = make({"baseline": 1000})
    spiked = make({"baseline": 1000, "spikes": [window]})
    assert spiked(NOW - 10 * HOUR, NOW - 6 * HOUR) == pytest.approx(
        5 * normal(NOW - 10 * HOUR, NOW - 6 * HOUR), rel=0.15
    )


def test_relative_windows_follow_the_clock() -> None:
    clock = Clock(NOW)
    pattern = make({"baseline": 1000, "outages": [{"start": "now-2h", "end": "now"}]}, clock=clock)
    assert pattern(NOW - 2 * HOUR, NOW) == 0
    clock.now = NOW + DAY
    assert pattern(NOW - 2 * HOUR, NOW) > 0
    assert pattern(NOW + DAY - 2 * HOUR, NOW + DAY) == 0


def test_malformed_windows_and_times_are_refused() -> None:
    with pytest.raises(ValueError, match="must end after it starts"):
        make({"spikes": [{"start": NOW, "end": NOW - 10}]})
    with pytest.raises(ValueError, match="needs 'end' or 'duration'"):
        make({"outages": [{"start": NOW}]})
    with pytest.raises(ValueError, match="not a time"):
        make({"spikes": [{"start": "last tuesday", "duration": "1h"}]})
    with pytest.raises(ValueError, match="not a duration"):
        make({"spikes": [{"start": "now", "duration": "1 hour"}]})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10s", 10), ("90m", 5400), ("1h30m", 5400), ("2d", 172_800), ("1w", 604_800)],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("now", (0, True)),
        ("now-36h", (-129_600, True)),
        ("now + 2h", (7200, True)),
        ("now-1d12h", (-129_600, True)),
        ("2024-01-15T09:00:00Z", (NOW, False)),
        ("2024-01-15T10:00:00+01:00", (NOW, False)),
        (NOW, (NOW, False)),
    ],
)
def test_parse_moment(value: int | str, parsed: tuple[int, bool]) -> None:
    assert parse_moment(value) == parsed


# --- literal points -------------------------------------------------------------------------------


def test_points_alone_count_in_the_bucket_containing_their_timestamp() -> None:
    series = StatsSeries(points={NOW: 7, NOW + 3600: 5}, resolution=3600)
    assert count_events(series, NOW, NOW + 3600) == 7
    assert count_events(series, NOW, NOW + 10) == 7
    assert count_events(series, NOW + 10, NOW + 3600) == 0
    assert count_events(series, NOW - DAY, NOW + DAY) == 12


def test_points_override_the_pattern_in_the_intervals_they_cover() -> None:
    pattern = make({"baseline": 1000})
    covered = floor(NOW, HOUR) - 5 * HOUR
    series = StatsSeries(points={covered: 3, covered + HOUR: 0}, resolution=HOUR, pattern=pattern)
    assert count_events(series, covered, covered + HOUR) == 3
    assert count_events(series, covered + HOUR, covered + 2 * HOUR) == 0
    slots = [count_events(series, t, t + 10) for t in range(covered, covered + HOUR, 10)]
    assert slots[0] == 3
    assert sum(slots) == 3
    # Outside the covered hours, the pattern as usual.
    assert count_events(series, covered - HOUR, covered) == pattern(covered - HOUR, covered)
    day = floor(NOW, DAY) - DAY
    expected = pattern(day, day + DAY)
    if day <= covered < day + DAY:
        expected -= pattern(covered, covered + 2 * HOUR) - 3
    assert count_events(series, day, day + DAY) == expected


def test_points_and_pattern_together_are_additive() -> None:
    pattern = make({"baseline": 200, "outages": [{"start": "now-7h", "duration": "1h"}]})
    rng = random.Random(7)
    points = {NOW - rng.randrange(3 * DAY): rng.randrange(500) for _ in range(60)}
    points[NOW - 40 * HOUR] = 11  # overlapping intervals merge
    points[NOW - 40 * HOUR + 1800] = 13
    series = StatsSeries(points=points, resolution=HOUR, pattern=pattern)
    for _ in range(300):
        a = NOW - rng.randrange(4 * DAY)
        c = a + rng.randrange(2 * DAY)
        b = a + rng.randrange(c - a + 1)
        total = count_events(series, a, c)
        assert total == count_events(series, a, b) + count_events(series, b, c)
        assert total >= sum(n for t, n in points.items() if a <= t < c)


def test_ten_second_points_cover_only_their_slot() -> None:
    pattern = make({"baseline": 36_000, "daily": 0, "weekly": 0, "noise": 0})
    t = floor(NOW, HOUR) - HOUR
    series = StatsSeries(points={t + 50: 1000}, resolution=10, pattern=pattern)
    assert count_events(series, t + 50, t + 60) == 1000
    assert count_events(series, t + 60, t + 70) == pattern(t + 60, t + 70)
    assert (
        count_events(series, t, t + HOUR) == pattern(t, t + HOUR) - pattern(t + 50, t + 60) + 1000
    )


# --- the schema -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pattern_schema(tmp_path_factory: pytest.TempPathFactory) -> SchemaRegistry:
    directory = tmp_path_factory.mktemp("schemas")
    shutil.copy(schemas_dir() / "scenario-generate.json", directory)
    probe = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:mockserver:probe",
        "$ref": "urn:mockserver:scenario-generate#/$defs/statsPattern",
    }
    (directory / "probe.json").write_text(json.dumps(probe))
    return SchemaRegistry(directory)


@pytest.mark.parametrize("spec", SPECS)
def test_the_schema_accepts_the_patterns_tested_here(
    pattern_schema: SchemaRegistry, spec: dict[str, Any]
) -> None:
    assert pattern_schema.errors("probe", spec) == []


@pytest.mark.parametrize(
    "spec",
    [
        {"baseline": -1},
        {"basline": 100},
        {"daily": 1.5},
        {"peakHour": 24},
        {"peakHour": 3.5},
        {"spikes": [{"start": "now-1h"}]},
        {"spikes": [{"start": "now-1h", "end": "now", "duration": "1h"}]},
        {"spikes": [{"start": "now-1h", "duration": "1h", "factor": 0.5}]},
        {"outages": [{"start": "now-1h", "duration": "1h", "factor": 1}]},
        {"outages": [{"start": "yesterday", "duration": "1h"}]},
        {"outages": [{"start": "2024-01-15 09:00", "duration": "1h"}]},
        {"outages": [{"start": "now-1h", "duration": "60 minutes"}]},
        {"outages": [{"start": "now-1h", "duration": "1h", "reason": "deploy"}]},
    ],
)
def test_the_schema_refuses_typos_and_bad_values(
    pattern_schema: SchemaRegistry, spec: dict[str, Any]
) -> None:
    assert pattern_schema.errors("probe", spec) != []


def test_every_schema_example_builds_a_pattern(pattern_schema: SchemaRegistry) -> None:
    schema = json.loads((schemas_dir() / "scenario-generate.json").read_text(encoding="utf-8"))
    examples = [*schema["$defs"]["statsPattern"]["examples"], schema["examples"][0]["statsPattern"]]
    for spec in examples:
        assert pattern_schema.errors("probe", spec) == []
        assert make(spec)(NOW - DAY, NOW) > 0
