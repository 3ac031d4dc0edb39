"""The legacy ``options`` dict of a project update: raw option keys, written as Sentry writes them.

``ProjectDetailsEndpoint.put`` (``sentry/core/endpoints/project_details.py``) reads a fixed set
of keys from ``options`` (other keys are ignored), converts each and stores the project option:
newline-separated text becomes a list of its non-blank lines (``clean_newline_inputs``, lowered
except for the error-message, log-message and trace-metric filters), flags become ``"1"``/``"0"``.
The custom inbound filters need the project's ``custom-inbound-filters`` feature (and, for log
messages and trace metrics, the organization's ``ourlogs-ingestion`` and
``tracemetrics-ingestion``): without it Sentry answers 400 ``You do not have that feature
enabled``.

Sentry reads each value with ``str.split``, ``int()`` or a list comprehension, and answers 500
when the value has another type; the mock answers 400 in DRF's shape for a dict field's entry
(``{"options": {"<key>": ["<message>"]}}``) and changes nothing. The text options
(``mail:subject_prefix``, ...) Sentry stores whatever their type; the mock takes text only, so
that the answer keeps its documented types.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from mockserver.errors import ApiError
from mockserver.sentry.project_options import crash_report_count
from mockserver.world.model import Organization
from mockserver.world.model import Project
from mockserver.world.store import UNSET

DELETE: Any = UNSET
"""An option value that removes the option."""
UPTIME = "sentry:uptime_autodetection"
FEATURE_MISSING = "You do not have that feature enabled"
CUSTOM_FILTERS = "custom-inbound-filters"


class _Unreadable(Exception):
    """A value of the wrong type: Sentry crashes on it."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Unreadable("Not a valid string.")
    return value


def clean_lines(value: Any, *, lower: bool = True) -> list[str]:
    """``clean_newline_inputs``: the non-blank lines, stripped (and lowered)."""
    lines = (line.lower() if lower else line for line in _text(value).split("\n"))
    return [line.strip() for line in lines if line.strip()]


def _integer(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise _Unreadable("A valid integer is required.") from None


def _crash_reports(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return crash_report_count(value)
    return _integer(value)


def _fields(value: Any) -> list[str]:
    """``[s.strip().lower() for s in value]``: a list (a string is read letter by letter)."""
    try:
        return [item.strip().lower() for item in value]
    except (TypeError, AttributeError):
        raise _Unreadable(
            f'Expected a list of items but got type "{type(value).__name__}".'
        ) from None


def _flag(value: Any) -> str:
    return "1" if value else "0"


def _lines(value: Any) -> list[str]:
    return clean_lines(value)


def _cased_lines(value: Any) -> list[str]:
    return clean_lines(value, lower=False)


def _relay_pii(value: Any) -> str | None:
    return _text(value).strip() or None


def _optional_text(value: Any) -> str | None:
    """Stored as given by Sentry; the mock keeps the text options text (or null), so that the
    answer keeps its documented type."""
    return None if value is None else _text(value)


# (key read, option written, conversion, features needed), in Sentry's order. A feature is a
# project feature, or "organizations:<name>" for an organization's.
_OPTIONS: tuple[tuple[str, str, Callable[[Any], Any], tuple[str, ...]], ...] = (
    ("sentry:origins", "sentry:origins", _lines, ()),
    ("sentry:resolve_age", "sentry:resolve_age", _integer, ()),
    ("sentry:scrub_data", "sentry:scrub_data", bool, ()),
    ("sentry:scrub_defaults", "sentry:scrub_defaults", bool, ()),
    ("sentry:safe_fields", "sentry:safe_fields", _fields, ()),
    ("sentry:store_crash_reports", "sentry:store_crash_reports", _crash_reports, ()),
    ("sentry:relay_pii_config", "sentry:relay_pii_config", _relay_pii, ()),
    ("sentry:sensitive_fields", "sentry:sensitive_fields", _fields, ()),
    ("sentry:scrub_ip_address", "sentry:scrub_ip_address", bool, ()),
    ("sentry:grouping_config", "sentry:grouping_config", _optional_text, ()),
    ("sentry:fingerprinting_rules", "sentry:fingerprinting_rules", _optional_text, ()),
    ("mail:subject_prefix", "mail:subject_prefix", _text, ()),
    ("sentry:default_environment", "sentry:default_environment", _optional_text, ()),
    ("sentry:csp_ignored_sources_defaults", "sentry:csp_ignored_sources_defaults", bool, ()),
    ("sentry:csp_ignored_sources", "sentry:csp_ignored_sources", _lines, ()),
    ("sentry:blacklisted_ips", "sentry:blacklisted_ips", _lines, ()),
    ("feedback:branding", "feedback:branding", _flag, ()),
    ("sentry:replay_rage_click_issues", "sentry:replay_rage_click_issues", bool, ()),
    ("sentry:replay_hydration_error_issues", "sentry:replay_hydration_error_issues", bool, ()),
    (
        "sentry:feedback_user_report_notifications",
        "sentry:feedback_user_report_notifications",
        bool,
        (),
    ),
    ("sentry:feedback_ai_spam_detection", "sentry:feedback_ai_spam_detection", bool, ()),
    ("sentry:toolbar_allowed_origins", "sentry:toolbar_allowed_origins", _lines, ()),
    (
        "sentry:relay_automatic_json_expansion",
        "sentry:relay_automatic_json_expansion",
        bool,
        (),
    ),
    ("filters:react-hydration-errors", "filters:react-hydration-errors", _flag, ()),
    ("filters:chunk-load-error", "filters:chunk-load-error", _flag, ()),
    ("filters:blacklisted_ips", "sentry:blacklisted_ips", _lines, ()),
    ("filters:releases", "sentry:releases", _lines, (CUSTOM_FILTERS,)),
    ("filters:error_messages", "sentry:error_messages", _cased_lines, (CUSTOM_FILTERS,)),
    (
        "filters:log_messages",
        "sentry:log_messages",
        _cased_lines,
        (CUSTOM_FILTERS, "organizations:ourlogs-ingestion"),
    ),
    (
        "filters:trace_metric_names",
        "sentry:trace_metric_names",
        _cased_lines,
        (CUSTOM_FILTERS, "organizations:tracemetrics-ingestion"),
    ),
)
KEYS = (*(entry[0] for entry in _OPTIONS), UPTIME)
"""The keys of ``options`` Sentry reads."""


def _has(feature: str, project: Project, org: Organization) -> bool:
    if feature.startswith("organizations:"):
        return feature.removeprefix("organizations:") in org.features
    return feature in project.features


def changes(options: Mapping[str, Any], project: Project, org: Organization) -> dict[str, Any]:
    """The project options the ``options`` dict writes, in Sentry's order (``UPTIME``, which
    Sentry writes after copying another project's settings, included).

    :raises ApiError: 400 ``{"detail": "You do not have that feature enabled"}`` for a gated
        filter without its features; 400 ``{"options": {key: [message]}}`` for a value of a type
        Sentry cannot read.
    """
    written: dict[str, Any] = {}
    for key, option, convert, features in _OPTIONS:
        if key not in options:
            continue
        if not all(_has(feature, project, org) for feature in features):
            raise ApiError.detail(400, FEATURE_MISSING)
        try:
            written[option] = convert(options[key])
        except _Unreadable as exc:
            raise ApiError.field_errors({"options": {key: [exc.message]}}) from None
    if UPTIME in options:
        written[UPTIME] = bool(options[UPTIME])
    return written
