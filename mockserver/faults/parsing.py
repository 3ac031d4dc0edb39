"""Every way to ask for a fault or a rate limit, read in one place, one parser per thing:

- a scenario's ``faults`` and ``rateLimits`` (:func:`parse_faults`, :func:`parse_rate_limits`),
  when the scenario is loaded (:mod:`mockserver.world.build`): a scenario whose faults cannot be
  used is refused whole, with the file, line and JSON path of the problem;
- ``--fault`` and ``--rate-limits``, or ``MOCKSERVER_FAULTS`` and ``MOCKSERVER_RATE_LIMITS``,
  once, when the :class:`~mockserver.config.Config` is made: their own syntax is read by
  :mod:`mockserver.faults.options` into the scenario's forms, which are checked here;
- a rule or a policy posted to the admin API (:func:`schema_problems`, then :func:`build_rule`
  or :func:`parse_rate_limits`);
- ``Prefer: code=, fault=, delay=`` and the ``?__code=`` fallbacks (:func:`parse_prefer`), per
  request.

A scenario's sections were checked by the scenario's schema (``scenario.schema.json`` includes
``scenario-faults.json``); the other doors check theirs against the same schema first
(:func:`schema_problems`). The parsers then check what a schema cannot say (a preset that does
not exist, a rule that does nothing, a token the scenario does not have) and raise
:class:`~mockserver.faults.model.FaultSpecError` at a JSON path.
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from mockserver.faults.limits import OFF
from mockserver.faults.limits import SAAS
from mockserver.faults.limits import SAAS_DEFAULT
from mockserver.faults.limits import SAAS_ROUTES
from mockserver.faults.limits import SENTRY_DEFAULT
from mockserver.faults.limits import Category
from mockserver.faults.limits import Limit
from mockserver.faults.limits import Policy
from mockserver.faults.limits import RouteLimit
from mockserver.faults.model import ALIASES
from mockserver.faults.model import BUILTIN_PRESETS
from mockserver.faults.model import CATALOGUE
from mockserver.faults.model import MAX_DELAY_MS
from mockserver.faults.model import STATUS_FAULTS
from mockserver.faults.model import At
from mockserver.faults.model import Delay
from mockserver.faults.model import FaultSpecError
from mockserver.faults.model import Prefer
from mockserver.faults.model import Preset
from mockserver.faults.model import Rule
from mockserver.faults.model import ScenarioFaults
from mockserver.faults.model import When
from mockserver.http.routes import route_name
from mockserver.schemas.explain import first
from mockserver.schemas.explain import shorten
from mockserver.schemas.registry import SchemaRegistry

SCHEMA = "scenario-faults"
FAULTS = At(("faults",))
"""Where a scenario's ``faults`` section is."""
RATE_LIMITS = At(("rateLimits",))
"""Where a scenario's ``rateLimits`` section is."""

# --- delays, conditions, presets and rules -----------------------------------------------------


def parse_delay(raw: Any, at: At) -> Delay:
    """A delay from the scenario form (a number, or a mapping with ``type``).

    :raises FaultSpecError: for a uniform range whose min is above its max.
    """
    if isinstance(raw, int | float):
        return Delay("fixed", float(raw))
    kind = raw["type"]
    if kind == "fixed":
        return Delay("fixed", float(raw["ms"]))
    if kind == "uniform":
        if raw["min"] > raw["max"]:
            raise FaultSpecError(at, f"min {raw['min']} is above max {raw['max']}")
        return Delay("uniform", float(raw["min"]), float(raw["max"]))
    return Delay("lognormal", float(raw["median"]), float(raw["sigma"]), raw.get("max"))


def parse_when(raw: Mapping[str, Any] | None) -> When:
    """A rule's or a preset's ``when``."""
    raw = raw or {}
    return When(raw.get("probability"), raw.get("first"), raw.get("every"))


def _failure(raw: Mapping[str, Any], at: At) -> str | None:
    """The built-in fault of a ``fault`` or ``status`` key."""
    if "fault" in raw and "status" in raw:
        raise FaultSpecError(at, "has both 'fault' and 'status'", "keep one of them")
    if "status" in raw:
        return STATUS_FAULTS[int(raw["status"])]
    name = raw.get("fault")
    if name is None or CATALOGUE[name].stage == "delay":
        return None
    return str(name)


def parse_preset(raw: Mapping[str, Any], at: At) -> Preset:
    """A preset from the scenario form (also the own keys of a rule)."""
    delay = parse_delay(raw["delay"], at / "delay") if "delay" in raw else None
    if raw.get("fault") == "slow" and delay is None:
        delay = BUILTIN_PRESETS["slow"].delay
    return Preset(
        fault=_failure(raw, at),
        delay=delay,
        when=parse_when(raw["when"]) if "when" in raw else None,
        description=str(raw.get("description", "")),
    )


