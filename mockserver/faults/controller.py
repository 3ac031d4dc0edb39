"""The fault rules of one app: where they come from, their counts and seeded draws.

Rules come from the scenario (``faults``), the command line (``--fault``, passed to the app as
``MOCKSERVER_FAULTS``) and the admin API, in that order. The scenario's ``faults`` and
``rateLimits`` are not part of the :class:`~mockserver.world.model.World`, so the controller reads
them from the scenario itself, when the app is built and whenever the app's world is replaced.

Every draw is seeded: each rule has its own generators, seeded by the faults' seed and the rule's
name, so the same requests fire, with the same delays, on every run, and adding a rule never
changes what another draws.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import MutableMapping
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import yaml

from mockserver.errors import ConfigError
from mockserver.errors import ScenarioError
from mockserver.faults import ratelimit
from mockserver.faults.model import BUILTIN_PRESETS
from mockserver.faults.model import CATALOGUE
from mockserver.faults.model import FaultSpecError
from mockserver.faults.model import Prefer
from mockserver.faults.model import Preset
from mockserver.faults.model import Rule
from mockserver.faults.model import build_rule
from mockserver.faults.model import parse_fault_option
from mockserver.faults.model import parse_preset
from mockserver.faults.ratelimit import Limiter
from mockserver.schemas.explain import first
from mockserver.schemas.explain import shorten
from mockserver.schemas.registry import SchemaRegistry
from mockserver.world.model import World

if TYPE_CHECKING:
    from mockserver.state import MockState

log = logging.getLogger("mockserver")

SCHEMA = "scenario-faults"
FAULTS_ENV = "MOCKSERVER_FAULTS"
RATE_LIMITS_ENV = "MOCKSERVER_RATE_LIMITS"
NOISE_BYTES = 64


@dataclass(slots=True)
class _Counter:
    rule: Rule
    when_rng: random.Random
    delay_rng: random.Random
    matched: int = 0
    fired: int = 0


@dataclass(slots=True)
class Fired:
    """A rule (or a Prefer override) firing on a request.

    :ivar fault: its failure, only if it is the one that decides the answer.
    """

    source: str
    rule: str | None
    fault: str | None
    delay_ms: float
    preset: str | None = None

    def record(self) -> dict[str, Any]:
        """The journal's view of it."""
        out: dict[str, Any] = {"source": self.source, "rule": self.rule}
        if self.preset is not None:
            out["preset"] = self.preset
        if self.fault is not None:
            out["fault"] = self.fault
            status = CATALOGUE[self.fault].status
            if status is not None:
                out["status"] = status
        if self.delay_ms:
            out["delayMs"] = round(self.delay_ms, 3)
        return out


@dataclass(slots=True)
class Plan:
    """What happens to one request."""

    fired: list[Fired]
    prefer: Prefer | None = None
    slept: bool = False

    @property
    def failure(self) -> Fired | None:
        """The entry whose failure decides the answer."""
        return next((f for f in self.fired if f.fault is not None), None)

    @property
    def delay_ms(self) -> float:
        """The total latency."""
        return sum(f.delay_ms for f in self.fired)


