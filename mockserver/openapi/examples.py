"""The examples of the OpenAPI document: what the mock answers on the default scenario.

Each response of each operation (the successes and the errors), and each request body, carries
an example, so that a tool that mocks from the document (``prism mock``) answers like the mock,
and a reader sees real values. They are the mock's own answers: :data:`RECIPES` says which
request gives which example, :func:`record` sends them, in-process, to the default scenario with
the clock at the scenario's anchor (the same data on every run), and the result ships as
``examples.json`` beside this module, which :func:`load` reads when the document is built.
``tests/openapi/test_examples.py`` records them again and compares (``MOCKSERVER_UPDATE_GOLDEN=1``
rewrites the file), so the shipped examples cannot drift from what the mock answers.

The examples are keyed by operation id, status and the schema stem of the body (a status that
answers several bodies has an example of each). A request body's example is the body of the
recipe that gives the operation's success.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml
from werkzeug.test import Client

from mockserver.config import Config
from mockserver.http.body import MAX_BODY_BYTES
from mockserver.resources import default_scenario
from mockserver.state import MockState
from mockserver.timefmt import parse_datetime

EXAMPLES_FILE = Path(__file__).with_name("examples.json")
"""The recorded examples, shipped with the package."""
PROJECT = "/api/0/projects/my-org/my-project/"
OTHER = "/api/0/projects/my-org/web-frontend/"  # without the servicehooks feature
HOOK = PROJECT + "hooks/4f9d73e63b7144ecb8944c41620a090b/"
TOKEN = "sntrys_TOKEN"  # noqa: S105 - the documentation's token, in the default scenario
NOT_PERMITTED = "sntrys_CI"
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Call:
    """One request to Sentry's API.

    :ivar method: the method.
    :ivar path: the path, with its query string.
    :ivar token: the bearer token; ``None`` for no ``Authorization`` header.
    :ivar body: a JSON body, or ``None``.
    :ivar raw: a body sent as it is (with ``content_type``), instead of ``body``.
    :ivar size: a body of this many bytes (made when sent), instead of ``body``.
    :ivar content_type: the ``Content-Type`` of ``raw``.
    :ivar headers: more headers.
    """

    method: str
    path: str
    token: str | None = TOKEN
    body: Any = None
    raw: bytes | None = None
    size: int = 0
    content_type: str = JSON
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recipe:
    """The request that gives one example.

    :ivar operation: the operation id.
    :ivar status: the status the call must answer.
    :ivar stem: the schema stem the body follows (the example's key under its status).
    :ivar call: the request.
    :ivar before: calls made first, after the reset (their answers are not examples).
    :ivar fields: keys set on my-project's details in the scenario for this recipe only.
    """

    operation: str
    status: int
    stem: str
    call: Call
    before: tuple[Call, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)


_RENAME = (Call("PUT", PROJECT, body={"slug": "my-renamed-project"}),)
"""Before a 302: my-project renamed, so that its old slug redirects."""
_BAD_JSON = b'{"url": '
_HOOK_BODY = {"url": "https://example.com/sentry-hook", "events": ["event.alert", "event.created"]}
_WINDOW = "?since=1541455200&until=1541469600&resolution=1h"  # Sentry's documented example


def _common(operation: str, method: str, suffix: str, *, body: Any = None) -> list[Recipe]:
    """The statuses every operation shares: 302 (a renamed project), 401, 403, 404, and 429 (the
    rate limiter's, asked for with ``Prefer``)."""
    return [
        # The old slug of the renamed project.
        Recipe(
            operation,
            302,
            "error-redirect",
            Call(method, PROJECT + suffix, body=body),
            before=_RENAME,
        ),
        Recipe(
            operation, 401, "error-detail", Call(method, PROJECT + suffix, token=None, body=body)
        ),
        Recipe(operation, 403, "error-detail", Call(method, PROJECT + suffix, NOT_PERMITTED, body)),
        Recipe(
            operation,
            404,
            "error-detail",
            Call(method, "/api/0/projects/my-org/no-such-project/" + suffix, body=body),
        ),
        Recipe(
            operation,
            429,
            "error-rate-limit",
            Call(method, PROJECT + suffix, body=body, headers={"Prefer": "fault=rate_limited"}),
        ),
    ]


def _body_errors(operation: str, method: str, suffix: str) -> list[Recipe]:
    """What reading a JSON body answers: DRF's parse error, the size limit, the media type."""
    return [
        Recipe(operation, 400, "error-detail", Call(method, PROJECT + suffix, raw=_BAD_JSON)),
        Recipe(
            operation, 413, "error-detail", Call(method, PROJECT + suffix, size=MAX_BODY_BYTES + 1)
        ),
        Recipe(
            operation,
            415,
            "error-detail",
            Call(method, PROJECT + suffix, raw=b"<hook/>", content_type="application/xml"),
        ),
    ]


RECIPES: tuple[Recipe, ...] = (
    Recipe("getProject", 200, "project", Call("GET", PROJECT)),
    *_common("getProject", "GET", ""),
    Recipe(
        "updateProject",
        200,
        "project",
        Call("PUT", PROJECT, body={"name": "Plane Proxy", "platform": "javascript"}),
    ),
    Recipe("updateProject", 400, "error-fields", Call("PUT", PROJECT, body={"platform": "cobol"})),
    Recipe(
        "updateProject",
        403,
        "error-detail",
        Call("PUT", PROJECT, "sntryu_READONLY", body={"name": "Plane Proxy"}),
    ),
    *_body_errors("updateProject", "PUT", ""),
    *[
        r
        for r in _common("updateProject", "PUT", "", body={"name": "Plane Proxy"})
        if r.status != 403
    ],
    Recipe("deleteProject", 403, "error-detail", Call("DELETE", PROJECT, "sntryu_WRITE")),
    Recipe(
        "deleteProject",
        403,
        "error-internal-project",
        Call("DELETE", PROJECT),
        fields={"isInternal": True},
    ),
    *[r for r in _common("deleteProject", "DELETE", "") if r.status != 403],
    Recipe("listProjectStats", 200, "stats", Call("GET", PROJECT + "stats/" + _WINDOW)),
    Recipe("listProjectStats", 400, "error-list", Call("GET", PROJECT + "stats/?stat=sessions")),
    Recipe("listProjectStats", 400, "error-detail", Call("GET", PROJECT + "stats/?resolution=2h")),
    *_common("listProjectStats", "GET", "stats/"),
    Recipe("listProjectUsers", 200, "event-users", Call("GET", PROJECT + "users/?per_page=2")),
    Recipe("listProjectUsers", 400, "error-detail", Call("GET", PROJECT + "users/?per_page=101")),
    *_common("listProjectUsers", "GET", "users/"),
    Recipe("listTagValues", 200, "tag-values", Call("GET", PROJECT + "tags/environment/values/")),
    Recipe(
        "listTagValues",
        400,
        "error-detail",
        Call("GET", PROJECT + "tags/environment/values/?cursor=latest"),
    ),
    *_common("listTagValues", "GET", "tags/environment/values/"),
    Recipe("listProjectServiceHooks", 200, "hooks", Call("GET", PROJECT + "hooks/")),
    Recipe(
        "listProjectServiceHooks",
        400,
        "error-detail",
        Call("GET", PROJECT + "hooks/?per_page=many"),
    ),
    Recipe("listProjectServiceHooks", 403, "error-feature", Call("GET", OTHER + "hooks/")),
    *_common("listProjectServiceHooks", "GET", "hooks/"),
    Recipe(
        "createProjectServiceHook", 201, "hook", Call("POST", PROJECT + "hooks/", body=_HOOK_BODY)
    ),
    Recipe(
        "createProjectServiceHook",
        400,
        "error-fields",
        Call("POST", PROJECT + "hooks/", body={"url": "not a url", "events": ["event.created"]}),
    ),
    Recipe(
        "createProjectServiceHook",
        403,
        "error-feature",
        Call("POST", OTHER + "hooks/", body=_HOOK_BODY),
    ),
    *_body_errors("createProjectServiceHook", "POST", "hooks/"),
    *_common("createProjectServiceHook", "POST", "hooks/", body=_HOOK_BODY),
    Recipe("getProjectServiceHook", 200, "hook", Call("GET", HOOK)),
    *_common("getProjectServiceHook", "GET", HOOK.removeprefix(PROJECT)),
    Recipe(
        "updateProjectServiceHook",
        200,
        "hook",
        Call(
            "PUT", HOOK, body={"url": "https://example.com/sentry-hook", "events": ["event.alert"]}
        ),
    ),
    Recipe(
        "updateProjectServiceHook",
        400,
        "error-fields",
        Call("PUT", HOOK, body={"events": ["issue.created"]}),
    ),
    *_body_errors("updateProjectServiceHook", "PUT", HOOK.removeprefix(PROJECT)),
    *_common(
        "updateProjectServiceHook",
        "PUT",
        HOOK.removeprefix(PROJECT),
        body={"events": ["event.alert"]},
    ),
    *_common("deleteProjectServiceHook", "DELETE", HOOK.removeprefix(PROJECT)),
    Recipe(
        "getProjectServiceHookStats",
        200,
        "hook-stats",
        Call("GET", HOOK + "stats/?since=1705302000&until=1705309200&resolution=1h"),
    ),
    Recipe(
        "getProjectServiceHookStats",
        400,
        "error-detail",
        Call("GET", HOOK + "stats/?resolution=2h"),
    ),
    *_common("getProjectServiceHookStats", "GET", HOOK.removeprefix(PROJECT) + "stats/"),
    # components.responses.MethodNotAllowed: a method the route does not implement.
    Recipe("MethodNotAllowed", 405, "error-detail", Call("POST", PROJECT, body={})),
)
"""Every example, by the request that gives it."""


def record(recipes: tuple[Recipe, ...] = RECIPES) -> dict[str, Any]:
    """Send every recipe to the default scenario, in-process, and collect the answers.

    :returns: ``{"operations": {operation: {"request": body, "responses": {status: {stem:
        value}}}}}``, ready to be written as ``examples.json``.
    :raises AssertionError: if a recipe is not answered with its status (the recipe is wrong).
    """
    scenario = yaml.safe_load(default_scenario().read_text(encoding="utf-8"))
    anchor = parse_datetime(scenario["anchor"]).timestamp()
    states: dict[str, MockState] = {}
    operations: dict[str, Any] = {}
    for recipe in recipes:
        key = json.dumps(dict(recipe.fields), sort_keys=True)
        state = states.get(key)
        if state is None:
            config = Config(scenario=_with_fields(scenario, recipe.fields), clock=lambda: anchor)
            state = states[key] = MockState.build(config)
        state.reset()
        client = Client(state.pipeline)
        for call in recipe.before:
            _send(client, call)
        status, body = _send(client, recipe.call)
        if status != recipe.status:
            raise AssertionError(f"{recipe}: answered {status} {body!r}")
        entry = operations.setdefault(recipe.operation, {"responses": {}})
        entry["responses"].setdefault(str(recipe.status), {})[recipe.stem] = body
        if recipe.status < 300 and recipe.call.body is not None:
            entry["request"] = recipe.call.body
    return {"operations": operations}


def _with_fields(scenario: dict[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    if not fields:
        return scenario
    changed: dict[str, Any] = copy.deepcopy(scenario)
    project = changed["organizations"][0]["projects"][0]
    project["fields"] = {**project.get("fields", {}), **fields}
    return changed


def _send(client: Client, call: Call) -> tuple[int, Any]:
    headers = dict(call.headers)
    if call.token is not None:
        headers["Authorization"] = f"Bearer {call.token}"
    data = b"x" * call.size if call.size else call.raw
    if data is None and call.body is not None:
        data = json.dumps(call.body).encode()
    if data is not None:
        headers["Content-Type"] = call.content_type
    response = client.open(call.path, method=call.method, headers=headers, data=data)
    text = response.get_data(as_text=True)
    return response.status_code, json.loads(text) if text else None


def for_status(examples: Mapping[str, Any], status: int) -> Mapping[str, Any]:
    """The examples of one status of an operation (its entry of :func:`load`), by stem."""
    found: Mapping[str, Any] = examples.get("responses", {}).get(str(status), {})
    return found


_SUMMARIES = {
    "error-detail": 'Sentry\'s {"detail": ...}',
    "error-fields": "DRF's field errors",
    "error-list": "A bare list of messages",
    "error-feature": "The feature is off",
    "error-internal-project": "A project Sentry uses internally",
}


def summary(stem: str) -> str:
    """The summary of the example of body ``stem`` where a status has several."""
    return _SUMMARIES.get(stem, stem)


def load(path: Path = EXAMPLES_FILE) -> dict[str, Any]:
    """The shipped examples, by operation id (see :func:`record` for the shape)."""
    data: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data["operations"]


def write(path: Path = EXAMPLES_FILE) -> None:
    """Record the examples and write them to ``path`` (what ``MOCKSERVER_UPDATE_GOLDEN=1`` does
    in the golden test)."""
    path.write_text(json.dumps(record(), indent=1) + "\n", encoding="utf-8")
