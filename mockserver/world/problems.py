"""Where a scenario's problems are, and how they are reported: the line of a JSON path in the
YAML (the line of its key), repeated keys, the schema's errors explained (a ``oneOf`` by the branch
the value came closest to, each unknown key on its own), and one
:class:`~mockserver.errors.ScenarioError` for them all, sorted by line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

import yaml

from mockserver.errors import ScenarioError
from mockserver.errors import ScenarioProblem
from mockserver.schemas.explain import explain_each

if TYPE_CHECKING:
    from jsonschema import ValidationError

Path_ = tuple[str | int, ...]
MAX_REPORTED = 50
"""The most problems one :class:`~mockserver.errors.ScenarioError` spells out (then how many
more there are): a file that is wrong everywhere is fixed from the top."""


def duplicate_keys(node: yaml.Node, path: Path_) -> list[ScenarioProblem]:
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
                        f"line {line}, {json_path((*path, key))}",
                        f"duplicate key '{key}' (first at line {seen[key]})",
                        "YAML keeps only the last one: remove or merge the duplicate",
                        line,
                    )
                )
            else:
                seen[key] = line
            found += duplicate_keys(value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += duplicate_keys(item, (*path, i))
    return found


class Locator:
    """Turns a JSON path into "line N, $.a.b[2]" using the YAML node tree when there is one:
    the line of the path's last key (``usres:``, even when its value starts on the next line),
    or of its last item."""

    def __init__(self, source: str, root: yaml.Node | None) -> None:
        self.source = source
        self.root = root

    def where(self, path: Path_) -> str:
        line = self.line(path)
        prefix = f"line {line}, " if line else ""
        return prefix + json_path(path)

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


def json_path(path: Path_) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# --- schema errors -----------------------------------------------------------------------------


def schema_problems(errors: Sequence[ValidationError], locate: Locator) -> list[ScenarioProblem]:
    """Every schema error explained (a ``oneOf`` by its closest branch, each unknown key on its
    own), once each."""
    if not errors:
        return []
    from jsonschema.exceptions import relevance  # only a broken scenario needs jsonschema

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


def all_problems(
    source: str, problems: Sequence[ScenarioProblem], more: bool = False
) -> ScenarioError:
    """One error for every problem, sorted by line (those without one last), at most
    :data:`MAX_REPORTED` of them; ``more``: there may be more than were read."""
    ordered = sorted(problems, key=lambda p: p.line if p.line is not None else float("inf"))
    shown = ordered[:MAX_REPORTED]
    hidden = len(ordered) - len(shown)
    if hidden or more:
        count = f"{hidden}{' or more' if more else ''}" if hidden else "more"
        shown.append(ScenarioProblem("…", f"{count} problems not shown", "fix these first"))
    return ScenarioError.of(source, shown)
