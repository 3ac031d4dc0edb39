"""Sentry's date-time format (``mockserver.timefmt``)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from mockserver.timefmt import format_datetime
from mockserver.timefmt import from_epoch
from mockserver.timefmt import parse_datetime


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2024, 1, 15, 8, 30), "2024-01-15T08:30:00Z"),
        (datetime(2018, 11, 6, 21, 19, 58, 536000), "2018-11-06T21:19:58.536Z"),
        (datetime(2021, 1, 14, 22, 8, 52, 711809), "2021-01-14T22:08:52.711809Z"),
        (datetime(2021, 1, 14, 22, 8, 52, 1000, tzinfo=UTC), "2021-01-14T22:08:52.001Z"),
        (datetime(2021, 1, 14, 22, 8, 52, tzinfo=UTC), "2021-01-14T22:08:52Z"),
        (datetime(999, 1, 14, 22, 8, 52, 7, tzinfo=UTC), "0999-01-14T22:08:52.000007Z"),
        # A zone of offset 0 that is not UTC's object.
        (datetime(2021, 1, 14, 22, 8, 52, tzinfo=timezone(timedelta(0))), "2021-01-14T22:08:52Z"),
        # Aware in another zone: written in UTC.
        (
            datetime(2024, 1, 15, 10, 30, 0, 5, tzinfo=timezone(timedelta(hours=2))),
            "2024-01-15T08:30:00.000005Z",
        ),
        # Django writes the year in four digits (glibc's strftime would write "999").
        (datetime(999, 1, 2, 3, 4, 5), "0999-01-02T03:04:05Z"),
    ],
)
def test_format_datetime_writes_what_sentry_writes(value: datetime, text: str) -> None:
    assert format_datetime(value) == text


def test_a_formatted_epoch_parses_back_to_it() -> None:
    moment = from_epoch(1_700_000_000.25)
    assert format_datetime(moment) == "2023-11-14T22:13:20.250Z"
    assert parse_datetime(format_datetime(moment)) == moment
