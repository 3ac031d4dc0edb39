"""``Store.update_project``: what derives from a project is kept until an update changes it."""

from __future__ import annotations

from typing import Any

from mockserver.resources import default_scenario
from mockserver.schemas.registry import SchemaRegistry
from mockserver.sentry import serializers
from mockserver.world.overlay import RECENT_STATES
from mockserver.world.scenario import load_scenario_file
from mockserver.world.store import UNSET
from mockserver.world.store import ProjectView
from mockserver.world.store import Store

PROJECT = "2"


def _store() -> Store:
    return Store(load_scenario_file(default_scenario(), SchemaRegistry()), lambda: 0.0)


def test_an_update_that_changes_nothing_keeps_the_view_and_its_json() -> None:
    store = _store()
    store.update_project(PROJECT, {"name": "Renamed"}, {"sentry:option": 1}, shadows=["name"])
    view = store.view(PROJECT)
    made = serializers.project_update_json(view)
    version = store.versions.version
    store.update_project(PROJECT, {"name": "Renamed"}, {"sentry:option": 1}, shadows=["name"])
    assert store.view(PROJECT) is view
    assert serializers.project_update_json(store.view(PROJECT)) is made
    assert store.versions.version == version + 1  # still a write: cached answers are dropped


def test_an_update_python_finds_equal_but_json_does_not_is_a_change() -> None:
    store = _store()
    store.update_project(PROJECT, {}, {"sentry:option": 1})
    view = store.view(PROJECT)
    store.update_project(PROJECT, {}, {"sentry:option": True})  # 1 == True in Python
    changed = store.view(PROJECT)
    assert changed is not view
    assert changed.options["sentry:option"] is True
    store.update_project(PROJECT, {}, {"sentry:option": 1.0})  # 1.0 == True in Python too
    assert store.view(PROJECT).options["sentry:option"] == 1.0
    assert store.view(PROJECT) is not changed


def test_every_kind_of_change_makes_a_new_view() -> None:
    store = _store()
    updates: list[tuple[dict[str, Any], dict[str, Any] | None, tuple[str, ...]]] = [
        ({"name": "Renamed"}, None, ()),
        ({"slug": "renamed"}, None, ()),
        ({"platform": "go"}, None, ()),
        ({"isBookmarked": True}, None, ()),
        ({}, {"sentry:resolve_age": 24}, ()),
        ({}, {"sentry:resolve_age": UNSET}, ()),
        ({}, None, ("color",)),  # a scenario field stops showing
    ]
    for changes, options, shadows in updates:
        before = store.view(PROJECT)
        store.update_project(PROJECT, changes, options, shadows=shadows)
        assert store.view(PROJECT) is not before, (changes, options, shadows)
    before = store.view(PROJECT)
    store.update_project(PROJECT, {}, None, copy_from="3")
    assert store.view(PROJECT) is not before
    assert store.view(PROJECT).project.teams == store.view("3").project.teams


def test_a_state_visited_shortly_before_finds_its_view_and_json_again() -> None:
    store = _store()
    views: dict[bool, ProjectView] = {}
    answers: dict[bool, bytes] = {}
    for bookmarked in (True, False, True, False):
        store.update_project(PROJECT, {"isBookmarked": bookmarked})
        view = store.view(PROJECT)
        answer = serializers.project_update_json(view)
        assert view.fields["isBookmarked"] is bookmarked
        assert views.setdefault(bookmarked, view) is view
        assert answers.setdefault(bookmarked, answer) is answer


def test_only_the_last_few_states_are_kept() -> None:
    store = _store()
    store.update_project(PROJECT, {"name": "State 0"})
    first = store.view(PROJECT)
    for n in range(1, RECENT_STATES + 2):
        store.update_project(PROJECT, {"name": f"State {n}"})
    store.update_project(PROJECT, {"name": "State 0"})
    again = store.view(PROJECT)
    assert again is not first  # forgotten: made afresh, the same project
    assert again.project.name == first.project.name == "State 0"
    store.update_project(PROJECT, {"name": f"State {RECENT_STATES + 1}"})
    store.update_project(PROJECT, {"name": "State 0"})
    assert store.view(PROJECT) is again  # visited two updates ago: kept


def test_a_view_keeps_the_options_it_was_made_from() -> None:
    store = _store()
    store.update_project(PROJECT, {}, {"sentry:resolve_age": 24})
    view = store.view(PROJECT)
    store.update_project(PROJECT, {}, {"sentry:resolve_age": 48})
    assert view.options["sentry:resolve_age"] == 24
    assert store.view(PROJECT).options["sentry:resolve_age"] == 48


def test_a_reset_after_a_change_finds_the_scenarios_view_and_json_again() -> None:
    store = _store()
    pristine = store.view(PROJECT)
    made = serializers.project_details_json(pristine)
    store.update_project(PROJECT, {"name": "Renamed"}, {}, shadows=["name"])
    renamed = store.view(PROJECT)
    assert renamed is not pristine
    assert renamed.project.name == "Renamed"
    store.create_hook(PROJECT, "https://example.com/h", ["event.created"])
    store.reset()
    # The project as the scenario has it: the same view and bytes, not made again.
    assert store.view(PROJECT) is pristine
    assert serializers.project_details_json(store.view(PROJECT)) is made
    assert len(store.hooks(PROJECT)) == len(pristine.project.hooks)  # hooks are not memoized
    # A change after the reset does not touch the shared memo.
    store.update_project(PROJECT, {"name": "Again"}, {}, shadows=["name"])
    assert store.view(PROJECT).project.name == "Again"
    store.reset()
    assert store.view(PROJECT) is pristine
    # Loading a world drops it.
    store.load(store.world)
    assert store.view(PROJECT) is not pristine
    assert store.view(PROJECT).project.name == pristine.project.name


def test_an_update_that_writes_no_option_keeps_the_options_object() -> None:
    store = _store()
    store.update_project(PROJECT, {}, {"sentry:option": 1})
    options = store.view(PROJECT).options
    store.update_project(PROJECT, {"name": "Renamed"}, shadows=["name"])
    assert store.view(PROJECT).options is options
    store.update_project(PROJECT, {}, {"sentry:option": 2})
    changed = store.view(PROJECT).options
    assert changed is not options
    assert (options["sentry:option"], changed["sentry:option"]) == (1, 2)


def test_a_changed_project_is_the_worlds_with_the_changes() -> None:
    from dataclasses import replace

    store = _store()
    world = store.view(PROJECT).project
    store.update_project(PROJECT, {"slug": "renamed", "name": "N", "platform": None}, shadows=[])
    assert store.view(PROJECT).project == replace(world, slug="renamed", name="N", platform=None)
