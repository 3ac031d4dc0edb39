"""What the OpenAPI document says about each operation, beyond the route table's facts.

The route table (:mod:`mockserver.http.routes`) says which methods a route serves, its scopes,
its query parameters and its request bodies; here are the words: the operation id, summary and
description, the view's own statuses and their bodies, and the links a stateful client can
follow. Every served method has one entry (a test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

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
    :ivar description: details a client needs (quirks, defaults, orderings).
    :ivar links: by status, the links a stateful client can follow from that response.
    :ivar link_header: whether a paginated 200 always carries ``Link``.
    """

    operation_id: str
    summary: str
    responses: Mapping[int, Body]
    description: str = ""
    links: Mapping[int, Mapping[str, Link]] = field(default_factory=dict)
    link_header: bool = True


def _hook_link(operation_id: str) -> Link:
    return Link(operation_id, {"hook_id": "$response.body#/id"})


# What a stateful client can do with a hook it was just given.
HOOK_LINKS = {
    "GetServiceHook": _hook_link("getProjectServiceHook"),
    "UpdateServiceHook": _hook_link("updateProjectServiceHook"),
    "DeleteServiceHook": _hook_link("deleteProjectServiceHook"),
    "GetServiceHookStats": _hook_link("getProjectServiceHookStats"),
}

OPERATIONS: Mapping[tuple[str, str], OperationDoc] = {
    ("project-details", "GET"): OperationDoc(
        "getProject",
        "Retrieve a project",
        {200: "project"},
        description="Every key of Sentry's detailed project serializer. `include=stats` adds "
        "`stats.unresolved`; `expand=hasAlertIntegration` adds `hasAlertIntegrationInstalled`; "
        "`collapse=organization` answers only the organization's id and slug; other values "
        "and unknown parameters are ignored.",
    ),
    ("project-details", "PUT"): OperationDoc(
        "updateProject",
        "Update a project",
        {200: "project", 400: ("error-fields", "error-detail"), 403: "error-detail"},
        description="A partial update; unknown keys are ignored. A token with only "
        "`project:read` may change the member fields (`isBookmarked`, "
        "`autofixAutomationTuning`, `seerScannerAutomation`, `seerNightshiftTweaks`, the "
        "preprod fields); a truthy admin field answers 403. The legacy `options` dict writes "
        "raw project options; its custom inbound filters need the project's "
        "`custom-inbound-filters` feature (400 without). A new slug makes the old one answer "
        "302 to the new path.",
    ),
    ("project-details", "DELETE"): OperationDoc(
        "deleteProject",
        "Delete a project",
        {204: None, 403: ("error-detail", "error-internal-project")},
        description="Schedules the project for deletion: from then on every route of the "
        "project answers 404. Sentry's internal projects answer 403 with a JSON string.",
    ),
    ("project-stats", "GET"): OperationDoc(
        "listProjectStats",
        "Retrieve event counts for a project",
        {200: "stats", 400: ("error-list", "error-detail")},
        description="`[timestamp, count]` pairs, ascending and zero-filled, one per bucket "
        "from `until` back to `since` (default: the last 24 hours). Parameters are checked "
        "in Sentry's order, stat, resolution, until, since: an unknown stat answers the "
        'JSON array `["Invalid stat: <x>"]`, the others `{"detail": ...}`; so does `since` '
        "after `until`, and a window of more than 100,000 buckets (where Sentry itself "
        "would fail). `stat=generated` with an unknown `environment` answers 404.",
    ),
    ("project-users", "GET"): OperationDoc(
        "listProjectUsers",
        "List a project's users",
        {200: "event-users", 400: "error-detail"},
        description="Users seen in the project's events, most recently seen first. "
        "`query=<field>:<value>` is an exact match on `id`, `username`, `email` or `ip`; "
        "another field or an empty side filters nothing; a query without a colon answers "
        "`[]` without a `Link` header.",
        link_header=False,
    ),
    ("project-tag-values", "GET"): OperationDoc(
        "listTagValues",
        "List a tag's values",
        {200: "tag-values", 400: "error-detail"},
        description="Up to 1,000 values of the key, most recently seen first; `query` is a "
        "substring filter; `statsPeriod`, or `start` and `end`, keep the values seen in that "
        "window (a window Sentry cannot read answers 400). A key without values, or an "
        "unknown `environment`, answers 404. "
        "Keys that hold ids or times (`event_id`, `timestamp`, `time`, `profile_id`, "
        "`replay_id`, `trace*`) have no values to list: an empty page.",
    ),
    ("project-hooks", "GET"): OperationDoc(
        "listProjectServiceHooks",
        "List a project's service hooks",
        {200: "hooks", 400: "error-detail"},
        description="Newest first. `status=active` or `status=disabled` filters; any other "
        "non-empty status answers `[]`.",
    ),
    ("project-hooks", "POST"): OperationDoc(
        "createProjectServiceHook",
        "Register a new service hook",
        {201: "hook", 400: "error-fields"},
        description="The hook is always created active, with a fresh id and secret.",
        links={201: HOOK_LINKS},
    ),
    ("project-hook-details", "GET"): OperationDoc(
        "getProjectServiceHook",
        "Retrieve a service hook",
        {200: "hook"},
        description="Another project's hook, or an unknown id, answers 404.",
        links={200: HOOK_LINKS},
    ),
    ("project-hook-details", "PUT"): OperationDoc(
        "updateProjectServiceHook",
        "Update a service hook",
        {200: "hook", 400: "error-fields"},
        description="A partial update: `url` when not blank, `events` when not null, "
        "`isActive` sets the status to active or disabled.",
        links={200: HOOK_LINKS},
    ),
    ("project-hook-details", "DELETE"): OperationDoc(
        "deleteProjectServiceHook",
        "Remove a service hook",
        {204: None},
        description="From then on the hook's routes answer 404.",
    ),
    ("project-hook-stats", "GET"): OperationDoc(
        "getProjectServiceHookStats",
        "Retrieve a service hook's deliveries over time",
        {200: "hook-stats", 400: "error-detail"},
        description="Delivery attempts per bucket, with the `since`, `until` and "
        "`resolution` rules of the project stats. Not in Sentry's public schema.",
    ),
}
"""By route name and method."""
