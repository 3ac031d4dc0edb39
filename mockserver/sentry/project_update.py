"""Validation of ``PUT …/projects/{org}/{project}/`` bodies, as Sentry's ``ProjectAdminSerializer``
and ``ProjectMemberSerializer`` do it (``src/sentry/core/endpoints/project_details.py``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from mockserver.errors import ApiError
from mockserver.sentry import drf
from mockserver.sentry.platforms import PLATFORMS
from mockserver.world.store import ProjectView
from mockserver.world.store import Store

SLUG = re.compile(r"^(?![0-9]+$)[a-z0-9_\-]+$")
SLUG_MESSAGE = (
    "Enter a valid slug consisting of lowercase letters, numbers, underscores or hyphens. "
    "It cannot be entirely numeric."
)
# Sentry's RESERVED_PROJECT_SLUGS (sentry/constants.py).
RESERVED_SLUGS = frozenset(
    {
        "api-keys",
        "audit-log",
        "auth",
        "members",
        "projects",
        "rate-limits",
        "repos",
        "settings",
        "teams",
        "billing",
        "payments",
        "legal",
        "subscription",
        "support",
        "integrations",
        "developer-settings",
        "usage",
    }
)
MEMBER_FIELDS = ("isBookmarked", "autofixAutomationTuning", "seerScannerAutomation")
AUTOFIX_TUNING = ("off", "super_low", "low", "medium", "high", "always")
GROUPING_FIELDS = ("groupingConfig", "secondaryGroupingConfig", "secondaryGroupingExpiry")
TOKEN = re.compile(r"^[-a-zA-Z0-9+/=\s]+$")
TOKEN_HEADER = re.compile(r"^[a-zA-Z0-9_\-]+$")
PATTERN_MESSAGE = "This value does not match the required pattern."

Validator = Callable[[Any], Any]


def _regex(pattern: re.Pattern[str], max_length: int) -> Validator:
    def matches(text: str) -> str | None:
        return None if pattern.match(text) else PATTERN_MESSAGE

    def check(value: Any) -> Any:
        return drf.char(value, max_length=max_length, validators=(matches,))

    return check


def _platform(value: Any) -> Any:
    text = drf.char(value, allow_blank=True, allow_null=True)
    if text and text not in PLATFORMS:
        raise drf.FieldError("Invalid platform")
    return text


def _slug(value: Any) -> Any:
    text = drf.char(value, max_length=100)
    if text is None or not SLUG.match(text):
        raise drf.FieldError(SLUG_MESSAGE)
    if text in RESERVED_SLUGS:
        raise drf.FieldError(f'The slug "{text}" is reserved and not allowed.')
    return text


def _allowed_domains(value: Any) -> Any:
    domains = drf.string_list(value)
    if not domains:
        raise drf.FieldError(
            "Empty value will block all requests, use * to accept from all domains"
        )
    return domains


def _fields_list(value: Any) -> Any:
    items = drf.string_list(value)
    if sum(len(item) for item in items) > 4000:
        raise drf.FieldError("List of sensitive fields is too long.")
    return items


def _grouping(_value: Any) -> Any:
    raise drf.FieldError("Grouping config cannot be manually set.")


def _object(value: Any) -> Any:
    if not isinstance(value, dict):
        raise drf.FieldError(
            f'Expected a dictionary of items but got type "{drf.type_name(value)}".'
        )
    return drf.prohibit_surrogates(value)


def _any(value: Any) -> Any:
    return drf.prohibit_surrogates(value)


# Field order is the serializer's declaration order: DRF reports errors in that order.
ADMIN_FIELDS: dict[str, Validator] = {
    "isBookmarked": drf.boolean,
    "name": lambda v: drf.char(v, max_length=200),
    "slug": _slug,
    "platform": _platform,
    "subjectPrefix": lambda v: drf.char(v, max_length=200, allow_blank=True),
    "subjectTemplate": lambda v: drf.char(v, max_length=200),
    "resolveAge": lambda v: drf.integer(v, allow_null=True),
    "highlightContext": _object,
    "highlightTags": drf.string_list,
    "team": _regex(re.compile(r"^[a-z0-9_\-]+$"), 50),
    "digestsMinDelay": lambda v: drf.integer(v, min_value=60, max_value=3600),
    "digestsMaxDelay": lambda v: drf.integer(v, min_value=60, max_value=3600),
    "securityToken": _regex(TOKEN, 255),
    "securityTokenHeader": _regex(TOKEN_HEADER, 20),
    "verifySSL": drf.boolean,
    "defaultEnvironment": lambda v: drf.char(v, allow_null=True, allow_blank=True),
    "dataScrubber": drf.boolean,
    "dataScrubberDefaults": drf.boolean,
    "sensitiveFields": _fields_list,
    "safeFields": _fields_list,
    "storeCrashReports": lambda v: drf.integer(v, min_value=-1, allow_null=True),
    "relayPiiConfig": lambda v: drf.char(v, allow_null=True, allow_blank=True),
    "builtinSymbolSources": drf.string_list,
    "symbolSources": lambda v: drf.char(v, allow_null=True, allow_blank=True),
    "scrubIPAddresses": drf.boolean,
    "groupingConfig": _grouping,
    "secondaryGroupingConfig": _grouping,
    "secondaryGroupingExpiry": _grouping,
    "groupingEnhancements": lambda v: drf.char(v, allow_blank=True),
    "fingerprintingRules": lambda v: drf.char(v, allow_blank=True),
    "scrapeJavaScript": drf.boolean,
    "allowedDomains": _allowed_domains,
    "enableAutoReleaseCreation": drf.boolean,
    "scmSourceContextEnabled": drf.boolean,
    "tempestFetchScreenshots": drf.boolean,
    "debugFilesRole": lambda v: drf.char(v, allow_null=True, allow_blank=True),
    "autofixAutomationTuning": lambda v: drf.choice(v, AUTOFIX_TUNING),
    "seerScannerAutomation": drf.boolean,
    "options": _object,
    "dynamicSamplingBiases": _any,
}
MEMBER_VALIDATORS = {name: ADMIN_FIELDS[name] for name in MEMBER_FIELDS}


def validate_update(
    body: Any, view: ProjectView, store: Store, *, elevated: bool
) -> dict[str, Any]:
    """Validate a partial update and return the changes to apply.

    :param elevated: the token has ``project:write`` or ``project:admin``.
    :raises ApiError: 403 when a non-elevated caller sends an admin field with a truthy value,
        or ``dynamicSamplingBiases`` without the feature; 400 with DRF field errors.
    """
    try:
        data: Mapping[str, Any] = drf.serializer_data(body)
    except drf.FieldError as exc:
        raise ApiError.field_errors({drf.NON_FIELD_ERRORS: exc.detail}) from None
    if not elevated:
        for key in ADMIN_FIELDS:
            if key not in MEMBER_FIELDS and data.get(key):
                raise ApiError.permission_denied()
    if "dynamicSamplingBiases" in data and "dynamic-sampling" not in view.organization.features:
        raise ApiError.detail(403, "dynamicSamplingBiases is not a valid field")
    validators = ADMIN_FIELDS if elevated else MEMBER_VALIDATORS
    changes: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for key, check in validators.items():
        if key not in data:
            continue
        try:
            changes[key] = check(data[key])
        except drf.FieldError as exc:
            errors[key] = exc.detail
    if "slug" in changes and "slug" not in errors:
        other = store.slug_taken(view.organization, changes["slug"], view.project.id)
        if other is not None:
            errors["slug"] = [f"Another project ({other.name}) is already using that slug"]
    if not errors:
        _check_digests(changes, view, errors)
    if errors:
        raise ApiError.field_errors(errors)
    # Sentry applies name, slug and platform only when truthy (§1.2).
    for key in ("name", "slug", "platform"):
        if key in changes and not changes[key]:
            del changes[key]
    if changes.get("resolveAge", 0) is None:
        changes["resolveAge"] = 0
    if "symbolSources" in changes and not changes["symbolSources"]:
        # A blank or null value stores no sources, which Sentry serializes as an empty list.
        changes["symbolSources"] = "[]"
    # Validated, then not applied: a project's team is managed by the team endpoints, and the
    # legacy raw options are not modelled (storing either as a field would corrupt the answer).
    for key in ("team", "options"):
        changes.pop(key, None)
    return changes


def _check_digests(changes: dict[str, Any], view: ProjectView, errors: dict[str, Any]) -> None:
    current = view.fields
    low = changes.get("digestsMinDelay", current.get("digestsMinDelay", 300))
    high = changes.get("digestsMaxDelay", current.get("digestsMaxDelay", 1800))
    if low is not None and high is not None and low > high:
        errors["digestsMinDelay"] = ["The minimum delay on digests must be lower than the maximum."]
