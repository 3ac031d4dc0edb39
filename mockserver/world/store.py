"""The world plus what clients changed, behind one lock.

The :class:`~mockserver.world.model.World` never changes; the store keeps an overlay per project:
field updates, slug renames (with redirects from the old slug), deletion, and the service
hooks. :meth:`Store.reset` drops the overlay, so a reset costs no more than the hooks given
by the scenario.

Because the world never changes, what is derived from it can be kept: generated users and tag
values (which cost Faker calls to make) and their JSON live in the app's bounded memos
(:class:`~mockserver.cache.memo.Memos`), which survive :meth:`Store.reset` and which
:meth:`Store.load` drops. What derives from an overlay (a project's view and JSON) lives in the
overlay, per state of the project: an update that changes nothing keeps it, one that changes
something puts it aside for a while (:mod:`mockserver.world.overlay`). Hooks are kept in the
order Sentry lists them as they are written (:mod:`mockserver.world.hooklog`): a write never
re-sorts them.
"""

from __future__ import annotations

import hashlib
import operator
import threading
import uuid
from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from dataclasses import replace
from typing import Any
from typing import TypeVar

from mockserver.cache.memo import Memo
from mockserver.cache.memo import Memos
from mockserver.cache.memo import MemoSequence
from mockserver.timefmt import Clock
from mockserver.timefmt import from_epoch
from mockserver.timefmt import system_clock
from mockserver.world.hooklog import HookList
from mockserver.world.model import Hook
from mockserver.world.model import LazySequence
from mockserver.world.model import Organization
from mockserver.world.model import Project
from mockserver.world.model import World
from mockserver.world.overlay import VIEW
from mockserver.world.overlay import ProjectOverlay
from mockserver.world.overlay import fresh_overlay
from mockserver.world.overlay import let_go_all
from mockserver.world.overlay import settle
from mockserver.world.overlay import shown
from mockserver.world.versions import PROJECTS
from mockserver.world.versions import Versions
from mockserver.world.versions import hooks_part

T = TypeVar("T")


class _Unset:
    """The marker of a project option to remove."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""An option value that removes the option (Sentry's ``project.delete_option``)."""


def _memoized(items: Sequence[T], memo: Memo) -> Sequence[T]:
    """``items`` with a memo in front when reading them costs generation; else ``items``."""
    if isinstance(items, LazySequence) and len(items) > items.literal_count:
        return MemoSequence(items, memo)
    return items


@dataclass(frozen=True, slots=True)
class ProjectView:
    """A project as it is now: the world's project with the client's changes applied.

    :ivar fields: the serializer overrides (scenario fields a client has not changed since, then
        client updates that are not options, such as the bookmark).
    :ivar options: the project's raw options (the scenario's, then client updates).
    :ivar memo: values derived from this state of the project (e.g. its JSON, see
        :func:`mockserver.sentry.serializers.project_details_json`); valid as long as the view is.
    """

    organization: Organization
    project: Project
    fields: Mapping[str, Any]
    options: Mapping[str, Any] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Redirect:
    """The old slug of a renamed project: Sentry answers 302 to the new one."""

    organization: Organization
    new_slug: str