def build_rule(
    raw: Mapping[str, Any], name: str, source: str, presets: Mapping[str, Preset], at: At
) -> Rule:
    """A rule from the scenario form (already valid against the schema), whichever door it came
    through: the scenario, ``--fault`` or the admin API.

    :param presets: the presets it may name.
    :raises FaultSpecError: for an unknown preset, both ``fault`` and ``status``, or a rule that
        does nothing.
    """
    preset = Preset()
    preset_name = raw.get("preset")
    if preset_name is not None:
        if preset_name not in presets:
            known = ", ".join(sorted(presets))
            raise FaultSpecError(at / "preset", f"no preset {preset_name!r}", f"known: {known}")
        preset = presets[preset_name]
    own = parse_preset(raw, at)
    fault = own.fault if ("fault" in raw or "status" in raw) else preset.fault
    delay = own.delay or preset.delay
    if fault is None and delay is None:
        raise FaultSpecError(
            at, "the rule does nothing", "give it a fault, a status, a preset or a delay"
        )
    route = route_name(str(raw.get("route", "*")))
    if route is None:
        raise FaultSpecError(at / "route", f"no route {raw.get('route')!r}")
    return Rule(
        name=name,
        source=source,
        route=route,
        methods=method_set(raw.get("method", "*")),
        fault=fault,
        delay=delay,
        when=own.when or preset.when or When(),
        preset=preset_name,
        spec=dict(raw),
    )


def method_set(spec: Any) -> frozenset[str] | None:
    """``"*"`` → ``None`` (every method); a method or a list of them → a set."""
    if spec == "*":
        return None
    if isinstance(spec, str):
        return frozenset({spec.upper()})
    return frozenset(str(m).upper() for m in spec)


# --- a scenario's sections ---------------------------------------------------------------------


def parse_faults(spec: Mapping[str, Any] | None, at: At = FAULTS) -> ScenarioFaults:
    """A scenario's ``faults`` section (``None`` for none), valid against the schema.

    :raises FaultSpecError: for what the schema cannot check, at its path under ``at``.
    """
    spec = spec or {}
    presets = dict(BUILTIN_PRESETS)
    for name, raw in spec.get("presets", {}).items():
        presets[name] = parse_preset(raw, at / "presets" / name)
    rules: list[Rule] = []
    for i, raw in enumerate(spec.get("rules", ())):
        name = str(raw.get("name", f"rule-{i + 1}"))
        if any(r.name == name for r in rules):
            raise FaultSpecError(
                at / "rules" / i / "name", f"duplicate rule name {name!r}", "rename one"
            )
        rules.append(build_rule(raw, name, "scenario", presets, at / "rules" / i))
    seed = spec.get("seed")
    return ScenarioFaults(int(seed) if seed is not None else None, presets, tuple(rules))


def parse_rate_limits(spec: Any, tokens: Collection[str], at: At = RATE_LIMITS) -> Policy:
    """A scenario's ``rateLimits`` (also a policy posted to the admin API), valid against the
    schema, whose ``callers`` must be ``tokens`` of the scenario.

    :raises FaultSpecError: naming an unknown token or route.
    """
    if isinstance(spec, Mapping):
        for token in spec.get("callers", {}):
            if token not in tokens:
                raise FaultSpecError(
                    at / "callers" / token,
                    f"no token {token!r} in the scenario",
                    "list it under tokens",
                )
    return parse_policy(spec, at)


def parse_policy(spec: Any, at: At = RATE_LIMITS) -> Policy:
    """A policy from its scenario form (already valid against ``scenario-faults.json``).

    :param spec: ``None`` or ``"off"``, ``"saas"``, or a mapping with ``base``, ``default``,
        ``routes``, ``enforceConcurrent`` and ``callers``.
    :raises FaultSpecError: for what the schema cannot say (a route entry's unknown route).
    """
    if spec is None or spec == "off":
        return OFF
    if spec == "saas":
        return SAAS
    if not isinstance(spec, Mapping):
        raise FaultSpecError(at, f"rate limits must be 'off', 'saas' or a mapping, got {spec!r}")
    saas = spec.get("base", "saas") == "saas"
    default = SAAS_DEFAULT if saas else SENTRY_DEFAULT
    if "default" in spec:
        raw = spec["default"]
        default = Limit(raw["limit"], raw["window"], raw.get("concurrent", default.concurrent))
    routes = list(SAAS_ROUTES) if saas else []
    for i, raw in enumerate(spec.get("routes", ())):
        name = route_name(raw["route"])
        if name is None:
            raise FaultSpecError(at / "routes" / i / "route", f"no route {raw['route']!r}")
        categories = raw.get("category", list(Category))
        if isinstance(categories, str):
            categories = [categories]
        limit = Limit(raw["limit"], raw["window"], raw.get("concurrent", default.concurrent))
        routes.append(
            RouteLimit(
                name,
                method_set(raw.get("method", "*")),
                frozenset(Category(c) for c in categories),
                limit,
            )
        )
    return Policy(
        enabled=True,
        default=default,
        routes=tuple(routes),
        enforce_concurrent=bool(spec.get("enforceConcurrent", False)),
        callers={token: Category(c) for token, c in spec.get("callers", {}).items()},
        spec=dict(spec),
    )


