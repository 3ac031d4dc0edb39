"""Times and durations as scenarios write them: ``90m``, ``1h30m``, ``now-36h``, ISO 8601.

Stats patterns place their spikes and outages with them (:mod:`mockserver.world.patterns`), and
the fake-data generators spread their items' times over a duration
(:mod:`mockserver.world.fakedata`).
"""

from __future__ import annotations

import re

from mockserver.timefmt import parse_datetime

_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(?:[0-9]+[wdhms])+")
_DURATION_PART = re.compile(r"([0-9]+)([wdhms])")
_RELATIVE = re.compile(r"now(?:\s*([+-])\s*((?:[0-9]+[wdhms])+))?")


def parse_duration(text: str) -> int:
    """Seconds in a duration such as ``90m``, ``1h30m``, ``2d`` or ``1w`` (parts add up).

    :raises ValueError: if the text is not a duration.
    """
    if _DURATION.fullmatch(text) is None:
        raise ValueError(
            f"{text!r} is not a duration: use <number><unit> parts with the units "
            "w, d, h, m, s, e.g. '90m', '1h30m' or '2d'"
        )
    return sum(int(n) * _UNITS[unit] for n, unit in _DURATION_PART.findall(text))


def parse_moment(value: int | str) -> tuple[int, bool]:
    """Parse a pattern time: epoch seconds, ISO 8601, ``now`` or ``now±<duration>``.

    :returns: ``(seconds, relative)``: epoch seconds, or the offset from now when ``relative``.
    :raises ValueError: if the value is none of those.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time")
    if isinstance(value, int):
        return value, False
    text = value.strip()
    match = _RELATIVE.fullmatch(text)
    if match is not None:
        sign, duration = match.groups()
        offset = parse_duration(duration) if duration else 0
        return (-offset if sign == "-" else offset), True
    try:
        return int(parse_datetime(text).timestamp()), False
    except ValueError:
        raise ValueError(
            f"{value!r} is not a time: use an ISO 8601 date-time, epoch seconds, "
            "'now' or 'now-<duration>' such as 'now-36h'"
        ) from None
