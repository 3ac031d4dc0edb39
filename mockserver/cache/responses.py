"""The response cache: the answers the pipeline made to repeated reads, given again.

(It is not record-and-replay of a real server: nothing here comes from anywhere but the mock's
own pipeline.) Most traffic a mock sees is the same ``GET`` again and again: a frontend polling
the project, a test suite reading the same page in every test, a load test hammering one URL.
The pipeline (auth, scopes, lookup, faults, contract checks, journal) costs several times what
the answer itself costs once its JSON is memoized (:mod:`mockserver.http.views.answers`), so
this layer, outermost around the app, keeps the *whole* answer to such a request and gives it
again, with a fresh journal entry, without entering the pipeline.

It is exact by construction, not by imitation: a kept answer is one the full pipeline made,
and it is given again only to a request that pipeline would see as the same one, in the same
state:

- **The same request.** The key is everything the pipeline reads: method, path, query string,
  script name, scheme, server name, port and protocol, and every header, in order. Only
  ``GET`` without a body is kept; a request with ``Prefer`` or a ``__`` query parameter
  (``__code``, ``__fault``, ``__delay``: per-request faults) never goes through here. The
  client address is not in the key (it changes only the journal entry, and rate limits, which
  turn replay off, key on it).
- **An answer that depends on nothing else.** A view opts in with :func:`allow` only when its
  body is a pure function of the request and the store: project details, the paged lists
  (users, tag values, hooks) and stats, whose body depends on the clock through 10-second
  slots and, without ``until``, through a window that ends now: stats pass as the answer's
  expiry the first moment at which either may give another body
  (:func:`mockserver.sentry.stats.stable_until`). Hook stats count deliveries, which change
  without the store: they are never kept. Only a ``200`` with no fault applied, no connection
  fault and its journal entry made is kept.
- **The same state.** The store names its state (:mod:`mockserver.world.versions`)
  and the state of each of its parts (the
  projects, and each project's hooks): every change (a ``PUT``, a new hook, a scenario load;
  through HTTP or the Python API) gives what it changed a name never used before, and a reset
  names the scenario's state as loaded again, so the answers made from it before hold again
  after every reset (a test suite resets before each test, then reads the same project, stats
  and pages). A view says which parts its answer reads (the project's details, stats, users
  and tag values read the projects; the hooks list also the project's hooks), so a new hook
  does not make the project's answer again. An answer is kept only when no change or reset
  landed while the pipeline ran (``Versions.changes``, read before
  and after), and given again only while what it read is in the state it was made from.
  Fault rules, rate limits and stubs (a test's own answers, ``MockServer.respond``) are read
  on every request: while any is in force, nothing is replayed.

The journal entry of a replayed request is the kept one with this request's time, client
address and duration: the same route, parameters, headers, response and contract violations,
because the pipeline would have found the same ones. ``Config.response_cache`` turns it off
(``mockserver serve --no-response-cache``).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from mockserver.faults.parsing import may_prefer
from mockserver.http.sandbox import sandboxed
from mockserver.journal.journal import Entry

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

    from mockserver.journal.raw import RawEntry
    from mockserver.state import MockState

REPLAYABLE = "mockserver.replayable"
"""The environ key :func:`allow` sets: until when (epoch seconds, app clock) the answer holds."""
PARTS = "mockserver.replayable-parts"
"""The environ key :func:`allow` sets: the parts of the store the answer reads."""
ENTRY = "mockserver.entry"
"""The environ key the journal puts the recorded entry under."""
CAPACITY = 1024
"""Answers kept at most: the distinct requests of a suite or a frontend, with room to spare;
past it, the oldest is dropped (a fuzzer's endless variations cannot grow it)."""
BUDGET = 32 * 1024 * 1024
"""Bytes of bodies kept at most (a page of 100 users is ~40 KB): past it, the oldest go. Bodies
of memoized answers are the memo's own bytes, so most of this is shared, not extra."""
_NO_BODY = (None, "", "0")


def allow(
    environ: MutableMapping[str, Any],
    until: float = math.inf,
    parts: tuple[Hashable, ...] | None = None,
) -> None:
    """Let the answer to the request of ``environ`` be replayed to the same request, in the
    same store state, until ``until`` (epoch seconds on the app's clock; default: no expiry).

    Call it from a view whose body depends on nothing but the request and the store.

    :param parts: the parts of the store the answer reads (:mod:`mockserver.world.versions`):
        it then holds while those are unchanged,
        whatever else changes (a new hook does not make the project's answer again); ``None``:
        while nothing in the store changes.
    """
    environ[REPLAYABLE] = until
    environ[PARTS] = parts


@dataclass(frozen=True, slots=True)
class _Kept:
    version: int
    parts: tuple[tuple[Hashable, int], ...] | None  # each part read and its version
    since: float  # the app's clock as it was made: a clock set back never replays it
    until: float
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    entry: Entry | RawEntry | None  # None when the journal was off as it was made


@dataclass(slots=True)
class ResponseCacheStats:
    """Counters of one cache (``hits`` and ``misses`` count ``GET`` requests looked up)."""

    hits: int = 0
    misses: int = 0
    kept: int = 0
    entries: int = 0
    bytes: int = 0

    def to_json(self) -> dict[str, int]:
        """For ``GET /__admin/health``."""
        return {
            "entries": self.entries,
            "bytes": self.bytes,
            "hits": self.hits,
            "misses": self.misses,
            "kept": self.kept,
        }


class ResponseCache:
    """The middleware (see the module docstring).

    :param app: the wrapped WSGI app (everything inside: see :mod:`mockserver.http.pipeline`).
    :param state: the app's state: the store's version and the clock; the journal, where
        replayed requests are recorded; the fault controller and the rate limiter, while either
        is in force nothing is replayed.
    """

    def __init__(self, app: WSGIApplication, state: MockState) -> None:
        self.app = app
        self._store = state.store
        self._clock = state.config.clock
        self._journal = state.journal
        self._faults = state.faults
        self._limiter = state.limiter
        self._stubs = state.stubs
        # Oldest first, taken at once (a dict would scan its deleted slots: see cache.memo).
        self._kept: OrderedDict[tuple[bool, tuple[Any, ...]], _Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._stats = ResponseCacheStats()

    def stats(self) -> ResponseCacheStats:
        """A snapshot of the counters."""
        with self._lock:
            return ResponseCacheStats(
                self._stats.hits, self._stats.misses, self._stats.kept, len(self._kept), self._bytes
            )

    def clear(self) -> None:
        """Forget every kept answer and zero the counters."""
        with self._lock:
            self._kept.clear()
            self._bytes = 0
            self._stats = ResponseCacheStats()

    def reset(self) -> None:
        """After the store's reset: zero the counters. The answers of the scenario's state hold
        again; those of states clients changed never will, and go as they are replaced or the
        oldest are dropped (a scan here would cost every reset the size of the cache)."""
        with self._lock:
            self._stats = ResponseCacheStats()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("CONTENT_LENGTH") not in _NO_BODY
            or "HTTP_TRANSFER_ENCODING" in environ
            or may_prefer(environ)  # Prefer, ?__code=, ?__fault=, ?__delay=: faults asked for
            or environ.get("PATH_INFO", "").startswith("/__")
            or sandboxed(environ)  # a fuzzer's sandbox: not the store these answers are of
        ):
            return self.app(environ, start_response)
        started = time.perf_counter()
        store = self._store
        # Before the pipeline reads anything, and again after it: see the docstring.
        version = store.versions.version
        changes = store.versions.changes
        # Answers made from the scenario's state and from changed states are kept apart (see
        # _make), so that the changes of a test do not replace the answers the next one, after
        # its reset, reads again.
        key = _key(environ)
        for slot in ((True, key), (False, key)):
            kept = self._kept.get(slot)
            if kept is not None and self._replayable(kept):
                return self._replay(kept, environ, start_response, started)
        return self._make(key, version, changes, environ, start_response)

    def _holds(self, kept: _Kept) -> bool:
        """Whether the store is in a state ``kept`` was made from (as far as it reads it)."""
        versions = self._store.versions
        if kept.parts is None:
            return kept.version == versions.version
        return all(versions.of(part) == version for part, version in kept.parts)

    def _replayable(self, kept: _Kept) -> bool:
        if not self._holds(kept):
            return False
        if kept.entry is None and self._journal.enabled:
            return False  # made while the journal was off: make it again, entry and all
        if kept.until != math.inf and not kept.since <= self._clock() < kept.until:
            return False  # expired, or a clock set back (a test's) to before it was made
        return self._quiet()

    def _quiet(self) -> bool:
        """No fault rule, no rate limit and no stub (a test's own answer) in force."""
        return (
            not self._limiter.policy.enabled and not self._faults.rules() and not self._stubs.active
        )

    def _replay(
        self,
        kept: _Kept,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        started: float,
    ) -> Iterable[bytes]:
        self._stats.hits += 1  # a counter for tests and benchmarks; a lost increment is harmless
        if kept.entry is not None:
            self._journal.record_again(
                kept.entry,
                self._clock(),
                (time.perf_counter() - started) * 1000,
                environ.get("REMOTE_ADDR"),
            )
        start_response(kept.status, list(kept.headers))
        return [kept.body]

    def _make(
        self,
        key: tuple[Any, ...],
        version: int,
        changes: int,
        environ: WSGIEnvironment,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        self._stats.misses += 1
        since = self._clock()
        quiet = self._quiet()
        answer: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        until: float | None = environ.get(REPLAYABLE)
        entry: Entry | RawEntry | None = environ.get(ENTRY)
        if (
            until is None  # the view did not allow it
            or not answer
            or not answer[0].startswith("200 ")
            # Made while a fault rule or a rate limit was in force, before or after the pipeline
            # ran (even one that did not fire: rate-limit headers, a latency): not the answer
            # of the quiet pipeline.
            or not (quiet and self._quiet())
            # A change (a reset too) landed while the pipeline read the store: the answer may
            # mix two states.
            or self._store.versions.changes != changes
            # A fault was applied, or the journal is on and has no entry to copy.
            or (entry.faults if entry is not None else self._journal.enabled)
        ):
            return body
        try:
            data = b"".join(body)
        finally:
            close: Callable[[], Any] | None = getattr(body, "close", None)
            if close is not None:
                close()
        # The parts' versions, read before checking again that no change landed since the
        # pipeline began: then they are those the answer was made from.
        declared: tuple[Hashable, ...] | None = environ.get(PARTS)
        parts = None
        if declared is not None:
            versions = self._store.versions
            parts = tuple((part, versions.of(part)) for part in declared)
            if versions.changes != changes:
                return [data]
        kept = _Kept(version, parts, since, until, answer[0], list(answer[1]), data, entry)
        scenario = self._store.versions.scenario
        if parts is None:
            slot = (version == scenario, key)
        else:
            slot = (all(made == scenario for _, made in parts), key)
        with self._lock:
            replaced = self._kept.pop(slot, None)
            if replaced is not None:
                self._bytes -= len(replaced.body)
            self._kept[slot] = kept
            self._bytes += len(data)
            while len(self._kept) > CAPACITY or (self._bytes > BUDGET and len(self._kept) > 1):
                oldest = self._kept.popitem(last=False)[1]
                self._bytes -= len(oldest.body)
            self._stats.kept += 1
        return [data]


def _key(environ: WSGIEnvironment) -> tuple[Any, ...]:
    """Everything of a bodiless GET that the pipeline reads."""
    return (
        environ.get("PATH_INFO"),
        environ.get("QUERY_STRING"),
        environ.get("SCRIPT_NAME"),
        environ.get("wsgi.url_scheme"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SERVER_PROTOCOL"),
        environ.get("CONTENT_TYPE"),
        environ.get("CONTENT_LENGTH"),
        tuple([(k, v) for k, v in environ.items() if k.startswith("HTTP_")]),
    )
