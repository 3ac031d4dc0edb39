"""``mockserver serve`` on granian: a Rust HTTP server whose WSGI worker runs in a thread of
this process and calls the app from a pool of Python threads.

granian's usual server forks its worker from a supervising process. Its threaded server
(``MTServer``, made for free-threaded builds) runs the same Rust worker in a thread instead,
and that is what serves here: the state is in one interpreter anyway (exactly one worker may
hold it), so a second process would only hold a second copy of the app's pages (idle RSS 49 MB
in one process against 85 summed over two, ``bench/RESULTS.md``). Nothing is forked, a signal
reaches the process that holds the state, and no worker can outlive its parent. The worker
needs the GIL only where a worker process would: to call the app.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any
from typing import cast

from flask import Flask

from mockserver.errors import ConfigError
from mockserver.faults.connection import BREAK_MESSAGE
from mockserver.http.limits import BODY_READERS
from mockserver.http.limits import Slots
from mockserver.http.limits import SpareThreadsNotice
from mockserver.http.limits import granian_header_timeout_ms
from mockserver.serving.common import BACKLOG
from mockserver.serving.common import STOP_SIGNALS
from mockserver.serving.common import announce
from mockserver.serving.common import say_stopping
from mockserver.serving.common import state
from mockserver.webhooks.schedule import Scheduler


def serve_granian(app: Flask, sock: socket.socket, threads: int, io_threads: int) -> None:
    from granian.constants import HTTPModes
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    server: Any = _granian_server_class()(
        sock,
        interface=Interfaces.WSGI,
        workers=1,
        # Spare threads for requests waiting for their bodies (http.limits.Slots).
        blocking_threads=threads + BODY_READERS,
        runtime_threads=io_threads,
        backlog=BACKLOG,
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(
            keep_alive=True,
            header_read_timeout=granian_header_timeout_ms(state(app).config.read_timeout),
        ),
        websockets=False,
        log_level=LogLevels.warning,
        log_dictconfig=_GRANIAN_LOGGING,
    )

    def on_startup() -> None:
        # granian has just installed its own handlers (SIGHUP's restarts the worker): say why
        # the server stops, then stop it as granian does.
        interrupt: Callable[..., None] = server.signal_handler_interrupt

        def stop(signum: int, frame: FrameType | None) -> None:
            say_stopping(signum)
            interrupt(signum, frame)

        for signum in STOP_SIGNALS:
            signal.signal(signum, stop)
        announce(app, sock, "granian")

    server.on_startup(on_startup)
    scheduler = Scheduler(state(app))
    scheduler.start()
    try:
        server.serve(
            target_loader=lambda: Slots(app, threads, state(app).config.read_timeout),
            wrap_loader=False,
        )
    except SystemExit as exc:
        # granian exits 1 when its worker ended without being asked: a crash, not a stop.
        if exc.code not in (0, None):
            raise ConfigError("the server's worker thread ended unexpectedly") from None
    finally:
        scheduler.stop()
        state(app).deliverer.close()
        sock.close()


class _PlannedBreaks(logging.Filter):
    """Drops granian's error for the exception that ends a ``malformed_chunk`` body on purpose
    (granian logs it with the traceback in the message: "Application callable raised ...")."""

    def filter(self, record: logging.LogRecord) -> bool:
        return BREAK_MESSAGE not in record.getMessage()


# granian logs to stdout by default; ours goes to stderr, after the readiness line.
_GRANIAN_LOGGING: dict[str, Any] = {
    "filters": {
        "planned-breaks": {"()": _PlannedBreaks},
        "spare-threads": {"()": SpareThreadsNotice},
    },
    "formatters": {
        "generic": {"()": "logging.Formatter", "fmt": "granian: [%(levelname)s] %(message)s"},
        "access": {"()": "logging.Formatter", "fmt": "%(message)s"},
    },
    "handlers": {
        "console": {
            "formatter": "generic",
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["planned-breaks", "spare-threads"],
        },
        "access": {
            "formatter": "access",
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
        },
    },
}


def _granian_server_class() -> type[Any]:
    """granian's threaded server, serving from a socket bound by us, under the GIL."""
    from granian._granian import SocketHolder
    from granian.server.common import AbstractServer
    from granian.server.mt import MTServer

    class BoundServer(MTServer):
        """granian binds its own socket; this one takes ours, so that ``--port 0`` can tell
        the port before the readiness line, and a bind error fails before anything starts."""

        def __init__(self, sock: socket.socket, **options: Any) -> None:
            super().__init__("mockserver", **options)
            self._bound = sock

        def serve(
            self,
            spawn_target: Callable[..., None] | None = None,
            target_loader: Callable[..., Callable[..., Any]] | None = None,
            wrap_loader: bool = True,
        ) -> Any:
            # MTServer.serve only warns that free-threading is experimental (this build has
            # the GIL) and refuses the reloader and the memory watch, which are never set here.
            return AbstractServer.serve(self, spawn_target, target_loader, wrap_loader)

        def _check_gil(self) -> None:
            # The worker thread calls the app as a worker process would: holding the GIL.
            pass

        def _init_shared_socket(self) -> None:
            sock = self._bound
            sock.setblocking(False)
            # SocketHolder(fd, is_uds, backlog): the form granian itself pickles it in. The
            # holder closes its descriptor when it goes, so it gets its own.
            fd = os.dup(sock.fileno())
            holder: Any = cast(Any, SocketHolder)(fd, False, BACKLOG)
            self._ssp = None
            self._shd = holder
            self._sfd = cast(Any, fd)

    return BoundServer
