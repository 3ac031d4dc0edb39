"""Turn world objects into the JSON Sentry's serializers emit
(``src/sentry/api/serializers/models/``).

The functions named after a serializer return dicts. The ``*_json`` functions return the same
objects encoded, once: world objects are frozen, so their JSON never changes and is kept in the
app's memos (:class:`~mockserver.cache.memo.Memos`; a project's in the store, until a client
changes it). A ``check`` passed to them runs on the
dict when the JSON is first made: a memoized answer was validated when it was made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from typing import TypeVar

from mockserver.cache.memo import Memo
from mockserver.sentry import dynamic_sampling
from mockserver.sentry import project_options
from mockserver.sentry.highlights import highlight_preset
from mockserver.timefmt import format_datetime
from mockserver.world.model import EventUser
from mockserver.world.model import Hook
from mockserver.world.model import Organization
from mockserver.world.model import TagValue
from mockserver.world.store import ProjectView

T = TypeVar("T")
Check = Callable[[Any], None]
"""Raises when a body breaks its schema (``SchemaRegistry.check`` bound to a schema)."""

GRAVATAR = "https://gravatar.com"
USER_TAG_PREFIXES = ("id", "username", "email", "ip")
# Keys Sentry stores with a "sentry:" prefix (``prefix_reserved_key``); the response shows them
# without it.
RESERVED_TAG_KEYS = frozenset({"release", "dist", "user", "filename", "function"})

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


def project_details(
    view: ProjectView,
    *,
    collapse: Collection[str] = (),
    for_update: bool = False,
    keep_biases: bool = False,
) -> dict[str, Any]:
    """Sentry's ``DetailedProjectSerializer`` output (the 2026 schema's key set, and ``plugins``).

    The settings come from the project's raw options, read as Sentry's serializer reads them
    (:mod:`mockserver.sentry.project_options`); scenario ``fields`` then override any key, and
    client changes that are not options (the bookmark) are among them.

    :param collapse: the ``collapse`` values of the request: ``organization`` shows only the
        organization's id and slug; ``unusedFeatures`` leaves out the features Sentry's
        frontend does not read.
    :param for_update: the answer of a ``PUT``: ``dynamicSamplingBiases`` shows the stored
        biases (``null`` when unset), and ``null`` without the organization's dynamic sampling
        unless ``keep_biases``; a ``GET`` shows every bias with the organization's feature.
    """
    project = view.project
    org = view.organization
    options = view.options
    features = list(project.features)
    if UNUSED_FEATURES in collapse:
        features = [f for f in features if f not in FEATURES_NOT_USED_ON_FRONTEND]
    teams = [{"id": t.id, "name": t.name, "slug": t.slug} for t in project.teams]
    body: dict[str, Any] = {
        "id": project.id,
        "slug": project.slug,
        "name": project.name,
        "platform": project.platform,
        "dateCreated": format_datetime(project.date_created),
        "isBookmarked": False,
        "isMember": True,
        "features": features,
        "firstEvent": format_datetime(project.first_event) if project.first_event else None,
        "firstTransactionEvent": False,
        "access": list(_TEAM_ACCESS),
        "hasAccess": True,
        **dict.fromkeys(_FLAGS, False),
        "isInternal": False,
        "isPublic": False,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
        "color": _project_color(project.slug),
        "status": "active",
        "teams": teams,
        "latestRelease": {"version": project.latest_release} if project.latest_release else None,
        **project_options.option_fields(project.id, options, highlight_preset(project.platform)),
        "organization": (
            {"id": org.id, "slug": org.slug} if ORGANIZATION in collapse else organization(org)
        ),
        # 2025 serializers list the enabled plugins here; no plugin is enabled in the mock.
        "plugins": [],
        "platforms": [project.platform] if project.platform else [],
        "processingIssues": 0,
        **project_options.late_option_fields(options),
        "isDynamicallySampled": dynamic_sampling.is_dynamically_sampled(org, options),
    }
    body["dynamicSamplingBiases"] = _biases(body, org, options, for_update, keep_biases)
    if "playstation" in org.options.get("sentry:enabled_console_platforms", ()):
        # Sentry's has_tempest_access: only then does the serializer write the key.
        body["tempestFetchScreenshots"] = options.get("sentry:tempest_fetch_screenshots", False)
    body.update(project_options.seer_fields(options))
    if teams:
        # Deprecated single team: the first one, omitted when there is none (§1.1).
        body["team"] = teams[0]
    body.update(view.fields)
    return body


def _biases(
    body: dict[str, Any],
    org: Organization,
    options: Mapping[str, Any],
    for_update: bool,
    keep_biases: bool,
) -> Any:
    if for_update:
        stored = body["dynamicSamplingBiases"]
        return stored if keep_biases or dynamic_sampling.has_dynamic_sampling(org) else None
    if not dynamic_sampling.has_dynamic_sampling(org):
        return None
    return dynamic_sampling.user_biases(options.get("sentry:dynamic_sampling_biases"))


def _project_color(slug: str) -> str:
    # Sentry derives a letter-avatar colour from the slug; any stable colour will do.
    return "#" + hashlib.md5(slug.encode(), usedforsecurity=False).hexdigest()[:6]


def event_user(user: EventUser) -> dict[str, Any]:
    """Sentry's ``EventUserSerializer`` output, with its computed fields (§3)."""
    raw = next(
        (
            (prefix, value)
            for prefix, value in zip(
                USER_TAG_PREFIXES,
                (user.identifier, user.username, user.email, user.ip_address),
                strict=True,
            )
            if value
        ),
        None,
    )
    email_hash = hashlib.md5((user.email or "").lower().encode(), usedforsecurity=False)
    return {
        "id": None,
        "tagValue": f"{raw[0]}:{raw[1]}" if raw else None,
        "identifier": user.identifier,
        "username": user.username,
        "email": user.email,
        "name": user.email or user.username,
        "ipAddress": user.ip_address,
        "avatarUrl": f"{GRAVATAR}/avatar/{email_hash.hexdigest()}?s=32&d=mm",
        "hash": hashlib.md5(raw[1].encode(), usedforsecurity=False).hexdigest() if raw else None,
        "dateCreated": None,
    }


