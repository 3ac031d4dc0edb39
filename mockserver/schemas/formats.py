"""What the schemas' types and formats mean here, the same on every installation.

:func:`format_checker` is draft 2020-12's format checker with our own ``date-time`` and ``uri``;
:func:`strict_validator` is the draft 2020-12 validator class with a stricter ``integer``. The
registry validates with both, the loader checks schemas with the validator class, and the
compiled fast path (:mod:`mockserver.schemas.fastpath`) checks formats with
:data:`EXACT_FORMATS`, the same functions the checker calls, so all three agree on what a value
means.

jsonschema is imported by the first call of either (``FORMAT_CHECKER`` and ``StrictValidator``
are still importable names, made then): a server whose scenario and answers pass the fast path
never needs it, and importing it costs ~35 ms and ~1.3 MB at start.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from mockserver.schemas.piiselector import selector_error

if TYPE_CHECKING:
    from jsonschema import FormatChecker

_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))",
    re.ASCII,
)
# RFC 3986: a scheme, then only unreserved, reserved and percent-encoded characters.
_URI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?\[\]]|%[0-9A-Fa-f]{2})*"
    r"(?:#(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?",
    re.ASCII,
)


def _is_date_time(instance: object) -> bool:
    """RFC 3339 ``date-time``: the syntax, and a date and time that exist."""
    if not isinstance(instance, str):
        return True
    match = _DATE_TIME.fullmatch(instance)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    offset_hour, offset_minute = match.group(7), match.group(8)
    if offset_hour is not None and (int(offset_hour) > 23 or int(offset_minute) > 59):
        return False
    try:
        # RFC 3339 allows a leap second (60), which datetime does not represent.
        datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return False
    return second <= 60


def _is_uri(instance: object) -> bool:
    """RFC 3986 absolute ``uri`` (a scheme and the legal character set)."""
    return not isinstance(instance, str) or _URI.fullmatch(instance) is not None


def _is_pii_selector(instance: object) -> bool:
    """Relay's PII selector (``safeFields``): a string Relay parses, or a number (DRF's
    ``CharField`` reads it as its text)."""
    if isinstance(instance, bool):
        return True
    if isinstance(instance, int | float):
        instance = str(instance)
    return not isinstance(instance, str) or selector_error(instance.strip()) is None


def origin_error(text: str) -> str | None:
    """Sentry's ``OriginField`` (``allowedDomains``): ``None`` for a blank value, ``*`` or an
    origin whose domain (before the first ``/`` after the scheme) has no port and a name IDNA
    encodes; otherwise why not."""
    if not text or text == "*":
        return None
    rest = text.split("://", 1)[1] if "://" in text else text
    domain = rest.split("/", 1)[0]
    if ":" in domain:
        return "has a port"
    try:
        domain.encode("idna")
    except UnicodeError:
        return "is not a domain name"
    return None


def _is_origin(instance: object) -> bool:
    """``sentry-origin``: see :func:`origin_error` (a number is read as its text)."""
    if isinstance(instance, bool):
        return True
    if isinstance(instance, int | float):
        instance = str(instance)
    return not isinstance(instance, str) or origin_error(instance.strip()) is None


def _is_symbol_sources(instance: object) -> bool:
    """``sentry-symbol-sources``: blank, or the JSON text of a list of objects (each source's
    shape is checked against ``symbol-sources.json`` by the server)."""
    if not isinstance(instance, str) or not instance.strip():
        return True
    try:
        sources = json.loads(instance)
    except ValueError:
        return False
    return isinstance(sources, list) and all(isinstance(source, dict) for source in sources)


def _is_email(instance: object) -> bool:
    """jsonschema's draft 2020-12 ``email``, exactly (an ``@``)."""
    return not isinstance(instance, str) or "@" in instance


def _is_ipv4(instance: object) -> bool:
    """jsonschema's draft 2020-12 ``ipv4``, exactly (what ``ipaddress`` parses)."""
    if not isinstance(instance, str):
        return True
    try:
        return bool(ipaddress.IPv4Address(instance))
    except ipaddress.AddressValueError:
        return False


def _is_ipv6(instance: object) -> bool:
    """jsonschema's draft 2020-12 ``ipv6``, exactly (what ``ipaddress`` parses, no scope)."""
    if not isinstance(instance, str):
        return True
    try:
        address = ipaddress.IPv6Address(instance)
    except ipaddress.AddressValueError:
        return False
    return not getattr(address, "scope_id", "")


_OURS: dict[str, Callable[[object], bool]] = {
    "date-time": _is_date_time,
    "uri": _is_uri,
    "relay-pii-selector": _is_pii_selector,
    "sentry-origin": _is_origin,
    "sentry-symbol-sources": _is_symbol_sources,
}

EXACT_FORMATS: dict[str, Callable[[object], bool]] = {
    **_OURS,
    "email": _is_email,
    "ipv4": _is_ipv4,
    "ipv6": _is_ipv6,
}
"""The formats the fast path checks without jsonschema, each answering exactly what
:func:`format_checker` answers: ours are the checker's own functions, and ``email``, ``ipv4``
and ``ipv6`` copy jsonschema's (tests/schemas/test_formats.py compares them). Any other format
asks the checker."""


@functools.cache
def format_checker() -> FormatChecker:
    """Draft 2020-12's format checker, with our own ``date-time`` and ``uri``, and Sentry's
    ``relay-pii-selector`` (:mod:`mockserver.schemas.piiselector`), ``sentry-origin`` and
    ``sentry-symbol-sources``; made (and jsonschema imported) on the first call.

    jsonschema checks ``date-time`` only when ``rfc3339-validator`` is installed and ``uri`` only
    with ``rfc3987``, neither of which is a dependency of ours; without them both formats pass
    silently. Our checkers make the contract the same on every installation.
    """
    from jsonschema import Draft202012Validator
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)
    for name, check in _OURS.items():
        checker.checks(name)(check)
    return checker


def _is_strict_integer(checker: object, instance: object) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


@functools.cache
def strict_validator() -> Any:
    """Draft 2020-12's validator class, with an ``integer`` that excludes floats such as
    ``1.0``; its ``check_schema`` is the loader's metaschema check. Made (and jsonschema
    imported) on the first call; the same class every time.

    JSON Schema counts 1541455200.0 as an integer; Sentry's answers never carry a float where an
    integer belongs (the documentation's stats example does, which is the bug we refuse to
    copy), and a float would break clients that parse integers strictly. Being stricter than
    Sentry is the safe side for requests too: a client the mock accepts is one Sentry accepts.
    """
    from jsonschema import Draft202012Validator
    from jsonschema.validators import extend

    # types-jsonschema leaves extend() unannotated; bind it to a typed name to call it.
    extended: Callable[..., Any] = extend
    return extended(
        Draft202012Validator,
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_strict_integer),
    )


def __getattr__(name: str) -> Any:
    # The names this module had before jsonschema was imported lazily (PEP 562).
    if name == "FORMAT_CHECKER":
        return format_checker()
    if name == "StrictValidator":
        return strict_validator()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
