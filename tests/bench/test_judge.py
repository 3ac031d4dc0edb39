"""``bench/judge.py``: the pure parts of ``make bench`` (distinct pages, wrk request files,
the soak's figures, issue #17's verdicts). Nothing here times anything."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bench import judge
from bench.judge import Goal
from bench.judge import Segment


def test_a_ratio_needs_two_positive_figures() -> None:
    assert judge.ratio(3.0, 4.0) == 0.75
    assert judge.ratio(None, 4.0) is None
    assert judge.ratio(3.0, None) is None
    assert judge.ratio(3.0, 0.0) is None
    assert judge.ratio(-1.0, 4.0) is None


@pytest.mark.parametrize(
    ("measured", "reference", "threshold", "at_least", "verdict"),
    [
        (800.0, 1000.0, 0.8, True, "PASS"),  # exactly the threshold passes
        (799.0, 1000.0, 0.8, True, "FAIL"),
        (1500.0, 1000.0, 1.5, False, "PASS"),
        (1501.0, 1000.0, 1.5, False, "FAIL"),
        (None, 1000.0, 0.8, True, "—"),  # a server that did not answer judges nothing
        (800.0, 1000.0, None, True, "info"),
    ],
)
def test_a_goal_is_judged_by_its_ratio_and_direction(
    measured: float | None, reference: float, threshold: float | None, at_least: bool, verdict: str
) -> None:
    goal = Goal("x", measured, reference, threshold, at_least=at_least)
    assert goal.verdict == verdict


def test_the_spread_is_min_to_max_of_the_figures_left_after_failed_runs() -> None:
    assert judge.spread([1200.4, 998.0, 1100.0]) == "998-1,200"
    assert judge.spread([2.0, 2.0]) == "2"
    assert judge.spread([0.123, -1.0, 0.2], digits=2) == "0.12-0.20"
    assert judge.spread([]) == "—"
    assert judge.spread([-1.0]) == "—"


def test_the_targets_table_shows_figures_ratio_threshold_verdict_and_spreads() -> None:
    goals = [
        Goal("POST hooks", 3000.0, 10000.0, 0.6, True, [2900.0, 3100.0], [9000.0, 11000.0]),
        Goal("start", 600.0, 300.0, 1.5, at_least=False),
        Goal("soak", 900.0, 1000.0, 0.8, reference_name="first 10%"),
        Goal("bytes per hook", 1234.0, None, None),
    ]
    assert judge.goals_table(goals).splitlines() == [
        "| target | mock | reference | ratio | needs | result | mock spread | reference spread |",
        "|---|---|---|---|---|---|---|---|",
        "| POST hooks | 3,000 | 10,000 | 0.30 | ≥ 0.6 | FAIL | 2,900-3,100 | 9,000-11,000 |",
        "| start | 600 | 300 | 2.00 | ≤ 1.5 | FAIL | — | — |",
        "| soak | 900 | 1,000 (first 10%) | 0.90 | ≥ 0.8 | PASS | — | — |",
        "| bytes per hook | 1,234 | — | — | — | info | — | — |",
    ]


@pytest.mark.parametrize("pages", [judge.user_pages, judge.tag_value_pages])
def test_distinct_pages_are_full_distinct_and_outnumber_the_response_cache(
    pages: Callable[[int], list[str]],
) -> None:
    queries = pages(1000)
    assert len(queries) == len(set(queries))
    assert len(queries) > 1024  # the response cache's capacity: a cycle never hits it
    sizes = {int(q.split("per_page=")[1].split("&")[0]) for q in queries}
    assert sizes == set(range(1, 101))
    for query in queries:
        size = int(query.split("per_page=")[1].split("&")[0])
        value, start, is_prev = query.split("cursor=")[1].split(":")
        assert is_prev == "0"
        # Offset pagination (users) starts at value * offset; the sequence paginator (tag
        # values, value 0) at the offset: every page is full.
        first = int(start) * int(value) if value != "0" else int(start)
        assert 0 <= first <= 1000 - size
    assert queries == pages(1000)  # the same cycle on every run (a fixed seed)
    assert queries != sorted(queries)  # shuffled: neighbours differ in size and start


def test_the_peers_sample_page_weighs_the_mean_page() -> None:
    assert judge.mean_per_page(["per_page=1&cursor=0:0:0", "per_page=4", "per_page=10"]) == 5
    assert judge.mean_per_page(judge.user_pages(1000)) == 50
    with pytest.raises(ValueError, match="no queries"):
        judge.mean_per_page([])


def test_request_lines_are_what_wrk_lua_reads() -> None:
    text = judge.request_lines([("POST", "/__admin/reset", None), ("PUT", "/p/", '{"a": 1}')])
    assert text == 'POST\t/__admin/reset\nPUT\t/p/\t{"a": 1}\n'
    with pytest.raises(ValueError, match="one line without tabs"):
        judge.request_lines([("POST", "/p/", '{"a":\n1}')])


def _segment(rps: float, cpu_us: float, p99: float, created: float, rss: float) -> Segment:
    return Segment(
        requests=1000.0, rps=rps, cpu_us=cpu_us, p99_ms=p99, created=created, errors=0.0, rss_mb=rss
    )


def test_the_soak_compares_its_first_and_last_tenths_and_prices_each_hook() -> None:
    segments = [
        _segment(5000.0, 200.0, 4.0, 100.0, 61.0),
        _segment(4800.0, 210.0, 4.4, 100.0, 62.0),
        _segment(4500.0, 220.0, 5.0, 100.0, 63.0),
    ]
    figures = judge.soak_figures(segments, rss_before_mb=60.0)
    assert figures.segments == tuple(segments)
    assert figures.first is segments[0]
    assert figures.last is segments[2]
    assert figures.throughput_ratio == 0.9
    assert figures.cpu_ratio == 1.1
    assert figures.p99_ratio == 1.25
    assert figures.hooks == 300
    assert figures.rss_growth_mb == 3.0
    assert figures.bytes_per_hook == 3.0 * 1024 * 1024 / 300


def test_a_soak_without_hooks_prices_none_and_one_without_tenths_is_refused() -> None:
    figures = judge.soak_figures([_segment(1.0, 1.0, 1.0, 0.0, 70.0)], rss_before_mb=60.0)
    assert figures.bytes_per_hook is None
    with pytest.raises(ValueError, match="no segments"):
        judge.soak_figures([], rss_before_mb=60.0)
