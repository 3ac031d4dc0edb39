"""Load a YAML scenario: parse safely, measure it before anything walks it (nesting and alias
expansion, :mod:`mockserver.world.bounds`), validate against ``scenario.schema.json``, check
what the schema cannot (duplicates, references in :mod:`mockserver.world.references`; the
faults' presets and rule names, the rate limits' callers), and build the immutable
:class:`~mockserver.world.model.World`.

Every problem raises :class:`~mockserver.errors.ScenarioError` naming the file, the line and the
JSON path, what was expected, and how to fix it; every problem of a step at once (duplicate keys
and the schema's, then the references'), sorted by line, each at the line of its key (where the
value is on the next lines, as under ``users:``), and a ``oneOf`` explained by the branch the
value was closest to. Nothing is half-loaded: a world is returned only when the whole file is
valid.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import TypeGuard

import yaml
from yaml.composer import ComposerError

from mockserver.errors import ScenarioError
from mockserver.errors import ScenarioProblem
from mockserver.faults.model import FaultSpecError
from mockserver.schemas.registry import SchemaRegistry
from mockserver.timefmt import Clock
from mockserver.timefmt import system_clock
from mockserver.world.bounds import DEEP_FIX
from mockserver.world.bounds import MAX_DEPTH
from mockserver.world.bounds import TOO_DEEP
from mockserver.world.bounds import measure_data
from mockserver.world.bounds import measure_nodes
from mockserver.world.build import GenerationError
from mockserver.world.build import build_world
from mockserver.world.model import World
from mockserver.world.problems import Locator
from mockserver.world.problems import all_problems
from mockserver.world.problems import duplicate_keys
from mockserver.world.problems import schema_problems
from mockserver.world.references import check_references

SCENARIO_SCHEMA = "scenario.schema"
Path_ = tuple[str | int, ...]
_SCHEMA_ERRORS_READ = 200
"""Schema errors read at most (jsonschema finds them lazily): a million broken items cost what
two hundred do."""


# A copy of the safe loader's implicit resolvers without the one for timestamps.
_RESOLVERS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps timestamps as strings: the schema checks their format, and the
    world parses them, so a date never silently becomes a ``datetime`` with a lost offset.

    Pure Python: the scenario loader when PyYAML was built without libyaml (see :data:`_LOADER`),
    and the one whose messages describe a syntax error. Its composer recurses once per level,
    so it stops at :data:`~mockserver.world.bounds.MAX_DEPTH` levels, with the line, before
    Python's recursion limit does (libyaml stops at 1,000, and the node graph is measured
    after it)."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """PyYAML's, one level deeper, refusing the level past the limit."""
        if self._depth >= MAX_DEPTH and not self.check_event(yaml.AliasEvent, yaml.ScalarEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise ComposerError(None, None, TOO_DEEP, mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


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


@dataclass(frozen=True)
class ScenarioText:
    """A scenario given as YAML text rather than a file (``POST /__admin/scenario`` with a YAML
    body); messages name ``source`` and the line.

    :ivar text: the YAML.
    :ivar source: what messages call it.
    """

    text: str
    source: str = "<request body>"


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
    text = read_scenario_text(path)
    return load_scenario_text(text, registry, source=str(path), seed=seed, clock=clock)


def read_scenario_text(path: Path) -> str:
    """A scenario file's text.

    :raises ScenarioError: if it is missing, unreadable, not UTF-8, or the path is not one.
    """
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(
            str(path), "file", "no such file", "check the path, or run 'mockserver validate'"
        ) from None
    except IsADirectoryError:
        raise ScenarioError(
            str(path), "file", "is a directory", "name a scenario file (*.yaml) in it"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            str(path), "file", f"cannot be read: {exc}", "save it as UTF-8"
        ) from None
    except ValueError as exc:  # a NUL in the path: no file can have that name
        raise ScenarioError(
            repr(str(path)), "file", f"not a file path: {exc}", "send the file's path as text"
        ) from None


def parse_yaml(text: str, source: str = "<yaml>") -> Any:
    """Parse YAML with the scenario loader: safe, bounded (nesting and alias expansion, see
    :mod:`mockserver.world.bounds`), duplicate keys refused, and timestamps kept as text.

    :param source: what messages call the text (a file name, ``<request body>``).
    :raises ScenarioError: if the text is not YAML, is too deep or expands too much, repeats a
        key, or has a tag that is not plain data.
    """
    data, _root, duplicates = _parse(text, source)
    if duplicates:
        raise all_problems(source, duplicates)
    return data


def load_scenario_text(
    text: str,
    registry: SchemaRegistry,
    source: str = "<inline>",
    seed: int | None = None,
    clock: Clock = system_clock,
) -> World:
    """Like :func:`load_scenario_file`, from YAML text."""
    data, root, duplicates = _parse(text, source)
    return _load(data, registry, source, seed, root, clock, duplicates)


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
    return _load(data, registry, source, seed, root, clock, [])


def _load(
    data: Any,
    registry: SchemaRegistry,
    source: str,
    seed: int | None,
    root: yaml.Node | None,
    clock: Clock,
    found: list[ScenarioProblem],
) -> World:
    """Check and build; ``found`` are the problems parsing found (duplicate keys), reported
    with the schema's."""
    locate = Locator(source, root)
    if not isinstance(data, dict):
        raise all_problems(
            source,
            [
                *found,
                locate.problem(
                    (),
                    f"a scenario is a mapping, got {type(data).__name__}",
                    "start the file with 'version: 1' and 'organizations:'",
                ),
            ],
        )
    excess = measure_data(data)
    if excess is not None:
        raise ScenarioError(source, locate.where(excess.path), excess.problem, excess.fix)
    errors = registry.errors(SCENARIO_SCHEMA, data, limit=_SCHEMA_ERRORS_READ)
    problems = [*found, *schema_problems(errors, locate)]
    if problems:
        raise all_problems(source, problems, more=len(errors) == _SCHEMA_ERRORS_READ)
    check_references(data, locate.source, locate.where, locate.line)
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


def _parse(text: str, source: str) -> tuple[Any, yaml.Node | None, list[ScenarioProblem]]:
    """The data of ``text``, its node tree (for line numbers) and its repeated keys (which the
    caller reports with the other problems), parsed once.

    :raises ScenarioError: if it is not YAML or has a tag that is not plain data.
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
            return None, None, []
        # Before any walk that follows aliases or recurses: a billion laughs or a 10,000-deep
        # document is refused here, in the time it took to compose.
        excess = measure_nodes(root)
        if excess is not None:
            raise ScenarioError(source, excess.where(), excess.problem, excess.fix)
        duplicates = duplicate_keys(root, ())
        try:
            return loader.construct_document(root), root, duplicates
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
    if _too_deep(exc):
        # libyaml stops at 1,000 levels: no need to have the slower loader scan it again.
        return ScenarioError(source, _where(exc), TOO_DEEP, DEEP_FIX)
    if _LOADER is not _Loader:
        # libyaml's messages leave out what pure-Python PyYAML names (the undefined alias, the
        # unknown escape, what was found instead): on this rare path, ask it too, and keep its
        # error when it also refuses the text.
        try:
            yaml.compose(text, Loader=_Loader)
        except yaml.YAMLError as detailed:
            exc = detailed
    if _too_deep(exc):
        return ScenarioError(source, _where(exc), TOO_DEEP, DEEP_FIX)
    if isinstance(exc, yaml.MarkedYAMLError):
        return ScenarioError(
            source,
            _where(exc),
            f"not valid YAML: {exc.problem or exc.context}",
            "check the indentation and quoting around that line",
        )
    return ScenarioError(source, "YAML", f"not valid YAML: {exc}", "check the syntax")


def _too_deep(exc: yaml.YAMLError) -> TypeGuard[yaml.MarkedYAMLError]:
    """Whether libyaml's parser or :class:`_Loader`'s composer refused the nesting."""
    return isinstance(exc, yaml.MarkedYAMLError) and exc.problem in (
        "exceeded maximum nesting depth",
        TOO_DEEP,
    )


def _where(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"


def iter_scenario_files(directory: Path) -> Iterator[Path]:
    """The ``*.yaml`` and ``*.yml`` files of a directory, sorted."""
    yield from sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
