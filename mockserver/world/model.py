"""The world a scenario describes, as frozen, typed objects.

Nothing here knows about Flask or YAML: :mod:`mockserver.world.scenario` builds a :class:`World`,
:mod:`mockserver.world.store` layers client changes over it, and the serializers turn it into JSON.
Large collections are :class:`LazySequence` objects, whose generated items are produced on
demand, by index, so that a million users cost nothing until read.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from typing import TypeVar

from mockserver.faults.limits import OFF
from mockserver.faults.limits import Policy
from mockserver.faults.model import ScenarioFaults
from mockserver.world.sequences import IndexedSequence

T = TypeVar("T")

SCOPES_PROJECT = ("project:read", "project:write", "project:admin")
HOOK_EVENTS = ("event.alert", "event.created")
STATS_KINDS = ("received", "rejected", "blacklisted", "generated")


class LazySequence(IndexedSequence[T]):
    """Literal items first, then ``count`` generated items produced by ``make(index)``.

    ``make`` must be a pure function of the index, so that item *i* is the same whenever and
    wherever it is read. Nothing is kept here: every read makes the item again, which keeps a
    world of a million users as small as one of ten (the store keeps what was made, within a
    bound: :class:`~mockserver.cache.memo.MemoSequence`).
    """

    def __init__(
        self,
        literal: Sequence[T] = (),
        count: int = 0,
        make: Callable[[int], T] | None = None,
    ) -> None:
        if count and make is None:
            raise ValueError("a generated count needs a make function")
        self._literal = tuple(literal)
        self._count = count
        self._make = make

    def __len__(self) -> int:
        return len(self._literal) + self._count

    def _item(self, index: int) -> T:
        if index < len(self._literal):
            return self._literal[index]
        assert self._make is not None  # noqa: S101 - guaranteed by __init__
        return self._make(index - len(self._literal))

    @property
    def literal_count(self) -> int:
        """How many items were given literally."""
        return len(self._literal)


@dataclass(frozen=True, slots=True)
class Token:
    """An API token the mock accepts.

    :ivar organizations: slugs of the organizations the token's user belongs to; ``None`` means
        every organization of the scenario.
    """

    token: str
    scopes: frozenset[str]
    expired: bool = False
    user_active: bool = True
    organizations: frozenset[str] | None = None
    username: str = "admin@example.com"

    def can_access(self, org_slug: str) -> bool:
        """Whether the token's user is a member of the organization."""
        return self.organizations is None or org_slug in self.organizations


@dataclass(frozen=True, slots=True)
class Team:
    """A team a project belongs to."""

    id: str
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class EventUser:
    """A user seen in a project's events (Sentry's ``EventUser``)."""

    identifier: str | None
    username: str | None
    email: str | None
    ip_address: str | None
    last_seen: datetime
    # The person's display name: Sentry does not return it (Snuba has none), but generation uses
    # it so that username and email agree with one name.
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class TagValue:
    """One value of a tag key in a project."""

    value: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass(frozen=True, slots=True)
class Hook:
    """A service hook.

    :ivar internal_id: Sentry's numeric primary key: never serialized, but the pagination key.
    """

    id: str
    url: str
    events: tuple[str, ...]
    status: str
    secret: str
    date_created: datetime
    internal_id: int
    version: int = 0


@dataclass(frozen=True, slots=True)
class StatsSeries:
    """Event counts of one stat: literal points plus an optional pattern.

    :ivar points: count per timestamp (epoch seconds); point ``t`` covers ``[t, t + resolution)``.
    :ivar resolution: the seconds each literal point covers.
    :ivar pattern: ``pattern(start, end)`` returns the events in ``[start, end)``; the pattern
        contributes nothing inside the intervals that literal points cover.
    """

    points: Mapping[int, int] = field(default_factory=dict)
    resolution: int = 3600
    pattern: Callable[[int, int], int] | None = None
    # Sorted points with prefix sums, built once by mockserver.world.series.make_series so that
    # each bucket of a query costs a binary search, not a sort.
    point_index: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Project:
    """A project and everything the mock serves about it.

    :ivar fields: overrides of any key of Sentry's detailed project serializer.
    :ivar options: Sentry's raw project options (``sentry:origins``, ``filters:chunk-load-error``,
        ...), which the serializer reads as Sentry's does and updates change.
    """

    id: str
    slug: str
    name: str
    platform: str | None
    date_created: datetime
    features: tuple[str, ...]
    teams: tuple[Team, ...]
    users: Sequence[EventUser]
    tags: Mapping[str, Sequence[TagValue]]
    hooks: tuple[Hook, ...]
    stats: Mapping[str, StatsSeries]
    fields: Mapping[str, Any] = field(default_factory=dict)
    environments: tuple[str, ...] = ()
    unresolved_issues: int = 0
    has_alert_integration: bool = False
    first_event: datetime | None = None
    latest_release: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def has_servicehooks(self) -> bool:
        """Whether the ``servicehooks`` feature is on."""
        return "servicehooks" in self.features


@dataclass(frozen=True, slots=True)
class Organization:
    """An organization and its projects.

    :ivar features: the organization's feature flags, without the ``organizations:`` prefix.
    :ivar options: Sentry's raw organization options (``sentry:sampling_mode``,
        ``sentry:target_sample_rate``, ``sentry:enabled_console_platforms``).
    """

    id: str
    slug: str
    name: str
    date_created: datetime
    projects: tuple[Project, ...]
    features: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    """An event the server triggers every ``every`` seconds for ``project`` (``org/project``)."""

    project: str
    type: str
    every: float


@dataclass(frozen=True, slots=True)
class World:
    """Everything a scenario describes: immutable; client changes live in the store.

    :ivar source: the scenario file it came from (or ``"<inline>"``), for messages.
    :ivar faults: the scenario's ``faults`` section, parsed and checked.
    :ivar rate_limits: the scenario's ``rateLimits`` (``off`` without one).
    """

    seed: int
    tokens: Mapping[str, Token]
    organizations: tuple[Organization, ...]
    source: str = "<inline>"
    name: str = "default"
    description: str = ""
    url_prefix: str | None = None
    schedule: tuple[ScheduledEvent, ...] = ()
    faults: ScenarioFaults = field(default_factory=ScenarioFaults)
    rate_limits: Policy = OFF

    def find_project(self, org_ref: str, project_ref: str) -> tuple[Organization, Project] | None:
        """Resolve an org and a project by id or slug, as Sentry's ``IdOrSlugLookup`` does."""
        for org in self.organizations:
            if (org.id if org_ref.isnumeric() else org.slug) != org_ref:
                continue
            for project in org.projects:
                if (project.id if project_ref.isnumeric() else project.slug) == project_ref:
                    return org, project
        return None
