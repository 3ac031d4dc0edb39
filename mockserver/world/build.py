"""Build the immutable :class:`~mockserver.world.model.World` from validated scenario data.

:mod:`mockserver.world.scenario` parses and validates; this module only converts, wiring the
generators of :mod:`mockserver.world.fakedata` and :mod:`mockserver.world.patterns` into lazy
collections, and the parsers of :mod:`mockserver.faults.parsing` for the ``faults`` and
``rateLimits`` sections. A generator that refuses its spec raises :class:`GenerationError` with the
JSON path, and a section of faults that cannot be used a
:class:`~mockserver.faults.model.FaultSpecError` with its path, which the loader turns into a
:class:`~mockserver.errors.ScenarioError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import TypeVar

from mockserver.faults.parsing import parse_faults
from mockserver.faults.parsing import parse_rate_limits
from mockserver.timefmt import Clock
from mockserver.timefmt import parse_datetime
from mockserver.timefmt import system_clock
from mockserver.world import fakedata
from mockserver.world import patterns
from mockserver.world.model import EventUser
from mockserver.world.model import Hook
from mockserver.world.model import LazySequence
from mockserver.world.model import Organization
from mockserver.world.model import Project
from mockserver.world.model import ScheduledEvent
from mockserver.world.model import StatsSeries
from mockserver.world.model import TagValue
from mockserver.world.model import Team
from mockserver.world.model import Token
from mockserver.world.model import World
from mockserver.world.sequences import IndexedSequence
from mockserver.world.series import count_events
from mockserver.world.series import make_series

T = TypeVar("T")
Path_ = tuple[str | int, ...]
DEFAULT_ANCHOR = "2024-01-15T09:00:00Z"
DEFAULT_DATE_CREATED = "2018-11-06T21:19:58.536Z"
# Sentry's example feature list (DETAILED_PROJECT, src/sentry/apidocs/examples/project_examples.py);
# it includes servicehooks.
DEFAULT_PROJECT_FEATURES = (
    "alert-filters",
    "custom-inbound-filters",
    "discard-groups",
    "minidump",
    "rate-limits",
    "servicehooks",
    "similarity-indexing",
    "similarity-indexing-v2",
    "similarity-view",
    "similarity-view-v2",
)


class GenerationError(Exception):
    """A generate block the generators refuse (e.g. more ``level`` values than exist)."""

    def __init__(self, path: Path_, problem: str, fix: str) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(problem)


@dataclass(frozen=True, slots=True)
class _Context:
    seed: int
    anchor: datetime
    clock: Clock


class _Skip(IndexedSequence[T]):
    """``items[offset:]`` without copying: generated ``user`` tag values continue after the
    users the literal tag values already name."""

    def __init__(self, items: Sequence[T], offset: int) -> None:
        self._items = items
        self._offset = min(offset, len(items))

    def __len__(self) -> int:
        return len(self._items) - self._offset

    def _item(self, index: int) -> T:
        return self._items[self._offset + index]


def build_world(
    data: Mapping[str, Any], *, source: str, seed: int | None, clock: Clock = system_clock
) -> World:
    """The world of validated scenario data.

    :raises GenerationError: if a generator refuses its spec.
    :raises FaultSpecError: if the ``faults`` or ``rateLimits`` cannot be used.
    """
    ctx = _Context(
        seed=seed if seed is not None else int(data.get("seed", 0)),
        anchor=parse_datetime(data.get("anchor", DEFAULT_ANCHOR)),
        clock=clock,
    )
    tokens = {t["token"]: _token(t) for t in data.get("tokens", [])}
    return World(
        seed=ctx.seed,
        tokens=tokens,
        organizations=tuple(
            _organization(o, ctx, ("organizations", i)) for i, o in enumerate(data["organizations"])
        ),
        source=source,
        name=str(data.get("name", Path(source).stem)),
        description=str(data.get("description", "")),
        url_prefix=data.get("urlPrefix"),
        schedule=tuple(
            ScheduledEvent(e["project"], e.get("type", "event.created"), float(e["every"]))
            for e in data.get("events", {}).get("schedule", [])
        ),
        faults=parse_faults(data.get("faults")),
        rate_limits=parse_rate_limits(data.get("rateLimits"), tokens),
    )


def _token(raw: Mapping[str, Any]) -> Token:
    orgs = raw.get("organizations")
    return Token(
        token=raw["token"],
        scopes=frozenset(raw["scopes"]),
        expired=bool(raw.get("expired", False)),
        user_active=bool(raw.get("userActive", True)),
        organizations=frozenset(orgs) if orgs is not None else None,
        username=str(raw.get("username", "admin@example.com")),
    )


def _title(slug: str) -> str:
    return slug.replace("-", " ").replace("_", " ").title()


def _organization(raw: Mapping[str, Any], ctx: _Context, path: Path_) -> Organization:
    return Organization(
        id=raw["id"],
        slug=raw["slug"],
        name=raw.get("name", _title(raw["slug"])),
        date_created=parse_datetime(raw.get("dateCreated", DEFAULT_DATE_CREATED)),
        projects=tuple(
            _project(p, raw["slug"], ctx, (*path, "projects", j))
            for j, p in enumerate(raw["projects"])
        ),
        features=tuple(raw.get("features", ())),
        fields=dict(raw.get("fields", {})),
        options=dict(raw.get("options", {})),
    )


def _collection(raw: Any) -> tuple[list[Any], Mapping[str, Any]]:
    """Split a collection into its literal items and its generate spec."""
    if raw is None:
        return [], {}
    if isinstance(raw, list):
        return raw, {}
    return list(raw.get("items", [])), {k: v for k, v in raw.items() if k != "items"}


def _guard(path: Path_, make: Callable[[], T]) -> T:
    """Run a generator factory; its refusal becomes a GenerationError at ``path``."""
    try:
        return make()
    except ValueError as exc:
        raise GenerationError(
            path, str(exc), "lower 'generate', or give the values literally under 'items'"
        ) from None


def _project(raw: Mapping[str, Any], org_slug: str, ctx: _Context, path: Path_) -> Project:
    owner = f"{org_slug}/{raw['slug']}"
    stats = {
        stat: _series(spec, ctx, owner, stat, (*path, "stats", stat))
        for stat, spec in raw.get("stats", {}).items()
    }
    received = stats.get("received")
    users = _users(raw.get("users"), ctx, owner, (*path, "users"))
    tags = {
        key: _tag_values(spec, key, ctx, owner, users, received, (*path, "tags", key))
        for key, spec in raw.get("tags", {}).items()
    }
    environments = raw.get("environments")
    if environments is None:
        environments = [v.value for v in tags.get("environment", ())[:1000]]
    latest_release = raw.get("latestRelease")
    if latest_release is None and tags.get("release"):
        # The most recently seen release, so project details agree with tags/release/values/.
        latest_release = tags["release"][0].value
    return Project(
        id=raw["id"],
        slug=raw["slug"],
        name=raw.get("name", _title(raw["slug"])),
        platform=raw.get("platform"),
        date_created=parse_datetime(raw.get("dateCreated", DEFAULT_DATE_CREATED)),
        features=tuple(raw.get("features", DEFAULT_PROJECT_FEATURES)),
        teams=tuple(Team(id=t["id"], slug=t["slug"], name=t["name"]) for t in raw.get("teams", ())),
        users=users,
        tags=tags,
        hooks=_hooks(raw.get("hooks"), ctx, owner, (*path, "hooks")),
        stats=stats,
        fields=dict(raw.get("fields", {})),
        environments=tuple(environments),
        unresolved_issues=int(raw.get("unresolvedIssues", 0)),
        has_alert_integration=bool(raw.get("hasAlertIntegration", False)),
        first_event=parse_datetime(raw["firstEvent"]) if raw.get("firstEvent") else None,
        latest_release=latest_release,
        options=dict(raw.get("options", {})),
    )


def _users(raw: Any, ctx: _Context, owner: str, path: Path_) -> LazySequence[EventUser]:
    items, spec = _collection(raw)
    literal = sorted(
        (
            EventUser(
                identifier=u.get("id"),
                username=u.get("username"),
                email=u.get("email"),
                ip_address=u.get("ipAddress"),
                last_seen=parse_datetime(u["lastSeen"]),
            )
            for u in items
        ),
        # Sentry lists users by their most recent event first; sorted() is stable for ties.
        key=lambda u: u.last_seen,
        reverse=True,
    )
    count = int(spec.get("generate", 0))
    if not count:
        return LazySequence(literal)
    # Generated users were seen before every literal one, so the order stays Sentry's.
    start = min([ctx.anchor, *(u.last_seen for u in literal)])
    make = _guard(
        path,
        lambda: fakedata.user_factory(seed=ctx.seed, owner=owner, anchor=start, spec=spec),
    )
    return LazySequence(literal, count, make)


def _tag_values(
    raw: Any,
    key: str,
    ctx: _Context,
    owner: str,
    users: Sequence[EventUser],
    received: StatsSeries | None,
    path: Path_,
) -> LazySequence[TagValue]:
    items, spec = _collection(raw)
    literal = sorted(
        (
            TagValue(
                value=v["value"],
                count=v["count"],
                first_seen=parse_datetime(v["firstSeen"]),
                last_seen=parse_datetime(v["lastSeen"]),
            )
            for v in items
        ),
        key=lambda v: v.last_seen or ctx.anchor,
        reverse=True,
    )
    count = int(spec.get("generate", 0))
    if not count:
        return LazySequence(literal)
    start = min([ctx.anchor, *(v.last_seen for v in literal if v.last_seen)])
    is_user = fakedata.tag_kind(key, spec) == "user"
    total: Callable[[int, int], int] | None = None
    if received is not None:
        series = received

        def total(lo: int, hi: int) -> int:
            return count_events(series, lo, hi)

    make = _guard(
        path,
        lambda: fakedata.tag_value_factory(
            seed=ctx.seed,
            owner=owner,
            key=key,
            anchor=start,
            spec=spec,
            users=_Skip(users, len(literal)) if is_user else None,
            received=total,
        ),
    )
    return LazySequence(literal, count, make)


def _stable_hex(*parts: object, length: int) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    while len(digest) < length:
        digest += hashlib.sha256(digest.encode()).hexdigest()
    return digest[:length]


def _hooks(raw: Any, ctx: _Context, owner: str, path: Path_) -> tuple[Hook, ...]:
    items, spec = _collection(raw)
    count = int(spec.get("generate", 0))
    dated = [
        (parse_datetime(h["dateCreated"]) if "dateCreated" in h else ctx.anchor, i, h)
        for i, h in enumerate(items)
    ]
    # Internal ids grow with creation time, as Sentry's autoincrement keys do; the list endpoint
    # orders by them, newest first. Generated hooks are older than every literal one, so they
    # take the first ids.
    dated.sort(key=lambda entry: (entry[0], entry[1]))
    hooks: list[Hook] = []
    if count:
        oldest = min([ctx.anchor, *(created for created, _, _ in dated)])
        make = _guard(
            path,
            lambda: fakedata.hook_factory(
                seed=ctx.seed, owner=owner, anchor=oldest, spec=spec, first_internal_id=1
            ),
        )
        hooks = [make(i) for i in range(count)]
    hooks += [
        Hook(
            id=h.get("id") or _stable_hex(ctx.seed, owner, "hook-id", i, length=32),
            url=h["url"],
            events=tuple(sorted(set(h.get("events", [])))),
            status=h.get("status", "active"),
            secret=h.get("secret") or _stable_hex(ctx.seed, owner, "hook-secret", i, length=64),
            date_created=created,
            internal_id=n,
        )
        for n, (created, i, h) in enumerate(dated, start=count + 1)
    ]
    return tuple(hooks)


def _series(
    raw: Mapping[str, Any], ctx: _Context, owner: str, stat: str, path: Path_
) -> StatsSeries:
    points: dict[int, int] = {}
    for ts, n in raw.get("points", []):
        points[ts] = points.get(ts, 0) + n
    pattern = None
    if "pattern" in raw:
        spec = raw["pattern"]
        pattern = _guard(
            (*path, "pattern"),
            lambda: patterns.stats_pattern(
                seed=ctx.seed, owner=owner, stat=stat, spec=spec, clock=ctx.clock
            ),
        )
    return make_series(points, int(raw.get("resolution", 3600)), pattern)
