"""``mockserver generate`` and :func:`mockserver.generate.generate`: fixtures without a server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.errors import ConfigError
from mockserver.generate import ITEM_SCHEMAS
from mockserver.generate import generate
from mockserver.resources import default_scenario
from mockserver.schemas.registry import SchemaRegistry


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry()


@pytest.mark.parametrize(
    ("resource", "kwargs", "count"),
    [
        ("users", {"count": 120}, 120),
        ("users", {"count": 2}, 2),
        ("hooks", {"count": 5}, 5),
        ("tag-values", {"count": 40, "key": "browser"}, 40),
        ("tag-values", {"count": 3, "key": "flavor"}, 3),
        ("project", {}, 1),
    ],
)
def test_every_object_validates_against_its_schema(
    registry: SchemaRegistry, resource: str, kwargs: dict[str, object], count: int
) -> None:
    items = generate(resource, seed=7, **kwargs)  # type: ignore[arg-type]
    assert len(items) == count
    for item in items:
        registry.check(ITEM_SCHEMAS[resource], item)


def test_stats_for_a_window() -> None:
    series = generate("stats", since=1541455200, until=1541469600, resolution="1h")
    assert series == [
        [1541455200, 1184],
        [1541458800, 1410],
        [1541462400, 1440],
        [1541466000, 1682],
        [1541469600, 1203],
    ]


def test_same_seed_same_fixtures_and_seed_matters() -> None:
    assert generate("users", count=30, seed=7) == generate("users", count=30, seed=7)
    assert generate("users", count=30, seed=7)[4:] != generate("users", count=30, seed=8)[4:]


def test_a_named_scenarios_users_come_first_then_generated_ones() -> None:
    # A scenario named explicitly (the default's own file here) is served as it is written.
    users = generate("users", count=60, scenario=default_scenario())
    assert [u["tagValue"] for u in users[:4]] == [
        "id:1",
        "username:jane.doe",
        "email:rick@example.net",
        "ip:203.0.113.77",
    ]
    assert len({u["tagValue"] for u in users}) == 60


def test_from_the_default_scenario_every_item_comes_from_the_seed() -> None:
    # Not the default's hand-written examples: --seed 7 gives other people from the first on.
    seven, eight = generate("users", count=30, seed=7), generate("users", count=30, seed=8)
    assert len({u["tagValue"] for u in seven}) == 30
    assert not {u["tagValue"] for u in seven} & {u["tagValue"] for u in eight}
    assert "id:1" not in {u["tagValue"] for u in seven}
    # Without a count, as many as the default serves (50 users, 1 hook).
    assert len(generate("users")) == 50
    (hook,) = generate("hooks")
    assert hook["url"] != "https://empowerplant.io/sentry-hook"


def test_unknown_resource_project_or_missing_key() -> None:
    with pytest.raises(ConfigError, match="unknown resource"):
        generate("issues")
    with pytest.raises(ConfigError, match="no project 'x/y'"):
        generate("users", project="x/y")
    with pytest.raises(ConfigError, match="needs a tag key"):
        generate("tag-values", count=3)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "yaml"])
def test_cli_formats(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"users.{fmt}"
    result = CliRunner().invoke(
        main,
        ["generate", "users", "--count", "5", "--seed", "7", "--format", fmt, "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    if fmt == "json":
        items = json.loads(text)
    elif fmt == "jsonl":
        items = [json.loads(line) for line in text.splitlines()]
    else:
        items = yaml.safe_load(text)
    assert items == generate("users", count=5, seed=7)


def test_cli_writes_to_stdout_by_default() -> None:
    result = CliRunner().invoke(main, ["generate", "hooks", "--format", "jsonl"])
    assert result.exit_code == 0
    # The default scenario's hook, generated from the seed (see the test above).
    assert json.loads(result.output.splitlines()[0])["id"] == "ce1822e98cf04933b68bf9e3f6666e0f"


def test_cli_shows_progress_for_large_exports(tmp_path: Path) -> None:
    out = tmp_path / "users.jsonl"
    result = CliRunner().invoke(
        main, ["generate", "users", "--count", "10000", "--format", "jsonl", "--out", str(out)]
    )
    assert result.exit_code == 0
    assert "generating" in result.stderr
    assert "wrote 10000 users to" in result.stderr
    assert len(out.read_text().splitlines()) == 10000


def test_cli_exports_a_whole_world(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", "world", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    base = tmp_path / "my-org" / "my-project"
    assert json.loads((base / "project.json").read_text())["slug"] == "my-project"
    assert len(json.loads((base / "users.json").read_text())) == 50
    assert json.loads((base / "tags" / "environment.json").read_text())[0]["value"] == "production"
    assert (tmp_path / "my-org" / "web-frontend" / "hooks.json").exists()
    assert len(json.loads((base / "stats" / "received.json").read_text())) == 24


def test_cli_world_needs_out() -> None:
    result = CliRunner().invoke(main, ["generate", "world"])
    assert result.exit_code == 2
    assert "world needs --out DIR" in result.output
