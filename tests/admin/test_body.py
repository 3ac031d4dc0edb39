"""The admin API's request bodies (admin/body.py): every endpoint that takes one answers bad
input with a clear 400 problem+json and keeps serving, an invalid fault rule is never stored,
and ``POST /__admin/scenario`` takes a scenario as YAML, with a file's limits; over Flask's test
client and a real socket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockserver.config import Config
from mockserver.testing import MockServer
from tests.admin.test_api import INLINE
from tests.conftest import PROJECT
from tests.conftest import Api
from tests.conftest import FakeClock
from tests.deadline import within
from tests.world.test_bounds import DEEP_BLOCK
from tests.world.test_bounds import LAUGHS

PROBLEM = "application/problem+json"
TOO_DEEP = (
    "the body is nested more than 64 levels deep: send at most 64 levels of arrays and objects"
)
# Every admin endpoint that reads a JSON body.
JSON_ENDPOINTS = [
    "faults",
    "rate-limits",
    "events",
    "requests/find",
    "requests/count",
    "requests/remove",
    "near-misses/request",
    "scenario",
]
HARD_BODIES: list[tuple[str, bytes, str]] = [
    ("100000-deep arrays", b"[" * 100_000 + b"]" * 100_000, TOO_DEEP),
    ("100000-deep objects", b'{"a":' * 100_000 + b"1" + b"}" * 100_000, TOO_DEEP),
    ("65-deep", b"[" * 65 + b"]" * 65, TOO_DEEP),
    ("not JSON", b"nope", "the body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
    (
        "NaN",
        b'{"status": 503, "when": {"probability": NaN}}',
        "the body holds NaN, which is not a finite number: send a finite number",
    ),
    (
        "Infinity",
        b'{"limit": Infinity}',
        "the body holds Infinity, which is not a finite number: send a finite number",
    ),
    (
        "-Infinity",
        b"[-Infinity]",
        "the body holds -Infinity, which is not a finite number: send a finite number",
    ),
    (
        "overflow",
        b'{"when": {"probability": 1e999}}',
        "the body holds 1e999, which is not a finite number: send a finite number",
    ),
    ("not UTF-8", b'{"a": "\xff"}', "the body is not UTF-8 text (invalid start byte at byte 7)"),
]


def admin(api: Api, method: str, path: str, **kw: Any) -> Any:
    kw.setdefault("token", None)
    return api.call(method, "/__admin/" + path, **kw)


def assert_problem(reply: Any, detail: str, status: int = 400, title: str = "Bad Request") -> None:
    assert reply.status == status, reply.raw
    assert reply.header("Content-Type") == PROBLEM
    assert reply.json == {
        "type": "urn:mockserver:problem",
        "title": title,
        "status": status,
        "detail": detail,
    }


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
def test_hard_json_bodies_get_a_clear_400(api: Api, endpoint: str) -> None:
    before = admin(api, "GET", "faults").json
    for name, body, detail in HARD_BODIES:

        def post(body: bytes = body) -> Any:
            headers = {"Content-Type": "application/json"}
            return admin(api, "POST", endpoint, data=body, headers=headers)

        reply = within(post)
        assert_problem(reply, detail)
        assert name  # the case, for the reader of a failure's locals
    # Nothing was stored, nothing broke: the faults still list, the API still answers.
    assert admin(api, "GET", "faults").json == before
    assert api.get(PROJECT).status == 200
    assert api.app.extensions["mockserver"].take_errors() == []


def test_a_huge_integer_gets_a_clear_400(api: Api) -> None:
    reply = admin(api, "POST", "faults", data=b"1" * 5000, headers={"Content-Type": "text/json"})
    assert reply.status == 400
    assert reply.json["detail"] == "send a JSON body (Content-Type: application/json)"
    reply = admin(api, "POST", "faults", json_body=None, data=b"1" * 5000)
    assert reply.status == 400
    assert reply.json["detail"].startswith("the body is not valid JSON: Exceeds the limit (4300")


@pytest.mark.parametrize(
    "rule",
    [
        b'{"status": 503, "when": {"probability": NaN}}',
        b'{"status": 503, "when": {"probability": 1e999}}',
        b'{"delay": NaN}',
    ],
)
def test_an_invalid_fault_rule_is_never_stored(api: Api, rule: bytes) -> None:
    before = admin(api, "GET", "faults")
    assert before.status == 200
    reply = admin(api, "POST", "faults", data=rule, headers={"Content-Type": "application/json"})
    assert reply.status == 400
    after = admin(api, "GET", "faults")
    assert after.status == 200
    assert after.json == before.json


@pytest.mark.parametrize("path", ["a\x00.yaml", "scenarios/\x00/x.yaml", "x\n.yaml"])
def test_a_scenario_path_with_a_nul_or_control_character_is_refused(api: Api, path: str) -> None:
    reply = admin(api, "POST", "scenario", json_body={"path": path})
    assert_problem(reply, f"path must be a file path, got {path!r}")
    assert api.get(PROJECT).status == 200


def test_an_array_where_an_object_is_read(api: Api) -> None:
    reply = admin(api, "POST", "events", json_body=[1])
    assert_problem(reply, "send a JSON object (Content-Type: application/json), got an array")


# --- a scenario as YAML ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _own_server(clock: FakeClock) -> Iterator[MockServer]:
    """A server of its own: these tests replace its scenario."""
    with MockServer(Config(clock=clock)) as server:
        yield server


@pytest.fixture(params=["client", "socket"])
def own_api(request: pytest.FixtureRequest, _own_server: MockServer) -> Iterator[Api]:
    _own_server.prepare()
    yield Api(_own_server.app, request.param, _own_server)
    _own_server.prepare()
    _own_server.check()


TINY_YAML = """\
version: 1
name: tiny
tokens:
  - {token: tiny-token, scopes: [project:read]}
