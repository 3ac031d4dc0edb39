"""Service-hook delivery as Sentry does it (``src/sentry/sentry_apps/tasks/service_hooks.py``):
one signed POST per matching hook per event, off the request thread, within a deadline, with
retries when no answer came; every attempt is recorded and can be waited for.

Where a delivery may go is :mod:`mockserver.webhooks.destinations`' job (never to a cloud
metadata service, a link-local address, or the mock's own server); the exchange itself, bounded
by the deadline and stopped at once on shutdown, is :mod:`mockserver.webhooks.wire`'s.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockserver.errors import ConfigError
from mockserver.signing import sign
from mockserver.timefmt import Clock
from mockserver.timefmt import from_epoch
from mockserver.webhooks import events
from mockserver.webhooks import wire
from mockserver.webhooks.destinations import Destinations
from mockserver.webhooks.destinations import Refused
from mockserver.webhooks.http1 import BrokenAnswer
from mockserver.world.model import HOOK_EVENTS
from mockserver.world.model import Hook
from mockserver.world.store import ProjectView
from mockserver.world.store import Store

USER_AGENT = "sentry/mockserver (https://sentry.io)"
log = logging.getLogger("mockserver")


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """How deliveries behave.

    :ivar timeout: the deadline of one attempt, in seconds (Sentry: 5): resolving the host,
        connecting, TLS, sending and reading the whole answer must all end within it.
    :ivar retries: further attempts after one that got no complete answer: a connection error,
        the deadline, a broken answer (Sentry: 3). A refused delivery is not retried.
    :ivar backoff: seconds to wait before retry *n* (1-based); Sentry waits 300 s, the mock
        defaults to 1, 2, 4 s so a developer sees the retries; tests pass 0.
    :ivar max_answer_bytes: bytes of the answer's body read at most; the rest is left unread and
        the connection closed (the status counts, as in Sentry, which ignores the body).
    """

    timeout: float = 5.0
    retries: int = 3
    backoff: Callable[[int], float] = field(default=lambda n: float(2 ** (n - 1)))
    max_answer_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        """:raises ConfigError: naming the setting and what it must be."""
        if not (isinstance(self.timeout, int | float) and 0 < self.timeout < math.inf):
            raise ConfigError(
                f"delivery timeout must be a positive number of seconds, got {self.timeout!r}"
            )
        if not isinstance(self.retries, int) or self.retries < 0:
            raise ConfigError(f"delivery retries must be 0 or more, got {self.retries!r}")
        if not isinstance(self.max_answer_bytes, int) or self.max_answer_bytes < 1:
            raise ConfigError(
                f"delivery max_answer_bytes must be at least 1, got {self.max_answer_bytes!r}"
            )


@dataclass(frozen=True, slots=True)
class Delivery:
    """One attempt to deliver one event to one hook.

    :ivar status: the receiver's HTTP status, or ``None`` when no answer's head arrived.
    :ivar error: what went wrong, else ``None``: ``refused: ...`` (never sent, not retried: a
        metadata service, a link-local address, the mock itself), a connection error,
        ``deadline exceeded after 5 s ...`` (with the status if the head had arrived), a broken
        answer, or ``cancelled: ...`` when the mock stopped during the attempt.
    :ivar received: bytes of the answer's body read (at most ``max_answer_bytes``).
    """

    id: int
    event_id: str
    event_type: str
    project: str
    hook_id: str
    url: str
    attempt: int
    time: float
    headers: Mapping[str, str]
    body: bytes
    status: int | None
    error: str | None
    duration_ms: float
    received: int = 0

    @property
    def ok(self) -> bool:
        """The receiver answered in full, or enough (any status: Sentry ignores it)."""
        return self.status is not None and self.error is None

    def to_json(self) -> dict[str, Any]:
        """The attempt as JSON for the admin API."""
        return {
            "id": self.id,
            "eventId": self.event_id,
            "eventType": self.event_type,
            "project": self.project,
            "hookId": self.hook_id,
            "url": self.url,
            "attempt": self.attempt,
            "time": self.time,
            "headers": dict(self.headers),
            "body": self.body.decode("utf-8"),
            "status": self.status,
            "error": self.error,
            "receivedBytes": self.received,
            "durationMs": round(self.duration_ms, 3),
        }


@dataclass(frozen=True, slots=True)
class Triggered:
    """What a trigger did: the event and the hooks it was sent to."""

    event_id: str
    event_type: str
    hook_ids: tuple[str, ...]
    payload: Mapping[str, Any]


class Deliverer:
    """Sends deliveries from a small thread pool and records every attempt.

    :param store: where hooks live.
    :param clock: the time source for timestamps and payload dates.
    :ivar destinations: where deliveries may not go; whoever serves the app tells it the
        addresses the mock listens on (:meth:`Destinations.add_own`).
    """

    def __init__(
        self, store: Store, clock: Clock, settings: DeliverySettings | None = None
    ) -> None:
        self._store = store
        self._clock = clock
        self.settings = settings or DeliverySettings()
        self._cond = threading.Condition()
        self._log: list[Delivery] = []
        self._fired: dict[str, list[float]] = {}
        self._event_numbers: dict[str, int] = {}
        self.destinations = Destinations()
        # Made on the first delivery, and again after close(): an app that never delivers
        # starts no thread, and a server stopped and started again delivers again.
        self._pool: ThreadPoolExecutor | None = None
        self._cancel = wire.Cancel()
        self._pending = 0
        self._in_flight: dict[str, int] = {}  # signatures of the attempts being sent

    # --- triggering ---------------------------------------------------------------------------

    def trigger(
        self,
        view: ProjectView,
        event_type: str = "event.created",
        overrides: Mapping[str, Any] | None = None,
    ) -> Triggered:
        """Process one event for the project and deliver it to every matching hook.

        ``event.created`` reaches hooks subscribed to it; ``event.alert`` means an alert rule
        fired for the new event, so hooks subscribed to either get it, once each. Nothing is
        sent when the project lacks the ``servicehooks`` feature. Hook status is not checked:
        Sentry delivers to disabled hooks too.

        :raises ValueError: for an unknown event type.
        """
        if event_type not in HOOK_EVENTS:
            raise ValueError(f"unknown event type {event_type!r}; one of {', '.join(HOOK_EVENTS)}")
        project = view.project
        key = f"{view.organization.slug}/{project.slug}"
        with self._cond:
            number = self._event_numbers.get(project.id, 0) + 1
            self._event_numbers[project.id] = number
        now = self._clock()
        payload = events.build_payload(
            view,
            seed=self._store.world.seed,
            number=number,
            now=from_epoch(now),
            overrides=overrides or {},
        )
        event_id = str(payload["event"]["id"])
        allowed = {"event.created"} | ({"event.alert"} if event_type == "event.alert" else set())
        hooks: list[Hook] = []
        if project.has_servicehooks:
            hooks = [h for h in self._store.hooks(project.id) if allowed & set(h.events)]
        # Sentry's json.dumps: compact, ASCII-escaped; the same bytes are signed and sent.
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii")
        for hook in hooks:
            with self._cond:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(
                        max_workers=4, thread_name_prefix="mockserver-delivery"
                    )
                self._pending += 1
                future = self._pool.submit(
                    self._deliver, hook, key, event_id, event_type, body, self._cancel
                )
                # Also when close() cancels it before it started.
                future.add_done_callback(self._finished)
        return Triggered(event_id, event_type, tuple(h.id for h in hooks), payload)

    # --- sending ------------------------------------------------------------------------------

    def _finished(self, _future: Future[None]) -> None:
        with self._cond:
            self._pending -= 1
            self._cond.notify_all()

    def _deliver(
        self,
        hook: Hook,
        project: str,
        event_id: str,
        event_type: str,
        body: bytes,
        cancel: wire.Cancel,
    ) -> None:
        for attempt in range(1, self.settings.retries + 2):
            if attempt > 1 and cancel.wait(self.settings.backoff(attempt - 1)):
                return
            if not self._attempt(hook, project, event_id, event_type, body, attempt, cancel):
                return

    def _attempt(
        self,
        hook: Hook,
        project: str,
        event_id: str,
        event_type: str,
        body: bytes,
        attempt: int,
        cancel: wire.Cancel,
    ) -> bool:
        """Send once and record it; whether to try again."""
        now = self._clock()
        signature = sign(hook.secret, body)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-ServiceHook-Timestamp": str(int(now)),
            "X-ServiceHook-GUID": hook.id,
            "X-ServiceHook-Signature": signature,
        }
        with self._cond:
            # servicehook_fired counts every attempt, before it is sent (§2.1).
            self._fired.setdefault(hook.id, []).append(now)
            self._in_flight[signature] = self._in_flight.get(signature, 0) + 1
        started = time.perf_counter()
        deadline = time.monotonic() + self.settings.timeout
        status: int | None = None
        error: str | None = None
        received = 0
        again = True
        try:
            answer = wire.post(
                hook.url,
                body,
                headers,
                destinations=self.destinations,
                deadline=deadline,
                limit=self.settings.max_answer_bytes,
                cancel=cancel,
            )
            status, received, again = answer.status, answer.received, False
        except Refused as exc:
            error, again = str(exc), False
        except wire.Cancelled as exc:
            status, received, again = exc.status, exc.received, False
            error = f"cancelled: the mock server stopped while {exc.progress()}"
        except wire.DeadlineExceeded as exc:
            status, received = exc.status, exc.received
            error = f"deadline exceeded after {self.settings.timeout:g} s {exc.progress()}"
        except BrokenAnswer as exc:
            status, received, error = exc.status, exc.received, str(exc)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a bug of the mock's: recorded and logged, never retried
            log.exception("delivery %s of hook %s failed unexpectedly", attempt, hook.id)
            error, again = f"unexpected error in the mock: {type(exc).__name__}: {exc}", False
        finally:
            with self._cond:
                left = self._in_flight.pop(signature) - 1
                if left:
                    self._in_flight[signature] = left
        duration = (time.perf_counter() - started) * 1000
        with self._cond:
            self._log.append(
                Delivery(
                    id=len(self._log) + 1,
                    event_id=event_id,
                    event_type=event_type,
                    project=project,
                    hook_id=hook.id,
                    url=hook.url,
                    attempt=attempt,
                    time=now,
                    headers=headers,
                    body=body,
                    status=status,
                    error=error,
                    duration_ms=duration,
                    received=received,
                )
            )
            self._cond.notify_all()
        return again

    def is_own_delivery(self, signature: str | None) -> bool:
        """Whether a request carrying this ``X-ServiceHook-Signature`` is one of this mock's
        deliveries being sent (the admin API refuses them, however they came back)."""
        with self._cond:
            return signature is not None and signature in self._in_flight

    # --- querying -----------------------------------------------------------------------------

    def deliveries(
        self,
        *,
        hook_id: str | None = None,
        event_id: str | None = None,
        project: str | None = None,
    ) -> list[Delivery]:
        """Every attempt so far, oldest first, optionally filtered."""
        with self._cond:
            found = list(self._log)
        return [
            d
            for d in found
            if (hook_id is None or d.hook_id == hook_id)
            and (event_id is None or d.event_id == event_id)
            and (project is None or d.project == project)
        ]

    def wait_for(
        self,
        predicate: Callable[[Delivery], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[Delivery]:
        """Wait until ``count`` attempts match ``predicate``; return them.

        :raises TimeoutError: naming what arrived instead.
        """
        match = predicate or (lambda _d: True)
        with self._cond:
            done = self._cond.wait_for(
                lambda: sum(1 for d in self._log if match(d)) >= count, timeout
            )
            found = [d for d in self._log if match(d)]
            seen = len(self._log)
        if not done:
            raise TimeoutError(
                f"{len(found)} of {count} matching deliveries after {timeout:g} s "
                f"({seen} deliveries recorded in all)"
            )
        return found[:count] if count else found

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no delivery is pending (sent, failed or given up)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    def fired(self, hook_id: str, start: int, end: int) -> int:
        """Attempts for a hook in ``[start, end)`` epoch seconds (hook stats)."""
        with self._cond:
            return sum(1 for t in self._fired.get(hook_id, ()) if start <= t < end)

    def reset(self) -> None:
        """Forget every delivery and event number (pending ones still finish)."""
        with self._cond:
            self._log.clear()
            self._fired.clear()
            self._event_numbers.clear()

    def close(self) -> None:
        """Stop every delivery now: attempts in progress end as ``cancelled``, retries are
        dropped, and the threads are gone when this returns (within a fraction of a second,
        whatever the receivers do). A later trigger starts afresh."""
        with self._cond:
            pool, cancel = self._pool, self._cancel
            self._pool, self._cancel = None, wire.Cancel()
        cancel.set()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
