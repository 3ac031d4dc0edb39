"""The OpenAPI 3.1 document: valid, served as built, complete, and as lenient as Sentry is.

The last part matters most: the fuzzer (tests/openapi/test_fuzz.py) checks that what the document
allows is accepted and what it forbids is refused, so a parameter or a body field documented
more strictly than Sentry reads it would be reported as a bug of the mock. The tables here pin
the tricky spellings one by one, against the validators themselves.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from openapi_spec_validator import validate

from mockserver.app import create_app
from mockserver.cli import main
from mockserver.errors import ApiError
from mockserver.faults import limits
from mockserver.http.params.values import resolution_pattern
from mockserver.http.routes import ROUTES
from mockserver.http.routes import WRITE
from mockserver.http.routes import SentryRoute
from mockserver.http.views import HANDLERS
from mockserver.http.views.hooks import validate_hook
from mockserver.http.views.projects import update_context
from mockserver.openapi.components import component_schemas
from mockserver.openapi.components import with_scenario_projects
from mockserver.openapi.document import RATE_LIMIT_HEADERS
from mockserver.openapi.document import build_document
from mockserver.schemas.registry import SchemaRegistry
from mockserver.sentry import stats
from mockserver.sentry.project_update import validate_update
from mockserver.state import state_of
from tests.conftest import PROJECT
from tests.conftest import Api

PATH = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/"
HOOKS = PATH + "hooks/"
HOOK = PATH + "hooks/{hook_id}/"


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry()


@pytest.fixture(scope="module")
def document(registry: SchemaRegistry) -> dict[str, Any]:
    return build_document(registry, server_url="http://127.0.0.1:8000/")


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# --- the document as a whole ---------------------------------------------------------------


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://127.0.0.1:8000"}]


def test_document_with_rate_limits_is_valid_and_documents_the_429(
    registry: SchemaRegistry,
) -> None:
    document = build_document(registry, rate_limits=True)
    validate(document)
    for _path, _method, operation in operations(document):
        limited = operation["responses"]["429"]
        assert set(limited["content"]) == {"text/html"}
        content = limited["content"]["text/html"]
        assert content["schema"] == {"$ref": "#/components/schemas/error-rate-limit"}
        # The route's own limit (stats/ allows 5 per second, most routes 40).
        assert re.fullmatch(
            r"You are attempting to use this endpoint too frequently\. "
            r"Limit is (5|10|40) requests in 1 seconds",
            content["example"],
        ), content["example"]
        for response in operation["responses"].values():
            assert set(RATE_LIMIT_HEADERS) <= set(response["headers"])


def test_every_route_and_method_is_an_operation(document: dict[str, Any]) -> None:
    documented = {(path, method.upper()) for path, method, _ in operations(document)}
    expected = {
        (
            declared.template.replace("{org}", "{organization_id_or_slug}").replace(
                "{project}", "{project_id_or_slug}"
            ),
            method,
        )
        for declared in ROUTES.values()
        for method in declared.served
    }
    assert documented == expected
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))


def test_a_route_without_docs_for_a_method_is_refused(registry: SchemaRegistry) -> None:
    undocumented = SentryRoute("x", "/api/0/x/{org}/{project}/", ("GET",), "XEndpoint")
    with pytest.raises(KeyError, match="route 'x' serves GET but has no OperationDoc"):
        build_document(registry, route_table={"x": undocumented})


def test_every_served_method_has_a_view_and_nothing_else_has_one() -> None:
    assert {name: set(views) for name, views in HANDLERS.items()} == {
        route.name: set(route.served) for route in ROUTES.values()
    }


def test_security_lists_each_scope_that_lets_a_method_through(document: dict[str, Any]) -> None:
    project = document["paths"][PATH]
    assert project["get"]["security"] == [
        {"auth_token": ["project:admin"]},
        {"auth_token": ["project:read"]},
        {"auth_token": ["project:write"]},
    ]
    # Project details: PUT with project:read too (bookmarks); DELETE only with admin.
    assert {"auth_token": ["project:read"]} in project["put"]["security"]
    assert project["delete"]["security"] == [{"auth_token": ["project:admin"]}]
    assert {"auth_token": ["project:read"]} not in document["paths"][HOOKS]["post"]["security"]
    assert document["components"]["securitySchemes"] == {
        "auth_token": {
            "type": "http",
            "scheme": "bearer",
            "description": "A Sentry auth token: `Authorization: Bearer <token>`. Each operation "
            "lists the scopes that let it through, any one of them.",
        }
    }


# --- no second copy of any schema ------------------------------------------------------------


def test_components_are_the_schema_files_with_references_rewritten(
    document: dict[str, Any], registry: SchemaRegistry
) -> None:
    text = json.dumps(document)
    assert "urn:mockserver:" not in text
    assert "prefixItems" not in text  # tuples are written in the form every tool reads
    for name, component in document["components"]["schemas"].items():
        original = registry.schema(name)
        assert original.pop("$id") == f"urn:mockserver:{name}"
        original.pop("$schema")
        if name == "stats":
            # The one tuple: [timestamp, count] as an array of two items of either kind.
            pair = original["items"]
            assert component["items"] == {
                **{key: value for key, value in pair.items() if key != "prefixItems"},
                "items": {"anyOf": pair["prefixItems"]},
            }
            assert (component["items"]["minItems"], component["items"]["maxItems"]) == (2, 2)
            original["items"] = component["items"]
        rewritten = json.loads(
            json.dumps(original).replace('"urn:mockserver:', '"#/components/schemas/')
        )
        assert component == rewritten


def test_every_reference_resolves_inside_the_document(document: dict[str, Any]) -> None:
    for ref in refs(document):
        assert resolve(document, ref) is not None


def test_components_hold_exactly_the_schemas_reached(document: dict[str, Any]) -> None:
    reached = {
        ref.split("/")[3] for ref in refs(document) if ref.startswith("#/components/schemas/")
    }
    assert set(document["components"]["schemas"]) == reached
    assert "scenario.schema" not in reached


def test_local_and_pointer_references_are_placed_under_their_component(tmp_path: Path) -> None:
    base = "https://json-schema.org/draft/2020-12/schema"
    files = {
        "a": {
            "$schema": base,
            "$id": "urn:mockserver:a",
            "$defs": {"n": {"type": "integer"}},
            "properties": {
                "x": {"$ref": "#/$defs/n"},
                "y": {"$ref": "urn:mockserver:b#/$defs/s"},
                "z": {"const": {"$ref": "not a reference"}},
            },
        },
        "b": {"$schema": base, "$id": "urn:mockserver:b", "$defs": {"s": {"type": "string"}}},
    }
    for name, schema in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(schema))
    components = component_schemas(SchemaRegistry(tmp_path), ["a"])
    assert components["a"]["properties"] == {
        "x": {"$ref": "#/components/schemas/a/$defs/n"},
        "y": {"$ref": "#/components/schemas/b/$defs/s"},
        "z": {"const": {"$ref": "not a reference"}},
    }
    assert components["b"] == {"$defs": {"s": {"type": "string"}}}


# --- what each operation says --------------------------------------------------------------


def test_every_operation_documents_the_pipeline_errors(document: dict[str, Any]) -> None:
    for _path, _method, operation in operations(document):
        responses = operation["responses"]
        assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True
        assert responses["401"]["headers"]["WWW-Authenticate"]["schema"] == {
            "const": 'xBasic realm="api"'
        }
        assert responses["302"]["headers"]["Location"]["required"] is True
        assert responses["302"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/error-redirect"
        }
        for status in ("403", "404"):
            assert {"$ref": "#/components/schemas/error-detail"} in json.loads(
                json.dumps(responses[status]["content"]["application/json"]["schema"])
            ).get("anyOf", [responses[status]["content"]["application/json"]["schema"]])
        assert "500" not in responses
        assert "405" not in responses  # a documented method never answers 405
    assert document["components"]["responses"]["MethodNotAllowed"]["content"] == {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/error-detail"},
            "example": {"detail": 'Method "POST" not allowed.'},
        }
    }


def test_bodies_document_the_parse_errors_and_the_size_limit(document: dict[str, Any]) -> None:
    for path, method in ((HOOKS, "post"), (HOOK, "put"), (PATH, "put")):
        responses = document["paths"][path][method]["responses"]
        assert {"400", "413", "415"} <= set(responses)
    create = document["paths"][HOOKS]["post"]["requestBody"]
    assert create["required"] is True
    assert create["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/hook-create"
    }
    assert document["paths"][PATH]["put"]["requestBody"]["required"] is False


def test_feature_gated_methods_document_the_feature_body(document: dict[str, Any]) -> None:
    for method in ("get", "post"):
        forbidden = document["paths"][HOOKS][method]["responses"]["403"]
        assert forbidden["content"]["application/json"]["schema"] == {
            "anyOf": [
                {"$ref": "#/components/schemas/error-detail"},
                {"$ref": "#/components/schemas/error-feature"},
            ]
        }
    hook_403 = document["paths"][HOOK]["get"]["responses"]["403"]
    assert hook_403["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/error-detail"
    }


def test_paginated_answers_document_the_link_header(document: dict[str, Any]) -> None:
    hooks = document["paths"][HOOKS]["get"]["responses"]["200"]["headers"]["Link"]
    users = document["paths"][PATH + "users/"]["get"]["responses"]["200"]["headers"]["Link"]
    assert hooks["required"] is True
    assert users["required"] is False  # a query without a colon answers [] without it
    assert "headers" not in document["paths"][PATH]["get"]["responses"]["200"]


def test_hook_creation_links_to_every_operation_on_the_hook(document: dict[str, Any]) -> None:
    links = document["paths"][HOOKS]["post"]["responses"]["201"]["links"]
    passthrough = {
        "organization_id_or_slug": "$request.path.organization_id_or_slug",
        "project_id_or_slug": "$request.path.project_id_or_slug",
        "hook_id": "$response.body#/id",
    }
    assert links == {
        "GetServiceHook": {"operationId": "getProjectServiceHook", "parameters": passthrough},
        "UpdateServiceHook": {"operationId": "updateProjectServiceHook", "parameters": passthrough},
        "DeleteServiceHook": {"operationId": "deleteProjectServiceHook", "parameters": passthrough},
        "GetServiceHookStats": {
            "operationId": "getProjectServiceHookStats",
            "parameters": passthrough,
        },
    }
    ids = {operation["operationId"] for _, _, operation in operations(document)}
    assert {link["operationId"] for link in links.values()} <= ids


def test_query_parameters_are_the_routes_known_ones(document: dict[str, Any]) -> None:
    for declared in ROUTES.values():
        path = declared.template.replace("{org}", "{organization_id_or_slug}").replace(
            "{project}", "{project_id_or_slug}"
        )
        get = document["paths"][path].get("get")
        if get is None:
            continue
        parameters = get.get("parameters", [])
        assert [p["name"] for p in parameters] == list(declared.query), declared.name
        assert all(p["in"] == "query" and p["required"] is False for p in parameters)


def test_served_document_is_the_built_one(app: Flask, api: Api, registry: SchemaRegistry) -> None:
    reply = api.get("/openapi.json", token=None)
    assert reply.status == 200
    assert reply.header("content-type") == "application/json"
    served = reply.json
    host = served["servers"][0]["url"]
    assert host in ("http://localhost", f"http://127.0.0.1:{api.server.port if api.server else 0}")
    built = build_document(registry, server_url=host)
    assert served == with_scenario_projects(built, state_of(app).store.world)
    # The default scenario's my-org has projects 2 and 3: a fuzzer copies from one of them.
    update = served["components"]["schemas"]["project-update"]["properties"]
    assert update["copy_from_project"]["enum"] == [2, 3]
    assert update["copy_from_project"]["description"].endswith("one of the ids listed.")


def test_the_served_document_follows_a_scenario_load() -> None:
    app = create_app()  # its own: the session's server must keep its scenario
    client = app.test_client()
    before = client.get("/openapi.json").json["components"]["schemas"]["project-update"]
    assert before["properties"]["copy_from_project"]["enum"] == [2, 3]
    state = state_of(app)
    scenario = {
        "version": 1,
        "tokens": [{"token": "t", "scopes": ["project:read"]}],
        "organizations": [{"id": "40", "slug": "acme", "projects": [{"id": "41", "slug": "p"}]}],
    }
    state.load(scenario)
    after = client.get("/openapi.json").json["components"]["schemas"]["project-update"]
    assert after["properties"]["copy_from_project"]["enum"] == [41]


def test_served_document_follows_the_rate_limiter(app: Flask) -> None:
    client = app.test_client()
    assert "429" not in client.get("/openapi.json").json["paths"][PATH]["get"]["responses"]
    state_of(app).limiter.set_runtime_policy(limits.SAAS)
    try:
        responses = client.get("/openapi.json").json["paths"][PATH]["get"]["responses"]
    finally:
        state_of(app).limiter.set_runtime_policy(None)
    assert "429" in responses


def test_the_served_document_is_built_once_per_url_and_rate_limit_state(make_app: Any) -> None:
    app = make_app()
    client = app.test_client()
    state = state_of(app)
    assert len(state.documents) == 0
    first = client.get("/openapi.json")
    again = client.get("/openapi.json")
    assert again.data == first.data
    assert len(state.documents) == 1
    other = client.get("/openapi.json", base_url="http://mock.example:9000")
    assert other.json["servers"] == [{"url": "http://mock.example:9000"}]
    assert len(state.documents) == 2


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_writes_the_document_to_a_file(tmp_path: Path, registry: SchemaRegistry) -> None:
    out = tmp_path / "openapi.json"
    result = CliRunner().invoke(main, ["openapi", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text(encoding="utf-8"))
    validate(written)
    assert written == build_document(registry, server_url="http://127.0.0.1:8000")


def test_cli_prints_the_document_without_servers(registry: SchemaRegistry) -> None:
    result = CliRunner().invoke(main, ["openapi", "--server", "", "--rate-limits"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == build_document(registry, rate_limits=True)


# --- as lenient as Sentry: parameters --------------------------------------------------------


def test_resolution_pattern_accepts_exactly_what_sentry_accepts() -> None:
    # Every string of up to four characters over the characters that matter.
    pattern = re.compile(resolution_pattern())
    alphabet = ["0", "1", "2", "4", "6", "_", "+", "-", " ", "\x1c", "\xa0", "s", "m", "h", "d"]
    mismatches = []
    for length in range(5):
        for letters in itertools.product(alphabet, repeat=length):
            text = "".join(letters)
            try:
                stats.parse_resolution(text)
                accepted = True
            except ApiError:
                accepted = False
            if bool(pattern.fullmatch(text)) != accepted:
                mismatches.append(text)
    assert mismatches == []
    for text in ("3600s", "0_0_3_6_00s", " +01h", "24 h", "1440m", "86400s", "1d", "10s", ""):
        assert pattern.fullmatch(text), text
    for text in ("1h ", "2h", "1m", "h", "-1h", "1_h"):
        assert not pattern.fullmatch(text), text


def test_cursors_the_server_writes_match_the_documented_patterns(
    api: Api, document: dict[str, Any]
) -> None:
    assert api.post(PROJECT + "hooks/", json_body={"url": "https://example.com/2"}).status == 201
    for path, suffix in ((PATH + "users/", "users/"), (HOOKS, "hooks/")):
        schema = next(
            p["schema"]
            for p in document["paths"][path]["get"]["parameters"]
            if p["name"] == "cursor"
        )
        link = api.get(PROJECT + suffix + "?per_page=1").header("link")
        assert link is not None
        # The links a client follows; a results="false" one may be refused (the users' first
        # page links back to page -1, which Sentry's paginator would crash on).
        followed = re.findall(r'results="true"; cursor="([^"]*)"', link)
        assert followed
        for cursor in followed:
            assert re.fullmatch(schema["pattern"], cursor), (suffix, cursor)


# --- as lenient as Sentry: request bodies ----------------------------------------------------

# (field, value, accepted): each is checked against the schema and against the validator.
PROJECT_UPDATE_FIELDS: list[tuple[str, Any, bool]] = [
    ("isBookmarked", True, True),
    ("isBookmarked", "yes", True),
    ("isBookmarked", "OFF", True),
    ("isBookmarked", 1, True),
    ("isBookmarked", "maybe", False),
    ("isBookmarked", None, False),
    ("name", "Plane Proxy", True),
    ("name", "  padded  ", True),
    ("name", 42, True),
    ("name", 1.5, True),
    ("name", "", False),
    ("name", "   ", False),
    ("name", "x" * 200, True),
    (" name", "x", True),  # an unknown key, ignored
    ("name", " " + "x" * 200 + " ", True),
    ("name", "x" * 201, False),
    ("name", "a\x00b", False),
    ("name", True, False),
    ("name", ["x"], False),
    ("slug", "plane-proxy", True),
    ("slug", " plane-proxy ", True),
    ("slug", "123", False),
    ("slug", "Plane", False),
    ("slug", "settings", False),
    ("slug", " settings ", False),
    ("slug", "settings-2", True),
    ("slug", -5, True),
    ("slug", 5, False),
    ("platform", "python", True),
    ("platform", "go-fiber", True),
    ("platform", "", True),
    ("platform", None, True),
    ("platform", "cobol", False),
    ("autofixAutomationTuning", "medium", True),
    ("autofixAutomationTuning", "", False),
    ("resolveAge", 0, True),
    ("resolveAge", -5, True),
    ("resolveAge", "12", True),
    ("resolveAge", " +1_2.00 ", True),
    ("resolveAge", "", True),
    ("resolveAge", None, True),
    ("resolveAge", "1.5", False),
    ("resolveAge", "\x1c12", False),  # int() does not skip the separator characters
    ("resolveAge", 1.5, False),
    ("digestsMinDelay", 60, True),
    ("digestsMinDelay", "0_60", True),
    ("digestsMinDelay", "3600.0", True),
    ("digestsMinDelay", 59, False),
    ("digestsMinDelay", "3601", False),
    ("digestsMinDelay", None, False),
    ("storeCrashReports", -1, True),
    ("storeCrashReports", "-01", True),
    ("storeCrashReports", -2, False),
    ("storeCrashReports", "-2", False),
    ("team", "backend", True),
    ("team", " backend ", True),
    ("team", "Backend", False),
    ("team", "x" * 51, False),
    ("team", 42, True),
    ("securityToken", "abc def+/=", True),
    # Blank clears the token, as Sentry accepts it (ProjectUpdateTest.test_security_token).
    ("securityToken", "   ", True),
    ("securityToken", "abc!", False),
    ("securityTokenHeader", "X-Sentry-Token", True),
    ("securityTokenHeader", "X Token", False),
    # At most 64 characters (ProjectUpdateTest.test_security_token_header_max_length).
    ("securityTokenHeader", "x" * 64, True),
    ("securityTokenHeader", "x" * 65, False),
    ("securityTokenHeader", "", True),
    ("highlightContext", {"os": ["name"]}, True),
    ("highlightContext", [], False),
    ("highlightTags", ["release", 5], True),
    ("highlightTags", [""], False),
    ("highlightTags", "release", False),
    ("allowedDomains", ["*"], True),
    ("allowedDomains", [], False),
    ("groupingConfig", "newstyle:2023-01-11", False),
    ("defaultEnvironment", None, True),
    ("defaultEnvironment", "", True),
    ("symbolSources", None, True),
    ("copy_from_project", "anything", False),
    ("copy_from_project", "1.5", False),
    ("storeCrashReports", 100, True),
    ("storeCrashReports", "101", False),
    ("allowedDomains", ["*", ""], True),
    ("allowedDomains", ["", " "], False),
    ("allowedDomains", "", False),
    ("allowedDomains", ["https://example.com/path"], True),
    ("allowedDomains", ["localhost:8000"], False),
    ("safeFields", ["extra.fields.**", "$user.id && !password"], True),
    ("safeFields", ["er ror"], False),
    ("safeFields", ["double.**.wildcard.**"], False),
    ("highlightContext", {"bird words": ["red", "red"]}, True),
    ("highlightContext", {"": ["empty"]}, False),
    ("highlightContext", {"bird": ["red", 5]}, False),
    ("debugFilesRole", "admin", True),
    ("debugFilesRole", None, True),
    ("debugFilesRole", "invalid_role", False),
    ("secondaryGroupingConfig", "x", False),
    ("secondaryGroupingExpiry", 12311121, False),
]
HOOK_FIELDS: list[tuple[str, Any, bool]] = [
    ("url", "https://example.com/hook", True),
    ("url", "HTTP://LOCALHOST:8080/x?y#z", True),
    ("url", "ftps://user:pw@10.0.0.1:65535/", True),
    ("url", "http://example.com:65536/", False),
    ("url", "mailto:ops@example.com", False),
    ("url", "https://", False),
    ("url", "", False),
    ("url", None, False),
    ("url", "http://a.com/\x00", False),
    ("url", "https://" + "a" * 2040 + ".com", False),
    ("events", [], True),
    ("events", ["event.alert", "event.alert"], True),
    ("events", [" event.created "], True),
    ("events", ["issue.created"], False),
    ("events", "event.alert", False),
    ("events", None, False),
    ("version", 0, True),
    ("version", "0", True),
    ("version", 1, False),
    ("isActive", "false", True),
    ("isActive", 2, False),
]


def _accepted_update(registry: SchemaRegistry, api: Api, body: dict[str, Any]) -> bool:
    state = api.app.extensions["mockserver"]
    view = state.store.resolve("my-org", "my-project")
    try:
        validate_update(body, update_context(state, state.store, view, WRITE), elevated=True)
    except ApiError:
        return False
    return True


@pytest.mark.parametrize(("field", "value", "accepted"), PROJECT_UPDATE_FIELDS)
def test_project_update_schema_reads_fields_as_sentry_does(
    registry: SchemaRegistry, api: Api, field: str, value: Any, accepted: bool
) -> None:
    # The delays are set to their bounds, so that each one alone is judged on its own.
    body = {"digestsMinDelay": 60, "digestsMaxDelay": 3600, field: value}
    assert registry.is_valid("project-update", body) is accepted
    assert _accepted_update(registry, api, body) is accepted


@pytest.mark.parametrize(("field", "value", "accepted"), HOOK_FIELDS)
@pytest.mark.parametrize("stem", ["hook-create", "hook-update"])
def test_hook_schemas_read_fields_as_sentry_does(
    registry: SchemaRegistry, stem: str, field: str, value: Any, accepted: bool
) -> None:
    body = {"url": "https://example.com/hook", field: value}
    assert registry.is_valid(stem, body) is accepted
    try:
        validate_hook(copy.deepcopy(body), partial=stem == "hook-update")
    except ApiError:
        served = False
    else:
        served = True
    assert served is accepted


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (None, ["No data provided"]),
        ([], ["Invalid data. Expected a dictionary, but got list."]),
        ("x", ["Invalid data. Expected a dictionary, but got str."]),
    ],
)
def test_a_body_that_is_not_an_object_is_refused_as_drf_does(
    registry: SchemaRegistry, body: Any, detail: list[str]
) -> None:
    assert not registry.is_valid("hook-update", body)
    with pytest.raises(ApiError) as raised:
        validate_hook(body, partial=True)
    assert (raised.value.status, raised.value.body) == (400, {"non_field_errors": detail})
