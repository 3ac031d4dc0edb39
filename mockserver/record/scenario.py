"""A scenario from a capture: the project's details, users, tag values, hooks and stats as
literal items, with the options and ``fields`` overrides :mod:`mockserver.record.verify` found
necessary, and every item the scenario format refuses left out (and said why).

Where Sentry's answer lacks what a scenario needs, the scenario gets a stand-in, said in the
file's comments: users' ``lastSeen`` (Sentry does not answer it) one second apart in Sentry's
order, a hook's secret (never written; the mock derives one from the seed), ids of projects and
organizations the capture never saw the details of.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from typing import Any

from mockserver.record.capture import Capture
from mockserver.record.capture import ProjectCapture
from mockserver.timefmt import format_datetime
from mockserver.timefmt import from_epoch

SCOPES = ["project:read", "project:write", "project:admin"]
TOKEN = "sntrys_RECORDED"  # noqa: S105 - the recording's own token, for the mock
PLACEHOLDER_ID = 900_000_000
"""Ids given to projects and organizations whose details were not read."""
_USER_KEYS = (("identifier", "id"), ("username", "username"), ("email", "email"))


@dataclass
class Overrides:
    """What the comparison with the mock's answers adds, by project (``org/project`` as
    addressed) and by organization slug.

    :ivar options: raw project options.
    :ivar fields: project ``fields`` overrides.
    :ivar org_fields: organization ``fields`` overrides.
    """

    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    org_fields: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Built:
    """A scenario's data, and what each project of it could not hold (for the comments).

    :ivar notes: by project, as addressed (``org/project``).
    :ivar token: the recording's token (in ``data``).
    :ivar refs: each project's place in ``data`` (organization, project) to its address.
    """

    data: dict[str, Any]
    notes: dict[str, list[str]]
    token: str
    refs: dict[tuple[int, int], str] = field(default_factory=dict)


def recording_token(avoid: str | None) -> str:
    """The recording's token: :data:`TOKEN`, unless that is the token used to record."""
    return TOKEN if avoid != TOKEN else TOKEN + "_MOCK"


def build(
    capture: Capture,
    *,
    seed: int,
    recorded_at: float,
    overrides: Overrides | None = None,
    avoid_token: str | None = None,
) -> Built:
    """The scenario data of a capture.

    :param recorded_at: when (epoch seconds): the users' stand-in ``lastSeen`` count back
        from it.
    :param avoid_token: the token used to record, which the recording's must not be.
    """
    overrides = overrides or Overrides()
    notes: dict[str, list[str]] = {}
    orgs: dict[str, dict[str, Any]] = {}
    refs: dict[tuple[int, int], str] = {}
    next_id = PLACEHOLDER_ID
    for project in capture.projects.values():
        if project.details is None:
            notes.setdefault(project.ref, [])
        org_body = _org_body(project)
        found_slug = org_body.get("slug")
        slug = found_slug if isinstance(found_slug, str) else project.org
        org = orgs.get(slug)
        if org is None:
            org_id = org_body.get("id")
            if not isinstance(org_id, str):
                next_id += 1
                org_id = str(next_id)
                _note(notes, project.ref, f"organization {slug}: id unknown, {org_id} given")
            org = orgs[slug] = _organization(org_id, slug, org_body, overrides.org_fields.get(slug))
        built, next_id = _project(project, next_id, recorded_at, notes)
        options = overrides.options.get(project.ref)
        if options:
            built["options"] = dict(options)
        fields = overrides.fields.get(project.ref)
        if fields:
            built["fields"] = dict(fields)
        refs[(list(orgs).index(slug), len(org["projects"]))] = project.ref
        org["projects"].append(built)
    token = recording_token(avoid_token)
    data: dict[str, Any] = {
        "version": 1,
        "name": "recorded",
        "description": f"Recorded from {capture.source} on {_when(recorded_at)}",
        "seed": seed,
        "tokens": [{"token": token, "scopes": list(SCOPES)}],
        "organizations": list(orgs.values()),
    }
    return Built(data, notes, token, refs)


def _note(notes: dict[str, list[str]], ref: str, text: str) -> None:
    notes.setdefault(ref, []).append(text)


def _org_body(project: ProjectCapture) -> Mapping[str, Any]:
    details = project.details or {}
    body = details.get("organization")
    return body if isinstance(body, dict) else {}


