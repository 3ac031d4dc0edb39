"""``MockServer``: the app on a real socket in a background thread, for tests and scripts.

The socket is bound before :meth:`MockServer.start` returns, so a client can connect at once:
no sleeps, no polling.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.errors import MockServerError
from mockserver.state import EXTENSION
from mockserver.state import MockState
from mockserver.world import World


class ServerStartError(MockServerError):
    """The server could not bind or start."""


class MockServer:
    """A mock server on ``127.0.0.1`` and an ephemeral port, served from a daemon thread.

    :param config: settings, a mapping of settings, or an app already built.
    :param host: the address to bind; tests keep the default.
    :param port: 0 picks a free port.
    """

    def __init__(
        self,
        config: Config | Mapping[str, Any] | Flask | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.app = config if isinstance(config, Flask) else create_app(config)
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> MockState:
        """The app's state: store, schemas, settings."""
        state: MockState = self.app.extensions[EXTENSION]
        return state

    def start(self) -> MockServer:
        """Bind and start serving; returns once the socket accepts connections.

        :raises ServerStartError: if the address cannot be bound.
        """
        if self._server is not None:
            return self
        try:
            server = make_server(self._host, self._port, self.app, threaded=True)
        except OSError as exc:
            raise ServerStartError(f"cannot bind {self._host}:{self._port}: {exc}") from exc
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port."""
        if self._server is None:
            raise ServerStartError("the server is not running: call start() first")
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self._host}:{self.port}"

    def url_for(self, path: str) -> str:
        """An absolute URL for a path on the server."""
        return self.url + (path if path.startswith("/") else "/" + path)

    def reset(self) -> None:
        """Drop every change clients made, back to the loaded scenario."""
        self.state.store.reset()

    def load_scenario(
        self, scenario: Path | str | Mapping[str, Any], seed: int | None = None
    ) -> World:
        """Replace the scenario (a file or an inline mapping); the old one stays on error.

        :raises ScenarioError: if the new scenario is invalid.
        """
        source = Path(scenario) if isinstance(scenario, str) else scenario
        return self.state.load(source, seed)

    def check(self) -> None:
        """Raise the first unexpected exception the server hit since the last check.

        :raises MockServerError: wrapping the server-side exception, with its errorId.
        """
        errors = self.state.take_errors()
        if errors:
            first = errors[0]
            raise MockServerError(
                f"{len(errors)} unexpected server error(s); first: {first.method} {first.path} "
                f"(errorId {first.error_id}): {first.exception!r}"
            ) from first.exception
