"""Load a YAML scenario: parse safely, validate against ``scenario.schema.json``, check what the
schema cannot (duplicates, references), and build the immutable :class:`~mockserver.world.World`.

Every problem raises :class:`~mockserver.errors.ScenarioError` naming the file, the line and the
JSON path, what was expected, and how to fix it. Nothing is half-loaded: a world is returned
only when the whole file is valid.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from mockserver import patterns
from mockserver.errors import ScenarioError
from mockserver.schemas import SchemaRegistry
from mockserver.timefmt import parse_datetime
from mockserver.world import EventUser
from mockserver.world import Hook
from mockserver.world import LazySequence
from mockserver.world import Organization
from mockserver.world import Project
from mockserver.world import ScheduledEvent
from mockserver.world import StatsSeries
from mockserver.world import TagValue
from mockserver.world import Team
from mockserver.world import Token
from mockserver.world import World

SCENARIO_SCHEMA = "scenario.schema"
DEFAULT_ANCHOR = "2024-01-15T09:00:00Z"
DEFAULT_DATE_CREATED = "2018-11-06T21:19:58.536Z"
# Sentry's example feature list (sentry-behavior.md §1.1); it includes servicehooks.
DEFAULT_PROJECT_FEATURES = (
    "alert-filters",
    "custom-inbound-filters",
    "discard-groups",
    "minidump",
    "rate-limits",
    "servicehooks",
    "similarity-indexing",
    "similarity-indexing-v2",
    "similarity-view",
    "similarity-view-v2",
)
Path_ = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps timestamps as strings: the schema checks their format, and the
    world parses them, so a date never silently becomes a ``datetime`` with a lost offset."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_scenario_file(
    path: Path | str, registry: SchemaRegistry, seed: int | None = None
) -> World:
    """Load, validate and build the world of a scenario file.

    :param path: the YAML file.
    :param registry: the schemas (``scenario.schema.json`` among them).
    :param seed: overrides the scenario's ``seed``.
    :raises ScenarioError: if the file is missing, is not YAML, or is not a valid scenario.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(
            str(path), "file", "no such file", "check the path, or run 'mockserver validate'"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            str(path), "file", f"cannot be read: {exc}", "save it as UTF-8"
        ) from None
    return load_scenario_text(text, registry, source=str(path), seed=seed)


def load_scenario_text(
    text: str, registry: SchemaRegistry, source: str = "<inline>", seed: int | None = None
) -> World:
    """Like :func:`load_scenario_file`, from YAML text."""
    root = _compose(text, source)
    data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass
    return load_scenario_data(data, registry, source=source, seed=seed, root=root)


def load_scenario_data(
    data: Any,
    registry: SchemaRegistry,
    source: str = "<inline>",
    seed: int | None = None,
    root: yaml.Node | None = None,
) -> World:
    """Validate and build a world from already-parsed scenario data (e.g. an inline mapping).

    :param root: the YAML node tree, used only to name lines in messages.
    :raises ScenarioError: if the data is not a valid scenario.
    """
    locate = _Locator(source, root)
    if not isinstance(data, dict):
        raise ScenarioError(
            source,
            locate.where(()),
            f"a scenario is a mapping, got {type(data).__name__}",
            "start the file with 'version: 1' and 'organizations:'",
        )
    errors = registry.errors(SCENARIO_SCHEMA, data)
    if errors:
        raise _schema_error(errors, registry, locate)
    _check_references(data, locate)
    return _build_world(data, source=source, seed=seed)


# --- YAML parsing ------------------------------------------------------------------------------


def _compose(text: str, source: str) -> yaml.Node | None:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        raise ScenarioError(
            source,
            where,
            f"not valid YAML: {exc.problem or exc.context}",
            "check the indentation and quoting around that line",
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, "YAML", f"not valid YAML: {exc}", "check the syntax") from None
    if root is not None:
        _check_duplicate_keys(root, source, ())
    return root


