"""Typed views of the JSON Sentry answers: the fields the client uses, nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Project:
    """A project, from ``GET /api/0/projects/{org}/{project}/``."""

    id: str
    slug: str
    name: str
    platform: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Project:
        """Read Sentry's project details."""
        return cls(id=data["id"], slug=data["slug"], name=data["name"], platform=data["platform"])


@dataclass(frozen=True)
class EventUser:
    """A user seen in the project's events."""

    identifier: str | None
    email: str | None
    username: str | None
    ip_address: str | None
    tag_value: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EventUser:
        """Read one item of ``GET …/users/``."""
        return cls(
            identifier=data["identifier"],
            email=data["email"],
            username=data["username"],
            ip_address=data["ipAddress"],
            tag_value=data["tagValue"],
        )


@dataclass(frozen=True)
class TagValue:
    """One value of a tag key, with how often it was seen."""

    key: str
    value: str
    count: int
    last_seen: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TagValue:
        """Read one item of ``GET …/tags/{key}/values/``."""
        return cls(
            key=data["key"], value=data["value"], count=data["count"], last_seen=data["lastSeen"]
        )


@dataclass(frozen=True)
class Hook:
    """A service hook: Sentry POSTs the project's events to ``url``."""

    id: str
    url: str
    events: tuple[str, ...]
    status: str
    secret: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Hook:
        """Read one hook."""
        return cls(
            id=data["id"],
            url=data["url"],
            events=tuple(data["events"]),
            status=data["status"],
            secret=data["secret"],
        )
