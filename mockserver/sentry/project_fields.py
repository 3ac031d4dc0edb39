"""The fields of ``PUT …/projects/{org}/{project}/``, each validated as Sentry's serializer field.

Sentry's ``ProjectMemberSerializer`` and ``ProjectAdminSerializer``
(``sentry/core/endpoints/project_details.py``): each field's DRF checks, then its
``validate_<field>``, in the serializers' declaration order, which is the order of DRF's error
dict. :data:`MEMBER_FIELDS` are what a ``project:read`` token may change; :data:`ADMIN_FIELDS`
are every field, the member fields first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.schemas.formats import origin_error
from mockserver.schemas.piiselector import selector_error
from mockserver.sentry import drf
from mockserver.sentry import dynamic_sampling
from mockserver.sentry import symbol_sources
from mockserver.sentry.highlights import highlight_context
from mockserver.sentry.platforms import PLATFORMS
from mockserver.sentry.project_options import STORE_CRASH_REPORTS_MAX
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
AUTOFIX_TUNING = ("off", "super_low", "low", "medium", "high", "always")
# Sentry's organization roles (SENTRY_ROLES): debugFilesRole is one of them.
ROLES = ("member", "admin", "manager", "owner")
TOKEN = re.compile(r"^[-a-zA-Z0-9+/=\s]+$")
TOKEN_HEADER = re.compile(r"^[a-zA-Z0-9_\-]+$")
TEAM = re.compile(r"^[a-z0-9_\-]+$")
PATTERN_MESSAGE = "This value does not match the required pattern."
MAX_SENSITIVE_FIELD_CHARS = 4000
EMPTY_DOMAINS = "Empty value will block all requests, use * to accept from all domains"


@dataclass(frozen=True, slots=True)
class UpdateContext:
    """What the fields' checks read besides the value (the serializer's ``context``).

    :ivar scopes: the token's scopes (copying settings from a project with teams needs
        ``team:write``).
    :ivar check_sources: checks symbol sources against ``schemas/symbol-sources.json``.
    :ivar new_source_id: a fresh id for an added or changed symbol source.
    """

    view: ProjectView
    store: Store
    scopes: frozenset[str]
    check_sources: symbol_sources.Check
    new_source_id: Callable[[], str]


Field = Callable[[Any, UpdateContext], Any]


def _plain(check: Callable[[Any], Any]) -> Field:
    return lambda value, _ctx: check(value)


def _regex(pattern: re.Pattern[str], max_length: int, *, allow_blank: bool = False) -> Field:
    """``RegexField``: a CharField whose non-blank text must match ``pattern``."""

    def matches(text: str) -> str | None:
        return None if pattern.match(text) else PATTERN_MESSAGE

    def check(value: Any, _ctx: UpdateContext) -> Any:
        return drf.char(
            value, max_length=max_length, allow_blank=allow_blank, validators=(matches,)
        )

    return check


def _boolean(*, allow_null: bool = False) -> Field:
    def check(value: Any, _ctx: UpdateContext) -> Any:
        return None if value is None and allow_null else drf.boolean(value)

    return check


def _slug(value: Any, ctx: UpdateContext) -> Any:
    text = drf.char(value, max_length=100)
    if text is None or not SLUG.match(text):
        raise drf.FieldError(SLUG_MESSAGE)
    if text in RESERVED_SLUGS:
        raise drf.FieldError(f'The slug "{text}" is reserved and not allowed.')
    view = ctx.view
    other = ctx.store.slug_taken(view.organization, text, view.project.id)
    if other is not None:
        raise drf.FieldError(f"Another project ({other.name}) is already using that slug")
    return text


def _platform(value: Any, _ctx: UpdateContext) -> Any:
    text = drf.char(value, allow_blank=True, allow_null=True)
    # Project.is_valid_platform: none, "other", or a platform Sentry documents.
    if text and text != "other" and text not in PLATFORMS:
        raise drf.FieldError("Invalid platform")
    return text


def _highlight_context(value: Any, _ctx: UpdateContext) -> Any:
    return drf.prohibit_surrogates(highlight_context(value))


def _sensitive_fields(value: Any, _ctx: UpdateContext) -> Any:
    items = drf.string_list(value)
    if sum(len(item) for item in items) > MAX_SENSITIVE_FIELD_CHARS:
        raise drf.FieldError("List of sensitive fields is too long.")
    return items


def _safe_fields(value: Any, _ctx: UpdateContext) -> Any:
    """``validate_pii_selectors``: every selector Relay refuses, one message each."""
    items = drf.string_list(value)
    errors = [
        f"{message} (line {line})".capitalize()
        for line, item in enumerate(items, start=1)
        if (message := selector_error(item)) is not None
    ]
    if errors:
        raise drf.FieldError(",\n".join(errors))
    return items


def _symbol_sources(value: Any, ctx: UpdateContext) -> Any:
    """``validate_symbolSources``: hidden secrets given back, added or changed sources get a new
    id, and only the ``custom-symbol-sources`` feature may add or change one."""
    text = drf.char(value, allow_blank=True, allow_null=True)
    if not text:
        return text
    try:
        original = symbol_sources.parse(
            ctx.view.options.get("sentry:symbol_sources"), ctx.check_sources
        )
        sources = symbol_sources.backfill(text.strip(), original, ctx.check_sources)
    except symbol_sources.InvalidSources as exc:
        raise drf.FieldError(str(exc)) from None
    changed = [source for source in sources if source not in original]
    if not changed:
        return symbol_sources.dumps(sources) if sources else ""
    for source in changed:
        source["id"] = ctx.new_source_id()
    if symbol_sources.CUSTOM_SOURCES not in ctx.view.organization.features:
        raise drf.FieldError(symbol_sources.NOT_ALLOWED)
    return symbol_sources.dumps(sources)


def _refused(message: str) -> Field:
    """A field Sentry reads and then always refuses (the grouping configs)."""

    def check(value: Any, _ctx: UpdateContext) -> Any:
        drf.char(value, allow_blank=True, allow_null=True)
        raise drf.FieldError(message)

    return check


def _secondary_grouping_expiry(value: Any, _ctx: UpdateContext) -> Any:
    drf.integer(value, min_value=1, allow_null=True)
    raise drf.FieldError("Secondary grouping expiry cannot be manually set.")


def _origin(value: Any) -> Any:
    """``OriginField(allow_blank=True)``: blank, ``*``, or an origin without a port.

    Sentry's ``parse_uri_match`` fails (500) on a domain IDNA cannot encode; the mock refuses it
    as it refuses a port.
    """
    text = drf.char(value, allow_blank=True)
    if text and origin_error(text) is not None:
        raise drf.FieldError(f"{text} is not an acceptable domain")
    return text


def _allowed_domains(value: Any, _ctx: UpdateContext) -> Any:
    """``EmptyListField(child=OriginField)``, then ``validate_allowedDomains``: blank entries
    are dropped, and nothing left is refused (``""`` reads as an empty list)."""
    domains = [] if value == "" else drf.string_list(value, child=_origin)
    kept = [domain for domain in domains if domain]
    if not kept:
        raise drf.FieldError(EMPTY_DOMAINS)
    return kept


def _copy_from_project(value: Any, ctx: UpdateContext) -> Any:
    """``validate_copy_from_project``: a project of the same organization, whose teams the
    token may write to."""
    number = drf.integer(value)
    view = ctx.view
    other = next((p for p in view.organization.projects if p.id == str(number)), None)
    if other is None:
        raise drf.FieldError("Project to copy settings from not found.")
    if ctx.store.view(other.id).project.teams and "team:write" not in ctx.scopes:
        raise drf.FieldError(
            "Project settings cannot be copied from a project with a team you do not have "
            "write access to."
        )
    return other.id


def _target_sample_rate(value: Any, ctx: UpdateContext) -> Any:
    """``FloatField(0..1)``, then ``validate_targetSampleRate``: the custom dynamic sampling
    feature, then the organization's manual ("project") mode."""
    rate = drf.floating(value, min_value=0, max_value=1)
    org = ctx.view.organization
    if not dynamic_sampling.has_custom_dynamic_sampling(org):
        raise drf.FieldError(
            "Organization does not have the custom dynamic sample rate feature enabled."
        )
    if not dynamic_sampling.is_project_mode(org):
        raise drf.FieldError("Must enable Manual Mode to configure project sample rates.")
    return rate


