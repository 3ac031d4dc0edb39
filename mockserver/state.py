"""The per-app state: settings, schemas, the store and the journal, in ``app.extensions``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from flask import current_app

from mockserver.config import Config
from mockserver.schemas.registry import SchemaRegistry
from mockserver.timefmt import Clock
from mockserver.timefmt import system_clock
from mockserver.webhooks.delivery import Deliverer
from mockserver.world.model import World
from mockserver.world.scenario import load_scenario_data
from mockserver.world.scenario import load_scenario_file
from mockserver.world.store import Store

EXTENSION = "mockserver"


@dataclass(slots=True)
class ServerError:
    """An unexpected exception in a view: answered as Sentry's 500, and kept for tests."""

    error_id: str
    method: str
    path: str
    exception: BaseException


@dataclass(slots=True)
class MockState:
    """Everything one app owns. Two apps in one process share nothing."""

    config: Config
    registry: SchemaRegistry
    store: Store
    deliverer: Deliverer
    errors: list[ServerError] = field(default_factory=list)
    # What other parts of the app (faults, rate limits) drop on reset; they add themselves.
    reset_hooks: list[Callable[[], None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, config: Config) -> MockState:
        """Load the schemas and the scenario; fail fast on any problem."""
        registry = SchemaRegistry(config.schemas_path)
        world = load_world(config.scenario_source, registry, config.seed, config.clock)
        store = Store(world, config.clock)
        deliverer = Deliverer(store, config.clock, config.delivery)
        return cls(config=config, registry=registry, store=store, deliverer=deliverer)

    def reset(self) -> None:
        """Back to the scenario: drop client changes and recorded deliveries."""
        self.store.reset()
        self.deliverer.reset()
        for hook in self.reset_hooks:
            hook()

    def load(self, scenario: Path | Mapping[str, Any], seed: int | None = None) -> World:
        """Replace the scenario at run time; the old one stays if the new one is invalid."""
        seed = self.config.seed if seed is None else seed
        world = load_world(scenario, self.registry, seed, self.config.clock)
        self.store.load(world)
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
    scenario: Path | Mapping[str, Any],
    registry: SchemaRegistry,
    seed: int | None,
    clock: Clock = system_clock,
) -> World:
    """Load a scenario file or an inline mapping."""
    if isinstance(scenario, Mapping):
        return load_scenario_data(dict(scenario), registry, seed=seed, clock=clock)
    return load_scenario_file(scenario, registry, seed=seed, clock=clock)


def get_state() -> MockState:
    """The state of the current app."""
    state: MockState = current_app.extensions[EXTENSION]
    return state
