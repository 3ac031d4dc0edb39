"""The table of Sentry routes the mock serves: template, methods and scopes, in one place.

Views register their handlers here; the request pipeline (:mod:`mockserver.http.pipeline`) reads the
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

Body = str | tuple[str, ...] | None
"""A documented response body: a schema stem of ``schemas/``, several (any of them), or
``None`` for an empty body."""


@dataclass(frozen=True, slots=True)
class Link:
    """An OpenAPI link from a response to another operation (stateful clients follow it).

    :ivar operation_id: the target operation.
    :ivar parameters: the target's parameters and their runtime expressions, e.g.
        ``{"hook_id": "$response.body#/id"}``; the organization and project path parameters are
        passed through from the request without being listed.
    """

    operation_id: str
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OperationDoc:
    """What the OpenAPI document says about one method of a route, besides what every route
    shares (authentication, scopes, project lookup, rename redirects, body parsing errors).

    :ivar operation_id: a stable, unique id (Sentry's own where its schema has one).
    :ivar summary: one line, imperative.
    :ivar responses: the view's own statuses and their bodies.
    :ivar request_schema: the stem of the JSON body's schema, for methods that take one.
    :ivar description: details a client needs (quirks, defaults, orderings).
    :ivar links: by status, the links a stateful client can follow from that response.
    :ivar link_header: whether a paginated 200 always carries ``Link``.
    """

    operation_id: str
    summary: str
    responses: Mapping[int, Body]
    request_schema: str | None = None
    description: str = ""
    links: Mapping[int, Mapping[str, Link]] = field(default_factory=dict)
    link_header: bool = True


@dataclass(frozen=True, slots=True)
class SentryRoute:
    """One Sentry endpoint.

    :ivar template: the path with ``{org}``-style parameters, as the journal reports it.
    :ivar handlers: the implemented methods and their view functions.
    :ivar scopes: the scope map of the endpoint's permission class.
    :ivar unstable: Sentry documents the endpoint as subject to change.
    :ivar paginated: the endpoint answers with a ``Link`` header.
    :ivar docs: by method, what the OpenAPI document says of each implemented method.
    """

    name: str
    template: str
    handlers: dict[str, Handler]
    scopes: Mapping[str, frozenset[str]] = field(default_factory=lambda: PROJECT_SCOPES)
    query: tuple[str, ...] = ()
    unstable: bool = False
    paginated: bool = False
    feature: str | None = None
    docs: Mapping[str, OperationDoc] = field(default_factory=dict)

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
    docs: Mapping[str, OperationDoc] | None = None,
) -> SentryRoute:
    """Declare a route (once, at import time); handlers are added with :func:`handles`.

    :param docs: by method, the route's OpenAPI documentation (see :class:`OperationDoc`).
    """
    declared = SentryRoute(
        name=name,
        template=template,
        handlers={},
        scopes=scopes,
        query=query,
        unstable=unstable,
        paginated=paginated,
        feature=feature,
        docs=dict(docs or {}),
    )
    ROUTES[name] = declared
    return declared


def handles(declared: SentryRoute, method: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the route's handler for ``method``."""

    def register(func: Handler) -> Handler:
        declared.handlers[method] = func
        return func

    return register
