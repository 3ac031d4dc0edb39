"""Project details (Sentry's ``DetailedProjectSerializer``) as a row of groups of keys.

The body is written in :data:`GROUPS`: runs of consecutive keys, each made by one function from
a few inputs of the project's view (its slug, its platform, its options, the organization...).
:func:`project_details` joins every group, then the scenario ``fields`` and a request's extra
keys over them, as ``dict.update`` would; :mod:`mockserver.sentry.project_parts` keeps each
group's JSON with the state of the project and, for the next state, makes again only the groups
whose inputs changed. A group's inputs name everything its function reads, so the two ways give
the same bytes (tests/sentry/test_project_parts.py compares them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.sentry import dynamic_sampling
from mockserver.sentry import project_options
from mockserver.sentry.highlights import highlight_preset
from mockserver.timefmt import format_datetime
from mockserver.world.model import Organization
from mockserver.world.store import ProjectView

ORGANIZATION = "organization"
UNUSED_FEATURES = "unusedFeatures"
# sentry/api/serializers/models/project.py, PROJECT_FEATURES_NOT_USED_ON_FRONTEND.
FEATURES_NOT_USED_ON_FRONTEND = frozenset(
    {
        "discard-transaction",
        "first-event-severity-calculation",
        "servicehooks",
        "similarity-embeddings",
    }
)
_FLAGS = (
    "hasFeedbacks",
    "hasFlags",
    "hasMinifiedStackTrace",
    "hasMonitors",
    "hasNewFeedbacks",
    "hasProfiles",
    "hasReplays",
    "hasSessions",
    "hasInsightsHttp",
    "hasInsightsDb",
    "hasInsightsAssets",
    "hasInsightsAppStart",
    "hasInsightsScreenLoad",
    "hasInsightsVitals",
    "hasInsightsCaches",
    "hasInsightsQueues",
    "hasInsightsAgentMonitoring",
    "hasInsightsMCP",
    "hasLogs",
    "hasTraceMetrics",
)
_TEAM_ACCESS = [
    "alerts:read",
    "alerts:write",
    "event:admin",
    "event:read",
    "event:write",
    "member:read",
    "org:integrations",
    "org:read",
    "project:admin",
    "project:read",
    "project:releases",
    "project:write",
    "team:admin",
    "team:read",
    "team:write",
]
_TEMPEST_PLATFORM = "playstation"


@dataclass(frozen=True, slots=True)
class Variant:
    """How one answer shows the project (the groups that depend on it take it into account).

    :ivar collapse_organization: ``collapse=organization``: only the organization's id and slug.
    :ivar collapse_unused: ``collapse=unusedFeatures``: no features the frontend does not read.
    :ivar biases: ``"get"`` (every bias with the organization's dynamic sampling), ``"update"``
        (a ``PUT``'s answer: the stored biases, ``null`` without the feature) or ``"kept"`` (a
        ``PUT``'s early answer: the stored biases even without it).
    """

    collapse_organization: bool = False
    collapse_unused: bool = False
    biases: str = "get"


GET = Variant()
UPDATE = Variant(biases="update")
UPDATE_KEPT_BIASES = Variant(biases="kept")


def variant(
    collapse: Collection[str] = (), *, for_update: bool = False, keep_biases: bool = False
) -> Variant:
    """The variant of a request's ``collapse`` values, for a ``GET`` or a ``PUT``'s answer."""
    biases = ("kept" if keep_biases else "update") if for_update else "get"
    return Variant(ORGANIZATION in collapse, UNUSED_FEATURES in collapse, biases)


def organization(org: Organization) -> dict[str, Any]:
    """The non-detailed organization embedded in project details."""
    body: dict[str, Any] = {
        "id": org.id,
        "slug": org.slug,
        "status": {"id": "active", "name": "active"},
        "name": org.name,
        "dateCreated": format_datetime(org.date_created),
        "isEarlyAdopter": False,
        "require2FA": False,
        "allowMemberInvite": True,
        "allowMemberProjectCreation": True,
        "allowSuperuserAccess": False,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
        "features": list(org.features),
        "links": {
            "organizationUrl": f"https://{org.slug}.sentry.io",
            "regionUrl": "https://us.sentry.io",
        },
        "hasAuthProvider": False,
    }
    body.update(org.fields)
    return body


def project_color(slug: str) -> str:
    """The letter avatar's colour: Sentry derives one from the slug; any stable colour will do."""
    return "#" + hashlib.md5(slug.encode(), usedforsecurity=False).hexdigest()[:6]


# --- the groups, in the serializer's order ------------------------------------------------------

Make = Callable[[ProjectView, Variant], dict[str, Any]]

FACETS = (
    "id",
    "slug",
    "name",
    "platform",
    "date_created",
    "features",
    "first_event",
    "teams",
    "latest_release",
    "options",
    "organization",
)
"""What the groups read of a project's view, by name (see :func:`facets`)."""


def facets(view: ProjectView) -> tuple[object, ...]:
    """The values of :data:`FACETS` in ``view``: the world's objects and the client's, which are
    never changed in place (an unchanged facet is the same object in the next state)."""
    p = view.project
    return (
        p.id,
        p.slug,
        p.name,
        p.platform,
        p.date_created,
        p.features,
        p.first_event,
        p.teams,
        p.latest_release,
        view.options,
        view.organization,
    )


@dataclass(frozen=True, slots=True)
class Group:
    """A run of consecutive keys of project details.

    :ivar reads: the :data:`FACETS` ``make`` reads, all of them: the group is the same while
        they are.
    :ivar make: the keys and their values, in order.
    :ivar shape: the part of the :class:`Variant` ``make`` reads (``None``: none of it).
    """

    name: str
    reads: tuple[str, ...]
    make: Make
    shape: Callable[[Variant], object] | None = None

    @property
    def facet_indexes(self) -> tuple[int, ...]:
        """The positions in :func:`facets` of what the group reads."""
        return tuple(FACETS.index(name) for name in self.reads)


def _head(view: ProjectView, _v: Variant) -> dict[str, Any]:
    p = view.project
    return {"id": p.id, "slug": p.slug, "name": p.name, "platform": p.platform}


def _created(view: ProjectView, _v: Variant) -> dict[str, Any]:
    return {
        "dateCreated": format_datetime(view.project.date_created),
        "isBookmarked": False,
        "isMember": True,
    }


def _features(view: ProjectView, v: Variant) -> dict[str, Any]:
    features = list(view.project.features)
    if v.collapse_unused:
        features = [f for f in features if f not in FEATURES_NOT_USED_ON_FRONTEND]
    return {"features": features}


def _activity(view: ProjectView, _v: Variant) -> dict[str, Any]:
    first = view.project.first_event
    return {
        "firstEvent": format_datetime(first) if first else None,
        "firstTransactionEvent": False,
        "access": list(_TEAM_ACCESS),
        "hasAccess": True,
        **dict.fromkeys(_FLAGS, False),
        "isInternal": False,
        "isPublic": False,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
    }


def _color(view: ProjectView, _v: Variant) -> dict[str, Any]:
    return {"color": project_color(view.project.slug), "status": "active"}


def _teams(view: ProjectView, _v: Variant) -> dict[str, Any]:
    p = view.project
    return {
        "teams": [{"id": t.id, "name": t.name, "slug": t.slug} for t in p.teams],
        "latestRelease": {"version": p.latest_release} if p.latest_release else None,
    }


def _settings(view: ProjectView, _v: Variant) -> dict[str, Any]:
    return project_options.settings_fields(view.project.id, view.options)


def _highlights(view: ProjectView, _v: Variant) -> dict[str, Any]:
    return project_options.highlight_fields(view.options, highlight_preset(view.project.platform))


def _grouping(view: ProjectView, _v: Variant) -> dict[str, Any]:
    return project_options.grouping_fields(view.options)


def _organization(view: ProjectView, v: Variant) -> dict[str, Any]:
    org = view.organization
    shown = {"id": org.id, "slug": org.slug} if v.collapse_organization else organization(org)
    return {"organization": shown}


def _platforms(view: ProjectView, _v: Variant) -> dict[str, Any]:
    platform = view.project.platform
    return {
        # 2025 serializers list the enabled plugins here; no plugin is enabled in the mock.
        "plugins": [],
        "platforms": [platform] if platform else [],
        "processingIssues": 0,
    }


def _late(view: ProjectView, _v: Variant) -> dict[str, Any]:
    return project_options.late_option_fields(view.options)


def _biases(view: ProjectView, v: Variant) -> dict[str, Any]:
    """A ``PUT``'s answer shows the stored biases (``null`` without the organization's dynamic
    sampling, unless kept); a ``GET`` every bias, with the feature."""
    org, options = view.organization, view.options
    shown: Any
    if v.biases != "get":
        stored = project_options.stored_biases(options)
        keep = v.biases == "kept"
        shown = stored if keep or dynamic_sampling.has_dynamic_sampling(org) else None
    elif not dynamic_sampling.has_dynamic_sampling(org):
        shown = None
    else:
        shown = dynamic_sampling.user_biases(options.get("sentry:dynamic_sampling_biases"))
    return {"dynamicSamplingBiases": shown}


def _sampled(view: ProjectView, _v: Variant) -> dict[str, Any]:
    options = view.options
    return {
        "symbolSources": project_options.symbol_sources_json(options),
        "isDynamicallySampled": dynamic_sampling.is_dynamically_sampled(view.organization, options),
    }


def _tempest(view: ProjectView, _v: Variant) -> dict[str, Any]:
    if _TEMPEST_PLATFORM not in view.organization.options.get(
        "sentry:enabled_console_platforms", ()
    ):
        return {}
    # Sentry's has_tempest_access: only then does the serializer write the key.
    return {"tempestFetchScreenshots": view.options.get("sentry:tempest_fetch_screenshots", False)}


def _seer(view: ProjectView, _v: Variant) -> dict[str, Any]:
    return project_options.seer_fields(view.options)


def _team(view: ProjectView, _v: Variant) -> dict[str, Any]:
    teams = view.project.teams
    if not teams:
        return {}
    # Deprecated single team: the first one, omitted when there is none (§1.1).
    t = teams[0]
    return {"team": {"id": t.id, "name": t.name, "slug": t.slug}}


_OPTIONS = ("options",)
_ORG_OPTIONS = ("organization", "options")
GROUPS: tuple[Group, ...] = (
    Group("head", ("id", "slug", "name", "platform"), _head),
    Group("created", ("date_created",), _created),
    Group("features", ("features",), _features, lambda v: v.collapse_unused),
    Group("activity", ("first_event",), _activity),
    Group("color", ("slug",), _color),
    Group("teams", ("teams", "latest_release"), _teams),
    Group("settings", ("id", "options"), _settings),
    Group("highlights", ("options", "platform"), _highlights),
    Group("grouping", _OPTIONS, _grouping),
    Group("organization", ("organization",), _organization, lambda v: v.collapse_organization),
    Group("platforms", ("platform",), _platforms),
    Group("late", _OPTIONS, _late),
    Group("biases", _ORG_OPTIONS, _biases, lambda v: v.biases),
    Group("sampled", _ORG_OPTIONS, _sampled),
    Group("tempest", _ORG_OPTIONS, _tempest),
    Group("seer", _OPTIONS, _seer),
    Group("team", ("teams",), _team),
)
"""Project details, group by group, in the serializer's order. Settings come from the
project's raw options, read as Sentry's serializer reads them
(:mod:`mockserver.sentry.project_options`)."""


def overrides(view: ProjectView, extra: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """What is written over the groups, in order: the scenario ``fields`` (and the client's
    changes that are not options, such as the bookmark), then a request's ``extra`` keys."""
    if not extra:
        return view.fields
    return {**view.fields, **extra}


def project_details(
    view: ProjectView,
    *,
    collapse: Collection[str] = (),
    for_update: bool = False,
    keep_biases: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Sentry's ``DetailedProjectSerializer`` output (the 2026 schema's key set, and ``plugins``),
    made whole.

    Scenario ``fields`` override any key, and client changes that are not options (the
    bookmark) are among them.

    :param collapse: the ``collapse`` values of the request: ``organization`` shows only the
        organization's id and slug; ``unusedFeatures`` leaves out the features Sentry's
        frontend does not read.
    :param for_update: the answer of a ``PUT``: ``dynamicSamplingBiases`` shows the stored
        biases (``null`` when unset), and ``null`` without the organization's dynamic sampling
        unless ``keep_biases``; a ``GET`` shows every bias with the organization's feature.
    :param extra: keys set last (``stats``, ``hasAlertIntegrationInstalled``).
    """
    shown = variant(collapse, for_update=for_update, keep_biases=keep_biases)
    body: dict[str, Any] = {}
    for group in GROUPS:
        body.update(group.make(view, shown))
    body.update(overrides(view, extra))
    return body
