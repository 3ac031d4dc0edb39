"""What the two servers share: the defaults, the readiness line, the stop signals."""

from __future__ import annotations

import logging
import signal
import socket
import sys

from flask import Flask

from mockserver.state import EXTENSION
from mockserver.state import MockState

log = logging.getLogger("mockserver")

SERVERS = ("auto", "granian", "waitress")
DEFAULT_SERVER = "auto"
DEFAULT_THREADS = 4
"""Python threads serving requests. The app is CPU-bound under the GIL, so threads only overlap
one request's Python with others' waiting; measured here (``bench/RESULTS.md``), 4 served the
most requests at 16 connections, ahead of 2, and 8 fewer than either."""
DEFAULT_IO_THREADS = 1
"""granian's Rust I/O threads; one drives thousands of connections."""
BACKLOG = 1024
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Each stops the server cleanly (exit status 0). SIGHUP too: a closed terminal sends it, and
granian's own handler would restart its worker instead, dropping every connection."""


def announce(app: Flask, sock: socket.socket, server: str) -> None:
    """The readiness line: printed once the socket is bound and the signal handlers are set,
    so that a supervisor may connect, or signal, as soon as it reads it."""
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    world = state(app).store.world
    sys.stderr.write(
        f"mockserver: serving scenario {world.name!r} ({world.source}) with {server} "
        f"on http://{shown}:{bound_port}/ (seed {world.seed})\n"
    )
    sys.stderr.flush()


def state(app: Flask) -> MockState:
    state: MockState = app.extensions[EXTENSION]
    return state


def say_stopping(signum: int) -> None:
    sys.stderr.write(f"mockserver: {signal.Signals(signum).name}, shutting down\n")
    sys.stderr.flush()