class Store:
    """In-memory state for the mimicked API, safe to use from several request threads.

    :param world: the scenario's world.
    :param clock: the time source for created objects.
    :param memos: the app's memos (``MockState.memos``): the store keeps generated items in
        ``memos.items`` and drops the world's memos on :meth:`load`; default, memos of its own.
    """

    def __init__(
        self, world: World, clock: Clock = system_clock, memos: Memos | None = None
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self.versions = Versions()
        """The names of the store's states (:mod:`mockserver.world.versions`)."""
        self._world = world
        self._overlays: dict[str, ProjectOverlay] = {}
        # The memo of each project as the scenario has it (its view and answers), shared by
        # every fresh overlay of it: a reset after a change finds them again.
        self._pristine: dict[str, dict[str, Any]] = {}
        self._redirects: dict[tuple[str, str], str] = {}
        self.memos = Memos() if memos is None else memos
        """The memos of what derives from the world (and the app's others, see
        :class:`~mockserver.cache.memo.Memos`)."""
        self._projects = self._memoize(world)
        self.versions.load()
        self.reset()

    @property
    def world(self) -> World:
        """The world the store was loaded with."""
        return self._world

    def load(self, world: World) -> None:
        """Replace the world (and drop every change and every memo)."""
        with self._lock:
            self._world = world
            self.memos.drop_world()
            self._projects = self._memoize(world)
            self._overlays = {}
            self._pristine = {}
            self.versions.load()
            self.reset()

    def _memoize(self, world: World) -> dict[str, Project]:
        """The world's projects, their generated collections behind the item memo."""
        items = self.memos.items
        return {
            project.id: replace(
                project,
                users=_memoized(project.users, items),
                tags={key: _memoized(values, items) for key, values in project.tags.items()},
            )
            for org in world.organizations
            for project in org.projects
        }

    def reset(self) -> None:
        """Drop every change clients made, back to the scenario.

        Projects no client changed keep their overlay; the others get a fresh one with the memo
        of the scenario's state of the project: a test suite that resets between tests does not
        pay again for the JSON of a project as the scenario has it.
        """
        with self._lock:
            self._redirects = {}
            old = self._overlays
            self._overlays = {
                project.id: (
                    old[project.id]
                    if project.id in old and not old[project.id].changed
                    else self._fresh(project)
                )
                for org in self._world.organizations
                for project in org.projects
            }
            for project_id, dropped in old.items():
                if dropped.changed:
                    let_go_all(dropped, self._pristine.get(project_id))
            # The scenario's state again: answers made from it before hold again.
            self.versions.reset()

    def _fresh(self, project: Project) -> ProjectOverlay:
        """A fresh overlay of ``project``, sharing its pristine memo (the caller holds the
        lock). An overlay's memo is replaced, never cleared, when its project changes, so the
        shared one only ever holds what derives from the scenario's state."""
        overlay = fresh_overlay(project)
        overlay.memo = self._pristine.setdefault(project.id, overlay.memo)
        return overlay

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

    def _view(self, org: Organization, project: Project, overlay: ProjectOverlay) -> ProjectView:
        cached: ProjectView | None = overlay.memo.get(VIEW)
        if cached is not None:
            return cached
        changed = self._projects[project.id]
        changes: dict[str, Any] = {}
        if overlay.slug or overlay.name or overlay.platform_set:
            changes["slug"] = overlay.slug or project.slug
            changes["name"] = overlay.name or project.name
            changes["platform"] = overlay.platform if overlay.platform_set else project.platform
        if overlay.teams is not None and overlay.environments is not None:
            changes["teams"] = overlay.teams
            changes["environments"] = overlay.environments
        if changes:
            changed = _evolved(changed, changes)
        fields = {k: v for k, v in project.fields.items() if k not in overlay.shadowed}
        fields.update(overlay.fields)
        options = project.options if overlay.options is None else overlay.options
        view = ProjectView(org, changed, fields, options, overlay.memo)
        # Under the store's lock (every caller holds it), so the view matches the overlay.
        overlay.memo[VIEW] = view
        return view

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

    def update_project(
        self,
        project_id: str,
        changes: Mapping[str, Any],
        options: Mapping[str, Any] | None = None,
        *,
        shadows: Collection[str] = (),
        copy_from: str | None = None,
        after_copy: Mapping[str, Any] | None = None,
        copy_shadows: Collection[str] = (),
    ) -> None:
        """Apply a validated update, as one change.

        :param changes: ``slug``, ``name`` and ``platform`` change the project itself; other
            keys override serializer fields.
        :param options: project options to set, in order; :data:`UNSET` removes one.
        :param shadows: the serializer keys the update changes: scenario ``fields`` overriding
            them stop showing, so that the client sees its change.
        :param copy_from: the id of a project whose options, teams and environments are copied
            over this one's after ``options`` (Sentry's ``copy_settings_from``).
        :param after_copy: options set after the copy.
        :param copy_shadows: the serializer keys the copy changes.
        """
        with self._lock:
            overlay = self._overlays[project_id]
            org, project = self._find(project_id)
            before = shown(overlay)
            # Copied, not changed in place: a view made before keeps the options it showed.
            # Left alone (the same object) by an update that writes none, so that what derives
            # from the options is kept (mockserver.sentry.project_parts).
            own: dict[str, Any] = {}
            if options or copy_from is not None or after_copy:
                base = project.options if overlay.options is None else overlay.options
                own = overlay.options = dict(base)
            overlay.changed = True
            overlay.shadowed.update(shadows)
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
            _set_options(own, options or {})
            if copy_from is not None:
                source = self._view(*self._find(copy_from), self._overlays[copy_from])
                _set_options(own, source.options)
                overlay.teams = source.project.teams
                overlay.environments = source.project.environments
                overlay.shadowed.update(copy_shadows)
            _set_options(own, after_copy or {})
            settle(overlay, before)
            self.versions.changed(PROJECTS)

    def new_id(self, project_id: str, kind: str) -> str:
        """A fresh UUID for an object a client creates in the project (a symbol source): from
        the seed, the project and a counter, so that a test sees the same ids on every run."""
        with self._lock:
            overlay = self._overlays[project_id]
            overlay.ids_made += 1
            overlay.changed = True
            digest = _digest(self._world.seed, project_id, kind, overlay.ids_made)
            return str(uuid.UUID(hex=digest[:32], version=4))

    def delete_project(self, project_id: str) -> None:
        """Mark a project pending deletion: from now on it answers 404."""
        with self._lock:
            overlay = self._overlays[project_id]
            overlay.deleted = True
            overlay.changed = True
            let_go_all(overlay, self._pristine.get(project_id))
            overlay.memo = {}
            self.versions.changed(PROJECTS)

    def _find(self, project_id: str) -> tuple[Organization, Project]:
        for org in self._world.organizations:
            for project in org.projects:
                if project.id == project_id:
                    return org, project
        raise KeyError(project_id)

    # --- hooks ------------------------------------------------------------------------------

    def hooks(self, project_id: str) -> HookList:
        """The project's hooks, newest first (internal id descending), as Sentry lists them:
        taken in O(1), and unchanged by later writes (see :class:`HookList`)."""
        with self._lock:
            return self._overlays[project_id].hooks.newest_first()

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
            overlay.hooks.add(hook)
            overlay.changed = True
            self.versions.changed(hooks_part(project_id))
            return hook

    def update_hook(self, project_id: str, hook_id: str, **changes: Any) -> Hook | None:
        """Replace fields of a hook; ``None`` if it does not exist."""
        with self._lock:
            overlay = self._overlays[project_id]
            old = overlay.hooks.get(hook_id)
            if old is None:
                return None
            hook = replace(old, **changes)
            overlay.hooks.replace(hook)
            overlay.changed = True
            self.versions.changed(hooks_part(project_id))
            return hook

    def delete_hook(self, project_id: str, hook_id: str) -> bool:
        """Delete a hook; ``False`` if it did not exist."""
        with self._lock:
            overlay = self._overlays[project_id]
            if not overlay.hooks.remove(hook_id):
                return False
            overlay.changed = True
            self.versions.changed(hooks_part(project_id))
            return True


_PROJECT_FIELDS = tuple(f.name for f in fields(Project))
_PROJECT_VALUES = operator.attrgetter(*_PROJECT_FIELDS)
_PROJECT_INDEX = {name: i for i, name in enumerate(_PROJECT_FIELDS)}


def _evolved(project: Project, changes: Mapping[str, Any]) -> Project:
    """``dataclasses.replace(project, **changes)`` at a third of its cost (one per new state of
    a project): ``Project`` has no ``__post_init__`` and no field with ``init=False``, so its
    ``__init__`` given every value in order makes what ``replace`` makes (the values read in C
    by one ``attrgetter``)."""
    values = list(_PROJECT_VALUES(project))
    for name, value in changes.items():
        values[_PROJECT_INDEX[name]] = value
    return Project(*values)


def _set_options(own: dict[str, Any], options: Mapping[str, Any]) -> None:
    """Set options on the overlay's own copy (made by the update that writes them)."""
    for key, value in options.items():
        if value is UNSET:
            own.pop(key, None)
        else:
            own[key] = value


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
