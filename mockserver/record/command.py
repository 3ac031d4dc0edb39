"""``mockserver record``: the command line's wrapper over :func:`mockserver.record.run.record`."""

from __future__ import annotations

from pathlib import Path

import click

from mockserver.errors import MockServerError

#: ``--timeout``: seconds for one exchange with the real Sentry, from connecting to the last byte.
TIMEOUT = click.FloatRange(min=0, min_open=True, max=3600)


@click.command()
@click.argument("url")
@click.option(
    "--token", envvar="SENTRY_AUTH_TOKEN", help="Auth token (default: $SENTRY_AUTH_TOKEN)."
)
@click.option("--project", "projects", multiple=True, required=True, metavar="ORG/PROJECT")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--tags", help="Tag keys, comma-separated (default: the keys the project has).")
@click.option("--anonymize", is_flag=True, help="Fake emails, usernames, IPs and names.")
@click.option("--seed", default=0, show_default=True, help="Seed: hook secrets, fakes.")
@click.option("--max-items", type=click.IntRange(min=1), help="Per collection, at most.")
@click.option("--stats-period", default="24h", show_default=True, help="E.g. 1h, 14d.")
@click.option("--resolution", type=click.Choice(["10s", "1h", "1d"]), default="1h")
@click.option("--timeout", type=TIMEOUT, default=30.0, show_default=True, help="Per request.")
def record(
    url: str,
    token: str | None,
    projects: tuple[str, ...],
    out: Path,
    tags: str | None,
    anonymize: bool,
    seed: int,
    max_items: int | None,
    stats_period: str,
    resolution: str,
    timeout: float,
) -> None:
    """Record a real Sentry's projects (URL: sentry.io or self-hosted) as a scenario."""
    from mockserver.record import run
    from mockserver.record.progress import TerminalProgress

    keys = tuple(k.strip() for k in tags.split(",") if k.strip()) if tags is not None else None
    options = run.Options(
        projects=projects,
        tags=keys,
        anonymize=anonymize,
        seed=seed,
        max_items=max_items,
        stats_period=stats_period,
        resolution=resolution,
        timeout=timeout,
    )
    progress = TerminalProgress() if TerminalProgress.wanted() else None
    try:
        run.check(url, options, now=0)
    except MockServerError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        done = run.record(url, token or "", out, options, progress=progress)
    except MockServerError as exc:
        raise click.ClickException(str(exc)) from exc
    waited = f", waited {done.waited:g} s for rate limits" if done.waited else ""
    click.echo(f"wrote {out}: {done.projects} projects, {done.requests} requests{waited}", err=True)
