"""What a scenario cannot hold, left out: the items of a capture the scenario schema refuses
(a user whose email is not one, a tag value without a count, a hook being deleted), and in a
scenario's data the options and keys it refuses (an option of another type, a name longer than
200 characters), each said in words for the file's comments.

One validation finds every refused item: the errors of a ``oneOf`` (a collection given as a
list or as ``{items, generate}``) are walked down to the items they name.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from jsonschema import ValidationError

from mockserver.record.capture import Capture
from mockserver.record.client import RecordError
from mockserver.record.scenario import Built
from mockserver.schemas.explain import explain
from mockserver.schemas.registry import SchemaRegistry

SCENARIO_SCHEMA = "scenario.schema"
MAX_PASSES = 20
"""Validations at most to leave out what is refused (each leaves out everything it found)."""
Target = tuple[Any, ...]
"""A path into a scenario's data: what to leave out."""

_ITEMS = frozenset({"users", "hooks", "tags"})
# Keys of a project's scenario entry the mock can do without: the round after shows Sentry's
# value through a fields override.
_PROJECT_KEYS = frozenset(
    {
        "name",
        "platform",
        "dateCreated",
        "firstEvent",
        "features",
        "teams",
        "latestRelease",
        "unresolvedIssues",
        "hasAlertIntegration",
        "stats",
    }
)
_ORG_KEYS = frozenset({"name", "dateCreated", "features"})


def refused(data: dict[str, Any], registry: SchemaRegistry) -> dict[Target, str]:
    """What the schema refuses in ``data``, each with why (one validation).

    :raises RecordError: for a refusal nothing can be left out for (an id or a slug).
    """
    found: dict[Target, str] = {}
    for error in registry.errors(SCENARIO_SCHEMA, data):
        targets: dict[Target, str] = {}
        for leaf in _leaves(error):
            target = _target(tuple(leaf.absolute_path))
            if target is not None:
                targets.setdefault(target, explain(leaf).problem)
        if not targets:
            why = explain(error)
            raise RecordError(f"the recording cannot be a scenario: {why.json_path}: {why.problem}")
        for target, problem in targets.items():
            found.setdefault(target, problem)
    return found


def prune(
    capture: Capture, make: Callable[[], Built], registry: SchemaRegistry
) -> dict[str, list[str]]:
    """Remove from ``capture`` the users, tag values and hooks a scenario refuses.

    :param make: builds the scenario of the capture as it now is.
    :returns: what was left out, in words, by project (as addressed).
    """
    dropped: dict[str, dict[str, list[str]]] = {}
    for _ in range(MAX_PASSES):
        built = make()
        items = {t: why for t, why in refused(built.data, registry).items() if t[4] in _ITEMS}
        if not items:
            break
        # Every item named before any is removed: the positions are the data's.
        doomed: list[tuple[dict[Any, Any], Any, str, str, str]] = []
        for target, why in items.items():
            ref = built.refs[(target[1], target[3])]
            project = next(p for p in capture.projects.values() if p.ref == ref)
            kind = target[4]
            if kind == "users":
                doomed.append((project.users, sorted(project.users)[target[5]], "users", ref, why))
            elif kind == "hooks":
                hooks = project.hooks or {}
                doomed.append((hooks, list(reversed(hooks))[target[5]], "hooks", ref, why))
            else:
                values = project.tags[target[5]]
                what = f"tag {target[5]!r} values"
                doomed.append((values, list(values)[target[6]], what, ref, why))
        for collection, key, what, ref, why in doomed:
            del collection[key]
            dropped.setdefault(ref, {}).setdefault(what, []).append(why)
    return _said(dropped)


def leave_out(built: Built, registry: SchemaRegistry) -> dict[str, list[str]]:
    """Remove from ``built.data`` the options and keys the schema refuses.

    :returns: what was left out, in words, by project (as addressed).
    """
    dropped: dict[str, dict[str, list[str]]] = {}
    for _ in range(MAX_PASSES):
        found = refused(built.data, registry)
        if not found:
            break
        # Last first: removing an item does not move one still to remove.
        for target in sorted(found, key=_sort_key, reverse=True):
            what = _remove(built.data, target)
            ref = built.refs.get((target[1], target[3] if len(target) > 3 else 0), "")
            dropped.setdefault(ref, {}).setdefault(what, []).append(found[target])
    return _said(dropped)


def _said(dropped: dict[str, dict[str, list[str]]]) -> dict[str, list[str]]:
    return {
        ref: [
            f"{what}: {len(problems)} left out that a scenario cannot hold (e.g. {problems[0]})"
            for what, problems in by_what.items()
        ]
        for ref, by_what in dropped.items()
    }


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors at the bottom of ``oneOf``/``anyOf`` contexts (the error itself without)."""
    if not error.context:
        yield error
        return
    for inner in error.context:
        yield from _leaves(inner)


def _target(path: tuple[Any, ...]) -> Target | None:
    """What to leave out for an error at ``path``, or ``None`` when nothing can be."""
    if len(path) < 3 or path[0] != "organizations":
        return None
    if path[2] != "projects":
        return path[:3] if path[2] in _ORG_KEYS else None
    if len(path) < 5:
        return None
    head, rest = path[:4], path[4:]
    kind = rest[0]
    if kind in ("users", "hooks") and len(rest) >= 2 and isinstance(rest[1], int):
        return (*head, kind, rest[1])
    if kind == "tags" and len(rest) >= 3 and isinstance(rest[2], int):
        return (*head, kind, rest[1], rest[2])
    if kind == "options" and len(rest) >= 2:
        return (*head, kind, rest[1])
    if kind in _PROJECT_KEYS:
        return (*head, kind)
    return None


def _sort_key(target: Target) -> tuple[tuple[int, Any], ...]:
    return tuple((0, part) if isinstance(part, int) else (1, str(part)) for part in target)


def _remove(data: dict[str, Any], target: Target) -> str:
    """Remove the target; what kind of thing it was, in words."""
    *parent_path, last = target
    parent: Any = data
    for part in parent_path:
        parent = parent[part]
    del parent[last]
    if len(target) == 3:
        return f"organization {target[2]}"
    kind = target[4]
    if kind == "tags":
        return f"tag {target[5]!r} values"
    if kind in ("users", "hooks"):
        return str(kind)
    if kind == "options":
        return f"option {target[5]!r}"
    return f"project {kind}"
