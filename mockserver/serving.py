"""Serving an app on a real socket: waitress for ``mockserver serve``."""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

from waitress.server import TcpWSGIServer
from waitress.server import create_server

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.errors import ConfigError
from mockserver.schedule import Scheduler

log = logging.getLogger("mockserver")


def serve_forever(config: Config, *, host: str, port: int, threads: int = 8) -> None:
    """Load the scenario, bind, print the address, and serve until SIGINT or SIGTERM.

    :raises MockServerError: if the scenario or the schemas are invalid (before binding).
    """
    app = create_app(config)
    server = create_server(app, host=host, port=port, threads=threads, ident="mockserver")
    # Only a multi-address listen gives another kind of server.
    if not isinstance(server, TcpWSGIServer) or server.socket is None:
        raise ConfigError(f"cannot serve on {host}:{port}: expected one TCP address")
    bound_host, bound_port = server.socket.getsockname()[:2]
    if host not in ("127.0.0.1", "localhost", "::1") and not config.admin_token:
        log.warning(
            "listening on %s without --admin-token: anyone who can reach this address can "
            "reset or replace the scenario through /__admin/",
            host,
        )

    def stop(signum: int, _frame: FrameType | None) -> None:
        sys.stderr.write(f"mockserver: {signal.Signals(signum).name}, shutting down\n")
        server.close()
        raise SystemExit(0)

    # Install the handler before announcing the address: a supervisor may signal as soon as
    # it reads the line.
    signal.signal(signal.SIGTERM, stop)
    world = app.extensions["mockserver"].store.world
    sys.stderr.write(
        f"mockserver: serving scenario {world.name!r} ({world.source}) "
        f"on http://{bound_host}:{bound_port}/ (seed {world.seed})\n"
    )
    sys.stderr.flush()

    scheduler = Scheduler(app.extensions["mockserver"])
    scheduler.start()
    try:
        server.run()
    except KeyboardInterrupt:
        sys.stderr.write("mockserver: interrupted, shutting down\n")
    finally:
        scheduler.stop()
        app.extensions["mockserver"].deliverer.close()
        server.close()
