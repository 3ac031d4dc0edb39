"""Project details: GET, PUT, DELETE (sentry-behavior.md §1)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PROJECT
from tests.conftest import READONLY
from tests.conftest import WRITE
from tests.conftest import Api

DENIED = {"detail": "You do not have permission to perform this action."}
NOT_FOUND = {"detail": "The requested resource does not exist"}
REQUIRED_KEYS = {
    "id",
    "slug",
    "name",
    "platform",
    "dateCreated",
    "isBookmarked",
    "isMember",
    "features",
    "firstEvent",
    "firstTransactionEvent",
    "access",
    "hasAccess",
    "hasFeedbacks",
    "hasFlags",
    "hasMinifiedStackTrace",
    "hasMonitors",
    "hasNewFeedbacks",
    "hasProfiles",
    "hasReplays",
    "hasSessions",
    "hasInsightsHttp",
    "hasInsightsDb",
    "hasInsightsAssets",
    "hasInsightsAppStart",
    "hasInsightsScreenLoad",
    "hasInsightsVitals",
    "hasInsightsCaches",
    "hasInsightsQueues",
    "hasInsightsAgentMonitoring",
    "hasInsightsMCP",
    "hasLogs",
    "hasTraceMetrics",
    "isInternal",
    "isPublic",
    "avatar",
    "color",
    "status",
    "teams",
    "latestRelease",
    "options",
    "digestsMinDelay",
    "digestsMaxDelay",
    "subjectPrefix",
    "allowedDomains",
    "resolveAge",
    "dataScrubber",
    "dataScrubberDefaults",
    "safeFields",
    "storeCrashReports",
    "sensitiveFields",
    "subjectTemplate",
    "securityToken",
    "securityTokenHeader",
    "verifySSL",
    "scrubIPAddresses",
    "scrapeJavaScript",
    "enableAutoReleaseCreation",
    "highlightTags",
    "highlightContext",
    "highlightPreset",
    "groupingConfig",
    "groupingEnhancements",
    "derivedGroupingEnhancements",
    "secondaryGroupingExpiry",
    "secondaryGroupingConfig",
    "fingerprintingRules",
    "organization",
    "platforms",
    "processingIssues",
    "defaultEnvironment",
    "relayPiiConfig",
    "builtinSymbolSources",
    "dynamicSamplingBiases",
    "symbolSources",
    "isDynamicallySampled",
    "autofixAutomationTuning",
    "seerScannerAutomation",
    "seerNightshiftTweaks",
    "scmSourceContextEnabled",
    "debugFilesRole",
}


def test_get_project_matches_the_documentation_example(api: Api) -> None:
    reply = api.get(PROJECT)
    assert reply.status == 200
    assert reply.header("Content-Type") == "application/json"
    body = reply.json
    assert {k: body[k] for k in ("id", "slug", "name", "platform", "dateCreated")} == {
        "id": "2",
        "slug": "my-project",
        "name": "My Project",
        "platform": "python",
        "dateCreated": "2018-11-06T21:19:58.536Z",
    }
    assert (body["isBookmarked"], body["status"]) == (False, "active")


def test_get_project_has_every_key_of_the_detailed_serializer(api: Api) -> None:
    body = api.get(PROJECT).json
    assert set(body) >= REQUIRED_KEYS
    # tempestFetchScreenshots only with the organization's Tempest access (not in this one).
    assert set(body) - REQUIRED_KEYS == {"team", "plugins"}
    assert body["plugins"] == []
    assert body["team"] == {
        "id": "2",
        "name": "Powerful Abolitionist",
        "slug": "powerful-abolitionist",
    }
    assert body["teams"] == [body["team"]]
    assert "servicehooks" in body["features"]
    assert body["organization"]["slug"] == "my-org"
    release = api.get(PROJECT + "tags/release/values/").json[0]["value"]
    assert body["latestRelease"] == {"version": release}
    assert body["dynamicSamplingBiases"] is None


def test_features_reflect_the_servicehooks_gate(api: Api) -> None:
    body = api.get("/api/0/projects/my-org/web-frontend/").json
    assert "servicehooks" not in body["features"]


def test_include_stats_and_expand_alert_integration(api: Api) -> None:
    body = api.get(PROJECT + "?include=stats&expand=hasAlertIntegration").json
    assert body["stats"] == {"unresolved": 3}
    assert body["hasAlertIntegrationInstalled"] is False
    plain = api.get(PROJECT + "?unknown=1").json
    assert "stats" not in plain
    assert "hasAlertIntegrationInstalled" not in plain


def test_put_updates_fields_partially_and_answers_the_full_body(api: Api) -> None:
    reply = api.put(PROJECT, json_body={"name": "Renamed", "isBookmarked": True, "x": 1})
    assert reply.status == 200
    assert (reply.json["name"], reply.json["isBookmarked"]) == ("Renamed", True)
    assert set(reply.json) >= REQUIRED_KEYS
    again = api.get(PROJECT).json
    assert (again["name"], again["isBookmarked"], again["slug"]) == ("Renamed", True, "my-project")


def test_put_with_nothing_changed_answers_200(api: Api) -> None:
    reply = api.put(PROJECT, json_body={})
    assert reply.status == 200
    assert reply.json["name"] == "My Project"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"slug": "Not A Slug"},
            {
                "slug": [
                    "Enter a valid slug consisting of lowercase letters, numbers, underscores "
                    "or hyphens. It cannot be entirely numeric."
                ]
            },
        ),
        (
            {"slug": "12345"},
            {
                "slug": [
                    "Enter a valid slug consisting of lowercase letters, "
                    "numbers, underscores or hyphens. It cannot be entirely "
                    "numeric."
                ]
            },
        ),
        ({"slug": "settings"}, {"slug": ['The slug "settings" is reserved and not allowed.']}),
        (
            {"slug": "web-frontend"},
            {"slug": ["Another project (Web Frontend) is already using that slug"]},
        ),
        ({"platform": "cobol"}, {"platform": ["Invalid platform"]}),
        ({"name": "x" * 201}, {"name": ["Ensure this field has no more than 200 characters."]}),
        (
            {"digestsMinDelay": 59},
            {"digestsMinDelay": ["Ensure this value is greater than or equal to 60."]},
        ),
        (
            {"digestsMaxDelay": 4000},
            {"digestsMaxDelay": ["Ensure this value is less than or equal to 3600."]},
        ),
        (
            {"digestsMinDelay": 900, "digestsMaxDelay": 600},
            {"digestsMinDelay": ["The minimum delay on digests must be lower than the maximum."]},
        ),
        (
            {"allowedDomains": []},
            {
                "allowedDomains": [
                    "Empty value will block all requests, use * to accept from all domains"
                ]
            },
        ),
        ({"groupingConfig": "x"}, {"groupingConfig": ["Grouping config cannot be manually set."]}),
        ({"isBookmarked": "maybe"}, {"isBookmarked": ["Must be a valid boolean."]}),
        ({"resolveAge": "soon"}, {"resolveAge": ["A valid integer is required."]}),
        (
            {"name": "x" * 201, "isBookmarked": "maybe"},
            {
                "isBookmarked": ["Must be a valid boolean."],
                "name": ["Ensure this field has no more than 200 characters."],
            },
        ),
    ],
)
def test_put_answers_drf_field_errors(api: Api, body: dict[str, Any], errors: Any) -> None:
    reply = api.put(PROJECT, json_body=body)
    assert reply.status == 400
    assert reply.json == errors
    assert api.get(PROJECT).json["name"] == "My Project"


def test_put_by_a_read_only_token_may_bookmark(api: Api) -> None:
    reply = api.put(PROJECT, token=READONLY, json_body={"isBookmarked": True})
    assert (reply.status, reply.json["isBookmarked"]) == (200, True)


def test_put_of_an_admin_field_by_a_read_only_token_answers_403(api: Api) -> None:
    reply = api.put(PROJECT, token=READONLY, json_body={"name": "Mine now"})
    assert (reply.status, reply.json) == (403, DENIED)
    # A falsy admin value is not a change request: Sentry lets it through.
    ignored = api.put(PROJECT, token=READONLY, json_body={"name": ""})
    assert (ignored.status, ignored.json["name"]) == (200, "My Project")


def test_put_dynamic_sampling_biases_without_the_feature_answers_403(api: Api) -> None:
    # Sentry gates biases that are set: a non-empty list (an empty one is let through, see
    # tests/fidelity/test_project_details.py).
    reply = api.put(
        PROJECT, json_body={"dynamicSamplingBiases": [{"id": "boostReplayId", "active": True}]}
    )
    assert (reply.status, reply.json) == (
        403,
        {"detail": "dynamicSamplingBiases is not a valid field"},
    )


def test_slug_change_redirects_the_old_slug(api: Api) -> None:
    reply = api.put(PROJECT, json_body={"slug": "renamed-project"})
    assert (reply.status, reply.json["slug"]) == (200, "renamed-project")
    old = api.get(PROJECT + "stats/?stat=received")
    assert old.status == 302
    assert old.header("Location") == "/api/0/projects/my-org/renamed-project/stats/?stat=received"
    assert old.json == {
        "slug": "renamed-project",
        "detail": {
            "extra": {
                "url": "/api/0/projects/my-org/renamed-project/stats/",
                "slug": "renamed-project",
            }
        },
    }
    assert api.get("/api/0/projects/my-org/renamed-project/").status == 200


def test_malformed_json_answers_a_parse_error(api: Api) -> None:
    reply = api.put(PROJECT, data=b"{not json", headers={"Content-Type": "application/json"})
    assert reply.status == 400
    assert reply.json["detail"].startswith("JSON parse error - ")


def test_delete_needs_project_admin(api: Api) -> None:
    reply = api.delete(PROJECT, token=WRITE)
    assert (reply.status, reply.json) == (403, DENIED)


def test_delete_answers_204_then_the_project_is_gone(api: Api) -> None:
    reply = api.delete(PROJECT)
    assert (reply.status, reply.raw) == (204, b"")
    for path in (PROJECT, PROJECT + "hooks/", PROJECT + "stats/"):
        gone = api.get(path)
        assert (gone.status, gone.json) == (404, NOT_FOUND)
    again = api.delete(PROJECT)
    assert (again.status, again.json) == (404, NOT_FOUND)


@pytest.mark.parametrize(
    ("options", "key", "message"),
    [
        ({"sentry:origins": ["a.com"]}, "sentry:origins", "Not a valid string."),
        ({"sentry:resolve_age": "soon"}, "sentry:resolve_age", "A valid integer is required."),
        (
            {"sentry:safe_fields": 5},
            "sentry:safe_fields",
            'Expected a list of items but got type "int".',
        ),
        ({"mail:subject_prefix": None}, "mail:subject_prefix", "Not a valid string."),
    ],
)
def test_put_legacy_options_sentry_cannot_read_answer_400(
    api: Api, options: dict[str, Any], key: str, message: str
) -> None:
    # Sentry crashes (500) on these; the mock answers DRF's dict-field shape and keeps the
    # project as it was, the typed fields of the same body included.
    reply = api.put(PROJECT, json_body={"name": "Renamed", "options": options})
    assert (reply.status, reply.json) == (400, {"options": {key: [message]}})
    body = api.get(PROJECT).json
    assert (body["name"], body["allowedDomains"], body["resolveAge"]) == ("My Project", ["*"], 0)


def test_a_scenario_field_shows_until_a_client_changes_it(make_app: Any) -> None:
    # Scenario fields override the answer; an update of what they override shows the client's
    # value from then on, the other overrides staying.
    scenario = {
        "version": 1,
        "tokens": [{"token": "sntrys_TOKEN", "scopes": ["project:write"]}],
        "organizations": [
            {
                "id": "1",
                "slug": "my-org",
                "projects": [
                    {
                        "id": "2",
                        "slug": "my-project",
                        "fields": {"resolveAge": 48, "color": "#3f70bf", "subjectPrefix": "[X]"},
                    }
                ],
            }
        ],
    }
    client = make_app(scenario).test_client()
    auth = {"Authorization": "Bearer sntrys_TOKEN"}
    before = client.get(PROJECT, headers=auth).get_json()
    assert (before["resolveAge"], before["subjectPrefix"]) == (48, "[X]")
    changed = client.put(PROJECT, headers=auth, json={"resolveAge": 5}).get_json()
    assert (changed["resolveAge"], changed["color"], changed["subjectPrefix"]) == (
        5,
        "#3f70bf",
        "[X]",
    )
    again = client.put(PROJECT, headers=auth, json={"options": {"mail:subject_prefix": "[Y]"}})
    assert again.get_json()["subjectPrefix"] == "[Y]"
    assert client.get(PROJECT, headers=auth).get_json()["resolveAge"] == 5


def test_an_update_by_a_member_is_checked_before_the_member_gate(api: Api) -> None:
    # Sentry validates the member serializer first: a bad member field answers 400 even with an
    # admin field in the same body; a truthy text that reads as false is an admin change.
    reply = api.put(PROJECT, token=READONLY, json_body={"isBookmarked": "maybe", "name": "x"})
    assert (reply.status, reply.json) == (400, {"isBookmarked": ["Must be a valid boolean."]})
    reply = api.put(PROJECT, token=READONLY, json_body={"isBookmarked": "false"})
    assert (reply.status, reply.json) == (403, DENIED)


def test_a_toggled_setting_answers_each_state_as_it_is(api: Api) -> None:
    answers = []
    for bookmarked in (True, False, True, False, True):
        reply = api.put(PROJECT, json_body={"isBookmarked": bookmarked})
        assert (reply.status, reply.json["isBookmarked"]) == (200, bookmarked)
        answers.append(reply.raw)
        shown = api.get(PROJECT).json
        assert shown["isBookmarked"] is bookmarked
    # A state met again answers the same bytes (kept per state); the two states differ.
    assert answers[0] == answers[2] == answers[4] != answers[1] == answers[3]
    renamed = api.put(PROJECT, json_body={"name": "Renamed"})
    assert (renamed.json["name"], renamed.json["isBookmarked"]) == ("Renamed", True)
    assert api.put(PROJECT, json_body={"name": "Renamed"}).raw == renamed.raw
