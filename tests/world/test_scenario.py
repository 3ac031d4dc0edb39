"""Scenario loading: a broken file is refused with its name, line, JSON path and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mockserver.errors import ScenarioError
from mockserver.errors import ScenarioProblem
from mockserver.resources import default_scenario
from mockserver.resources import scenarios_dir
from mockserver.schemas.registry import SchemaRegistry
from mockserver.world import problems
from mockserver.world import scenario as scenarios
from mockserver.world.scenario import iter_scenario_files
from mockserver.world.scenario import load_scenario_data
from mockserver.world.scenario import load_scenario_file
from mockserver.world.scenario import parse_yaml

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


# --- the YAML loader: libyaml when PyYAML has it, the same data and messages either way ---------


@pytest.fixture(params=["libyaml", "pure-python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    """Load scenarios with one loader or the other for the duration of the test."""
    if request.param == "pure-python":
        chosen: type = scenarios._Loader
    elif yaml.__with_libyaml__:
        chosen = scenarios._CLoader
    else:
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(scenarios, "_LOADER", chosen)
    return chosen


def test_scenarios_are_read_with_libyaml_when_pyyaml_has_it() -> None:
    expected = scenarios._CLoader if yaml.__with_libyaml__ else scenarios._Loader
    assert scenarios._LOADER is expected


@pytest.mark.parametrize("name", ["_Loader", "_CLoader"])
def test_both_loaders_construct_only_plain_data(name: str) -> None:
    if not hasattr(scenarios, name):
        pytest.skip("PyYAML was built without libyaml")
    chosen = getattr(scenarios, name)
    assert issubclass(chosen, yaml.constructor.SafeConstructor)
    assert not issubclass(chosen, yaml.constructor.FullConstructor)  # nor Unsafe, nor Constructor


def test_both_loaders_build_the_same_data(loader: type) -> None:
    text = default_scenario().read_text(encoding="utf-8")
    pure = scenarios._Loader(text)
    try:
        expected = pure.get_single_data()
    finally:
        pure.dispose()
    assert parse_yaml(text) == expected
    assert scenarios._parse(text, "default.yaml")[0] == expected


def test_timestamps_stay_text(loader: type) -> None:
    text = "when: 2024-01-15T08:30:00+02:00\nday: 2024-01-15\n"
    assert parse_yaml(text) == {"when": "2024-01-15T08:30:00+02:00", "day": "2024-01-15"}
    assert scenarios._parse(text, "s.yaml")[0] == parse_yaml(text)


SYNTAX = "check the indentation and quoting around that line"


@pytest.mark.parametrize(
    ("text", "location", "problem", "fix"),
    [
        (
            "version: 1\norganizations: [\n  - id: '1'\n",
            "line 3, column 3",
            "not valid YAML: expected the node content, but found '-'",
            SYNTAX,
        ),
        (
            "version: 1\nname: *nope\n",
            "line 2, column 7",
            "not valid YAML: found undefined alias 'nope'",
            SYNTAX,
        ),
        (
            'version: 1\nname: "\\q"\n',
            "line 2, column 9",
            "not valid YAML: found unknown escape character 'q'",
            SYNTAX,
        ),
        (
            "version: 1\n\tname: x\n",
            "line 2, column 1",
            "not valid YAML: found character '\\t' that cannot start any token",
            SYNTAX,
        ),
        (
            "version: 1\nname: a\x07\n",
            "YAML",
            "not valid YAML: unacceptable character #x0007: special characters are not allowed\n"
            '  in "<unicode string>", position 18',
            "check the syntax",
        ),
        (
            "version: 1\nname: !!python/name:os.system\n",
            "line 2, column 7",
            "not allowed in a scenario: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/name:os.system'",
            "scenarios are plain YAML: remove the tag",
        ),
        (
            "version: 1\n? [a]\n: 1\n",
            "line 2, column 3",
            "not allowed in a scenario: found unhashable key",
            "scenarios are plain YAML: write the key as plain text",
        ),
        (
            "version: 1\nseed: !!int abc\n",
            "line 2, column 7",
            "not allowed in a scenario: 'abc' cannot be a !!int "
            "(invalid literal for int() with base 10: 'abc')",
            "remove the tag '!!int', or write a value of that type",
        ),
        (
            "version: 1\nname: a\nversion: 1\norganizations: [{id: '1', slug: o, projects: []}]\n",
            "line 3, $.version",
            "duplicate key 'version' (first at line 1)",
            "YAML keeps only the last one: remove or merge the duplicate",
        ),
    ],
    ids=[
        "flow",
        "alias",
        "escape",
        "tab",
        "control-character",
        "python-tag",
        "list-as-key",
        "tag-value-mismatch",
        "duplicate-key",
    ],
)
def test_yaml_errors_read_the_same_with_either_loader(
    tmp_path: Path,
    registry: SchemaRegistry,
    loader: type,
    text: str,
    location: str,
    problem: str,
    fix: str,
) -> None:
    # libyaml's own messages leave out the alias, the escape and what was found: a syntax
    # error is described by the pure-Python parser.
    error = load_error(tmp_path, registry, text)
    assert (error.location, error.problem, error.fix) == (location, problem, fix)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml")
def test_text_only_libyaml_refuses_is_refused_with_its_message(
    tmp_path: Path, registry: SchemaRegistry
) -> None:
    # A lone surrogate escape: pure-Python PyYAML accepts it, libyaml does not, and decides.
    error = load_error(tmp_path, registry, 'version: 1\nname: "\\ud800"\n')
    assert (error.location, error.problem) == (
        "line 2, column 10",
        "not valid YAML: found invalid Unicode character escape code",
    )


def test_a_path_with_a_nul_is_a_scenario_error(registry: SchemaRegistry) -> None:
    # open() raises ValueError for it, which no other error of a file is.
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(Path("scenarios/a\x00.yaml"), registry)
    error = info.value
    assert (error.path, error.location) == ("'scenarios/a\\x00.yaml'", "file")
    assert (error.problem, error.fix) == (
        "not a file path: embedded null byte",
        "send the file's path as text",
    )


def test_options_sentry_reads_are_typed(tmp_path: Path, registry: SchemaRegistry) -> None:
    text = GOOD.replace(
        "        slug: web\n",
        '        slug: web\n        options:\n          "sentry:origins": "*"\n',
    )
    error = load_error(tmp_path, registry, text)
    assert error.location == "line 12, $.organizations[0].projects[0].options.sentry:origins"
    assert (error.problem, error.fix) == (
        "expected array, got str '*'",
        "write a value of type array",
    )


def test_project_and_organization_options_are_loaded(
    tmp_path: Path, registry: SchemaRegistry
) -> None:
    text = GOOD.replace(
        "    slug: acme\n", '    slug: acme\n    options: {"sentry:sampling_mode": project}\n'
    ).replace(
        "        slug: web\n", '        slug: web\n        options: {"sentry:resolve_age": 5}\n'
    )
    org = load_scenario_file(write(tmp_path, text), registry).organizations[0]
    assert org.options == {"sentry:sampling_mode": "project"}
    assert org.projects[0].options == {"sentry:resolve_age": 5}


# --- every problem at once ---------------------------------------------------------------------

BROKEN = """\
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
        usres:
          items: [{id: "1", email: a@example.com, lastSeen: "2024-01-15T08:29:51Z"}]
        tags:
          release:
            items:
              - {value: "1.0", count: 3, lastSeen: "2024-01-15T08:30:00Z"}
      - id: 3
        slug: api
        nmae: API
        platfrom: python
