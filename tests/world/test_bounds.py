"""A scenario's size and depth are bounded before anything walks it: a billion laughs, a deeply
nested document or a recursive alias is refused in milliseconds with the line and a fix, by
either YAML loader, from a file, from text or inline; scenarios with a few aliases still load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.errors import ScenarioError
from mockserver.schemas.registry import SchemaRegistry
from mockserver.world import scenario as scenarios
from mockserver.world.bounds import DEEP_FIX
from mockserver.world.bounds import MAX_ALIAS_EXPANSION
from mockserver.world.bounds import MAX_DEPTH
from mockserver.world.bounds import TOO_DEEP
from mockserver.world.bounds import measure_data
from mockserver.world.bounds import measure_nodes
from mockserver.world.scenario import load_scenario_data
from mockserver.world.scenario import load_scenario_file
from mockserver.world.scenario import load_scenario_text
from tests.deadline import within

ALIAS_FIX = (
    "aliases may add at most 100,000 nodes: repeat fewer aliases, or write the values out "
    "(use 'generate: N' for many items)"
)


def compose(text: str) -> yaml.Node:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    assert node is not None
    return node


def laughs(levels: int = 9, width: int = 9) -> str:
    """The billion laughs: each level a list of ``width`` aliases of the level below (9 levels
    of 9 expand to 9^9 = 387,420,489 strings, from 400 bytes)."""
    lines = ['lol0: &lol0 ["lol"]']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*lol{level - 1}"] * width)
        lines.append(f"lol{level}: &lol{level} [{aliases}]")
    return "\n".join(lines) + "\n"


LAUGHS = laughs()
# Nested past libyaml's own limit (1,000 levels) and past ours (64), which libyaml lets through.
DEEP_FLOW = "version: " + "[" * 100_000 + "]" * 100_000 + "\n"
DEEP_BLOCK = "".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "end\n"


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry()


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


def refused(call: Any) -> ScenarioError:
    """The ScenarioError ``call`` raises, before the deadline."""
    with pytest.raises(ScenarioError) as info:
        within(call)
    return info.value


def test_a_billion_laughs_is_refused_at_once(
    tmp_path: Path, registry: SchemaRegistry, loader: type
) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS, encoding="utf-8")
    error = refused(lambda: load_scenario_file(path, registry))
    assert (error.path, error.location) == (str(path), "line 6, column 7")
    assert error.problem == (
        "aliases expand the document by more than 100,000 nodes; those here repeat 13,942 each"
    )
    assert error.fix == ALIAS_FIX
    assert str(error).startswith(f"{path}: line 6, column 7: aliases expand the document")


@pytest.mark.parametrize("text", [DEEP_FLOW, DEEP_BLOCK], ids=["100000-deep-flow", "200-deep"])
def test_deeply_nested_yaml_is_refused_with_the_line(
    registry: SchemaRegistry, loader: type, text: str
) -> None:
    error = refused(lambda: load_scenario_text(text, registry, source="deep.yaml"))
    assert (error.path, error.problem, error.fix) == ("deep.yaml", TOO_DEEP, DEEP_FIX)
    assert TOO_DEEP == "nested more than 64 levels deep"
    assert DEEP_FIX == "nest at most 64 levels deep (the default scenario nests 10)"
    if text is DEEP_BLOCK:
        # The key at level 65 (libyaml lets it through: the node graph is measured).
        assert error.location == "line 65, column 129"
    else:
        assert error.location.startswith("line 1, column ")


def test_an_alias_inside_its_own_anchor_is_refused(registry: SchemaRegistry, loader: type) -> None:
    error = refused(lambda: load_scenario_text("version: &v [1, *v]\n", registry))
    assert error.location == "line 1, column 10"
    assert error.problem == "an alias refers to the value it is part of (a recursive document)"
    assert error.fix == "remove the alias, or anchor a value outside the one that uses it"


def test_a_scenario_with_aliases_loads(registry: SchemaRegistry, loader: type) -> None:
    text = """\
