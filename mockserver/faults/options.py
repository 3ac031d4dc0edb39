"""The command line's faults: ``--fault`` and ``--rate-limits`` (or ``MOCKSERVER_FAULTS`` and
``MOCKSERVER_RATE_LIMITS``, which :meth:`mockserver.config.Config.from_env` reads), read from
their own syntax into the scenario's forms and checked by :mod:`mockserver.faults.parsing`, once,
when the :class:`~mockserver.config.Config` is made.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.errors import ConfigError
from mockserver.faults.limits import Policy
from mockserver.faults.model import ALIASES
from mockserver.faults.model import CATALOGUE
from mockserver.faults.model import At
from mockserver.faults.model import FaultSpecError
from mockserver.faults.parsing import parse_policy
from mockserver.faults.parsing import schema_problems
from mockserver.schemas.registry import SchemaRegistry

FAULTS_SETTING = "MOCKSERVER_FAULTS / --fault"
RATE_LIMITS_SETTING = "MOCKSERVER_RATE_LIMITS / --rate-limits"


class FaultOptionError(ConfigError):
    """A ``--fault`` or ``--rate-limits`` value (or its variable) that cannot be used."""


@dataclass(frozen=True, slots=True)
class FaultOptions:
    """The faults of the command line (``--fault`` and ``--rate-limits``, or their variables),
    parsed and checked against the schema.

    :ivar rules: ``--fault`` rules in the scenario's form, built when the app is, against the
        presets of its scenario (``FaultController.set_baseline``).
    :ivar policy: the ``--rate-limits`` policy, which beats the scenario's; ``None`` for none.
    """

    rules: tuple[Mapping[str, Any], ...] = ()
    policy: Policy | None = None


def parse_fault_options(
    faults: Sequence[str], rate_limits: str | None, registry: SchemaRegistry
) -> FaultOptions:
    """``--fault`` values (one fault each) and a ``--rate-limits`` value.

    :raises FaultOptionError: naming the setting, the value and the problem.
    """
    rules: list[Mapping[str, Any]] = []
    for text in faults:
        if ";" in text:
            raise FaultOptionError(
                f"{FAULTS_SETTING} {text!r}: give one fault per --fault, without ';'"
            )
        try:
            rule = parse_fault_option(text)
        except FaultSpecError as exc:
            raise FaultOptionError(f"{FAULTS_SETTING}: {exc}") from None
        problem = schema_problems(registry, "rule", rule)
        if problem:
            raise FaultOptionError(f"{FAULTS_SETTING} {text!r}: {problem}")
        rules.append(rule)
    policy = None
    if rate_limits is not None:
        try:
            spec = parse_rate_limits_option(rate_limits)
        except ValueError as exc:
            raise FaultOptionError(f"{RATE_LIMITS_SETTING}: {exc}") from None
        problem = schema_problems(registry, "rateLimits", spec)
        if problem:
            raise FaultOptionError(f"{RATE_LIMITS_SETTING} {rate_limits!r}: {problem}")
        try:
            policy = parse_policy(spec, At())
        except FaultSpecError as exc:
            raise FaultOptionError(f"{RATE_LIMITS_SETTING}: {exc}") from None
    return FaultOptions(tuple(rules), policy)


def split_env(value: str) -> tuple[str, ...]:
    """``MOCKSERVER_FAULTS`` holds ``--fault`` values separated by ``;``."""
    return tuple(part.strip() for part in value.split(";") if part.strip())


def parse_fault_option(text: str) -> dict[str, Any]:
    """The ``--fault`` / ``MOCKSERVER_FAULTS`` syntax, as a scenario rule.

    ``FAULT[,key=value]...`` where ``FAULT`` is a fault or preset name (``reset``, ``slow``,
    ``CONNECTION_RESET_BY_PEER``) or a status (``503``), and the keys are ``route`` (a name or a
    template), ``method`` (``GET`` or ``GET|POST``), ``delay`` (``800``, ``uniform:100:900``,
    ``lognormal:250:0.4[:3000]``), ``probability``, ``first``, ``every`` and ``name``. Examples:
    ``503,route=project-hooks,method=POST,first=2``; ``reset,every=3``; ``delay=800``;
    ``slow,probability=0.1``.

    :raises FaultSpecError: naming what is wrong.
    """
    rule: dict[str, Any] = {}
    when: dict[str, Any] = {}
    for i, item in enumerate(part.strip() for part in text.split(",")):
        if not item:
            continue
        key, eq, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not eq:
            if i != 0:
                raise FaultSpecError(text, f"{item!r} is not key=value")
            key, value = ("status", item) if item.isdigit() else ("fault", item)
        try:
            if key == "status":
                rule["status"] = int(value)
            elif key == "fault":
                name = ALIASES.get(value.lower(), value)
                rule["fault" if name in CATALOGUE else "preset"] = name
            elif key in ("route", "name", "preset"):
                rule[key] = value
            elif key == "method":
                methods = [m.strip().upper() for m in value.split("|") if m.strip()]
                rule["method"] = methods[0] if len(methods) == 1 else methods
            elif key == "delay":
                rule["delay"] = _delay_option(value)
            elif key == "probability":
                when["probability"] = _finite(value)
            elif key in ("first", "every"):
                when[key] = int(value)
            else:
                raise FaultSpecError(
                    text,
                    f"unknown key {key!r}",
                    "use route, method, delay, probability, first, every, name",
                )
        except ValueError as exc:
            if isinstance(exc, FaultSpecError):
                raise
            raise FaultSpecError(text, f"{key}={value!r} is not valid") from None
    if when:
        rule["when"] = when
    return rule


def _finite(value: str) -> float:
    """A number of a ``--fault`` option; ``nan`` passes every range check of the schema, and
    ``float()`` reads it, so it is refused here (no JSON answer could show the rule)."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a rate limit can have")


