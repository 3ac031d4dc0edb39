"""Sentry's date-time format, parsing of scenario timestamps, and the clock.

Sentry (Django REST Framework) writes date-times as ISO 8601 in UTC with a ``Z``. We keep
milliseconds when the value has no finer precision, as the documentation's examples do
(``2018-11-06T21:19:58.536Z``), microseconds when it has (``2021-01-14T22:08:52.711809Z``), and
no fraction at all for whole seconds (``2024-01-15T08:30:00Z``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime

Clock = Callable[[], float]
"""A source of the current time in epoch seconds; tests pass a controllable one."""

system_clock: Clock = time.time


def format_datetime(value: datetime) -> str:
    """Format an aware or naive-UTC datetime the way Sentry's API does."""
    # isoformat, not strftime: a third of the cost (every hook created is formatted), and the
    # year always in four digits, as Django writes it (glibc's %Y writes year 999 as "999").
    if value.tzinfo is UTC:
        text = value.isoformat(timespec="seconds")[:-6]  # without "+00:00" (no replace())
    else:
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        text = value.isoformat(timespec="seconds")
    micro = value.microsecond
    if micro:
        text += f".{micro // 1000:03d}" if micro % 1000 == 0 else f".{micro:06d}"
    return text + "Z"


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 timestamp (``Z`` or an offset; naive means UTC) into an aware datetime.

    :raises ValueError: if the text is not ISO 8601.
    """
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def from_epoch(seconds: float) -> datetime:
    """An aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(seconds, tz=UTC)
