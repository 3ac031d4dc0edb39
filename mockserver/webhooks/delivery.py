"""Service-hook delivery as Sentry does it (sentry-behavior.md §5.5): one signed POST per
matching hook per event, off the request thread, with a timeout and retries on connection
errors; every attempt is recorded and can be waited for.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import urlsplit

from mockserver.signing import sign
from mockserver.timefmt import Clock
from mockserver.timefmt import from_epoch
from mockserver.webhooks import events
from mockserver.world.model import HOOK_EVENTS
from mockserver.world.model import Hook
from mockserver.world.store import ProjectView
from mockserver.world.store import Store

USER_AGENT = "sentry/mockserver (https://sentry.io)"


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """How deliveries behave.

    :ivar timeout: seconds before an unanswered attempt counts as failed (Sentry: 5).
    :ivar retries: further attempts after a connection error or timeout (Sentry: 3).
    :ivar backoff: seconds to wait before retry *n* (1-based); Sentry waits 300 s, the mock
        defaults to 1, 2, 4 s so a developer sees the retries; tests pass 0.
    """

    timeout: float = 5.0
    retries: int = 3
    backoff: Callable[[int], float] = field(default=lambda n: float(2 ** (n - 1)))


@dataclass(frozen=True, slots=True)
class Delivery:
    """One attempt to deliver one event to one hook.

    :ivar status: the receiver's HTTP status, or ``None`` when it never answered.
    :ivar error: why there was no answer (refused, reset, timed out), else ``None``.
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

    @property
    def ok(self) -> bool:
        """The receiver answered (any status: Sentry ignores it)."""
        return self.status is not None

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
        self._stopping = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mockserver-delivery")
        self._pending = 0

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
                self._pending += 1
            self._pool.submit(self._deliver, hook, key, event_id, event_type, body)
        return Triggered(event_id, event_type, tuple(h.id for h in hooks), payload)

    # --- sending ------------------------------------------------------------------------------

    def _deliver(
        self, hook: Hook, project: str, event_id: str, event_type: str, body: bytes
    ) -> None:
        try:
            for attempt in range(1, self.settings.retries + 2):
                if attempt > 1 and self._stopping.wait(self.settings.backoff(attempt - 1)):
                    return
                delivery = self._attempt(hook, project, event_id, event_type, body, attempt)
                if delivery.ok:
                    return
        finally:
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()

    def _attempt(
        self, hook: Hook, project: str, event_id: str, event_type: str, body: bytes, attempt: int
    ) -> Delivery:
        now = self._clock()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-ServiceHook-Timestamp": str(int(now)),
            "X-ServiceHook-GUID": hook.id,
            "X-ServiceHook-Signature": sign(hook.secret, body),
        }
        with self._cond:
            # servicehook_fired counts every attempt, before it is sent (§2.1).
            self._fired.setdefault(hook.id, []).append(now)
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            status = _post(hook.url, body, headers, self.settings.timeout)
        except TimeoutError:
            error = f"timed out after {self.settings.timeout:g} s"
        except (OSError, http.client.HTTPException, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        duration = (time.perf_counter() - started) * 1000
        with self._cond:
            delivery = Delivery(
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
            )
            self._log.append(delivery)
            self._cond.notify_all()
        return delivery

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
        """Stop retrying and shut the pool down."""
        self._stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


def _post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST without following redirects; the status, whatever it is."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url}")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        # Sentry posts with verify_ssl=False.
        context = ssl._create_unverified_context()  # noqa: S323 - as Sentry does
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=dict(headers))
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
