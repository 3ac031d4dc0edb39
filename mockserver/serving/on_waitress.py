"""``mockserver serve --server waitress``: pure Python, in this process; it hands the app the
connection, which the connection faults need."""

from __future__ import annotations

import logging
import signal
import socket
import sys
from types import FrameType

from flask import Flask

from mockserver.http.limits import waitress_options
from mockserver.serving.common import STOP_SIGNALS
from mockserver.serving.common import announce
from mockserver.serving.common import say_stopping
from mockserver.serving.common import state
from mockserver.webhooks.schedule import Scheduler


def serve_waitress(
    app: Flask, sock: socket.socket, threads: int, why: str | None, connection_limit: int
) -> None:
    from waitress.server import create_server

    # waitress warns "Task queue depth is N" whenever a request waits for a thread: under load
    # that is the queue working, not a fault, and it would bury the access log and the
    # readiness and stop lines that scripts read.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    limits = waitress_options(state(app).config.read_timeout, connection_limit)
    server = create_server(app, sockets=[sock], threads=threads, ident="mockserver", **limits)

    def stop(signum: int, _frame: FrameType | None) -> None:
        say_stopping(signum)
        # run() catches it and waits for the request threads first; closing the server here
        # would close the trigger a thread finishing a request still pulls (EBADF, logged).
        raise SystemExit(0)

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    announce(app, sock, "waitress")
    if why is not None:
        sys.stderr.write(f"mockserver: {why}\n")
        sys.stderr.flush()
    scheduler = Scheduler(state(app))
    scheduler.start()
    try:
        server.run()
    finally:
        scheduler.stop()
        state(app).deliverer.close()
        server.close()
