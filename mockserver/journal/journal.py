"""The request journal: every request the mock answered, bounded in entries and in bytes,
thread-safe and queryable.

This module only keeps entries (:mod:`mockserver.journal.entry` defines them):
:mod:`mockserver.journal.recording` builds them from requests, :mod:`mockserver.contract.checks`
finds their violations, :mod:`mockserver.journal.query` selects them,
:mod:`mockserver.journal.export` turns them into JSON and HAR. It imports no Flask.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any
from typing import Protocol
from typing import TypeAlias

# The entry's module holds what every reader of the journal imports; named here too.
from mockserver.journal.entry import COPY_COST
from mockserver.journal.entry import ERROR
from mockserver.journal.entry import MAX_REQUEST_BODY
from mockserver.journal.entry import MAX_RESPONSE_BODY
from mockserver.journal.entry import WARNING
from mockserver.journal.entry import Entry
from mockserver.journal.entry import Headers
from mockserver.journal.entry import Violation
from mockserver.journal.entry import copy_of
from mockserver.journal.entry import entry_cost
from mockserver.journal.entry import seq_of

if TYPE_CHECKING:
    # Only its type: the raw entry's module reads requests with werkzeug, and this one imports
    # none of it (a raw entry makes its Entry itself, through entry.copy_of).
    from mockserver.journal.raw import RawEntry

__all__ = [
    "DEFAULT_JOURNAL_BYTES",
    "ERROR",
    "MAX_REQUEST_BODY",
    "MAX_RESPONSE_BODY",
    "MIN_JOURNAL_BYTES",
    "WARNING",
    "Entry",
    "Headers",
    "Journal",
    "JournalStats",
    "Matcher",
    "Violation",
]

DEFAULT_JOURNAL_BYTES = 32 * 1024 * 1024
"""The journal's default byte budget (``Config.journal_bytes``): 32 MiB holds the default
10,000 entries of ordinary requests (1-3 KB each, most answers replayed and sharing their
bodies), and at least 250 entries with bodies at both caps (64 KiB each); with the response
cache's 32 MiB it keeps a busy server near 100 MB (see the README's Limits)."""
MIN_JOURNAL_BYTES = 256 * 1024
"""The smallest budget accepted: one entry with both bodies at their caps, and its headers."""


Held: TypeAlias = "Entry | RawEntry | tuple[Entry | RawEntry, float, float, str | None, int]"
"""A journal slot: an entry, a raw entry not read yet, or a replayed answer's copy of either
(:func:`~mockserver.journal.entry.copy_of` makes each an :class:`Entry`)."""

Listener = Callable[[Entry, float, float], None]
"""Called with each entry recorded, its time and its duration in ms (a replayed answer's
entry is the kept one: its own time and duration are the other two)."""


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
    :ivar bytes: what the entries held now count against the byte budget
        (:func:`~mockserver.journal.entry.entry_cost`).
    :ivar byte_budget: the most they may count; older entries are evicted first.
    """

    size: int
    capacity: int
    evicted: int
    recorded: int
    enabled: bool
    bytes: int = 0
    byte_budget: int = DEFAULT_JOURNAL_BYTES

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

    Appending is O(1); when full, in entries or in bytes, the oldest entries are evicted and
    counted (the newest is always kept, whatever it costs). Readers get snapshots (tuples of
    frozen entries), never the live deque, so they can iterate while request threads keep
    appending.

    :param capacity: the most entries held (``Config.journal_size``).
    :param enabled: record requests; off, :meth:`record` drops them (for benchmarks).
    :param byte_budget: the most bytes the entries held may count (``Config.journal_bytes``;
        :func:`~mockserver.journal.entry.entry_cost`).
    :ivar listener: told of every entry recorded, outside the lock (``mockserver serve``'s
        access log); ``None`` costs one test per request.
    """

    capacity: int = 10_000
    enabled: bool = True
    byte_budget: int = DEFAULT_JOURNAL_BYTES
    # Entries, raw entries, and the copies record_again() keeps as (entry, time, duration,
    # client_ip, seq): entry.copy_of reads each, entry.seq_of gives its seq.
    _entries: deque[Held] = field(init=False, repr=False)
    # What each held entry costs, in the same order (entry_cost).
    _costs: deque[int] = field(init=False, repr=False)
    _bytes: int = field(init=False, default=0, repr=False)
    _lock: threading.Lock = field(init=False, repr=False)
    _changed: threading.Condition = field(init=False, repr=False)
    _next_seq: int = field(init=False, default=1, repr=False)
    _evicted: int = field(init=False, default=0, repr=False)
    _recorded: int = field(init=False, default=0, repr=False)
    _generation: int = field(init=False, default=0, repr=False)
    _prefix: str = field(init=False, default_factory=lambda: os.urandom(4).hex(), repr=False)
    _waiters: int = field(init=False, default=0, repr=False)
    listener: Listener | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError(f"a journal holds at least one entry, got capacity {self.capacity}")
        self._entries = deque()
        self._costs = deque()
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
        cost = entry_cost(entry)
        with self._lock:
            # Numbered under the lock, so that journal order and ``seq`` order are the same.
            seq = self._next_seq
            self._next_seq += 1
            # id and seq are the last two fields.
            entry = Entry._make((*entry[:-2], entry.id or f"{self._prefix}-{seq}", seq))
            self._append(entry, cost)
        listener = self.listener
        if listener is not None:
            listener(entry, entry.time, entry.duration_ms)
        return entry

    def record_raw(self, raw: RawEntry) -> RawEntry:
        """Append what the recording stage kept of an exchange, giving it the next sequence
        number; its :class:`Entry` is made when the journal is first read.

        :returns: ``raw``, numbered (the response cache copies it for replayed answers).
        """
        if not self.enabled:
            return raw
        with self._lock:
            seq = self._next_seq
            self._next_seq += 1
            raw.seq = seq
            self._append(raw, raw.cost)
        listener = self.listener
        if listener is not None:
            listener(raw.entry(self._prefix), raw.time, raw.duration_ms)
        return raw

    def record_again(
        self, entry: Entry | RawEntry, time: float, duration_ms: float, client_ip: str | None
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
            self._append((entry, time, duration_ms, client_ip, seq), COPY_COST)
        listener = self.listener
        if listener is not None:
            listener(copy_of(entry, self._prefix), time, duration_ms)

    def _append(self, entry: Held, cost: int) -> None:
        """Append under the lock (the caller holds it): evict, count, wake the waiters."""
        entries = self._entries
        costs = self._costs
        while entries and (len(entries) >= self.capacity or self._bytes + cost > self.byte_budget):
            entries.popleft()
            self._bytes -= costs.popleft()
            self._evicted += 1
        entries.append(entry)
        costs.append(cost)
        self._bytes += cost
        self._recorded += 1
        if self._waiters:
            self._changed.notify_all()

    def entries(self, where: Matcher | None = None) -> tuple[Entry, ...]:
        """The entries (oldest first) that match ``where``, or all of them."""
        with self._changed:
            held = tuple(self._entries)
        snapshot = tuple(copy_of(e, self._prefix) for e in held)
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
            self._costs.clear()
            self._bytes = 0
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
            kept = [
                (held, cost)
                for held, cost in zip(self._entries, self._costs, strict=True)
                if not where.matches(copy_of(held, self._prefix))
            ]
            removed = len(self._entries) - len(kept)
            self._entries = deque(held for held, _ in kept)
            self._costs = deque(cost for _, cost in kept)
            self._bytes = sum(self._costs)
            self._generation += 1
            self._changed.notify_all()
        return removed

    def stats(self) -> JournalStats:
        """Size, capacity, bytes and the eviction count."""
        with self._changed:
            return JournalStats(
                size=len(self._entries),
                capacity=self.capacity,
                evicted=self._evicted,
                recorded=self._recorded,
                enabled=self.enabled,
                bytes=self._bytes,
                byte_budget=self.byte_budget,
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
                if seq_of(held) <= seen_seq:
                    break
                fresh.append(copy_of(held, self._prefix))
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
