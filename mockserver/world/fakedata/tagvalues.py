"""Tag values by index, each family looking like its key (releases, browsers, …).

The browser, OS and device families are real products' versions
(:mod:`mockserver.world.fakedata.products`); the rest are made here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from typing import Any

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
from mockserver.world.fakedata.products import PRODUCT_KINDS
from mockserver.world.fakedata.products import product_family
from mockserver.world.fakedata.users import user_tag_value
from mockserver.world.model import EventUser
from mockserver.world.model import TagValue
from mockserver.world.timespec import parse_duration

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


@functools.cache
def _words() -> tuple[str, ...]:
    # Faker's English word list (pinned with Faker), without short words ("a", "the") and
    # proper nouns ("American"), which make odd tag values. Imported by the first family of
    # words: importing Faker costs ~25 ms that most starts do not need.
    from faker.providers.lorem.en_US import Provider as _EnglishLorem

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
    if kind in PRODUCT_KINDS:
        return product_family(kind, anchor)
    # The word list (_words) is read by the first value, not here: most families never need it.
    if kind == "url":
        host = str(spec.get("host") or f"app.{org.replace('_', '-') or 'example'}.com")

        def url(n: int) -> str:
            if n < len(_URL_PAGES):
                return f"https://{host}{_URL_PAGES[n]}"
            k, template = divmod(n - len(_URL_PAGES), len(_URL_TEMPLATES))
            path = _URL_TEMPLATES[template].format(
                id=_spread_number(k + 1, family_key + bytes((template,))),
                slug=_word_value(k + len(_words()), _words(), family_key, "-"),
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
    return lambda n: _word_value(n, _words(), family_key, separator)


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
