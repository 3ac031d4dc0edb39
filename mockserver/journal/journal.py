"""The request journal: every request the mock answered, bounded, thread-safe and queryable.

This module only keeps entries: :mod:`mockserver.journal.recording` builds them from Flask requests,
:mod:`mockserver.contract.checks` finds their violations, :mod:`mockserver.journal.query` selects
them, :mod:`mockserver.journal.export` turns them into JSON and HAR. It imports no Flask.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Final
from typing import NamedTuple
from typing import Protocol
from urllib.parse import quote
from urllib.parse import urlencode

from mockserver.journal.redaction import PATTERNS

ERROR: Final = "error"
WARNING: Final = "warning"

#: The most bytes of a request body kept in an entry (the rest is counted, not stored).
MAX_REQUEST_BODY = 1024 * 1024
#: The most bytes of a response body kept: responses are reproducible from the scenario, so
#: a long page is cut rather than let 10,000 entries hold gigabytes.
MAX_RESPONSE_BODY = 64 * 1024


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a request broke Sentry's API contract.

    :ivar code: what kind of violation, e.g. ``"unknown-query-parameter"``.
    :ivar message: the precise reason, naming the offending value and what Sentry expects.
    :ivar location: where in the request, e.g. ``("query", "per_page")`` or ``("body", "url")``.
    :ivar severity: ``"error"`` (strict mode fails the request, the pytest plugin fails the
        test) or ``"warning"`` (recorded only).
    """

    code: str
    message: str
    location: tuple[str, ...] = ()
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        """Whether the violation is an error rather than a notice."""
        return self.severity == ERROR

    def to_json(self) -> dict[str, Any]:
        """The violation as JSON (Prism's ``validation[]`` item shape)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "location": list(self.location),
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f" ({'.'.join(self.location)})" if self.location else ""
        return f"{self.code}{where}: {self.message}"


class Entry(NamedTuple):
    """One request and the response the mock gave it (immutable: a named tuple, as
    ``responses``' ``Call`` is, because one is built for every request and a tuple is the
    cheapest immutable record to build).

    :ivar id: unique across servers: the journal's random prefix and ``seq``
        (``"3f9a1c2e-17"``), unless the recorder set one.
    :ivar seq: the order in which the journal recorded it (1 for the first of this app).
    :ivar time: when the request arrived, in epoch seconds on the app's clock.
    :ivar route: the route template, e.g. ``/api/0/projects/{org}/{project}/stats/``, or
        ``None`` when no Sentry route has this path.
    :ivar matched: a route serves this path *and* this method.
    :ivar body_size: the request body's length (``body`` holds at most
        :data:`MAX_REQUEST_BODY` bytes of it).
    :ivar response_size: likewise for the response (:data:`MAX_RESPONSE_BODY`).
    :ivar error: the unexpected exception behind a 500, when there was one.
    :ivar faults: the faults and rate-limit decisions applied to the request (JSON objects, as
        :mod:`mockserver.faults.stage` describes them).
    """

    time: float
    method: str
    scheme: str
    host: str
    path: str
    query_string: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes
    body_size: int
    route_name: str | None
    route: str | None
    params: Mapping[str, str]
    matched: bool
    status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes
    response_size: int
    duration_ms: float
    violations: tuple[Violation, ...] = ()
    error: str | None = None
    client_ip: str | None = None
    http_version: str = "HTTP/1.1"
    root_path: str = ""
    faults: tuple[Mapping[str, Any], ...] = ()
    id: str = ""
    seq: int = 0

    def __repr__(self) -> str:
        # What pytest prints of an entry in a failed assertion, in CI logs: no headers or
        # bodies, and the path and query redacted as every journal output is.
        query = urlencode(PATTERNS.query(self.query), safe="[]:")
        target = PATTERNS.text(self.path) + (f"?{query}" if query else "")
        return f"Entry(#{self.seq} {self.method} {target} → {self.status})"

    @property
    def target(self) -> str:
        """The path and query string, as sent: ``/api/0/…/users/?per_page=2``."""
        return self.path + (f"?{self.query_string}" if self.query_string else "")

    @property
    def url(self) -> str:
        """The full URL the client called."""
        path = quote(self.root_path + self.path, safe="/:@!$&'()*+,;=-._~%")
        query = f"?{self.query_string}" if self.query_string else ""
        return f"{self.scheme}://{self.host}{path}{query}"

    @property
    def errors(self) -> tuple[Violation, ...]:
        """The violations of severity ``error``."""
        return tuple(v for v in self.violations if v.is_error)

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive), or ``None``."""
        return _header(self.headers, name)

    def response_header(self, name: str) -> str | None:
        """A response header (case-insensitive), or ``None``."""
        return _header(self.response_headers, name)

    def query_values(self, name: str) -> list[str]:
        """Every value of a query parameter, in request order."""
        return [value for key, value in self.query if key == name]

    @property
    def json(self) -> Any:
        """The request body parsed as JSON, or ``None`` when it is empty or not JSON."""
        return _parse_json(self.body)

    @property
    def response_json(self) -> Any:
        """The response body parsed as JSON, or ``None``."""
        return _parse_json(self.response_body)

    def summary(self) -> str:
        """One line: ``#3 GET /api/0/…/?x=1 → 200`` (``→ no response`` for status 0)."""
        return f"#{self.seq} {self.method} {self.target} → {self.status or 'no response'}"


