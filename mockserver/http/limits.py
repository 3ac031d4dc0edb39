"""The limits ``mockserver serve`` puts on its servers, so that no client can wedge them: how
many connections waitress holds and how long it waits for one, how long granian waits for a
request head, and how a body that is slow to arrive is kept from holding a thread that other
clients need (the README's Limits section says the same for users).

Both servers run the app in threads of one process (:mod:`mockserver.serving`); what each can
bound differs:

- **waitress** reads a request's head and body itself, on its asyncore loop, before a thread
  runs the app: a slow client holds a connection, never a thread. It holds at most
  :data:`DEFAULT_CONNECTION_LIMIT` connections (waitress's own default, 100, was found too few:
  110 slow clients starved everyone) and closes one that sends nothing for the read timeout.
- **granian** hands the app a body to read from the thread that runs it, and nothing in granian
  bounds that read in time (granian has no body timeout, and its maintainers declined to add
  one; a read from another thread holds the GIL while it waits and wedges the worker, measured
  on 2.8.9). So the worker gets
  :data:`BODY_READERS` more threads than ``--threads``, a request reads its body *before* it takes
  one of ``--threads`` slots to run the app (:class:`Slots`), and a body that stalls holds one of
  those spare threads and its connection until the client sends the rest or goes; a body that
  trickles past the read timeout is refused (408) at the next bytes. granian's own
  ``header_read_timeout`` bounds the request head.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import queue
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from mockserver.http.body import READ_TIMEOUT
from mockserver.http.body import BodyError
from mockserver.http.body import has_body
from mockserver.http.body import read_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

DEFAULT_CONNECTION_LIMIT = 1000
"""waitress's most connections at once (``--connection-limit``); each costs a file descriptor
and a few kilobytes, far below the default ``ulimit -n`` of most systems."""
WAITRESS_CLEANUP_INTERVAL = 1
"""Seconds between waitress's sweeps for idle connections: the read timeout is enforced within
this much of its end (waitress's default, 30, would let a stalled client stay 30 s longer)."""
BODY_READERS = 64
"""granian threads beyond ``--threads``: at most this many requests wait for a slow body at once
without keeping other clients waiting (:class:`Slots`)."""
MAX_HEADER_READ_TIMEOUT_MS = 60_000
"""granian's largest ``header_read_timeout``."""


MMAP_THRESHOLD = 128 * 1024
"""Allocations from this size up get their own pages, returned to the system when freed."""
M_MMAP_THRESHOLD = -3  # <malloc.h>


def bound_malloc() -> None:
    """Keep glibc's mmap threshold at :data:`MMAP_THRESHOLD` in this process.

    glibc raises the threshold each time a large block is freed (up to 32 MiB), after which
    bodies of a few megabytes are carved from the heap arenas of each thread and stay there:
    measured on the soak (``bench/soak.py``), 8,000 requests with bodies up to 2.5 MiB took the
    worker from 66 to 151 MB, against 97 MB with the threshold fixed. Elsewhere than glibc it
    does nothing."""
    with contextlib.suppress(OSError, AttributeError):
        # The process's own symbols, libc's among them: ctypes.util.find_library("c") cost
        # ~1.5 ms of every start and finds the same library.
        libc = ctypes.CDLL(None)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def waitress_options(read_timeout: float, connection_limit: int) -> dict[str, Any]:
    """waitress's adjustments for ``mockserver serve --server waitress`` (and the process's
    :func:`bound_malloc`, since waitress serves from it).

    :param read_timeout: ``Config.read_timeout``: a connection that sends nothing for this long
        while its request is incomplete (or between requests) is closed.
    :param connection_limit: the most connections held at once.
    """
    bound_malloc()
    return {
        "connection_limit": connection_limit,
        # waitress counts whole seconds.
        "channel_timeout": max(1, round(read_timeout)),
        "cleanup_interval": WAITRESS_CLEANUP_INTERVAL,
    }


def granian_header_timeout_ms(read_timeout: float) -> int:
    """granian's ``header_read_timeout`` for a read timeout in seconds (1 ms to 60 s)."""
    return max(1, min(MAX_HEADER_READ_TIMEOUT_MS, round(read_timeout * 1000)))


class Slots:
    """At most ``slots`` requests run the app at once; a request first reads its body
    (:func:`~mockserver.http.body.read_body`, which keeps it for every later reader) without
    holding a slot.

    Under granian the thread that runs the app is the one that must read the body, and a read
    blocks until the client sends: with as many threads as slots, as many stalled clients would
    stop everyone. With :data:`BODY_READERS` more threads than slots, they stop no one. A slot
    is a token in a queue (taken and given back in C, without the GIL).

    :param app: the WSGI app.
    :param slots: requests that run the app at once (``--threads``: the app is CPU-bound under
        the GIL, so more at once only slows each down).
    :param read_timeout: ``Config.read_timeout``, for the bodies read here.
    """

    def __init__(self, app: WSGIApplication, slots: int, read_timeout: float) -> None:
        bound_malloc()  # the process that holds the bodies: see bound_malloc
        self.app = app
        self.read_timeout = read_timeout
        self._tokens: queue.SimpleQueue[None] = queue.SimpleQueue()
        for _ in range(slots):
            self._tokens.put(None)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if has_body(environ):
            environ[READ_TIMEOUT] = self.read_timeout
            with contextlib.suppress(BodyError):  # kept in the environ: the app answers it
                read_body(environ)
        self._tokens.get()
        try:
            return self.app(environ, start_response)
        finally:
            self._tokens.put(None)


class SpareThreadsNotice(logging.Filter):
    """Drops granian's warning that the worker may spawn more Python threads than the CPUs
    could keep busy: the :data:`BODY_READERS` spare ones wait for bodies (without the GIL), and
    :class:`Slots` keeps ``--threads`` of them running the app."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every other record."""
        return "seems quite high compared to the number of CPU cores" not in record.getMessage()
