"""The names the store gives its states, for what is kept across requests (the response cache,
:mod:`mockserver.cache.responses`).

Every change a client makes gives the state, and the part of the store it changed, a name never
used before; a reset names the scenario's state as loaded again, so what was made from it
before holds again. An answer that reads only some parts (:data:`PROJECTS`,
:func:`hooks_part`) holds while theirs are the same, whatever else changed.
"""

from __future__ import annotations

from collections.abc import Hashable

PROJECTS = "projects"
"""The part that every project's fields, options, slug and deletion belong to: what a project's
answers, and the lookup of any project, read."""


def hooks_part(project_id: str) -> tuple[str, str]:
    """The part that one project's hooks belong to."""
    return ("hooks", project_id)


class Versions:
    """The store's state names (the store calls :meth:`changed`, :meth:`reset` and
    :meth:`load` under its lock).

    :ivar changes: incremented by every change (a client's, a reset, a load), once it is
        complete: an answer made while it stayed the same was made from one state.
    :ivar version: the name of the store's state: :attr:`scenario` after a reset, or one a
        change made.
    :ivar scenario: the name of the scenario's state as loaded.
    """

    __slots__ = ("_parts", "changes", "scenario", "version")

    def __init__(self) -> None:
        self.changes = 0
        self.version = 0
        self.scenario = 0
        # The parts clients changed since the scenario's state, and the name each took.
        self._parts: dict[Hashable, int] = {}

    def load(self) -> None:
        """A new world: a name no state had before for its scenario state (then :meth:`reset`)."""
        self.scenario = self.changes + 1

    def reset(self) -> None:
        """Back to the scenario's state, every part too."""
        self.changes += 1
        self.version = self.scenario
        self._parts = {}

    def changed(self, part: Hashable) -> None:
        """A client's change of ``part``, complete now: the state and the part take a name no
        state had before (every value of ``changes`` is new)."""
        self.changes += 1
        self.version = self.changes
        self._parts[part] = self.changes

    def of(self, part: Hashable) -> int:
        """The name of ``part``'s state: the scenario's until a change of it names it anew."""
        return self._parts.get(part, self.scenario)
