"""What was read of a Sentry's projects, as Sentry answered it: the recorder fills it page by
page, the proxy from the answers that pass through it, and the scenario writer turns it into a
scenario (:mod:`mockserver.record.scenario`).

The bodies are kept as Sentry sent them (JSON values), so that what the mock answers for the
written scenario can be compared with them field by field (:mod:`mockserver.record.verify`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from dataclasses import field
from typing import Any

STATS = ("received", "rejected", "blacklisted", "generated")
"""The stats recorded: the four of Sentry's documentation."""


@dataclass
class SeriesCapture:
    """One stat's counts at one resolution: ``points`` by bucket start (epoch seconds)."""

    resolution: int
    points: dict[int, int] = field(default_factory=dict)

    def add(self, pairs: Any) -> bool:
        """Add ``[[timestamp, count], ...]``; whether the body had that shape."""
        if not isinstance(pairs, list):
            return False
        for pair in pairs:
            if (
                isinstance(pair, list)
                and len(pair) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) for n in pair)
            ):
                self.points[pair[0]] = pair[1]
        return True


@dataclass
class ProjectCapture:
    """One project as read: addressed as ``org/project`` (slugs or ids, as the client wrote
    them).

    :ivar details: the plain ``GET`` of the project (no ``include``, ``expand`` or
        ``collapse``).
    :ivar unresolved: ``stats.unresolved`` of ``?include=stats``, when read.
    :ivar alert_integration: ``hasAlertIntegrationInstalled`` of ``?expand=…``, when read.
    :ivar users: by position in Sentry's list (most recently seen first).
    :ivar tags: by key, each value's body by value, in the order read.
    :ivar hooks: by id, in the order read (newest first); ``None`` when never read.
    :ivar hooks_refused: Sentry's answer when the hooks could not be listed (the project lacks
        the ``servicehooks`` feature).
    :ivar stats: by stat.
    :ivar notes: what was left out while reading, for the scenario's comments.
    """

    org: str
    project: str
    details: dict[str, Any] | None = None
    unresolved: int | None = None
    alert_integration: bool | None = None
    users: dict[int, Any] = field(default_factory=dict)
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)
    hooks: dict[str, Any] | None = None
    hooks_refused: str | None = None
    stats: dict[str, SeriesCapture] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """``org/project`` as addressed."""
        return f"{self.org}/{self.project}"

    def user_list(self) -> list[Any]:
        """The users in Sentry's order."""
        return [self.users[position] for position in sorted(self.users)]

    def add_users(self, start: int, users: list[Any]) -> None:
        """A page of users that starts at position ``start``."""
        for offset, user in enumerate(users):
            self.users[start + offset] = user

    def add_tag_values(self, key: str, values: list[Any]) -> None:
        """Values of a tag key (a value read again replaces the earlier answer)."""
        known = self.tags.setdefault(key, {})
        for value in values:
            if isinstance(value, dict) and isinstance(value.get("value"), str):
                known[value["value"]] = value

    def add_hooks(self, hooks: list[Any]) -> None:
        """Hooks as listed or read one by one."""
        known = self.hooks if self.hooks is not None else {}
        self.hooks = known
        for hook in hooks:
            if isinstance(hook, dict) and isinstance(hook.get("id"), str):
                known[hook["id"]] = hook

    def add_stats(self, stat: str, resolution: int, pairs: Any) -> None:
        """A stats answer at ``resolution`` seconds; another resolution than the first one
        read of the stat is noted and left out (a scenario series has one)."""
        series = self.stats.get(stat)
        if series is None:
            series = self.stats[stat] = SeriesCapture(resolution)
        if series.resolution != resolution:
            note = (
                f"stats {stat}: answers at a resolution of {resolution} s left out (the "
                f"series holds {series.resolution} s buckets)"
            )
            if note not in self.notes:
                self.notes.append(note)
            return
        series.add(pairs)


@dataclass
class Capture:
    """Every project read, in the order first met; thread-safe for the proxy's threads.

    :ivar source: the upstream's base URL.
    """

    source: str
    projects: dict[tuple[str, str], ProjectCapture] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def project(self, org: str, project: str) -> ProjectCapture:
        """The capture of ``org/project`` (made on first use); hold :attr:`lock` to change
        it from several threads."""
        found = self.projects.get((org, project))
        if found is None:
            found = self.projects[(org, project)] = ProjectCapture(org, project)
        return found