def _copy_of(held: Any, prefix: str) -> Entry:
    """A journal slot as an :class:`Entry`: itself, or the copy :meth:`Journal.record_again`
    stored as ``(entry, time, duration_ms, client_ip, seq)``."""
    if type(held) is Entry:
        return held
    entry, time, duration_ms, client_ip, seq = held
    return tuple.__new__(
        Entry,
        (
            time,
            *entry[1:_DURATION],
            duration_ms,
            *entry[_DURATION + 1 : _CLIENT_IP],
            client_ip,
            *entry[_CLIENT_IP + 1 : _ID],
            f"{prefix}-{seq}",
            seq,
        ),
    )


_DURATION = Entry._fields.index("duration_ms")
_CLIENT_IP = Entry._fields.index("client_ip")
_ID = Entry._fields.index("id")


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    values = [value for key, value in headers if key.lower() == wanted]
    return ", ".join(values) if values else None


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: JSON nested ~1,000 deep
        return None


class Matcher(Protocol):
    """Selects entries (:class:`mockserver.journal.query.JournalFilter` is the one to use)."""

    def matches(self, entry: Entry) -> bool:
        """Whether the entry is selected."""


@dataclass(frozen=True, slots=True)
class JournalStats:
    """How full the journal is.

    :ivar size: entries held now.
    :ivar capacity: the most it holds; older entries are evicted first.
    :ivar evicted: entries dropped for room since the last clear.
    :ivar recorded: entries recorded since the last clear (``size + evicted`` unless some were
        removed by a filter).
    :ivar enabled: whether requests are being recorded.
    """

    size: int
    capacity: int
    evicted: int
    recorded: int
    enabled: bool

    def to_json(self) -> dict[str, Any]:
        """The numbers as JSON."""
        return {
            "size": self.size,
            "capacity": self.capacity,
            "evicted": self.evicted,
            "recorded": self.recorded,
            "enabled": self.enabled,
        }


