"""The document's examples (``mockserver/openapi/examples.py``): the mock's own answers on the
default scenario, one per documented response body and request body, each valid.

``MOCKSERVER_UPDATE_GOLDEN=1 pytest tests/openapi/test_examples.py`` records them again into
``mockserver/openapi/examples.json``; review the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from mockserver.openapi import examples
from mockserver.openapi.document import build_document
from mockserver.schemas.registry import SchemaRegistry

PATH = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/"


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry()


@pytest.fixture(scope="module")
def document(registry: SchemaRegistry) -> dict[str, Any]:
    return build_document(registry, rate_limits=True)


def test_the_shipped_examples_are_what_the_mock_answers_on_the_default_scenario() -> None:
    recorded = examples.record()
    if os.environ.get("MOCKSERVER_UPDATE_GOLDEN") == "1":
        examples.write()
    shipped = json.loads(examples.EXAMPLES_FILE.read_text(encoding="utf-8"))
    assert recorded == shipped, (
        "the mock's answers changed: run MOCKSERVER_UPDATE_GOLDEN=1 pytest "
        "tests/openapi/test_examples.py and review the diff of mockserver/openapi/examples.json"
    )


def documented_bodies(document: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """(operation id, status, schema stem, example) of every documented response body."""
    for item in document["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                yield from _bodies(operation["operationId"], status, response)
    for name, response in document["components"]["responses"].items():
        yield from _bodies(name, "405", response)


def _bodies(operation: str, status: str, response: dict[str, Any]) -> Iterator[Any]:
    for content in response.get("content", {}).values():
        schema = content["schema"]
        refs = [schema] if "$ref" in schema else schema["anyOf"]
        stems = [ref["$ref"].rsplit("/", 1)[1] for ref in refs]
        if "example" in content:
            assert len(stems) == 1, (operation, status)
            yield operation, status, stems[0], content["example"]
        else:
            assert set(content["examples"]) == set(stems), (operation, status)
            for stem in stems:
                yield operation, status, stem, content["examples"][stem]["value"]


def test_every_documented_body_has_a_valid_example(
    document: dict[str, Any], registry: SchemaRegistry
) -> None:
    seen = set()
    for operation, status, stem, example in documented_bodies(document):
        seen.add((operation, int(status), stem))
        # Against the files themselves (tuples and all), not only the document's form.
        assert registry.is_valid(stem, example), (operation, status, stem, example)
    assert seen == {(r.operation, r.status, r.stem) for r in examples.RECIPES}
    # Successes, errors and the pipeline's statuses alike.
    assert ("getProject", 200, "project") in seen
    assert ("deleteProject", 403, "error-internal-project") in seen
    assert ("createProjectServiceHook", 413, "error-detail") in seen
    assert ("MethodNotAllowed", 405, "error-detail") in seen


def test_request_bodies_have_examples_the_mock_accepts(
    document: dict[str, Any], registry: SchemaRegistry
) -> None:
    bodies = {}
    for item in document["paths"].values():
        for method, operation in item.items():
            if method != "parameters" and "requestBody" in operation:
                content = operation["requestBody"]["content"]["application/json"]
                stem = content["schema"]["$ref"].rsplit("/", 1)[1]
                assert registry.is_valid(stem, content["example"]), operation["operationId"]
                bodies[operation["operationId"]] = content["example"]
    assert bodies == {
        # No slug: a fuzzer replaying the example must not rename the project under it.
        "updateProject": {"name": "Plane Proxy", "platform": "javascript"},
        "createProjectServiceHook": {
            "url": "https://example.com/sentry-hook",
            "events": ["event.alert", "event.created"],
        },
        "updateProjectServiceHook": {
            "url": "https://example.com/sentry-hook",
            "events": ["event.alert"],
        },
    }


def test_examples_show_the_default_scenarios_values(document: dict[str, Any]) -> None:
    ok = document["paths"][PATH]["get"]["responses"]["200"]["content"]["application/json"]
    project = ok["example"]
    assert (project["id"], project["slug"], project["name"]) == ("2", "my-project", "My Project")
    assert project["organization"]["slug"] == "my-org"
    stats = document["paths"][PATH + "stats/"]["get"]["responses"]["200"]
    # Sentry's documented series, which the default scenario reproduces.
    assert stats["content"]["application/json"]["example"] == [
        [1541455200, 1184],
        [1541458800, 1410],
        [1541462400, 1440],
        [1541466000, 1682],
        [1541469600, 1203],
    ]
    created = document["paths"][PATH + "hooks/"]["post"]["responses"]["201"]
    hook = created["content"]["application/json"]["example"]
    assert hook["url"] == "https://example.com/sentry-hook"
    assert hook["dateCreated"] == "2024-01-15T09:00:00Z"  # the scenario's anchor
    unauthorized = document["paths"][PATH]["get"]["responses"]["401"]
    assert unauthorized["content"]["application/json"]["example"] == {
        "detail": "Authentication credentials were not provided."
    }
    forbidden = document["paths"][PATH + "hooks/"]["get"]["responses"]["403"]
    assert forbidden["content"]["application/json"]["examples"]["error-feature"]["value"] == {
        "error_type": "unavailable_feature",
        "detail": ["You do not have that feature enabled"],
    }


def test_a_recipe_answered_with_another_status_is_refused() -> None:
    wrong = examples.Recipe("getProject", 200, "project", examples.Call("GET", "/api/0/nowhere/"))
    with pytest.raises(AssertionError, match=r"answered 404"):
        examples.record((wrong,))


def test_the_document_cites_no_file_users_do_not_have(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    assert "sentry-behavior" not in text
    assert "reference/" not in text
    assert "src/sentry/api/endpoints/project_stats.py" in text  # Sentry's own source instead
