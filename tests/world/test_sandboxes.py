"""``mockserver/world/sandboxes.py``: named stores over one world, bounded in number."""

from __future__ import annotations

from mockserver.resources import default_scenario
from mockserver.schemas.registry import SchemaRegistry
from mockserver.world.sandboxes import CAPACITY
from mockserver.world.sandboxes import Sandboxes
from mockserver.world.scenario import load_scenario_file
from mockserver.world.store import Store


def _store() -> Store:
    return Store(load_scenario_file(default_scenario(), SchemaRegistry()), lambda: 0.0)


def test_a_sandbox_starts_from_the_scenario_and_keeps_its_changes() -> None:
    store = _store()
    sandboxes = Sandboxes(store, lambda: 0.0)
    sandbox = sandboxes.get("a")
    assert sandbox is not store
    assert sandbox.world is store.world
    assert sandbox.memos is store.memos  # derived from the world: shared
    sandbox.delete_project("2")
    assert sandboxes.get("a").resolve("my-org", "my-project") is None
    assert sandboxes.get("b").resolve("my-org", "my-project") is not None
    assert store.resolve("my-org", "my-project") is not None
    assert sandboxes.drop("a") is True
    assert sandboxes.drop("a") is False
    assert sandboxes.get("a").resolve("my-org", "my-project") is not None


def test_at_most_capacity_sandboxes_are_kept_the_least_recently_used_going_first() -> None:
    sandboxes = Sandboxes(_store(), lambda: 0.0, capacity=3)
    for name in ("a", "b", "c"):
        sandboxes.get(name).delete_project("2")
    sandboxes.get("a")  # used again: now the most recent
    sandboxes.get("d")
    assert sandboxes.names() == ["c", "a", "d"]
    # "b" was dropped: asked again, it starts from the scenario.
    assert sandboxes.get("b").resolve("my-org", "my-project") is not None
    assert sandboxes.get("a").resolve("my-org", "my-project") is None
    sandboxes.clear()
    assert sandboxes.names() == []


def test_the_default_capacity_is_sixteen() -> None:
    sandboxes = Sandboxes(_store(), lambda: 0.0)
    for n in range(CAPACITY + 5):
        sandboxes.get(f"s{n}")
    assert CAPACITY == 16
    assert sandboxes.names() == [f"s{n}" for n in range(5, CAPACITY + 5)]
