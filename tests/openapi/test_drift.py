"""``mockserver drift`` (``mockserver/openapi/drift/``): the mock's contract against Sentry's
published OpenAPI document; a difference not listed as deliberate fails it (exit 1).
"""

from __future__ import annotations

import copy
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.openapi import drift
from mockserver.openapi.document import openapi_document
from mockserver.openapi.drift import deliberate
from mockserver.openapi.drift.compare import compare
from mockserver.openapi.drift.shapes import shape_of

P = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/"


@pytest.fixture(scope="module")
def snapshot() -> dict[str, Any]:
    return drift.load_spec(None)


def run(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["drift", *args])
    return result.exit_code, result.output.splitlines()


def mutated(tmp_path: Path, snapshot: dict[str, Any], change: Any) -> str:
    """A copy of the snapshot, changed by ``change(copy)``, written to a file."""
    document = copy.deepcopy(snapshot)
    change(document)
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


# --- the shipped snapshot --------------------------------------------------------------------


def test_the_shipped_snapshot_shows_no_drift() -> None:
    status, lines = run()
    assert status == 0, lines
    assert lines[0] == (
        "drift: the mock's 12 operations against getsentry/sentry-api-schema "
        "openapi-derefed.json at 9bfb23c12ec7 (release 0.322.0), snapshot taken 2026-12-03"
    )
    assert lines[-1].startswith("no drift: 0 unlisted, 200 deliberate, 5 known (")


def test_the_snapshot_holds_the_operations_the_mock_serves(snapshot: dict[str, Any]) -> None:
    meta = snapshot["x-snapshot"]
    assert meta["repository"] == "getsentry/sentry-api-schema"
    assert meta["file"] == "openapi-derefed.json"
    assert len(meta["commit"]) == 40
    mock = openapi_document()
    served = {path for path in mock["paths"] if not path.endswith("/hooks/{hook_id}/stats/")}
    assert set(snapshot["paths"]) == served
    # The users' fields are non-null strings there, and nullable in Sentry's serializer.
    users = snapshot["paths"][P + "users/"]["get"]["responses"]["200"]
    item = users["content"]["application/json"]["schema"]["items"]
    assert item["properties"]["email"] == {"type": "string"}


def test_every_listed_difference_is_found_and_has_a_reason_and_a_source(
    snapshot: dict[str, Any],
) -> None:
    report = drift.check(openapi_document())
    assert report.differences.stale == []
    assert report.differences.drift == []
    for entry in deliberate.load():
        assert entry.reason.endswith((".", ")")), entry.difference
        assert "https://" in entry.source, entry.difference
    # The issue's example: users' fields are nullable in Sentry's serializer.
    named = {d.key: e for d, e in report.differences.deliberate}
    email = named["listProjectUsers: response 200 body[].email: nullable"]
    assert "eventuser.py" in email.source
    assert not email.known


def test_deliberate_lists_the_known_drift_apart() -> None:
    status, lines = run("--deliberate")
    assert status == 0
    known = lines.index("5 known difference(s), not intended, left to fix:")
    assert lines[known + 1] == (
        "  getProject: response 200 body.highlightPreset.context: required "
        "(upstream: yes; mock: no)"
    )
    assert "Deliberate differences:" in lines
    assert (
        "  createProjectServiceHook: status 201: not upstream (upstream: absent; mock: documented)"
        in lines
    )


# --- a changed upstream: exit 1 with the exact difference --------------------------------------


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            lambda d: d["paths"][P + "users/"]["get"]["responses"]["200"]["content"][
                "application/json"
            ]["schema"]["items"]["properties"]["email"].update(type="integer"),
            "listProjectUsers: response 200 body[].email: type (upstream: integer; mock: string)",
        ),
        (
            lambda d: d["paths"][P]["get"]["responses"]["200"]["content"]["application/json"][
                "schema"
            ]["properties"]["slug"].update(nullable=True),
            "getProject: response 200 body.slug: nullable (upstream: yes; mock: no)",
        ),
        (
            lambda d: d["paths"][P]["get"]["responses"]["200"]["content"]["application/json"][
                "schema"
            ]["required"].remove("slug"),
            "getProject: response 200 body.slug: required (upstream: no; mock: yes)",
        ),
        (
            lambda d: d["paths"][P]["put"]["requestBody"]["content"]["application/json"]["schema"][
                "properties"
            ]["autofixAutomationTuning"]["enum"].append("extreme"),
            'updateProject: request body.autofixAutomationTuning: enum (upstream: also "extreme"; '
            "mock: nothing more)",
        ),
        (
            lambda d: d["paths"][P]["get"]["responses"]["200"]["content"]["application/json"][
                "schema"
            ]["properties"].update(newKey={"type": "string"}),
            "getProject: response 200 body.newKey: key not in the mock (upstream: optional; "
            "mock: absent)",
        ),
        (
            lambda d: d["paths"][P + "stats/"]["get"]["parameters"].append(
                {"in": "query", "name": "interval", "schema": {"type": "string"}}
            ),
            "listProjectStats: query interval: not in the mock "
            "(upstream: documented; mock: absent)",
        ),
        (
            lambda d: d["paths"][P + "stats/"]["get"]["responses"].update({"429": {}}),
            "listProjectStats: status 429: not in the mock (upstream: documented; mock: absent)",
        ),
        (
            lambda d: d["paths"][P].update(patch={"operationId": "partialUpdateProject"}),
            f"PATCH {P}: operation: not in the mock (upstream: documented; mock: absent)",
        ),
    ],
    ids=["type", "nullable", "required", "enum", "key", "parameter", "status", "operation"],
)
def test_a_changed_snapshot_is_drift_with_the_exact_difference(
    tmp_path: Path, snapshot: dict[str, Any], change: Any, line: str
) -> None:
    status, lines = run("--spec", mutated(tmp_path, snapshot, change))
    assert status == 1, lines
    assert lines[1] == "1 difference(s) not listed as deliberate in deliberate.yaml:"
    assert lines[2] == f"  {line}"
    assert lines[-1].startswith("drift: 1 unlisted, ")


