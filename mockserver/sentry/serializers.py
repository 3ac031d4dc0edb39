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
from collections.abc import Hashable
from collections.abc import Iterable
from typing import Any
from typing import TypeVar

from mockserver.cache.memo import Memo
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


def project_details(view: ProjectView) -> dict[str, Any]:
    """Sentry's ``DetailedProjectSerializer`` output (the 2026 schema's key set).

    Scenario ``fields`` and client updates override any key.
    """
    project = view.project
    features = list(project.features)
    teams = [{"id": t.id, "name": t.name, "slug": t.slug} for t in project.teams]
    security_token = hashlib.sha256(f"security-token:{project.id}".encode()).hexdigest()[:32]
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
        "hasFeedbacks": False,
        "hasFlags": False,
        "hasMinifiedStackTrace": False,
        "hasMonitors": False,
        "hasNewFeedbacks": False,
        "hasProfiles": False,
        "hasReplays": False,
        "hasSessions": False,
        "hasInsightsHttp": False,
        "hasInsightsDb": False,
        "hasInsightsAssets": False,
        "hasInsightsAppStart": False,
        "hasInsightsScreenLoad": False,
        "hasInsightsVitals": False,
        "hasInsightsCaches": False,
        "hasInsightsQueues": False,
        "hasInsightsAgentMonitoring": False,
        "hasInsightsMCP": False,
        "hasLogs": False,
        "hasTraceMetrics": False,
        "isInternal": False,
        "isPublic": False,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
        "color": _project_color(project.slug),
        "status": "active",
        "teams": teams,
        "latestRelease": {"version": project.latest_release} if project.latest_release else None,
        "options": {
            "sentry:csp_ignored_sources_defaults": True,
            "sentry:csp_ignored_sources": "",
            "filters:blacklisted_ips": "",
            "filters:react-hydration-errors": True,
            "filters:chunk-load-error": True,
            "filters:releases": "",
            "filters:error_messages": "",
            "feedback:branding": True,
            "sentry:feedback_user_report_notifications": True,
            "sentry:feedback_ai_spam_detection": True,
            "sentry:replay_rage_click_issues": True,
            "sentry:replay_hydration_error_issues": True,
            "sentry:toolbar_allowed_origins": "",
            "quotas:spike-protection-disabled": False,
        },
        "digestsMinDelay": 300,
        "digestsMaxDelay": 1800,
        "subjectPrefix": "",
        "allowedDomains": ["*"],
        "resolveAge": 0,
        "dataScrubber": True,
        "dataScrubberDefaults": True,
        "safeFields": [],
        "storeCrashReports": None,
        "sensitiveFields": [],
        "subjectTemplate": "$shortID - $title",
        "securityToken": security_token,
        "securityTokenHeader": None,
        "verifySSL": False,
        "scrubIPAddresses": False,
        "scrapeJavaScript": True,
        "enableAutoReleaseCreation": True,
        "highlightTags": [],
        "highlightContext": {},
        "highlightPreset": {"tags": [], "context": {}},
        "groupingConfig": "newstyle:2023-01-11",
        "groupingEnhancements": "",
        "derivedGroupingEnhancements": "",
        "secondaryGroupingExpiry": 0,
        "secondaryGroupingConfig": None,
        "fingerprintingRules": "",
        "organization": organization(view.organization),
        "platforms": [project.platform] if project.platform else [],
        "processingIssues": 0,
        "defaultEnvironment": None,
        "relayPiiConfig": None,
        "builtinSymbolSources": ["ios", "microsoft", "android"],
        "dynamicSamplingBiases": None,
        "symbolSources": "[]",
        "isDynamicallySampled": False,
        "tempestFetchScreenshots": False,
        "autofixAutomationTuning": "off",
        "seerScannerAutomation": True,
        "seerNightshiftTweaks": None,
        "scmSourceContextEnabled": False,
        "debugFilesRole": None,
    }
    if teams:
        # Deprecated single team: the first one, omitted when there is none (§1.1).
        body["team"] = teams[0]
    body.update(view.fields)
    return body


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
    parts = []
    for item in row:
        memo_key = (key, item)
        text: str | None = memo.get(memo_key)
        if text is None:
            body = serialize(item)
            if check is not None:
                check(body)
            text = dumps(body)
            memo.put(memo_key, text)
        parts.append(text)
    encoded = ("[" + ",".join(parts) + "]").encode()
    pages.put(page_key, (row, encoded))
    return encoded
