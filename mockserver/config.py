"""Typed, frozen settings of one mock server, from arguments or ``MOCKSERVER_*`` variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from dataclasses import replace
from pathlib import Path
from typing import Any

from mockserver.errors import ConfigError
from mockserver.faults.options import FaultOptions
from mockserver.faults.options import parse_fault_options
from mockserver.faults.options import split_env
from mockserver.http.body import DEFAULT_READ_TIMEOUT
from mockserver.journal.journal import DEFAULT_JOURNAL_BYTES
from mockserver.journal.journal import MIN_JOURNAL_BYTES
from mockserver.resources import default_scenario
from mockserver.resources import schemas_dir
from mockserver.schemas.registry import SchemaRegistry
from mockserver.timefmt import Clock
from mockserver.timefmt import system_clock
from mockserver.webhooks.delivery import DeliverySettings

#: The bounds of ``serve``'s numbers that are not settings of the app: the command line refuses
#: others as usage errors, :func:`mockserver.serving.serve_app` (for Python callers) with a
#: :class:`~mockserver.errors.ConfigError`. A port outside them would not fail: the resolver
#: takes it modulo 65,536 (``--port 65537`` served on port 1).
MIN_PORT, MAX_PORT = 0, 65_535
MAX_THREADS = 256
MAX_IO_THREADS = 64
_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/?#\s,]+")
MAX_READ_TIMEOUT = 3600.0
"""The longest read timeout accepted, in seconds (an hour: longer is a typo)."""
SERVE_WRITE_SAMPLE = 16
"""``mockserver serve`` checks one answer of a write in this many (per schema, the first always)
unless ``--strict``: a write's answer is made anew each time, and its check cost a tenth of a
POST or PUT. Tests (the pytest fixture, :class:`Config`'s default) check every one."""


ENVIRONMENT: Mapping[str, str] = {
    "MOCKSERVER_SCENARIO": "scenario file (--scenario)",
    "MOCKSERVER_SEED": "seed of the generated data (--seed)",
    "MOCKSERVER_HOST": "address serve binds (--host)",
    "MOCKSERVER_PORT": "port serve binds, 0 to 65535 (--port)",
    "MOCKSERVER_STRICT": "true: refuse requests that break the contract (--strict)",
    "MOCKSERVER_VALIDATE_RESPONSES": "check answers against their schemas (--validate-responses)",
    "MOCKSERVER_VALIDATE_WRITES_EVERY": "check a write's answer one in N (--validate-writes-every)",
    "MOCKSERVER_RESPONSE_CACHE": "replay repeated GETs (--response-cache)",
    "MOCKSERVER_JOURNAL_SIZE": "most requests the journal keeps",
    "MOCKSERVER_JOURNAL_BYTES": "most bytes the journal keeps (--journal-bytes)",
    "MOCKSERVER_READ_TIMEOUT": "seconds a request body may take (--read-timeout)",
    "MOCKSERVER_ADMIN_TOKEN": "bearer token /__admin/ requires (--admin-token)",
    "MOCKSERVER_FAULTS": "--fault values, separated by ';'",
    "MOCKSERVER_RATE_LIMITS": "a --rate-limits value",
}
"""Every variable mockserver reads, and what it sets (``mockserver serve --help`` lists them;
the command line wins over them). Only this module reads them."""


def listen_from_env(environ: Mapping[str, str] | None = None) -> tuple[str | None, int | None]:
    """``MOCKSERVER_HOST`` and ``MOCKSERVER_PORT``: where ``mockserver serve`` binds when its
    ``--host`` and ``--port`` are not given (not settings of the app: a :class:`Config` serves
    anywhere).

    :raises ConfigError: for a port that is not an integer from 0 to 65535.
    """
    env = os.environ if environ is None else environ
    host = env.get("MOCKSERVER_HOST") or None
    port = _int(env, "MOCKSERVER_PORT") if env.get("MOCKSERVER_PORT") else None
    if port is not None and not MIN_PORT <= port <= MAX_PORT:
        raise ConfigError(f"MOCKSERVER_PORT must be from {MIN_PORT} to {MAX_PORT}, got {port}")
    return host, port


@dataclass(frozen=True, slots=True)
class Config:
    """Settings of one mock server.

    :ivar scenario: a scenario file, or an inline mapping (as the pytest marker passes).
    :ivar seed: overrides the scenario's seed when not ``None``.
    :ivar validate_responses: check every response against its schema; a violation is a
        500 answered with Sentry's error body and recorded (our bug, never the client's).
    :ivar validate_writes_every: under :attr:`validate_responses`, the answers of writes (the
        hook a ``POST`` made, the project a ``PUT`` changed: made anew for each write) are
        checked one in this many, per schema, the first always; 1, the default, checks every
        one. ``mockserver serve`` samples (:data:`SERVE_WRITE_SAMPLE`) unless ``--strict``.
    :ivar strict: contract violations by the client fail the request with a problem+json error.
    :ivar response_cache: give a repeated ``GET`` the answer the pipeline made for it, without
        running the pipeline again, while nothing it depends on changed
        (:mod:`mockserver.cache.responses`); off, every request runs the whole pipeline.
    :ivar journal_size: the most entries the journal holds (oldest evicted first).
    :ivar journal_bytes: the most bytes the journal's entries may hold, bodies and headers
        counted (oldest evicted first; :mod:`mockserver.journal.journal`).
    :ivar read_timeout: seconds a request body may take to arrive before the request is
        answered 408 and its connection closed (:func:`mockserver.http.body.read_body`); also
        the request-head timeout of ``mockserver serve``'s servers.
    :ivar clock: time source (tests pass a controllable one).
    :ivar delivery: timeout, retries and backoff of service-hook deliveries.
    :ivar faults: fault rules in ``--fault`` syntax, one each, added after the scenario's.
    :ivar rate_limits: a rate-limit policy in ``--rate-limits`` syntax, which beats the
        scenario's; ``None`` keeps the scenario's.
    :ivar cors_origins: the origins a browser page may call the API from with credentials
        (``Access-Control-Allow-Credentials: true``; :mod:`mockserver.http.cors`), as
        ``scheme://host[:port]``; ``("*",)``, the default, allows any. Every origin still gets
        its ``Access-Control-Allow-Origin``, as from Sentry.
    :ivar fault_options: :attr:`faults` and :attr:`rate_limits`, parsed and checked when the
        settings are made (:mod:`mockserver.faults.options`).
    """

    scenario: Path | Mapping[str, Any] | None = None
    seed: int | None = None
    schemas_dir: Path | None = None
    validate_responses: bool = False
    validate_writes_every: int = 1
    strict: bool = False
    journal_size: int = 10_000
    journal_bytes: int = DEFAULT_JOURNAL_BYTES
    read_timeout: float = DEFAULT_READ_TIMEOUT
    admin_token: str | None = None
    response_cache: bool = True
    clock: Clock = system_clock
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    faults: tuple[str, ...] = ()
    rate_limits: str | None = None
    cors_origins: tuple[str, ...] = ("*",)
    fault_options: FaultOptions = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Parse :attr:`faults` and :attr:`rate_limits`, once.

        :raises ConfigError: naming the setting, the value and the problem.
        """
        object.__setattr__(self, "faults", tuple(self.faults))  # a list, from a mapping
        object.__setattr__(self, "cors_origins", _origins(self.cors_origins))
        options = FaultOptions()
        if self.faults or self.rate_limits is not None:
            # The schemas are loaded once per directory: the app built from these settings
            # gets the same ones.
            registry = SchemaRegistry(self.schemas_path)
            options = parse_fault_options(self.faults, self.rate_limits, registry)
        object.__setattr__(self, "fault_options", options)

    @property
    def scenario_source(self) -> Path | Mapping[str, Any]:
        """The scenario to load: the configured one, or the shipped default."""
        return self.scenario if self.scenario is not None else default_scenario()

    @property
    def schemas_path(self) -> Path:
        """The directory of JSON Schemas to load."""
        return self.schemas_dir if self.schemas_dir is not None else schemas_dir()

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        defaults: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> Config:
        """Read ``MOCKSERVER_SCENARIO``, ``MOCKSERVER_SEED``, ``MOCKSERVER_STRICT``,
        ``MOCKSERVER_VALIDATE_RESPONSES``, ``MOCKSERVER_VALIDATE_WRITES_EVERY``,
        ``MOCKSERVER_RESPONSE_CACHE``,
        ``MOCKSERVER_JOURNAL_SIZE``, ``MOCKSERVER_JOURNAL_BYTES``, ``MOCKSERVER_READ_TIMEOUT``,
        ``MOCKSERVER_ADMIN_TOKEN``, ``MOCKSERVER_FAULTS``
        (``--fault`` values separated by ``;``), ``MOCKSERVER_RATE_LIMITS`` and
        ``MOCKSERVER_CORS_ORIGINS`` (origins separated by ``,``); keyword
        overrides that are not ``None`` win. The only reader of the environment: the rest of
        mockserver gets its settings from a :class:`Config`.

        :param defaults: settings the variables override (``serve`` validates responses
            unless ``MOCKSERVER_VALIDATE_RESPONSES`` says not to, and samples writes' answers
            unless strict mode is on or ``validate_writes_every`` is given).
        :raises ConfigError: if a variable has a value of the wrong kind.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = dict(defaults or {})
        if "MOCKSERVER_SCENARIO" in env:
            values["scenario"] = Path(env["MOCKSERVER_SCENARIO"])
        if "MOCKSERVER_SEED" in env:
            values["seed"] = _int(env, "MOCKSERVER_SEED")
        if "MOCKSERVER_JOURNAL_SIZE" in env:
            values["journal_size"] = _int(env, "MOCKSERVER_JOURNAL_SIZE")
        if "MOCKSERVER_JOURNAL_BYTES" in env:
            values["journal_bytes"] = _int(env, "MOCKSERVER_JOURNAL_BYTES")
        if "MOCKSERVER_VALIDATE_WRITES_EVERY" in env:
            values["validate_writes_every"] = _int(env, "MOCKSERVER_VALIDATE_WRITES_EVERY")
        if "MOCKSERVER_READ_TIMEOUT" in env:
            values["read_timeout"] = _float(env, "MOCKSERVER_READ_TIMEOUT")
        for name in ("strict", "validate_responses", "response_cache"):
            key = f"MOCKSERVER_{name.upper()}"
            if key in env:
                values[name] = _bool(env, key)
        if "MOCKSERVER_ADMIN_TOKEN" in env:
            values["admin_token"] = env["MOCKSERVER_ADMIN_TOKEN"] or None
        if env.get("MOCKSERVER_FAULTS"):
            values["faults"] = split_env(env["MOCKSERVER_FAULTS"])
        if env.get("MOCKSERVER_RATE_LIMITS"):
            values["rate_limits"] = env["MOCKSERVER_RATE_LIMITS"]
        if env.get("MOCKSERVER_CORS_ORIGINS"):
            values["cors_origins"] = tuple(env["MOCKSERVER_CORS_ORIGINS"].split(","))
        known = {f.name for f in fields(cls) if f.init}
        for key, value in overrides.items():
            if key not in known:
                raise ConfigError(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
            if value is not None:
                values[key] = value
        if values.get("strict") and not (
            "MOCKSERVER_VALIDATE_WRITES_EVERY" in env
            or overrides.get("validate_writes_every") is not None
        ):
            # Strict mode is a contract test: a sample from the defaults yields to every answer.
            values["validate_writes_every"] = 1
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        """Validate the settings.

        :raises ConfigError: naming the setting and the fix.
        """
        if self.journal_size < 1:
            raise ConfigError(f"journal_size must be at least 1, got {self.journal_size}")
        if self.validate_writes_every < 1:
            raise ConfigError(
                "validate_writes_every must be at least 1 (1 checks every answer of a write), "
                f"got {self.validate_writes_every}"
            )
        if self.journal_bytes < MIN_JOURNAL_BYTES:
            raise ConfigError(
                f"journal_bytes must be at least {MIN_JOURNAL_BYTES} (one entry with the "
                f"largest bodies it keeps), got {self.journal_bytes}"
            )
        if not 0 < self.read_timeout <= MAX_READ_TIMEOUT:
            raise ConfigError(
                f"read_timeout must be more than 0 and at most {MAX_READ_TIMEOUT:g} seconds, "
                f"got {self.read_timeout:g}"
            )

    def with_changes(self, **changes: Any) -> Config:
        """A copy with some settings changed."""
        return replace(self, **changes)


def _origins(given: Any) -> tuple[str, ...]:
    """The allowed origins, each ``*`` or ``scheme://host[:port]``, lower-cased.

    :raises ConfigError: for anything else (a path, no scheme, an empty list).
    """
    if isinstance(given, str):
        given = (given,)
    origins: list[str] = []
    for raw in given:
        origin = str(raw).strip().rstrip("/").lower()
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"cors_origins: {raw!r} is not an origin; give scheme://host[:port] (e.g. "
                "http://localhost:3000), or * for any"
            )
        origins.append(origin)
    if not origins:
        raise ConfigError("cors_origins: give at least one origin, or * for any")
    return tuple(origins)


def _int(env: Mapping[str, str], key: str) -> int:
    try:
        return int(env[key])
    except ValueError:
        raise ConfigError(f"{key} must be an integer, got {env[key]!r}") from None


def _float(env: Mapping[str, str], key: str) -> float:
    try:
        value = float(env[key])
    except ValueError:
        raise ConfigError(f"{key} must be a number, got {env[key]!r}") from None
    return value  # check() refuses NaN, infinities and out-of-range values


def _bool(env: Mapping[str, str], key: str) -> bool:
    value = env[key].strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{key} must be true or false, got {env[key]!r}")
