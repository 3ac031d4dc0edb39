"""What Sentry's rate limiter enforces (``src/sentry/middleware/ratelimit.py``,
https://docs.sentry.io/api/ratelimits/): limits, per-route limits, caller categories, and the
policies ``off`` (self-hosted Sentry), ``saas`` (sentry.io) and those a scenario,
``--rate-limits`` or the admin API configure.

Data only: :mod:`mockserver.faults.parsing` reads policies from their scenario form and the
command line, :mod:`mockserver.faults.limiter` counts requests against them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    """Sentry's ``RateLimitCategory``: who is counted."""

    IP = "ip"
    USER = "user"
    ORG = "org"


@dataclass(frozen=True, slots=True)
class Limit:
    """Sentry's ``RateLimit``: ``limit`` requests per ``window`` seconds, ``concurrent`` in flight.

    :ivar concurrent: ``None`` for no concurrent limit (the headers then say ``None``).
    """

    limit: int
    window: int
    concurrent: int | None = None

    def to_json(self) -> dict[str, int | None]:
        """The limit as the scenario writes it."""
        return {"limit": self.limit, "window": self.window, "concurrent": self.concurrent}


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """A limit of one endpoint for some methods and categories.

    :ivar route: a route name, or ``"*"`` for every route (and paths no route serves).
    :ivar methods: the methods it applies to; ``None`` for all.
    """

    route: str
    methods: frozenset[str] | None
    categories: frozenset[Category]
    limit: Limit

    def applies(self, route: str | None, method: str, category: Category) -> bool:
        """Whether this limit is the one for a request."""
        return (
            self.route in ("*", route)
            and (self.methods is None or method in self.methods)
            and category in self.categories
        )


SAAS_DEFAULT = Limit(40, 1, 25)
"""sentry.io's default, as observed (40 per second, 25 in flight)."""
SENTRY_DEFAULT = Limit(999, 1, 999)
"""``SENTRY_RATELIMITER_DEFAULT`` and ``SENTRY_CONCURRENT_RATE_LIMIT_DEFAULT``."""
_EVERY = frozenset(Category)
_GET = frozenset({"GET"})
SAAS_ROUTES: tuple[RouteLimit, ...] = (
    # project_stats.py: IP, USER and ORG 5 per second.
    RouteLimit("project-stats", _GET, _EVERY, Limit(5, 1, 25)),
    # project_users.py: ORG 5 per minute; the other categories keep the group default, but in
    # the endpoint's own window (its view name is in the key).
    RouteLimit("project-users", _GET, frozenset({Category.ORG}), Limit(5, 60, 25)),
    # project_tagkey_values.py: enforce_rate_limit, IP and USER 10/s (10 in flight), ORG 20/s (5).
    RouteLimit(
        "project-tag-values", _GET, frozenset({Category.IP, Category.USER}), Limit(10, 1, 10)
    ),
    RouteLimit("project-tag-values", _GET, frozenset({Category.ORG}), Limit(20, 1, 5)),
)


@dataclass(frozen=True, slots=True)
class Policy:
    """What the limiter enforces.

    :ivar enabled: ``False`` is self-hosted Sentry: no limits and no headers.
    :ivar routes: per-route limits, later entries winning.
    :ivar callers: the category of particular tokens (others: by their prefix).
    :ivar spec: the policy as configured (``"off"``, ``"saas"`` or a mapping), for the admin API.
    """

    enabled: bool
    default: Limit = SAAS_DEFAULT
    routes: tuple[RouteLimit, ...] = ()
    enforce_concurrent: bool = False
    callers: Mapping[str, Category] = field(default_factory=dict)
    spec: Any = "off"

    def limit_for(self, route: str | None, method: str, category: Category) -> tuple[Limit, bool]:
        """The limit of a request, and whether its endpoint has limits of its own.

        An endpoint with limits of its own gets its own window (Sentry adds the view to the key
        when ``has_custom_limit()``), for every method and category, even where it falls back to
        the default limit.
        """
        custom = any(entry.route in ("*", route) for entry in self.routes)
        for entry in reversed(self.routes):
            if entry.applies(route, method, category):
                return entry.limit, custom
        return self.default, custom


OFF = Policy(enabled=False)
SAAS = Policy(enabled=True, default=SAAS_DEFAULT, routes=SAAS_ROUTES, spec="saas")
