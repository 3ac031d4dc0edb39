"""The table of Sentry routes the mock serves: template, methods and scopes, in one place.

Views register their handlers here; the request pipeline (:mod:`mockserver.pipeline`) reads the
table to authenticate, check scopes and answer 405 in Sentry's order, and the OpenAPI document
and the journal's near-misses are built from it.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

PROJECT = "/api/0/projects/{org}/{project}/"

READ = frozenset({"project:read", "project:write", "project:admin"})
WRITE = frozenset({"project:write", "project:admin"})
ADMIN = frozenset({"project:admin"})

# ProjectPermission.scope_map (sentry-behavior.md §0.3): methods absent here get 403.
PROJECT_SCOPES: Mapping[str, frozenset[str]] = {
    "GET": READ,
    "POST": WRITE,
    "PUT": WRITE,
    "DELETE": ADMIN,
}
# ProjectDetailsEndpoint's RelaxedProjectAndStaffPermission: PUT also with project:read
# (bookmarking); the fields are then gated by the serializer.
PROJECT_DETAILS_SCOPES: Mapping[str, frozenset[str]] = {**PROJECT_SCOPES, "PUT": READ}

Handler = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class SentryRoute:
    """One Sentry endpoint.

    :ivar template: the path with ``{org}``-style parameters, as the journal reports it.
    :ivar handlers: the implemented methods and their view functions.
    :ivar scopes: the scope map of the endpoint's permission class.
    :ivar unstable: Sentry documents the endpoint as subject to change.
    :ivar paginated: the endpoint answers with a ``Link`` header.
    """

    name: str
    template: str
    handlers: dict[str, Handler]
    scopes: Mapping[str, frozenset[str]] = field(default_factory=lambda: PROJECT_SCOPES)
    query: tuple[str, ...] = ()
    unstable: bool = False
    paginated: bool = False
    feature: str | None = None

    @property
    def methods(self) -> tuple[str, ...]:
        """The implemented methods plus OPTIONS, in Sentry's ``Allow`` order."""
        order = ("GET", "POST", "PUT", "DELETE")
        return (*[m for m in order if m in self.handlers], "OPTIONS")

    @property
    def flask_rule(self) -> str:
        """The template in Flask's ``<name>`` syntax."""
        return self.template.replace("{", "<").replace("}", ">")


ROUTES: dict[str, SentryRoute] = {}


def route(
    name: str,
    template: str,
    *,
    scopes: Mapping[str, frozenset[str]] = PROJECT_SCOPES,
    query: tuple[str, ...] = (),
    unstable: bool = False,
    paginated: bool = False,
    feature: str | None = None,
) -> SentryRoute:
    """Declare a route (once, at import time); handlers are added with :func:`handles`."""
    declared = SentryRoute(
        name=name,
        template=template,
        handlers={},
        scopes=scopes,
        query=query,
        unstable=unstable,
        paginated=paginated,
        feature=feature,
    )
    ROUTES[name] = declared
    return declared


def handles(declared: SentryRoute, method: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the route's handler for ``method``."""

    def register(func: Handler) -> Handler:
        declared.handlers[method] = func
        return func

    return register
