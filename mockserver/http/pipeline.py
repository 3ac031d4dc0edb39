"""The way of a request to the Sentry API through the mock, declared in one place, in order.

A request passes these layers, outermost first:

1. the **response cache** (:mod:`mockserver.cache.responses`, a WSGI layer, when
   ``Config.response_cache`` is on): a repeated ``GET`` gets the answer the pipeline made for
   it, with its own journal entry, and goes no further;
2. the **dispatch** (:class:`Dispatch`): the mock's own endpoints (``/__admin/``,
   ``/openapi.json``) go to the Flask app; everything else is Sentry's API;
3. the **connection faults** (:mod:`mockserver.faults.connection`, a WSGI layer): a request the
   fault stage marked gets its connection broken instead of its answer;
4. the **stages** of :data:`STAGES`, in order. Each is a function ``stage(exchange, inner)``
   that answers the request itself or calls ``inner`` (the rest of the pipeline) and may change
   its answer; the first stage is the outermost. The route is matched once, when the
   :class:`~mockserver.http.exchange.Exchange` is made, and every stage reads it there;
5. the **view** of the route and method (:data:`mockserver.http.views.HANDLERS`), which checks
   its answer against the response schema (``Config.validate_responses``).

Stages for features that are off cost a test and a call: no fault rule and no ``Prefer`` means
no fault planning, no rate-limit policy means no counting.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from mockserver.contract import checks as contract
from mockserver.faults import stage as faults
from mockserver.http import guards
from mockserver.http import stubs
from mockserver.http.body import CLOSE
from mockserver.http.cors import cors
from mockserver.http.cors import preflight
from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next
from mockserver.http.exchange import Stage
from mockserver.http.responses import send
from mockserver.http.views import HANDLERS
from mockserver.http.views import View
from mockserver.journal import recording

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

    from mockserver.state import MockState

OWN_PREFIXES = ("/__admin", "/openapi.json")
"""Paths of the mock's own endpoints: never Sentry's, never journaled."""
OWN_PATHS = frozenset({"/", "/favicon.ico"})
"""The mock's own pages outside them: the landing page and its icon (``mockserver.inspector``),
which a browser asks for whatever the page."""

STAGES: Sequence[tuple[str, Stage]] = (
    # The journal entry of every request, whatever answers it (the clock starts here).
    ("record", recording.record),
    # Sentry's CORS headers on every answer but nginx's.
    ("cors", cors),
    # A browser's preflight, before anything that could refuse, delay or fail it: the request
    # it announces gets those (http/cors.py).
    ("preflight", preflight),
    # The client's contract; strict mode refuses here, before anything changes.
    ("contract", contract.check),
    # nginx's errors and broken connections; Prefer and ?__code= decide here.
    ("faults in front of Sentry", faults.in_front),
    # Sentry's rate-limit middleware: counted before anything of Sentry's runs.
    ("rate limit", faults.rate_limit),
    # Latency and Sentry's own errors (after the count: a slow request holds its slot).
    ("faults inside Sentry", faults.inside),
    # From here on, what is raised is answered as Sentry answers it.
    ("errors", guards.answer_errors),
    # One-off answers a test set (MockServer.respond), in place of Sentry's. Here because the
    # journal (record) keeps the request and this answer, the client's violations are still
    # found (contract; strict mode still refuses), a fault or rate limit set for the same
    # route comes first ("two 503s, then this body"), and a broken stub is Sentry's 500
    # (errors); before Sentry's own stages, because the stub is what Sentry answers, whatever
    # the credentials or the project.
    ("stubs", stubs.stubbed),
    ("catch-all 404", guards.catch_all),
    ("options", guards.options),
    ("authentication", guards.authenticate),
    ("scopes", guards.scopes),
    ("method", guards.method),
    ("lookup", guards.lookup),
)
"""The stages, outermost first: Sentry's order (its middleware, then its endpoint's dispatch),
with the mock's own (journal, contract, faults) where they belong."""


class Pipeline:
    """The stages of one app, chained, as a WSGI application for Sentry's API.

    :param state: the app's state (every exchange gets it).
    :param stages: the stages, outermost first (default :data:`STAGES`).
    :param handlers: the views by route name and method (default
        :data:`~mockserver.http.views.HANDLERS`); a copy, so that a test may replace one view of
        one app.
    """

    def __init__(
        self,
        state: MockState,
        stages: Iterable[tuple[str, Stage]] = STAGES,
        handlers: Mapping[str, Mapping[str, View]] = HANDLERS,
    ) -> None:
        self.state = state
        self.handlers = {name: dict(views) for name, views in handlers.items()}
        self._stages = tuple(stages)
        self._first = self._chain()

    @property
    def stages(self) -> tuple[tuple[str, Stage], ...]:
        """The stages, outermost first."""
        return self._stages

    def insert(self, after: str, name: str, stage: Stage) -> None:
        """Add ``stage`` right inside the stage named ``after`` (tests use it to break things)."""
        names = [n for n, _ in self._stages]
        at = names.index(after) + 1
        self._stages = (*self._stages[:at], (name, stage), *self._stages[at:])
        self._first = self._chain()

    def handle(self, ex: Exchange) -> Response:
        """Answer one exchange."""
        return self._first(ex)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        response = self._first(Exchange(environ, self.state))
        if CLOSE in environ and "waitress.client_disconnected" not in environ:
            # Part of the body is unread (too slow, cut short, too large to drain): the rest
            # would be taken for the next request. waitress reads every body whole before the
            # app, and refuses hop-by-hop headers from it.
            response.headers["Connection"] = "close"
        return send(response, environ, start_response)

    def _view(self, ex: Exchange) -> Response:
        assert ex.match is not None  # noqa: S101 - the catch-all stage answered unmatched paths
        return self.handlers[ex.match.route.name][ex.method](ex)

    def _chain(self) -> Next:
        call: Next = self._view
        for _name, stage in reversed(self._stages):
            call = _bind(stage, call)
        return call


def _bind(stage: Stage, inner: Next) -> Next:
    def call(ex: Exchange) -> Response:
        return stage(ex, inner)

    return call


class Dispatch:
    """The mock's own endpoints to Flask, everything else to Sentry's API.

    :param own: the Flask app's WSGI callable (admin API, OpenAPI document).
    :param api: the Sentry API (the pipeline, inside the connection faults' layer).
    """

    def __init__(self, own: WSGIApplication, api: WSGIApplication) -> None:
        self.own = own
        self.api = api

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(OWN_PREFIXES) or path in OWN_PATHS:
            return self.own(environ, start_response)
        return self.api(environ, start_response)
