"""The per-app state: every object one app owns, in ``app.extensions["mockserver"]``.

Two apps in one process share nothing but what cannot change: the schemas loaded from the same
files (:mod:`mockserver.schemas.registry`, the one process-level cache) and the route table.
Everything an app memoizes is its own: :class:`~mockserver.cache.memo.Memos`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from flask import Flask
from flask import current_app

from mockserver.cache.memo import Memo
from mockserver.cache.memo import Memos
from mockserver.cache.responses import ResponseCache
from mockserver.config import Config
from mockserver.errors import ConfigError
from mockserver.errors import ServerError
from mockserver.faults.controller import FaultController
from mockserver.faults.limiter import Limiter
from mockserver.faults.model import FaultSpecError
from mockserver.faults.options import FAULTS_SETTING
from mockserver.http.pipeline import Pipeline
from mockserver.http.stubs import Stubs
from mockserver.journal.journal import Journal
from mockserver.journal.redaction import PATTERNS
from mockserver.journal.redaction import Redactor
from mockserver.schemas.registry import SchemaRegistry
from mockserver.timefmt import Clock
from mockserver.timefmt import system_clock
from mockserver.webhooks.delivery import Deliverer
from mockserver.world.sandboxes import Sandboxes
from mockserver.world.scenario import ScenarioText
from mockserver.world.scenario import load_scenario_data
from mockserver.world.scenario import load_scenario_file
from mockserver.world.scenario import load_scenario_text
from mockserver.world.store import Store

if TYPE_CHECKING:
    from mockserver.world.model import World

EXTENSION = "mockserver"
DOCUMENTS_KEPT = 8
"""OpenAPI documents an app keeps encoded (one per server URL and rate-limit state)."""

__all__ = ["EXTENSION", "MockState", "ServerError", "get_state", "load_world", "state_of"]


@dataclass(slots=True, eq=False)
class MockState:
    """Everything one app owns.

    :ivar config: the settings.
    :ivar registry: the JSON Schemas.
    :ivar store: the scenario's world and what clients changed.
    :ivar sandboxes: the fuzzers' stores, each over the same world
        (:mod:`mockserver.world.sandboxes`); dropped by a reset and by a scenario load.
    :ivar memos: every value the app derives once and keeps (items, JSON, pages, request-body
        violations, list-schema analyses); the store drops the world's when it loads another.
    :ivar deliverer: service-hook deliveries; whoever serves the app tells its
        ``destinations`` where the mock listens, so that no delivery reaches it.
    :ivar journal: every request answered.
    :ivar limiter: Sentry's rate limiter.
    :ivar faults: the fault rules and presets.
    :ivar stubs: the one-off answers tests set (``MockServer.respond``); a reset drops them.
    :ivar pipeline: the way of a Sentry API request.
    :ivar response_cache: answers kept for repeated reads, or ``None`` when off.
    :ivar redactor: what every journal output redacts: token shapes, and the token values of
        every scenario this app has served (entries made under an earlier one stay redacted).
    :ivar errors: unexpected exceptions, kept until a test takes them.
    :ivar reset_hooks: what else drops its state on reset (the scheduler adds itself).
    :ivar writes_made: per schema, a count of the answers of writes made
        (:func:`~mockserver.http.views.answers.write_check` samples with it).
    :ivar documents: the encoded OpenAPI documents served, by server URL and rate-limit state
        (a client's ``Host`` header names the URL: bounded).
    """

    config: Config
    registry: SchemaRegistry
    store: Store
    sandboxes: Sandboxes
    memos: Memos
    deliverer: Deliverer
    journal: Journal
    limiter: Limiter
    faults: FaultController
    stubs: Stubs = field(default_factory=Stubs)
    pipeline: Pipeline = field(init=False)
    response_cache: ResponseCache | None = None
    redactor: Redactor = PATTERNS
    errors: list[ServerError] = field(default_factory=list)
    reset_hooks: list[Callable[[], None]] = field(default_factory=list)
    writes_made: dict[str, Iterator[int]] = field(default_factory=dict)
    documents: Memo = field(default_factory=lambda: Memo(DOCUMENTS_KEPT))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, config: Config) -> MockState:
        """Load the schemas and the scenario, and make every per-app object; fail fast.

        :raises ScenarioError: if the scenario, its faults included, is not valid.
        :raises ConfigError: if a ``--fault`` names a preset the scenario does not have.
        """
        registry = SchemaRegistry(config.schemas_path)
        world = load_world(config.scenario_source, registry, config.seed, config.clock)
        memos = Memos()
        store = Store(world, config.clock, memos)
        limiter = Limiter(config.clock)
        state = cls(
            config=config,
            registry=registry,
            store=store,
            sandboxes=Sandboxes(store, config.clock),
            memos=memos,
            deliverer=Deliverer(store, config.clock, config.delivery),
            journal=Journal(config.journal_size, byte_budget=config.journal_bytes),
            limiter=limiter,
            faults=FaultController(limiter),
            redactor=PATTERNS.including(world.tokens),
        )
        state.pipeline = Pipeline(state)
        state.faults.sync(state)
        # The command line's faults, parsed with the settings, may name the scenario's presets.
        try:
            state.faults.set_baseline(config.fault_options.rules)
        except FaultSpecError as exc:
            raise ConfigError(f"{FAULTS_SETTING}: {exc}") from None
        limiter.set_baseline_policy(config.fault_options.policy)
        return state

    def reset(self) -> None:
        """Back to the scenario: drop client changes (fuzzers' sandboxes too), deliveries,
        fault counts, stubs, rate-limit windows and kept answers."""
        self.store.reset()
        self.sandboxes.clear()
        self.deliverer.reset()
        self.faults.reset(self)
        self.stubs.clear()
        self.limiter.reset()
        if self.response_cache is not None:
            self.response_cache.reset()  # after the store's: it keeps the scenario's answers
        for hook in self.reset_hooks:
            hook()

    def load(
        self, scenario: Path | Mapping[str, Any] | ScenarioText, seed: int | None = None
    ) -> World:
        """Replace the scenario at run time; the old one stays if the new one is invalid.

        :raises ScenarioError: if the new scenario, its faults and rate limits included, is not
            valid: it is refused whole.
        """
        seed = self.config.seed if seed is None else seed
        world = load_world(scenario, self.registry, seed, self.config.clock)
        self.store.load(world)
        self.sandboxes.clear()
        self.redactor = self.redactor.including(world.tokens)
        self.faults.sync(self)  # its faults and rate limits, parsed with it
        self.deliverer.reset()
        return world

    def record_error(self, error: ServerError) -> None:
        """Keep an unexpected exception so that a test can fail on it."""
        with self.lock:
            self.errors.append(error)

    def take_errors(self) -> list[ServerError]:
        """The unexpected exceptions so far, and forget them."""
        with self.lock:
            errors, self.errors = self.errors, []
        return errors


def load_world(
    scenario: Path | Mapping[str, Any] | ScenarioText,
    registry: SchemaRegistry,
    seed: int | None,
    clock: Clock = system_clock,
) -> World:
    """Load a scenario file, an inline mapping or YAML text."""
    if isinstance(scenario, ScenarioText):
        return load_scenario_text(
            scenario.text, registry, source=scenario.source, seed=seed, clock=clock
        )
    if isinstance(scenario, Mapping):
        return load_scenario_data(dict(scenario), registry, seed=seed, clock=clock)
    return load_scenario_file(scenario, registry, seed=seed, clock=clock)


def state_of(app: Flask) -> MockState:
    """The state of ``app``."""
    state: MockState = app.extensions[EXTENSION]
    return state


def get_state() -> MockState:
    """The state of the current Flask app (the admin API's views)."""
    return state_of(current_app)
