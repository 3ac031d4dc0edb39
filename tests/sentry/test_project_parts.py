"""Project details made from parts (:mod:`mockserver.sentry.project_parts`): after any sequence
of updates, the bytes joined from kept and remade parts are those of the whole serializer."""

from __future__ import annotations

import json
import random
from itertools import product
from typing import Any

import pytest
from flask import Flask

from mockserver import create_app
from mockserver.config import Config
from mockserver.errors import ResponseSchemaError
from mockserver.schemas.parts import BodyCheck
from mockserver.sentry import project_body
from mockserver.sentry import project_options
from mockserver.sentry import project_parts
from mockserver.sentry.serializers import dumps
from mockserver.state import state_of
from mockserver.world.overlay import CARRIED
from mockserver.world.store import ProjectView

TOKEN = "sntrys_PARTS"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEAM = {"id": "7", "slug": "seven", "name": "Seven"}
SCENARIO: dict[str, Any] = {
    "version": 1,
    "tokens": [
        {
            "token": TOKEN,
            "scopes": ["project:read", "project:write", "project:admin", "team:write"],
        }
    ],
    "organizations": [
        {
            "id": "1",
            "slug": "acme",
            # Every group that reads the organization has something to show.
            "features": ["dynamic-sampling", "dynamic-sampling-custom"],
            "options": {
                "sentry:enabled_console_platforms": ["playstation"],
                "sentry:sampling_mode": "project",
            },
            "projects": [
                {
                    "id": "2",
                    "slug": "main",
                    "platform": "python",
                    "teams": [TEAM],
                    # Overrides of a group's key (it keeps its place) and a key of no group.
                    "fields": {"color": "#123456", "extraKey": [1, 2]},
                    "options": {"sentry:origins": ["https://a.example"]},
                },
                {
                    "id": "3",
                    "slug": "other",
                    "teams": [{"id": "8", "slug": "eight", "name": "Eight"}],
                    "options": {
                        "sentry:resolve_age": 5,
                        "sentry:dynamic_sampling_biases": [
                            {"id": "boostEnvironments", "active": False}
                        ],
                    },
                },
                {"id": "4", "slug": "bare"},
            ],
        }
    ],
}
BODIES: list[Any] = [
    lambda r: {"name": f"Name {r.randint(0, 3)}"},
    lambda r: {"platform": r.choice(["python", "javascript", "android", "", None, "other"])},
    lambda r: {"name": f"N{r.randint(0, 2)}", "platform": r.choice(["python", "flutter"])},
    lambda r: {"slug": r.choice(["main", "renamed", "third"])},
    lambda r: {"isBookmarked": r.choice([True, False])},
    lambda r: {"options": {"filters:blacklisted_ips": r.choice(["1.2.3.4", "", "5.6.7.8"])}},
    lambda r: {"options": {"sentry:csp_ignored_sources_defaults": r.choice([True, False])}},
    lambda r: {"options": {"sentry:reprocessing_active": r.choice([True, False])}},
    lambda r: {"allowedDomains": r.choice([["*"], ["https://b.example"]])},
    lambda r: {"highlightTags": r.choice([["a"], ["b", "c"]])},
    lambda r: {"subjectPrefix": r.choice(["x", "", "[y]"])},
    lambda r: {"resolveAge": r.choice([0, 5, None])},
    lambda r: {"dynamicSamplingBiases": [{"id": "boostReplayId", "active": r.random() < 0.5}]},
    lambda r: {"copy_from_project": r.choice([3, 4])},
    lambda r: {"targetSampleRate": r.choice([0.5, 1.0, 0.25])},
    lambda r: {"tempestFetchScreenshots": r.choice([True, False])},
    lambda r: {"storeCrashReports": r.choice([None, 5, -1])},
    lambda r: {"team": "seven"},
    lambda r: {},
]
VARIANTS: list[dict[str, Any]] = [
    {"collapse": collapse, "for_update": for_update, "keep_biases": keep}
    for collapse, (for_update, keep) in product(
        [(), ("organization",), ("unusedFeatures",), ("organization", "unusedFeatures")],
        [(False, False), (True, False), (True, True)],
    )
]
EXTRAS: list[dict[str, Any]] = [
    {"stats": {"unresolved": 0}},
    {"hasAlertIntegrationInstalled": True, "color": "#000000"},
]


def _app() -> Flask:
    return create_app(Config(scenario=SCENARIO, validate_responses=True))


def _assert_parts_are_the_serializer(view: ProjectView, check: BodyCheck) -> None:
    for settings in VARIANTS:
        shown = project_body.variant(
            settings["collapse"],
            for_update=settings["for_update"],
            keep_biases=settings["keep_biases"],
        )
        whole = dumps(project_body.project_details(view, **settings)).encode()
        assert project_parts.render(view, shown, check) == whole, settings
    for extra in EXTRAS:
        whole = dumps(project_body.project_details(view, extra=extra)).encode()
        assert project_parts.render(view, project_body.GET, check, extra) == whole


