"""Sentry's date range parameters: ``statsPeriod``, or ``start`` and ``end``.

``get_date_range_from_params`` (``sentry/api/utils.py``), as ``ProjectTagKeyValuesEndpoint``
reads it: ``statsPeriod`` is a number and a unit (``parse_stats_period``: ``s``, ``m``, ``h``,
``d`` or ``w``; no unit means seconds) counted back from now; otherwise ``start`` and ``end``
(both, ``sentry/search/utils.py`` ``parse_datetime_string``: an ISO 8601 date or time, UTC
unless it has an offset, or epoch seconds); otherwise Sentry's default, the last 90 days. The
start must come before the end.

Sentry raises ``InvalidParams`` for a bad range, which the tag values endpoint does not catch
(a 500); the mock answers 400 ``{"detail": <Sentry's message>}``.
"""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from mockserver.errors import ApiError

_PERIOD = re.compile(r"^(\d+)([hdmsw]?)$")
_UNITS = {"h": "hours", "d": "days", "m": "minutes", "s": "seconds", "w": "weeks", "": "seconds"}


def _invalid(message: str) -> ApiError:
    return ApiError.detail(400, message)


def parse_stats_period(text: str) -> timedelta | None:
    """``parse_stats_period``: ``14d`` as a timedelta; ``None`` when it is not a period."""
    match = _PERIOD.match(text)
    if match is None:
        return None
    value, unit = match.groups()
    try:
        return timedelta(**{_UNITS[unit]: int(value)})
    except OverflowError:
        return timedelta.max


def parse_datetime_string(text: str) -> datetime:
    """``parse_datetime_string``: an ISO 8601 date or time (UTC unless it has an offset), or
    epoch seconds.

    :raises ApiError: 400 ``<text> is not a valid ISO8601 date query``.
    """
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except (ValueError, OverflowError, OSError):
        raise _invalid(f"{text} is not a valid ISO8601 date query") from None


def date_range(
    stats_period: str | None, start: str | None, end: str | None, now: float
) -> tuple[datetime, datetime] | None:
    """The window the parameters ask for, or ``None`` when they ask for none.

    :param now: the current time (epoch seconds).
    :raises ApiError: 400 with Sentry's ``InvalidParams`` message.
    """
    moment = datetime.fromtimestamp(now, UTC)
    if stats_period is not None:
        period = parse_stats_period(stats_period)
        try:
            if period is None:
                raise OverflowError
            window = (moment - period, moment)
        except OverflowError:
            raise _invalid(f"Invalid statsPeriod: {stats_period!r}") from None
    elif start or end:
        if not (start and end):
            raise _invalid("start and end are both required")
        window = (parse_datetime_string(start), parse_datetime_string(end))
    else:
        return None
    if window[0] >= window[1]:
        raise _invalid("start must be before end")
    return window