version: 1
tokens:
  - {token: t1, scopes: &read [project:read]}
  - {token: t2, scopes: *read}
organizations:
  - id: "1"
    slug: acme
    projects:
      - &web {id: "2", slug: web}
      - {id: "3", slug: api}
"""
    world = load_scenario_text(text, registry)
    assert world.tokens["t2"].scopes == frozenset({"project:read"})
    assert [p.slug for p in world.organizations[0].projects] == ["web", "api"]


def expansion(aliases: int, width: int = 999) -> str:
    """A list of ``width`` strings (1,000 nodes with the list), then ``aliases`` aliases of it:
    the aliases add ``1,000 * aliases`` nodes."""
    return f"a: &a [{', '.join(['x'] * width)}]\nb: [{', '.join(['*a'] * aliases)}]\n"


def test_aliases_may_add_exactly_the_limit() -> None:
    assert MAX_ALIAS_EXPANSION == 100_000
    assert measure_nodes(compose(expansion(100))) is None
    over = measure_nodes(compose(expansion(101)))
    assert over is not None
    assert over.problem == (
        "aliases expand the document by more than 100,000 nodes; those here repeat 1,000 each"
    )
    assert over.where() == "line 2, column 4"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_may_reach_exactly_the_limit() -> None:
    assert MAX_DEPTH == 64
    assert measure_nodes(compose(nested(64))) is None
    over = measure_nodes(compose(nested(65)))
    assert over is not None
    assert (over.problem, over.where()) == (TOO_DEEP, "line 1, column 65")


def test_an_alias_that_deepens_past_the_limit_is_refused() -> None:
    # Each part is 40 deep; the alias puts one inside the other: 80.
    text = f"a: &a {nested(40)}\nb: {'[' * 40}*a{']' * 40}\n"
    over = measure_nodes(compose(text))
    assert over is not None
    assert (over.problem, over.where()) == (TOO_DEEP, "line 2, column 43")


def deep_mapping(depth: int) -> dict[str, Any]:
    """``{"fields": {"x": {"x": ...}}}``, built without recursion."""
    inner: dict[str, Any] = {}
    root = inner
    for _ in range(depth - 1):
        inner["x"] = {}
        inner = inner["x"]
    return {"version": 1, "fields": root}


def test_an_inline_scenario_nested_too_deep_is_refused(registry: SchemaRegistry) -> None:
    error = refused(lambda: load_scenario_data(deep_mapping(100_000), registry))
    assert (error.path, error.problem, error.fix) == ("<inline>", TOO_DEEP, DEEP_FIX)
    assert error.location == "$.fields" + ".x" * 62


@pytest.mark.parametrize(
    ("text", "location", "value"),
    [
        ("seed: .inf\n", "line 2, $.seed", "inf"),
        ("faults:\n  rules:\n    - {status: 503, when: {probability: .nan}}\n", None, "nan"),
    ],
    ids=["seed", "fault-probability"],
)
def test_a_number_that_is_not_finite_is_refused(
    registry: SchemaRegistry, text: str, location: str | None, value: str
) -> None:
    scenario = "version: 1\n" + text + "organizations: []\n"
    error = refused(lambda: load_scenario_text(scenario, registry))
    assert error.problem == f"{value} is not a finite number"
    assert error.fix == "write a finite number (NaN and infinities have no JSON form)"
    assert error.location == (location or "line 4, $.faults.rules[0].when.probability")


def test_plain_data_that_shares_a_value_is_measured_once() -> None:
    shared: list[Any] = [list(range(10))]
    for _ in range(40):  # 2^40 paths through 41 lists: a walk that expanded them never ends
        shared = [shared, shared]
    over = within(lambda: measure_data({"a": shared}))
    assert over is not None
    assert over.problem.startswith("aliases expand the document by more than 100,000 nodes")
