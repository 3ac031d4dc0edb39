"""The event and issue (group) objects a service-hook delivery carries
(``src/sentry/sentry_apps/tasks/service_hooks.py``).

Generated from the seed, the project and the event's number, so the same trigger gives the same
payload on every run, and consistent with the scenario: the event's user is one of the project's
users, its tags are the project's tag values.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mockserver.sentry import serializers
from mockserver.world.store import ProjectView

# (exception type, message, culprit, function, module) per platform family.
_ERRORS = {
    "python": [
        (
            "ZeroDivisionError",
            "division by zero",
            "app.billing in compute_total",
            "compute_total",
            "app.billing",
        ),
        (
            "KeyError",
            "'customer_id'",
            "app.api.orders in create_order",
            "create_order",
            "app.api.orders",
        ),
        (
            "TimeoutError",
            "Database query timed out after 30s",
            "app.db in fetch_all",
            "fetch_all",
            "app.db",
        ),
        (
            "ValueError",
            "invalid literal for int() with base 10: 'abc'",
            "app.forms in parse_quantity",
            "parse_quantity",
            "app.forms",
        ),
    ],
    "javascript": [
        (
            "TypeError",
            "Cannot read properties of undefined (reading 'map')",
            "CartList(src/components/CartList)",
            "CartList",
            "src/components/CartList",
        ),
        (
            "ChunkLoadError",
            "Loading chunk 42 failed.",
            "webpack/runtime/jsonp",
            "jsonp",
            "webpack/runtime",
        ),
        (
            "ReferenceError",
            "analytics is not defined",
            "trackCheckout(src/lib/track)",
            "trackCheckout",
            "src/lib/track",
        ),
    ],
}
_SDK = {
    "python": {"name": "sentry.python", "version": "2.19.0"},
    "javascript": {"name": "sentry.javascript.react", "version": "8.42.0"},
}


def _family(platform: str | None) -> str:
    return "javascript" if platform and platform.startswith(("javascript", "node")) else "python"


def _sentry_time(moment: datetime) -> str:
    # Sentry's json.dumps writes datetimes with all six fractional digits (§5.5).
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_payload(
    view: ProjectView, *, seed: int, number: int, now: datetime, overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``{"project", "group", "event"}`` body of a delivery.

    :param number: the event's sequence number in this project (1, 2, …).
    :param overrides: keys to replace in the event (``message``, ``level``, ``tags``, …) and,
        under ``"group"``, in the group.
    """
    project = view.project
    org = view.organization
    digest = hashlib.sha256(f"{seed}\x1f{org.slug}/{project.slug}\x1fevent\x1f{number}".encode())
    rng = random.Random(digest.digest())  # noqa: S311 - fake data, not security
    family = _family(project.platform)
    error_type, message, culprit, function, module = rng.choice(_ERRORS[family])
    event_id = hashlib.sha256(digest.digest() + b"id").hexdigest()[:32]
    group_id = str(4_000_000_000 + int.from_bytes(digest.digest()[:3], "big") % 1_000_000)
    short_id = f"{project.slug.upper()}-{int(group_id) % 4096 + 1:X}"
    user = project.users[rng.randrange(len(project.users))] if len(project.users) else None
    user_body = serializers.event_user(user) if user else None
    tags = [{"key": "level", "value": str(overrides.get("level", "error"))}]
    for key in ("environment", "release", "browser", "os", "transaction"):
        values = project.tags.get(key)
        if values:
            tags.append({"key": key, "value": values[rng.randrange(min(len(values), 10))].value})
    if user_body and user_body["tagValue"]:
        tags.append({"key": "user", "value": user_body["tagValue"]})
    tags.sort(key=lambda tag: tag["key"])
    base_url = f"https://{org.slug}.sentry.io/issues/{group_id}/"
    stamp = _sentry_time(now)
    title = f"{error_type}: {message}"
    group: dict[str, Any] = {
        "id": group_id,
        "shareId": None,
        "shortId": short_id,
        "title": title,
        "culprit": culprit,
        "permalink": base_url,
        "logger": None,
        "level": overrides.get("level", "error"),
        "status": "unresolved",
        "statusDetails": {},
        "substatus": "new" if number == 1 else "ongoing",
        "isPublic": False,
        "platform": project.platform,
        "project": {
            "id": project.id,
            "name": project.name,
            "slug": project.slug,
            "platform": project.platform,
        },
        "type": "error",
        "metadata": {
            "type": error_type,
            "value": message,
            "filename": module,
            "function": function,
        },
        "numComments": 0,
        "assignedTo": None,
        "isBookmarked": False,
        "isSubscribed": False,
        "subscriptionDetails": None,
        "hasSeen": False,
        "annotations": [],
        "issueType": "error",
        "issueCategory": "error",
        "priority": "high",
        "priorityLockedAt": None,
        "isUnhandled": True,
        "count": str(number),
        "userCount": 1 if user else 0,
        "firstSeen": stamp,
        "lastSeen": stamp,
        "url": base_url,
    }
    group.update(overrides.get("group", {}))
    contexts: dict[str, Any] = {}
    if family == "python":
        contexts["runtime"] = {"name": "CPython", "version": "3.12.7", "type": "runtime"}
    else:
        contexts["browser"] = {"name": "Chrome", "version": "131.0.0", "type": "browser"}
    event: dict[str, Any] = {
        "id": event_id,
        "groupID": group_id,
        "eventID": event_id,
        "projectID": project.id,
        "message": "",
        "title": title,
        "location": module,
        "user": user_body,
        "tags": tags,
        "platform": project.platform,
        "dateReceived": stamp,
        "contexts": contexts,
        "size": 4096 + rng.randrange(8192),
        "entries": [
            {
                "type": "exception",
                "data": {
                    "values": [
                        {
                            "type": error_type,
                            "value": message,
                            "module": module,
                            "mechanism": {"type": "generic", "handled": False},
                            "stacktrace": {
                                "frames": [
                                    {
                                        "function": function,
                                        "module": module,
                                        "filename": module.replace(".", "/") + ".py"
                                        if family == "python"
                                        else module + ".tsx",
                                        "lineNo": 10 + rng.randrange(300),
                                        "inApp": True,
                                    }
                                ]
                            },
                        }
                    ]
                },
            }
        ],
        "dist": None,
        "sdk": _SDK[family],
        "context": {},
        "packages": {},
        "type": "error",
        "metadata": group["metadata"],
        "errors": [],
        "occurrence": None,
        "_meta": {},
        "crashFile": None,
        "culprit": culprit,
        "dateCreated": stamp,
        "fingerprints": [hashlib.md5(title.encode(), usedforsecurity=False).hexdigest()],
        "groupingConfig": {"id": "newstyle:2023-01-11", "enhancements": ""},
        "release": None,
        "userReport": None,
        "sdkUpdates": [],
        "resolvedWith": [],
        "nextEventID": None,
        "previousEventID": None,
        "url": f"{base_url}events/{event_id}/",
    }
    release = next((t["value"] for t in tags if t["key"] == "release"), None)
    if release:
        event["release"] = {"version": release}
    event.update({k: v for k, v in overrides.items() if k != "group"})
    return {
        "project": {"slug": project.slug, "name": project.name},
        "group": group,
        "event": event,
    }
