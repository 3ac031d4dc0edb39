"""``mockserver proxy``: the command line's wrapper over ``serve_proxy``."""

from __future__ import annotations

from pathlib import Path

import click

from mockserver.config import MAX_PORT
from mockserver.config import MAX_THREADS
from mockserver.config import MIN_PORT
from mockserver.config import Config
from mockserver.errors import MockServerError
from mockserver.record.command import TIMEOUT


@click.command()
@click.argument("url")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(MIN_PORT, MAX_PORT))
@click.option("--record", "record_to", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, MAX_THREADS))
@click.option("--timeout", type=TIMEOUT, default=30.0, show_default=True, help="Per request.")
@click.option("--admin-token", help="Require this bearer token on /__admin/.")
def proxy(
    url: str,
    host: str,
    port: int,
    record_to: Path | None,
    threads: int,
    timeout: float,
    admin_token: str | None,
) -> None:
    """Forward Sentry's API to URL, answer what it answers, and journal the requests that
    break the mock's contract and the answers that leave it (response-drift); --record FILE
    writes what passed through as a scenario on exit."""
    from mockserver.proxy.serve import serve_proxy

    try:
        config = Config.from_env(admin_token=admin_token)
        serve_proxy(
            url,
            host=host,
            port=port,
            threads=threads,
            timeout=timeout,
            record=record_to,
            config=config,
        )
    except MockServerError as exc:
        raise click.ClickException(str(exc)) from exc
