"""What one test sets on its server, and undoes: faults (:meth:`PerTest.fault`) and one-off
answers (:meth:`PerTest.respond`). :class:`~mockserver.testing.MockServer` has these methods
(the ``mockserver`` fixture is one).

Each returns a handle that undoes it: use it as a context manager, or call ``undo()``. What a
test leaves is undone anyway: by :meth:`PerTest.undo_all`, which ``MockServer.prepare`` and
``MockServer.reset`` call, and which the pytest plugin calls after every test, whether it passed,
failed or raised.

A fault is a rule of the app's fault controller (:mod:`mockserver.faults.controller`, source
``test``), in the scenario's form, checked by the same schema and parser as every other door
(:mod:`mockserver.faults.parsing`); a rate limit is the rate limiter's run-time policy. A one-off
answer is a stub (:mod:`mockserver.http.stubs`); what it answers is checked once, when it is
set, against the responses the OpenAPI document gives Sentry's operation for that status
(:mod:`mockserver.openapi.conformance`).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any
from typing import Self
from urllib.parse import urlsplit

from mockserver.faults.model import ALIASES
from mockserver.faults.model import CATALOGUE
from mockserver.faults.model import STATUS_FAULTS
from mockserver.faults.model import Rule
from mockserver.faults.options import parse_rate_limits_option
from mockserver.faults.parsing import parse_policy
from mockserver.faults.parsing import schema_problems
from mockserver.http.responses import JSON
from mockserver.http.responses import dumps
from mockserver.http.routes import ROUTES
from mockserver.http.routes import SentryRoute
from mockserver.http.routes import match_route
from mockserver.http.routes import route_name
from mockserver.http.stubs import Stub
from mockserver.openapi.conformance import NO_JSON
from mockserver.openapi.conformance import Conformance

if TYPE_CHECKING:
    from mockserver.faults.limits import Policy
    from mockserver.state import MockState


class Handle:
    """Something a test set on the server, until :meth:`undo` (or the end of a ``with``)."""

    def __init__(self, owner: PerTest) -> None:
        self._owner = owner
        self.undone = False

    def undo(self) -> None:
        """Undo it (again: nothing)."""
        if not self.undone:
            self.undone = True
            self._undo()
            self._owner._applied.handles.remove(self)

    def _undo(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.undo()


class FaultHandle(Handle):
    """A fault set by :meth:`PerTest.fault`.

    :ivar rule: its fault rule (``rule.name`` is the ``rule`` of its journal records), or
        ``None`` for a rate limit.
    :ivar policy: the rate-limit policy it set, or ``None``.
    """

    def __init__(
        self,
        owner: PerTest,
        rule: Rule | None,
        policy: Policy | None = None,
        previous: Policy | None = None,
    ) -> None:
        super().__init__(owner)
        self.rule = rule
        self.policy = policy
        self._previous = previous
        self._final: tuple[int, int] | None = None

    @property
    def matched(self) -> int | None:
        """How many requests its rule matched, until it was undone (``None``: a rate limit)."""
        counts = self._counts()
        return None if counts is None else counts[0]

    @property
    def fired(self) -> int | None:
        """How many requests its rule fired on, until it was undone (``None``: a rate limit)."""
        counts = self._counts()
        return None if counts is None else counts[1]

    def _counts(self) -> tuple[int, int] | None:
        if self.rule is None:
            return None
        if self._final is not None:
            return self._final
        return self._owner.state.faults.counts(self.rule.name)

    def _undo(self) -> None:
        state = self._owner.state
        if self.rule is not None:
            self._final = state.faults.counts(self.rule.name)  # still readable after the with
            state.faults.remove(self.rule.name)
        else:
            state.limiter.set_runtime_policy(self._previous)


class StubHandle(Handle):
    """An answer set by :meth:`PerTest.respond`.

    :ivar stub: the stub (``stub.name`` is the ``rule`` of its journal records).
    :ivar marks: how its answer breaks Sentry's response contract (empty when it does not);
        every request it answers carries them as ``answer-off-contract`` warnings.
    """

    def __init__(self, owner: PerTest, stub: Stub) -> None:
        super().__init__(owner)
        self.stub = stub
        self.marks = stub.marks
        self._final: int | None = None

    @property
    def calls(self) -> int:
        """How many requests it answered, until it was undone."""
        if self._final is not None:
            return self._final
        return self._owner.state.stubs.answered(self.stub.name)

    def _undo(self) -> None:
        self._final = self._owner.state.stubs.answered(self.stub.name)
        self._owner.state.stubs.remove(self.stub.name)


@dataclass
class Applied:
    """What a server's tests set and did not undo yet, and the check of answers against the
    OpenAPI document, made on the first :meth:`PerTest.respond`."""

    handles: list[Handle] = field(default_factory=list)
    conformance: Conformance | None = None


class PerTest:
    """Faults and answers for one test (mixed into :class:`~mockserver.testing.MockServer`)."""

    _applied: Applied

    @property
    def state(self) -> MockState:
        """The app's state (``MockServer.state``)."""
        raise NotImplementedError

    def fault(
        self,
        route: str = "*",
        *,
        status: int | None = None,
        fault: str | None = None,
        delay: float | Mapping[str, Any] | None = None,
        times: int | None = None,
        method: str | Sequence[str] = "*",
        probability: float | None = None,
        every: int | None = None,
        rate_limit: str | None = None,
    ) -> FaultHandle:
        """Make requests to ``route`` fail, slow down or be rate limited, until undone.

        ``mockserver.fault("project-hooks", status=503, times=2)``: the next two requests to
        the hooks get nginx's 503 page. Answers are the ones Sentry (or its nginx) really gives.

        :param route: a route's name (``project-hooks``) or template; ``"*"`` for every one.
        :param status: 401, 403, 404, 429, 500, 502, 503 or 504: Sentry's (or nginx's) answer.
        :param fault: a built-in fault (``server_error``, ``reset``, ``garbage``, ``truncated``,
            ``slow``, ... or WireMock's names) or a preset of the scenario.
        :param delay: milliseconds of latency (or the scenario's distributions, as a mapping).
        :param times: fire on the first ``times`` matching requests only.
        :param method: ``"POST"``, ``["GET", "PUT"]`` or ``"*"``.
        :param probability: fire with this probability (seeded draws: the same on every run).
        :param every: fire on every ``every``-th matching request.
        :param rate_limit: Sentry's rate limiter on the route: ``"LIMIT/WINDOW"`` or
            ``"LIMIT/WINDOW/CONCURRENT"`` (``"2/60"``: the third request in a minute gets the
            429), or ``"saas"`` for sentry.io's limits (route ``"*"``). One at a time; not with
            the other kinds.
        :raises ValueError: for a route, fault or value the mock cannot use, naming the fix.
        """
        state = self.state
        state.faults.sync(state)
        if rate_limit is not None:
            if any(v is not None for v in (status, fault, delay, times, probability, every)):
                raise ValueError("rate_limit= is a fault of its own: set it in another fault()")
            return self._rate_limit(route, method, rate_limit)
        _fault_route(route)
        if status is not None and status not in STATUS_FAULTS:
            known = ", ".join(map(str, STATUS_FAULTS))
            raise ValueError(
                f"status {status} is not a fault ({known}); respond() sets any other answer"
            )
        raw: dict[str, Any] = {"route": route, "method": _method_spec(method)}
        if status is not None:
            raw["status"] = status
        if fault is not None:
            name = ALIASES.get(fault.lower(), fault)
            raw["fault" if name in CATALOGUE else "preset"] = name
        if delay is not None:
            raw["delay"] = delay
        when = {"first": times, "probability": probability, "every": every}
        if any(v is not None for v in when.values()):
            raw["when"] = {k: v for k, v in when.items() if v is not None}
        problem = schema_problems(state.registry, "rule", raw)
        if problem:
            raise ValueError(f"not a fault: {problem}")
        handle = FaultHandle(self, state.faults.add(raw, source="test"))
        self._applied.handles.append(handle)
        return handle

    def _rate_limit(self, route: str, method: str | Sequence[str], text: str) -> FaultHandle:
        if any(h.policy is not None for h in self._applied.handles if isinstance(h, FaultHandle)):
            raise ValueError("a rate limit set by this test is in force: undo it first")
        name = _fault_route(route)
        spec = parse_rate_limits_option(text)
        if spec == "saas" and name != "*":
            raise ValueError("rate_limit='saas' is sentry.io's whole policy: leave route out")
        if isinstance(spec, dict) and name != "*":
            limits = spec.pop("default")
            spec["routes"] = [{"route": name, "method": _method_spec(method), **limits}]
        problem = schema_problems(self.state.registry, "rateLimits", spec)
        if problem:
            raise ValueError(f"not a rate limit: {problem}")
        limiter = self.state.limiter
        handle = FaultHandle(self, None, parse_policy(spec), limiter.runtime_policy)
        limiter.set_runtime_policy(handle.policy)
        self._applied.handles.append(handle)
        return handle

    def respond(
        self,
        method: str | Sequence[str],
        route: str,
        *,
        status: int = 200,
        json: Any = NO_JSON,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = None,
    ) -> StubHandle:
        """Answer matching requests with this, in place of Sentry, until undone.

        ``mockserver.respond("GET", "project-users", json=[])``: an empty page of users. A
        request takes the first answer set for it with answers left, so ``times=1`` then
        another ``respond`` answers the first request one way and the next ones the other.
        Faults set for the route come first. The client's contract is still checked, and an
        answer that breaks Sentry's (a missing key, a status the route never answers) is
        given, but each request it answers carries an ``answer-off-contract`` warning, which
        the pytest plugin reports after the test.

        :param method: ``"GET"``, a list of methods, or ``"*"``.
        :param route: a route's name or template (any project), or a path (that project only).
        :param json: the body, as JSON (``Content-Type: application/json``).
        :param body: the body as given (bytes or text), instead of ``json``.
        :param headers: headers of the answer (they win over ``Content-Type``).
        :param times: answer the first ``times`` matching requests only.
        :raises ValueError: for a route, status or body the mock cannot use.
        """
        declared, params = _stub_target(route)
        methods = _method_set(method)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"status must be from 100 to 599, got {status!r}")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ValueError(f"times must be at least 1, got {times!r}")
        if json is not NO_JSON and body is not None:
            raise ValueError("give json= or body=, not both")
        answer: list[tuple[str, str]] = []
        data = body.encode() if isinstance(body, str) else (body or b"")
        if json is not NO_JSON:
            try:
                data = dumps(json).encode()
            except (TypeError, ValueError) as exc:
                raise ValueError(f"json= is not JSON: {exc}") from None
            answer.append(("Content-Type", JSON))
        for name, value in (headers or {}).items():
            if not isinstance(value, str) or "\n" in value or "\r" in value:
                raise ValueError(f"header {name}: a value is one line of text, got {value!r}")
            answer = [(k, v) for k, v in answer if k.lower() != name.lower()]
            answer.append((name, value))
        stubs = self.state.stubs
        if self._applied.conformance is None:
            self._applied.conformance = Conformance(self.state.registry)
        marks = self._applied.conformance.findings(declared, methods, status, data, json)
        stub = Stub(
            stubs.free_name(),
            declared.name,
            methods,
            params,
            status,
            data,
            tuple(answer),
            times,
            marks,
        )
        stubs.add(stub)
        handle = StubHandle(self, stub)
        self._applied.handles.append(handle)
        return handle

    def undo_all(self) -> None:
        """Undo every fault and answer set with :meth:`fault` and :meth:`respond`."""
        for handle in reversed(list(self._applied.handles)):
            handle.undo()


