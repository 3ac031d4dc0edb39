"""The ``mockserver`` command: thin wrappers over the library, one error boundary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from mockserver.config import Config
from mockserver.errors import MockServerError
from mockserver.scenarios import load_scenario_file
from mockserver.schemas import SchemaRegistry


@click.group()
@click.version_option(package_name="sentry-mockserver")
def main() -> None:
    """Mock and contract-testing server for Sentry's project API."""


@main.command()
@click.option(
    "--scenario",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Scenario file (default: the shipped default scenario).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port (0: any free).")
@click.option("--seed", type=int, help="Seed for generated data (overrides the scenario's).")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
@click.option(
    "--validate-responses/--no-validate-responses",
    default=False,
    show_default=True,
    help="Check every response against its schema (a violation answers 500).",
)
@click.option("--strict", is_flag=True, help="Fail requests that break Sentry's contract.")
@click.option("--admin-token", help="Require this bearer token on /__admin/.")
def serve(
    scenario: Path | None,
    host: str,
    port: int,
    seed: int | None,
    threads: int,
    validate_responses: bool,
    strict: bool,
    admin_token: str | None,
) -> None:
    """Serve the Sentry project API from a scenario."""
    from mockserver.serving import serve_forever

    config = _config(
        scenario=scenario,
        seed=seed,
        validate_responses=validate_responses,
        strict=strict,
        admin_token=admin_token,
    )
    try:
        serve_forever(config, host=host, port=port, threads=threads)
    except MockServerError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), required=True)
def validate(paths: tuple[Path, ...]) -> None:
    """Check scenario files; exit 1 with a message per broken file."""
    registry = SchemaRegistry()
    failed = 0
    for path in paths:
        try:
            world = load_scenario_file(path, registry)
        except MockServerError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
            continue
        projects = sum(len(org.projects) for org in world.organizations)
        click.echo(f"ok: {path} ({len(world.organizations)} organizations, {projects} projects)")
    if failed:
        sys.exit(1)


def _config(**overrides: Any) -> Config:
    try:
        return Config.from_env(**overrides)
    except MockServerError as exc:
        raise click.ClickException(str(exc)) from exc
