"""The checks of a scenario that its schema cannot express: what must be unique, and what must
refer to something the scenario defines."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from mockserver.errors import ScenarioError
from mockserver.errors import ScenarioProblem

Path_ = tuple[str | int, ...]


def check_references(
    data: dict[str, Any],
    source: str,
    where: Callable[[Path_], str],
    line: Callable[[Path_], int | None] = lambda path: None,
) -> None:
    """Check what the schema cannot: unique tokens, ids, slugs and hook ids; scheduled events
    and tokens that name organizations and projects the scenario defines.

    :param source: the scenario's name, for messages.
    :param where: a JSON path to ``line N, $.a.b`` (the scenario's locator).
    :param line: a JSON path to its line, to sort the problems by.
    :raises ScenarioError: naming every problem, sorted by line.
    """
    problems: list[ScenarioProblem] = []

    def report(path: Path_, problem: str, fix: str) -> None:
        problems.append(ScenarioProblem(where(path), problem, fix, line(path)))

    def unique(items: list[tuple[Path_, Any]], what: str) -> None:
        seen: dict[Any, Path_] = {}
        for path, value in items:
            if value in seen:
                report(
                    path,
                    f"duplicate {what} {value!r} (also at {where(seen[value])})",
                    f"give each {what.split()[0]} a unique {what.split()[-1]}",
                )
                continue
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
            report(
                ("events", "schedule", i, "project"),
                f"scheduled event for '{scheduled['project']}', which the scenario does not define",
                f"did you mean '{close[0]}'?" if close else "write org/project with their slugs",
            )
    org_slugs = {o["slug"] for o in orgs}
    for i, token in enumerate(tokens):
        for k, slug in enumerate(token.get("organizations", [])):
            if slug not in org_slugs:
                close = difflib.get_close_matches(slug, sorted(org_slugs), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "list it under organizations"
                report(
                    ("tokens", i, "organizations", k),
                    f"token refers to organization '{slug}', which the scenario does not define",
                    hint,
                )
    if problems:
        problems.sort(key=lambda p: p.line if p.line is not None else float("inf"))
        raise ScenarioError.of(source, problems)