def test_a_fixed_upstream_leaves_a_listed_difference_stale(
    tmp_path: Path, snapshot: dict[str, Any]
) -> None:
    def documented(document: dict[str, Any]) -> None:
        parameter = {"in": "query", "name": "environment", "schema": {"type": "string"}}
        document["paths"][P + "stats/"]["get"]["parameters"].append(parameter)

    status, lines = run("--spec", mutated(tmp_path, snapshot, documented))
    assert status == 0  # nothing drifted: Sentry's document now says what the mock does
    at = lines.index("Listed differences no longer found (remove them from the list):")
    assert lines[at + 1] == "  listProjectStats: query environment: not upstream"
    assert lines[-1].startswith("no drift: 0 unlisted, 199 deliberate, 5 known (")


# --- where the document comes from -----------------------------------------------------------


def test_spec_reads_yaml_and_follows_local_references(tmp_path: Path) -> None:
    strings = {"type": "array", "items": {"$ref": "#/components/schemas/name"}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Sentry", "version": "v0"},
        "paths": {P + "stats/": {"get": {"responses": {"200": {"$ref": "#/components/ok"}}}}},
        "components": {
            "ok": {"content": {"application/json": {"schema": strings}}},
            "schemas": {"name": {"type": "string"}},
        },
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    status, lines = run("--spec", str(path))
    assert status == 1
    assert "  listProjectStats: response 200 body[]: type (upstream: string; mock: array)" in lines
    assert lines[0] == f"drift: the mock's 12 operations against {path} (Sentry v0)"


@pytest.fixture
def served_snapshot(snapshot: dict[str, Any]) -> Iterator[str]:
    body = json.dumps(snapshot).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # bound here
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/openapi-derefed.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive()


def test_spec_fetches_a_url(served_snapshot: str) -> None:
    status, lines = run("--spec", served_snapshot)
    assert status == 0, lines
    assert lines[-1].startswith("no drift: 0 unlisted")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing.json", "cannot read missing.json"),
        ("http://127.0.0.1:1/openapi.json", "cannot fetch http://127.0.0.1:1/openapi.json"),
    ],
)
def test_a_spec_that_cannot_be_read_is_an_error_not_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    status, lines = run("--spec", spec)
    assert status == 2
    assert lines[0].startswith(f"Error: {message}")


def test_a_document_without_paths_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "not-openapi.json"
    path.write_text('{"swagger": "2.0"}', encoding="utf-8")
    assert run("--spec", str(path)) == (
        2,
        [f"Error: {path}: not an OpenAPI document (no paths)"],
    )


# --- shapes: the 3.0 and 3.1 ways of saying the same thing -----------------------------------


def _shape(schema: dict[str, Any]) -> Any:
    return shape_of(schema, lambda ref: {})


def test_nullable_is_the_same_in_3_0_and_3_1() -> None:
    old = _shape({"type": "string", "nullable": True})
    new = _shape({"type": ["string", "null"]})
    assert old.types == new.types == frozenset({"string", "null"})
    assert old.nullable
    assert new.nullable
    assert not _shape({"type": "string"}).nullable


def test_alternatives_are_a_union_and_const_an_enum() -> None:
    either = _shape(
        {
            "anyOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]},
            ]
        }
    )
    assert set(either.properties) == {"a", "b"}
    assert either.required == frozenset()  # required only where every alternative requires it
    assert _shape({"const": "x"}).enum == frozenset({'"x"'})
    assert _shape({"enum": [True, "yes", 1]}).types == frozenset({"boolean", "string", "integer"})
    assert _shape({}).types == frozenset()  # anything


def test_a_map_is_not_compared_key_by_key() -> None:
    mock = {
        "paths": {
            "/x/": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {"a": {"type": "string"}},
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    upstream = {
        "paths": {
            "/x/": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "additionalProperties": {}}
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert compare(mock, upstream) == []
