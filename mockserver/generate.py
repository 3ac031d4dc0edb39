"""Fixtures without a server: a scenario's objects as the plain dicts Sentry's API returns.

``mockserver generate users --count 50 --seed 7`` and :func:`generate` share this module: the
scenario is loaded as the server loads it, the chosen collection is extended by its generator
to ``count`` items, and every object is serialized exactly as the endpoint would answer it.

From a scenario you name, a collection is what the server serves: its hand-written items first,
then generated ones. From the shipped default scenario (no scenario named), a collection
(users, tag values, hooks) is made from the seed alone, as many items as the default serves
unless ``count`` says otherwise: its hand-written items are documentation examples, and
``--seed 7`` should give other people than ``--seed 0`` from the first item on.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mockserver.errors import ConfigError
from mockserver.resources import default_scenario
from mockserver.schemas.registry import SchemaRegistry
from mockserver.sentry import serializers
from mockserver.sentry import stats as stats_query
from mockserver.world.model import StatsSeries
from mockserver.world.model import World
from mockserver.world.scenario import load_scenario_data
from mockserver.world.scenario import parse_yaml
from mockserver.world.scenario import read_scenario_text
from mockserver.world.series import count_events
from mockserver.world.store import Store

RESOURCES = ("users", "tag-values", "hooks", "project", "stats")
# The response schema each resource's items validate against.
ITEM_SCHEMAS = {
    "users": "event-user",
    "tag-values": "tag-value",
    "hooks": "hook",
    "project": "project",
    "stats": "stats",
}


def _raw_scenario(scenario: Path | Mapping[str, Any] | None) -> dict[str, Any]:
    if isinstance(scenario, Mapping):
        return copy.deepcopy(dict(scenario))
    path = scenario or default_scenario()
    data = parse_yaml(read_scenario_text(Path(path)), source=str(path))
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a scenario is a mapping")
    return data


def _find_project(
    data: dict[str, Any], project: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    for org in data.get("organizations", []):
        for candidate in org.get("projects", []):
            refs = {
                f"{org.get(a)}/{candidate.get(b)}" for a in ("id", "slug") for b in ("id", "slug")
            }
            if project is None or project in refs:
                return org, candidate
    raise ConfigError(f"no project {project!r} in the scenario; use org/project (slugs or ids)")


def _grow(collection: Any, count: int) -> dict[str, Any]:
    """A collection spec with enough generated items to reach ``count``."""
    if isinstance(collection, list):
        spec: dict[str, Any] = {"items": collection}
    else:
        spec = dict(collection or {})
    literal = len(spec.get("items", []))
    spec["generate"] = max(int(spec.get("generate", 0)), count - literal, 0)
    return spec


def _generated(collection: Any, count: int | None) -> dict[str, Any]:
    """A collection spec of generated items only: ``count`` of them, or as many as it had."""
    spec: dict[str, Any] = {"items": collection} if isinstance(collection, list) else {}
    if isinstance(collection, Mapping):
        spec = dict(collection)
    had = len(spec.pop("items", [])) + int(spec.get("generate", 0))
    spec["generate"] = had if count is None else count
    return spec


def load_world(
    scenario: Path | Mapping[str, Any] | None,
    *,
    seed: int | None,
    project: str | None = None,
    resource: str | None = None,
    count: int | None = None,
    key: str | None = None,
    registry: SchemaRegistry | None = None,
) -> tuple[World, str]:
    """Load a scenario with one collection grown to ``count`` (from the default scenario: made
    of generated items only, see the module's docstring); returns the world and the chosen
    project's id."""
    data = _raw_scenario(scenario)
    _org, chosen = _find_project(data, project)
    if resource == "tag-values" and key is None and count is not None:
        raise ConfigError("tag-values needs a tag key (--key)")
    owner: dict[str, Any] = chosen
    name = resource or ""
    if resource == "tag-values" and key is not None:
        owner, name = chosen.setdefault("tags", {}), key
    if resource in ("users", "hooks") or (resource == "tag-values" and key is not None):
        if scenario is None:
            owner[name] = _generated(owner.get(name), count)
            if resource != "tag-values":
                # Tag values made from the project's users would need as many of them.
                chosen.pop("tags", None)
        elif count is not None:
            owner[name] = _grow(owner.get(name), count)
    world = load_scenario_data(data, registry or SchemaRegistry(), seed=seed)
    return world, str(chosen["id"])


def generate(
    resource: str,
    *,
    count: int | None = None,
    seed: int | None = None,
    scenario: Path | Mapping[str, Any] | None = None,
    project: str | None = None,
    key: str | None = None,
    since: float | None = None,
    until: float | None = None,
    resolution: str | None = None,
    stat: str = "received",
) -> list[Any]:
    """Objects of a scenario as Sentry's API returns them (plain dicts and lists).

    :param resource: ``users``, ``tag-values`` (with ``key``), ``hooks``, ``project`` or
        ``stats`` (a list of ``[timestamp, count]`` pairs over ``since``/``until``).
    :param count: how many items; the collection's generator makes up the difference.
    :param seed: overrides the scenario's seed.
    :param scenario: a scenario file or mapping, whose hand-written items come first; default:
        the shipped default scenario, whose collections are then generated from the seed alone.
    :param project: ``org/project`` (default: the scenario's first project).
    :raises ConfigError: for an unknown resource, project or a missing key.
    :raises ScenarioError: if the scenario is invalid.
    """
    return list(
        iter_generate(
            resource,
            count=count,
            seed=seed,
            scenario=scenario,
            project=project,
            key=key,
            since=since,
            until=until,
            resolution=resolution,
            stat=stat,
        )
    )


def iter_generate(
    resource: str,
    *,
    count: int | None = None,
    seed: int | None = None,
    scenario: Path | Mapping[str, Any] | None = None,
    project: str | None = None,
    key: str | None = None,
    since: float | None = None,
    until: float | None = None,
    resolution: str | None = None,
    stat: str = "received",
) -> Iterator[Any]:
    """Like :func:`generate`, one object at a time (memory stays flat for millions)."""
    if resource not in RESOURCES:
        raise ConfigError(f"unknown resource {resource!r}; one of {', '.join(RESOURCES)}")
    tag_key = ""
    if resource == "tag-values":
        if key is None:
            raise ConfigError("tag-values needs a tag key (--key)")
        tag_key = key
    world, project_id = load_world(
        scenario, seed=seed, project=project, resource=resource, count=count, key=key
    )
    view = Store(world).view(project_id)
    items: Any
    serialize: Callable[[Any], Any]
    if resource == "users":
        items, serialize = view.project.users, serializers.event_user
    elif resource == "hooks":
        items, serialize = (
            sorted(view.project.hooks, key=lambda h: -h.internal_id),
            serializers.hook,
        )
    elif resource == "tag-values":
        items = view.project.tags.get(tag_key, ())
        serialize = lambda v: serializers.tag_value(tag_key, v)  # noqa: E731
    elif resource == "project":
        yield serializers.project_details(view)
        return
    else:
        yield from stats_series(view.project.stats.get(stat), since, until, resolution)
        return
    limit = len(items) if count is None else min(count, len(items))
    for i in range(limit):
        yield serialize(items[i])


def stats_series(
    series: StatsSeries | None,
    since: float | None,
    until: float | None,
    resolution: str | None,
    now: float | None = None,
) -> Iterator[list[int]]:
    """``[timestamp, count]`` pairs as ``stats/`` answers them for these parameters."""
    import time

    params = {
        k: str(v)
        for k, v in (("since", since), ("until", until), ("resolution", resolution))
        if v is not None
    }
    query = stats_query.parse_query(params, now=time.time() if now is None else now)
    empty = StatsSeries()
    yield from stats_query.series(
        query, lambda start, end: count_events(series or empty, start, end)
    )


def write(items: Iterator[Any] | list[Any], fmt: str, out: Any) -> int:
    """Write items as ``json`` (one array), ``jsonl`` (one per line) or ``yaml``; returns the
    number written."""
    written = 0
    if fmt == "jsonl":
        for item in items:
            out.write(json.dumps(item, separators=(",", ":"), ensure_ascii=False) + "\n")
            written += 1
        return written
    collected = list(items)
    if fmt == "yaml":
        yaml.safe_dump(collected, out, sort_keys=False, allow_unicode=True)
    else:
        json.dump(collected, out, indent=2, ensure_ascii=False)
        out.write("\n")
    return len(collected)


def export_world(
    directory: Path,
    *,
    seed: int | None = None,
    scenario: Path | Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write every project's objects as JSON files under ``directory``:
    ``<org>/<project>/project.json``, ``users.json``, ``hooks.json``, ``tags/<key>.json`` and
    ``stats/<stat>.json`` (the last 24 hours, hourly). Returns the files written."""
    data = _raw_scenario(scenario)
    world = load_scenario_data(data, SchemaRegistry(), seed=seed)
    store = Store(world)
    written: list[Path] = []

    def dump(path: Path, body: Any) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)

    for org in world.organizations:
        for project in org.projects:
            view = store.view(project.id)
            base = directory / org.slug / project.slug
            dump(base / "project.json", serializers.project_details(view))
            dump(base / "users.json", [serializers.event_user(u) for u in project.users])
            dump(base / "hooks.json", [serializers.hook(h) for h in store.hooks(project.id)])
            for key, values in project.tags.items():
                dump(base / "tags" / f"{key}.json", [serializers.tag_value(key, v) for v in values])
            for stat, series in project.stats.items():
                dump(base / "stats" / f"{stat}.json", list(stats_series(series, None, None, "1h")))
    return written
