"""A project's options, as Sentry's ``DetailedProjectSerializer`` turns them into project details.

Sentry keeps a project's settings as raw options (``ProjectOption``: ``sentry:origins``,
``filters:chunk-load-error``, ...); the serializer (``sentry/api/serializers/models/project.py``)
reads each with its default, and ``format_options`` shapes the ``options`` key. The mock keeps
the same raw options (the scenario's ``options``, then clients' updates) and reads them the same
way here, so that an update through a typed field (``allowedDomains``) and through the legacy
``options`` dict (``sentry:origins``) show alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from mockserver.sentry import symbol_sources

DEFAULT_SUBJECT_TEMPLATE = "$shortID - $title"
# Sentry's digests backend: minimum_delay and maximum_delay (5 and 30 minutes).
DIGESTS_MIN_DELAY = 300
DIGESTS_MAX_DELAY = 1800
# sentry/lang/native/utils.py: -1 is unlimited, at most 100 otherwise.
STORE_CRASH_REPORTS_ALL = -1
STORE_CRASH_REPORTS_MAX = 100

WELL_KNOWN_DEFAULTS: Mapping[str, Any] = {
    # sentry/projectoptions/defaults.py, for a project of the scenario's age (the builtin
    # symbol sources are the epoch's: nuget joined later).
    "sentry:grouping_config": "newstyle:2023-01-11",
    "sentry:grouping_enhancements": "",
    "sentry:derived_grouping_enhancements": "",
    "sentry:fingerprinting_rules": "",
    "sentry:secondary_grouping_expiry": 0,
    "sentry:secondary_grouping_config": None,
    "sentry:builtin_symbol_sources": ["ios", "microsoft", "android"],
    "sentry:replay_rage_click_issues": True,
    "sentry:replay_hydration_error_issues": True,
    "sentry:toolbar_allowed_origins": [],
    "sentry:feedback_user_report_notifications": True,
    "sentry:feedback_ai_spam_detection": True,
    "sentry:target_sample_rate": 1.0,
    "sentry:tempest_fetch_screenshots": False,
    "sentry:autofix_automation_tuning": "off",
    "sentry:seer_scanner_automation": True,
    "sentry:scm_source_context_enabled": False,
}
"""``projectoptions.get_well_known_default``: what ``get_value_with_default`` answers when the
option is not set (``None`` when it is not listed here)."""

# The preprod options the serializer reads with get_value_with_default: their registered
# defaults are not published, so the mock shows them only once a value is stored.
PREPROD_UNSET_HIDDEN = (
    "sentry:preprod_size_enabled_by_customer",
    "sentry:preprod_distribution_enabled_by_customer",
    "sentry:preprod_distribution_pr_comments_enabled_by_customer",
    "sentry:preprod_snapshot_pr_comments_enabled",
    "sentry:preprod_snapshot_pr_comments_post_on_added",
    "sentry:preprod_snapshot_pr_comments_post_on_removed",
    "sentry:preprod_snapshot_pr_comments_post_on_changed",
    "sentry:preprod_snapshot_pr_comments_post_on_renamed",
)


def with_default(options: Mapping[str, Any], key: str) -> Any:
    """Sentry's ``get_value_with_default``: the option, or its well-known default when unset
    or ``None``."""
    value = options.get(key)
    return WELL_KNOWN_DEFAULTS.get(key) if value is None else value


def crash_report_count(value: Any) -> int | None:
    """``convert_crashreport_count(value, allow_none=True)``: ``True`` is unlimited (-1),
    ``False`` none (0)."""
    if value is None:
        return None
    if value is True:
        return STORE_CRASH_REPORTS_ALL
    if value is False:
        return 0
    return int(value)


def security_token(project_id: str, options: Mapping[str, Any]) -> str:
    """``securityToken``: the ``sentry:token`` option, even blank; Sentry generates and keeps a
    random token on first read when it is unset (the mock derives a stable one)."""
    token = options.get("sentry:token")
    if token is not None:
        return str(token)
    return hashlib.sha256(f"security-token:{project_id}".encode()).hexdigest()[:32]


def settings_fields(project_id: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of the detailed project from ``options`` to ``enableAutoReleaseCreation``, the
    first that come from its options, in Sentry's order."""
    get = options.get
    return {
        "options": format_options(options),
        "digestsMinDelay": get("digests:mail:minimum_delay", DIGESTS_MIN_DELAY),
        "digestsMaxDelay": get("digests:mail:maximum_delay", DIGESTS_MAX_DELAY),
        "subjectPrefix": get("mail:subject_prefix", ""),
        "allowedDomains": get("sentry:origins", ["*"]),
        "resolveAge": int(get("sentry:resolve_age", 0)),
        "dataScrubber": bool(get("sentry:scrub_data", True)),
        "dataScrubberDefaults": bool(get("sentry:scrub_defaults", True)),
        "safeFields": get("sentry:safe_fields", []),
        "storeCrashReports": crash_report_count(get("sentry:store_crash_reports")),
        "sensitiveFields": get("sentry:sensitive_fields", []),
        "subjectTemplate": get("mail:subject_template") or DEFAULT_SUBJECT_TEMPLATE,
        "securityToken": security_token(project_id, options),
        "securityTokenHeader": get("sentry:token_header"),
        "verifySSL": bool(get("sentry:verify_ssl", False)),
        "scrubIPAddresses": bool(get("sentry:scrub_ip_address", False)),
        "scrapeJavaScript": bool(get("sentry:scrape_javascript", True)),
        "enableAutoReleaseCreation": bool(get("sentry:enable_auto_release_creation", True)),
    }


