"""Realistic people by index: names, emails, usernames and IPs that agree."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from mockserver.world.fakedata._common import _USER_FIELDS
from mockserver.world.fakedata._common import DEFAULT_IDENTIFIERS
from mockserver.world.fakedata._common import DEFAULT_IPV6_SHARE
from mockserver.world.fakedata._common import DEFAULT_LOCALE
from mockserver.world.fakedata._common import DEFAULT_USER_SPREAD
from mockserver.world.fakedata._common import _ascii_slug
from mockserver.world.fakedata._common import _digest
from mockserver.world.fakedata._common import _Draw
from mockserver.world.fakedata._common import _from_micros
from mockserver.world.fakedata._common import _micros
from mockserver.world.fakedata._common import _Permutation
from mockserver.world.fakedata._common import _spread_number
from mockserver.world.fakedata._common import _stable_int
from mockserver.world.fakedata._common import _Timeline
from mockserver.world.fakedata.fakers import make_faker
from mockserver.world.model import EventUser
from mockserver.world.timespec import parse_duration

if TYPE_CHECKING:
    from faker import Faker

# --- users --------------------------------------------------------------------------------------

# Styles of email local parts and usernames: {f} first name, {l} last name, {fi}/{li} initials.
# Each ends with a letter, so the number appended after it stays recognisable (see _person).
_EMAIL_STYLES = (
    ("{f}.{l}", 35),
    ("{f}{l}", 15),
    ("{fi}{l}", 15),
    ("{fi}.{l}", 10),
    ("{f}_{l}", 8),
    ("{f}", 7),
    ("{l}.{f}", 5),
    ("{f}.{li}", 5),
)
_USERNAME_STYLES = (
    ("{f}{l}", 25),
    ("{fi}{l}", 25),
    ("{f}_{l}", 15),
    ("{f}.{l}", 15),
    ("{f}", 10),
    ("{l}{fi}", 10),
)
_COMPANY_SUFFIXES = (("", 6), ("labs", 1), ("group", 1), ("tech", 1), ("hq", 1), ("-inc", 1))
_COMPANY_TLDS = (("com", 8), ("io", 3), ("co", 2), ("net", 1), ("dev", 1), ("org", 1))
# First hextets of the IPv6 blocks most users come from (RIR allocations to big ISPs and mobile
# carriers); the rest of the address is random, as privacy addresses are.
_IPV6_PREFIXES = (0x2001, 0x2600, 0x2601, 0x2603, 0x2A00, 0x2A01, 0x2A02, 0x2405, 0x2409, 0x2804)


def _ipv6(draw: _Draw) -> str:
    value = (draw.choice(_IPV6_PREFIXES) << 112) | (draw.word() << 48 | draw.word() >> 16)
    return str(ipaddress.IPv6Address(value))


class _IdentifierSpace:
    """Unique numeric user ids: a permutation of ``[0, 9 * 10**(k-1))`` shifted into the
    ``k``-digit numbers, ``k >= 4`` chosen so that the ids use at most a quarter of the space
    (ids look like a database's, not like ``1, 2, 3``)."""

    __slots__ = ("_low", "_permutation", "_size")

    def __init__(self, count: int, key: bytes) -> None:
        digits = max(4, len(str(4 * max(count, 1))))
        self._low: int = 10 ** (digits - 1)
        self._size = 9 * self._low
        self._permutation = _Permutation(key, self._size)

    def __call__(self, index: int) -> str:
        if index < self._size:
            return str(self._low + self._permutation(index))
        # Past the generated count (never read through a LazySequence): longer, still unique.
        return str(10 * self._low + index)


def user_factory(
    *,
    seed: int,
    owner: str,
    anchor: datetime,
    spec: Mapping[str, Any],
) -> Callable[[int], EventUser]:
    """Users who look like real people, by index (the ``users`` generate block).

    Email address and username are built from the person's name (transliterated to ASCII),
    followed by a number that is a bijection of the index (none for user 0), so no two users
    share either; identifiers are unique numeric strings; IP addresses are public IPv4, or IPv6
    for a share ``ipv6`` of users. ``last_seen`` strictly decreases with the index, starting at
    ``anchor`` and reaching ``spread`` before it at the last user.

    :param seed: the scenario's seed.
    :param owner: the project, ``"<org slug>/<project slug>"``.
    :param anchor: the last_seen of user 0 (the loader passes the oldest literal user's
        ``last_seen`` when that is earlier than the scenario's anchor).
    :param spec: the generate block: ``generate``, ``locale``, ``identifiers``, ``ipv6``,
        ``spread``.
    :returns: ``make(i)``, thread-safe and pure.
    :raises ValueError: if ``spread`` is not a duration.
    """
    count = int(spec.get("generate", 0))
    shares = {**DEFAULT_IDENTIFIERS, **spec.get("identifiers", {})}
    ipv6_share = float(spec.get("ipv6", DEFAULT_IPV6_SHARE))
    timeline = _Timeline(
        parse_duration(str(spec.get("spread", DEFAULT_USER_SPREAD))), count, seed, owner, "user-t"
    )
    # A user keeps at least one identifier: the most likely one (first in Sentry's order on ties).
    fallback = max(_USER_FIELDS, key=lambda field: (shares[field], -_USER_FIELDS.index(field)))
    identifiers = _IdentifierSpace(count, _digest(seed, owner, "user-id"))
    number_key = _digest(seed, owner, "user-number")
    anchor_us = _micros(anchor)
    locale = str(spec.get("locale", DEFAULT_LOCALE))
    fakers: list[Faker] = []  # made by the first item (fakers.py: most servers never need it)
    lock = threading.Lock()

    def make(index: int) -> EventUser:
        if index < 0:
            raise IndexError(index)
        draw = _Draw(seed, owner, "user", index)
        present = {field: draw.chance(shares[field]) for field in _USER_FIELDS}
        if not any(present.values()):
            present[fallback] = True
        company_domain = draw.chance(0.25)
        use_ipv6 = draw.chance(ipv6_share)
        with lock:
            if not fakers:
                fakers.append(make_faker(locale))
            faker = fakers[0]
            faker.seed_instance(_stable_int(seed, owner, "user-faker", index))
            # Locales written in other scripts that offer romanized names (ja_JP, zh_CN) use
            # them, so that the address and the name read alike; the others are transliterated.
            if hasattr(faker, "first_romanized_name"):
                first, last = faker.first_romanized_name(), faker.last_romanized_name()
            else:
                first, last = faker.first_name(), faker.last_name()
            domain = faker.free_email_domain()
            company = faker.last_name() if company_domain else ""
            ipv4 = faker.ipv4_public() if present["ip"] and not use_ipv6 else ""
        parts = _name_parts(first, last)
        number = str(_spread_number(index, number_key)) if index else ""
        if company_domain:
            domain = (
                f"{_ascii_slug(company) or parts['l']}{draw.weighted(_COMPANY_SUFFIXES)}"
                f".{draw.weighted(_COMPANY_TLDS)}"
            )
        email = draw.weighted(_EMAIL_STYLES).format(**parts) + number + "@" + domain
        username = draw.weighted(_USERNAME_STYLES).format(**parts) + number
        ip = (_ipv6(draw) if use_ipv6 else ipv4) if present["ip"] else None
        return EventUser(
            identifier=identifiers(index) if present["id"] else None,
            username=username if present["username"] else None,
            email=email if present["email"] else None,
            ip_address=ip,
            last_seen=_from_micros(anchor_us - timeline.offset_us(index, anchor_us)),
            display_name=f"{first} {last}",
        )

    return make


def _name_parts(first: str, last: str) -> dict[str, str]:
    f = _ascii_slug(first) or "user"
    surname = _ascii_slug(last) or "user"
    return {"f": f, "l": surname, "fi": f[0], "li": surname[0]}


def user_tag_value(user: EventUser) -> str | None:
    """Sentry's ``tagValue`` of a user: ``id:``, ``username:``, ``email:`` or ``ip:`` and the first
    of those fields that is set (``None`` if none is)."""
    for prefix, value in zip(
        ("id", "username", "email", "ip"),
        (user.identifier, user.username, user.email, user.ip_address),
        strict=True,
    ):
        if value:
            return f"{prefix}:{value}"
    return None