def _delay_option(value: str) -> Any:
    parts = value.split(":")
    if len(parts) == 1:
        return _finite(parts[0])
    kind, numbers = parts[0].lower(), [_finite(p) for p in parts[1:]]
    if kind == "fixed" and len(numbers) == 1:
        return {"type": "fixed", "ms": numbers[0]}
    if kind == "uniform" and len(numbers) == 2:
        return {"type": "uniform", "min": numbers[0], "max": numbers[1]}
    if kind == "lognormal" and len(numbers) in (2, 3):
        out: dict[str, Any] = {"type": "lognormal", "median": numbers[0], "sigma": numbers[1]}
        if len(numbers) == 3:
            out["max"] = numbers[2]
        return out
    raise ValueError(value)


def parse_rate_limits_option(text: str) -> Any:
    """The ``--rate-limits`` / ``MOCKSERVER_RATE_LIMITS`` syntax, as a scenario ``rateLimits``.

    ``off``, ``saas``, ``LIMIT/WINDOW`` or ``LIMIT/WINDOW/CONCURRENT`` (every endpoint, no
    per-route limits, e.g. ``10/1`` or ``100/60/5``), or a JSON object in the scenario's form.

    :raises ValueError: naming the accepted forms.
    """
    value = text.strip()
    if value.lower() in ("off", "saas"):
        return value.lower()
    if value.startswith("{"):
        try:
            parsed = json.loads(value, parse_constant=_no_constant)
        except RecursionError:
            raise ValueError("not valid JSON: nested too deep") from None
        except ValueError as exc:  # JSONDecodeError, and NaN or Infinity
            raise ValueError(f"not valid JSON: {exc}") from None
        return parsed
    parts = value.split("/")
    if len(parts) in (2, 3) and all(p.strip().isdigit() for p in parts):
        numbers = [int(p) for p in parts]
        default: dict[str, int] = {"limit": numbers[0], "window": numbers[1]}
        if len(numbers) == 3:
            default["concurrent"] = numbers[2]
        if default["window"] < 1:
            raise ValueError("the window is at least 1 second")
        return {"base": "none", "default": default}
    raise ValueError(
        f"{text!r}: use off, saas, LIMIT/WINDOW or LIMIT/WINDOW/CONCURRENT (e.g. 10/1, 100/60/5), "
        "or a JSON object as the scenario's rateLimits"
    )
