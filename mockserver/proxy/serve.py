"""``mockserver proxy``: bind, print the readiness line, serve with waitress in this process
until SIGINT or SIGTERM, then write what passed through (``--record``).

waitress serves the proxy (not granian): it runs the app in this process, so that the capture
is here when the server stops, and each forwarded exchange holds one of its threads while the
upstream answers (``--threads`` of them at once).
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from mockserver.config import Config
from mockserver.http.limits import DEFAULT_CONNECTION_LIMIT
from mockserver.http.limits import waitress_options
from mockserver.proxy.app import create_proxy_app
from mockserver.proxy.app import forward_of
from mockserver.proxy.forward import Say
from mockserver.record.capture import Capture
from mockserver.record.http import DEFAULT_TIMEOUT
from mockserver.record.run import save
from mockserver.serving.common import STOP_SIGNALS
from mockserver.serving.common import say_stopping
from mockserver.serving.serve import bind

DEFAULT_THREADS = 8
"""Exchanges forwarded at once: each waits for the upstream, which takes far longer than the
mock's own answers."""


def say_to_stderr(line: str) -> None:
    """Write one line to stderr, now."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def serve_proxy(
    url: str,
    *,
    host: str,
    port: int,
    threads: int = DEFAULT_THREADS,
    timeout: float = DEFAULT_TIMEOUT,
    record: Path | None = None,
    seed: int = 0,
    config: Config | None = None,
    say: Say = say_to_stderr,
) -> None:
    """Serve the proxy until SIGINT or SIGTERM, then write the recording to ``record``.

    :raises ConfigError: for a URL that is not http(s), or an address that cannot be bound.
    :raises RecordError: if the recording cannot be written (nothing passed through, or the
        file cannot be written); the file is then untouched.
    """
    from waitress.server import create_server

    capture = Capture(source=url.rstrip("/")) if record is not None else None
    app = create_proxy_app(url, timeout=timeout, capture=capture, say=say, config=config)
    forward = forward_of(app)
    if capture is not None:
        capture.source = forward.upstream.url
    settings = config or Config()
    sock = bind(host, port)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    limits = waitress_options(settings.read_timeout, DEFAULT_CONNECTION_LIMIT)
    server = create_server(app, sockets=[sock], threads=threads, ident="mockserver", **limits)

    def stop(signum: int, _frame: FrameType | None) -> None:
        say_stopping(signum)
        raise SystemExit(0)  # waitress's run() catches it and waits for its threads

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    try:
        # A signal may come as soon as the line is out, before the loop runs: caught here too.
        say(
            f"mockserver: proxying {forward.upstream.url} on http://{shown}:{bound_port}/ "
            f"with waitress"
        )
        if host not in ("127.0.0.1", "localhost", "::1") and not settings.admin_token:
            say(
                f"mockserver: warning: listening on {host} without --admin-token: anyone who can "
                "reach this address can read the journal (what passed through) at /__admin/"
            )
        server.run()
    except SystemExit:
        pass
    finally:
        server.close()
    if capture is not None and record is not None:
        save(
            capture,
            record,
            by="mockserver proxy --record",
            seed=seed,
            recorded_at=time.time(),
            secrets=sorted(forward.tokens),
        )
        say(f"mockserver: wrote {record}")