def _organization(
    org_id: str, slug: str, body: Mapping[str, Any], fields: Mapping[str, Any] | None
) -> dict[str, Any]:
    org: dict[str, Any] = {"id": org_id, "slug": slug}
    if isinstance(body.get("name"), str):
        org["name"] = body["name"]
    if isinstance(body.get("dateCreated"), str):
        org["dateCreated"] = body["dateCreated"]
    features = body.get("features")
    if isinstance(features, list):
        org["features"] = [f for f in features if isinstance(f, str)]
    if fields:
        org["fields"] = dict(fields)
    org["projects"] = []
    return org


def _project(
    capture: ProjectCapture, next_id: int, recorded_at: float, notes: dict[str, list[str]]
) -> tuple[dict[str, Any], int]:
    details = capture.details or {}
    ref = capture.ref
    project_id = details.get("id")
    if not isinstance(project_id, str):
        project_id = capture.project if capture.project.isdigit() else None
    if project_id is None:
        next_id += 1
        project_id = str(next_id)
        _note(notes, ref, f"the project's details were not read: id {project_id} given")
    slug = details.get("slug")
    if not isinstance(slug, str):
        slug = capture.project if not capture.project.isdigit() else f"project-{project_id}"
    out: dict[str, Any] = {"id": project_id, "slug": slug}
    for key in ("name", "platform", "dateCreated", "firstEvent"):
        if key in details:
            out[key] = details[key]
    if isinstance(details.get("features"), list):
        out["features"] = details["features"]
    teams = details.get("teams")
    if isinstance(teams, list):
        out["teams"] = [
            {k: t.get(k) for k in ("id", "slug", "name")} for t in teams if isinstance(t, dict)
        ]
    if "latestRelease" in details:
        release = details["latestRelease"]
        out["latestRelease"] = release.get("version") if isinstance(release, dict) else release
    if capture.unresolved is not None:
        out["unresolvedIssues"] = capture.unresolved
    if capture.alert_integration is not None:
        out["hasAlertIntegration"] = capture.alert_integration
    users = capture.user_list()
    if users:
        out["users"] = _users(users, recorded_at)
        _note(
            notes,
            ref,
            "users: Sentry does not answer lastSeen; each user's is a stand-in, one second "
            "before the previous one's, to keep Sentry's order",
        )
    if capture.tags:
        out["tags"] = {
            key: [_tag_value(v) for v in values.values() if isinstance(v, dict)]
            for key, values in capture.tags.items()
        }
    if capture.hooks is not None:
        # Oldest first: the mock numbers hooks in the order written, and lists the newest first.
        out["hooks"] = [_hook(h) for h in reversed(list(capture.hooks.values()))]
        if capture.hooks:
            _note(
                notes, ref, "hooks: secrets are never written; the mock derives one from the seed"
            )
    elif capture.hooks_refused is not None:
        _note(notes, ref, f"hooks: not listed (Sentry answered: {capture.hooks_refused})")
    series_of = {stat: s for stat, s in capture.stats.items() if s.points}
    if series_of:
        out["stats"] = {
            stat: {
                "resolution": series.resolution,
                # A series of points only counts 0 elsewhere: its zeros need no writing.
                "points": [[t, n] for t, n in sorted(series.points.items()) if n],
            }
            for stat, series in series_of.items()
        }
        spans: dict[tuple[int, int, int], list[str]] = {}
        for stat, series in series_of.items():
            step = series.resolution
            spans.setdefault((min(series.points), max(series.points) + step, step), []).append(stat)
        for (first, last, step), names in spans.items():
            _note(
                notes,
                ref,
                f"stats ({', '.join(names)}): counted from {format_datetime(from_epoch(first))} "
                f"to {format_datetime(from_epoch(last))} in {step} s buckets; 0 outside",
            )
    for note in capture.notes:
        _note(notes, ref, note)
    return out, next_id


def _users(users: list[Any], recorded_at: float) -> list[dict[str, Any]]:
    start = from_epoch(int(recorded_at))
    out = []
    for i, user in enumerate(users):
        body = user if isinstance(user, dict) else {}
        item: dict[str, Any] = {}
        for answered, written in _USER_KEYS:
            value = body.get(answered)
            if isinstance(value, str) and value:
                item[written] = value
        if isinstance(body.get("ipAddress"), str) and body["ipAddress"]:
            item["ipAddress"] = body["ipAddress"]
        item["lastSeen"] = format_datetime(start - timedelta(seconds=i))
        out.append(item)
    return out


def _tag_value(body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: body[key]
        for key in ("value", "count", "firstSeen", "lastSeen")
        if body.get(key) is not None
    }


def _hook(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        return {}
    keys = ("id", "url", "events", "status", "dateCreated")
    return {key: body[key] for key in keys if key in body}


def _when(moment: float) -> str:
    return format_datetime(from_epoch(int(moment)))
