"""Seeded, realistic fake data by index: users, tag values and service hooks.

Each factory returns ``make(i)``, a pure function of the scenario's seed, the project (the
``owner``, ``"<org>/<project>"``), the spec and ``i``: the same on every machine and run, and
safe to call from several threads at once. Nothing is produced until asked for, so a factory of
a million users costs what one of ten does, and item 999,999 costs what item 0 does.

How item *i* stays a pure function of *i*:

- every random choice comes from a hash of ``(seed, owner, what, i)`` (``hashlib``; Python's
  ``hash()`` is salted per process);
- Faker (names, IPv4 addresses, free email providers) is one instance per factory, re-seeded
  with ``seed_instance`` from such a hash before each item, under the factory's lock. ``Faker.seed``
  (which reseeds every Faker in the process) is never called;
- uniqueness comes by construction, not by remembering what was produced: numbers inside email
  addresses, usernames, identifiers, short shas and URLs are bijections of *i*;
- orderings come from closed forms: the *i*-th user or tag value was last seen
  ``spread * g((i + jitter) / n)`` before the anchor, with ``g`` increasing, so that item *i* needs
  no other item.

The spec keys are documented in ``schemas/scenario-generate.json``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import threading
import uuid
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import TypeVar

from faker import Faker
from faker.decode import unidecode
from faker.providers.lorem.en_US import Provider as _EnglishLorem

from mockserver.patterns import parse_duration
from mockserver.world import HOOK_EVENTS
from mockserver.world import EventUser
from mockserver.world import Hook
from mockserver.world import TagValue

T = TypeVar("T")

DEFAULT_LOCALE = "en_US"
DEFAULT_USER_SPREAD = "30d"
DEFAULT_TAG_SPREAD = "30d"
DEFAULT_HOOK_SPREAD = "365d"
DEFAULT_IDENTIFIERS: Mapping[str, float] = {"id": 0.8, "username": 0.4, "email": 0.7, "ip": 0.9}
DEFAULT_IPV6_SHARE = 0.15
DEFAULT_EVENTS_PER_HOUR = 250
"""Events a tag value's count assumes per hour when the project has no ``received`` series."""

TAG_KINDS = (
    "release",
    "environment",
    "browser",
    "os",
    "device",
    "url",
    "transaction",
    "level",
    "user",
    "generic",
)
"""The families of tag values; a key named like one of them (also ``sentry:<name>``) gets it."""

LEVELS = ("error", "warning", "info", "fatal", "debug")
"""Every value of the ``level`` family, most frequent first: the family refuses more."""

ENVIRONMENTS = ("production", "staging", "development", "qa")
"""The first values of the ``environment`` family; preview environments follow, unbounded."""

_USER_FIELDS = ("id", "username", "email", "ip")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_US = 1_000_000


# --- stable randomness --------------------------------------------------------------------------


def _digest(*parts: object, size: int = 16) -> bytes:
    """A stable hash of the parts (their ``str``), ``size`` bytes long."""
    return hashlib.shake_256("\x1f".join(map(str, parts)).encode()).digest(size)


def _stable_int(*parts: object) -> int:
    """A stable 64-bit integer from the parts."""
    return int.from_bytes(_digest(*parts, size=8), "big")


