"""``MockServer``: the app on a real socket in a background thread, for tests and scripts, with
the request journal to query and assert on.

The socket is bound before :meth:`MockServer.start` returns, so a client can connect at once:
no sleeps, no polling. :meth:`MockServer.wait_for_request` blocks on the journal's condition
variable, so waiting for a request a background job makes needs no sleep either.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from mockserver.app import create_app
from mockserver.config import MAX_PORT
from mockserver.config import MIN_PORT
from mockserver.config import Config
from mockserver.contract.nearmiss import NearMiss
from mockserver.contract.nearmiss import nearest
from mockserver.errors import ConfigError
from mockserver.errors import MockServerError
from mockserver.journal import explain as verify
from mockserver.journal.journal import Entry
from mockserver.journal.journal import Journal
from mockserver.journal.journal import Violation
from mockserver.journal.query import UNSET
from mockserver.journal.query import JournalFilter
from mockserver.journal.query import QueryCondition
from mockserver.journal.query import parse_since
from mockserver.pertest import Applied
from mockserver.pertest import PerTest
from mockserver.state import EXTENSION
from mockserver.state import MockState
from mockserver.state import state_of
from mockserver.webhooks.delivery import Delivery
from mockserver.webhooks.delivery import Triggered
from mockserver.world.model import World
from mockserver.world.store import ProjectView

ScenarioSource = Path | str | Mapping[str, Any]
"""A scenario file (a path, or a string path) or an inline scenario mapping."""


class ServerStartError(MockServerError):
    """The server could not bind or start."""


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without its access log: the journal records every request, and a
    line on stderr per request slows a busy test down."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing for a request that was answered."""


