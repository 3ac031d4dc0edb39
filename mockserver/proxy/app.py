"""The proxy's app: the mock's app (its journal, its admin API under ``/__admin/``) with the
proxy's stages instead of the mock's way of a request."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.errors import ConfigError
from mockserver.http.exchange import Stage
from mockserver.journal import recording
from mockserver.proxy.forward import Forward
from mockserver.proxy.forward import Say
from mockserver.proxy.forward import check_contract
from mockserver.record.capture import Capture
from mockserver.record.http import DEFAULT_TIMEOUT
from mockserver.record.http import Upstream


def proxy_stages(forward: Forward) -> Sequence[tuple[str, Stage]]:
    """The way of a request through the proxy, outermost first: the journal entry of every
    exchange, the client's contract, then the upstream."""
    return (
        ("record", recording.record),
        ("contract", check_contract),
        ("forward", forward),
    )


def create_proxy_app(
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    capture: Capture | None = None,
    say: Say | None = None,
    config: Config | None = None,
) -> Flask:
    """An app that forwards Sentry's API to ``url``.

    :param capture: where to keep the answers that pass through (``--record``).
    :param say: where the proxy's one-line notices go.
    :param config: the mock's settings (journal size and bytes, read timeout, admin token);
        the response cache is always off, every answer being the upstream's.
    :raises ConfigError: for a URL that is not http(s).
    """
    try:
        upstream = Upstream.parse(url)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    settings = (config or Config()).with_changes(response_cache=False, strict=False)
    forward = Forward(upstream, timeout=timeout, capture=capture, say=say)
    app = create_app(settings, stages=proxy_stages(forward))
    app.extensions["mockserver.proxy"] = forward
    return app


def forward_of(app: Flask) -> Forward:
    """The forwarding stage of a proxy app."""
    forward: Forward = app.extensions["mockserver.proxy"]
    return forward
