"""Scenario loading: a broken file is refused with its name, line, JSON path and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.errors import ScenarioError
from mockserver.resources import default_scenario
from mockserver.resources import scenarios_dir
from mockserver.scenarios import iter_scenario_files
from mockserver.scenarios import load_scenario_data
from mockserver.scenarios import load_scenario_file
from mockserver.schemas import SchemaRegistry

GOOD = """\
version: 1
tokens:
  - token: t1
    scopes: [project:read]
organizations:
  - id: "1"
    slug: acme
    projects:
      - id: "2"
        slug: web
"""


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    return path


def load_error(tmp_path: Path, registry: SchemaRegistry, text: str) -> ScenarioError:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path, registry)
    assert str(path) in str(info.value)
    return info.value


def test_every_shipped_scenario_loads(registry: SchemaRegistry) -> None:
    files = list(iter_scenario_files(scenarios_dir()))
    assert default_scenario() in files
    for path in files:
        world = load_scenario_file(path, registry)
        assert world.organizations


def test_a_minimal_scenario_loads_with_defaults(tmp_path: Path, registry: SchemaRegistry) -> None:
    world = load_scenario_file(write(tmp_path, GOOD), registry)
    project = world.organizations[0].projects[0]
    assert (project.name, project.has_servicehooks, len(project.users)) == ("Web", True, 0)
    assert world.tokens["t1"].scopes == frozenset({"project:read"})


def test_yaml_syntax_error_names_the_line(tmp_path: Path, registry: SchemaRegistry) -> None:
    error = load_error(tmp_path, registry, "version: 1\norganizations: [\n  - id: '1'\n")
    assert error.location.startswith("line 3")
    assert "not valid YAML" in error.problem
    assert error.fix


def test_unknown_key_suggests_the_close_one(tmp_path: Path, registry: SchemaRegistry) -> None:
    text = GOOD.replace("        slug: web\n", "        slug: web\n        usres: []\n")
    error = load_error(tmp_path, registry, text)
    assert error.location == "line 11, $.organizations[0].projects[0].usres"
    assert error.problem == "unknown key 'usres'"
    assert "did you mean 'users'?" in error.fix


def test_wrong_type_says_what_was_expected(tmp_path: Path, registry: SchemaRegistry) -> None:
    error = load_error(tmp_path, registry, GOOD.replace('id: "2"', "id: 2"))
    assert error.location == "line 9, $.organizations[0].projects[0].id"
    assert error.problem == "expected string, got int 2"
    assert "quote it" in error.fix


def test_bad_enum_lists_the_choices(tmp_path: Path, registry: SchemaRegistry) -> None:
    error = load_error(tmp_path, registry, GOOD.replace("[project:read]", "[project:reed]"))
    assert error.location == "line 4, $.tokens[0].scopes[0]"
    assert "'project:reed' is not allowed" in error.problem
    assert "'project:read'" in error.fix


def test_missing_required_key(tmp_path: Path, registry: SchemaRegistry) -> None:
    error = load_error(tmp_path, registry, GOOD.replace("    slug: acme\n", ""))
    assert error.location == "line 6, $.organizations[0]"
    assert error.problem == "'slug' is missing"


def test_bad_date_shows_an_example(tmp_path: Path, registry: SchemaRegistry) -> None:
    text = GOOD + "        dateCreated: yesterday\n"
    error = load_error(tmp_path, registry, text)
    assert error.location == "line 11, $.organizations[0].projects[0].dateCreated"
    assert "2024-01-15T08:30:00Z" in error.fix


def test_duplicate_yaml_key(tmp_path: Path, registry: SchemaRegistry) -> None:
    error = load_error(tmp_path, registry, GOOD + "version: 1\n")
    assert error.location == "line 11, $.version"
    assert error.problem == "duplicate key 'version' (first at line 1)"


def test_duplicate_project_slug(tmp_path: Path, registry: SchemaRegistry) -> None:
    text = GOOD + '      - id: "3"\n        slug: web\n'
    error = load_error(tmp_path, registry, text)
    assert error.location == "line 12, $.organizations[0].projects[1].slug"
    assert error.problem.startswith("duplicate project slug 'web'")


def test_duplicate_project_id_across_orgs(tmp_path: Path, registry: SchemaRegistry) -> None:
    text = GOOD + '  - id: "9"\n    slug: other\n    projects:\n      - id: "2"\n        slug: x\n'
    error = load_error(tmp_path, registry, text)
    assert error.location == "line 14, $.organizations[1].projects[0].id"
    assert "duplicate project id '2'" in error.problem


def test_token_referring_to_an_unknown_org(tmp_path: Path, registry: SchemaRegistry) -> None:
    text = GOOD.replace(
        "    scopes: [project:read]\n", "    scopes: [project:read]\n    organizations: [acmee]\n"
    )
    error = load_error(tmp_path, registry, text)
    assert error.location == "line 5, $.tokens[0].organizations[0]"
    assert "'acmee'" in error.problem
    assert "did you mean 'acme'?" in error.fix


def test_missing_file(tmp_path: Path, registry: SchemaRegistry) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario_file(tmp_path / "nope.yaml", registry)


def test_inline_mapping_errors_name_the_json_path(registry: SchemaRegistry) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_data({"version": 2, "organizations": []}, registry)
    assert info.value.location == "$.version"
    assert info.value.path == "<inline>"


def test_a_scenario_that_is_not_a_mapping(tmp_path: Path, registry: SchemaRegistry) -> None:
    error = load_error(tmp_path, registry, "- just\n- a list\n")
    assert "a scenario is a mapping" in error.problem


def test_seed_argument_overrides_the_scenario(tmp_path: Path, registry: SchemaRegistry) -> None:
    world = load_scenario_file(write(tmp_path, GOOD + "seed: 5\n"), registry, seed=9)
    assert world.seed == 9
