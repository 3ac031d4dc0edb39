"""Reading a project through the endpoints the mock serves: its details, every page of its
users, the values of its tag keys, its service hooks and its stats series.

The same reader records a real Sentry (``mockserver record``) and reads back the mock serving
the recording (:mod:`mockserver.record.verify`), so that both are read alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import Protocol
from urllib.parse import quote

from mockserver.record.capture import STATS
from mockserver.record.capture import ProjectCapture
from mockserver.record.client import RecordError
from mockserver.record.client import Refused
from mockserver.record.client import SentryClient

PROBED_KEYS = (
    "environment",
    "release",
    "dist",
    "level",
    "user",
    "transaction",
    "url",
    "browser",
    "browser.name",
    "os",
    "os.name",
    "device",
    "device.family",
    "runtime",
    "runtime.name",
    "server_name",
    "handled",
    "mechanism",
)
"""Tag keys tried when ``--tags`` is not given and the upstream does not list its keys (the
mock serves no ``tags/`` list): Sentry's common keys; those without values answer 404 and are
left out."""
RESOLUTIONS = {"10s": 10, "1h": 3600, "1d": 86400}
"""Sentry's stats resolutions, in seconds."""


@dataclass(frozen=True, slots=True)
class Window:
    """The stats window read: ``since`` and ``until`` in epoch seconds, and the resolution
    (one of :data:`RESOLUTIONS`)."""

    since: int
    until: int
    resolution: str

    @property
    def seconds(self) -> int:
        """The resolution in seconds."""
        return RESOLUTIONS[self.resolution]


@dataclass(frozen=True, slots=True)
class Plan:
    """What to read of each project.

    :ivar tags: the tag keys; ``None``: the keys the upstream lists, or those of
        :data:`PROBED_KEYS` that have values.
    :ivar max_items: at most this many users, values of each key, and hooks.
    :ivar windows: the stats windows (one per stat, or several when reading back).
    :ivar extras: also read ``?include=stats&expand=hasAlertIntegration``.
    """

    tags: tuple[str, ...] | None = None
    max_items: int | None = None
    windows: Sequence[tuple[str, Window]] = ()
    extras: bool = True


class Progress(Protocol):
    """Told of each step of reading a project (the command line draws a bar on a terminal)."""

    def start(self, label: str, steps: int) -> None:
        """A project begins; it takes about ``steps`` steps."""

    def advance(self, detail: str) -> None:
        """One step done."""

    def finish(self) -> None:
        """The project is read."""


class NoProgress:
    """Progress that shows nothing."""

    def start(self, label: str, steps: int) -> None:
        """Nothing."""

    def advance(self, detail: str) -> None:
        """Nothing."""

    def finish(self) -> None:
        """Nothing."""


def project_path(org: str, project: str) -> str:
    """``/api/0/projects/{org}/{project}/``, each part quoted."""
    return f"/api/0/projects/{quote(org, safe='')}/{quote(project, safe='')}/"


def standard_windows(window: Window) -> list[tuple[str, Window]]:
    """The four stats over one window."""
    return [(stat, window) for stat in STATS]


def read_project(
    client: SentryClient,
    capture: ProjectCapture,
    plan: Plan,
    progress: Progress | None = None,
) -> None:
    """Read one project into ``capture``.

    :raises RecordError: as :class:`~mockserver.record.client.SentryClient` raises it.
    """
    progress = progress or NoProgress()
    try:
        _read(client, capture, plan, progress)
    finally:
        progress.finish()


def _read(client: SentryClient, capture: ProjectCapture, plan: Plan, progress: Progress) -> None:
    base = project_path(capture.org, capture.project)
    limit = plan.max_items
    details = client.get(base).data
    if not isinstance(details, dict):
        raise RecordError(f"{client.where}{base} answered a JSON {type(details).__name__}")
    capture.details = details
    keys = plan.tags if plan.tags is not None else _listed_keys(client, base, details)
    steps = 4 + len(keys) + len(plan.windows)
    progress.start(capture.ref, steps)
    progress.advance("details")
    if plan.extras:
        extra = client.get(base + "?include=stats&expand=hasAlertIntegration").data
        if isinstance(extra, dict):
            stats = extra.get("stats")
            unresolved = stats.get("unresolved") if isinstance(stats, dict) else None
            if isinstance(unresolved, int) and not isinstance(unresolved, bool):
                capture.unresolved = unresolved
            installed = extra.get("hasAlertIntegrationInstalled")
            if isinstance(installed, bool):
                capture.alert_integration = installed
    progress.advance("details with stats")

    users = client.pages(base + "users/", max_items=limit)
    capture.add_users(0, users)
    _note_limit(capture, "users", users, limit)
    progress.advance(f"{len(users)} users")

    for key in keys:
        path = f"{base}tags/{quote(key, safe='')}/values/"
        try:
            values = client.pages(path, max_items=limit, allow=(404,))
        except Refused:
            if plan.tags is not None:
                capture.notes.append(f"tag {key!r}: no values (Sentry answered 404)")
            progress.advance(f"tag {key}: none")
            continue
        capture.add_tag_values(key, values)
        _note_limit(capture, f"tag {key!r}", values, limit)
        progress.advance(f"tag {key}: {len(values)} values")

    try:
        hooks = client.pages(base + "hooks/", max_items=limit, allow=(403, 404))
    except Refused as refused:
        capture.hooks_refused = _detail(refused.reply.data) or str(refused.reply.status)
    else:
        capture.add_hooks(hooks)
        _note_limit(capture, "hooks", hooks, limit)
    progress.advance("hooks")

    for stat, window in plan.windows:
        query = (
            f"?stat={quote(stat)}&since={window.since}&until={window.until}"
            f"&resolution={window.resolution}"
        )
        reply = client.get(base + "stats/" + query)
        capture.add_stats(stat, window.seconds, reply.data)
        progress.advance(f"stats {stat}")


def _listed_keys(client: SentryClient, base: str, details: dict[str, Any]) -> tuple[str, ...]:
    """The keys the upstream lists (Sentry's ``tags/``), else the probed ones and the project's
    highlighted tags."""
    reply = client.get(base + "tags/", allow=(400, 403, 404, 405))
    if reply.status == 200 and isinstance(reply.data, list):
        listed = [
            t["key"] for t in reply.data if isinstance(t, dict) and isinstance(t.get("key"), str)
        ]
        if listed:
            return tuple(dict.fromkeys(listed))
    highlighted = details.get("highlightTags")
    extra = [k for k in highlighted if isinstance(k, str)] if isinstance(highlighted, list) else []
    return tuple(dict.fromkeys([*PROBED_KEYS, *extra]))


def _note_limit(capture: ProjectCapture, what: str, items: list[Any], limit: int | None) -> None:
    if limit is not None and len(items) >= limit:
        capture.notes.append(f"{what}: the first {limit} only (--max-items {limit})")


def _detail(body: Any) -> str | None:
    """Sentry's ``detail``: a text, an object's ``message``, or a list's texts (a missing
    feature's)."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        detail = detail.get("message") or detail.get("code")
    if isinstance(detail, list):
        detail = " ".join(str(d) for d in detail)
    return detail if isinstance(detail, str) else None