class _Draw:
    """Deterministic random choices for one item, from a hash of its parts (counter mode).

    Used instead of ``random.Random``, whose methods other than ``random()`` may change between
    Python versions: these draws are ours, so they never change.
    """

    __slots__ = ("_buffer", "_counter", "_seed")

    def __init__(self, *parts: object) -> None:
        self._seed = _digest(*parts)
        self._counter = 0
        self._buffer: list[int] = []

    def word(self) -> int:
        """A uniform 64-bit integer."""
        if not self._buffer:
            block = hashlib.blake2b(self._seed + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
            self._buffer = [int.from_bytes(block[k : k + 8], "big") for k in range(0, 64, 8)]
        return self._buffer.pop()

    def below(self, n: int) -> int:
        """A uniform integer in ``[0, n)`` (the modulo bias is below 2**-40 for our ``n``)."""
        return self.word() % n

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return self.word() < int(p * 2**64)

    def choice(self, options: Sequence[T]) -> T:
        """One of the options, uniformly."""
        return options[self.below(len(options))]

    def weighted(self, options: Sequence[tuple[T, int]]) -> T:
        """One of ``(option, weight)``, in proportion to the integer weights."""
        point = self.below(sum(weight for _, weight in options))
        for option, weight in options:
            if point < weight:
                return option
            point -= weight
        raise AssertionError("unreachable: the point is below the total weight")


class _Permutation:
    """A keyed bijection of ``[0, size)``: a 4-round Feistel network on the smallest even
    number of bits that holds ``size``, with cycle walking back into range. Item numbers run
    through it come out unique and in no visible order."""

    __slots__ = ("_half", "_key", "_mask", "_size")

    def __init__(self, key: bytes, size: int) -> None:
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2
        self._key = key
        self._size = size
        self._half = bits // 2
        self._mask = (1 << self._half) - 1

    def _round(self, value: int, round_: int) -> int:
        data = self._key + bytes((round_,)) + value.to_bytes(8, "big")
        return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big") & self._mask

    def _feistel(self, value: int) -> int:
        left, right = value >> self._half, value & self._mask
        for round_ in range(4):
            left, right = right, left ^ self._round(right, round_)
        return (left << self._half) | right

    def __call__(self, index: int) -> int:
        if not 0 <= index < self._size:
            raise IndexError(f"{index} is outside [0, {self._size})")
        value = self._feistel(index)
        while value >= self._size:  # a bijection of the bits, walked until back in range
            value = self._feistel(value)
        return value


def _spread_number(index: int, key: bytes) -> int:
    """A unique positive number for ``index >= 1``, with as many digits as ``index``.

    Each decade block ``[10**k, 10**(k+1))`` is permuted onto itself, so small collections get
    short numbers (``anna.lee7``), large ones longer numbers, and neighbours look unrelated.
    """
    digits = len(str(index)) - 1
    low: int = 10**digits
    permutation = _Permutation(key + digits.to_bytes(2, "big"), 9 * low)
    return low + permutation(index - low)


def _micros(moment: datetime) -> int:
    """Integer microseconds since the epoch (exact: no float on the way)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICRO


def _from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _from_seconds(seconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


class _Timeline:
    """How long before the anchor item *i* was (last) seen: dense near the anchor, sparser
    further back, reaching ``spread`` at item ``count``.

    ``offset(i) = spread * g((i + 0.9 u_i) / count)`` with ``g(x) = 0.3 x + 0.7 x**2`` and
    ``u_i`` in ``[0, 1)`` from a hash (``u_0 = 0``: item 0 is at the anchor). Since
    ``i + 0.9 u_i < i + 1``, offsets strictly increase with *i*, whatever the jitter. Past
    ``count`` (never read through a LazySequence) ``g`` goes on as a straight line, and no
    offset reaches back before 1970, so that every index gives a valid date. Only ``+ - * /``
    on floats, which IEEE 754 makes identical on every platform.
    """

    __slots__ = ("_count", "_key", "_spread_us")

    def __init__(self, spread_seconds: int, count: int, *key: object) -> None:
        self._spread_us = float(spread_seconds * _US)
        self._count = float(max(count, 1))
        self._key = key

    def offset_us(self, index: int, limit: int) -> int:
        """Microseconds before the anchor, at most ``limit``."""
        jitter = 0.0 if index == 0 else (_stable_int(*self._key, index) >> 11) / 2**53
        x = (index + 0.9 * jitter) / self._count
        shape = 0.3 * x + 0.7 * x * x if x <= 1.0 else 1.0 + 1.7 * (x - 1.0)
        return min(int(self._spread_us * shape), limit)


def _ascii_slug(text: str) -> str:
    """Lowercase ASCII letters only: what an email address or a username keeps of a name."""
    return re.sub(r"[^a-z]", "", unidecode(text).lower())


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
    faker = Faker(str(spec.get("locale", DEFAULT_LOCALE)))
    # Locales written in other scripts that offer romanized names (ja_JP, zh_CN) use them, so
    # that the address and the name read alike; the others are transliterated.
    romanized = hasattr(faker, "first_romanized_name")
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
            faker.seed_instance(_stable_int(seed, owner, "user-faker", index))
            if romanized:
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


# --- tag values -----------------------------------------------------------------------------------


def tag_kind(key: str, spec: Mapping[str, Any]) -> str:
    """The family of a tag key's generated values: the spec's ``kind``, else the key's name
    (without Sentry's ``sentry:`` prefix) when it names a family, else ``generic``."""
    kind = spec.get("kind")
    if kind is not None:
        if kind not in TAG_KINDS:
            raise ValueError(f"unknown tag value kind {kind!r}; use one of {', '.join(TAG_KINDS)}")
        return str(kind)
    name = key.removeprefix("sentry:")
    return name if name in TAG_KINDS else "generic"


def tag_family_size(
    key: str, spec: Mapping[str, Any], users: Sequence[EventUser] | None = None
) -> int | None:
    """How many values the key's family has (``None``: unbounded). ``level`` has 5; ``user`` has
    as many as ``users``; every other family is unbounded."""
    kind = tag_kind(key, spec)
    if kind == "level":
        return len(LEVELS)
    if kind == "user":
        return len(users) if users is not None else 0
    return None


def _cadence(anchor: datetime, reference: date, value: int, days: int, minimum: int) -> int:
    """A version that went up by one every ``days`` from ``value`` on ``reference``, at the
    anchor (never below ``minimum``, so that anchors in the distant past stay plausible)."""
    return max(minimum, value + (anchor.date() - reference).days // days)


def _interleave(index: int, capacities: Sequence[int | None]) -> tuple[int, int]:
    """Spread ``index`` round-robin over products (each with a capacity, ``None``: unbounded):
    ``(product, ordinal within the product)``. Exhausted products drop out of the rotation, so
    the mapping stays a bijection."""
    active = list(range(len(capacities)))
    done = 0
    while True:
        finite = [c for p in active if (c := capacities[p]) is not None]
        rounds = min(finite) - done if finite else None
        if rounds is None or index < rounds * len(active):
            product = active[index % len(active)]
            return product, done + index // len(active)
        index -= rounds * len(active)
        done += rounds
        active = [p for p in active if capacities[p] != done]
        if not active:
            raise IndexError("every product is exhausted")


class _Versions:
    """Version schemes of real products, current as of the anchor, counting back with ``k``.

    Beyond the last few dozen versions of a product, point releases (``Chrome 126.0.6479``)
    keep the values unique without inventing impossible version numbers.
    """

    def __init__(self, anchor: datetime) -> None:
        self.chrome = _cadence(anchor, date(2023, 12, 5), 120, 28, 70)
        self.edge = _cadence(anchor, date(2023, 12, 7), 120, 28, 70)
        self.opera = _cadence(anchor, date(2024, 1, 10), 106, 28, 60)
        self.firefox = _cadence(anchor, date(2023, 12, 19), 121, 28, 60)
        self.samsung = _cadence(anchor, date(2023, 10, 1), 23, 91, 12)
        self.android = _cadence(anchor, date(2023, 10, 4), 14, 365, 10)
        self.iphone = _cadence(anchor, date(2023, 9, 22), 16, 365, 12)
        self.ipad = _cadence(anchor, date(2023, 10, 18), 14, 365, 10)
        self.mac = _cadence(anchor, date(2023, 11, 7), 15, 365, 12)
        self.pixel = _cadence(anchor, date(2023, 10, 12), 8, 365, 6)
        # Safari (and iOS) 17.0 shipped 2023-09-18; about seven minor versions a year. The index
        # is major * 7 + minor.
        self.safari = _cadence(anchor, date(2023, 9, 18), 17 * 7, 52, 12 * 7)
        # Ubuntu 23.10 shipped 2023-10-12; two releases a year. The index is year * 2 + (0: .04,
        # 1: .10).
        self.ubuntu = _cadence(anchor, date(2023, 10, 12), 23 * 2 + 1, 182, 23 * 2)

    @staticmethod
    def chromium(major_now: int, k: int) -> str:
        major = major_now - k % 30
        cycle = k // 30
        if not cycle:
            return f"{major}.0.0"  # what reduced user agents report
        # The real build numbers grow by about 61 per major (126 -> 6478).
        return f"{major}.0.{61 * major - 1208 + cycle - 1}"

    @staticmethod
    def simple(major_now: int, k: int, span: int, zero: str = ".0") -> str:
        major = major_now - k % span
        cycle = k // span
        return f"{major}.0.{cycle}" if cycle else f"{major}{zero}"

    def apple(self, k: int, major_offset: int = 0) -> str:
        index = self.safari - k % 30
        cycle = k // 30
        version = f"{index // 7 + major_offset}.{index % 7}"
        return f"{version}.{cycle}" if cycle else version

    def ubuntu_release(self, k: int) -> str:
        # 19 years back reaches Ubuntu 4.10, the first release.
        index = self.ubuntu - k % 38
        cycle = k // 38
        version = f"{index // 2}.{'10' if index % 2 else '04'}"
        return f"Ubuntu {version}.{cycle}" if cycle else f"Ubuntu {version}"


_Product = tuple[int | None, Callable[[int], str]]


def _browser_products(v: _Versions) -> list[_Product]:
    # Ordered by market share: the first values are the most common browsers' newest versions.
    return [
        (None, lambda k: f"Chrome {v.chromium(v.chrome, k)}"),
        (None, lambda k: f"Mobile Safari {v.apple(k)}"),
        (None, lambda k: f"Chrome Mobile {v.chromium(v.chrome, k)}"),
        (None, lambda k: f"Edge {v.chromium(v.edge, k)}"),
        (None, lambda k: f"Safari {v.apple(k)}"),
        (None, lambda k: f"Firefox {v.simple(v.firefox, k, 30)}"),
        (None, lambda k: f"Samsung Internet {v.simple(v.samsung, k, 10)}"),
        (None, lambda k: f"Opera {v.chromium(v.opera, k)}"),
    ]


_WINDOWS = ("Windows 10", "Windows 11", "Windows 7", "Windows 8.1")


def _os_products(v: _Versions) -> list[_Product]:
    return [
        (None, lambda k: _WINDOWS[k] if k < len(_WINDOWS) else f"Windows 10.0.{19041 + k}"),
        (None, lambda k: f"iOS {v.apple(k)}"),
        (None, lambda k: f"Android {v.simple(v.android, k, 10, zero='')}"),
        # Browsers freeze macOS at 10.15.7 in the user agent; native SDKs report the real one.
        (None, lambda k: "Mac OS X 10.15.7" if k == 0 else f"macOS {v.apple(k - 1, -3)}"),
        (None, lambda k: "Linux" if k == 0 else v.ubuntu_release(k - 1)),
        (None, lambda k: f"Chrome OS {v.chromium(v.chrome, k)}"),
    ]


_PIXEL_VARIANTS = ("", " Pro", "a")
_SAMSUNG_SERIES = "SAGN"
_SAMSUNG_REGIONS = "BUFW"


def _samsung(k: int) -> str:
    model = k // len(_SAMSUNG_SERIES)
    # 37 is coprime to 900, so this is a bijection; the offset starts at a real model (S911B).
    number = 100 + (model % 900 * 37 + 811) % 900
    region = _SAMSUNG_REGIONS[model // 900 % len(_SAMSUNG_REGIONS)]
    cycle = model // (900 * len(_SAMSUNG_REGIONS))
    dual_sim = "" if not cycle else "/DS" if cycle == 1 else f"/DS{cycle}"
    return f"SM-{_SAMSUNG_SERIES[k % len(_SAMSUNG_SERIES)]}{number}{region}{dual_sim}"


def _device_products(v: _Versions) -> list[_Product]:
    return [
        (None, lambda k: f"iPhone{v.iphone - k % 6},{1 + k // 6}"),
        (None, _samsung),
        (None, lambda k: "Mac" if k == 0 else f"Mac{v.mac - (k - 1) % 6},{1 + (k - 1) // 6}"),
        (
            6 * len(_PIXEL_VARIANTS),
            lambda k: f"Pixel {v.pixel - k % 6}{_PIXEL_VARIANTS[k // 6]}",
        ),
        (None, lambda k: f"iPad{v.ipad - k % 6},{1 + k // 6}"),
    ]


_URL_PAGES = (
    "/", "/dashboard", "/login", "/checkout", "/cart", "/search", "/settings/profile", "/pricing",
    "/signup", "/products", "/account/orders", "/settings/billing", "/checkout/payment",
    "/checkout/confirmation", "/notifications", "/reports", "/team", "/integrations",
    "/onboarding", "/help", "/blog", "/docs",
)  # fmt: skip
_URL_TEMPLATES = (
    "/products/{id}", "/orders/{id}", "/blog/{slug}", "/users/{id}/profile",
    "/projects/{id}/settings", "/invoices/{id}", "/docs/{slug}", "/teams/{id}/members",
    "/tickets/{id}", "/categories/{slug}",
)  # fmt: skip
# REST resources (plural; the singular drops the "s") and their sub-resources.
_RESOURCES = (
    "orders", "users", "products", "payments", "projects", "invoices", "teams", "comments",
    "subscriptions", "notifications", "reports", "files", "webhooks", "accounts", "sessions",
    "carts",
)  # fmt: skip
_SUBRESOURCES = ("items", "events", "history", "members", "settings", "export")
_TRANSACTION_STATICS = (
    "/api/checkout/", "/api/cart/", "/api/search/", "/api/auth/login/", "/api/auth/logout/",
    "/api/health/",
)  # fmt: skip
# Route parameters as the common frameworks spell them; one per factory, as a project has one.
_PARAM_STYLES: tuple[Callable[[str], str], ...] = (
    lambda name: f"{{{name}_id}}",  # Django, FastAPI
    lambda name: f"<int:{name}_id>",  # Flask
    lambda name: f":{name}Id",  # Express
)


def _words() -> tuple[str, ...]:
    # Faker's English word list (pinned with Faker), without short words ("a", "the") and
    # proper nouns ("American"), which make odd tag values.
    return tuple(
        dict.fromkeys(
            w for w in _EnglishLorem.word_list if len(w) > 3 and w.isalpha() and w.islower()
        )
    )


def _word_value(index: int, words: Sequence[str], key: bytes, separator: str) -> str:
    """A unique word combination for ``index``: single words first, then pairs, then triples
    (bijective numeration, each block permuted so that neighbours look unrelated)."""
    n = len(words)
    length, block = 1, n
    while index >= block:
        index -= block
        length += 1
        block *= n
    value = _Permutation(key + length.to_bytes(2, "big"), block)(index)
    parts = []
    for _ in range(length):
        value, digit = divmod(value, n)
        parts.append(words[digit])
    return separator.join(parts)


def _value_family(
    kind: str,
    *,
    seed: int,
    owner: str,
    key: str,
    anchor: datetime,
    spec: Mapping[str, Any],
    count: int,
) -> Callable[[int], str]:
    """The ``n``-th value of a family (not for ``user``): unique for every ``n``."""
    draw = _Draw(seed, owner, "tag-family", key)
    family_key = _digest(seed, owner, "tag-family", key)
    org, _, project = owner.partition("/")
    if kind == "level":
        return lambda n: LEVELS[n]
    if kind == "environment":
        prefix = draw.choice(("preview", "pr", "review"))
        # Newer pull requests were seen more recently: numbers go down with n.
        head = 1000 + draw.below(9000) + count

        def environment(n: int) -> str:
            if n < len(ENVIRONMENTS):
                return ENVIRONMENTS[n]
            return f"{prefix}-{head - (n - len(ENVIRONMENTS))}"

        return environment
    if kind == "release":
        package = spec.get("package", project or "app")
        at = f"{package}@" if package else ""
        if spec.get("format", "semver") == "sha":
            shas = _Permutation(family_key, 2**48)
            return lambda n: f"{at}{shas(n):012x}"
        patches = 3 + draw.below(4)  # patch releases per minor
        minors = 8 + draw.below(8)  # minor releases per major
        first_major = draw.choice((0, 1, 2, 3, 5, 23))
        # Release number `head - n`: the newest (n = 0) has the highest version.
        head = max(count, 1) - 1 + 20 + draw.below(180)

        def release(n: int) -> str:
            number = head - n
            major = first_major + number // (patches * minors)
            return f"{at}{major}.{number // patches % minors}.{number % patches}"

        return release
    if kind in ("browser", "os", "device"):
        versions = _Versions(anchor)
        products = {
            "browser": _browser_products,
            "os": _os_products,
            "device": _device_products,
        }[kind](versions)
        capacities = [capacity for capacity, _ in products]

        def product_value(n: int) -> str:
            product, k = _interleave(n, capacities)
            return products[product][1](k)

        return product_value
    words = _words()
    if kind == "url":
        host = str(spec.get("host") or f"app.{org.replace('_', '-') or 'example'}.com")

        def url(n: int) -> str:
            if n < len(_URL_PAGES):
                return f"https://{host}{_URL_PAGES[n]}"
            k, template = divmod(n - len(_URL_PAGES), len(_URL_TEMPLATES))
            path = _URL_TEMPLATES[template].format(
                id=_spread_number(k + 1, family_key + bytes((template,))),
                slug=_word_value(k + len(words), words, family_key, "-"),
            )
            return f"https://{host}{path}"

        return url
    if kind == "transaction":
        param = draw.choice(_PARAM_STYLES)
        per_version = len(_TRANSACTION_STATICS) + len(_RESOURCES) * (2 + len(_SUBRESOURCES))

        def transaction(n: int) -> str:
            cycle, j = divmod(n, per_version)
            prefix = "/api/" if cycle == 0 else f"/api/v{cycle + 1}/"
            if j < len(_TRANSACTION_STATICS):
                return prefix + _TRANSACTION_STATICS[j].removeprefix("/api/")
            template, resource = divmod(j - len(_TRANSACTION_STATICS), len(_RESOURCES))
            plural = _RESOURCES[resource]
            singular = plural.removesuffix("s")
            if template == 0:
                return f"{prefix}{plural}/"
            if template == 1:
                return f"{prefix}{plural}/{param(singular)}/"
            return f"{prefix}{plural}/{param(singular)}/{_SUBRESOURCES[template - 2]}/"

        return transaction
    separator = draw.choice(("_", "-"))
    return lambda n: _word_value(n, words, family_key, separator)


# Shares (per mille) of the events carrying the n-th value, before jitter.
_LEVEL_SHARES = (700, 200, 70, 20, 10)
_ENVIRONMENT_SHARES = (800, 100, 50, 30)


def _share_permille(kind: str, n: int, draw: _Draw) -> int:
    if kind == "level":
        return _LEVEL_SHARES[n]
    if kind == "environment":
        base = _ENVIRONMENT_SHARES[n] if n < len(_ENVIRONMENT_SHARES) else 10
        return max(1, base * (800 + draw.below(400)) // 1000)
    if kind == "release":
        return 700 + draw.below(250)  # a release carries most events while it is current
    # Zipf-like: the n-th most common value has about 1/(n + 2) of the events.
    return (400 + draw.below(400)) // (n + 2)


def tag_value_factory(
    *,
    seed: int,
    owner: str,
    key: str,
    anchor: datetime,
    spec: Mapping[str, Any],
    users: Sequence[EventUser] | None = None,
    received: Callable[[int, int], int] | None = None,
) -> Callable[[int], TagValue]:
    """Values of one tag key that look like the key (see :data:`TAG_KINDS`), by index.

    Values are unique; ``last_seen`` (whole seconds) does not increase with the index and starts
    at ``anchor``; ``first_seen <= last_seen``; newer releases have higher versions and were seen
    later. The ``user`` kind yields exactly ``users`` in order, with their ``tagValue`` and
    ``last_seen`` (clamped to ``anchor``). ``count`` is at least 1 and, with ``received``, at most
    the events received from ``first_seen`` to ``last_seen`` (if that window received nothing at
    all, 1, since a value is only listed once an event carried it).

    :param seed: the scenario's seed.
    :param owner: the project, ``"<org slug>/<project slug>"``.
    :param key: the tag key (it picks the family unless the spec's ``kind`` does).
    :param anchor: the ``last_seen`` of value 0 (the loader passes the oldest literal value's
        ``last_seen`` when that is earlier than the scenario's anchor).
    :param spec: the generate block: ``generate``, ``kind``, ``package``, ``format``, ``host``,
        ``spread``.
    :param users: the project's users, for the ``user`` kind.
    :param received: ``received(start, end)``, the project's received events in
        ``[start, end)`` epoch seconds, which bounds the counts.
    :returns: ``make(i)``, thread-safe and pure.
    :raises ValueError: if ``generate`` exceeds the family (``level``: 5; ``user``: the users), if
        the ``user`` kind has no users, or if ``spread`` is not a duration.
    """
    kind = tag_kind(key, spec)
    count = int(spec.get("generate", 0))
    if kind == "user" and users is None:
        raise ValueError(
            f"tag {key!r}: the 'user' kind lists the project's users, and none were given; "
            "use the kind only on the 'user' key"
        )
    size = tag_family_size(key, spec, users)
    if size is not None and count > size:
        what = "users in the project" if kind == "user" else f"values in the {kind!r} family"
        raise ValueError(
            f"tag {key!r}: generate is {count}, but there are only {size} {what}; "
            f"lower generate to at most {size}"
        )
    spread = parse_duration(str(spec.get("spread", DEFAULT_TAG_SPREAD)))
    timeline = _Timeline(spread, count, seed, owner, "tag-t", key)
    anchor_us = _micros(anchor)
    anchor_s = anchor_us // _US
    value_of = (
        None
        if kind == "user"
        else _value_family(
            kind, seed=seed, owner=owner, key=key, anchor=anchor, spec=spec, count=count
        )
    )

    def make(index: int) -> TagValue:
        if index < 0:
            raise IndexError(index)
        draw = _Draw(seed, owner, "tag", key, index)
        if value_of is None:
            assert users is not None  # noqa: S101 - checked when the factory was built
            user = users[index]
            value = user_tag_value(user)
            if value is None:
                raise ValueError(f"user {index} of {owner} has no id, username, email or ip")
            last = min(_micros(user.last_seen) // _US, anchor_s)
            # A user's first event: up to 90 days earlier, most of them recent.
            first = last - 90 * 86400 * draw.below(1000) ** 2 // 1_000_000
        else:
            value = value_of(index)
            last = (anchor_us - timeline.offset_us(index, anchor_us)) // _US
            if kind == "release":
                # Deployed while the previous release was still current: the two overlap.
                newer = timeline.offset_us(index + 1, anchor_us)
                older = timeline.offset_us(index + 2, anchor_us)
                first = (anchor_us - newer - (older - newer) * draw.below(500) // 1000) // _US
            else:
                first = last - spread * (50 + draw.below(951)) // 1000
        if received is not None:
            total = received(first, last + 1)
        else:
            total = DEFAULT_EVENTS_PER_HOUR * (last + 1 - first) // 3600
        if kind == "user":
            # Most users send a handful of events; a few send hundreds.
            wanted = 1 + draw.below(3)
            if draw.chance(0.3):
                wanted += draw.below(100)
            if draw.chance(0.03):
                wanted += draw.below(2000)
        else:
            wanted = total * _share_permille(kind, index, draw) // 1000
        events = max(1, wanted)
        if received is not None and total > 0:
            events = min(events, total)
        return TagValue(
            value=value,
            count=events,
            first_seen=_from_seconds(first),
            last_seen=_from_seconds(last),
        )

    return make


# --- hooks ----------------------------------------------------------------------------------------

_HOOK_SUBDOMAINS = (("", 4), ("api.", 3), ("hooks.", 2), ("webhooks.", 2), ("alerts.", 1))
_HOOK_PATHS = (
    "sentry-hook",
    "webhooks/sentry",
    "api/webhooks/sentry",
    "hooks/sentry",
    "integrations/sentry/events",
    "api/v1/hooks/sentry",
    "incoming/sentry",
)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_DEFAULT_HOOK_EVENTS = (
    (HOOK_EVENTS, 55),
    (("event.created",), 30),
    (("event.alert",), 15),
)


def _hook_url(draw: _Draw, company: str) -> str:
    service = draw.weighted((("own", 60), ("zapier", 15), ("site", 10), ("n8n", 10), ("pd", 5)))
    if service == "zapier":
        code = "".join(draw.choice(_BASE36) for _ in range(6))
        return f"https://hooks.zapier.com/hooks/catch/{1_000_000 + draw.below(18_000_000)}/{code}/"
    if service == "site":
        return f"https://webhook.site/{uuid.UUID(int=draw.word() << 64 | draw.word(), version=4)}"
    if service == "n8n":
        return f"https://{company}.app.n8n.cloud/webhook/sentry-{draw.below(10**6):06d}"
    if service == "pd":
        code = "".join(draw.choice(_BASE36) for _ in range(15))
        return f"https://eo{code}.m.pipedream.net"
    host = (
        f"{draw.weighted(_HOOK_SUBDOMAINS)}{company}{draw.weighted(_COMPANY_SUFFIXES)}"
        f".{draw.weighted(_COMPANY_TLDS)}"
    )
    return f"https://{host}/{draw.choice(_HOOK_PATHS)}"


def hook_factory(
    *,
    seed: int,
    owner: str,
    anchor: datetime,
    spec: Mapping[str, Any],
    first_internal_id: int,
) -> Callable[[int], Hook]:
    """Service hooks by index (the ``hooks`` generate block).

    Hook *i* has ``internal_id = first_internal_id + i``; since Sentry lists hooks by internal id,
    newest first, ``date_created`` grows with *i* (microsecond precision, as Sentry's), spread
    over ``spread`` and ending before ``anchor``. The id is a UUID4 hex, the secret 64 hex
    characters, the URL an https endpoint of a company's API or of a webhook service.

    :param seed: the scenario's seed.
    :param owner: the project, ``"<org slug>/<project slug>"``.
    :param anchor: the newest hook was created shortly before it.
    :param spec: the generate block: ``generate``, ``events``, ``status``, ``spread``.
    :param first_internal_id: the internal id of hook 0 (after the literal hooks').
    :returns: ``make(i)``, thread-safe and pure.
    :raises ValueError: if ``spread`` is not a duration or an event is unknown.
    """
    count = max(int(spec.get("generate", 0)), 1)
    spread_us = parse_duration(str(spec.get("spread", DEFAULT_HOOK_SPREAD))) * _US
    events = spec.get("events")
    fixed_events = tuple(sorted(set(events))) if events is not None else None
    if fixed_events is not None and not set(fixed_events) <= set(HOOK_EVENTS):
        raise ValueError(f"hook events must be among {', '.join(HOOK_EVENTS)}: {fixed_events}")
    status = spec.get("status", {"active": 9, "disabled": 1})
    if isinstance(status, str):
        statuses: tuple[tuple[str, int], ...] = ((status, 1),)
    else:
        # Weights may be fractions; a per-mille integer keeps the draw exact.
        statuses = tuple((name, round(float(w) * 1000)) for name, w in sorted(status.items()))
        if sum(w for _, w in statuses) <= 0:
            statuses = (("active", 1),)
    anchor_us = _micros(anchor)
    faker = Faker(DEFAULT_LOCALE)
    lock = threading.Lock()

    def make(index: int) -> Hook:
        if index < 0:
            raise IndexError(index)
        draw = _Draw(seed, owner, "hook", index)
        with lock:
            faker.seed_instance(_stable_int(seed, owner, "hook-faker", index))
            company = _ascii_slug(faker.last_name()) or "example"
        # Position i + 0.9u (u in [0, 1)) strictly increases with i: so does date_created.
        # The fine scale gives the microseconds a real creation time has.
        scale = 10**9
        position = scale * index + draw.below(scale * 9 // 10)
        before_anchor = spread_us * (scale * count - position) // (scale * count)
        secret = _digest(seed, owner, "hook-secret", index, size=32).hex()
        return Hook(
            id=uuid.UUID(bytes=_digest(seed, owner, "hook-id", index), version=4).hex,
            url=_hook_url(draw, company),
            events=draw.weighted(_DEFAULT_HOOK_EVENTS) if fixed_events is None else fixed_events,
            status=draw.weighted(statuses),
            secret=secret,
            date_created=_from_micros(anchor_us - before_anchor),
            internal_id=first_internal_id + index,
        )

    return make
