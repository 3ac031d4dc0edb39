"""The fault rules of one app: where they come from, their counts and seeded draws.

Rules come from the scenario (``faults``, parsed when the scenario was loaded: the
:class:`~mockserver.world.model.World` keeps them, with its ``rateLimits``), the command line
(``--fault``, in the app's :class:`~mockserver.config.Config`) and the admin API, in that order.
The controller follows the world the app serves: when it is replaced (``/__admin/scenario``,
``MockServer.load_scenario``), the new scenario's rules, presets and rate limits take over.

Every draw is seeded: each rule has its own generators, seeded by the faults' seed and the rule's
name, so the same requests fire, with the same delays, on every run, and adding a rule never
changes what another draws.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from mockserver.faults.limiter import Limiter
from mockserver.faults.model import BUILTIN_PRESETS
from mockserver.faults.model import CATALOGUE
from mockserver.faults.model import At
from mockserver.faults.model import FaultSpecError
from mockserver.faults.model import Prefer
from mockserver.faults.model import Preset
from mockserver.faults.model import Rule
from mockserver.faults.model import ScenarioFaults
from mockserver.faults.parsing import build_rule
from mockserver.world.model import World

if TYPE_CHECKING:
    from mockserver.state import MockState

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

    :param limiter: the app's rate limiter, which gets the scenario's ``rateLimits``.
    :param sleep: how latency is waited out (tests pass one that records the delay).
    """

    def __init__(self, limiter: Limiter, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sleep = sleep
        self.limiter = limiter
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._seed = 0
        self._presets: dict[str, Preset] = dict(BUILTIN_PRESETS)
        self._scenario: list[Rule] = []
        self._baseline: list[Rule] = []
        self._configured: list[Rule] = []  # the command line's, as given: reset restores them
        self._runtime: list[Rule] = []
        self._rules: list[Rule] = []
        self._counters: dict[str, _Counter] = {}
        self._next_runtime = 1
        self._rngs: dict[str, random.Random] = {}
        self._world: World | None = None

    # -- configuration

    def use_scenario(self, faults: ScenarioFaults, seed: int) -> None:
        """A scenario's parsed ``faults`` section, drawing from ``seed``; counters start afresh."""
        with self._lock:
            self._seed = seed
            self._presets = dict(faults.presets)
            self._scenario = list(faults.rules)
            self._restart()

    def set_baseline(self, raws: Sequence[Mapping[str, Any]]) -> None:
        """Rules from the command line (``--fault``, ``MOCKSERVER_FAULTS``): kept across resets.

        :raises FaultSpecError: for an unusable rule.
        """
        rules = [
            build_rule(
                raw, str(raw.get("name", f"cli-{i + 1}")), "cli", self._presets, At((i,), "")
            )
            for i, raw in enumerate(raws)
        ]
        with self._lock:
            self._configured = rules
            self._baseline = list(rules)
            self._restart()

    def add(self, raw: Mapping[str, Any], source: str = "runtime") -> Rule:
        """Add a rule at run time (after every other rule); like the admin API's, it goes at
        the next :meth:`reset`.

        :param source: who added it: ``runtime`` (the admin API) or ``test``
            (``MockServer.fault``); an unnamed rule is named after it (``test-1``).
        :raises FaultSpecError: for an unusable rule or a name already taken.
        """
        with self._lock:
            taken = {r.name for r in self._rules}
            name = raw.get("name")
            if name is None and source == "runtime":
                while f"runtime-{self._next_runtime}" in taken:
                    self._next_runtime += 1
                name = f"runtime-{self._next_runtime}"
            elif name is None:
                n = 1
                while f"{source}-{n}" in taken:
                    n += 1
                name = f"{source}-{n}"
            elif name in taken:
                raise FaultSpecError(At() / "name", f"a rule named {name!r} exists", "pick another")
            rule = build_rule(raw, str(name), source, self._presets, At())
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
            # Removed or cleared since (DELETE /__admin/faults): the command line's come back.
            self._baseline = list(self._configured)
            self._world = None  # makes sync() read the scenario again
        self.sync(state)

    def _restart(self) -> None:
        self._rules = [*self._scenario, *self._baseline, *self._runtime]
        self._counters = {r.name: self._counter(r) for r in self._rules}
        # Made when first drawn from: seeding costs ~15 µs each, and a reset between tests
        # would pay it for draws most tests never make.
        self._rngs = {}

    def _rng(self, what: str) -> random.Random:
        """The draws of ``what`` (``error-ids``, ``noise``, ``prefer``) since the last restart,
        seeded from the scenario's seed (the caller holds the lock)."""
        rng = self._rngs.get(what)
        if rng is None:
            rng = random.Random(f"{self._seed}:{what}")  # noqa: S311 - simulation, not security
            self._rngs[what] = rng
        return rng

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
        (``/__admin/scenario`` or ``MockServer.load_scenario``), take its ``faults`` and
        ``rateLimits``."""
        if state.store.world is self._world:
            return
        with self._sync_lock:
            world = state.store.world
            if world is self._world:
                return  # another thread synced while this one waited
            self._world = world
            # --seed beats the faults' own seed, which beats the scenario's.
            own = world.faults.seed
            seed = world.seed if state.config.seed is not None or own is None else own
            self.use_scenario(world.faults, seed)
            self.limiter.set_scenario_policy(world.rate_limits)

    # -- requests

    def plan(self, route: str | None, method: str, prefer: Prefer | None) -> Plan:
        """Evaluate the rules (or the request's own preference) for one request."""
        if prefer is not None:
            delay_ms = 0.0
            if prefer.delay is not None:
                with self._lock:
                    delay_ms = prefer.delay.sample(self._rng("prefer"))
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
            bits = self._rng("error-ids").getrandbits(128)
        return uuid.UUID(int=bits, version=4).hex

    def noise(self) -> bytes:
        """Seeded random bytes above 0x7F: never an HTTP status line, a chunk size or a newline."""
        with self._lock:
            rng = self._rng("noise")
            return bytes(rng.randrange(0x80, 0x100) for _ in range(NOISE_BYTES))

    @property
    def presets(self) -> Mapping[str, Preset]:
        """The built-in presets and the scenario's."""
        return self._presets

    def counts(self, name: str) -> tuple[int, int]:
        """How many requests the rule ``name`` matched, and fired on (``(0, 0)`` once gone)."""
        with self._lock:
            counter = self._counters.get(name)
            return (0, 0) if counter is None else (counter.matched, counter.fired)

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
