"""Serving an app on a real socket for ``mockserver serve``: granian or waitress, chosen by the
faults configured (``--server auto``, the default) or forced.

Both servers run the app in **one process**: the mock's state (the store, the journal, the
fault rules, the deliveries) is in memory, so a hook created by one request is seen by the next
only if every request reaches the same interpreter. Concurrency comes from threads inside that
process; the GIL serializes the Python part of each request either way, so more processes would
buy throughput only by splitting the state (see ``bench/RESULTS.md`` for the measurements).

- **granian** (what ``auto`` picks, unless a fault needs waitress): a Rust HTTP server whose
  WSGI worker calls the app from a pool of Python threads. Its worker runs in a thread of this
  process (granian's threaded server; its usual one forks a worker process, which would hold a
  second copy of the app's pages): the app is built (and the scenario loaded) before anything
  is bound, so a broken scenario fails first, and exactly one worker holds the state.
- **waitress**: pure Python, threads over an asyncore loop, in the calling process. Slower, but
  it hands the app the connection, which the socket faults ``empty``, ``reset`` and ``garbage``
  need (see :mod:`mockserver.faults.connection`): granian gives the app no socket, so under it they
  answer nginx's 502 instead of breaking the connection (``malformed_chunk`` works on both).
  ``auto`` serves with waitress when one of them is configured at start (the scenario's fault
  rules and presets, ``--fault``, ``MOCKSERVER_FAULTS``), and says why on stderr after the
  readiness line; one added at run time (admin API, ``Prefer``) gets the 502 and a warning.

Either way the socket is bound here, before the readiness line is printed (it names the server,
and with ``--port 0`` the port it got), and SIGINT, SIGTERM and SIGHUP stop the server cleanly
with exit status 0.
"""

from __future__ import annotations

from mockserver.serving.common import DEFAULT_IO_THREADS
from mockserver.serving.common import DEFAULT_SERVER
from mockserver.serving.common import DEFAULT_THREADS
from mockserver.serving.common import SERVERS
from mockserver.serving.serve import bind
from mockserver.serving.serve import choose_server
from mockserver.serving.serve import serve_app
from mockserver.serving.serve import serve_forever

__all__ = [
    "DEFAULT_IO_THREADS",
    "DEFAULT_SERVER",
    "DEFAULT_THREADS",
    "SERVERS",
    "bind",
    "choose_server",
    "serve_app",
    "serve_forever",
]
