"""``mockserver serve``: build the app, choose the server, bind, and hand over (see the package's
docstring for the two servers)."""

from __future__ import annotations

import gc
import socket

from flask import Flask

from mockserver.app import create_app
from mockserver.config import MAX_IO_THREADS
from mockserver.config import MAX_PORT
from mockserver.config import MAX_THREADS
from mockserver.config import MIN_PORT
from mockserver.config import Config
from mockserver.errors import ConfigError
from mockserver.faults.connection import needs_the_connection
from mockserver.http.limits import DEFAULT_CONNECTION_LIMIT
from mockserver.serving.access_log import FORMATS
from mockserver.serving.access_log import AccessLog
from mockserver.serving.common import BACKLOG
from mockserver.serving.common import DEFAULT_IO_THREADS
from mockserver.serving.common import DEFAULT_SERVER
from mockserver.serving.common import DEFAULT_THREADS
from mockserver.serving.common import SERVERS
from mockserver.serving.common import log
from mockserver.serving.common import state
from mockserver.serving.on_granian import serve_granian
from mockserver.serving.on_waitress import serve_waitress
from mockserver.state import state_of


def serve_forever(
    config: Config,
    *,
    host: str,
    port: int,
    threads: int = DEFAULT_THREADS,
    server: str = DEFAULT_SERVER,
    io_threads: int = DEFAULT_IO_THREADS,
    connection_limit: int = DEFAULT_CONNECTION_LIMIT,
    access_log: str | None = None,
) -> None:
    """Load the scenario, bind, print the address, and serve until SIGINT or SIGTERM.

    :param threads: Python threads that run requests.
    :param server: ``"auto"`` (see :func:`choose_server`), ``"granian"`` or ``"waitress"``.
    :param io_threads: granian's I/O threads (ignored by waitress).
    :param connection_limit: waitress's most connections at once (ignored by granian; see
        :mod:`mockserver.http.limits`).
    :param access_log: ``"text"`` or ``"json"``: a line per request on stderr
        (:mod:`mockserver.serving.access_log`); ``None``: none.
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
        access_log=access_log,
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
    access_log: str | None = None,
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
    if access_log is not None and access_log not in FORMATS:
        raise ConfigError(f"unknown access log format {access_log!r}; one of {', '.join(FORMATS)}")
    server, why = choose_server(app, server)
    # What exists now (schemas, validators, the world, Faker's tables, Flask) lives as long as
    # the server: out of the collector's sight, a full collection under load takes ~10 ms
    # instead of ~60 (p99 latency).
    # No full collection first: it found ~10 objects of garbage and cost ~30 ms of the start
    # (the whole heap scanned); those few are kept instead.
    gc.freeze()
    # `mockserver` builds the app with collections off (mockserver.__main__): on from here.
    gc.enable()
    sock = bind(host, port)
    # Deliveries must never reach this server (its admin API): the deliverer refuses it.
    state(app).deliverer.destinations.add_own(sock.getsockname())
    if host not in ("127.0.0.1", "localhost", "::1") and not state(app).config.admin_token:
        log.warning(
            "listening on %s without --admin-token: anyone who can reach this address can "
            "reset or replace the scenario through /__admin/",
            host,
        )
    if access_log is not None:
        app_state = state(app)
        app_state.journal.listener = AccessLog(lambda: app_state.redactor, access_log)
    if server == "waitress":
        serve_waitress(app, sock, threads, why, connection_limit)
    else:
        serve_granian(app, sock, threads, io_threads)


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
