"""The ``mockserver`` command: thin wrappers over the library, one error boundary."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import click

from mockserver.config import ENVIRONMENT
from mockserver.config import MAX_IO_THREADS
from mockserver.config import MAX_PORT
from mockserver.config import MAX_THREADS
from mockserver.config import MIN_PORT
from mockserver.config import SERVE_WRITE_SAMPLE
from mockserver.config import Config
from mockserver.config import listen_from_env
from mockserver.errors import ApiError
from mockserver.errors import MockServerError
from mockserver.errors import ScenarioError
from mockserver.faults.options import FaultOptionError
from mockserver.generate import RESOURCES
from mockserver.proxy.command import proxy
from mockserver.record.command import record
from mockserver.schemas.registry import SchemaRegistry
from mockserver.world.scenario import load_scenario_file

# Exports at least this long show a progress bar on stderr.
PROGRESS_FROM = 10_000
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@click.group()
@click.version_option(package_name="sentry-mockserver")
@click.pass_context
def main(context: click.Context) -> None:
    """Mock and contract-testing server for Sentry's project API."""
    if context.invoked_subcommand != "serve":
        # The command started without collections (mockserver.__main__); serve turns them
        # on once its app is built and frozen.
        gc.enable()


main.add_command(record)
main.add_command(proxy)


def _environment_help() -> str:
    """The epilog of ``serve --help``: every variable, one a line (``\b``: click keeps them)."""
    width = max(map(len, ENVIRONMENT))
    lines = [f"  {name.ljust(width)}  {what}" for name, what in ENVIRONMENT.items()]
    return "\b\nEnvironment (the options win over them):\n" + "\n".join(lines)


