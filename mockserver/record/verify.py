"""Making a recording answer what Sentry answered: the scenario is served in-process, read back
with the recorder's own reader, and compared field by field with what Sentry answered.

Three rounds. The first builds the scenario from the capture alone; a key of the project
details the mock answers otherwise becomes the raw option that shows it
(:mod:`mockserver.record.options`), or a ``fields`` override (the organization's keys an
organization ``fields`` override). The second round makes a ``fields`` override of what still
differs. What the third still finds different is what the scenario format cannot hold: it is
said in the file's comments. Items the format refuses (an email that is not one, a hook being
deleted) are left out before each round, and said too.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import Flask

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.errors import MockServerError
from mockserver.record.capture import Capture
from mockserver.record.capture import ProjectCapture
from mockserver.record.client import Fetch
from mockserver.record.client import RecordError
from mockserver.record.client import SentryClient
from mockserver.record.http import Answer
from mockserver.record.options import option_for
from mockserver.record.options import option_for_options_key
from mockserver.record.recorder import Plan
from mockserver.record.recorder import Window
from mockserver.record.recorder import read_project
from mockserver.record.scenario import Built
from mockserver.record.scenario import Overrides
from mockserver.record.scenario import build
from mockserver.schemas.explain import explain
from mockserver.schemas.registry import SchemaRegistry
from mockserver.timefmt import format_datetime
from mockserver.timefmt import from_epoch

SCENARIO_SCHEMA = "scenario.schema"
ROUNDS = 3
_MISSING = object()
_RESOLUTION_NAMES = {10: "10s", 3600: "1h", 86400: "1d"}
# Keys of a project's scenario entry the schema may refuse and the mock can do without: the
# round after shows Sentry's value through a fields override.
_DROPPABLE_PROJECT_KEYS = frozenset(
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
_DROPPABLE_ORG_KEYS = frozenset({"name", "dateCreated", "features"})
_COLLECTIONS = {"users": "users", "hooks": "hooks"}


@dataclass
class Differences:
    """How the mock's answers for a recording differ from Sentry's, for one project.

    :ivar details: keys of the project details: Sentry's value (``_MISSING`` when it has
        none) and the mock's.
    :ivar organization: likewise for the embedded organization.
    :ivar notes: the other differences, in words.
    """

    details: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    organization: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def settle(
    capture: Capture,
    *,
    seed: int,
    recorded_at: float,
    avoid_token: str | None,
    registry: SchemaRegistry | None = None,
) -> Built:
    """The scenario of a capture that answers what Sentry answered, but for what its notes
    say.

    :raises RecordError: if no project was captured, or the capture cannot make a valid
        scenario (an id or slug Sentry's own format does not allow).
    """
    if not capture.projects:
        raise RecordError("nothing was recorded: no project's answer was read")
    registry = registry or SchemaRegistry()
    overrides = Overrides()
    built = build(
        capture, seed=seed, recorded_at=recorded_at, overrides=overrides, avoid_token=avoid_token
    )
    for round_ in range(1, ROUNDS + 1):
        dropped = sanitize(built, registry)
        back = read_back(built, capture)
        differences = {
            project.ref: compare(project, back.projects[key])
            for key, project in capture.projects.items()
        }
        if round_ == ROUNDS or not any(d.details or d.organization for d in differences.values()):
            for ref, found in differences.items():
                notes = built.notes.setdefault(ref, [])
                notes += dropped.get(ref, [])
                notes += found.notes
                notes += [
                    f"details: {_key_difference(key, *values)}"
                    for key, values in found.details.items()
                ]
                notes += [
                    f"organization: {_key_difference(key, *values)}"
                    for key, values in found.organization.items()
                ]
            return built
        for project in capture.projects.values():
            _override(project, differences[project.ref], overrides, first=round_ == 1)
        built = build(
            capture,
            seed=seed,
            recorded_at=recorded_at,
            overrides=overrides,
            avoid_token=avoid_token,
        )
    raise AssertionError("unreachable: the last round returns")  # pragma: no cover


def _override(
    project: ProjectCapture, found: Differences, overrides: Overrides, *, first: bool
) -> None:
    ref = project.ref
    org = (project.details or {}).get("organization")
    slug = org.get("slug") if isinstance(org, dict) else None
    for key, (expected, got) in found.details.items():
        if expected is _MISSING:
            continue  # a key Sentry does not answer: nothing can take it away
        if first and key == "options" and isinstance(expected, dict) and isinstance(got, dict):
            options = overrides.options.setdefault(ref, {})
            for sub, value in expected.items():
                if got.get(sub, _MISSING) != value:
                    option, stored = option_for_options_key(sub, value)
                    options[option] = stored
            continue
        mapped = option_for(key, expected) if first else None
        if mapped is not None:
            overrides.options.setdefault(ref, {})[mapped[0]] = mapped[1]
        else:
            overrides.fields.setdefault(ref, {})[key] = expected
    if isinstance(slug, str):
        for key, (expected, _got) in found.organization.items():
            if expected is not _MISSING:
                overrides.org_fields.setdefault(slug, {})[key] = expected


def sanitize(built: Built, registry: SchemaRegistry) -> dict[str, list[str]]:
    """Leave out of ``built.data`` what the scenario schema refuses: items of users, tag
    values and hooks, options, and the project and organization keys the mock can do
    without.

    :returns: what was left out, in words, by project (as addressed).
    :raises RecordError: for a refusal nothing can be left out for (an id or a slug).
    """
    data = built.data
    dropped: dict[str, dict[str, list[str]]] = {}
    for _ in range(10_000):
        errors = registry.errors(SCENARIO_SCHEMA, data)
        if not errors:
            break
        targets: dict[tuple[Any, ...], str] = {}
        for error in errors:
            why = explain(error)
            target = _target(why.path)
            if target is None:
                raise RecordError(
                    f"the recording cannot be a scenario: {why.json_path}: {why.problem}"
                )
            targets.setdefault(target, why.problem)
        # Deepest and last first, so that removing an item does not move one still to remove.
        for target in sorted(targets, key=_sort_key, reverse=True):
            what = _remove(data, target)
            ref = built.refs.get((target[1], target[3] if len(target) > 3 else 0), "")
            dropped.setdefault(ref, {}).setdefault(what, []).append(targets[target])
    out: dict[str, list[str]] = {}
    for ref, by_what in dropped.items():
        for what, problems in by_what.items():
            count = len(problems)
            out.setdefault(ref, []).append(
                f"{what}: {count} left out that a scenario cannot hold (e.g. {problems[0]})"
            )
    return out


def _target(path: Sequence[str | int]) -> tuple[Any, ...] | None:
    """What to leave out for an error at ``path``, or ``None`` when nothing can be."""
    if len(path) < 3 or path[0] != "organizations":
        return None
    if path[2] != "projects":
        return tuple(path[:3]) if path[2] in _DROPPABLE_ORG_KEYS else None
    if len(path) < 5:
        return None
    head, rest = tuple(path[:4]), path[4:]
    kind = rest[0]
    if kind in _COLLECTIONS and len(rest) >= 2 and isinstance(rest[1], int):
        return (*head, kind, rest[1])
    if kind == "tags" and len(rest) >= 3 and isinstance(rest[2], int):
        return (*head, kind, rest[1], rest[2])
    if kind == "options" and len(rest) >= 2:
        return (*head, kind, rest[1])
    if kind in _DROPPABLE_PROJECT_KEYS:
        return (*head, kind)
    return None


def _sort_key(target: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    return tuple((0, part) if isinstance(part, int) else (1, str(part)) for part in target)


def _remove(data: dict[str, Any], target: tuple[Any, ...]) -> str:
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


def read_back(built: Built, capture: Capture) -> Capture:
    """Serve ``built`` in-process and read back what ``capture`` holds, as it was read."""
    try:
        app = create_app(Config(scenario=built.data, response_cache=False))
    except MockServerError as exc:
        raise RecordError(f"the recording cannot be served: {exc}") from None
    client = SentryClient(in_process(app), built.token, where="the recording ")
    back = Capture(source="the recording")
    for key, project in capture.projects.items():
        plan = Plan(
            tags=tuple(project.tags),
            windows=_windows(project),
            extras=project.unresolved is not None or project.alert_integration is not None,
        )
        read_project(client, back.project(*key), plan)
    return back


def in_process(app: Flask) -> Fetch:
    """Exchanges with ``app`` through its test client: the recorder's reader, without a
    socket."""
    test = app.test_client()

    def fetch(method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes) -> Answer:
        response = test.open(target, method=method, headers=list(headers), data=body)
        reason = response.status.partition(" ")[2]
        return Answer(
            response.status_code, reason, tuple(response.headers.items()), response.get_data()
        )

    return fetch


def _windows(project: ProjectCapture) -> list[tuple[str, Window]]:
    windows = []
    for stat, series in project.stats.items():
        name = _RESOLUTION_NAMES.get(series.resolution)
        if series.points and name is not None:
            windows.append((stat, Window(min(series.points), max(series.points), name)))
    return windows


def compare(expected: ProjectCapture, got: ProjectCapture) -> Differences:
    """How ``got`` (the mock's answers) differs from ``expected`` (Sentry's), in what
    ``expected`` holds."""
    found = Differences()
    if expected.details is not None:
        mine = got.details or {}
        for key in {*expected.details, *mine}:
            theirs, ours = expected.details.get(key, _MISSING), mine.get(key, _MISSING)
            if key == "organization" and isinstance(theirs, dict) and isinstance(ours, dict):
                found.organization.update(_dict_difference(theirs, ours))
            elif theirs != ours:
                found.details[key] = (theirs, ours)
    if expected.unresolved is not None and expected.unresolved != got.unresolved:
        found.notes.append(
            f"details: stats.unresolved is {got.unresolved!r}, Sentry answered "
            f"{expected.unresolved!r}"
        )
    if (
        expected.alert_integration is not None
        and expected.alert_integration != got.alert_integration
    ):
        found.notes.append("details: hasAlertIntegrationInstalled differs")
    if expected.users:
        found.notes += _list_difference("users", expected.user_list(), got.user_list(), ())
    for key, values in expected.tags.items():
        mine_values = got.tags.get(key, {})
        found.notes += _list_difference(
            f"tag {key!r} values",
            list(values.values()),
            [mine_values.get(value, _MISSING) for value in values],
            (),
        )
    if expected.hooks is not None:
        mine_hooks = got.hooks or {}
        found.notes += _list_difference(
            "hooks",
            list(expected.hooks.values()),
            [mine_hooks.get(hook_id, _MISSING) for hook_id in expected.hooks],
            ("secret",),
        )
    for stat, series in expected.stats.items():
        mine_series = got.stats.get(stat)
        mine_points = mine_series.points if mine_series is not None else {}
        wrong = [t for t, n in series.points.items() if mine_points.get(t) != n]
        if wrong:
            found.notes.append(
                f"stats {stat}: {len(wrong)} of {len(series.points)} buckets differ (first at "
                f"{format_datetime(from_epoch(min(wrong)))})"
            )
    return found


def _dict_difference(
    theirs: Mapping[str, Any], ours: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    return {
        key: (theirs.get(key, _MISSING), ours.get(key, _MISSING))
        for key in {*theirs, *ours}
        if theirs.get(key, _MISSING) != ours.get(key, _MISSING)
    }


def _list_difference(
    what: str, expected: list[Any], got: list[Any], ignored: Sequence[str]
) -> list[str]:
    """Per key, how many items differ; and the items missing or added."""
    notes: list[str] = []
    missing = sum(1 for item in got[: len(expected)] if item is _MISSING)
    missing += max(0, len(expected) - len(got))
    if missing:
        notes.append(f"{what}: {missing} of {len(expected)} not answered")
    if len(got) > len(expected):
        notes.append(f"{what}: {len(got) - len(expected)} answered that Sentry did not")
    counts: dict[str, list[tuple[Any, Any]]] = {}
    for theirs, ours in zip(expected, got, strict=False):
        if not isinstance(theirs, dict) or not isinstance(ours, dict):
            continue
        for key, (a, b) in _dict_difference(theirs, ours).items():
            if key not in ignored:
                counts.setdefault(key, []).append((a, b))
    for key, pairs in counts.items():
        a, b = pairs[0]
        notes.append(
            f"{what}: {key!r} differs for {len(pairs)} of {len(expected)} (e.g. Sentry: "
            f"{_shown(a)}, the mock: {_shown(b)})"
        )
    return notes


def _key_difference(key: str, theirs: Any, ours: Any) -> str:
    if theirs is _MISSING:
        return f"the mock also answers {key!r} ({_shown(ours)}), which Sentry's answer lacks"
    return f"{key!r}: Sentry answered {_shown(theirs)}, the mock answers {_shown(ours)}"


def _shown(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
