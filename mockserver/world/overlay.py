"""What clients changed on one project (the store's overlay), and the memo of what derives from
it.

A project's view and its JSON are made once per *state* of the project: an update that changes
nothing keeps them, and one that returns the project to a state it was in shortly before (a
client toggling a setting, a test restoring it) finds them again among the last
:data:`RECENT_STATES`. A state is everything a view is made from, compared as text
(:func:`shown`), so that values Python finds equal but JSON does not (``True`` and ``1``) are
different states. The store calls these under its lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockserver.world.hooklog import HookLog
from mockserver.world.model import Project
from mockserver.world.model import Team

CARRIED = "carried"
"""The memo key of what a state's answers are made from that the next state's can be made from
too (a project's JSON in parts, :mod:`mockserver.sentry.project_parts`): a new state's memo
starts with it, and only with it (the rest of a memo describes one state)."""

VIEW = "view"
"""The memo key of the state's view (:class:`~mockserver.world.store.ProjectView`), which holds
the memo in turn."""

RECENT_STATES = 4
"""How many earlier states of a project keep their memo (each holds a view and a few encoded
answers of the project, a few KB)."""


@dataclass(slots=True)
class ProjectOverlay:
    """What clients changed on one project.

    :ivar hooks: the project's hooks, by guid and in Sentry's order.
    :ivar options: the project's options once a client changed them; replaced, never changed in
        place, so that a view keeps the options it was made from.
    :ivar memo: what was derived from the project as it is now (its view, its JSON);
        replaced, never cleared, on a change, so that a request still holding the old one
        cannot put stale values into the new one.
    :ivar recent: the memos of the last states before this one, by :func:`shown`, oldest first.
    """

    hooks: HookLog
    next_internal_id: int
    fields: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] | None = None
    shadowed: set[str] = field(default_factory=set)
    teams: tuple[Team, ...] | None = None
    environments: tuple[str, ...] | None = None
    ids_made: int = 0
    slug: str | None = None
    name: str | None = None
    platform: str | None = None
    platform_set: bool = False
    deleted: bool = False
    hooks_created: int = 0
    memo: dict[str, Any] = field(default_factory=dict)
    recent: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: bool = False


def fresh_overlay(project: Project) -> ProjectOverlay:
    """An overlay with no change: the scenario's hooks."""
    return ProjectOverlay(
        hooks=HookLog(project.hooks),
        next_internal_id=max((h.internal_id for h in project.hooks), default=0) + 1,
    )


def shown(overlay: ProjectOverlay) -> str:
    """Everything of an overlay a project's view is made from, as text that tells apart what
    Python's ``==`` does not (``True`` and ``1``, key order): equal text, equal view."""
    return repr(
        (
            overlay.slug,
            overlay.name,
            overlay.platform,
            overlay.platform_set,
            overlay.fields,
            overlay.options,
            sorted(overlay.shadowed),
            overlay.teams,
            overlay.environments,
            overlay.deleted,
        )
    )


def settle(overlay: ProjectOverlay, before: str) -> None:
    """After an update of a project that was in state ``before``: keep the memo if nothing
    changed; else put it aside and take the new state's, kept from a recent visit, or a new one
    (with what the old one :data:`CARRIED`).
    """
    now = shown(overlay)
    if now == before:
        return
    recent = overlay.recent
    recent.pop(before, None)
    recent[before] = overlay.memo
    while len(recent) > RECENT_STATES:
        let_go(recent.pop(next(iter(recent))))
    memo = recent.pop(now, None)
    if memo is None:
        old = overlay.memo
        memo = {CARRIED: old[CARRIED]} if CARRIED in old else {}
    overlay.memo = memo


def let_go(memo: dict[str, Any]) -> None:
    """Drop the view of a memo no state will use again.

    The view holds its memo and the memo the view: left alone, the pair and all it holds (a
    state's encoded answers) are freed only by the collector's full passes, whose cost grows
    with everything the mock keeps (hooks, the journal). A request still holding the view keeps
    it, and its memo, until it is done.
    """
    memo.pop(VIEW, None)


def let_go_all(overlay: ProjectOverlay, keep: dict[str, Any] | None) -> None:
    """:func:`let_go` every memo of an overlay being dropped, but ``keep`` (a memo shared with
    other overlays: the scenario's state of the project)."""
    for memo in (overlay.memo, *overlay.recent.values()):
        if memo is not keep:
            let_go(memo)
