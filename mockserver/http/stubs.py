"""One-off answers a test sets (``MockServer.respond``): the answer to give matching requests in
place of Sentry's own, a given number of times or until it is undone.

Each app keeps its stubs in :class:`Stubs` (``MockState.stubs``), in the order they were set:
a request takes the first stub that matches its route, method and (for a stub set on a path)
path parameters and has answers left; a stub whose answers are used up steps aside, so
``respond(..., times=1)`` then ``respond(...)`` answers the first request one way and the next
ones the other. The stage, :func:`stubbed`, sits in :data:`mockserver.http.pipeline.STAGES`
(where, and why, is written there).

What a stub answers is checked against Sentry's response contract when it is set (by the front
door that sets it, :mod:`mockserver.pertest`): an answer that breaks it is still given, and
each request it answers carries the finding as a warning (``answer-off-contract``), so that the
journal, the admin API and the pytest report say which answers were not Sentry's.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from werkzeug.wrappers import Response

from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next
from mockserver.journal.journal import Violation

SOURCE = "respond"
"""The ``source`` of a stub's record in the journal entry's ``faults``."""


@dataclass(frozen=True, slots=True)
class Stub:
    """An answer set by a test.

    :ivar name: unique among the app's stubs (``respond-1``), in the journal.
    :ivar route: the route's name.
    :ivar methods: the methods it answers; ``None`` for every one.
    :ivar params: the path parameters a request must have (a stub set on a path), or ``None``
        for any request to the route.
    :ivar status: the status to answer.
    :ivar body: the body, encoded.
    :ivar headers: the headers, ``Content-Type`` included when there is a body.
    :ivar times: how many requests it answers; ``None`` for every one until it is removed.
    :ivar marks: the ways the answer breaks Sentry's response contract (warnings), added to
        the violations of every request it answers.
    """

    name: str
    route: str
    methods: frozenset[str] | None
    params: Mapping[str, str] | None
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    times: int | None = None
    marks: tuple[Violation, ...] = ()

    def matches(self, route: str, method: str, params: Mapping[str, str]) -> bool:
        """Whether a request to ``route`` with ``method`` and path ``params`` is its to answer."""
        return (
            self.route == route
            and (self.methods is None or method in self.methods)
            and (self.params is None or dict(self.params) == dict(params))
        )

    def response(self) -> Response:
        """The answer, afresh (later stages add their headers to it)."""
        response = Response(self.body, status=self.status)
        response.headers.clear()
        for name, value in self.headers:
            response.headers.add(name, value)
        return response


class Stubs:
    """The stubs of one app, in the order they were set, and how many requests each answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stubs: list[Stub] = []
        self._answered: dict[str, int] = {}

    @property
    def active(self) -> bool:
        """Whether any stub is set (the response cache replays nothing then)."""
        return bool(self._stubs)

    def add(self, stub: Stub) -> None:
        """Set a stub, after the others.

        :raises ValueError: if its name is taken.
        """
        with self._lock:
            if stub.name in self._answered:
                raise ValueError(f"a stub named {stub.name!r} is set")
            self._stubs.append(stub)
            self._answered[stub.name] = 0

    def free_name(self, prefix: str = SOURCE) -> str:
        """The first ``<prefix>-<n>`` no stub has."""
        with self._lock:
            n = 1
            while f"{prefix}-{n}" in self._answered:
                n += 1
            return f"{prefix}-{n}"

    def remove(self, name: str) -> bool:
        """Remove a stub; whether there was one of that name."""
        with self._lock:
            before = len(self._stubs)
            self._stubs = [s for s in self._stubs if s.name != name]
            self._answered.pop(name, None)
            return len(self._stubs) < before

    def clear(self) -> None:
        """Remove every stub (on reset)."""
        with self._lock:
            self._stubs = []
            self._answered.clear()

    def answered(self, name: str) -> int:
        """How many requests the stub ``name`` answered (0 once it is removed)."""
        with self._lock:
            return self._answered.get(name, 0)

    def take(self, route: str, method: str, params: Mapping[str, str]) -> Stub | None:
        """The stub that answers this request, counted; ``None`` for Sentry's own answer."""
        with self._lock:
            for stub in self._stubs:
                used = self._answered[stub.name]
                if (stub.times is None or used < stub.times) and stub.matches(
                    route, method, params
                ):
                    self._answered[stub.name] = used + 1
                    return stub
        return None


def stubbed(ex: Exchange, inner: Next) -> Response:
    """The stage: the answer of the first matching stub with answers left, recorded in the
    entry's ``faults`` (``{"source": "respond", "rule": <name>, "status": <status>}``) and with
    its contract findings among the entry's violations; else the rest of the pipeline."""
    stubs = ex.state.stubs
    if not stubs.active or ex.match is None:
        return inner(ex)
    stub = stubs.take(ex.match.route.name, ex.method, ex.match.params)
    if stub is None:
        return inner(ex)
    ex.faults.append({"source": SOURCE, "rule": stub.name, "status": stub.status})
    if stub.marks:
        ex.violations = (*ex.violations, *stub.marks)
    return stub.response()