def _check_duplicate_keys(node: yaml.Node, source: str, path: Path_) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise ScenarioError(
                    source,
                    f"line {key_node.start_mark.line + 1}, {_json_path((*path, key))}",
                    f"duplicate key '{key}' (first at line {seen[key]})",
                    "YAML keeps only the last one: remove or merge the duplicate",
                )
            seen[key] = key_node.start_mark.line + 1
            _check_duplicate_keys(value_node, source, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_duplicate_keys(item, source, (*path, i))


class _Locator:
    """Turns a JSON path into "line N, $.a.b[2]" using the YAML node tree when there is one."""

    def __init__(self, source: str, root: yaml.Node | None) -> None:
        self.source = source
        self.root = root

    def where(self, path: Path_) -> str:
        line = self._line(path)
        prefix = f"line {line}, " if line else ""
        return prefix + _json_path(path)

    def _line(self, path: Path_) -> int | None:
        node = self.root
        if node is None:
            return None
        for part in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                child = node.value[part] if part < len(node.value) else None
            if child is None:
                break
            node = child
        return node.start_mark.line + 1


def _json_path(path: Path_) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# --- schema errors -----------------------------------------------------------------------------


def _schema_error(
    errors: Sequence[ValidationError], registry: SchemaRegistry, locate: _Locator
) -> ScenarioError:
    error = best_match(errors)
    # oneOf/anyOf report "is not valid under any of the given schemas": the branch that got
    # furthest says what is really wrong.
    while error.context:
        error = best_match(error.context)
    path: Path_ = tuple(error.absolute_path)
    problem, fix = _explain(error)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        # Point at the unknown key itself, not at the mapping that holds it.
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        unknown = [k for k in error.instance if k not in allowed]
        path = (*path, unknown[0]) if unknown else path
    more = len(errors) - 1
    if more > 0:
        fix += f" ({more} more problem{'s' if more > 1 else ''} may follow)"
    return ScenarioError(locate.source, locate.where(path), problem, fix)


def _explain(error: ValidationError) -> tuple[str, str]:
    kind = error.validator
    value = error.instance
    if kind == "additionalProperties" and isinstance(value, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = sorted(schema.get("properties", {}))
        unknown = [k for k in value if k not in allowed]
        key = unknown[0] if unknown else "?"
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
        return f"unknown key '{key}'", f"remove it; {hint}"
    if kind == "required":
        return error.message.replace("is a required property", "is missing"), "add it"
    if kind == "type":
        expected = error.validator_value
        got = type(value).__name__
        fix = f"write a value of type {expected}"
        if expected == "string" and isinstance(value, int | float):
            fix = f"quote it: '{value}' (ids and versions are strings in Sentry)"
        return f"expected {expected}, got {got} {value!r}", fix
    if kind in ("enum", "const"):
        options: Any = error.validator_value
        choices = list(options) if kind == "enum" else [options]
        return f"{value!r} is not allowed", f"use one of: {', '.join(map(repr, choices))}"
    if kind == "format":
        examples = {
            "date-time": "2024-01-15T08:30:00Z",
            "uri": "https://example.com/hook",
            "email": "jane@example.com",
        }
        example = examples.get(str(error.validator_value), "")
        return f"{value!r} is not a valid {error.validator_value}", f"write e.g. {example}"
    if kind == "pattern":
        return (
            f"{value!r} does not have the expected form",
            f"it must match {error.validator_value}",
        )
    return error.message, "see schemas/scenario.schema.json for the expected shape"


# --- checks the schema cannot express ----------------------------------------------------------


def _check_references(data: dict[str, Any], locate: _Locator) -> None:
    def unique(items: list[tuple[Path_, Any]], what: str) -> None:
        seen: dict[Any, Path_] = {}
        for path, value in items:
            if value in seen:
                raise ScenarioError(
                    locate.source,
                    locate.where(path),
                    f"duplicate {what} {value!r} (also at {locate.where(seen[value])})",
                    f"give each {what.split()[0]} a unique {what.split()[-1]}",
                )
            seen[value] = path

    orgs = data["organizations"]
    tokens = data.get("tokens", [])
    unique([(("tokens", i, "token"), t["token"]) for i, t in enumerate(tokens)], "token value")
    unique([(("organizations", i, "id"), o["id"]) for i, o in enumerate(orgs)], "organization id")
    unique(
        [(("organizations", i, "slug"), o["slug"]) for i, o in enumerate(orgs)], "organization slug"
    )
    project_ids: list[tuple[Path_, Any]] = []
    hook_ids: list[tuple[Path_, Any]] = []
    for i, org in enumerate(orgs):
        slugs = []
        for j, project in enumerate(org["projects"]):
            base: Path_ = ("organizations", i, "projects", j)
            project_ids.append(((*base, "id"), project["id"]))
            slugs.append(((*base, "slug"), project["slug"]))
            hooks = project.get("hooks", [])
            items = hooks if isinstance(hooks, list) else hooks.get("items", [])
            prefix: Path_ = (
                (*base, "hooks") if isinstance(hooks, list) else (*base, "hooks", "items")
            )
            hook_ids += [((*prefix, k, "id"), h["id"]) for k, h in enumerate(items) if "id" in h]
        unique(slugs, "project slug")
    unique(project_ids, "project id")
    unique(hook_ids, "hook id")
    known = {
        f"{o[k]}/{p[j]}"
        for o in orgs
        for p in o["projects"]
        for k in ("id", "slug")
        for j in ("id", "slug")
    }
    for i, scheduled in enumerate(data.get("events", {}).get("schedule", [])):
        if scheduled["project"] not in known:
            close = difflib.get_close_matches(scheduled["project"], sorted(known), n=1)
            raise ScenarioError(
                locate.source,
                locate.where(("events", "schedule", i, "project")),
                f"scheduled event for '{scheduled['project']}', which the scenario does not define",
                f"did you mean '{close[0]}'?" if close else "write org/project with their slugs",
            )
    org_slugs = {o["slug"] for o in orgs}
    for i, token in enumerate(tokens):
        for k, slug in enumerate(token.get("organizations", [])):
            if slug not in org_slugs:
                close = difflib.get_close_matches(slug, sorted(org_slugs), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "list it under organizations"
                raise ScenarioError(
                    locate.source,
                    locate.where(("tokens", i, "organizations", k)),
                    f"token refers to organization '{slug}', which the scenario does not define",
                    hint,
                )


# --- building the world ------------------------------------------------------------------------


def _build_world(data: dict[str, Any], source: str, seed: int | None) -> World:
    world_seed = seed if seed is not None else int(data.get("seed", 0))
    anchor = parse_datetime(data.get("anchor", DEFAULT_ANCHOR))
    tokens = {t["token"]: _token(t) for t in data.get("tokens", [])}
    organizations = tuple(_organization(o, world_seed, anchor) for o in data["organizations"])
    return World(
        seed=world_seed,
        tokens=tokens,
        organizations=organizations,
        source=source,
        name=str(data.get("name", Path(source).stem)),
        description=str(data.get("description", "")),
        url_prefix=data.get("urlPrefix"),
        schedule=tuple(
            ScheduledEvent(e["project"], e.get("type", "event.created"), float(e["every"]))
            for e in data.get("events", {}).get("schedule", [])
        ),
    )


def _token(raw: Mapping[str, Any]) -> Token:
    orgs = raw.get("organizations")
    return Token(
        token=raw["token"],
        scopes=frozenset(raw["scopes"]),
        expired=bool(raw.get("expired", False)),
        user_active=bool(raw.get("userActive", True)),
        organizations=frozenset(orgs) if orgs is not None else None,
        username=str(raw.get("username", "admin@example.com")),
    )


def _organization(raw: Mapping[str, Any], seed: int, anchor: datetime) -> Organization:
    return Organization(
        id=raw["id"],
        slug=raw["slug"],
        name=raw.get("name", raw["slug"].replace("-", " ").title()),
        date_created=parse_datetime(raw.get("dateCreated", DEFAULT_DATE_CREATED)),
        projects=tuple(_project(p, raw["slug"], seed, anchor) for p in raw["projects"]),
        features=tuple(raw.get("features", ())),
        fields=dict(raw.get("fields", {})),
    )


def _collection(raw: Any) -> tuple[list[Any], Mapping[str, Any]]:
    """Split a collection into its literal items and its generate spec."""
    if raw is None:
        return [], {}
    if isinstance(raw, list):
        return raw, {}
    spec = {k: v for k, v in raw.items() if k != "items"}
    return list(raw.get("items", [])), spec


def _project(raw: Mapping[str, Any], org_slug: str, seed: int, anchor: datetime) -> Project:
    owner = f"{org_slug}/{raw['slug']}"
    stats = {
        stat: _series(spec, seed=seed, owner=owner, stat=stat)
        for stat, spec in raw.get("stats", {}).items()
    }
    received = stats.get("received")

    def received_total(start: int, end: int) -> int:
        return patterns.count_events(received, start, end) if received else 0

    users = _users(raw.get("users"), seed=seed, owner=owner, anchor=anchor)
    tags = {
        key: _tag_values(
            spec,
            key=key,
            seed=seed,
            owner=owner,
            anchor=anchor,
            users=users,
            received=received_total if received else None,
        )
        for key, spec in raw.get("tags", {}).items()
    }
    environments = raw.get("environments")
    if environments is None:
        environments = [v.value for v in tags.get("environment", ())[:1000]]
    return Project(
        id=raw["id"],
        slug=raw["slug"],
        name=raw.get("name", raw["slug"].replace("-", " ").title()),
        platform=raw.get("platform"),
        date_created=parse_datetime(raw.get("dateCreated", DEFAULT_DATE_CREATED)),
        features=tuple(raw.get("features", DEFAULT_PROJECT_FEATURES)),
        teams=tuple(Team(id=t["id"], slug=t["slug"], name=t["name"]) for t in raw.get("teams", ())),
        users=users,
        tags=tags,
        hooks=_hooks(raw.get("hooks"), seed=seed, owner=owner, anchor=anchor),
        stats=stats,
        fields=dict(raw.get("fields", {})),
        environments=tuple(environments),
        unresolved_issues=int(raw.get("unresolvedIssues", 0)),
        has_alert_integration=bool(raw.get("hasAlertIntegration", False)),
        first_event=parse_datetime(raw["firstEvent"]) if raw.get("firstEvent") else None,
        latest_release=raw.get("latestRelease"),
    )


def _users(raw: Any, *, seed: int, owner: str, anchor: datetime) -> LazySequence[EventUser]:
    items, spec = _collection(raw)
    literal = sorted(
        (
            EventUser(
                identifier=u.get("id"),
                username=u.get("username"),
                email=u.get("email"),
                ip_address=u.get("ipAddress"),
                last_seen=parse_datetime(u["lastSeen"]),
            )
            for u in items
        ),
        # Sentry lists users by their most recent event first; sorted() is stable for ties.
        key=lambda u: u.last_seen,
        reverse=True,
    )
    count = int(spec.get("generate", 0))
    if not count:
        return LazySequence(literal)
    start = min([anchor, *(u.last_seen for u in literal)])
    from mockserver import fakedata

    make = fakedata.user_factory(seed=seed, owner=owner, anchor=start, spec=spec)
    return LazySequence(literal, count, make)


def _tag_values(
    raw: Any,
    *,
    key: str,
    seed: int,
    owner: str,
    anchor: datetime,
    users: Sequence[EventUser],
    received: Any,
) -> LazySequence[TagValue]:
    items, spec = _collection(raw)
    literal = sorted(
        (
            TagValue(
                value=v["value"],
                count=v["count"],
                first_seen=parse_datetime(v["firstSeen"]),
                last_seen=parse_datetime(v["lastSeen"]),
            )
            for v in items
        ),
        key=lambda v: v.last_seen or anchor,
        reverse=True,
    )
    count = int(spec.get("generate", 0))
    if not count:
        return LazySequence(literal)
    start = min([anchor, *(v.last_seen for v in literal if v.last_seen)])
    from mockserver import fakedata

    make = fakedata.tag_value_factory(
        seed=seed,
        owner=owner,
        key=key,
        anchor=start,
        spec=spec,
        users=users if key == "user" else None,
        received=received,
    )
    return LazySequence(literal, count, make)


def _stable_hex(*parts: object, length: int) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    while len(digest) < length:
        digest += hashlib.sha256(digest.encode()).hexdigest()
    return digest[:length]


def _hooks(raw: Any, *, seed: int, owner: str, anchor: datetime) -> tuple[Hook, ...]:
    items, spec = _collection(raw)
    dated = [
        (parse_datetime(h["dateCreated"]) if "dateCreated" in h else anchor, i, h)
        for i, h in enumerate(items)
    ]
    # Internal ids grow with creation time, as Sentry's autoincrement keys do; the list endpoint
    # orders by them, newest first.
    dated.sort(key=lambda entry: (entry[0], entry[1]))
    hooks = [
        Hook(
            id=h.get("id") or _stable_hex(seed, owner, "hook-id", i, length=32),
            url=h["url"],
            events=tuple(sorted(set(h.get("events", [])))),
            status=h.get("status", "active"),
            secret=h.get("secret") or _stable_hex(seed, owner, "hook-secret", i, length=64),
            date_created=created,
            internal_id=n,
        )
        for n, (created, i, h) in enumerate(dated, start=1)
    ]
    count = int(spec.get("generate", 0))
    if count:
        from mockserver import fakedata

        make = fakedata.hook_factory(
            seed=seed, owner=owner, anchor=anchor, spec=spec, first_internal_id=len(hooks) + 1
        )
        hooks += [make(i) for i in range(count)]
    return tuple(hooks)


def _series(raw: Mapping[str, Any], *, seed: int, owner: str, stat: str) -> StatsSeries:
    points: dict[int, int] = {}
    for ts, n in raw.get("points", []):
        points[ts] = points.get(ts, 0) + n
    pattern = None
    if "pattern" in raw:
        pattern = patterns.stats_pattern(seed=seed, owner=owner, stat=stat, spec=raw["pattern"])
    return StatsSeries(points=points, resolution=int(raw.get("resolution", 3600)), pattern=pattern)


def iter_scenario_files(directory: Path) -> Iterator[Path]:
    """The ``*.yaml`` and ``*.yml`` files of a directory, sorted."""
    yield from sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
