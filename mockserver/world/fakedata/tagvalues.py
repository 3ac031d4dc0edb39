"""Tag values by index, each family looking like its key (releases, browsers, …)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from typing import Any

from faker.providers.lorem.en_US import Provider as _EnglishLorem

from mockserver.world.fakedata._common import _US
from mockserver.world.fakedata._common import DEFAULT_EVENTS_PER_HOUR
from mockserver.world.fakedata._common import DEFAULT_TAG_SPREAD
from mockserver.world.fakedata._common import ENVIRONMENTS
from mockserver.world.fakedata._common import LEVELS
from mockserver.world.fakedata._common import TAG_KINDS
from mockserver.world.fakedata._common import _digest
from mockserver.world.fakedata._common import _Draw
from mockserver.world.fakedata._common import _from_seconds
from mockserver.world.fakedata._common import _micros
from mockserver.world.fakedata._common import _Permutation
from mockserver.world.fakedata._common import _spread_number
from mockserver.world.fakedata._common import _Timeline
from mockserver.world.fakedata.users import user_tag_value
from mockserver.world.model import EventUser
from mockserver.world.model import TagValue
from mockserver.world.patterns import parse_duration

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
