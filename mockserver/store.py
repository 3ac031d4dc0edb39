"""The world plus what clients changed, behind one lock.

The :class:`~mockserver.world.World` never changes; the store keeps an overlay per project:
field updates, slug renames (with redirects from the old slug), deletion, and the service
hooks. :meth:`Store.reset` drops the overlay, so a reset costs no more than the hooks given
by the scenario.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from mockserver.timefmt import Clock
from mockserver.timefmt import from_epoch
from mockserver.timefmt import system_clock
from mockserver.world import Hook
from mockserver.world import Organization
from mockserver.world import Project
from mockserver.world import World


@dataclass(slots=True)
class _ProjectOverlay:
    """What clients changed on one project."""

    hooks: dict[str, Hook]
    next_internal_id: int
    fields: dict[str, Any] = field(default_factory=dict)
    slug: str | None = None
    name: str | None = None
    platform: str | None = None
    platform_set: bool = False
    deleted: bool = False
    hooks_created: int = 0


@dataclass(frozen=True, slots=True)
class ProjectView:
    """A project as it is now: the world's project with the client's changes applied.

    :ivar fields: the serializer overrides (scenario fields, then client updates).
    """

    organization: Organization
    project: Project
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Redirect:
    """The old slug of a renamed project: Sentry answers 302 to the new one."""

    organization: Organization
    new_slug: str


class Store:
    """In-memory state for the mimicked API, safe to use from several request threads.

    :param world: the scenario's world.
    :param clock: the time source for created objects.
    """

    def __init__(self, world: World, clock: Clock = system_clock) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._world = world
        self._overlays: dict[str, _ProjectOverlay] = {}
        self._redirects: dict[tuple[str, str], str] = {}
        self.reset()

    @property
    def world(self) -> World:
        """The world the store was loaded with."""
        return self._world

    def load(self, world: World) -> None:
        """Replace the world (and drop every change)."""
        with self._lock:
            self._world = world
            self.reset()

    def reset(self) -> None:
        """Drop every change clients made, back to the scenario."""
        with self._lock:
            self._redirects = {}
            self._overlays = {
                project.id: _ProjectOverlay(
                    hooks={h.id: h for h in project.hooks},
                    next_internal_id=max((h.internal_id for h in project.hooks), default=0) + 1,
                )
                for org in self._world.organizations
                for project in org.projects
            }

    # --- projects ---------------------------------------------------------------------------

    def resolve(self, org_ref: str, project_ref: str) -> ProjectView | Redirect | None:
        """Find a live project by org and project id or slug, as Sentry's ``convert_args`` does.

        :returns: the project, a :class:`Redirect` for the old slug of a renamed project, or
            ``None`` when there is no such active project in that organization.
        """
        by_id = project_ref.isnumeric()
        with self._lock:
            for org in self._world.organizations:
                if (org.id if org_ref.isnumeric() else org.slug) != org_ref:
                    continue
                for project in org.projects:
                    overlay = self._overlays[project.id]
                    slug = overlay.slug or project.slug
                    if (project.id if by_id else slug) == project_ref:
                        if overlay.deleted:
                            return None
                        return self._view(org, project, overlay)
                if not by_id and (org.id, project_ref) in self._redirects:
                    return Redirect(org, self._redirects[(org.id, project_ref)])
        return None

    def _view(self, org: Organization, project: Project, overlay: _ProjectOverlay) -> ProjectView:
        changed = project
        if overlay.slug or overlay.name or overlay.platform_set:
            changed = replace(
                project,
                slug=overlay.slug or project.slug,
                name=overlay.name or project.name,
                platform=overlay.platform if overlay.platform_set else project.platform,
            )
        return ProjectView(org, changed, {**project.fields, **overlay.fields})

    def view(self, project_id: str) -> ProjectView:
        """The current state of a project by id, deleted or not."""
        with self._lock:
            org, project = self._find(project_id)
            return self._view(org, project, self._overlays[project_id])

    def slug_taken(self, org: Organization, slug: str, except_id: str) -> Project | None:
        """The other live project of ``org`` using ``slug``, if any."""
        with self._lock:
            for project in org.projects:
                overlay = self._overlays[project.id]
                live = project.id != except_id and not overlay.deleted
                if live and (overlay.slug or project.slug) == slug:
                    return replace(project, name=overlay.name or project.name)
        return None

    def update_project(self, project_id: str, changes: Mapping[str, Any]) -> None:
        """Apply a validated partial update; ``slug``, ``name`` and ``platform`` change the
        project itself, the rest override serializer fields."""
        with self._lock:
            overlay = self._overlays[project_id]
            org, project = self._find(project_id)
            for key, value in changes.items():
                if key == "slug":
                    old = overlay.slug or project.slug
                    if value != old:
                        self._redirects[(org.id, old)] = value
                        self._redirects.pop((org.id, value), None)
                        overlay.slug = value
                elif key == "name":
                    overlay.name = value
                elif key == "platform":
                    overlay.platform = value
                    overlay.platform_set = True
                else:
                    overlay.fields[key] = value

    def delete_project(self, project_id: str) -> None:
        """Mark a project pending deletion: from now on it answers 404."""
        with self._lock:
            self._overlays[project_id].deleted = True

    def _find(self, project_id: str) -> tuple[Organization, Project]:
        for org in self._world.organizations:
            for project in org.projects:
                if project.id == project_id:
                    return org, project
        raise KeyError(project_id)

    # --- hooks ------------------------------------------------------------------------------

    def hooks(self, project_id: str) -> list[Hook]:
        """The project's hooks, newest first (internal id descending), as Sentry lists them."""
        with self._lock:
            hooks = list(self._overlays[project_id].hooks.values())
        hooks.sort(key=lambda h: h.internal_id, reverse=True)
        return hooks

    def hook(self, project_id: str, hook_id: str) -> Hook | None:
        """One hook of the project by its guid, or ``None``."""
        with self._lock:
            return self._overlays[project_id].hooks.get(hook_id)

    def create_hook(self, project_id: str, url: str, events: list[str]) -> Hook:
        """Create an active hook with a fresh guid and secret.

        Ids and secrets are derived from the world's seed, the project and a counter, so a
        test sees the same values on every run, and they never repeat within a run.
        """
        with self._lock:
            overlay = self._overlays[project_id]
            overlay.hooks_created += 1
            n = overlay.hooks_created
            seed = self._world.seed
            hook = Hook(
                id=_digest(seed, project_id, "created-hook-id", n)[:32],
                url=url,
                events=tuple(sorted(set(events))),
                status="active",
                secret=_digest(seed, project_id, "created-hook-secret", n),
                date_created=from_epoch(self._clock()),
                internal_id=overlay.next_internal_id,
            )
            overlay.next_internal_id += 1
            overlay.hooks[hook.id] = hook
            return hook

    def update_hook(self, project_id: str, hook_id: str, **changes: Any) -> Hook | None:
        """Replace fields of a hook; ``None`` if it does not exist."""
        with self._lock:
            hooks = self._overlays[project_id].hooks
            if hook_id not in hooks:
                return None
            hooks[hook_id] = replace(hooks[hook_id], **changes)
            return hooks[hook_id]

    def delete_hook(self, project_id: str, hook_id: str) -> bool:
        """Delete a hook; ``False`` if it did not exist."""
        with self._lock:
            return self._overlays[project_id].hooks.pop(hook_id, None) is not None


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
