"""How big and how deep a scenario may be, checked before anything walks it.

YAML aliases share one node: ``[*a, *a, *a]`` composes three references to ``a``, not three
copies, so nine levels of nine aliases (the "billion laughs") compose in microseconds from a
few hundred bytes, and then every walk that follows the references (the duplicate-key check,
schema validation, building the world) visits 9^9 nodes. A deeply nested document makes every
recursive walk (PyYAML's composer and constructor, the checks, jsonschema) raise
``RecursionError``. Both are measured here on the composed node graph, each node once (sizes
are memoized per node, so the measure is linear in the nodes the text actually holds), and on
inline data the same way, and refused with what to fix.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import yaml

#: The deepest nesting a scenario (or an admin API body) may have; the default scenario has 10.
MAX_DEPTH = 64
#: How many nodes aliases may add to a document when expanded. A scenario without aliases has
#: no such limit (its size is its text's); ten thousand users written out are about 60,000.
MAX_ALIAS_EXPANSION = 100_000

#: The problem and the fix of a document nested too deep (every loader says the same).
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"
DEEP_FIX = f"nest at most {MAX_DEPTH} levels deep (the default scenario nests 10)"
_ALIAS_FIX = (
    f"aliases may add at most {MAX_ALIAS_EXPANSION:,} nodes: repeat fewer aliases, or write "
    "the values out (use 'generate: N' for many items)"
)


@dataclass(frozen=True)
class Excess:
    """What a document exceeds: the node (for its line) or the JSON path, and the words.

    :ivar node: the YAML node where the limit was crossed, when measuring nodes.
    :ivar path: the JSON path where it was crossed, when measuring plain data.
    """

    problem: str
    fix: str
    node: yaml.Node | None = None
    path: tuple[str | int, ...] = ()

    def where(self) -> str:
        """``line N, column M`` of the node (``YAML`` without one)."""
        if self.node is None:
            return "YAML"
        mark = self.node.start_mark
        return f"line {mark.line + 1}, column {mark.column + 1}"


def _node_children(node: yaml.Node) -> Iterable[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def measure_nodes(root: yaml.Node) -> Excess | None:
    """Check a composed YAML node graph against :data:`MAX_DEPTH` and
    :data:`MAX_ALIAS_EXPANSION`, and for an alias inside its own anchor, without recursion.

    Each node is measured once: an alias seen again adds its node's memoized size to the
    expansion, so ``[*a, *a, …]`` costs one addition per alias, however much ``a`` expands to.
    """
    return _measure(root, _node_children, lambda node: node)


def _data_children(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        yield from value.values()
    elif isinstance(value, list | tuple):
        yield from value


def measure_data(data: Any) -> Excess | None:
    """Check plain data (an inline scenario, a parsed body) for :data:`MAX_DEPTH`, shared or
    recursive containers, and numbers that are not finite (``NaN``, ``Infinity``: YAML's
    ``.nan``, ``.inf``), which no scenario value may be and no JSON answer can carry."""
    excess = _measure(data, _data_children, None)
    if excess is not None:
        return excess
    return _non_finite(data)


def _non_finite(data: Any) -> Excess | None:
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return Excess(
                f"{value!r} is not a finite number",
                "write a finite number (NaN and infinities have no JSON form)",
                path=path,
            )
        if isinstance(value, dict):
            stack.extend((item, (*path, str(key))) for key, item in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((item, (*path, i)) for i, item in enumerate(value))
    return None


def _measure(
    root: Any,
    children: Callable[[Any], Iterable[Any]],
    as_node: Callable[[Any], yaml.Node] | None,
) -> Excess | None:
    """Depth-first, with an explicit stack: ``measured`` holds each finished node's expanded
    size and height; a node met again is an alias (or shared data) and adds its size."""
    measured: dict[int, tuple[int, int]] = {}
    on_path: set[int] = set()
    added = 0
    # Each frame: the node, its children still to visit, its size and height so far.
    frames: list[list[Any]] = []

    def excess(problem: str, fix: str, at: Any) -> Excess:
        if as_node is not None:
            return Excess(problem, fix, node=as_node(at))
        return Excess(problem, fix, path=tuple(_path_of(frames)))

    def enter(node: Any) -> Excess | None:
        if len(frames) >= MAX_DEPTH:
            return excess(TOO_DEEP, DEEP_FIX, node)
        frames.append([node, iter(children(node)), 1, 1])
        on_path.add(id(node))
        return None

    problem = enter(root)
    if problem is not None:
        return problem
    while frames:
        frame = frames[-1]
        child = next(frame[1], _DONE)
        if child is _DONE:
            node, _, size, height = frames.pop()
            on_path.discard(id(node))
            measured[id(node)] = (size, height)
            if frames:
                frames[-1][2] += size
                frames[-1][3] = max(frames[-1][3], height + 1)
            continue
        if id(child) in on_path:
            return excess(
                "an alias refers to the value it is part of (a recursive document)",
                "remove the alias, or anchor a value outside the one that uses it",
                frame[0],
            )
        known = measured.get(id(child))
        if known is None:
            if not _is_container(child, as_node is not None):
                frame[2] += 1
                continue
            problem = enter(child)
            if problem is not None:
                return problem
            continue
        size, height = known
        if len(frames) + height > MAX_DEPTH:
            return excess(TOO_DEEP, DEEP_FIX, frame[0])
        added += size
        if added > MAX_ALIAS_EXPANSION:
            return excess(
                f"aliases expand the document by more than {MAX_ALIAS_EXPANSION:,} nodes; "
                f"those here repeat {size:,} each",
                _ALIAS_FIX,
                frame[0],
            )
        frame[2] += size
        frame[3] = max(frame[3], height + 1)
    return None


_DONE = object()


def _is_container(value: Any, nodes: bool) -> bool:
    if nodes:
        return isinstance(value, yaml.MappingNode | yaml.SequenceNode)
    return isinstance(value, dict | list | tuple)


def _path_of(frames: list[list[Any]]) -> list[str | int]:
    """The JSON path of the innermost frame, from the keys or indexes its parents are at."""
    path: list[str | int] = []
    for parent, child in pairwise(frames):
        container = parent[0]
        if isinstance(container, dict):
            path.append(next((str(k) for k, v in container.items() if v is child[0]), "?"))
        else:
            path.append(next((i for i, v in enumerate(container) if v is child[0]), 0))
    return path