organizations:
  - {id: "1", slug: acme, projects: [{id: "2", slug: web}]}
"""


@pytest.mark.parametrize(
    "content_type",
    ["application/yaml", "text/yaml", "application/x-yaml", "application/yaml; charset=utf-8"],
)
def test_a_scenario_is_loaded_from_a_yaml_body(own_api: Api, content_type: str) -> None:
    reply = admin(
        own_api,
        "POST",
        "scenario?seed=7",
        data=TINY_YAML.encode(),
        headers={"Content-Type": content_type},
    )
    assert reply.status == 200, reply.raw
    assert reply.json == {
        "status": "loaded",
        "scenario": {"name": "tiny", "description": "", "source": "<request body>", "seed": 7},
    }
    served = own_api.get("/api/0/projects/acme/web/", token="tiny-token")
    assert (served.status, served.json["slug"]) == (200, "web")
    # The same scenario as JSON loads the same world.
    again = admin(own_api, "POST", "scenario", json_body={"scenario": INLINE})
    assert again.status == 200


def test_a_broken_yaml_body_names_the_request_body_and_the_line(own_api: Api) -> None:
    broken = TINY_YAML.replace("slug: web}", "slug: web, usres: []}")
    reply = admin(
        own_api, "POST", "scenario", data=broken.encode(), headers={"Content-Type": "text/yaml"}
    )
    assert_problem(
        reply,
        "<request body>: line 6, $.organizations[0].projects[0].usres: unknown key 'usres'\n"
        "  fix: remove it; did you mean 'users'?",
        title="Invalid scenario",
    )
    assert own_api.get(PROJECT).status == 200  # the old scenario stays


def test_a_billion_laughs_yaml_body_is_refused_at_once(own_api: Api) -> None:
    reply = within(
        lambda: admin(
            own_api,
            "POST",
            "scenario",
            data=LAUGHS.encode(),
            headers={"Content-Type": "application/yaml"},
        )
    )
    assert_problem(
        reply,
        "<request body>: line 6, column 7: aliases expand the document by more than 100,000 "
        "nodes; those here repeat 13,942 each\n"
        "  fix: aliases may add at most 100,000 nodes: repeat fewer aliases, or write the values "
        "out (use 'generate: N' for many items)",
        title="Invalid scenario",
    )
    assert own_api.get(PROJECT).status == 200


@pytest.mark.parametrize(
    ("text", "location"),
    [
        (DEEP_BLOCK, "line 65, column 129"),
        ("version: " + "[" * 100_000 + "]" * 100_000, "line 1, column 1009"),
    ],
    ids=["200-deep", "100000-deep"],
)
def test_a_deeply_nested_yaml_body_is_refused(own_api: Api, text: str, location: str) -> None:
    reply = within(
        lambda: admin(
            own_api, "POST", "scenario", data=text.encode(), headers={"Content-Type": "text/yaml"}
        )
    )
    assert_problem(
        reply,
        f"<request body>: {location}: nested more than 64 levels deep\n"
        "  fix: nest at most 64 levels deep (the default scenario nests 10)",
        title="Invalid scenario",
    )
    assert own_api.get(PROJECT).status == 200


@pytest.mark.parametrize("name", ["laughs", "deep"])
def test_a_hostile_scenario_file_is_refused_at_once(
    own_api: Api, tmp_path: Path, name: str
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(LAUGHS if name == "laughs" else DEEP_BLOCK, encoding="utf-8")
    reply = within(lambda: admin(own_api, "POST", "scenario", json_body={"path": str(path)}))
    problem = (
        "line 6, column 7: aliases expand the document by more than 100,000 nodes"
        if name == "laughs"
        else "line 65, column 129: nested more than 64 levels deep"
    )
    assert reply.status == 400
    assert reply.json["title"] == "Invalid scenario"
    assert reply.json["detail"].startswith(f"{path}: {problem}")
    assert own_api.get(PROJECT).status == 200


def test_a_yaml_body_seed_must_be_an_integer(own_api: Api) -> None:
    reply = admin(
        own_api,
        "POST",
        "scenario?seed=abc",
        data=TINY_YAML.encode(),
        headers={"Content-Type": "application/yaml"},
    )
    assert_problem(reply, "seed must be an integer, got 'abc'")


def test_only_the_scenario_endpoint_reads_yaml(own_api: Api) -> None:
    reply = admin(
        own_api,
        "POST",
        "faults",
        data=json.dumps({"status": 503}).encode(),
        headers={"Content-Type": "application/yaml"},
    )
    assert_problem(reply, "send a JSON body (Content-Type: application/json)")
