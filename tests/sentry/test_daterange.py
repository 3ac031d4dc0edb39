"""Sentry's date range parameters (mockserver.sentry.daterange)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from mockserver.errors import ApiError
from mockserver.sentry import daterange

NOW = 1_700_000_000
MOMENT = datetime.fromtimestamp(NOW, UTC)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("14d", timedelta(days=14)),
        ("24h", timedelta(hours=24)),
        ("90m", timedelta(minutes=90)),
        ("2w", timedelta(weeks=2)),
        ("30", timedelta(seconds=30)),
        ("14d\n", timedelta(days=14)),  # re.match with $: a trailing newline passes
        ("1d2h", None),
        ("-1d", None),
        ("", None),
    ],
)
def test_stats_period(text: str, period: timedelta | None) -> None:
    assert daterange.parse_stats_period(text) == period


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2024-01-15T08:30:00Z", datetime(2024, 1, 15, 8, 30, tzinfo=UTC)),
        ("2024-01-15T10:30:00+02:00", datetime(2024, 1, 15, 8, 30, tzinfo=UTC)),
        ("2024-01-15", datetime(2024, 1, 15, tzinfo=UTC)),
        ("1700000000", MOMENT),
    ],
)
def test_datetime_string(text: str, moment: datetime) -> None:
    assert daterange.parse_datetime_string(text) == moment


def test_the_window_of_each_parameter() -> None:
    assert daterange.date_range(None, None, None, NOW) is None
    assert daterange.date_range(None, "", "", NOW) is None
    assert daterange.date_range("1d", None, None, NOW) == (MOMENT - timedelta(days=1), MOMENT)
    # statsPeriod wins over start and end, as in Sentry.
    assert daterange.date_range("1h", "x", None, NOW) == (MOMENT - timedelta(hours=1), MOMENT)


@pytest.mark.parametrize(
    ("period", "start", "end", "detail"),
    [
        ("x", None, None, "Invalid statsPeriod: 'x'"),
        ("99999999999d", None, None, "Invalid statsPeriod: '99999999999d'"),
        ("0d", None, None, "start must be before end"),
        (None, "2024-01-01", None, "start and end are both required"),
        (None, "2024-01-02", "2024-01-01", "start must be before end"),
        (None, "2024-01-01", "soon", "soon is not a valid ISO8601 date query"),
    ],
)
def test_bad_windows_answer_sentrys_message(
    period: str | None, start: str | None, end: str | None, detail: str
) -> None:
    with pytest.raises(ApiError) as raised:
        daterange.date_range(period, start, end, NOW)
    assert (raised.value.status, raised.value.body) == (400, {"detail": detail})