def user_tag_value(user: EventUser) -> str | None:
    """The ``user`` tag value of a user: ``id:…``, ``username:…``, ``email:…`` or ``ip:…``."""
    tag: str | None = event_user(user)["tagValue"]
    return tag


def tag_value(key: str, value: TagValue) -> dict[str, Any]:
    """Sentry's ``TagValueSerializer`` output (§4), with the ``user`` key's extras."""
    name = value.value
    body: dict[str, Any] = {"key": key, "name": name, "value": value.value}
    if key == "user":
        prefix, sep, rest = value.value.partition(":")
        if sep and prefix in USER_TAG_PREFIXES:
            body["name"] = rest
            escaped = rest.replace('"', '\\"')
            body["query"] = f'user.{prefix}:"{escaped}"'
    body["count"] = value.count
    body["lastSeen"] = format_datetime(value.last_seen) if value.last_seen else None
    body["firstSeen"] = format_datetime(value.first_seen) if value.first_seen else None
    return body


def hook(h: Hook) -> dict[str, Any]:
    """Sentry's ``ServiceHookSerializer`` output (§5.1)."""
    return {
        "id": h.id,
        "url": h.url,
        "secret": h.secret,
        "status": h.status,
        "events": list(h.events),
        "dateCreated": format_datetime(h.date_created),
    }


# --- encoded, once ----------------------------------------------------------------------------


def dumps(body: Any) -> str:
    """Compact JSON, as DRF's ``JSONRenderer`` writes it (the same as ``responses.dumps``,
    without importing Flask into the serializers)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def project_details_json(view: ProjectView, check: Check | None = None) -> bytes:
    """:func:`project_details` encoded, made once per state of the project.

    :param check: run on the body when it is first made (response validation).
    :raises ResponseSchemaError: from ``check``; nothing is kept then.
    """
    encoded: bytes | None = view.memo.get("json")
    if encoded is None:
        body = project_details(view)
        if check is not None:
            check(body)
        encoded = dumps(body).encode()
        view.memo["json"] = encoded
    return encoded


def project_update_json(
    view: ProjectView, check: Check | None = None, *, keep_biases: bool = False
) -> bytes:
    """:func:`project_details` as a ``PUT`` answers it (``for_update``), encoded, made once per
    state of the project: a ``PUT`` that changes nothing (the store keeps the view then) answers
    the bytes made, and checked, by the first one.

    :param check: run on the body when it is first made (response validation).
    :raises ResponseSchemaError: from ``check``; nothing is kept then.
    """
    key = "update-json-kept-biases" if keep_biases else "update-json"
    encoded: bytes | None = view.memo.get(key)
    if encoded is None:
        body = project_details(view, for_update=True, keep_biases=keep_biases)
        if check is not None:
            check(body)
        encoded = dumps(body).encode()
        view.memo[key] = encoded
    return encoded


def item_json(
    item: T,
    serialize: Callable[[T], Any],
    memo: Memo,
    key: Hashable,
    check: Check | None = None,
) -> str:
    """One frozen world object's JSON, encoded (and checked) once and kept in ``memo`` under
    ``(key, item)``, where :func:`items_json` finds it: a hook a client creates is encoded and
    checked by the ``POST``'s answer, and its list reuses them.

    :raises ResponseSchemaError: from ``check``; nothing is kept then.
    """
    memo_key = (key, item)
    text: str | None = memo.get(memo_key)
    if text is None:
        body = serialize(item)
        if check is not None:
            check(body)
        text = dumps(body)
        memo.put(memo_key, text)
    return text


def items_json(
    items: Iterable[T],
    serialize: Callable[[T], Any],
    memo: Memo,
    key: Hashable,
    check: Check | None = None,
    pages: Memo | None = None,
) -> bytes:
    """A JSON array of frozen world objects, each encoded once and kept in ``memo``.

    :param serialize: turns one item into its JSON value.
    :param key: names what ``serialize`` produces (e.g. ``("tag-value", "browser")``): the memo
        keys each item by ``(key, item)``, so equal items serialized differently never collide.
    :param check: run on each item's JSON value when it is first made.
    :param pages: where whole arrays are kept (default: ``memo``); pages are large, so the
        app's memos give them their own, smaller bound.
    :raises ResponseSchemaError: from ``check``; the item is not kept then.
    """
    row = tuple(items)
    # The same page of the same objects (the store hands out kept objects) is the same bytes:
    # kept whole too, which also lets the journal hold one copy for every answer of a page.
    # Keyed by identity, checked item by item: the entry keeps its items alive, so an id in it
    # cannot have been reused.
    ends = (id(row[0]), id(row[-1])) if row else (0, 0)
    page_key = ("page", key, len(row), *ends)
    pages = memo if pages is None else pages
    page: tuple[tuple[T, ...], bytes] | None = pages.get(page_key)
    if page is not None and all(kept is item for kept, item in zip(page[0], row, strict=True)):
        return page[1]
    parts = [item_json(item, serialize, memo, key, check) for item in row]
    encoded = ("[" + ",".join(parts) + "]").encode()
    pages.put(page_key, (row, encoded))
    return encoded
