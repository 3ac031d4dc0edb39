"""The values of Sentry's query parameters: the spellings its parsers read, the choices it knows,
and the client contract's check of one value.

Each grammar is written once and rendered twice: as a Python regex for the contract checks,
whose ``\\d`` is any Unicode decimal digit (``int()`` and ``float()`` read those too), and as an
OpenAPI pattern, anchored, with ASCII digits only (ECMA-262's ``\\d``) and the empty value
allowed (Sentry reads ``cursor=`` as no cursor). Every bound comes from
:mod:`mockserver.sentry.pagination` or :mod:`mockserver.sentry.stats`.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockserver.errors import ApiError
from mockserver.sentry import daterange
from mockserver.sentry import stats
from mockserver.sentry.pagination import INVALID_CURSOR
from mockserver.sentry.pagination import INVALID_PER_PAGE
from mockserver.sentry.pagination import MAX_LIMIT
from mockserver.sentry.pagination import MIN_PER_PAGE

ValueCheck = Callable[[str, str], "str | None"]
"""A contract check of one value: given the parameter's name and the value, what is wrong with
it (a sentence naming Sentry's answer), or ``None``."""

#: The fields ``query=<field>:<value>`` filters the users endpoint by, each with the
#: :class:`~mockserver.world.model.EventUser` attribute it must equal.
USER_QUERY_FIELDS: Mapping[str, str] = {
    "id": "identifier",
    "username": "username",
    "email": "email",
    "ip": "ip_address",
}
#: The statuses ``status=`` filters service hooks by.
HOOK_STATUSES = ("active", "disabled")
#: ``include=stats``: the project's unresolved issue count.
INCLUDE_STATS = "stats"
INCLUDES = (INCLUDE_STATS,)
#: ``expand=hasAlertIntegration``: whether the project has an alert integration.
EXPAND_ALERT_INTEGRATION = "hasAlertIntegration"
EXPANDS = (EXPAND_ALERT_INTEGRATION,)
#: ``collapse=organization``: the organization's id and slug only; ``collapse=unusedFeatures``:
#: without the features Sentry's frontend does not read.
COLLAPSES = ("organization", "unusedFeatures")

# A period as Sentry reads statsPeriod: a number and an optional unit.
_STATS_PERIOD = re.compile(r"\d+[smhdw]?")


@dataclass(frozen=True, slots=True)
class CursorSpelling:
    """Which spellings of Sentry's cursor, ``value:offset:is_prev``
    (:class:`~mockserver.sentry.pagination.Cursor`), a check or a schema lets through: three
    numbers, each whole and unsigned unless a flag says otherwise.

    :ivar signed_value: ``value`` may have a minus sign.
    :ivar fractional_value: ``value`` may have a fraction (Sentry then reads it as a float).
    :ivar signed_offset: ``offset`` may have a minus sign.
    :ivar any_direction: ``is_prev`` may be any whole number, signed, not only ``0`` or ``1``.
    """

    signed_value: bool = False
    fractional_value: bool = False
    signed_offset: bool = False
    any_direction: bool = False
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", re.compile(self.regex()))

    def regex(self, digit: str = r"\d") -> str:
        """The spellings as an unanchored regex whose digits are ``digit``."""
        whole = f"{digit}+"
        value = ("-?" if self.signed_value else "") + whole
        if self.fractional_value:
            value += rf"(?:\.{whole})?"
        offset = ("-?" if self.signed_offset else "") + whole
        is_prev = f"-?{whole}" if self.any_direction else "[01]"
        return f"{value}:{offset}:{is_prev}"

    def fullmatch(self, text: str) -> bool:
        """Whether ``text`` is one of the spellings (with any Unicode decimal digits)."""
        return self._compiled.fullmatch(text) is not None

    def schema(self) -> dict[str, Any]:
        """The OpenAPI schema: one of the spellings with ASCII digits, or empty."""
        return {"type": "string", "pattern": f"^(?:{self.regex('[0-9]')})?$"}


LINK_CURSOR = CursorSpelling(fractional_value=True)
"""The cursors a careful client sends: a ``Link`` header's, with ``results="true"``."""
SIGNED_CURSOR = CursorSpelling(
    signed_value=True, fractional_value=True, signed_offset=True, any_direction=True
)
"""Three numbers: outside :data:`LINK_CURSOR`, a ``rel="previous"`` cursor of the first page
(such as the users endpoint's ``100:-1:1``), which points before the first result."""
ACCEPTED_CURSOR = CursorSpelling(signed_value=True, fractional_value=True)
"""The cursors Sentry's keyset and sequence paginators answer without an error (a negative
offset makes them raise)."""
OFFSET_CURSOR = CursorSpelling()
"""The cursors Sentry's offset paginator (the users endpoint) answers without an error: it
multiplies value by offset into a row offset, so both are whole and neither is negative."""

# int() and float() accept whitespace around the number (str.isspace() but for \x1c-\x1f), a
# sign and "_" between digits. Only ASCII digits are listed (int() also reads, say, Arabic-Indic
# ones).
_WS = r"[\t-\r\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"


def _int_spelling(value: int) -> str:
    """A regex for the non-negative decimal spellings ``int()`` reads as ``value``."""
    digits = "_?".join(str(value))
    return rf"{_WS}\+?(?:0_?)*{digits}{_WS}"


def resolution_pattern() -> str:
    """The exact (ASCII) spellings of ``resolution`` that Sentry accepts.

    Sentry reads the last character as a unit (``d``, ``h``, ``m``, ``s``) and the rest with
    ``int()``; the product must be one of its rollups (:data:`~mockserver.sentry.stats.ROLLUPS`).
    Empty means absent.
    """
    spellings = [
        _int_spelling(rollup // seconds) + unit
        for unit, seconds in sorted(stats.UNITS.items(), key=lambda item: item[1])
        for rollup in stats.ROLLUPS
        if rollup % seconds == 0
    ]
    return "^(?:" + "|".join(spellings) + ")?$"


def rollup_names() -> tuple[str, ...]:
    """Sentry's rollups in their shortest spelling: ``10s``, ``1h``, ``1d``."""
    # UNITS runs from the largest unit down: the first that divides the rollup spells it.
    return tuple(
        next(f"{rollup // size}{unit}" for unit, size in stats.UNITS.items() if not rollup % size)
        for rollup in stats.ROLLUPS
    )


def spoken(words: Iterable[str]) -> str:
    """``a``, ``b`` or ``c``, for the OpenAPI descriptions (Markdown code spans)."""
    quoted = [f"`{word}`" for word in words]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else "".join(quoted)


def split_commas(value: str) -> list[str]:
    """The items of a comma-separated value, as Sentry splits ``include``."""
    return value.split(",")


def check_per_page(name: str, value: str) -> str | None:
    """``per_page``: an integer from :data:`~mockserver.sentry.pagination.MIN_PER_PAGE` to
    :data:`~mockserver.sentry.pagination.MAX_LIMIT`."""
    try:
        # Sentry reads it with int(): digits of any script, a sign, spaces and "_" pass.
        number = int(value)
    except ValueError:
        return f"{name}={value!r} is not an integer (Sentry: 400 {INVALID_PER_PAGE!r})"
    if not MIN_PER_PAGE <= number <= MAX_LIMIT:
        return (
            f"{name}={value} is outside {MIN_PER_PAGE}..{MAX_LIMIT}, Sentry's page sizes "
            "(Sentry answers 400)"
        )
    return None


def check_cursor(name: str, value: str) -> str | None:
    """``cursor``: empty, or a :data:`LINK_CURSOR`; a :data:`SIGNED_CURSOR` is named as the
    ``results="false"`` cursor it most likely is."""
    if not value or LINK_CURSOR.fullmatch(value):
        return None
    if SIGNED_CURSOR.fullmatch(value):
        return (
            f'{name}={value!r} points before the first result: it is a rel="previous" cursor '
            'whose Link says results="false"; stop paging when results is "false"'
        )
    return (
        f"{name}={value!r} is not a Sentry cursor (value:offset:is_prev, e.g. 0:100:0); pass "
        f"a Link header's cursor unchanged (Sentry: 400 {INVALID_CURSOR!r})"
    )


def check_stat(name: str, value: str) -> str | None:
    """``stat``: one of Sentry's documented stats. Its undocumented inbound-filter stats pass
    here: the contract warns of them (:mod:`mockserver.contract.query`)."""
    if not value or value in stats.STATS or value in stats.FILTER_STATS:
        return None
    return (
        f"{name}={value!r} is not one of {', '.join(stats.STATS)} "
        f'(Sentry: 400 ["Invalid stat: {value}"])'
    )


def check_resolution(name: str, value: str) -> str | None:
    """``resolution``: what :func:`~mockserver.sentry.stats.parse_resolution` accepts."""
    try:
        stats.parse_resolution(value)
    except ApiError:
        return (
            f"{name}={value!r} is not one of {', '.join(rollup_names())} "
            "(Sentry: 400 'Invalid resolution')"
        )
    return None


def check_timestamp(name: str, value: str) -> str | None:
    """``since`` and ``until``: empty, or a finite number (epoch seconds)."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if value and not math.isfinite(number):
        return f"{name}={value!r} is not a numeric timestamp in epoch seconds (Sentry: 400)"
    return None


def check_iso_time(name: str, value: str) -> str | None:
    """``start`` and ``end``: an ISO 8601 date or time, or epoch seconds, as
    :func:`~mockserver.sentry.daterange.parse_datetime_string` reads them."""
    try:
        daterange.parse_datetime_string(value)
    except ApiError:
        return (
            f"{name}={value!r} is not an ISO 8601 time such as 2024-01-15T09:00:00Z "
            "(Sentry answers 500)"
        )
    return None


def check_stats_period(name: str, value: str) -> str | None:
    """``statsPeriod``: a number and an optional unit (``24h``, ``14d``)."""
    if _STATS_PERIOD.fullmatch(value):
        return None
    return f"{name}={value!r} is not a period such as 24h or 14d (Sentry answers 500)"


def choices(allowed: Sequence[str], effect: str, *, comma_separated: bool = False) -> ValueCheck:
    """A check that each value (or each comma-separated item) is empty or one of ``allowed``.

    :param effect: what Sentry does with another value, for the message.
    """

    def check(name: str, value: str) -> str | None:
        parts = split_commas(value) if comma_separated else [value]
        bad = [p for p in parts if p and p not in allowed]
        if not bad:
            return None
        return f"{name}={bad[0]!r} is not one of {', '.join(allowed)}: {effect}"

    return check


def check_user_query(name: str, value: str) -> str | None:
    """The users endpoint's ``query``: ``<field>:<value>`` with a field of
    :data:`USER_QUERY_FIELDS`, a non-empty value, and an IP address for ``ip``."""
    text = value.strip()
    if not text:
        return None
    field_name, colon, wanted = text.partition(":")
    fields = ", ".join(USER_QUERY_FIELDS)
    if not colon:
        return (
            f"{name}={value!r} has no field: write field:value with field one of "
            f"{fields} (Sentry answers [] without a Link header)"
        )
    if field_name not in USER_QUERY_FIELDS or not wanted:
        return (
            f"{name}={value!r} filters nothing: the field must be one of "
            f"{fields} and the value non-empty (Sentry lists every user)"
        )
    if field_name == "ip":
        try:
            ipaddress.ip_address(wanted)
        except ValueError:
            return f"{name}={value!r}: {wanted!r} is not an IP address (Sentry ignores the filter)"
    return None
