"""``mockserver/world/hooklog.py`` and the store's hooks: kept in Sentry's order as written."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC
from datetime import datetime

import pytest

from mockserver.resources import default_scenario
from mockserver.schemas.registry import SchemaRegistry
from mockserver.world.hooklog import HookList
from mockserver.world.hooklog import HookLog
from mockserver.world.model import Hook
from mockserver.world.scenario import load_scenario_file
from mockserver.world.store import Store

WHEN = datetime(2024, 1, 1, tzinfo=UTC)


def _hook(n: int, internal_id: int | None = None, url: str = "https://x.example/") -> Hook:
    return Hook(
        id=f"{n:032x}",
        url=url,
        events=(),
        status="active",
        secret="s" * 64,
        date_created=WHEN,
        internal_id=n if internal_id is None else internal_id,
    )


def _sentry_order(hooks: list[Hook]) -> list[Hook]:
    """Sentry's list: ``ORDER BY id DESC`` (a stable sort: ties keep the given order)."""
    return sorted(hooks, key=lambda h: h.internal_id, reverse=True)


def test_the_scenario_hooks_are_listed_by_internal_id_descending_whatever_their_order() -> None:
    given = [_hook(3), _hook(1), _hook(7), _hook(5)]
    log = HookLog(given)
    assert list(log.newest_first()) == _sentry_order(given)
    assert [h.internal_id for h in log.newest_first()] == [7, 5, 3, 1]


def test_hooks_sharing_an_internal_id_keep_the_order_given() -> None:
    # A hand-built world may do this; Sentry's stable order keeps them as given.
    given = [_hook(1, 4), _hook(2, 9), _hook(3, 4), _hook(4, 4)]
    log = HookLog(given)
    assert list(log.newest_first()) == _sentry_order(given)
    log.remove(given[2].id)
    assert list(log.newest_first()) == _sentry_order([given[0], given[1], given[3]])


def test_create_delete_and_update_interleaved_keep_sentrys_order() -> None:
    rng = random.Random(17)
    log = HookLog([_hook(n) for n in (2, 9, 4)])
    expected = {h.id: h for h in (_hook(2), _hook(9), _hook(4))}
    next_id = 10
    for step in range(600):
        roll = rng.random()
        if roll < 0.5 or not expected:
            hook = _hook(next_id)
            next_id += 1
            log.add(hook)
            expected[hook.id] = hook
        elif roll < 0.75:
            victim = rng.choice(sorted(expected))
            assert log.remove(victim) is True
            del expected[victim]
        else:
            target = rng.choice(sorted(expected))
            changed = replace(expected[target], url=f"https://x.example/{step}")
            assert log.replace(changed) is True
            expected[target] = changed
        listed = log.newest_first()
        assert list(listed) == _sentry_order(list(expected.values()))
        assert len(listed) == len(log) == len(expected)
        assert all(log.get(hook_id) == hook for hook_id, hook in expected.items())
    assert log.remove("0" * 32) is False
    assert log.replace(_hook(10**6)) is False


def test_a_hook_with_an_older_internal_id_goes_in_its_place() -> None:
    log = HookLog([_hook(1), _hook(5)])
    log.add(_hook(3))
    assert [h.internal_id for h in log.newest_first()] == [5, 3, 1]
    moved = replace(log.get(_hook(1).id) or _hook(0), internal_id=9)
    assert log.replace(moved) is True
    assert [h.internal_id for h in log.newest_first()] == [9, 5, 3]


def test_a_list_taken_never_changes_after_writes() -> None:
    log = HookLog([_hook(1), _hook(2), _hook(3)])
    before = log.newest_first()
    log.add(_hook(4))
    log.remove(_hook(2).id)
    log.replace(replace(_hook(3), url="https://changed.example/"))
    assert [h.internal_id for h in before] == [3, 2, 1]
    assert before[0].url == "https://x.example/"
    assert [h.internal_id for h in log.newest_first()] == [4, 3, 1]
    assert log.newest_first()[1].url == "https://changed.example/"


def test_a_hook_list_is_a_sequence_newest_first() -> None:
    listed = HookLog([_hook(n) for n in range(1, 6)]).newest_first()
    assert isinstance(listed, HookList)
    assert [listed[i].internal_id for i in range(5)] == [5, 4, 3, 2, 1]
    assert (listed[-1].internal_id, listed[-5].internal_id) == (1, 5)
    assert [h.internal_id for h in listed[1:4]] == [4, 3, 2]
    assert [h.internal_id for h in listed[::-2]] == [1, 3, 5]
    assert listed == [_hook(n) for n in (5, 4, 3, 2, 1)]
    assert listed != [_hook(1)]
    for index in (5, -6):
        with pytest.raises(IndexError):
            listed[index]


def test_the_store_lists_hooks_newest_first_after_creates_deletes_and_updates() -> None:
    store = Store(load_scenario_file(default_scenario(), SchemaRegistry()), lambda: 0.0)
    project = "2"
    made = [store.create_hook(project, f"https://x.example/{n}", ["created"]) for n in range(6)]
    (example,) = [h for h in store.hooks(project) if h not in made]
    assert store.delete_hook(project, made[2].id) is True
    assert store.delete_hook(project, made[2].id) is False
    updated = store.update_hook(project, made[4].id, url="https://changed.example/")
    assert updated is not None
    newer = store.create_hook(project, "https://x.example/late", [])
    assert list(store.hooks(project)) == [
        newer,
        made[5],
        updated,
        made[3],
        made[1],
        made[0],
        example,
    ]
    assert store.hook(project, made[4].id) == updated
    assert store.update_hook(project, made[2].id, url="https://x.example/") is None
    store.reset()
    assert list(store.hooks(project)) == [example]
