"""Schemathesis against the live mock, through the OpenAPI document it serves.

Every phase runs over a real socket with the checks named in CHECKS and a fixed seed: the
examples, coverage and fuzzing phases per operation (``@schema.parametrize()``), then stateful
chains that follow the document's links (``as_state_machine()``). The mock checks each of its
own answers against its schemas too, and any unexpected server error fails the case.

``make fuzz`` runs a longer campaign with a random seed through the same module, set by
MOCKSERVER_FUZZ_SEED, MOCKSERVER_FUZZ_EXAMPLES (per operation and phase) and
MOCKSERVER_FUZZ_SCENARIOS (stateful chains).

The document is fuzzed as it is served (no workaround on Schemathesis' side), and Schemathesis'
requests (they carry ``X-Schemathesis-TestCaseId``) run in the fuzzers' sandbox, which the reset
before each case drops with the rest.

Every check is on for every operation but one: positive_data_acceptance is off for the two
stats operations (see CONFIG). What would otherwise trip a check where Sentry is right is
stated in the document itself, or, where OpenAPI cannot state it (constraints between fields,
JSON's 5 vs 5.0), left out of the generated valid data by CONFIG's dictionaries.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import hypothesis
import hypothesis.strategies as st
import pytest
import requests
import schemathesis
import yaml
from schemathesis.generation import overrides
from schemathesis.generation.stateful.state_machine import APIStateMachine

from mockserver.config import Config
from mockserver.openapi.components import with_scenario_projects as served_projects
from mockserver.openapi.document import build_document
from mockserver.resources import default_scenario
from mockserver.schemas.registry import SchemaRegistry
from mockserver.testing import MockServer

SEED = int(os.environ.get("MOCKSERVER_FUZZ_SEED", "20240115"))
MAX_EXAMPLES = int(os.environ.get("MOCKSERVER_FUZZ_EXAMPLES", "20"))
STATEFUL_EXAMPLES = int(os.environ.get("MOCKSERVER_FUZZ_SCENARIOS", "30"))
TOKEN = "sntrys_TOKEN"
NOW = 1_705_309_200.0  # the default scenario's anchor, 2024-01-15T09:00:00Z
HOOK_ID = "4f9d73e63b7144ecb8944c41620a090b"

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
)

OPEN_FEATURES = (
    "dynamic-sampling",
    "dynamic-sampling-custom",
    "custom-symbol-sources",
    "ourlogs-ingestion",
    "tracemetrics-ingestion",
)
SYMBOL_SOURCES = (
    '[{"id":"honk","type":"http","url":"http://honk.beep","layout":{"type":"native"},'
    '"username":"honkhonk","password":"beepbeep"}]'
)


CONFIG: dict[str, Any] = {
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
    "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    "auth": {"openapi": {"auth_token": {"bearer": TOKEN}}},
    "dictionaries": {
        "organizations": {"values": ["my-org", "1"]},
        "projects": {"values": ["my-project", "2"]},
        "tag-keys": {"values": ["environment", "level", "user", "sentry:user", "event_id"]},
        "hooks": {"values": [HOOK_ID]},
        "minimum-delay": {"values": [60, "60", " 0_60 ", "60.0", "+60"]},
        "slugs": {"values": ["my-project", "renamed", " a_b-1 ", -5]},
        "teams": {"values": ["powerful-abolitionist", " team-2 ", 42, -7]},
        "security-tokens": {"values": ["e84c8c0fb1c121e988558785885f9cde", " ab+/= cd ", 12345]},
        "security-token-headers": {"values": ["X-Sentry-Token", " x_header ", 20]},
    },
    "operations": [
        {
            # since <= until (until defaulting to now) and the 100,000-bucket cap are constraints
            # between parameters, which OpenAPI cannot state: a schema-valid since after now is
            # rightly refused with a 400, so "valid data is accepted" cannot hold here. So are
            # the tag values' start and end (both or neither, start before end).
            "include-operation-id": [
                "listProjectStats",
                "getProjectServiceHookStats",
                "listTagValues",
            ],
            "checks": {"positive_data_acceptance": {"enabled": False}},
        },
        {
            # A query without a colon answers [] before per_page and cursor are read (as in
            # Sentry), so an invalid per_page would pass; with a colon they are always checked.
            "include-operation-id": ["listProjectUsers"],
            "parameters": {"query.query": "name:"},
        },
    ],
    "parameters": {
        "path.organization_id_or_slug": {"dictionary": "organizations", "probability": 0.95},
        "path.project_id_or_slug": {"dictionary": "projects", "probability": 0.95},
        "path.key": {"dictionary": "tag-keys", "probability": 0.8},
        "path.hook_id": {"dictionary": "hooks", "probability": 0.8},
        # The scenario's bounds are 60 and 3600, so any valid digestsMaxDelay is at least this
        # digestsMinDelay: the update never trips the cross-field check (min <= max).
        "body.digestsMinDelay": {"dictionary": "minimum-delay", "probability": 1.0},
        # DRF reads a number as str(number): 5 passes these patterns, 5.0 ("5.0") does not, but
        # JSON Schema cannot tell the two apart and Schemathesis writes integers both ways. The
        # valid examples come from here instead (invalid ones are still generated).
        "body.slug": {"dictionary": "slugs", "probability": 1.0},
        "body.team": {"dictionary": "teams", "probability": 1.0},
        "body.securityToken": {"dictionary": "security-tokens", "probability": 1.0},
        "body.securityTokenHeader": {"dictionary": "security-token-headers", "probability": 1.0},
    },
}


def fuzz_scenario() -> dict[str, Any]:
    """The default scenario, with my-project's digest delays at their bounds (60 and 3600 s),
    and an organization and token that may set every field.

    An update may set either delay alone to any allowed value without crossing the other one,
    which the fuzzer, generating one field at a time, could not know to avoid. The fields that
    depend on the organization (dynamic sampling, Tempest, custom symbol sources, the gated
    inbound filters) and on the token (copying a project with teams needs team:write) are
    open, so that a schema-valid value is an accepted one.
    """
    scenario: dict[str, Any] = yaml.safe_load(default_scenario().read_text(encoding="utf-8"))
    for token in scenario["tokens"]:
        if token["token"] == TOKEN:
            token["scopes"] = [*token["scopes"], "team:write"]
    for organization in scenario["organizations"]:
        if organization["slug"] == "my-org":
            organization["features"] = [*organization.get("features", []), *OPEN_FEATURES]
            organization["options"] = {
                "sentry:sampling_mode": "project",
                "sentry:enabled_console_platforms": ["playstation"],
            }
        for project in organization.get("projects", []):
            if project["slug"] == "my-project":
                options = project.setdefault("options", {})
                options.update(
                    {"digests:mail:minimum_delay": 60, "digests:mail:maximum_delay": 3600}
                )
    return scenario


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[MockServer]:
    """A server of its own (the fuzzer deletes and renames), checking its own answers."""
    # A fixed clock: the same request gets the same answer on a replay, which Hypothesis needs
    # to shrink a stateful failure (links draw from earlier responses).
    config = Config(scenario=fuzz_scenario(), validate_responses=True, clock=lambda: NOW)
    with MockServer(config) as server:
        yield server


# Sentry's grammars the schema names by format: examples the fuzzer can draw (it generates any
# string for a format it does not know, which the server rightly refuses).
schemathesis.openapi.format(
    "relay-pii-selector",
    st.sampled_from(["password", "extra.fields.**", "$user.id && !email", "'sys.argv'.*"]),
)
schemathesis.openapi.format(
    "sentry-origin", st.sampled_from(["*", "", "example.com", "https://sentry.io/path", "*.io"])
)
schemathesis.openapi.format("sentry-symbol-sources", st.sampled_from(["", "[]", SYMBOL_SOURCES]))


def with_scenario_projects(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with ``copy_from_project`` limited to the scenario's projects of my-org.

    Which ids name a project is the state's, not the schema's (any integer is well formed); a
    copy from a project that does not exist is rightly refused with a 400.
    """
    body = document["components"]["schemas"]["project-update"]
    body["properties"]["copy_from_project"] = {"enum": [2, "3"]}
    return document