def _fault_route(route: str) -> str:
    """A fault's route, by name; a path is refused (a rule applies to a route)."""
    name = route_name(route)
    if name is not None:
        return name
    found = match_route(urlsplit(route).path, "GET")
    if found is not None:
        raise ValueError(
            f"fault() takes a route, not a path: {found.route.name!r} (or its template "
            f"{found.route.template!r}) for {route!r}"
        )
    raise ValueError(f"no route {route!r}; routes: *, {', '.join(ROUTES)}")


def _stub_target(route: str) -> tuple[SentryRoute, Mapping[str, str] | None]:
    """A stub's route, and the path parameters of a route given as a path."""
    name = route_name(route)
    if name is not None and name != "*":
        return ROUTES[name], None
    found = match_route(urlsplit(route).path, "GET") if name is None else None
    if found is None:
        raise ValueError(
            f"no Sentry route {route!r}: name one of {', '.join(ROUTES)}, its "
            "template, or a path of it"
        )
    return found.route, dict(found.params)


def _method_spec(method: str | Sequence[str]) -> Any:
    """A method argument in the scenario's form (``"*"``, ``"GET"`` or a list)."""
    if isinstance(method, str):
        return method if method == "*" else method.upper()
    return [str(m).upper() for m in method]


def _method_set(method: str | Sequence[str]) -> frozenset[str] | None:
    spec = _method_spec(method)
    if spec == "*":
        return None
    methods = frozenset([spec] if isinstance(spec, str) else spec)
    if not methods or not all(m.isalpha() for m in methods):
        raise ValueError(f"not a method: {method!r}")
    return methods