@main.command(epilog=_environment_help())
@click.option(
    "--scenario",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Scenario file (default: the shipped default scenario).",
)
@click.option("--host", help=f"Address to bind (default {DEFAULT_HOST}; also MOCKSERVER_HOST).")
@click.option(
    "--port",
    type=click.IntRange(MIN_PORT, MAX_PORT),
    help=f"Port, {MIN_PORT} to {MAX_PORT} (0: any free; default {DEFAULT_PORT}; also "
    "MOCKSERVER_PORT).",
)
@click.option("--seed", type=int, help="Seed for generated data (overrides the scenario's).")
@click.option(
    "--server",
    type=click.Choice(["auto", "granian", "waitress"]),
    default="auto",
    show_default=True,
    help="HTTP server. auto: granian (the faster), unless the scenario's fault rules or "
    "presets, --fault or MOCKSERVER_FAULTS use empty, reset or garbage, which need the "
    "connection: then waitress, saying why on stderr. Under granian, malformed_chunk still "
    "breaks the body (a 200, then a chunked body cut short), and empty, reset or garbage asked "
    "for at run time (admin API, Prefer) answer nginx's 502 instead, with a warning. Both serve "
    "from one process (the state is in memory).",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, MAX_THREADS),
    help=f"Python threads running requests (1 to {MAX_THREADS}).",
)
@click.option(
    "--io-threads",
    default=1,
    show_default=True,
    type=click.IntRange(1, MAX_IO_THREADS),
    help=f"granian's I/O threads, 1 to {MAX_IO_THREADS} (network only; waitress ignores it).",
)
@click.option(
    "--validate-responses/--no-validate-responses",
    default=None,
    help="Check responses against their schemas (a violation answers 500; default: on; also "
    "MOCKSERVER_VALIDATE_RESPONSES). Answers made of scenario data are encoded and checked "
    "once, when first made, so this stays on.",
)
@click.option(
    "--validate-writes-every",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Check one answer of a write (the hook a POST made, the project a PUT changed) in N, "
    f"per schema, the first always (default: {SERVE_WRITE_SAMPLE}; 1, every one, under --strict; "
    "also MOCKSERVER_VALIDATE_WRITES_EVERY).",
)
@click.option(
    "--response-cache/--no-response-cache",
    default=None,
    help="Answer a repeated GET with the answer the pipeline made for it, with its own journal "
    "entry, until what it read of the store changes or a fault or rate limit is in force "
    "(default: on; also MOCKSERVER_RESPONSE_CACHE). Off, every request runs the whole pipeline.",
)
@click.option(
    "--read-timeout",
    type=click.FloatRange(min=0, min_open=True, max=3600),
    help="Seconds a request body may take to arrive: then 408 and the connection is closed "
    "(default 10; also MOCKSERVER_READ_TIMEOUT). Also bounds the request head, and under "
    "waitress a connection that sends nothing. Under granian a body that stops arriving holds "
    "its connection until the client goes (see the README's Limits).",
)
@click.option(
    "--journal-bytes",
    type=click.IntRange(min=1),
    help="The most bytes the request journal holds, bodies and headers counted; the oldest "
    "entries go first (default 33554432, 32 MiB; also MOCKSERVER_JOURNAL_BYTES).",
)
@click.option(
    "--connection-limit",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="waitress's most connections at once (granian has no such limit).",
)
@click.option(
    "--strict/--no-strict",
    default=None,
    help="Fail requests that break Sentry's contract (also MOCKSERVER_STRICT).",
)
@click.option("--admin-token", help="Require this bearer token on /__admin/.")
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="An origin whose pages may call the API with credentials (repeatable; e.g. "
    "http://localhost:3000). Default: any (*). Others still get Access-Control-Allow-Origin, "
    "without -Allow-Credentials, as from sentry.io. Also MOCKSERVER_CORS_ORIGINS (','-separated).",
)
@click.option("--quiet", is_flag=True, help="No access log on stderr.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="The access log: a line of text per request (coloured on a terminal), or a JSON object "
    "per line.",
)
@click.option(
    "--fault",
    "fault_specs",
    multiple=True,
    metavar="SPEC",
    help="Switch a fault on (repeatable): FAULT[,KEY=VALUE...]. FAULT is a status (401, 403, "
    "404, 429, 500, 502, 503, 504), a fault (server_error, bad_gateway, service_unavailable, "
    "gateway_timeout, rate_limited, query_throttled, token_revoked, permission_denied, "
    "feature_disabled, not_found, empty, reset, garbage, malformed_chunk, truncated, malformed, "
    "slow) or a preset of the scenario. KEYs: route (name or template; default every route), "
    "method (GET or GET|POST), delay (ms: 800, uniform:100:900, lognormal:250:0.4[:3000]), "
    "probability, first, every, name. E.g. --fault 503,route=project-hooks,method=POST,first=2 "
    "--fault reset,every=3 --fault delay=800. Added after the scenario's rules. empty, reset "
    "and garbage need the connection: --server auto then serves with waitress (--server "
    "granian would answer nginx's 502 for them). Also MOCKSERVER_FAULTS (';'-separated).",
)
@click.option(
    "--rate-limits",
    metavar="MODE",
    help="Sentry's rate limits: off (self-hosted Sentry: no limits, no headers), saas "
    "(sentry.io: 40/s and 25 in flight per caller; stats/ 5/s; users/ 5/min for org callers; "
    "tags/{key}/values/ 10/s, 10 in flight), or LIMIT/WINDOW[/CONCURRENT] for every endpoint "
    "(e.g. 10/1, 100/60/5). Default: the scenario's rateLimits, off without one. Also "
    "MOCKSERVER_RATE_LIMITS.",
)
def serve(
    scenario: Path | None,
    host: str | None,
    port: int | None,
    seed: int | None,
    server: str,
    threads: int,
    io_threads: int,
    validate_responses: bool | None,
    validate_writes_every: int | None,
    response_cache: bool | None,
    read_timeout: float | None,
    journal_bytes: int | None,
    connection_limit: int,
    strict: bool | None,
    admin_token: str | None,
    cors_origins: tuple[str, ...],
    quiet: bool,
    log_format: str,
    fault_specs: tuple[str, ...],
    rate_limits: str | None,
) -> None:
    """Serve the Sentry project API from a scenario."""
    from mockserver.serving import serve_forever

    try:
        # The variables only when the options are not given (the options win).
        env_host, env_port = listen_from_env() if host is None or port is None else (None, None)
        config = Config.from_env(
            defaults={"validate_responses": True, "validate_writes_every": SERVE_WRITE_SAMPLE},
            scenario=scenario,
            seed=seed,
            validate_responses=validate_responses,
            validate_writes_every=validate_writes_every,
            response_cache=response_cache,
            read_timeout=read_timeout,
            journal_bytes=journal_bytes,
            strict=strict,
            admin_token=admin_token,
            # --fault replaces MOCKSERVER_FAULTS; without one, the variable's faults apply.
            faults=fault_specs or None,
            rate_limits=rate_limits,
            cors_origins=cors_origins or None,
        )
    except FaultOptionError as exc:
        raise click.BadParameter(str(exc)) from exc
    except MockServerError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        serve_forever(
            config,
            host=host or env_host or DEFAULT_HOST,
            port=next(p for p in (port, env_port, DEFAULT_PORT) if p is not None),
            threads=threads,
            server=server,
            io_threads=io_threads,
            connection_limit=connection_limit,
            access_log=None if quiet else log_format,
        )
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
        except ScenarioError as exc:
            failed += 1
            for problem in exc.errors:  # every problem of the file, sorted by line
                click.echo(f"error: {problem.text(exc.path)}", err=True)
            continue
        except MockServerError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
            continue
        projects = sum(len(org.projects) for org in world.organizations)
        click.echo(f"ok: {path} ({len(world.organizations)} organizations, {projects} projects)")
    if failed:
        sys.exit(1)


