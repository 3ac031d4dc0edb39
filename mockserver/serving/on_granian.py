"""``mockserver serve`` on granian: a Rust HTTP server whose WSGI worker, forked from a
supervisor after the app is built, calls the app from a pool of Python threads."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait as wait_for_exit
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
from mockserver.serving.common import PR_SET_PDEATHSIG
from mockserver.serving.common import RESTOP_AFTER
from mockserver.serving.common import STOP_SIGNALS
from mockserver.serving.common import announce
from mockserver.serving.common import log
from mockserver.serving.common import say_stopping
from mockserver.serving.common import state
from mockserver.webhooks.schedule import Scheduler


def serve_granian(app: Flask, sock: socket.socket, threads: int, io_threads: int) -> None:
    from granian.constants import HTTPModes
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server.mp import MPServer

    server_class = _granian_server_class()
    # The worker is forked with the app in memory (never pickled); Python 3.14 defaults to
    # forkserver, which granian would replace with spawn.
    if multiprocessing.get_start_method(allow_none=True) != "fork":
        multiprocessing.set_start_method("fork", force=True)
    server: Any = server_class(
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
        # granian has just installed its own handlers (SIGINT and SIGTERM stop it, SIGHUP would
        # respawn the worker from the pristine app: a silent reset). Wrap them, and make SIGHUP
        # a stop too.
        interrupt: Callable[..., None] = server.signal_handler_interrupt

        def stop(signum: int, frame: FrameType | None) -> None:
            if os.getpid() != supervisor:
                # The worker inherits this handler until granian installs its own: a stop
                # signal in that window must stop it, not the supervisor's copy of granian.
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
                return
            say_stopping(signum)
            interrupt(signum, frame)

        for signum in (*STOP_SIGNALS, signal.SIGHUP):
            signal.signal(signum, stop)
        announce(app, sock, "granian")

    supervisor = os.getpid()
    server.on_startup(on_startup)
    worker_state: dict[str, Scheduler] = {}

    def load_app() -> Flask:
        # Runs in the worker, after the fork: threads started here live where the state does.
        _stop_with_parent(supervisor)
        scheduler = Scheduler(state(app))
        scheduler.start()
        worker_state["scheduler"] = scheduler
        return cast(Flask, Slots(app, threads, state(app).config.read_timeout))

    def spawn_worker(*args: Any, **kwargs: Any) -> None:
        try:
            MPServer._spawn_wsgi_worker(*args, **kwargs)
        finally:
            scheduler = worker_state.get("scheduler")
            if scheduler is not None:
                scheduler.stop()
            state(app).deliverer.close()

    try:
        server.serve(spawn_target=spawn_worker, target_loader=load_app, wrap_loader=False)
    except SystemExit as exc:
        # granian exits 1 when its worker died unexpectedly: that is a crash, not a stop.
        if exc.code not in (0, None):
            raise ConfigError("the server's worker process exited unexpectedly") from None
    finally:
        sock.close()


def _stop_with_parent(parent: int) -> None:
    """Make the worker stop when its supervisor dies, even by SIGKILL.

    A supervisor that is killed outright cannot stop its worker, which would go on holding the
    port and the state. On Linux the kernel sends the worker SIGTERM at once (``prctl``);
    elsewhere a thread notices that the parent changed.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0:
            if os.getppid() != parent:  # died before prctl took effect
                os.kill(os.getpid(), signal.SIGTERM)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="mockserver-parent-watch", daemon=True).start()


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
    """granian's multi-process server, serving from a socket bound by us."""
    from granian._granian import SocketHolder
    from granian.server.mp import MPServer

    class BoundServer(MPServer):
        """granian binds its own socket; this one takes ours, so that ``--port 0`` can tell
        the port before the readiness line, and a bind error fails before anything starts."""

        def __init__(self, sock: socket.socket, **options: Any) -> None:
            super().__init__("mockserver", **options)
            self._bound = sock

        def _init_shared_socket(self) -> None:
            sock = self._bound
            sock.set_inheritable(True)
            sock.setblocking(False)
            # SocketHolder(fd, is_uds, backlog): the form granian itself pickles it in.
            holder: Any = cast(Any, SocketHolder)(sock.fileno(), False, BACKLOG)
            self._ssp = None
            self._shd = holder
            self._sfd = cast(Any, sock.fileno())
            self._sso = sock

        def _drop_shared_socket(self) -> None:
            # Ours: closed by serve_forever once the worker is gone.
            pass

        def _stop_workers(self) -> None:
            # A SIGTERM that reaches a worker still starting (between its signal handlers and
            # its shutdown callback) is lost, and granian would wait for it forever: ask again,
            # then kill.
            # A worker has exited once its sentinel is ready, whoever reaped it: granian's
            # watcher thread waits for each worker too, and one it reaped looks alive to
            # is_alive() until that thread gets the GIL back (join() then returns at once).
            workers: list[Any] = list(self.wrks)
            for patience in (*RESTOP_AFTER, None):
                alive = [w for w in workers if not wait_for_exit([w.inner.sentinel], 0)]
                if not alive:
                    break
                for worker in alive:
                    if patience is None:
                        log.warning("the server's worker did not stop: killing it")
                        worker.kill()
                    else:
                        worker.terminate()
                for worker in alive:
                    wait_for_exit([worker.inner.sentinel], patience)
            self.wrks.clear()

    return BoundServer