class FaultController:
    """The fault rules, presets and random generators of one app.

    :param registry: the schemas, to check rules given at run time.
    :param limiter: the app's rate limiter, which gets the scenario's ``rateLimits``.
    :param sleep: how latency is waited out (tests pass one that records the delay).
    """

    def __init__(
        self,
        registry: SchemaRegistry,
        limiter: Limiter,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sleep = sleep
        self.registry = registry
        self.limiter = limiter
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._seed = 0
        self._presets: dict[str, Preset] = dict(BUILTIN_PRESETS)
        self._scenario: list[Rule] = []
        self._baseline: list[Rule] = []
        self._runtime: list[Rule] = []
        self._rules: list[Rule] = []
        self._counters: dict[str, _Counter] = {}
        self._next_runtime = 1
        self._rngs: dict[str, random.Random] = {}
        self._world: World | None = None
        self._initial_world: World | None = None
        self.scenario_error: str | None = None

    # -- configuration

    def load_scenario(self, spec: Mapping[str, Any] | None, seed: int, where: str) -> None:
        """The scenario's ``faults`` section (``None`` for none), drawing from ``seed``; counters
        start afresh.

        :raises FaultSpecError: for what the schema cannot check.
        """
        spec = spec or {}
        presets = dict(BUILTIN_PRESETS)
        for name, raw in spec.get("presets", {}).items():
            presets[name] = parse_preset(raw, f"{where}.presets.{name}")
        rules: list[Rule] = []
        for i, raw in enumerate(spec.get("rules", ())):
            name = str(raw.get("name", f"rule-{i + 1}"))
            if any(r.name == name for r in rules):
                raise FaultSpecError(
                    f"{where}.rules[{i}].name", f"duplicate rule name {name!r}", "rename one"
                )
            rules.append(build_rule(raw, name, "scenario", presets, f"{where}.rules[{i}]"))
        with self._lock:
            self._seed = seed
            self._presets = presets
            self._scenario = rules
            self._restart()

    def set_baseline(self, raws: Sequence[Mapping[str, Any]]) -> None:
        """Rules from the command line (``--fault``, ``MOCKSERVER_FAULTS``): kept across resets.

        :raises FaultSpecError: for an unusable rule.
        """
        rules = [
            build_rule(raw, str(raw.get("name", f"cli-{i + 1}")), "cli", self._presets, f"[{i}]")
            for i, raw in enumerate(raws)
        ]
        with self._lock:
            self._baseline = rules
            self._restart()

    def add(self, raw: Mapping[str, Any]) -> Rule:
        """Add a rule at run time (after every other rule).

        :raises FaultSpecError: for an unusable rule or a name already taken.
        """
        with self._lock:
            taken = {r.name for r in self._rules}
            name = raw.get("name")
            if name is None:
                while f"runtime-{self._next_runtime}" in taken:
                    self._next_runtime += 1
                name = f"runtime-{self._next_runtime}"
            elif name in taken:
                raise FaultSpecError("$.name", f"a rule named {name!r} exists", "pick another")
            rule = build_rule(raw, str(name), "runtime", self._presets, "$")
            self._runtime.append(rule)
            self._rules.append(rule)
            self._counters[rule.name] = self._counter(rule)
        return rule

    def remove(self, name: str) -> bool:
        """Remove one rule, wherever it came from (until :meth:`reset`)."""
        with self._lock:
            before = len(self._rules)
            self._scenario = [r for r in self._scenario if r.name != name]
            self._baseline = [r for r in self._baseline if r.name != name]
            self._runtime = [r for r in self._runtime if r.name != name]
            self._rules = [r for r in self._rules if r.name != name]
            self._counters.pop(name, None)
            return len(self._rules) < before

    def clear(self) -> int:
        """Remove every rule, the scenario's too (until :meth:`reset`); how many there were."""
        with self._lock:
            count = len(self._rules)
            self._scenario, self._baseline, self._runtime, self._rules = [], [], [], []
            self._counters.clear()
            return count

    def reset(self, state: MockState) -> None:
        """Back to the scenario's and the command line's rules, every count and draw afresh."""
        with self._lock:
            self._runtime = []
            self._world = None  # makes sync() read the scenario again
        self.sync(state)

    def _restart(self) -> None:
        self._rules = [*self._scenario, *self._baseline, *self._runtime]
        self._counters = {r.name: self._counter(r) for r in self._rules}
        self._rngs = {
            what: random.Random(f"{self._seed}:{what}")  # noqa: S311 - simulation, not security
            for what in ("error-ids", "noise", "prefer")
        }

    def _counter(self, rule: Rule) -> _Counter:
        seed = f"{self._seed}:{rule.name}"
        return _Counter(
            rule,
            random.Random(f"{seed}:when"),  # noqa: S311 - simulation, not security
            random.Random(f"{seed}:delay"),  # noqa: S311 - simulation, not security
        )

    # -- the scenario

    def sync(self, state: MockState) -> None:
        """Follow the scenario the app serves: on the first call and whenever it was replaced
        (``/__admin/`` or ``MockServer.load_scenario``), load its ``faults`` and ``rateLimits``.

        :raises ScenarioError: on the first call, for what the schema cannot check.
        """
        if state.store.world is self._world:
            return
        with self._sync_lock:
            self._sync(state)

    def _sync(self, state: MockState) -> None:
        world = state.store.world
        if world is self._world:
            return  # another thread synced while this one waited
        first = self._initial_world is None
        if first:
            self._initial_world = world
        self._world = world
        sections, text = _sections_of(world, state, world is self._initial_world)
        seed = (
            world.seed
            if state.config.seed is not None
            else sections.get("faults", {}).get("seed", world.seed)
        )
        try:
            self.load_scenario(sections.get("faults"), int(seed), "$.faults")
            check_callers(sections.get("rateLimits"), world)
            policy = ratelimit.parse_policy(sections.get("rateLimits"))
        except ValueError as exc:
            error = _scenario_error(exc, world.source, text)
            if first:
                raise error from None
            # A scenario replaced at run time: serve it without faults rather than fail requests.
            log.error("faults and rate limits ignored: %s", error)
            self.scenario_error = str(error)
            self.load_scenario(None, world.seed, "$.faults")
            policy = ratelimit.OFF
        else:
            self.scenario_error = None
        self.limiter.set_scenario_policy(policy)

    # -- requests

    def plan(self, route: str | None, method: str, prefer: Prefer | None) -> Plan:
        """Evaluate the rules (or the request's own preference) for one request."""
        if prefer is not None:
            delay_ms = 0.0
            if prefer.delay is not None:
                with self._lock:
                    delay_ms = prefer.delay.sample(self._rngs["prefer"])
            fired = Fired("prefer", None, prefer.fault, delay_ms, prefer.preset)
            return Plan([fired], prefer=prefer)
        fired_list: list[Fired] = []
        with self._lock:
            for rule in self._rules:
                if not rule.matches(route, method):
                    continue
                counter = self._counters[rule.name]
                counter.matched += 1
                if not rule.when.fires(counter.matched, counter.when_rng):
                    continue
                counter.fired += 1
                delay_ms = rule.delay.sample(counter.delay_rng) if rule.delay else 0.0
                decides = rule.fault is not None and all(f.fault is None for f in fired_list)
                fired_list.append(
                    Fired(rule.source, rule.name, rule.fault if decides else None, delay_ms)
                )
        return Plan(fired_list)

    def error_id(self) -> str:
        """A seeded event id (uuid4 hex), as Sentry's 500s carry."""
        with self._lock:
            bits = self._rngs["error-ids"].getrandbits(128)
        return uuid.UUID(int=bits, version=4).hex

    def noise(self) -> bytes:
        """Seeded random bytes above 0x7F: never an HTTP status line, a chunk size or a newline."""
        with self._lock:
            rng = self._rngs["noise"]
            return bytes(rng.randrange(0x80, 0x100) for _ in range(NOISE_BYTES))

    @property
    def presets(self) -> Mapping[str, Preset]:
        """The built-in presets and the scenario's."""
        return self._presets

    def rules(self) -> list[Rule]:
        """Every rule in force, in evaluation order."""
        with self._lock:
            return list(self._rules)

    def describe(self) -> dict[str, Any]:
        """For ``GET /__admin/faults``."""
        with self._lock:
            rules = [
                rule_json(r, self._counters[r.name].matched, self._counters[r.name].fired)
                for r in self._rules
            ]
            presets = {
                name: preset_json(p)
                for name, p in sorted(self._presets.items())
                if BUILTIN_PRESETS.get(name) is not p
            }
        return {
            "rules": rules,
            "presets": presets,
            "builtin": sorted(BUILTIN_PRESETS),
            "seed": self._seed,
            "scenarioError": self.scenario_error,
        }


def rule_json(rule: Rule, matched: int, fired: int) -> dict[str, Any]:
    """A rule for the admin API, with its counts."""
    out: dict[str, Any] = {
        "name": rule.name,
        "source": rule.source,
        "route": rule.route,
        "method": "*" if rule.methods is None else sorted(rule.methods),
        "fault": rule.fault,
        "preset": rule.preset,
        "delay": rule.delay.to_json() if rule.delay else None,
        "when": rule.when.to_json(),
        "matched": matched,
        "fired": fired,
    }
    return out


def preset_json(preset: Preset) -> dict[str, Any]:
    """A preset for the admin API."""
    return {
        "fault": preset.fault,
        "delay": preset.delay.to_json() if preset.delay else None,
        "when": preset.when.to_json() if preset.when else None,
        "description": preset.description,
    }


# --- scenarios, the command line and the environment -------------------------------------------


def _sections_of(world: World, state: MockState, initial: bool) -> tuple[dict[str, Any], str]:
    """The ``faults`` and ``rateLimits`` of the scenario ``world`` was built from, and its text.

    A World that keeps them (``World.extras``, the scenario's raw top-level keys) says it all;
    otherwise they are read back from the scenario file, or from the configuration for the
    world the app was built with. A world loaded inline at run time cannot be read back.
    """
    path = Path(world.source) if world.source != "<inline>" else None
    if path is not None and not path.is_file():
        path = None
    extras = getattr(world, "extras", None)
    if isinstance(extras, Mapping):
        text = path.read_text(encoding="utf-8") if path is not None else ""
        keys = ("faults", "rateLimits")
        return {k: extras[k] for k in keys if extras.get(k) is not None}, text
    if path is not None:
        return scenario_sections(path)
    if initial:
        return scenario_sections(state.config.scenario_source)
    log.warning("the faults and rate limits of a scenario loaded inline at run time are not read")
    return {}, ""


def scenario_sections(source: Path | Mapping[str, Any] | None) -> tuple[dict[str, Any], str]:
    """The raw ``faults`` and ``rateLimits`` of a scenario (the world keeps neither), and the
    file's text for line numbers in messages (``""`` for an inline scenario).

    The scenario was validated when it was loaded, so the file is read without checks.
    """
    if source is None:
        return {}, ""
    text = ""
    data: Any = source
    if isinstance(source, Path):
        text = source.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    if not isinstance(data, Mapping):
        return {}, text
    return {k: data[k] for k in ("faults", "rateLimits") if data.get(k) is not None}, text


def check_callers(spec: Any, world: World) -> None:
    """``rateLimits.callers`` must name tokens of the scenario.

    :raises FaultSpecError: naming the unknown token.
    """
    if not isinstance(spec, Mapping):
        return
    for token in spec.get("callers", {}):
        if token not in world.tokens:
            raise FaultSpecError(
                f"$.rateLimits.callers.{token}",
                f"no token {token!r} in the scenario",
                "list it under tokens",
            )


def _scenario_error(exc: Exception, source: str, text: str | None) -> ScenarioError:
    if isinstance(exc, FaultSpecError):
        where = exc.where
        line = _line_of(text or "", where)
        return ScenarioError(
            source, f"line {line}, {where}" if line else where, exc.problem, exc.fix
        )
    return ScenarioError(source, "$.rateLimits", str(exc), "see schemas/scenario-faults.json")


def _line_of(text: str, where: str) -> int | None:
    """The line of a JSON path such as ``$.faults.rules[1].preset`` in YAML text."""
    if not text:
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    parts = where.removeprefix("$").replace("[", ".").replace("]", "").strip(".").split(".")
    line = None
    for part in parts:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and part.isdigit():
            index = int(part)
            child = node.value[index] if index < len(node.value) else None
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


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


def split_env(value: str) -> Iterator[str]:
    """``MOCKSERVER_FAULTS`` holds ``--fault`` values separated by ``;``."""
    return (part.strip() for part in value.split(";") if part.strip())


def apply_environment(ctl: FaultController, environ: Mapping[str, str]) -> None:
    """``MOCKSERVER_FAULTS`` and ``MOCKSERVER_RATE_LIMITS`` (what ``mockserver serve --fault``
    and ``--rate-limits`` set): rules and a policy that beat the scenario's.

    :raises ConfigError: naming the variable and the problem.
    """
    if environ.get(FAULTS_ENV):
        rules = []
        for text in split_env(environ[FAULTS_ENV]):
            try:
                rule = parse_fault_option(text)
            except FaultSpecError as exc:
                raise ConfigError(f"{FAULTS_ENV} / --fault: {exc}") from None
            problem = schema_problems(ctl.registry, "rule", rule)
            if problem:
                raise ConfigError(f"{FAULTS_ENV} / --fault {text!r}: {problem}")
            rules.append(rule)
        try:
            ctl.set_baseline(rules)
        except FaultSpecError as exc:
            raise ConfigError(f"{FAULTS_ENV} / --fault: {exc}") from None
    if environ.get(RATE_LIMITS_ENV):
        text = environ[RATE_LIMITS_ENV]
        try:
            spec = ratelimit.parse_option(text)
        except ValueError as exc:
            raise ConfigError(f"{RATE_LIMITS_ENV} / --rate-limits: {exc}") from None
        problem = schema_problems(ctl.registry, "rateLimits", spec)
        if problem:
            raise ConfigError(f"{RATE_LIMITS_ENV} / --rate-limits {text!r}: {problem}")
        ctl.limiter.set_baseline_policy(ratelimit.parse_policy(spec))


def export_options(
    faults: Sequence[str], rate_limits: str | None, environ: MutableMapping[str, str]
) -> None:
    """Check ``mockserver serve --fault`` and ``--rate-limits`` values and hand them to the app
    the command builds, through ``MOCKSERVER_FAULTS`` and ``MOCKSERVER_RATE_LIMITS``.

    Only the syntax is checked here; the app checks the rest when it starts.

    :raises ValueError: naming the option and the problem.
    """
    for text in faults:
        if ";" in text:
            raise ValueError(f"--fault {text!r}: give one fault per --fault, without ';'")
        try:
            parse_fault_option(text)
        except FaultSpecError as exc:
            raise ValueError(f"--fault: {exc}") from None
    if faults:
        environ[FAULTS_ENV] = ";".join(faults)
    if rate_limits is not None:
        try:
            ratelimit.parse_option(rate_limits)
        except ValueError as exc:
            raise ValueError(f"--rate-limits: {exc}") from None
        environ[RATE_LIMITS_ENV] = rate_limits