def highlight_fields(options: Mapping[str, Any], preset: Mapping[str, Any]) -> dict[str, Any]:
    """``highlightTags``, ``highlightContext`` and ``highlightPreset``, which follow
    :func:`settings_fields`.

    :param preset: the project's highlight preset (see :mod:`mockserver.sentry.highlights`).
    """
    get = options.get
    return {
        "highlightTags": get("sentry:highlight_tags", preset["tags"]),
        "highlightContext": get("sentry:highlight_context", preset["context"]),
        "highlightPreset": preset,
    }


def grouping_fields(options: Mapping[str, Any]) -> dict[str, Any]:
    """``groupingConfig`` to ``fingerprintingRules``, which follow :func:`highlight_fields`."""
    return {
        "groupingConfig": with_default(options, "sentry:grouping_config"),
        "groupingEnhancements": with_default(options, "sentry:grouping_enhancements"),
        "derivedGroupingEnhancements": with_default(
            options, "sentry:derived_grouping_enhancements"
        ),
        "secondaryGroupingExpiry": with_default(options, "sentry:secondary_grouping_expiry"),
        "secondaryGroupingConfig": with_default(options, "sentry:secondary_grouping_config"),
        "fingerprintingRules": with_default(options, "sentry:fingerprinting_rules"),
    }


def late_option_fields(options: Mapping[str, Any]) -> dict[str, Any]:
    """The option keys the serializer writes after ``organization`` and ``platforms``, up to
    ``dynamicSamplingBiases`` (:func:`stored_biases`) and ``symbolSources``."""
    return {
        "defaultEnvironment": options.get("sentry:default_environment"),
        "relayPiiConfig": options.get("sentry:relay_pii_config"),
        "builtinSymbolSources": with_default(options, "sentry:builtin_symbol_sources"),
    }


def stored_biases(options: Mapping[str, Any]) -> Any:
    """The stored dynamic sampling biases (``None`` when unset)."""
    return with_default(options, "sentry:dynamic_sampling_biases")


def symbol_sources_json(options: Mapping[str, Any]) -> Any:
    """``symbolSources``: the project's custom symbol sources, secrets redacted."""
    return symbol_sources.redacted_json(options.get("sentry:symbol_sources"))


def seer_fields(options: Mapping[str, Any]) -> dict[str, Any]:
    """``autofixAutomationTuning`` to ``scmSourceContextEnabled``, the serializer's last keys."""
    return {
        "autofixAutomationTuning": with_default(options, "sentry:autofix_automation_tuning"),
        "seerScannerAutomation": with_default(options, "sentry:seer_scanner_automation"),
        "seerNightshiftTweaks": with_default(options, "sentry:seer_nightshift_tweaks"),
        "debugFilesRole": options.get("sentry:debug_files_role"),
        "scmSourceContextEnabled": with_default(options, "sentry:scm_source_context_enabled"),
    }


def _lines(value: Any) -> str:
    return "\n".join(value or [])


