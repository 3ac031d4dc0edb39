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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import TypeGuard

import yaml
from jsonschema import ValidationError
from jsonschema.exceptions import relevance
from yaml.composer import ComposerError

from mockserver.errors import ScenarioError
from mockserver.errors import ScenarioProblem
from mockserver.faults.model import FaultSpecError
from mockserver.schemas.explain import explain_each
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
from mockserver.world.references import check_references

SCENARIO_SCHEMA = "scenario.schema"
Path_ = tuple[str | int, ...]
MAX_REPORTED = 50
"""The most problems one :class:`~mockserver.errors.ScenarioError` spells out (then how many
more there are): a file that is wrong everywhere is fixed from the top."""
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
        raise _all(source, duplicates)
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
    locate = _Locator(source, root)
    if not isinstance(data, dict):
        raise _all(
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
    problems = [*found, *_schema_problems(errors, locate)]
    if problems:
        raise _all(source, problems, more=len(errors) == _SCHEMA_ERRORS_READ)
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
        duplicates = _duplicate_keys(root, ())
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


def _duplicate_keys(node: yaml.Node, path: Path_) -> list[ScenarioProblem]:
    """Every key a mapping repeats (YAML would keep only the last), at the repeat's line."""
    found: list[ScenarioProblem] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as a key: the constructor refuses it
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                found.append(
                    ScenarioProblem(
                        f"line {line}, {_json_path((*path, key))}",
                        f"duplicate key '{key}' (first at line {seen[key]})",
                        "YAML keeps only the last one: remove or merge the duplicate",
                        line,
                    )
                )
            else:
                seen[key] = line
            found += _duplicate_keys(value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, (*path, i))
    return found


class _Locator:
    """Turns a JSON path into "line N, $.a.b[2]" using the YAML node tree when there is one:
    the line of the path's last key (``usres:``, even when its value starts on the next line),
    or of its last item."""

    def __init__(self, source: str, root: yaml.Node | None) -> None:
        self.source = source
        self.root = root

    def where(self, path: Path_) -> str:
        line = self.line(path)
        prefix = f"line {line}, " if line else ""
        return prefix + _json_path(path)

    def problem(self, path: Path_, problem: str, fix: str) -> ScenarioProblem:
        """A problem at ``path``."""
        return ScenarioProblem(self.where(path), problem, fix, self.line(path))

    def line(self, path: Path_) -> int | None:
        """The line of the deepest node of ``path`` the document has, or ``None`` without a
        node tree (an inline mapping)."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in path:
            child: yaml.Node | None = None
            at: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == part), None)
                if pair is not None:
                    at, child = pair  # the key's line, not the value's
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                child = at = node.value[part] if part < len(node.value) else None
            if child is None or at is None:
                break
            node = child
            line = at.start_mark.line + 1
        return line


def _json_path(path: Path_) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# --- schema errors -----------------------------------------------------------------------------


def _schema_problems(errors: Sequence[ValidationError], locate: _Locator) -> list[ScenarioProblem]:
    """Every schema error explained (a ``oneOf`` by its closest branch, each unknown key on its
    own), once each."""
    problems: list[ScenarioProblem] = []
    seen: set[tuple[Path_, str]] = set()
    # The most relevant first (jsonschema's order of relevance): problems without a line (an
    # inline scenario) keep it, those with one are sorted by line after.
    for error in sorted(errors, key=relevance, reverse=True):
        for explained in explain_each(error):
            if (explained.path, explained.problem) in seen:
                continue
            seen.add((explained.path, explained.problem))
            fix = explained.fix
            if fix == "see the schema for the expected shape":
                fix = "see schemas/scenario.schema.json for the expected shape"
            problems.append(locate.problem(explained.path, explained.problem, fix))
    return problems


def _all(source: str, problems: Sequence[ScenarioProblem], more: bool = False) -> ScenarioError:
    """One error for every problem, sorted by line (those without one last), at most
    :data:`MAX_REPORTED` of them; ``more``: there may be more than were read."""
    ordered = sorted(problems, key=lambda p: p.line if p.line is not None else float("inf"))
    shown = ordered[:MAX_REPORTED]
    hidden = len(ordered) - len(shown)
    if hidden or more:
        count = f"{hidden}{' or more' if more else ''}" if hidden else "more"
        shown.append(ScenarioProblem("…", f"{count} problems not shown", "fix these first"))
    return ScenarioError.of(source, shown)


def iter_scenario_files(directory: Path) -> Iterator[Path]:
    """The ``*.yaml`` and ``*.yml`` files of a directory, sorted."""
    yield from sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