@main.command()
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
)
@click.option(
    "--server",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="The document's server URL ('' leaves servers out).",
)
@click.option("--rate-limits", is_flag=True, help="Document the rate limiter's 429 and headers.")
def openapi(out: Path | None, server: str, rate_limits: bool) -> None:
    """Write the OpenAPI 3.1 document of the served Sentry routes (as GET /openapi.json)."""
    from mockserver.openapi.document import write_document

    try:
        text = write_document(SchemaRegistry(), server_url=server or None, rate_limits=rate_limits)
    except MockServerError as exc:
        raise click.ClickException(str(exc)) from exc
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(_cannot_write(out, exc)) from exc
    click.echo(f"wrote {out}", err=True)


@main.command()
@click.option(
    "--spec",
    metavar="PATH_OR_URL",
    help="Sentry's OpenAPI document (openapi-derefed.json), a file or an http(s) URL; "
    "default: the snapshot shipped with the mock.",
)
@click.option(
    "--deliberate", is_flag=True, help="Also list the differences made on purpose, and why."
)
def drift(spec: str | None, deliberate: bool) -> None:
    """Compare the mock's contract with Sentry's published one; exit 1 on unlisted drift."""
    from mockserver.openapi import drift as checker
    from mockserver.openapi.document import openapi_document

    try:
        report = checker.check(openapi_document(), spec)
    except checker.DriftError as exc:
        raise _NotCompared(str(exc)) from exc
    for line in checker.render(report, deliberate=deliberate):
        click.echo(line)
    if report.drifted:
        sys.exit(1)


@main.command()
@click.argument("resource", type=click.Choice([*RESOURCES, "world"]))
@click.option("--count", type=click.IntRange(min=0), help="How many items (generated as needed).")
@click.option("--seed", type=int, help="Seed for generated data (overrides the scenario's).")
@click.option(
    "--scenario",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Scenario file: its hand-written items first, as the server serves them (default: "
    "the shipped default scenario, whose users, tag values and hooks are then all generated "
    "from the seed).",
)
@click.option("--project", help="org/project, by slug or id (default: the first project).")
@click.option("--key", help="Tag key, for tag-values.")
@click.option("--stat", default="received", show_default=True, help="For stats.")
@click.option("--since", type=float, help="For stats: window start (epoch seconds).")
@click.option("--until", type=float, help="For stats: window end (epoch seconds).")
@click.option("--resolution", help="For stats: 10s, 1h or 1d.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl", "yaml"]),
    default="json",
    show_default=True,
)
@click.option(
    "--out", type=click.Path(path_type=Path), help="File (directory for world); default stdout."
)
def generate(
    resource: str,
    count: int | None,
    seed: int | None,
    scenario: Path | None,
    project: str | None,
    key: str | None,
    stat: str,
    since: float | None,
    until: float | None,
    resolution: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Write fixtures as Sentry's API returns them, without a server.

    RESOURCE is users, tag-values (with --key), hooks, project, stats, or world (every
    project's objects as a directory of JSON files, --out DIR).
    """
    from mockserver import generate as gen

    try:
        if resource == "world":
            if out is None:
                raise click.UsageError("world needs --out DIR")
            files = gen.export_world(out, seed=seed, scenario=scenario)
            click.echo(f"wrote {len(files)} files under {out}", err=True)
            return
        if resource == "tag-values" and key is None:
            raise click.UsageError("tag-values needs --key (a tag key of the project)")
        items = gen.iter_generate(
            resource,
            count=count,
            seed=seed,
            scenario=scenario,
            project=project,
            key=key,
            stat=stat,
            since=since,
            until=until,
            resolution=resolution,
        )
        stream = open(out, "w", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
        try:
            if count is not None and count >= PROGRESS_FROM:
                with click.progressbar(
                    items, length=count, file=sys.stderr, label="generating"
                ) as bar:
                    written = gen.write(bar, fmt, stream)
            else:
                written = gen.write(items, fmt, stream)
        finally:
            if out:
                stream.close()
        if out:
            click.echo(f"wrote {written} {resource} to {out}", err=True)
    except ApiError as exc:
        # What Sentry would answer 400 for (--since nan, --resolution 2h): the option is wrong.
        detail = exc.body.get("detail") if isinstance(exc.body, dict) else exc.body
        raise click.UsageError(f"{detail}") from exc
    except MockServerError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:  # --out in a missing directory, under a file, or not writable
        raise click.ClickException(_cannot_write(out or Path("-"), exc)) from exc


class _NotCompared(click.ClickException):
    """``mockserver drift`` could not read the document: exit 2, apart from drift's 1."""

    exit_code = 2


def _cannot_write(out: Path, exc: OSError) -> str:
    where = exc.filename or out
    return f"cannot write {where}: {exc.strerror or exc}; check --out"
