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
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterable
from typing import Any
from typing import TypeVar

from mockserver.cache.memo import Memo
from mockserver.sentry import jsontext
from mockserver.sentry import project_body
from mockserver.sentry import project_parts
from mockserver.timefmt import format_datetime
from mockserver.world.model import EventUser
from mockserver.world.model import Hook
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

# Re-exported: project details are written in project_body (in groups) and project_parts (kept
# in parts per state of the project).
ORGANIZATION = project_body.ORGANIZATION
UNUSED_FEATURES = project_body.UNUSED_FEATURES
organization = project_body.organization
project_details = project_body.project_details


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


# Compact JSON, as DRF's JSONRenderer writes it: the one function, named here for the callers.
dumps = jsontext.dumps


def project_details_json(view: ProjectView, check: Check | None = None) -> bytes:
    """:func:`project_details` encoded, made once per state of the project (from the parts of
    the previous state, :mod:`mockserver.sentry.project_parts`).

    :param check: run on the body when it is first made (response validation).
    :raises ResponseSchemaError: from ``check``; nothing is kept then.
    """
    encoded: bytes | None = view.memo.get("json")
    if encoded is None:
        encoded = project_parts.render(view, project_body.GET, check)
        view.memo["json"] = encoded
    return encoded


def project_update_json(
    view: ProjectView, check: Check | None = None, *, keep_biases: bool = False
) -> bytes:
    """:func:`project_details` as a ``PUT`` answers it (``for_update``), encoded, made once per
    state of the project: a ``PUT`` that changes nothing (the store keeps the view then) answers
    the bytes made, and checked, by the first one; one that changes something makes only what
    it changed (:mod:`mockserver.sentry.project_parts`).

    :param check: run on what is new in the body when it is first made (response validation).
    :raises ResponseSchemaError: from ``check``; nothing is kept then.
    """
    key = "update-json-kept-biases" if keep_biases else "update-json"
    encoded: bytes | None = view.memo.get(key)
    if encoded is None:
        shown = project_body.UPDATE_KEPT_BIASES if keep_biases else project_body.UPDATE
        encoded = project_parts.render(view, shown, check)
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
