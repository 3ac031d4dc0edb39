"""Sentry's ``tests/sentry/core/endpoints/test_project_details.py``, ported: reading projects
(``ProjectDetailsTest``), token scopes (``ProjectUpdateTestTokenAuthenticated``), updates
(``ProjectUpdateTest``), copying settings (``CopyProjectSettingsTest``), deletion
(``ProjectDeleteTest``), dynamic sampling, Tempest and Seer settings.

Each test names the Sentry test it follows; where Sentry reads the stored option, the port reads
the project's answer, which shows it. The tests left out, and why, are listed in the README
("Fidelity").
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Api
from tests.fidelity.conftest import ADMIN
from tests.fidelity.conftest import NO_SCOPES
from tests.fidelity.conftest import ORG
from tests.fidelity.conftest import PROJECT_ADMIN
from tests.fidelity.conftest import READ
from tests.fidelity.conftest import TEAM
from tests.fidelity.conftest import TEAM_WRITER
from tests.fidelity.conftest import WRITE
from tests.fidelity.conftest import Load
from tests.fidelity.conftest import path
from tests.fidelity.conftest import project
from tests.fidelity.conftest import scenario

DENIED = {"detail": "You do not have permission to perform this action."}
NOT_FOUND = {"detail": "The requested resource does not exist"}
FALLBACK_PRESET = {"tags": ["handled", "level", "url"], "context": {"trace": ["trace_id"]}}
MOBILE_PRESET = {
    "tags": ["handled", "level", "mobile", "main_thread"],
    "context": {"trace": ["trace_id"], "profile": ["profile_id"], "app": ["name"]},
}
DEFAULT_BIASES = [
    {"id": "boostEnvironments", "active": True},
    {"id": "boostLatestRelease", "active": True},
    {"id": "ignoreHealthChecks", "active": True},
    {"id": "boostKeyTransactions", "active": True},
    {"id": "boostLowVolumeTransactions", "active": True},
    {"id": "boostReplayId", "active": True},
    {"id": "recalibrationRule", "active": True},
    {"id": "minimumSampleRate", "active": False},
]
DS = "dynamic-sampling"


# --- ProjectDetailsTest --------------------------------------------------------------------------


def test_simple(api: Api, load: Load) -> None:
    """Sentry: ProjectDetailsTest.test_simple."""
    load(scenario())
    reply = api.get(path())
    assert (reply.status, reply.json["id"], reply.json["slug"]) == (200, "21", "bar")


def test_numeric_org_slug(api: Api, load: Load) -> None:
    """Sentry: ProjectDetailsTest.test_numeric_org_slug (the project answers at its own URL,
    with its organization's slug, not through a legacy redirect)."""
    load(scenario(project("foo", "20"), project("bar", "21", name="Bar")))
    reply = api.get(f"/api/0/projects/{ORG}/bar/")
    assert (reply.status, reply.json["id"], reply.json["name"]) == (200, "21", "Bar")


def test_with_stats(api: Api, load: Load) -> None:
    """Sentry: ProjectDetailsTest.test_with_stats (one unresolved group)."""
    load(scenario(project(unresolvedIssues=1)))
    reply = api.get(path() + "?include=stats")
    assert (reply.status, reply.json["stats"]) == (200, {"unresolved": 1})


@pytest.mark.parametrize("installed", [True, False])
def test_has_and_no_alert_integration(api: Api, load: Load, installed: bool) -> None:
    """Sentry: ProjectDetailsTest.test_has_alert_integration (an msteams integration) and
    test_no_alert_integration (jira, which does not alert): the scenario says which."""
    load(scenario(project(hasAlertIntegration=installed)))
    reply = api.get(path() + "?expand=hasAlertIntegration")
    assert (reply.status, reply.json["hasAlertIntegrationInstalled"]) == (200, installed)


def test_filters_disabled_plugins(api: Api, load: Load) -> None:
    """Sentry: ProjectDetailsTest.test_filters_disabled_plugins (2025 version), its first half:
    no plugin is enabled, so ``plugins`` is empty (enabling one is not modelled)."""
    load(scenario())
    reply = api.get(path())
    assert (reply.status, reply.json["plugins"]) == (200, [])


def test_collapse_organization(api: Api, load: Load) -> None:
    """Sentry: ProjectDetailsTest.test_collapse_organization."""
    load(scenario())
    reply = api.get(path() + "?collapse=organization")
    assert reply.status == 200
    assert reply.json["organization"] == {"id": "10", "slug": ORG}
    assert api.get(path()).json["organization"]["name"] == "Baz"


def test_project_renamed_302(api: Api, load: Load) -> None:
    """Sentry: ProjectDetailsTest.test_project_renamed_302 (the audit log entry is not
    modelled)."""
    load(scenario())
    assert api.put(path(), json_body={"slug": "foobar"}).status == 200
    reply = api.get(path())
    assert reply.status == 302
    assert reply.json == {
        "slug": "foobar",
        "detail": {"extra": {"url": f"/api/0/projects/{ORG}/foobar/", "slug": "foobar"}},
    }
    assert reply.header("Location") == f"/api/0/projects/{ORG}/foobar/"


def test_non_org_rename_403(api: Api, load: Load) -> None:
    """Sentry: ProjectDetailsTest.test_non_org_rename_403: the old slug of a project of an
    organization the caller is not a member of answers 403, not the redirect."""
    data = scenario()
    data["tokens"].append(
        {"token": "sntryu_MEMBER", "scopes": ["project:read"], "organizations": ["foo"]}
    )
    other = {"id": "30", "slug": "foo", "projects": [project("mine", "31")]}
    data["organizations"].append(other)
    load(data)
    assert api.put(path(), json_body={"slug": "renamed"}).status == 200
    reply = api.get(path(), token="sntryu_MEMBER")
    assert (reply.status, reply.json) == (403, DENIED)
    assert "Location" not in reply.headers


@pytest.mark.parametrize(
    ("platform", "preset"),
    [("python", FALLBACK_PRESET), ("android", MOBILE_PRESET), (None, FALLBACK_PRESET)],
)
def test_highlight_preset(api: Api, load: Load, platform: str | None, preset: Any) -> None:
    """Sentry: ProjectDetailsTest.test_highlight_preset: the platform's preset, shown as the
    highlights while the project has none of its own."""
    load(scenario(project(platform=platform)))
    body = api.get(path()).json
    assert body["highlightPreset"] == preset
    assert body["highlightContext"] == preset["context"]
    assert body["highlightTags"] == preset["tags"]


@pytest.mark.parametrize(
    ("features", "org_options", "project_options", "sampled"),
    [
        # The features off.
        ((), {}, {}, False),
        # Organization mode ("automatic"): the organization's rate.
        (("dynamic-sampling-custom",), {"sentry:target_sample_rate": 1.0}, {}, False),
        (("dynamic-sampling-custom",), {"sentry:target_sample_rate": 0.1}, {}, True),
        # Project mode ("manual"): the project's rate.
        (
            ("dynamic-sampling-custom",),
            {"sentry:sampling_mode": "project"},
            {"sentry:target_sample_rate": 1.0},
            False,
        ),
        (
            ("dynamic-sampling-custom",),
            {"sentry:sampling_mode": "project"},
            {"sentry:target_sample_rate": 0.1},
            True,
        ),
    ],
)
def test_is_dynamically_sampled(
    api: Api,
    load: Load,
    features: tuple[str, ...],
    org_options: dict[str, Any],
    project_options: dict[str, Any],
    sampled: bool,
) -> None:
    """Sentry: ProjectDetailsTest.test_is_dynamically_sampled, step by step."""
    load(scenario(project(options=project_options), features=features, options=org_options))
    assert api.get(path()).json["isDynamicallySampled"] is sampled


def test_filter_options(api: Api, load: Load) -> None:
    """Sentry: ProjectDetailsTest.test_filter_options: stored filter lists are shown
    newline-joined."""
    options = {
        "sentry:releases": ["1.*", "2.1.*"],
        "sentry:error_messages": ["TypeError*", "*: integer division by modulo or zero"],
        "sentry:log_messages": ["Updated*", "*.sentry.io"],
        "sentry:trace_metric_names": ["counter.*", "*.duration"],
    }
    load(scenario(project(options=options)))
    shown = api.get(path()).json["options"]
    assert shown["filters:releases"] == "1.*\n2.1.*"
    assert shown["filters:error_messages"] == "TypeError*\n*: integer division by modulo or zero"
    assert shown["filters:log_messages"] == "Updated*\n*.sentry.io"
    assert shown["filters:trace_metric_names"] == "counter.*\n*.duration"


def test_preprod_size_pr_comments_defaults(api: Api, load: Load) -> None:
    """Sentry: ProjectDetailsTest.test_preprod_size_pr_comments_defaults."""
    load(scenario())
    shown = api.get(path()).json["options"]
    assert shown["sentry:preprod_size_pr_comments_enabled"] is False
    assert shown["sentry:preprod_size_pr_comments_rules"] is None


# --- ProjectUpdateTestTokenAuthenticated ----------------------------------------------------------


def test_member_can_update_limited_project_details(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTestTokenAuthenticated.
    test_member_can_update_limited_project_details."""
    load(scenario(project(platform="javascript")))
    reply = api.put(path(), token=READ, json_body={"isBookmarked": True})
    assert (reply.status, reply.json["isBookmarked"]) == (200, True)


def test_admin_update_allowed_with_correct_token_scope(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTestTokenAuthenticated.
    test_admin_update_allowed_with_correct_token_scope (the manager and owner variants differ
    only by the member's role)."""
    load(scenario(project(platform="javascript")))
    for token, platform in ((WRITE, "rust"), (PROJECT_ADMIN, "java")):
        reply = api.put(path(), token=token, json_body={"platform": platform})
        assert (reply.status, reply.json["platform"]) == (200, platform)


@pytest.mark.parametrize("token", [READ, NO_SCOPES])
def test_update_denied_with_token(api: Api, load: Load, token: str) -> None:
    """Sentry: ProjectUpdateTestTokenAuthenticated.test_member_update_denied_with_token and
    test_admin_update_denied_with_token (a project:read token), and
    test_empty_token_scopes_denied (a token without scopes)."""
    load(scenario(project(platform="javascript")))
    reply = api.put(path(), token=token, json_body={"platform": "rust"})
    assert (reply.status, reply.json) == (403, DENIED)
    assert api.get(path()).json["platform"] == "javascript"


# --- ProjectDeleteTest --------------------------------------------------------------------------


def test_delete_simple(api: Api, load: Load) -> None:
    """Sentry: ProjectDeleteTest.test_simple and test_delete_without_events_does_not_require_sudo
    (a token is always considered sudo): 204, then the project is gone (the scheduled deletion
    and its rename are Sentry's internals)."""
    load(scenario(project(firstEvent=None)))
    reply = api.delete(path())
    assert (reply.status, reply.raw) == (204, b"")
    gone = api.get(path())
    assert (gone.status, gone.json) == (404, NOT_FOUND)


def test_delete_internal_project(api: Api, load: Load) -> None:
    """Sentry: ProjectDeleteTest.test_internal_project (SENTRY_PROJECT is this project)."""
    load(scenario(project(fields={"isInternal": True})))
    reply = api.delete(path())
    assert reply.status == 403
    assert reply.json == '{"error": "Cannot remove projects internally used by Sentry."}'
    assert api.get(path()).status == 200


# --- TestProjectDetailsDynamicSamplingBiases --------------------------------------------------


def test_get_dynamic_sampling_default_biases(api: Api, load: Load) -> None:
    """Sentry: TestProjectDetailsDynamicSamplingBiases.test_get_dynamic_sampling_default_biases."""
    load(scenario(features=(DS,)))
    assert api.get(path()).json["dynamicSamplingBiases"] == DEFAULT_BIASES


def test_get_dynamic_sampling_biases_manually_set_biases(api: Api, load: Load) -> None:
    """Sentry: TestProjectDetailsDynamicSamplingBiases.
    test_get_dynamic_sampling_biases_manually_set_biases and
    test_get_dynamic_sampling_biases_with_previously_assigned_biases."""
    stored = [{"id": "boostEnvironments", "active": False}]
    load(scenario(project(options={"sentry:dynamic_sampling_biases": stored}), features=(DS,)))
    assert api.get(path()).json["dynamicSamplingBiases"] == [
        {"id": "boostEnvironments", "active": False},
        *DEFAULT_BIASES[1:],
    ]


def test_put_dynamic_sampling_with_missing_flags(api: Api, load: Load) -> None:
    """Sentry: TestProjectDetailsDynamicSamplingBiases.
    test_put_dynamic_sampling_after_migrating_to_new_plan_default_biases_with_missing_flags."""
    load(scenario())
    reply = api.put(path(), token=WRITE, json_body={"dynamicSamplingBiases": DEFAULT_BIASES})
    assert (reply.status, reply.json) == (
        403,
        {"detail": "dynamicSamplingBiases is not a valid field"},
    )


def test_put_new_dynamic_sampling_rules_with_correct_flags(api: Api, load: Load) -> None:
    """Sentry: TestProjectDetailsDynamicSamplingBiases.
    test_put_new_dynamic_sampling_rules_with_correct_flags."""
    load(scenario(features=(DS,)))
    biases = [{"id": bias["id"], "active": False} for bias in DEFAULT_BIASES]
    reply = api.put(path(), token=WRITE, json_body={"dynamicSamplingBiases": biases})
    assert (reply.status, reply.json["dynamicSamplingBiases"]) == (200, biases)
    assert api.get(path()).json["dynamicSamplingBiases"] == biases


def test_put_attempt_new_dynamic_sampling_without_biases(api: Api, load: Load) -> None:
    """Sentry: TestProjectDetailsDynamicSamplingBiases.
    test_put_attempt_new_dynamic_sampling_without_biases_with_correct_flags: an empty list
    stores the defaults."""
    load(scenario(features=(DS,)))
    reply = api.put(path(), token=WRITE, json_body={"dynamicSamplingBiases": []})
    assert (reply.status, reply.json["dynamicSamplingBiases"]) == (200, DEFAULT_BIASES)
    assert api.get(path()).json["dynamicSamplingBiases"] == DEFAULT_BIASES


def test_put_empty_biases_without_the_feature(api: Api, load: Load) -> None:
    """Follows ProjectDetailsEndpoint.put (no Sentry test): Sentry gates biases that are set, so
    an empty list passes without the feature; it stores the defaults and, the biases being the
    only audited change, answers at once with them, while a later read shows null."""
    load(scenario())
    reply = api.put(path(), json_body={"dynamicSamplingBiases": []})
    assert (reply.status, reply.json["dynamicSamplingBiases"]) == (200, DEFAULT_BIASES)
    assert api.get(path()).json["dynamicSamplingBiases"] is None
    both = api.put(path(), json_body={"dynamicSamplingBiases": [], "verifySSL": True})
    assert (both.status, both.json["dynamicSamplingBiases"]) == (200, None)


def test_put_new_dynamic_sampling_incorrect_rules(api: Api, load: Load) -> None:
    """Sentry: TestProjectDetailsDynamicSamplingBiases.
    test_put_new_dynamic_sampling_incorrect_rules_with_correct_flags."""
    load(scenario(features=(DS,)))
    reply = api.put(
        path(), token=WRITE, json_body={"dynamicSamplingBiases": [{"id": "foo", "active": False}]}
    )
    assert (reply.status, reply.json) == (
        400,
        {"dynamicSamplingBiases": [{"id": ['"foo" is not a valid choice.']}]},
    )
    reply = api.put(
        path(),
        token=WRITE,
        json_body={"dynamicSamplingBiases": [{"whatever": "foo", "bla": False}]},
    )
    assert (reply.status, reply.json) == (
        400,
        {
            "dynamicSamplingBiases": [
                {"non_field_errors": ["Error: Only 'id' and 'active' fields are allowed for bias."]}
            ]
        },
    )
    assert api.get(path()).json["dynamicSamplingBiases"] == DEFAULT_BIASES


# --- TestTempestProjectDetails ------------------------------------------------------------------

TEMPEST = {"sentry:enabled_console_platforms": ["playstation"]}


def test_put_tempest_fetch_screenshots(api: Api, load: Load) -> None:
    """Sentry: TestTempestProjectDetails.test_put_tempest_fetch_screenshots."""
    load(scenario(options=TEMPEST))
    assert api.get(path()).json["tempestFetchScreenshots"] is False
    reply = api.put(path(), token=WRITE, json_body={"tempestFetchScreenshots": True})
    assert (reply.status, reply.json["tempestFetchScreenshots"]) == (200, True)
    assert api.get(path()).json["tempestFetchScreenshots"] is True


def test_put_tempest_fetch_screenshots_without_feature_flag(api: Api, load: Load) -> None:
    """Sentry: TestTempestProjectDetails.test_put_tempest_fetch_screenshots_without_feature_flag."""
    load(scenario())
    reply = api.put(path(), token=WRITE, json_body={"tempestFetchScreenshots": True})
    assert (reply.status, reply.json) == (
        400,
        {"tempestFetchScreenshots": ["Organization does not have the tempest feature enabled."]},
    )


@pytest.mark.parametrize("access", [True, False])
def test_get_tempest_fetch_screenshots_options(api: Api, load: Load, access: bool) -> None:
    """Sentry: TestTempestProjectDetails.test_get_tempest_fetch_screenshots_options and
    test_get_tempest_fetch_screenshots_options_without_feature_flag: the key only with the
    organization's Tempest access."""
    load(scenario(options=TEMPEST if access else {}))
    body = api.get(path()).json
    assert ("tempestFetchScreenshots" in body) is access
    assert body.get("tempestFetchScreenshots", False) is False


# --- TestSeerProjectDetails ---------------------------------------------------------------------


def test_autofix_automation_tuning(api: Api, load: Load) -> None:
    """Sentry: TestSeerProjectDetails.test_autofix_automation_tuning."""
    load(scenario())
    reply = api.put(path(), token=WRITE, json_body={"autofixAutomationTuning": "invalid"})
    assert (reply.status, reply.json) == (
        400,
        {"autofixAutomationTuning": ['"invalid" is not a valid choice.']},
    )
    assert api.get(path()).json["autofixAutomationTuning"] == "off"
    for value in ("medium", "off"):
        reply = api.put(path(), token=WRITE, json_body={"autofixAutomationTuning": value})
        assert (reply.status, reply.json["autofixAutomationTuning"]) == (200, value)


def test_seer_scanner_automation(api: Api, load: Load) -> None:
    """Sentry: TestSeerProjectDetails.test_seer_scanner_automation."""
    load(scenario())
    reply = api.put(path(), token=WRITE, json_body={"seerScannerAutomation": "invalid"})
    assert (reply.status, reply.json) == (
        400,
        {"seerScannerAutomation": ["Must be a valid boolean."]},
    )
    assert api.get(path()).json["seerScannerAutomation"] is True
    for value in (False, True):
        reply = api.put(path(), token=WRITE, json_body={"seerScannerAutomation": value})
        assert (reply.status, reply.json["seerScannerAutomation"]) == (200, value)


# --- ProjectUpdateTest --------------------------------------------------------------------------

SLUG_MESSAGE = (
    "Enter a valid slug consisting of lowercase letters, numbers, underscores or hyphens. "
    "It cannot be entirely numeric."
)
# ProjectUpdateTest.test_options, verbatim.
LEGACY_OPTIONS: dict[str, Any] = {
    "sentry:resolve_age": 1,
    "sentry:scrub_data": False,
    "sentry:scrub_defaults": False,
    "sentry:sensitive_fields": ["foo", "bar"],
    "sentry:safe_fields": ["token"],
    "sentry:store_crash_reports": 0,
    "sentry:relay_pii_config": '{"applications": {"freeform": []}}',
    "sentry:csp_ignored_sources_defaults": False,
    "sentry:csp_ignored_sources": "foo\nbar",
    "sentry:grouping_config": "some-config",
    "filters:blacklisted_ips": "127.0.0.1\n198.51.100.0",
    "filters:releases": "1.*\n2.1.*",
    "filters:error_messages": "TypeError*\n*: integer division by modulo or zero",
    "filters:log_messages": "Updated*\n*.sentry.io",
    "filters:trace_metric_names": "counter.*\n*.duration",
    "mail:subject_prefix": "[Sentry]",
    "sentry:scrub_ip_address": False,
    "sentry:origins": "*",
    "sentry:scrape_javascript": False,
    "sentry:token": "*",
    "sentry:token_header": "*",
    "sentry:verify_ssl": False,
    "sentry:replay_hydration_error_issues": True,
    "sentry:toolbar_allowed_origins": "*.sentry.io\nexample.net  \nnugettrends.com",
    "sentry:replay_rage_click_issues": True,
    "sentry:relay_automatic_json_expansion": True,
    "sentry:feedback_user_report_notifications": True,
    "sentry:feedback_ai_spam_detection": True,
    "feedback:branding": False,
    "filters:react-hydration-errors": True,
    "filters:chunk-load-error": True,
}
FILTER_FEATURES = ("ourlogs-ingestion", "tracemetrics-ingestion")


def test_blank_subject_prefix(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_blank_subject_prefix."""
    load(scenario())
    reply = api.put(path(), json_body={"options": {"mail:subject_prefix": "[Sentry]"}})
    assert (reply.status, reply.json["subjectPrefix"]) == (200, "[Sentry]")
    reply = api.put(path(), json_body={"options": {"mail:subject_prefix": ""}})
    assert (reply.status, reply.json["subjectPrefix"]) == (200, "")
    assert api.get(path()).json["subjectPrefix"] == ""


def test_member_changes_permission_denied(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_simple_member_restriction and
    test_member_changes_permission_denied (a member's project:read token)."""
    load(scenario())
    reply = api.put(path(), token=READ, json_body={"slug": "zzz", "isBookmarked": "true"})
    assert (reply.status, reply.json) == (403, DENIED)
    body = api.get(path()).json
    assert (body["slug"], body["isBookmarked"]) == ("bar", False)


def test_name(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_name."""
    load(scenario())
    assert api.put(path(), json_body={"name": "hello world"}).status == 200
    assert api.get(path()).json["name"] == "hello world"


def test_slug(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_slug: renamed, with a redirect from the old slug."""
    load(scenario())
    reply = api.put(path(), json_body={"slug": "foobar"})
    assert (reply.status, reply.json["slug"]) == (200, "foobar")
    assert api.get(path("foobar")).json["id"] == "21"
    assert api.get(path()).status == 302


def test_invalid_slug(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_invalid_slug: another project's slug."""
    load(scenario(project(), project("foo", "22", name="Foo")))
    reply = api.put(path(), json_body={"slug": "foo"})
    assert (reply.status, reply.json) == (
        400,
        {"slug": ["Another project (Foo) is already using that slug"]},
    )
    assert api.get(path()).json["slug"] == "bar"


@pytest.mark.parametrize(
    ("slug", "message"),
    [("1234", SLUG_MESSAGE), ("settings", 'The slug "settings" is reserved and not allowed.')],
)
def test_invalid_numeric_and_reserved_slug(api: Api, load: Load, slug: str, message: str) -> None:
    """Sentry: ProjectUpdateTest.test_invalid_numeric_slug and test_reserved_slug."""
    load(scenario())
    reply = api.put(path(), json_body={"slug": slug})
    assert (reply.status, reply.json) == (400, {"slug": [message]})


def test_platform(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_platform and test_platform_invalid."""
    load(scenario(project(platform="javascript")))
    reply = api.put(path(), json_body={"platform": "python"})
    assert (reply.status, reply.json["platform"]) == (200, "python")
    reply = api.put(path(), json_body={"platform": "lol"})
    assert (reply.status, reply.json) == (400, {"platform": ["Invalid platform"]})
    assert api.get(path()).json["platform"] == "python"


def test_options(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_options: the legacy options dict, with the features its
    filters need; each stored option read back from the project's answer."""
    load(scenario(features=FILTER_FEATURES))
    assert api.put(path(), json_body={"options": LEGACY_OPTIONS}).status == 200
    body = api.get(path()).json
    assert {
        key: body[key]
        for key in (
            "allowedDomains",
            "resolveAge",
            "dataScrubber",
            "dataScrubberDefaults",
            "sensitiveFields",
            "safeFields",
            "storeCrashReports",
            "relayPiiConfig",
            "groupingConfig",
            "subjectPrefix",
            "scrubIPAddresses",
            "scrapeJavaScript",
            "securityToken",
            "securityTokenHeader",
            "verifySSL",
        )
    } == {
        "allowedDomains": ["*"],
        "resolveAge": 1,
        "dataScrubber": False,
        "dataScrubberDefaults": False,
        "sensitiveFields": ["foo", "bar"],
        "safeFields": ["token"],
        "storeCrashReports": 0,
        "relayPiiConfig": '{"applications": {"freeform": []}}',
        "groupingConfig": "some-config",
        "subjectPrefix": "[Sentry]",
        "scrubIPAddresses": False,
        # put() does not read sentry:scrape_javascript, sentry:token, sentry:token_header or
        # sentry:verify_ssl from the options dict (Sentry's test only checks them against
        # defaults that hold either way): they keep their values.
        "scrapeJavaScript": True,
        "securityToken": body["securityToken"],
        "securityTokenHeader": None,
        "verifySSL": False,
    }
    assert body["securityToken"] != "*"
    shown = body["options"]
    assert {key: shown[key] for key in LEGACY_OPTIONS if key in shown} == {
        "sentry:csp_ignored_sources_defaults": False,
        "sentry:csp_ignored_sources": "foo\nbar",
        "filters:blacklisted_ips": "127.0.0.1\n198.51.100.0",
        "filters:releases": "1.*\n2.1.*",
        "filters:error_messages": "TypeError*\n*: integer division by modulo or zero",
        "filters:log_messages": "Updated*\n*.sentry.io",
        "filters:trace_metric_names": "counter.*\n*.duration",
        "sentry:replay_hydration_error_issues": True,
        "sentry:toolbar_allowed_origins": "*.sentry.io\nexample.net\nnugettrends.com",
        "sentry:replay_rage_click_issues": True,
        "sentry:relay_automatic_json_expansion": True,
        "sentry:feedback_user_report_notifications": True,
        "sentry:feedback_ai_spam_detection": True,
        "feedback:branding": False,
        "filters:react-hydration-errors": True,
        "filters:chunk-load-error": True,
    }


@pytest.mark.parametrize(
    ("key", "features", "project_features"),
    [
        ("filters:releases", FILTER_FEATURES, ["servicehooks"]),
        ("filters:error_messages", FILTER_FEATURES, ["servicehooks"]),
        ("filters:log_messages", ("tracemetrics-ingestion",), None),
        ("filters:trace_metric_names", ("ourlogs-ingestion",), None),
    ],
)
def test_options_filters_without_the_feature(
    api: Api, load: Load, key: str, features: tuple[str, ...], project_features: Any
) -> None:
    """Follows ProjectDetailsEndpoint.put (the counterpart of ProjectUpdateTest.test_options):
    a custom inbound filter without the project's custom-inbound-filters feature, or the
    organization's logs or trace metrics ingestion, answers Sentry's 400; nothing changes."""
    extra = {} if project_features is None else {"features": project_features}
    load(scenario(project(**extra), features=features))
    body = {"name": "Renamed", "options": {"sentry:resolve_age": 5, key: "x"}}
    reply = api.put(path(), json_body=body)
    assert (reply.status, reply.json) == (400, {"detail": "You do not have that feature enabled"})
    after = api.get(path()).json
    assert (after["name"], after["resolveAge"], after["options"][key]) == ("Bar", 0, "")


def test_options_need_an_elevated_token(api: Api, load: Load) -> None:
    """Follows ProjectDetailsEndpoint.put: the options dict is an admin field."""
    load(scenario())
    reply = api.put(path(), token=READ, json_body={"options": {"sentry:resolve_age": 1}})
    assert (reply.status, reply.json) == (403, DENIED)


@pytest.mark.parametrize(
    ("field", "option", "value"),
    [
        ("preprodSnapshotPrCommentsEnabled", "sentry:preprod_snapshot_pr_comments_enabled", False),
        (
            "preprodSnapshotPrCommentsPostOnAdded",
            "sentry:preprod_snapshot_pr_comments_post_on_added",
            True,
        ),
        (
            "preprodSnapshotPrCommentsPostOnRemoved",
            "sentry:preprod_snapshot_pr_comments_post_on_removed",
            False,
        ),
        (
            "preprodSnapshotPrCommentsPostOnChanged",
            "sentry:preprod_snapshot_pr_comments_post_on_changed",
            False,
        ),
        (
            "preprodSnapshotPrCommentsPostOnRenamed",
            "sentry:preprod_snapshot_pr_comments_post_on_renamed",
            True,
        ),
        ("preprodSizePrCommentsEnabled", "sentry:preprod_size_pr_comments_enabled", True),
        (
            "preprodSizePrCommentsRules",
            "sentry:preprod_size_pr_comments_rules",
            [
                {
                    "id": "r1",
                    "metric": "install_size",
                    "measurement": "absolute",
                    "value": 1000000,
                    "artifactType": "main_artifact",
                    "filterQuery": "",
                }
            ],
        ),
    ],
)
def test_preprod_options(api: Api, load: Load, field: str, option: str, value: Any) -> None:
    """Sentry: ProjectUpdateTest.test_preprod_snapshot_pr_comments_option, its post_on_added,
    post_on_removed, post_on_changed and post_on_renamed variants,
    test_preprod_size_pr_comments_enabled_option and test_preprod_size_pr_comments_rules_option
    (member fields: a project:read token may set them)."""
    load(scenario())
    reply = api.put(path(), token=READ, json_body={field: value})
    assert (reply.status, reply.json["options"][option]) == (200, value)
    assert api.get(path()).json["options"][option] == value


def test_bookmarks(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_bookmarks."""
    load(scenario())
    assert api.put(path(), json_body={"isBookmarked": "true"}).json["isBookmarked"] is True
    reply = api.put(path(), json_body={"isBookmarked": "false"})
    assert (reply.status, reply.json["isBookmarked"]) == (200, False)


@pytest.mark.parametrize(
    ("field", "value"),
    [("securityToken", "fizzbuzz"), ("securityTokenHeader", "X-Hello-World")],
)
def test_security_token_and_header(api: Api, load: Load, field: str, value: str) -> None:
    """Sentry: ProjectUpdateTest.test_security_token and test_security_token_header: set, then
    cleared with a blank value."""
    load(scenario())
    reply = api.put(path(), json_body={field: value})
    assert (reply.status, reply.json[field]) == (200, value)
    reply = api.put(path(), json_body={field: ""})
    assert (reply.status, reply.json[field]) == (200, "")
    assert api.get(path()).json[field] == ""


def test_security_token_header_max_length(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_security_token_header_max_length."""
    load(scenario())
    value = "X-" + "A" * 62
    reply = api.put(path(), json_body={"securityTokenHeader": value})
    assert (reply.status, reply.json["securityTokenHeader"]) == (200, value)
    reply = api.put(path(), json_body={"securityTokenHeader": "X-" + "A" * 63})
    assert (reply.status, reply.json) == (
        400,
        {"securityTokenHeader": ["Ensure this field has no more than 64 characters."]},
    )


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("verifySSL", [False]),
        ("scrubIPAddresses", [True, False]),
        ("scrapeJavaScript", [False]),
        ("enableAutoReleaseCreation", [False, True]),
        ("dataScrubber", [False]),
        ("dataScrubberDefaults", [False]),
    ],
)
def test_flags(api: Api, load: Load, field: str, values: list[bool]) -> None:
    """Sentry: ProjectUpdateTest.test_verify_ssl, test_scrub_ip_address, test_scrape_javascript,
    test_enable_auto_release_creation, test_data_scrubber and test_data_scrubber_defaults."""
    load(scenario())
    for value in values:
        reply = api.put(path(), json_body={field: value})
        assert (reply.status, reply.json[field]) == (200, value)
        assert api.get(path()).json[field] is value


def test_default_environment(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_default_environment."""
    load(scenario())
    for value in ("dev", ""):
        reply = api.put(path(), json_body={"defaultEnvironment": value})
        assert (reply.status, reply.json["defaultEnvironment"]) == (200, value)


def test_resolve_age(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_resolve_age: a blank value sets 0."""
    load(scenario())
    assert api.put(path(), json_body={"resolveAge": 5}).json["resolveAge"] == 5
    reply = api.put(path(), json_body={"resolveAge": ""})
    assert (reply.status, reply.json["resolveAge"]) == (200, 0)


def test_allowed_domains(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_allowed_domains."""
    load(scenario())
    value = ["foobar.com", "https://example.com"]
    reply = api.put(path(), json_body={"allowedDomains": value})
    assert (reply.status, reply.json["allowedDomains"]) == (200, value)
    reply = api.put(path(), json_body={"allowedDomains": ""})
    assert (reply.status, reply.json) == (
        400,
        {
            "allowedDomains": [
                "Empty value will block all requests, use * to accept from all domains"
            ]
        },
    )
    assert api.get(path()).json["allowedDomains"] == value
    reply = api.put(path(), json_body={"allowedDomains": ["*", ""]})
    assert (reply.status, reply.json["allowedDomains"]) == (200, ["*"])


def test_allowed_domains_refuse_ports(api: Api, load: Load) -> None:
    """Follows OriginField (no Sentry test): an origin with a port is refused, by index."""
    load(scenario())
    reply = api.put(path(), json_body={"allowedDomains": ["*", "http://localhost:8000"]})
    assert (reply.status, reply.json) == (
        400,
        {"allowedDomains": {"1": ["http://localhost:8000 is not an acceptable domain"]}},
    )


def test_safe_fields(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_safe_fields: Relay's PII selectors."""
    load(scenario())
    value = ["foobar", "extra.fields.**"]
    reply = api.put(path(), json_body={"safeFields": value})
    assert (reply.status, reply.json["safeFields"]) == (200, value)
    reply = api.put(path(), json_body={"safeFields": ["er ror", "double.**.wildcard.**"]})
    assert (reply.status, reply.json) == (
        400,
        {
            "safeFields": [
                'Invalid syntax near "er ror" (line 1),\nDeep wildcard used more than once (line 2)'
            ]
        },
    )
    assert api.get(path()).json["safeFields"] == value


def test_highlight_tags(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_highlight_tags."""
    load(scenario())
    reply = api.put(path(), json_body={})
    assert (reply.json["highlightTags"], reply.json["highlightPreset"]) == (
        FALLBACK_PRESET["tags"],
        FALLBACK_PRESET,
    )
    tags = ["bears", "beets", "battlestar_galactica", "blue bugs"]
    assert api.put(path(), json_body={"highlightTags": tags}).json["highlightTags"] == tags
    reply = api.put(path(), json_body={"highlightTags": []})
    assert (reply.json["highlightTags"], reply.json["highlightPreset"]) == ([], FALLBACK_PRESET)


def test_highlight_context(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_highlight_context: duplicates removed, and the field's
    checks."""
    load(scenario())
    reply = api.put(path(), json_body={})
    assert (reply.json["highlightContext"], reply.json["highlightPreset"]) == (
        FALLBACK_PRESET["context"],
        FALLBACK_PRESET,
    )
    keys = ["red", "robin", "blue", "jay", "red", "blue", "canadian goose"]
    for context_type in ("birdwords", "bird-words", "bird words"):
        reply = api.put(path(), json_body={"highlightContext": {context_type: keys}})
        assert reply.status == 200
        shown = reply.json["highlightContext"][context_type]
        assert sorted(shown) == sorted(set(keys))
        assert len(shown) == 5
        assert api.get(path()).json["highlightContext"] == {context_type: shown}
    reply = api.put(path(), json_body={"highlightContext": {}})
    assert (reply.json["highlightContext"], reply.json["highlightPreset"]) == ({}, FALLBACK_PRESET)
    for value, message in (
        (["bird-words", ["red", "blue"]], "Expected a dictionary."),
        ({"": ["empty", "context", "type"]}, "Key '' is invalid."),
        ({"! {} #$%$?": ["empty", "context", "type"]}, "Key '! {} #$%$?' is invalid."),
        ({"bird \n words": ["empty", "context", "type"]}, "Key 'bird \n words' is invalid."),
        (
            {"bird-words": ["invalid", 123, "integer"]},
            "Value for 'bird-words' must be a list of strings.",
        ),
    ):
        reply = api.put(path(), json_body={"highlightContext": value})
        assert (reply.status, reply.json) == (400, {"highlightContext": [message]})


def test_store_crash_reports(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_store_crash_reports, test_store_crash_reports_exceeded and
    test_store_crash_reports_inherit_organization_settings."""
    load(scenario())
    reply = api.put(path(), json_body={"storeCrashReports": 101})
    assert (reply.status, reply.json) == (
        400,
        {"storeCrashReports": ["Ensure this value is less than or equal to 100."]},
    )
    assert api.get(path()).json["storeCrashReports"] is None
    assert api.put(path(), json_body={"storeCrashReports": 10}).json["storeCrashReports"] == 10
    reply = api.put(path(), json_body={"storeCrashReports": None})
    assert (reply.status, reply.json["storeCrashReports"]) == (200, None)


def test_debug_files_role(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_debug_files_role and test_debug_files_role_invalid."""
    load(scenario())
    reply = api.put(path(), json_body={"debugFilesRole": "invalid_role"})
    assert (reply.status, reply.json) == (
        400,
        {"debugFilesRole": ['"invalid_role" is not a valid choice.']},
    )
    assert api.get(path()).json["debugFilesRole"] is None
    for value in ("admin", "member", None):
        reply = api.put(path(), json_body={"debugFilesRole": value})
        assert (reply.status, reply.json["debugFilesRole"]) == (200, value)


@pytest.mark.parametrize("key", ["filters:react-hydration-errors", "filters:chunk-load-error"])
def test_react_hydration_and_chunk_load_errors(api: Api, load: Load, key: str) -> None:
    """Sentry: ProjectUpdateTest.test_react_hydration_errors and test_chunk_load_error."""
    load(scenario())
    for value in (False, True):
        reply = api.put(path(), json_body={"options": {key: value}})
        assert (reply.status, reply.json["options"][key]) == (200, value)


def test_relay_pii_config(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_relay_pii_config."""
    load(scenario())
    value = '{"applications": {"freeform": []}}'
    reply = api.put(path(), json_body={"relayPiiConfig": value})
    assert (reply.status, reply.json["relayPiiConfig"]) == (200, value)


def test_sensitive_fields(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_sensitive_fields and test_sensitive_fields_too_long."""
    load(scenario())
    value = ["foobar.com", "https://example.com"]
    reply = api.put(path(), json_body={"sensitiveFields": value})
    assert (reply.status, reply.json["sensitiveFields"]) == (200, value)
    reply = api.put(path(), json_body={"sensitiveFields": 1000 * ["0123456789"] + ["1"]})
    assert (reply.status, reply.json) == (
        400,
        {"sensitiveFields": ["List of sensitive fields is too long."]},
    )


def test_digests_delay(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_digests_delay."""
    load(scenario())
    for body in (
        {"digestsMinDelay": 1000},
        {"digestsMaxDelay": 1200},
        {"digestsMinDelay": 300, "digestsMaxDelay": 600},
    ):
        reply = api.put(path(), json_body=body)
        assert reply.status == 200
        assert {key: reply.json[key] for key in body} == body


@pytest.mark.parametrize(
    "body", [{"digestsMinDelay": 1200}, {"digestsMinDelay": 3000}, {"digestsMaxDelay": 1200}]
)
def test_digests_min_without_max_and_max_without_min(
    api: Api, load: Load, body: dict[str, int]
) -> None:
    """Sentry: ProjectUpdateTest.test_digests_min_without_max and test_digests_max_without_min:
    with the other delay not stored, one alone is not compared with the other's default (3000
    is above the default maximum, 1800)."""
    load(scenario())
    reply = api.put(path(), json_body=body)
    assert reply.status == 200
    assert {key: reply.json[key] for key in body} == body


def test_invalid_digests_min_delay(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_invalid_digests_min_delay."""
    load(scenario(project(options={"digests:mail:minimum_delay": 120})))
    for value, message in (
        (59, "Ensure this value is greater than or equal to 60."),
        (3601, "Ensure this value is less than or equal to 3600."),
    ):
        reply = api.put(path(), json_body={"digestsMinDelay": value})
        assert (reply.status, reply.json) == (400, {"digestsMinDelay": [message]})
    assert api.get(path()).json["digestsMinDelay"] == 120


def test_invalid_digests_max_delay(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_invalid_digests_max_delay."""
    stored = {"digests:mail:minimum_delay": 120, "digests:mail:maximum_delay": 360}
    load(scenario(project(options=stored)))
    order = {"digestsMinDelay": ["The minimum delay on digests must be lower than the maximum."]}
    for body, errors in (
        (
            {"digestsMaxDelay": 59},
            {"digestsMaxDelay": ["Ensure this value is greater than or equal to 60."]},
        ),
        (
            {"digestsMaxDelay": 3601},
            {"digestsMaxDelay": ["Ensure this value is less than or equal to 3600."]},
        ),
        ({"digestsMaxDelay": 100}, order),
        ({"digestsMinDelay": 120, "digestsMaxDelay": 100}, order),
    ):
        reply = api.put(path(), json_body=body)
        assert (reply.status, reply.json) == (400, errors)
    body = api.get(path()).json
    assert (body["digestsMinDelay"], body["digestsMaxDelay"]) == (120, 360)


HONK: dict[str, Any] = {
    "id": "honk",
    "name": "honk source",
    "layout": {"type": "native"},
    "filters": {"filetypes": ["pe"]},
    "type": "http",
    "url": "http://honk.beep",
    "username": "honkhonk",
    "password": "beepbeep",
}
HIDDEN = {"hidden-secret": True}


def _sources(*sources: dict[str, Any]) -> str:
    return json.dumps(list(sources), separators=(",", ":"))


def test_redacted_symbol_source_secrets(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_redacted_symbol_source_secrets (custom symbol sources):
    a new source gets a new id, answers hide its secret, and the hidden marker sent back keeps
    the stored secret (the audit log part is not modelled)."""
    load(scenario(features=("custom-symbol-sources",)))
    reply = api.put(path(), json_body={"symbolSources": _sources(HONK)})
    assert reply.status == 200
    (shown,) = json.loads(reply.json["symbolSources"])
    assert shown["id"] != "honk"
    assert shown == {**HONK, "id": shown["id"], "password": HIDDEN}
    assert json.loads(api.get(path()).json["symbolSources"]) == [shown]
    reply = api.put(path(), json_body={"symbolSources": _sources(shown)})
    assert (reply.status, json.loads(reply.json["symbolSources"])) == (200, [shown])
    # The secret is still stored: the marker is still backed by a value.
    assert api.put(path(), json_body={"symbolSources": _sources(shown)}).status == 200


def test_redacted_symbol_source_secrets_unknown_secret(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_redacted_symbol_source_secrets_unknown_secret."""
    load(scenario(features=("custom-symbol-sources",)))
    shown = json.loads(
        api.put(path(), json_body={"symbolSources": _sources(HONK)}).json["symbolSources"]
    )
    unknown = {**shown[0], "id": "oops"}
    reply = api.put(path(), json_body={"symbolSources": _sources(unknown)})
    assert (reply.status, reply.json) == (
        400,
        {"symbolSources": ["Hidden symbol source secret is missing a value"]},
    )
    assert json.loads(api.get(path()).json["symbolSources"]) == shown


def test_symbol_sources_no_modification_and_deletion(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_symbol_sources_no_modification and
    test_symbol_sources_deletion: without the feature, the stored sources may be sent back
    unchanged or with some removed, not added."""
    bloop = {**HONK, "id": "bloop", "name": "bloop source"}
    load(scenario(project(options={"sentry:symbol_sources": _sources(HONK, bloop)})))
    reply = api.put(path(), json_body={"symbolSources": _sources(HONK, bloop)})
    assert reply.status == 200
    reply = api.put(path(), json_body={"symbolSources": _sources(HONK)})
    assert (reply.status, json.loads(reply.json["symbolSources"])) == (
        200,
        [{**HONK, "password": HIDDEN}],
    )
    added = {**HONK, "id": "new", "name": "new source"}
    reply = api.put(path(), json_body={"symbolSources": _sources(HONK, added)})
    assert (reply.status, reply.json) == (
        400,
        {"symbolSources": ["Organization is not allowed to set custom symbol sources"]},
    )


@pytest.mark.parametrize(
    ("features", "options", "rate", "message"),
    [
        ((), {}, 0.1, "Organization does not have the custom dynamic sample rate feature enabled."),
        (
            ("dynamic-sampling-custom",),
            {"sentry:sampling_mode": "organization"},
            0.1,
            "Must enable Manual Mode to configure project sample rates.",
        ),
        (
            ("dynamic-sampling-custom",),
            {"sentry:sampling_mode": "project"},
            2.0,
            "Ensure this value is less than or equal to 1.",
        ),
    ],
)
def test_target_sample_rate_refused(
    api: Api, load: Load, features: Any, options: Any, rate: float, message: str
) -> None:
    """Sentry: ProjectUpdateTest.test_target_sample_rate_without_feature,
    test_target_sample_rate_automatic_mode and test_target_sample_rate_invalid."""
    load(
        scenario(
            project(options={"sentry:target_sample_rate": 1.0}), features=features, options=options
        )
    )
    reply = api.put(path(), json_body={"targetSampleRate": rate})
    assert (reply.status, reply.json) == (400, {"targetSampleRate": [message]})
    assert api.get(path()).json["isDynamicallySampled"] is False


def test_target_sample_rate(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_target_sample_rate: stored, so the project is now
    dynamically sampled."""
    load(
        scenario(
            project(options={"sentry:target_sample_rate": 1.0}),
            features=("dynamic-sampling-custom",),
            options={"sentry:sampling_mode": "project"},
        )
    )
    reply = api.put(path(), json_body={"targetSampleRate": 0.1})
    assert (reply.status, reply.json["isDynamicallySampled"]) == (200, True)


def test_no_setting_grouping_configs(api: Api, load: Load) -> None:
    """Sentry: ProjectUpdateTest.test_no_setting_grouping_configs."""
    load(scenario())
    for field, value, message in (
        ("groupingConfig", "some config", "Grouping config cannot be manually set."),
        (
            "secondaryGroupingConfig",
            "another config",
            "Secondary grouping config cannot be manually set.",
        ),
        ("secondaryGroupingExpiry", 12311121, "Secondary grouping expiry cannot be manually set."),
    ):
        reply = api.put(path(), json_body={field: value})
        assert (reply.status, reply.json) == (400, {field: [message]})


# --- CopyProjectSettingsTest --------------------------------------------------------------------

OTHER_TEAMS = [
    {"id": "41", "slug": "team-1", "name": "Team 1"},
    {"id": "42", "slug": "team-2", "name": "Team 2"},
    {"id": "43", "slug": "team-3", "name": "Team 3"},
]
COPIED = {"sentry:resolve_age": 1, "sentry:scrub_data": False, "sentry:scrub_defaults": False}


def _copy_world(**others: Any) -> dict[str, Any]:
    """CopyProjectSettingsTest.setUp: another project with options, three teams and two
    environments (its ownership and rules are not modelled)."""
    mine = project(
        tags={
            "level": [
                {
                    "value": "error",
                    "count": 1,
                    "firstSeen": "2024-01-01T00:00:00Z",
                    "lastSeen": "2024-01-01T00:00:00Z",
                }
            ]
        }
    )
    other = project(
        "other",
        "22",
        options=COPIED,
        teams=OTHER_TEAMS,
        environments=["env-1", "env-2"],
    )
    return scenario(mine, other, **others)


def _settings(body: dict[str, Any]) -> tuple[Any, ...]:
    return (body["resolveAge"], body["dataScrubber"], body["dataScrubberDefaults"], body["teams"])


@pytest.mark.parametrize("extra", [{}, {"sentry:resolve_age": 2, "sentry:scrub_data": True}])
def test_copy_simple(api: Api, load: Load, extra: dict[str, Any]) -> None:
    """Sentry: CopyProjectSettingsTest.test_simple and test_additional_params_in_payload (other
    keys of the body do not change the copy): options, teams and environments copied; the other
    project unchanged."""
    load(_copy_world())
    values = path() + "tags/level/values/?environment=env-1"
    assert api.get(values).status == 404
    reply = api.put(path(), token=TEAM_WRITER, json_body={"copy_from_project": 22, **extra})
    assert reply.status == 200
    copied = (1, False, False, OTHER_TEAMS)
    assert _settings(reply.json) == copied
    assert reply.json["team"] == OTHER_TEAMS[0]
    assert _settings(api.get(path()).json) == copied
    assert api.get(values).status == 200
    assert _settings(api.get(path("other")).json) == copied


@pytest.mark.parametrize("source", [31, 1234567890])
def test_copy_from_a_missing_project(api: Api, load: Load, source: int) -> None:
    """Sentry: CopyProjectSettingsTest.test_project_from_another_org and
    test_project_does_not_exist."""
    elsewhere = {
        "id": "30",
        "slug": "elsewhere",
        "projects": [project("theirs", "31", options=COPIED)],
    }
    load(_copy_world(others=(elsewhere,)))
    reply = api.put(path(), token=TEAM_WRITER, json_body={"copy_from_project": source})
    assert (reply.status, reply.json) == (
        400,
        {"copy_from_project": ["Project to copy settings from not found."]},
    )
    assert _settings(api.get(path()).json) == (0, True, True, [TEAM])


def test_copy_from_a_project_with_a_team_the_token_cannot_write(api: Api, load: Load) -> None:
    """Sentry: CopyProjectSettingsTest.test_project_coping_from_has_team_user_lacks_write_access:
    a token without team:write may not copy a project that has teams."""
    load(_copy_world())
    reply = api.put(path(), token=ADMIN, json_body={"copy_from_project": 22})
    assert (reply.status, reply.json) == (
        400,
        {
            "copy_from_project": [
                "Project settings cannot be copied from a project with a team you do not have "
                "write access to."
            ]
        },
    )
    assert _settings(api.get(path()).json) == (0, True, True, [TEAM])