def format_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``DetailedProjectSerializer.format_options``: the ``options`` key of project details."""
    get = options.get
    formatted: dict[str, Any] = {
        "sentry:csp_ignored_sources_defaults": bool(
            get("sentry:csp_ignored_sources_defaults", True)
        ),
        "sentry:csp_ignored_sources": _lines(get("sentry:csp_ignored_sources")),
        "filters:blacklisted_ips": _lines(get("sentry:blacklisted_ips")),
        # Stored as "1"/"0", once as a boolean by mistake: Sentry reads both.
        "filters:react-hydration-errors": get("filters:react-hydration-errors", "1") in ("1", True),
        "filters:chunk-load-error": get("filters:chunk-load-error", "1") == "1",
        "filters:releases": _lines(get("sentry:releases")),
        "filters:error_messages": _lines(get("sentry:error_messages")),
        "filters:log_messages": _lines(get("sentry:log_messages")),
        "filters:trace_metric_names": _lines(get("sentry:trace_metric_names")),
        "feedback:branding": get("feedback:branding", "1") == "1",
        "sentry:feedback_user_report_notifications": bool(
            with_default(options, "sentry:feedback_user_report_notifications")
        ),
        "sentry:feedback_ai_spam_detection": bool(
            with_default(options, "sentry:feedback_ai_spam_detection")
        ),
        "sentry:replay_rage_click_issues": with_default(options, "sentry:replay_rage_click_issues"),
        "sentry:replay_hydration_error_issues": with_default(
            options, "sentry:replay_hydration_error_issues"
        ),
        "sentry:toolbar_allowed_origins": _lines(
            with_default(options, "sentry:toolbar_allowed_origins")
        ),
        "sentry:relay_automatic_json_expansion": bool(
            with_default(options, "sentry:relay_automatic_json_expansion")
        ),
        "sentry:preprod_size_status_checks_enabled": get(
            "sentry:preprod_size_status_checks_enabled", True
        ),
        "sentry:preprod_size_status_checks_rules": get("sentry:preprod_size_status_checks_rules"),
        "sentry:preprod_size_pr_comments_enabled": get(
            "sentry:preprod_size_pr_comments_enabled", False
        ),
        "sentry:preprod_size_pr_comments_rules": get("sentry:preprod_size_pr_comments_rules"),
        "sentry:preprod_snapshot_status_checks_enabled": get(
            "sentry:preprod_snapshot_status_checks_enabled", True
        ),
        "sentry:preprod_snapshot_status_checks_fail_on_added": get(
            "sentry:preprod_snapshot_status_checks_fail_on_added", False
        ),
        "sentry:preprod_snapshot_status_checks_fail_on_removed": get(
            "sentry:preprod_snapshot_status_checks_fail_on_removed", True
        ),
        "sentry:preprod_snapshot_status_checks_fail_on_changed": get(
            "sentry:preprod_snapshot_status_checks_fail_on_changed", True
        ),
        "sentry:preprod_snapshot_status_checks_fail_on_renamed": get(
            "sentry:preprod_snapshot_status_checks_fail_on_renamed", False
        ),
        "quotas:spike-protection-disabled": get("quotas:spike-protection-disabled"),
        "sentry:preprod_size_enabled_query": get("sentry:preprod_size_enabled_query"),
        "sentry:preprod_distribution_enabled_query": get(
            "sentry:preprod_distribution_enabled_query"
        ),
    }
    formatted.update((key, options[key]) for key in PREPROD_UNSET_HIDDEN if key in options)
    return formatted


# The keys of project details each option shows in (the rest show in ``options``, or nowhere).
_SHOWN_IN: Mapping[str, tuple[str, ...]] = {
    "digests:mail:minimum_delay": ("digestsMinDelay",),
    "digests:mail:maximum_delay": ("digestsMaxDelay",),
    "mail:subject_prefix": ("subjectPrefix",),
    "sentry:origins": ("allowedDomains",),
    "sentry:resolve_age": ("resolveAge",),
    "sentry:scrub_data": ("dataScrubber",),
    "sentry:scrub_defaults": ("dataScrubberDefaults",),
    "sentry:safe_fields": ("safeFields",),
    "sentry:store_crash_reports": ("storeCrashReports",),
    "sentry:sensitive_fields": ("sensitiveFields",),
    "mail:subject_template": ("subjectTemplate",),
    "sentry:token": ("securityToken",),
    "sentry:token_header": ("securityTokenHeader",),
    "sentry:verify_ssl": ("verifySSL",),
    "sentry:scrub_ip_address": ("scrubIPAddresses",),
    "sentry:scrape_javascript": ("scrapeJavaScript",),
    "sentry:enable_auto_release_creation": ("enableAutoReleaseCreation",),
    "sentry:highlight_tags": ("highlightTags",),
    "sentry:highlight_context": ("highlightContext",),
    "sentry:grouping_config": ("groupingConfig",),
    "sentry:grouping_enhancements": ("groupingEnhancements",),
    "sentry:derived_grouping_enhancements": ("derivedGroupingEnhancements",),
    "sentry:secondary_grouping_expiry": ("secondaryGroupingExpiry",),
    "sentry:secondary_grouping_config": ("secondaryGroupingConfig",),
    "sentry:fingerprinting_rules": ("fingerprintingRules",),
    "sentry:default_environment": ("defaultEnvironment",),
    "sentry:relay_pii_config": ("relayPiiConfig",),
    "sentry:builtin_symbol_sources": ("builtinSymbolSources",),
    "sentry:dynamic_sampling_biases": ("dynamicSamplingBiases",),
    "sentry:symbol_sources": ("symbolSources",),
    "sentry:target_sample_rate": ("isDynamicallySampled",),
    "sentry:tempest_fetch_screenshots": ("tempestFetchScreenshots",),
    "sentry:autofix_automation_tuning": ("autofixAutomationTuning",),
    "sentry:seer_scanner_automation": ("seerScannerAutomation",),
    "sentry:seer_nightshift_tweaks": ("seerNightshiftTweaks",),
    "sentry:debug_files_role": ("debugFilesRole",),
    "sentry:scm_source_context_enabled": ("scmSourceContextEnabled",),
}


def shows(option: str) -> tuple[str, ...]:
    """The keys of project details that change with ``option``: a scenario ``fields`` override
    of them stops showing once a client changes the option."""
    return _SHOWN_IN.get(option, ("options",))