def _tempest(value: Any, ctx: UpdateContext) -> Any:
    flag = drf.boolean(value)
    platforms = ctx.view.organization.options.get("sentry:enabled_console_platforms", [])
    if "playstation" not in platforms:
        raise drf.FieldError("Organization does not have the tempest feature enabled.")
    return flag


def _options(value: Any, _ctx: UpdateContext) -> Any:
    if not isinstance(value, dict):
        raise drf.FieldError(
            f'Expected a dictionary of items but got type "{drf.type_name(value)}".'
        )
    return drf.prohibit_surrogates(value)


def _debug_files_role(value: Any, _ctx: UpdateContext) -> Any:
    return None if value is None else drf.choice(value, ROLES)


def _char(**options: Any) -> Field:
    return _plain(lambda value: drf.char(value, **options))


_BOOLEAN = _boolean()
_NULLABLE_BOOLEAN = _boolean(allow_null=True)

MEMBER_VALIDATORS: Mapping[str, Field] = {
    "isBookmarked": _BOOLEAN,
    "autofixAutomationTuning": _plain(lambda v: drf.choice(v, AUTOFIX_TUNING)),
    "seerScannerAutomation": _BOOLEAN,
    "seerNightshiftTweaks": _plain(lambda v: drf.json_value(v, allow_null=True)),
    "preprodSizeStatusChecksEnabled": _BOOLEAN,
    "preprodSizeStatusChecksRules": _plain(drf.json_value),
    "preprodSizePrCommentsEnabled": _BOOLEAN,
    "preprodSizePrCommentsRules": _plain(drf.json_value),
    "preprodSnapshotStatusChecksEnabled": _BOOLEAN,
    "preprodSnapshotStatusChecksFailOnAdded": _BOOLEAN,
    "preprodSnapshotStatusChecksFailOnRemoved": _BOOLEAN,
    "preprodSnapshotStatusChecksFailOnChanged": _BOOLEAN,
    "preprodSnapshotStatusChecksFailOnRenamed": _BOOLEAN,
    "preprodSizeEnabledByCustomer": _NULLABLE_BOOLEAN,
    "preprodDistributionEnabledByCustomer": _NULLABLE_BOOLEAN,
    "preprodDistributionPrCommentsEnabledByCustomer": _NULLABLE_BOOLEAN,
    "preprodSnapshotPrCommentsEnabled": _NULLABLE_BOOLEAN,
    "preprodSnapshotPrCommentsPostOnAdded": _NULLABLE_BOOLEAN,
    "preprodSnapshotPrCommentsPostOnRemoved": _NULLABLE_BOOLEAN,
    "preprodSnapshotPrCommentsPostOnChanged": _NULLABLE_BOOLEAN,
    "preprodSnapshotPrCommentsPostOnRenamed": _NULLABLE_BOOLEAN,
    "preprodSizeEnabledQuery": _char(allow_null=True),
    "preprodDistributionEnabledQuery": _char(allow_null=True),
}
MEMBER_FIELDS = tuple(MEMBER_VALIDATORS)

