"""Comparing the mock's answers for a recording with Sentry's, field by field, in what the
capture holds: the keys of the project details (and of its organization) that differ, and in
words the users, tag values, hooks and stats buckets that do."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockserver.record.capture import ProjectCapture
from mockserver.timefmt import format_datetime
from mockserver.timefmt import from_epoch

MISSING: Any = object()
"""A key one side does not answer."""


@dataclass
class Differences:
    """How the mock's answers for a recording differ from Sentry's, for one project.

    :ivar details: keys of the project details: Sentry's value (``MISSING`` when it has
        none) and the mock's.
    :ivar organization: likewise for the embedded organization.
    :ivar notes: the other differences, in words.
    """

    details: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    organization: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def compare(expected: ProjectCapture, got: ProjectCapture) -> Differences:
    """How ``got`` (the mock's answers) differs from ``expected`` (Sentry's), in what
    ``expected`` holds."""
    found = Differences()
    if expected.details is not None:
        mine = got.details or {}
        for key in {*expected.details, *mine}:
            theirs, ours = expected.details.get(key, MISSING), mine.get(key, MISSING)
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
            [mine_values.get(value, MISSING) for value in values],
            (),
        )
    if expected.hooks is not None:
        mine_hooks = got.hooks or {}
        found.notes += _list_difference(
            "hooks",
            list(expected.hooks.values()),
            [mine_hooks.get(hook_id, MISSING) for hook_id in expected.hooks],
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
        key: (theirs.get(key, MISSING), ours.get(key, MISSING))
        for key in {*theirs, *ours}
        if theirs.get(key, MISSING) != ours.get(key, MISSING)
    }


def _list_difference(
    what: str, expected: list[Any], got: list[Any], ignored: Sequence[str]
) -> list[str]:
    """Per key, how many items differ; and the items missing or added."""
    notes: list[str] = []
    missing = sum(1 for item in got[: len(expected)] if item is MISSING)
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


def key_difference(key: str, theirs: Any, ours: Any) -> str:
    """One key's difference, in words."""
    if theirs is MISSING:
        return f"the mock also answers {key!r} ({_shown(ours)}), which Sentry's answer lacks"
    return f"{key!r}: Sentry answered {_shown(theirs)}, the mock answers {_shown(ours)}"


def _shown(value: Any) -> str:
    if value is MISSING:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
