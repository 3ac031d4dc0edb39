"""Making a recording answer what Sentry answered: the scenario is served in-process, read back
with the recorder's own reader, and compared field by field with what Sentry answered
(:mod:`mockserver.record.compare`).

First the items a scenario cannot hold are left out of the capture
(:mod:`mockserver.record.prune`). Then three rounds. The first builds the scenario from the
capture alone; a key of the project details the mock answers otherwise becomes the raw option
that shows it (:mod:`mockserver.record.options`), or a ``fields`` override (the
organization's, an organization ``fields`` override). The second makes a ``fields`` override
of what still differs. What the third still finds different is what the scenario format cannot
hold: it is said in the file's comments, with what was left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.errors import MockServerError
from mockserver.record.capture import Capture
from mockserver.record.capture import ProjectCapture
from mockserver.record.client import Fetch
from mockserver.record.client import RecordError
from mockserver.record.client import SentryClient
from mockserver.record.compare import MISSING
from mockserver.record.compare import Differences
from mockserver.record.compare import compare
from mockserver.record.compare import key_difference
from mockserver.record.http import Answer
from mockserver.record.options import option_for
from mockserver.record.options import option_for_options_key
from mockserver.record.prune import leave_out
from mockserver.record.prune import prune
from mockserver.record.recorder import Plan
from mockserver.record.recorder import Window
from mockserver.record.recorder import read_project
from mockserver.record.scenario import Built
from mockserver.record.scenario import Overrides
from mockserver.record.scenario import build
from mockserver.schemas.registry import SchemaRegistry

ROUNDS = 3
_RESOLUTION_NAMES = {10: "10s", 3600: "1h", 86400: "1d"}


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

    def make() -> Built:
        return build(
            capture,
            seed=seed,
            recorded_at=recorded_at,
            overrides=overrides,
            avoid_token=avoid_token,
        )

    pruned = prune(capture, make, registry)
    built = make()
    for round_ in range(1, ROUNDS + 1):
        dropped = leave_out(built, registry)
        back = read_back(built, capture)
        differences = {
            project.ref: compare(project, back.projects[key])
            for key, project in capture.projects.items()
        }
        if round_ == ROUNDS or not any(d.details or d.organization for d in differences.values()):
            for ref, found in differences.items():
                notes = built.notes.setdefault(ref, [])
                notes += pruned.get(ref, [])
                notes += dropped.get(ref, [])
                notes += found.notes
                notes += [
                    f"details: {key_difference(key, *values)}"
                    for key, values in found.details.items()
                ]
                notes += [
                    f"organization: {key_difference(key, *values)}"
                    for key, values in found.organization.items()
                ]
            return built
        for project in capture.projects.values():
            _override(project, differences[project.ref], overrides, first=round_ == 1)
        built = make()
    raise AssertionError("unreachable: the last round returns")  # pragma: no cover


def _override(
    project: ProjectCapture, found: Differences, overrides: Overrides, *, first: bool
) -> None:
    ref = project.ref
    org = (project.details or {}).get("organization")
    slug = org.get("slug") if isinstance(org, dict) else None
    for key, (expected, got) in found.details.items():
        if expected is MISSING:
            continue  # a key Sentry does not answer: nothing can take it away
        if first and key == "options" and isinstance(expected, dict) and isinstance(got, dict):
            options = overrides.options.setdefault(ref, {})
            for sub, value in expected.items():
                if got.get(sub, MISSING) != value:
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
            if expected is not MISSING:
                overrides.org_fields.setdefault(slug, {})[key] = expected


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