# The document the server serves, built without a server (the served one is compared with it
# in test_served_document_is_the_fuzzed_one): pytest collects one test per operation from it.
schema = schemathesis.openapi.from_dict(
    with_scenario_projects(build_document(SchemaRegistry())),
    config=schemathesis.Config.from_dict(CONFIG),
)


def test_served_document_is_the_fuzzed_one(fuzz_server: MockServer) -> None:
    served = requests.get(fuzz_server.url_for("/openapi.json"), timeout=10).json()
    built = build_document(SchemaRegistry(), server_url=fuzz_server.url)
    assert served == {
        **served_projects(built, fuzz_server.app.extensions["mockserver"].store.world),
        "servers": [{"url": fuzz_server.url}],
    }
    # The update body names the scenario's projects of my-org (the examples' organization).
    update = served["components"]["schemas"]["project-update"]["properties"]
    assert update["copy_from_project"]["enum"] == [2, 3]


@pytest.mark.slow
@schema.parametrize()
def test_every_operation_conforms(case: schemathesis.Case[Any], fuzz_server: MockServer) -> None:
    # Each case starts from the scenario: a deleted or renamed project must not leak into the
    # next case.
    fuzz_server.reset()
    case.call_and_validate(base_url=fuzz_server.url)
    fuzz_server.check()


def test_stateful_chains_conform(fuzz_server: MockServer) -> None:
    # Chains leave out the project's DELETE (the unit phases fuzz it, a reset before each case).
    # Deleting the project ends a chain (every later call answers 404), and Schemathesis cannot
    # tell that DELETE .../2/ removed the hooks under .../my-project/ (an id and a slug of one
    # project), so it would report the hooks' 404 as a created resource gone missing.
    base: type[APIStateMachine] = schema.exclude(operation_id="deleteProject").as_state_machine()

    class Chains(base):  # type: ignore[misc,valid-type]
        def setup(self) -> None:
            fuzz_server.reset()

        def before_call(self, case: schemathesis.Case[Any]) -> None:
            # The unit phases apply CONFIG's fixed parameter values; a state machine's steps do
            # not get them (Schemathesis' own runner applies them itself), so apply them here.
            overrides.for_operation(schema.config, operation=case.operation).apply_to(case)

        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"base_url": fuzz_server.url}

        def teardown(self) -> None:
            fuzz_server.check()

    machine = hypothesis.seed(SEED)(Chains)
    machine.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_EXAMPLES,
            database=None,
            deadline=None,
            stateful_step_count=6,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