@pytest.mark.parametrize("seed", range(8))
def test_parts_after_any_sequence_of_updates_are_the_whole_serializers_bytes(seed: int) -> None:
    app = _app()
    state = state_of(app)
    check = state.registry.body_check("project")
    client = app.test_client()
    rng = random.Random(seed)
    slug = "main"
    for _ in range(40):
        if rng.random() < 0.05:
            state.store.reset()
            slug = "main"
        body = rng.choice(BODIES)(rng)
        reply = client.put(f"/api/0/projects/acme/{slug}/", json=body, headers=AUTH)
        assert reply.status_code in (200, 400, 403), reply.get_data(as_text=True)
        view = state.store.view("2")
        if reply.status_code == 200:
            slug = reply.get_json()["slug"]
            answers = {
                dumps(project_body.project_details(view, for_update=True, keep_biases=kept))
                for kept in (False, True)
            }
            assert reply.get_data(as_text=True) in answers
        _assert_parts_are_the_serializer(view, check)
    assert state.take_errors() == []


def test_a_new_state_remakes_only_the_groups_whose_facets_changed() -> None:
    app = _app()
    state = state_of(app)
    store = state.store
    project_parts.render(store.view("2"), project_body.UPDATE)
    before = store.view("2").memo[CARRIED]
    store.update_project("2", {"name": "Renamed"}, shadows=("name",))
    view = store.view("2")
    project_parts.render(view, project_body.UPDATE)
    after = view.memo[CARRIED]
    remade = [
        group.name
        for group, old, new in zip(project_body.GROUPS, before.slots, after.slots, strict=True)
        if old is not new
    ]
    assert remade == ["head"]
    # The options were not written: the same object, so every group of options is kept.
    assert (
        after.facets[project_body.FACETS.index("options")]
        is before.facets[project_body.FACETS.index("options")]
    )
    # A platform toggled back finds the groups of the first one again.
    store.update_project("2", {"platform": "android"}, shadows=("platform",))
    project_parts.render(store.view("2"), project_body.UPDATE)
    store.update_project("2", {"platform": "python"}, shadows=("platform",))
    back = store.view("2")
    project_parts.render(back, project_body.UPDATE)
    highlights = [g.name for g in project_body.GROUPS].index("highlights")
    assert back.memo[CARRIED].slots[highlights] is after.slots[highlights]


def test_a_broken_new_part_is_caught_by_the_check_and_nothing_broken_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under response validation, the part an update remakes is checked (by its property's
    compiled check, then the whole body): a serializer bug in it answers Sentry's 500; the
    parts it did not remake were checked before and are not checked again."""
    app = _app()
    client = app.test_client()
    path = "/api/0/projects/acme/main/"
    assert client.put(path, json={"name": "First"}, headers=AUTH).status_code == 200
    real = project_options.highlight_fields

    def broken(options: Any, preset: Any) -> dict[str, Any]:
        fields = real(options, preset)
        fields["highlightTags"] = 42  # the schema wants a list of strings
        return fields

    monkeypatch.setattr(project_options, "highlight_fields", broken)
    # A rename keeps the highlights made (and checked) before: nothing broken is made.
    renamed = client.put(path, json={"name": "Second"}, headers=AUTH)
    assert renamed.status_code == 200
    assert renamed.get_json()["highlightTags"] == ["handled", "level", "url"]
    # A new platform remakes them: the check catches the broken part, twice (nothing is kept).
    for _ in range(2):
        reply = client.put(path, json={"platform": "android"}, headers=AUTH)
        assert reply.status_code == 500
        assert reply.get_json()["detail"] == "Internal Error"
    errors = state_of(app).take_errors()
    assert len(errors) == 2
    assert all(isinstance(error.exception, ResponseSchemaError) for error in errors)
    assert "$.highlightTags: 42 is not of type 'array'" in str(errors[0].exception)
    monkeypatch.undo()
    fixed = client.put(path, json={"platform": "android"}, headers=AUTH)
    assert fixed.status_code == 200
    assert fixed.get_json()["highlightTags"] == ["handled", "level", "mobile", "main_thread"]


def test_a_plain_check_sees_the_whole_body() -> None:
    """A check that is not a schema's BodyCheck (a test's own) gets the whole body, once per
    state."""
    app = _app()
    view = state_of(app).store.view("2")
    seen: list[dict[str, Any]] = []
    encoded = project_parts.render(view, project_body.GET, seen.append)
    assert seen == [json.loads(encoded)]
    assert list(seen[0]) == list(json.loads(encoded))