# --- outside a scenario: the admin API and the command line ------------------------------------


def schema_problems(registry: SchemaRegistry, key: str, value: Any) -> str | None:
    """Whether ``value`` is a valid ``faults`` rule (``key="rule"``) or ``rateLimits``
    (``key="rateLimits"``); if not, the most relevant problem, at its JSON path in ``value``."""
    instance = {"faults": {"rules": [value]}} if key == "rule" else {key: value}
    errors = registry.errors(SCHEMA, instance)
    if not errors:
        return None
    error = first(errors)
    prefix = "$.faults.rules[0]" if key == "rule" else f"$.{key}"
    where = "$" + error.json_path.removeprefix(prefix).removeprefix("$")
    more = len(errors) - 1
    tail = f" ({more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {shorten(error.message)}{tail}"


# --- Prefer ------------------------------------------------------------------------------------


def may_prefer(environ: Mapping[str, Any]) -> bool:
    """Whether a request may ask for faults of its own (a ``Prefer`` header or a ``__code``,
    ``__fault`` or ``__delay`` parameter, also percent-encoded): ``False`` is certain, so that
    callers can skip parsing the query."""
    if "HTTP_PREFER" in environ:
        return True
    query = environ.get("QUERY_STRING", "")
    return "__" in query or "%5f" in query.lower()


def parse_prefer(
    headers: Sequence[str], args: Mapping[str, str], presets: Mapping[str, Preset]
) -> Prefer | None:
    """The ``code``, ``fault`` and ``delay`` preferences of a request (RFC 7240 syntax: a
    comma-separated list of ``token[=value]``, parameters after ``;`` ignored); the header wins
    over the ``__code``/``__fault``/``__delay`` query parameters. Preferences that are not ours
    (``return=``, ``wait=``, Prism's ``example=`` and ``dynamic=``) are ignored, as RFC 7240
    requires.

    :returns: ``None`` when the request asks for nothing.
    :raises FaultSpecError: for a value we cannot honour, naming the accepted ones.
    """
    wanted: dict[str, str] = {}
    for key in ("code", "fault", "delay"):
        if f"__{key}" in args:
            wanted[key] = args[f"__{key}"]
    for line in headers:
        for item in line.split(","):
            token = item.split(";", 1)[0].strip()
            key, _, value = token.partition("=")
            key = key.strip().lower()
            if key in ("code", "fault", "delay"):
                wanted[key] = value.strip().strip('"')
    if not wanted:
        return None
    failures: list[str] = []
    delay: Delay | None = None
    preset_name: str | None = None
    if "code" in wanted:
        code = wanted["code"]
        if not code.isdigit() or not (200 <= int(code) < 300 or int(code) in STATUS_FAULTS):
            codes = ", ".join(map(str, STATUS_FAULTS))
            raise FaultSpecError("Prefer code", f"{code!r} is not supported", f"use 2xx or {codes}")
        if int(code) in STATUS_FAULTS:
            failures.append(STATUS_FAULTS[int(code)])
    if "fault" in wanted:
        name = resolve_name(wanted["fault"], presets)
        preset = presets[name]
        if preset.fault is not None:
            failures.append(preset.fault)
        delay = preset.delay
        # Named in the journal only when it is the scenario's, not a built-in fault.
        preset_name = None if BUILTIN_PRESETS.get(name) is preset else name
    if len(failures) > 1:
        raise FaultSpecError(
            "Prefer", f"asks for two failures ({', '.join(failures)})", "ask for one"
        )
    if "delay" in wanted:
        try:
            ms = float(wanted["delay"])
        except ValueError:
            ms = -1.0
        if not 0 <= ms <= MAX_DELAY_MS:
            raise FaultSpecError(
                "Prefer delay",
                f"{wanted['delay']!r} is not a delay",
                f"milliseconds from 0 to {MAX_DELAY_MS:.0f}",
            )
        delay = Delay("fixed", ms)
    applied = tuple(f"{key}={wanted[key]}" for key in ("code", "fault", "delay") if key in wanted)
    return Prefer(failures[0] if failures else None, delay, preset_name, applied)


def resolve_name(name: str, presets: Mapping[str, Preset]) -> str:
    """A preset or built-in fault by name, or by WireMock's name (any case).

    :raises FaultSpecError: naming the known ones and the closest.
    """
    if name in presets:
        return name
    lowered = name.lower()
    lowered = ALIASES.get(lowered, lowered)
    if lowered in presets:
        return lowered
    known = sorted(presets)
    raise FaultSpecError("fault", f"no fault or preset {name!r}", f"known: {', '.join(known)}")
