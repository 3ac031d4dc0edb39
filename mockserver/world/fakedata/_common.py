"""Stable randomness shared by the fake-data factories: hashes, draws, permutations, timelines."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import TypeVar

from mockserver.world.fakedata.fakers import unidecode

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
