"""``GET …/stats/`` (sentry-behavior.md §2), with the clock fixed at 1,700,000,000."""

from __future__ import annotations

import pytest

from tests.conftest import NOW
from tests.conftest import PROJECT
from tests.conftest import Api

STATS = PROJECT + "stats/"
EXAMPLE = [
    [1541455200, 1184],
    [1541458800, 1410],
    [1541462400, 1440],
    [1541466000, 1682],
    [1541469600, 1203],
]


def stamps(body: list[list[int]]) -> list[int]:
    return [ts for ts, _ in body]


def test_the_documentation_window_returns_the_example_series(api: Api) -> None:
    reply = api.get(STATS + "?stat=received&resolution=1h&since=1541455200&until=1541469600")
    assert reply.status == 200
    assert reply.json == EXAMPLE
    assert reply.raw.startswith(b"[[1541455200,1184],")
    assert reply.header("Link") is None


def test_defaults_are_24_hourly_buckets_ending_at_now(api: Api) -> None:
    body = api.get(STATS).json
    last = NOW - NOW % 3600
    assert stamps(body) == [last - 3600 * i for i in range(23, -1, -1)]
    assert all(type(ts) is int and type(n) is int for ts, n in body)


def test_the_documentation_request_answers_integer_pairs(api: Api) -> None:
    body = api.get(STATS + "?stat=received&resolution=1h").json
    assert len(body) == 24
    assert all(isinstance(pair, list) and len(pair) == 2 for pair in body)


def test_buckets_are_floored_and_may_start_before_since(api: Api) -> None:
    body = api.get(STATS + "?since=1699990000&until=1700000000").json
    assert stamps(body) == [1699992000, 1699995600, 1699999200]


@pytest.mark.parametrize(
    ("query", "rollup", "count"),
    [
        ("?since=1699996400&until=1700000000", 10, 361),  # 1 h span: 10 s buckets
        ("?since=1699395200&until=1700000000", 3600, 169),  # 7 days: hourly
        ("?since=1699395199&until=1700000000", 86400, 8),  # a second more: daily
        ("?resolution=1d", 86400, 1),
        ("?resolution=10s", 10, 8640),
    ],
)
def test_rollup_choice(api: Api, query: str, rollup: int, count: int) -> None:
    body = api.get(STATS + query).json
    assert len(body) == count
    assert all(ts % rollup == 0 for ts in stamps(body))
    assert stamps(body)[1] - stamps(body)[0] == rollup if count > 1 else True


@pytest.mark.parametrize("spelling", ["10s", "1h", "60m", "3600s", "1d", "24h", "86400s", "1440m"])
def test_accepted_resolution_spellings(api: Api, spelling: str) -> None:
    assert api.get(STATS + f"?resolution={spelling}").status == 200


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("?resolution=1m", {"detail": "Invalid resolution"}),
        ("?resolution=2h", {"detail": "Invalid resolution"}),
        ("?resolution=abc", {"detail": "Invalid resolution"}),
        ("?resolution=h", {"detail": "Invalid resolution"}),
        ("?resolution=5", {"detail": "Invalid resolution"}),
        ("?until=soon", {"detail": "until must be a numeric timestamp."}),
        ("?since=soon", {"detail": "since must be a numeric timestamp"}),
        ("?since=1700000001&until=1700000000", {"detail": "start must be before or equal to end"}),
        ("?stat=bogus", ["Invalid stat: bogus"]),
        # Sentry's validation order: stat, resolution, until, since.
        ("?stat=bogus&resolution=2h&until=x&since=y", ["Invalid stat: bogus"]),
        ("?resolution=2h&until=x&since=y", {"detail": "Invalid resolution"}),
        ("?until=x&since=y", {"detail": "until must be a numeric timestamp."}),
        ("?until=nan", {"detail": "until must be a numeric timestamp."}),
        (
            "?since=0&until=1700000000&resolution=10s",
            {
                "detail": "Too many buckets: at most 100000 per query; narrow since/until or use a "
                "coarser resolution"
            },
        ),
    ],
)
def test_invalid_parameters_answer_sentrys_400s(api: Api, query: str, body: object) -> None:
    reply = api.get(STATS + query)
    assert (reply.status, reply.json) == (400, body)


def test_since_equal_to_until_is_allowed(api: Api) -> None:
    body = api.get(STATS + "?since=1700000000&until=1700000000").json
    assert [ts for ts, _ in body] == [1700000000 - 1700000000 % 10]


@pytest.mark.parametrize("stat", ["received", "rejected", "blacklisted", "generated", "cors"])
def test_every_stat_and_filter_key_is_accepted(api: Api, stat: str) -> None:
    reply = api.get(STATS + f"?stat={stat}")
    assert reply.status == 200
    assert len(reply.json) == 24


def test_generated_with_an_unknown_environment_answers_404(api: Api) -> None:
    reply = api.get(STATS + "?stat=generated&environment=nowhere")
    assert (reply.status, reply.json) == (404, {"detail": "The requested resource does not exist"})
    assert api.get(STATS + "?stat=generated&environment=production").status == 200


def test_daily_buckets_sum_the_hourly_ones(api: Api) -> None:
    window = "&since=1541376000&until=1541548799"
    daily = api.get(STATS + "?resolution=1d" + window).json
    hourly = api.get(STATS + "?resolution=1h" + window).json
    assert [ts for ts, _ in daily] == [1541376000, 1541462400]
    for start, total in daily:
        assert total == sum(n for ts, n in hourly if start <= ts < start + 86400)
    # The example points replace the pattern in the hours they cover.
    assert [pair for pair in hourly if 1541455200 <= pair[0] <= 1541469600] == EXAMPLE


def test_the_last_24_hours_always_have_data(api: Api) -> None:
    body = api.get(STATS + "?stat=received&resolution=1h").json
    assert len(body) == 24
    assert all(count > 0 for _, count in body)
