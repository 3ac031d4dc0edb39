"""The table of Sentry routes the mock serves, and matching a path against it.

One entry per endpoint: its name, template, the methods it serves, the scope map of its
permission class, the query parameters it reads (defined in :mod:`mockserver.http.params`),
its request bodies' schemas and Sentry's class name for it. The table is written out here, not
filled by importing the views: the pipeline, the contract checks, the near misses, the rate
limiter, the fault rules and the OpenAPI document all read it, and none of them needs a view.
The views (:mod:`mockserver.http.views`) answer by route name and method.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

PROJECT = "/api/0/projects/{org}/{project}/"

READ = frozenset({"project:read", "project:write", "project:admin"})
WRITE = frozenset({"project:write", "project:admin"})
ADMIN = frozenset({"project:admin"})

# ProjectPermission.scope_map (Sentry's sentry/api/bases/project.py): methods absent here, such
# as HEAD and PATCH, get 403.
PROJECT_SCOPES: Mapping[str, frozenset[str]] = {
    "GET": READ,
    "POST": WRITE,
    "PUT": WRITE,
    "DELETE": ADMIN,
}
# ProjectDetailsEndpoint's RelaxedProjectAndStaffPermission: PUT also with project:read
# (bookmarking); the fields are then gated by the serializer.
PROJECT_DETAILS_SCOPES: Mapping[str, frozenset[str]] = {**PROJECT_SCOPES, "PUT": READ}

_ALLOW_ORDER = ("GET", "POST", "PUT", "DELETE")
_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class SentryRoute:
    """One Sentry endpoint.

    :ivar name: the mock's name for it (``project-details``), used by fault rules, rate limits
        and the journal.
    :ivar template: the path with ``{org}``-style parameters, as the journal reports it.
    :ivar served: the methods the mock implements.
    :ivar endpoint: Sentry's endpoint class (rate-limit keys spell it).
    :ivar scopes: the scope map of the endpoint's permission class.
    :ivar query: the query parameters the endpoint reads (names of
        :data:`mockserver.http.params.PARAMETERS`).
    :ivar bodies: by method, the stem of the schema the JSON body must follow.
    :ivar unstable: Sentry documents the endpoint as subject to change.
    :ivar paginated: the endpoint answers with a ``Link`` header.
    :ivar feature: the project feature the endpoint needs.
    """

    name: str
    template: str
    served: tuple[str, ...]
    endpoint: str
    scopes: Mapping[str, frozenset[str]] = field(default_factory=lambda: PROJECT_SCOPES)
    query: tuple[str, ...] = ()
    bodies: Mapping[str, str] = field(default_factory=dict)
    unstable: bool = False
    paginated: bool = False
    feature: str | None = None
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    methods: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """The served methods plus OPTIONS, in Sentry's ``Allow`` order (read by every answer's
    CORS headers and every route match: made once)."""

    def __post_init__(self) -> None:
        # Flask's default converter: a parameter is one non-empty path segment.
        parts = _PARAMETER.split(self.template)  # literal, name, literal, name, ..., literal
        regex = "".join(
            f"(?P<{part}>[^/]+)" if i % 2 else re.escape(part) for i, part in enumerate(parts)
        )
        object.__setattr__(self, "pattern", re.compile(regex + r"\Z"))
        allow = (*[m for m in _ALLOW_ORDER if m in self.served], "OPTIONS")
        object.__setattr__(self, "methods", allow)


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """The Sentry route a request's path belongs to.

    :ivar route: the route.
    :ivar params: its path parameters.
    :ivar served: the route serves the request's method (OPTIONS always is).
    """

    route: SentryRoute
    params: Mapping[str, str]
    served: bool


_HOOK_DETAILS = PROJECT + "hooks/{hook_id}/"

ROUTES: Mapping[str, SentryRoute] = {
    route.name: route
    for route in (
        SentryRoute(
            "project-details",
            PROJECT,
            ("GET", "PUT", "DELETE"),
            "ProjectDetailsEndpoint",
            scopes=PROJECT_DETAILS_SCOPES,
            query=("include", "expand", "collapse"),
            bodies={"PUT": "project-update"},
        ),
        SentryRoute(
            "project-stats",
            PROJECT + "stats/",
            ("GET",),
            "ProjectStatsEndpoint",
            query=("stat", "since", "until", "resolution", "environment"),
            unstable=True,
        ),
        SentryRoute(
            "project-users",
            PROJECT + "users/",
            ("GET",),
            "ProjectUsersEndpoint",
            query=("query", "cursor", "per_page"),
            paginated=True,
        ),
        SentryRoute(
            "project-tag-values",
            PROJECT + "tags/{key}/values/",
            ("GET",),
            "ProjectTagKeyValuesEndpoint",
            query=("query", "environment", "cursor", "per_page", "statsPeriod", "start", "end"),
            paginated=True,
        ),
        SentryRoute(
            "project-hooks",
            PROJECT + "hooks/",
            ("GET", "POST"),
            "ProjectServiceHooksEndpoint",
            query=("status", "cursor", "per_page"),
            bodies={"POST": "hook-create"},
            paginated=True,
            feature="servicehooks",
        ),
        SentryRoute(
            "project-hook-details",
            _HOOK_DETAILS,
            ("GET", "PUT", "DELETE"),
            "ProjectServiceHookDetailsEndpoint",
            bodies={"PUT": "hook-update"},
        ),
        SentryRoute(
            "project-hook-stats",
            _HOOK_DETAILS + "stats/",
            ("GET",),
            "ProjectServiceHookStatsEndpoint",
            query=("since", "until", "resolution"),
        ),
    )
}
"""Every route, by name, in the order the OpenAPI document lists them."""

_BY_PREFIX = "/api/0/projects/"


def _by_depth(table: Mapping[str, SentryRoute]) -> dict[int, tuple[SentryRoute, ...]]:
    """The routes by the number of ``/`` in their template, each group in the table's order: a
    parameter is one segment, so a path can only be one of the routes with as many."""
    depths: dict[int, list[SentryRoute]] = {}
    for route in table.values():
        depths.setdefault(route.template.count("/"), []).append(route)
    return {depth: tuple(routes) for depth, routes in depths.items()}


_ROUTES_BY_DEPTH = _by_depth(ROUTES)


def match_route(
    path: str, method: str, table: Mapping[str, SentryRoute] = ROUTES
) -> RouteMatch | None:
    """The route ``path`` belongs to, whatever ``method``; ``None`` when no route has it."""
    if not path.startswith(_BY_PREFIX):
        return None
    candidates = _ROUTES_BY_DEPTH if table is ROUTES else _by_depth(table)
    for route in candidates.get(path.count("/"), ()):
        found = route.pattern.match(path)
        if found is not None:
            return RouteMatch(route, found.groupdict(), method in route.methods)
    return None


def route_name(ref: str) -> str | None:
    """A route's name from its name, its template or ``"*"``; ``None`` if there is none."""
    if ref == "*" or ref in ROUTES:
        return ref
    return next((r.name for r in ROUTES.values() if r.template == ref), None)