"""


def test_every_problem_is_named_at_once_sorted_by_line_at_the_key(
    tmp_path: Path, registry: SchemaRegistry
) -> None:
    error = load_error(tmp_path, registry, BROKEN)
    assert [(e.location, e.problem, e.fix) for e in error.errors] == [
        # The key's line (11), not its value's (12).
        (
            "line 11, $.organizations[0].projects[0].usres",
            "unknown key 'usres'",
            "remove it; did you mean 'users'?",
        ),
        # The oneOf branch the value was closest to: the object's, not "expected array".
        (
            "line 16, $.organizations[0].projects[0].tags.release.items[0]",
            "'firstSeen' is missing",
            "add it",
        ),
        (
            "line 17, $.organizations[0].projects[1].id",
            "expected string, got int 3",
            "quote it: '3' (ids and versions are strings in Sentry)",
        ),
        # Each unknown key of a mapping, at its own line.
        (
            "line 19, $.organizations[0].projects[1].nmae",
            "unknown key 'nmae'",
            "remove it; did you mean 'name'?",
        ),
        (
            "line 20, $.organizations[0].projects[1].platfrom",
            "unknown key 'platfrom'",
            "remove it; did you mean 'platform'?",
        ),
    ]
    # The first problem is still the error's own.
    assert (error.location, error.problem) == (error.errors[0].location, error.errors[0].problem)
    path = tmp_path / "broken.yaml"
    assert str(error).splitlines()[:4] == [
        f"{path}: line 11, $.organizations[0].projects[0].usres: unknown key 'usres'",
        "  fix: remove it; did you mean 'users'?",
        f"{path}: line 16, $.organizations[0].projects[0].tags.release.items[0]: "
        "'firstSeen' is missing",
        "  fix: add it",
    ]


def test_repeated_keys_are_reported_with_the_schemas_problems(
    tmp_path: Path, registry: SchemaRegistry
) -> None:
    text = GOOD.replace("    slug: acme\n", "    slug: acme\n    slug: acme\n") + "bogus: 1\n"
    text += "version: 1\n"
    error = load_error(tmp_path, registry, text)
    assert [(e.location, e.problem) for e in error.errors] == [
        ("line 8, $.organizations[0].slug", "duplicate key 'slug' (first at line 7)"),
        ("line 12, $.bogus", "unknown key 'bogus'"),
        ("line 13, $.version", "duplicate key 'version' (first at line 1)"),
    ]


def test_every_broken_reference_is_named(tmp_path: Path, registry: SchemaRegistry) -> None:
    text = GOOD + '      - id: "3"\n        slug: web\n      - id: "2"\n        slug: api\n'
    error = load_error(tmp_path, registry, text)
    assert [(e.location, e.problem) for e in error.errors] == [
        (
            "line 12, $.organizations[0].projects[1].slug",
            "duplicate project slug 'web' (also at line 10, $.organizations[0].projects[0].slug)",
        ),
        (
            "line 13, $.organizations[0].projects[2].id",
            "duplicate project id '2' (also at line 9, $.organizations[0].projects[0].id)",
        ),
    ]


def test_a_file_wrong_everywhere_shows_the_first_fifty_problems(
    tmp_path: Path, registry: SchemaRegistry
) -> None:
    items = "".join(
        f"          - {{id: {n}, lastSeen: '2024-01-15T08:29:51Z'}}\n" for n in range(60)
    )
    text = (
        GOOD
        + "        users:\n          items:\n"
        + items.replace("          - ", "            - ")
    )
    error = load_error(tmp_path, registry, text)
    assert len(error.errors) == problems.MAX_REPORTED + 1
    assert error.errors[0].location == "line 13, $.organizations[0].projects[0].users.items[0].id"
    assert error.errors[-1] == ScenarioProblem("…", "10 problems not shown", "fix these first")