ADMIN_FIELDS: Mapping[str, Field] = {
    **MEMBER_VALIDATORS,
    "name": _char(max_length=200),
    "slug": _slug,
    "platform": _platform,
    "subjectPrefix": _char(max_length=200, allow_blank=True),
    "subjectTemplate": _char(max_length=200),
    "resolveAge": _plain(lambda v: drf.integer(v, allow_null=True)),
    "highlightContext": _highlight_context,
    "highlightTags": _plain(drf.string_list),
    # An older serializer's field (the project's team), still checked; never applied.
    "team": _regex(TEAM, 50),
    "digestsMinDelay": _plain(lambda v: drf.integer(v, min_value=60, max_value=3600)),
    "digestsMaxDelay": _plain(lambda v: drf.integer(v, min_value=60, max_value=3600)),
    "securityToken": _regex(TOKEN, 255, allow_blank=True),
    "securityTokenHeader": _regex(TOKEN_HEADER, 64, allow_blank=True),
    "verifySSL": _BOOLEAN,
    "defaultEnvironment": _char(allow_null=True, allow_blank=True),
    "dataScrubber": _BOOLEAN,
    "dataScrubberDefaults": _BOOLEAN,
    "sensitiveFields": _sensitive_fields,
    "safeFields": _safe_fields,
    "storeCrashReports": _plain(
        lambda v: drf.integer(v, min_value=-1, max_value=STORE_CRASH_REPORTS_MAX, allow_null=True)
    ),
    "relayPiiConfig": _char(allow_null=True, allow_blank=True),
    "builtinSymbolSources": _plain(drf.string_list),
    "symbolSources": _symbol_sources,
    "scrubIPAddresses": _BOOLEAN,
    "groupingConfig": _refused("Grouping config cannot be manually set."),
    "groupingEnhancements": _char(allow_null=True, allow_blank=True),
    "fingerprintingRules": _char(allow_null=True, allow_blank=True),
    "secondaryGroupingConfig": _refused("Secondary grouping config cannot be manually set."),
    "secondaryGroupingExpiry": _secondary_grouping_expiry,
    "scrapeJavaScript": _BOOLEAN,
    "enableAutoReleaseCreation": _BOOLEAN,
    "allowedDomains": _allowed_domains,
    "copy_from_project": _copy_from_project,
    "targetSampleRate": _target_sample_rate,
    "dynamicSamplingBiases": _plain(dynamic_sampling.biases),
    "tempestFetchScreenshots": _tempest,
    "scmSourceContextEnabled": _BOOLEAN,
    "options": _options,
    "debugFilesRole": _debug_files_role,
}
"""Every field of ``ProjectAdminSerializer``, in its declaration order."""