@dataclass
class Journal:
    """A bounded, thread-safe log of entries, oldest first.

    Appending is O(1); when full, the oldest entry is evicted and counted. Readers get
    snapshots (tuples of frozen entries), never the live deque, so they can iterate while
    request threads keep appending.

    :param capacity: the most entries held (``Config.journal_size``).
    :param enabled: record requests; off, :meth:`record` drops them (for benchmarks).
    """

    capacity: int = 10_000
    enabled: bool = True
    # Entries, and the copies record_again() keeps as (entry, time, duration, client_ip, seq):
    # either way the last item is the seq.
    _entries: deque[Entry | tuple[Entry, float, float, str | None, int]] = field(
        init=False, repr=False
    )
    _lock: threading.Lock = field(init=False, repr=False)
    _changed: threading.Condition = field(init=False, repr=False)
    _next_seq: int = field(init=False, default=1, repr=False)
    _evicted: int = field(init=False, default=0, repr=False)
    _recorded: int = field(init=False, default=0, repr=False)
    _generation: int = field(init=False, default=0, repr=False)
    _prefix: str = field(init=False, default_factory=lambda: os.urandom(4).hex(), repr=False)
    _waiters: int = field(init=False, default=0, repr=False)

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError(f"a journal holds at least one entry, got capacity {self.capacity}")
        self._entries = deque(maxlen=self.capacity)
        self._lock = threading.Lock()
        # The waiters' condition, on the same lock: appends take the lock itself (cheaper than
        # the condition's Python-level context manager) and notify only when someone waits.
        self._changed = threading.Condition(self._lock)

    def record(self, entry: Entry) -> Entry:
        """Append an entry, giving it the next sequence number; evict the oldest when full.

        :returns: the entry as stored (with its ``seq``).
        """
        if not self.enabled:
            return entry
        with self._lock:
            # Numbered under the lock, so that journal order and ``seq`` order are the same.
            seq = self._next_seq
            self._next_seq += 1
            # id and seq are the last two fields.
            entry = Entry._make((*entry[:-2], entry.id or f"{self._prefix}-{seq}", seq))
            self._append(entry)
        return entry

    def record_again(
        self, entry: Entry, time: float, duration_ms: float, client_ip: str | None
    ) -> None:
        """Append a new entry for a request identical to ``entry``'s, answered identically
        (:mod:`mockserver.cache.responses`): a copy with its own time, duration, client address, id
        and sequence number.

        On the replayed requests' hot path, so only what differs is stored (a plain tuple with
        ``entry``); the copy is built when the journal is read (:meth:`entries`)."""
        if not self.enabled:
            return
        with self._lock:
            seq = self._next_seq
            self._next_seq += 1
            self._append((entry, time, duration_ms, client_ip, seq))

    def _append(self, entry: Entry | tuple[Entry, float, float, str | None, int]) -> None:
        """Append under the lock (the caller holds it): evict, count, wake the waiters."""
        if len(self._entries) == self.capacity:
            self._evicted += 1
        self._entries.append(entry)
        self._recorded += 1
        if self._waiters:
            self._changed.notify_all()

    def entries(self, where: Matcher | None = None) -> tuple[Entry, ...]:
        """The entries (oldest first) that match ``where``, or all of them."""
        with self._changed:
            held = tuple(self._entries)
        snapshot = tuple(_copy_of(e, self._prefix) for e in held)
        if where is None:
            return snapshot
        return tuple(e for e in snapshot if where.matches(e))

    def count(self, where: Matcher | None = None) -> int:
        """How many entries match ``where``."""
        return len(self.entries(where))

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id (or this ``seq``, written as digits), if still held."""
        for entry in self.entries():
            if entry.id == entry_id or str(entry.seq) == entry_id:
                return entry
        return None

    def clear(self) -> int:
        """Forget every entry and reset the counters; sequence numbers keep increasing.

        :returns: how many entries were dropped.
        """
        with self._changed:
            dropped = len(self._entries)
            self._entries.clear()
            self._evicted = 0
            self._recorded = 0
            self._generation += 1
            self._changed.notify_all()
        return dropped

    def remove(self, where: Matcher) -> int:
        """Forget the entries that match ``where``.

        :returns: how many were removed.
        """
        with self._changed:
            held = [_copy_of(e, self._prefix) for e in self._entries]
            kept = [e for e in held if not where.matches(e)]
            removed = len(self._entries) - len(kept)
            self._entries = deque(kept, maxlen=self.capacity)
            self._generation += 1
            self._changed.notify_all()
        return removed

    def stats(self) -> JournalStats:
        """Size, capacity and the eviction count."""
        with self._changed:
            return JournalStats(
                size=len(self._entries),
                capacity=self.capacity,
                evicted=self._evicted,
                recorded=self._recorded,
                enabled=self.enabled,
            )

    def wait_for(
        self, where: Matcher | None = None, *, count: int = 1, timeout: float = 5.0
    ) -> tuple[Entry, ...] | None:
        """Block until at least ``count`` entries match ``where``; no polling.

        Entries already recorded count. Each append wakes the waiter, which looks only at the
        entries added since it last looked.

        :returns: the matching entries, or ``None`` if ``timeout`` seconds passed first.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            # Counted, so that record() pays for a notification only when someone waits.
            self._waiters += 1
            try:
                return self._wait(where, count, deadline)
            finally:
                self._waiters -= 1

    def _wait(self, where: Matcher | None, count: int, deadline: float) -> tuple[Entry, ...] | None:
        """The loop of :meth:`wait_for`; the caller holds the lock."""
        found: list[Entry] = []
        seen_seq = 0
        generation = -1
        while True:
            if generation != self._generation:
                # Cleared or filtered since the last look: count again from scratch.
                generation, found, seen_seq = self._generation, [], 0
            fresh = []
            for held in reversed(self._entries):
                if held[-1] <= seen_seq:
                    break
                fresh.append(_copy_of(held, self._prefix))
            fresh.reverse()
            if fresh:
                seen_seq = fresh[-1].seq
                found.extend(e for e in fresh if where is None or where.matches(e))
            if len(found) >= count:
                return tuple(found)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._changed.wait(remaining)