class MockServer(PerTest):
    """A mock server on ``127.0.0.1`` and an ephemeral port, served from a daemon thread, with
    per-test faults and answers (:meth:`fault`, :meth:`respond`: :mod:`mockserver.pertest`).

    :param config: settings, a mapping of settings, or an app already built.
    :param host: the address to bind; tests keep the default.
    :param port: 0 picks a free port.
    :raises ConfigError: for a port out of 0..65535, or invalid settings.
    """

    def __init__(
        self,
        config: Config | Mapping[str, Any] | Flask | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not MIN_PORT <= port <= MAX_PORT:
            # Not left to the resolver, which takes it modulo 65,536 (70000 binds 4464).
            raise ConfigError(f"port must be from {MIN_PORT} to {MAX_PORT}, got {port}")
        self.app = config if isinstance(config, Flask) else create_app(config)
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._bound: tuple[object, ...] = ()
        self._applied = Applied()
        # The world of the server's own scenario: prepare() reloads that scenario only when
        # another world is served (loaded here or through the admin API), since loading the
        # default scenario takes tens of milliseconds.
        self._own_world = self.state.store.world

    @property
    def state(self) -> MockState:
        """The app's state: store, schemas, settings."""
        state: MockState = self.app.extensions[EXTENSION]
        return state

    @property
    def journal(self) -> Journal:
        """The app's request journal."""
        return state_of(self.app).journal

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> MockServer:
        """Bind and start serving; returns once the socket accepts connections.

        :raises ServerStartError: if the address cannot be bound.
        """
        if self._server is not None:
            return self
        try:
            server = make_server(
                self._host, self._port, self.app, threaded=True, request_handler=self._handler()
            )
        except OSError as exc:
            raise ServerStartError(f"cannot bind {self._host}:{self._port}: {exc}") from exc
        except SystemExit as exc:
            # werkzeug prints the reason and exits when it cannot bind.
            raise ServerStartError(f"cannot bind {self._host}:{self._port}") from exc
        self._server = server
        # Deliveries must never reach this server (its admin API): the deliverer refuses it.
        self._bound = server.socket.getsockname()
        self.state.deliverer.destinations.add_own(self._bound)
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"mockserver-{server.server_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def _handler(self) -> type[WSGIRequestHandler]:
        """The request handler, with the read timeout on every connection's socket: a client
        that sends nothing for that long mid-request (head or body) loses its connection, and
        its thread is free (werkzeug serves each connection from its own thread)."""
        return type("_TimedHandler", (_QuietHandler,), {"timeout": self.state.config.read_timeout})

    def stop(self) -> None:
        """Stop serving, close the socket, and stop the deliveries in progress (within a
        fraction of a second, whatever their receivers do; see
        :meth:`~mockserver.webhooks.delivery.Deliverer.close`)."""
        if self._server is None:
            return
        self._server.shutdown()  # werkzeug's loop closes the socket as it ends
        self.state.deliverer.destinations.remove_own(self._bound)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self.state.deliverer.close()
        self._server = None
        self._thread = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port."""
        if self._server is None:
            raise ServerStartError("the server is not running: call start() first")
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self._host}:{self.port}"

    def url_for(self, path: str) -> str:
        """An absolute URL for a path on the server."""
        return self.url + (path if path.startswith("/") else "/" + path)

    # --- state -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the loaded scenario: drop every change clients made, every delivery and
        every fault and answer set with :meth:`fault` and :meth:`respond`, and clear the
        journal."""
        self.undo_all()
        self.state.reset()
        self.journal.clear()

    def load_scenario(self, scenario: ScenarioSource, seed: int | None = None) -> World:
        """Replace the scenario (a file or an inline mapping); the old one stays on error.

        The journal is kept; :meth:`reset` or :meth:`prepare` clear it.

        :param scenario: a path (``str`` or :class:`~pathlib.Path`) or an inline mapping.
        :param seed: overrides the scenario's seed.
        :raises ScenarioError: if the new scenario is invalid.
        """
        source = Path(scenario) if isinstance(scenario, str) else scenario
        return self.state.load(source, seed)

    def prepare(self, scenario: ScenarioSource | None = None, *, seed: int | None = None) -> World:
        """Get ready for a test: serve ``scenario`` (default: the server's own) with no client
        changes, no fault or answer a test set, an empty journal and no pending server errors.

        :param scenario: a file or inline mapping; ``None`` for the scenario of the config.
        :param seed: overrides the scenario's seed.
        :returns: the world now served.
        :raises ScenarioError: if ``scenario`` is invalid.
        """
        self.undo_all()
        if scenario is not None or seed is not None:
            self.load_scenario(scenario or self.state.config.scenario_source, seed)
        elif self.state.store.world is not self._own_world:
            self._own_world = self.state.load(self.state.config.scenario_source)
        self.state.reset()
        self.journal.clear()
        self.state.take_errors()
        return self.state.store.world

    def check(self) -> None:
        """Raise the first unexpected exception the server hit since the last check.

        :raises MockServerError: wrapping the server-side exception, with its errorId.
        """
        errors = self.state.take_errors()
        if errors:
            first = errors[0]
            message = (
                f"{len(errors)} unexpected server error(s); first: {first.method} {first.path} "
                f"(errorId {first.error_id}): {first.exception!r}"
            )
            raise MockServerError(self.state.redactor.text(message)) from first.exception

    # --- the journal -------------------------------------------------------------------------

    def requests(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        status: int | str | None = None,
        since: float | datetime | str | None = None,
        unmatched: bool | None = None,
        violations: bool | None = None,
        query: Mapping[str, QueryCondition] | None = None,
        json: Any = UNSET,
    ) -> list[Entry]:
        """The recorded requests that match every condition given, oldest first.

        :param method: e.g. ``"GET"`` (any case).
        :param path: a path, a route template (``/api/0/projects/{org}/{project}/``), a route
            name (``project-details``) or a full URL.
        :param status: a status (``404``) or a class (``"4xx"``).
        :param since: recorded at or after this time (epoch seconds, datetime or ISO 8601).
        :param unmatched: requests no route served (``True``) or the others (``False``).
        :param violations: requests with (``True``) or without (``False``) contract errors.
        :param query: parameters the request carries: ``{"per_page": "2"}``,
            ``{"stat": ["received"]}`` (all values), ``{"cursor": None}`` (absent).
        :param json: the request body, parsed, equals this.
        :raises FilterError: on a condition of the wrong kind.
        """
        where = JournalFilter(
            method=method,
            path=path,
            status=status,
            since=None if since is None else parse_since(since),
            unmatched=unmatched,
            violations=violations,
            query=query,
            json=json,
        )
        return list(self.journal.entries(where))

    def unmatched(self) -> list[Entry]:
        """The requests no route served: an unknown path, or a method the route does not serve."""
        return self.requests(unmatched=True)

    def near_misses(self) -> list[tuple[Entry, NearMiss]]:
        """For each unmatched request, the routes it was probably meant for, nearest first."""
        return [
            (entry, near)
            for entry in self.unmatched()
            for near in nearest(entry.method, entry.path)
        ]

    def violations(
        self, *, warnings: bool = False, allow: tuple[str, ...] = ()
    ) -> list[tuple[Entry, Violation]]:
        """Every contract violation recorded, with its request.

        :param warnings: include warnings (such as the unstable-endpoint notice).
        :param allow: violation codes to leave out, e.g. ``("invalid-credentials",)``.
        """
        return verify.violation_pairs(self.journal.entries(), warnings=warnings, allow=allow)

    def assert_requested(
        self,
        method: str,
        path_or_route: str,
        *,
        count: int | None = None,
        query: Mapping[str, QueryCondition] | None = None,
        json: Any = UNSET,
    ) -> list[Entry]:
        """Assert that the client sent such a request (``count`` times, or at least once).

        :param method: the HTTP method.
        :param path_or_route: a path, a route template, a route name or a full URL.
        :param count: the exact number expected (``0`` asserts it was never sent).
        :param query: parameters the request must carry (see :meth:`requests`).
        :param json: the request body, parsed, must equal this.
        :returns: the matching requests.
        :raises AssertionError: listing the closest recorded requests and how they differ.
        """
        __tracebackhide__ = True  # pytest: show the failure at the caller
        where = JournalFilter(method=method, path=path_or_route, query=query, json=json)
        entries = self.journal.entries()
        matching = [e for e in entries if where.matches(e)]
        ok = len(matching) == count if count is not None else bool(matching)
        if not ok:
            raise AssertionError(
                verify.expectation_failure(
                    where, count, len(matching), entries, self.state.redactor
                )
            )
        return matching

    def assert_no_violations(self, *, warnings: bool = False, allow: tuple[str, ...] = ()) -> None:
        """Assert that every request honoured Sentry's contract.

        :param warnings: also fail on warnings (such as the unstable-endpoint notice).
        :param allow: violation codes a test makes on purpose, e.g. ``("missing-credentials",)``.
        :raises AssertionError: listing each violation under its request.
        """
        __tracebackhide__ = True  # pytest: show the failure at the caller
        found = self.violations(warnings=warnings, allow=allow)
        if found:
            raise AssertionError(verify.violations_failure(found, self.state.redactor))

    def wait_for_request(
        self,
        method: str | None = None,
        path_or_route: str | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,
        status: int | str | None = None,
        query: Mapping[str, QueryCondition] | None = None,
        json: Any = UNSET,
    ) -> list[Entry]:
        """Block until the journal holds ``count`` such requests (those already recorded count).

        For code that calls Sentry from a background thread or process. No polling: each
        recorded request wakes the waiter.

        :returns: the matching requests.
        :raises AssertionError: after ``timeout`` seconds, listing the closest requests.
        """
        __tracebackhide__ = True  # pytest: show the failure at the caller
        where = JournalFilter(
            method=method, path=path_or_route, status=status, query=query, json=json
        )
        found = self.journal.wait_for(where, count=count, timeout=timeout)
        if found is None:
            entries = self.journal.entries()
            matching = sum(1 for e in entries if where.matches(e))
            raise AssertionError(
                verify.timeout_failure(
                    where, count, matching, timeout, entries, self.state.redactor
                )
            )
        return list(found)

    def journal_text(self, *, limit: int = verify.REPORT_ENTRIES) -> str:
        """The journal as text, credentials redacted (what the pytest plugin reports)."""
        return verify.journal_text(
            self.journal.entries(),
            evicted=self.journal.stats().evicted,
            limit=limit,
            redactor=self.state.redactor,
        )

    # --- webhooks ------------------------------------------------------------------------------

    def trigger_event(
        self, project: str, type: str = "event.created", **overrides: Any
    ) -> Triggered:
        """Process an event for ``project`` (``"org/project"``, slugs or ids) and deliver it,
        signed, to every matching hook, off this thread.

        :param type: ``event.created``, or ``event.alert`` (an alert rule fired as well).
        :param overrides: keys to replace in the event (``level``, ``message``, ``tags``, …);
            ``group={...}`` replaces keys of the issue.
        :raises ValueError: for an unknown project or event type.
        """
        org, _, slug = project.partition("/")
        found = self.state.store.resolve(org, slug)
        if not isinstance(found, ProjectView):
            raise ValueError(f"no live project {project!r}; write org/project")
        return self.state.deliverer.trigger(found, type, overrides)

    def deliveries(
        self,
        *,
        hook_id: str | None = None,
        event_id: str | None = None,
        project: str | None = None,
    ) -> list[Delivery]:
        """Every delivery attempt so far, oldest first, optionally filtered."""
        return self.state.deliverer.deliveries(hook_id=hook_id, event_id=event_id, project=project)

    def wait_for_delivery(
        self,
        *,
        hook_id: str | None = None,
        event_id: str | None = None,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[Delivery]:
        """Wait until ``count`` attempts match; return them.

        :raises TimeoutError: saying how many arrived.
        """

        def matches(delivery: Delivery) -> bool:
            return (hook_id is None or delivery.hook_id == hook_id) and (
                event_id is None or delivery.event_id == event_id
            )

        return self.state.deliverer.wait_for(matches, count=count, timeout=timeout)
