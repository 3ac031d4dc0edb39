"""The browser, OS and device tag values: real products, with versions current at the anchor.

Each family lists its products by market share and counts back through each product's versions
(``Chrome 120.0.0``, ``Chrome 119.0.0``, …), interleaving the products so that the first values
are the most common products' newest versions. Every value is unique, and none is a version
that could not exist at the anchor.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from datetime import date
from datetime import datetime

PRODUCT_KINDS = ("browser", "os", "device")
"""The tag value families made of products."""


def product_family(kind: str, anchor: datetime) -> Callable[[int], str]:
    """The ``n``-th value of a product family (one of :data:`PRODUCT_KINDS`) at ``anchor``:
    unique for every ``n``, a pure function of ``n``."""
    products = {
        "browser": _browser_products,
        "os": _os_products,
        "device": _device_products,
    }[kind](_Versions(anchor))
    capacities = [capacity for capacity, _ in products]

    def product_value(n: int) -> str:
        product, k = _interleave(n, capacities)
        return products[product][1](k)

    return product_value


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
