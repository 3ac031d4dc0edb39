"""From project details back to Sentry's raw project options, where one key of the details
shows one option (:mod:`mockserver.sentry.project_options` reads them the other way).

A recording keeps a project's settings where Sentry keeps them, so that a client's update of the
served recording behaves as it would on Sentry (``allowedDomains`` and the legacy
``options["sentry:origins"]`` show alike). Only the keys whose answer differs from the mock's
default are written back; what cannot be written back this way (a computed key, a value of a
type the option does not take) is written as a ``fields`` override instead
(:mod:`mockserver.record.verify` decides, by comparing the answers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DETAIL_OPTIONS: Mapping[str, str] = {
    "digestsMinDelay": "digests:mail:minimum_delay",
    "digestsMaxDelay": "digests:mail:maximum_delay",
    "subjectPrefix": "mail:subject_prefix",
    "allowedDomains": "sentry:origins",
    "resolveAge": "sentry:resolve_age",
    "dataScrubber": "sentry:scrub_data",
    "dataScrubberDefaults": "sentry:scrub_defaults",
    "safeFields": "sentry:safe_fields",
    "storeCrashReports": "sentry:store_crash_reports",
    "sensitiveFields": "sentry:sensitive_fields",
    "subjectTemplate": "mail:subject_template",
    "securityToken": "sentry:token",
    "securityTokenHeader": "sentry:token_header",
    "verifySSL": "sentry:verify_ssl",
    "scrubIPAddresses": "sentry:scrub_ip_address",
    "scrapeJavaScript": "sentry:scrape_javascript",
    "enableAutoReleaseCreation": "sentry:enable_auto_release_creation",
    "highlightTags": "sentry:highlight_tags",
    "highlightContext": "sentry:highlight_context",
    "groupingConfig": "sentry:grouping_config",
    "groupingEnhancements": "sentry:grouping_enhancements",
    "derivedGroupingEnhancements": "sentry:derived_grouping_enhancements",
    "secondaryGroupingExpiry": "sentry:secondary_grouping_expiry",
    "secondaryGroupingConfig": "sentry:secondary_grouping_config",
    "fingerprintingRules": "sentry:fingerprinting_rules",
    "defaultEnvironment": "sentry:default_environment",
    "relayPiiConfig": "sentry:relay_pii_config",
    "builtinSymbolSources": "sentry:builtin_symbol_sources",
    "autofixAutomationTuning": "sentry:autofix_automation_tuning",
    "seerScannerAutomation": "sentry:seer_scanner_automation",
    "debugFilesRole": "sentry:debug_files_role",
    "scmSourceContextEnabled": "sentry:scm_source_context_enabled",
}
"""Keys of the project details that show one raw option as it is stored."""

LINE_OPTIONS: Mapping[str, str] = {
    "sentry:csp_ignored_sources": "sentry:csp_ignored_sources",
    "filters:blacklisted_ips": "sentry:blacklisted_ips",
    "filters:releases": "sentry:releases",
    "filters:error_messages": "sentry:error_messages",
    "filters:log_messages": "sentry:log_messages",
    "filters:trace_metric_names": "sentry:trace_metric_names",
    "sentry:toolbar_allowed_origins": "sentry:toolbar_allowed_origins",
}
"""Keys of the details' ``options`` that show a list option as lines."""

FLAG_OPTIONS = frozenset(
    {"filters:react-hydration-errors", "filters:chunk-load-error", "feedback:branding"}
)
"""Keys of the details' ``options`` that show an option stored as ``"1"`` or ``"0"``."""


def option_for(key: str, value: Any) -> tuple[str, Any] | None:
    """The raw option a key of the project details shows, with the value to store; ``None``
    when the key shows no single option."""
    option = DETAIL_OPTIONS.get(key)
    return None if option is None else (option, value)


def option_for_options_key(key: str, value: Any) -> tuple[str, Any]:
    """The raw option a key of the details' ``options`` shows, with the value to store."""
    if key in LINE_OPTIONS:
        lines = value.split("\n") if isinstance(value, str) and value else []
        return LINE_OPTIONS[key], lines
    if key in FLAG_OPTIONS and isinstance(value, bool):
        return key, "1" if value else "0"
    return key, value
