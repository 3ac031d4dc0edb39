"""Load a YAML scenario: parse safely, validate against ``scenario.schema.json``, check what the
schema cannot (duplicates, references; the faults' presets and rule names, the rate limits'
callers), and build the immutable :class:`~mockserver.world.model.World`.

Every problem raises :class:`~mockserver.errors.ScenarioError` naming the file, the line and the
JSON path, what was expected, and how to fix it. Nothing is half-loaded: a world is returned
only when the whole file is valid.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from jsonschema import ValidationError

from mockserver.errors import ScenarioError
from mockserver.faults.model import FaultSpecError
from mockserver.schemas.explain import explain
from mockserver.schemas.explain import first
from mockserver.schemas.registry import SchemaRegistry
from mockserver.timefmt import Clock
from mockserver.timefmt import system_clock
from mockserver.world.build import GenerationError
from mockserver.world.build import build_world
from mockserver.world.model import World

SCENARIO_SCHEMA = "scenario.schema"
Path_ = tuple[str | int, ...]


# A copy of the safe loader's implicit resolvers without the one for timestamps.
_RESOLVERS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps timestamps as strings: the schema checks their format, and the
    world parses them, so a date never silently becomes a ``datetime`` with a lost offset.

    Pure Python: the scenario loader when PyYAML was built without libyaml (see :data:`_LOADER`),
    and the one whose messages describe a syntax error."""


_Loader.yaml_implicit_resolvers = {first: list(pairs) for first, pairs in _RESOLVERS.items()}

_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = _Loader
"""The loader scenarios are read with: :class:`_Loader`, or the same over libyaml when PyYAML has
it, about ten times faster. Both build with PyYAML's ``SafeConstructor`` and resolve with its
``Resolver``, so they build the same plain values."""

if yaml.__with_libyaml__:

    class _CLoader(yaml.CSafeLoader):
        """:class:`_Loader`'s rules over libyaml's parser."""

    _CLoader.yaml_implicit_resolvers = {first: list(pairs) for first, pairs in _RESOLVERS.items()}
    _LOADER = _CLoader


def load_scenario_file(
    path: Path | str,
    registry: SchemaRegistry,
    seed: int | None = None,
    clock: Clock = system_clock,
) -> World:
    """Load, validate and build the world of a scenario file.

    :param path: the YAML file.
    :param registry: the schemas (``scenario.schema.json`` among them).
    :param seed: overrides the scenario's ``seed``.
    :param clock: the time relative pattern times (``now-36h``) are read from.
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
    return load_scenario_text(text, registry, source=str(path), seed=seed, clock=clock)


def parse_yaml(text: str) -> Any:
    """Parse YAML with the scenario loader: safe, and timestamps kept as text.

    :raises yaml.YAMLError: if the text is not YAML, or has a tag that is not plain data.
    """
    loader = _LOADER(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_scenario_text(
    text: str,
    registry: SchemaRegistry,
    source: str = "<inline>",
    seed: int | None = None,
    clock: Clock = system_clock,
) -> World:
    """Like :func:`load_scenario_file`, from YAML text."""
    data, root = _parse(text, source)
    return load_scenario_data(data, registry, source=source, seed=seed, root=root, clock=clock)


def load_scenario_data(
    data: Any,
    registry: SchemaRegistry,
    source: str = "<inline>",
    seed: int | None = None,
    root: yaml.Node | None = None,
    clock: Clock = system_clock,
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
    try:
        return build_world(data, source=source, seed=seed, clock=clock)
    except GenerationError as exc:
        raise ScenarioError(source, locate.where(exc.path), exc.problem, exc.fix) from None
    except FaultSpecError as exc:
        # The faults and rate limits, which the schema checked, name a preset, a token or a rule
        # that is not there.
        where = locate.where(exc.at.path) if exc.at is not None else exc.where
        raise ScenarioError(source, where, exc.problem, exc.fix) from None


# --- YAML parsing ------------------------------------------------------------------------------


def _parse(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """The data of ``text`` and its node tree (for line numbers), parsed once.

    :raises ScenarioError: if it is not YAML, repeats a key, or has a tag that is not plain data.
    """
    try:
        loader = _LOADER(text)  # the pure-Python reader already checks the characters here
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, source) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, text, source) from None
        if root is None:
            return None, None
        _check_duplicate_keys(root, source, ())
        try:
            return loader.construct_document(root), root
        except yaml.MarkedYAMLError as exc:
            # Composing accepts any tag; the safe constructor then refuses the ones that would
            # build Python objects (!!python/object, !!python/name, ...), and a list or a
            # mapping as a key.
            unhashable = exc.problem == "found unhashable key"
            raise ScenarioError(
                source,
                _where(exc),
                f"not allowed in a scenario: {exc.problem or exc.context}",
                "scenarios are plain YAML: write the key as plain text"
                if unhashable
                else "scenarios are plain YAML: remove the tag",
            ) from None
        except (ValueError, TypeError, OverflowError) as exc:
            # An explicit tag the value cannot have (``!!int abc``, ``!!float x``).
            node = _unbuildable_scalar(loader)
            if node is None:
                raise ScenarioError(
                    source, "YAML", f"not allowed in a scenario: {exc}", "remove the tag"
                ) from None
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise ScenarioError(
                source,
                f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}",
                f"not allowed in a scenario: {node.value!r} cannot be a {tag} ({exc})",
                f"remove the tag '{tag}', or write a value of that type",
            ) from None
    finally:
        loader.dispose()


def _unbuildable_scalar(loader: Any) -> yaml.Node | None:
    """The scalar the constructor failed on: PyYAML leaves the nodes it was building in
    ``recursive_objects``, and the only scalar among them is the one that raised."""
    building = getattr(loader, "recursive_objects", {})
    return next((node for node in building if isinstance(node, yaml.ScalarNode)), None)


def _syntax_error(exc: yaml.YAMLError, text: str, source: str) -> ScenarioError:
    if _LOADER is not _Loader:
        # libyaml's messages leave out what pure-Python PyYAML names (the undefined alias, the
        # unknown escape, what was found instead): on this rare path, ask it too, and keep its
        # error when it also refuses the text.
        try:
            yaml.compose(text, Loader=_Loader)
        except yaml.YAMLError as detailed:
            exc = detailed
    if isinstance(exc, yaml.MarkedYAMLError):
        return ScenarioError(
            source,
            _where(exc),
            f"not valid YAML: {exc.problem or exc.context}",
            "check the indentation and quoting around that line",
        )
    return ScenarioError(source, "YAML", f"not valid YAML: {exc}", "check the syntax")


def _where(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"


def _check_duplicate_keys(node: yaml.Node, source: str, path: Path_) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as a key: the constructor refuses it
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
    explained = explain(first(errors))
    fix = explained.fix
    if explained.fix == "see the schema for the expected shape":
        fix = "see schemas/scenario.schema.json for the expected shape"
    more = len(errors) - 1
    if more > 0:
        fix += f" ({more} more problem{'s' if more > 1 else ''} may follow)"
    return ScenarioError(locate.source, locate.where(explained.path), explained.problem, fix)


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


def iter_scenario_files(directory: Path) -> Iterator[Path]:
    """The ``*.yaml`` and ``*.yml`` files of a directory, sorted."""
    yield from sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
