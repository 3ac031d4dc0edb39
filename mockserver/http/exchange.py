"""The request as the pipeline sees it: one :class:`Exchange` per request, made once.

Its route is matched when it is made, **once**, whatever the method (a path that exists with
another method still belongs to its route: Sentry authenticates it, then answers 403 or 405).
Every stage of :mod:`mockserver.http.pipeline` reads the exchange and adds what it learned: the
token, the project, the contract violations, the faults applied, the rate limiter's count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from mockserver.http.body import READ_TIMEOUT
from mockserver.http.body import SentryRequest
from mockserver.http.routes import RouteMatch
from mockserver.http.routes import match_route
from mockserver.http.sandbox import store_for

if TYPE_CHECKING:
    from mockserver.faults.controller import Fired
    from mockserver.faults.controller import Plan
    from mockserver.faults.limiter import Meta
    from mockserver.journal.journal import Violation
    from mockserver.state import MockState
    from mockserver.world.model import Token
    from mockserver.world.store import ProjectView
    from mockserver.world.store import Store


class Exchange:
    """One request and what the pipeline's stages learned of it.

    :ivar environ: the WSGI environ (the response cache and the connection faults read their
        marks there, outside the pipeline).
    :ivar request: the request, read as Django reads it (:class:`SentryRequest`).
    :ivar state: the app's state.
    :ivar store: the store the request reads and changes: the app's, or a fuzzer's sandbox
        (:mod:`mockserver.http.sandbox`).
    :ivar match: the Sentry route of the path, or ``None`` for a path no route has.
    :ivar started: ``time.perf_counter()`` when the exchange was made (for the duration).
    :ivar time: the app's clock when the exchange was made (for the journal).
    :ivar token: the token authentication accepted.
    :ivar project: the project the lookup resolved.
    :ivar violations: the client's contract violations.
    :ivar faults: every fault applied, as recorded in the journal entry.
    :ivar plan: the faults decided for this request.
    :ivar rate_limit: the rate limiter's count of this request.
    :ivar cors_methods: the ``Allow`` methods of the CORS headers when they are not the
        route's (Sentry's rate-limit middleware answers with the request's method only).
    :ivar in_front: answered in front of Sentry (by its nginx): none of Sentry's CORS or
        rate-limit headers (only a page's origin grant: :func:`mockserver.http.cors.cors`).
    :ivar body_fault: the fault that cuts the body of the answer.
    """

    __slots__ = (
        "body_fault",
        "cors_methods",
        "environ",
        "faults",
        "in_front",
        "match",
        "method",
        "plan",
        "project",
        "rate_limit",
        "rate_limit_slot",
        "request",
        "started",
        "state",
        "store",
        "time",
        "token",
        "violations",
    )

    def __init__(self, environ: dict[str, Any], state: MockState) -> None:
        self.started = time.perf_counter()
        self.environ = environ
        self.state = state
        self.store: Store = store_for(state, environ)
        environ[READ_TIMEOUT] = state.config.read_timeout
        self.request = SentryRequest(environ)
        self.method: str = self.request.method
        self.time: float = state.config.clock()
        self.match: RouteMatch | None = match_route(self.request.path, self.method)
        self.token: Token | None = None
        self.project: ProjectView | None = None
        self.violations: tuple[Violation, ...] = ()
        self.faults: list[dict[str, Any]] = []
        self.plan: Plan | None = None
        self.rate_limit: Meta | None = None
        self.rate_limit_slot: tuple[str, str] | None = None
        self.cors_methods: Sequence[str] | None = None
        self.in_front = False
        self.body_fault: Fired | None = None

    @property
    def params(self) -> Mapping[str, str]:
        """The path parameters of the matched route (empty when none matched)."""
        return self.match.params if self.match is not None else {}

    @property
    def resolved(self) -> ProjectView:
        """The project the lookup resolved (views run only after it did)."""
        project = self.project
        if project is None:  # pragma: no cover - the pipeline runs views after the lookup
            raise LookupError("no project was resolved for this request")
        return project

    @property
    def authenticated(self) -> Token:
        """The token that authenticated the request (views run only after it did)."""
        token = self.token
        if token is None:  # pragma: no cover - the pipeline runs views after authentication
            raise LookupError("no token authenticated this request")
        return token


Next = Callable[[Exchange], Response]
"""The rest of the pipeline, from the next stage in: call it to have the request answered."""

Stage = Callable[[Exchange, Next], Response]
"""One stage: it answers the exchange itself, or calls the next stage and may change its answer
(see :mod:`mockserver.http.pipeline`)."""
