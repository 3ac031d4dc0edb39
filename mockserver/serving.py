"""Serving an app on a real socket for ``mockserver serve``: granian or waitress, chosen by the
faults configured (``--server auto``, the default) or forced.

Both servers run the app in **one process**: the mock's state (the store, the journal, the
fault rules, the deliveries) is in memory, so a hook created by one request is seen by the next
only if every request reaches the same interpreter. Concurrency comes from threads inside that
process; the GIL serializes the Python part of each request either way, so more processes would
buy throughput only by splitting the state (see ``bench/RESULTS.md`` for the measurements).

- **granian** (what ``auto`` picks, unless a fault needs waitress): a Rust HTTP server whose
  WSGI worker calls the app from a pool of Python threads. granian always serves from a worker
  process forked by a supervising one; the app is built (and the scenario loaded) in the
  supervisor before the fork, so a broken scenario fails before anything is bound, the worker
  starts with the app already in memory, and exactly one worker holds the state. The supervisor
  only relays signals and reports a worker that dies.
- **waitress**: pure Python, threads over an asyncore loop, in the calling process. Slower, but
  it hands the app the connection, which the socket faults ``empty``, ``reset`` and ``garbage``
  need (see :mod:`mockserver.faults.connection`): granian gives the app no socket, so under it they
  answer nginx's 502 instead of breaking the connection (``malformed_chunk`` works on both).
  ``auto`` serves with waitress when one of them is configured at start (the scenario's fault
  rules and presets, ``--fault``, ``MOCKSERVER_FAULTS``), and says why on stderr after the
  readiness line; one added at run time (admin API, ``Prefer``) gets the 502 and a warning.

Either way the socket is bound here, before the readiness line is printed (it names the server,
and with ``--port 0`` the port it got), and SIGINT and SIGTERM stop the server cleanly with exit
status 0.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait as wait_for_exit
from types import FrameType
from typing import Any
from typing import cast

from flask import Flask

from mockserver.app import create_app
from mockserver.config import MAX_IO_THREADS
from mockserver.config import MAX_PORT
from mockserver.config import MAX_THREADS
from mockserver.config import MIN_PORT
from mockserver.config import Config
from mockserver.errors import ConfigError
from mockserver.faults.connection import BREAK_MESSAGE
from mockserver.faults.connection import needs_the_connection
from mockserver.http.limits import BODY_READERS
from mockserver.http.limits import DEFAULT_CONNECTION_LIMIT
from mockserver.http.limits import Slots
from mockserver.http.limits import SpareThreadsNotice
from mockserver.http.limits import granian_header_timeout_ms
from mockserver.http.limits import waitress_options
from mockserver.state import EXTENSION
from mockserver.state import MockState
from mockserver.state import state_of
from mockserver.webhooks.schedule import Scheduler

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
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
RESTOP_AFTER = (0.5, 1.0, 5.0)
"""Seconds to wait for the worker after each SIGTERM, before the next (then SIGKILL)."""


def serve_forever(
    config: Config,
    *,
    host: str,
    port: int,
    threads: int = DEFAULT_THREADS,
    server: str = DEFAULT_SERVER,
    io_threads: int = DEFAULT_IO_THREADS,
    connection_limit: int = DEFAULT_CONNECTION_LIMIT,
) -> None:
    """Load the scenario, bind, print the address, and serve until SIGINT or SIGTERM.

    :param threads: Python threads that run requests.
    :param server: ``"auto"`` (see :func:`choose_server`), ``"granian"`` or ``"waitress"``.
    :param io_threads: granian's I/O threads (ignored by waitress).
    :param connection_limit: waitress's most connections at once (ignored by granian; see
        :mod:`mockserver.http.limits`).
    :raises MockServerError: if the scenario or the schemas are invalid (before binding).
    :raises ConfigError: for an unknown server, a thread count out of its bounds
        (:data:`~mockserver.config.MAX_THREADS`), a port out of 0..65535, or an address that
        cannot be bound.
    """
    if server not in SERVERS:
        raise ConfigError(f"unknown server {server!r}; one of {', '.join(SERVERS)}")
    serve_app(
        create_app(config),
        host=host,
        port=port,
        threads=threads,
        server=server,
        io_threads=io_threads,
        connection_limit=connection_limit,
    )


def serve_app(
    app: Flask,
    *,
    host: str,
    port: int,
    threads: int = DEFAULT_THREADS,
    server: str = DEFAULT_SERVER,
    io_threads: int = DEFAULT_IO_THREADS,
    connection_limit: int = DEFAULT_CONNECTION_LIMIT,
) -> None:
    """Like :func:`serve_forever`, for an app already built (``bench/`` changes it first).

    :raises ConfigError: as :func:`serve_forever`.
    """
    if server not in SERVERS:
        raise ConfigError(f"unknown server {server!r}; one of {', '.join(SERVERS)}")
    if not 1 <= threads <= MAX_THREADS or not 1 <= io_threads <= MAX_IO_THREADS:
        raise ConfigError(
            f"--threads must be from 1 to {MAX_THREADS} and --io-threads from 1 to "
            f"{MAX_IO_THREADS}, got {threads} and {io_threads}"
        )
    if connection_limit < 1:
        raise ConfigError("--connection-limit must be at least 1")
    server, why = choose_server(app, server)
    # What exists now (schemas, validators, the world, Faker's tables, Flask) lives as long as
    # the server: out of the collector's sight, a full collection under load takes ~10 ms
    # instead of ~60 (p99 latency), and the forked worker does not copy pages by scanning it.
    gc.collect()
    gc.freeze()
    sock = bind(host, port)
    # Deliveries must never reach this server (its admin API): the deliverer refuses it.
    _state(app).deliverer.destinations.add_own(sock.getsockname())
    if host not in ("127.0.0.1", "localhost", "::1") and not _state(app).config.admin_token:
        log.warning(
            "listening on %s without --admin-token: anyone who can reach this address can "
            "reset or replace the scenario through /__admin/",
            host,
        )
    if server == "waitress":
        _serve_waitress(app, sock, threads, why, connection_limit)
    else:
        _serve_granian(app, sock, threads, io_threads)


def choose_server(app: Flask, server: str = DEFAULT_SERVER) -> tuple[str, str | None]:
    """The server for ``app``, and why when ``auto`` did not pick granian.

    ``auto`` is granian, unless the built app is configured with a fault that needs the
    connection (``empty``, ``reset``, ``garbage``), in a fault rule (the scenario's, ``--fault``'s,
    ``MOCKSERVER_FAULTS``') or in a preset of the scenario: then waitress (the app's fault
    controller says which: :func:`~mockserver.faults.connection.needs_the_connection`). ``granian``
    and ``waitress`` are taken as given.

    :returns: ``(server, why)``; ``why`` is the line to print, or ``None``.
    """
    if server != "auto":
        return server, None
    ctl = state_of(app).faults
    needs = needs_the_connection(ctl.rules(), ctl.presets)
    if not needs:
        return "granian", None
    listed = needs[0] if len(needs) == 1 else f"{', '.join(needs[:-1])} and {needs[-1]}"
    verb = "needs" if len(needs) == 1 else "need"
    return "waitress", (
        f"serving with waitress: {listed}, which {verb} the connection (granian cannot break one)"
    )


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port).

    :raises ConfigError: if the port is not from 0 to 65535, or the address cannot be resolved
        or bound.
    """
    if not MIN_PORT <= port <= MAX_PORT:
        raise ConfigError(f"the port must be from {MIN_PORT} to {MAX_PORT}, got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ConfigError(f"cannot serve on {host}:{port}: {exc}") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: without it, Nagle's algorithm and delayed ACKs hold
        # small answers back ~40 ms when a response is written in more than one piece.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot serve on {host}:{port}: {exc}") from exc
    return sock


def _announce(app: Flask, sock: socket.socket, server: str) -> None:
    """The readiness line: printed once the socket is bound and the signal handlers are set,
    so that a supervisor may connect, or signal, as soon as it reads it."""
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    world = _state(app).store.world
    sys.stderr.write(
        f"mockserver: serving scenario {world.name!r} ({world.source}) with {server} "
        f"on http://{shown}:{bound_port}/ (seed {world.seed})\n"
    )
    sys.stderr.flush()


def _state(app: Flask) -> MockState:
    state: MockState = app.extensions[EXTENSION]
    return state


def _say_stopping(signum: int) -> None:
    sys.stderr.write(f"mockserver: {signal.Signals(signum).name}, shutting down\n")
    sys.stderr.flush()


# --- waitress -------------------------------------------------------------------------------


def _serve_waitress(
    app: Flask, sock: socket.socket, threads: int, why: str | None, connection_limit: int
) -> None:
    from waitress.server import create_server

    limits = waitress_options(_state(app).config.read_timeout, connection_limit)
    server = create_server(app, sockets=[sock], threads=threads, ident="mockserver", **limits)

    def stop(signum: int, _frame: FrameType | None) -> None:
        _say_stopping(signum)
        # run() catches it and waits for the request threads first; closing the server here
        # would close the trigger a thread finishing a request still pulls (EBADF, logged).
        raise SystemExit(0)

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    _announce(app, sock, "waitress")
    if why is not None:
        sys.stderr.write(f"mockserver: {why}\n")
        sys.stderr.flush()
    scheduler = Scheduler(_state(app))
    scheduler.start()
    try:
        server.run()
    finally:
        scheduler.stop()
        _state(app).deliverer.close()
        server.close()


# --- granian --------------------------------------------------------------------------------


def _serve_granian(app: Flask, sock: socket.socket, threads: int, io_threads: int) -> None:
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
            header_read_timeout=granian_header_timeout_ms(_state(app).config.read_timeout),
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
            _say_stopping(signum)
            interrupt(signum, frame)

        for signum in (*STOP_SIGNALS, signal.SIGHUP):
            signal.signal(signum, stop)
        _announce(app, sock, "granian")

    supervisor = os.getpid()
    server.on_startup(on_startup)
    worker_state: dict[str, Scheduler] = {}

    def load_app() -> Flask:
        # Runs in the worker, after the fork: threads started here live where the state does.
        _stop_with_parent(supervisor)
        scheduler = Scheduler(_state(app))
        scheduler.start()
        worker_state["scheduler"] = scheduler
        return cast(Flask, Slots(app, threads, _state(app).config.read_timeout))

    def spawn_worker(*args: Any, **kwargs: Any) -> None:
        try:
            MPServer._spawn_wsgi_worker(*args, **kwargs)
        finally:
            scheduler = worker_state.get("scheduler")
            if scheduler is not None:
                scheduler.stop()
            _state(app).deliverer.close()

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
