"""``PUT …/projects/{org}/{project}/``: Sentry's ``ProjectDetailsEndpoint.put``
(``src/sentry/core/endpoints/project_details.py``), without HTTP.

:func:`validate_update` checks a body as Sentry does (the serializer's fields, the dynamic
sampling gate, the member gate, the digests' order) and :func:`plan_update` turns what it
accepted into the changes Sentry makes: the project's slug, name and platform, the caller's
bookmark, and the project options each field writes (``allowedDomains`` to ``sentry:origins``,
...), including the legacy ``options`` dict (:mod:`mockserver.sentry.legacy_options`) and
``copy_from_project``.

Where Sentry applies part of an update and then answers an error (a feature-gated filter of the
``options`` dict), the mock answers the same error and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockserver.errors import ApiError
from mockserver.sentry import drf
from mockserver.sentry import dynamic_sampling
from mockserver.sentry import legacy_options
from mockserver.sentry.project_fields import ADMIN_FIELDS
from mockserver.sentry.project_fields import MEMBER_FIELDS
from mockserver.sentry.project_fields import MEMBER_VALIDATORS
from mockserver.sentry.project_fields import UpdateContext

DELETE: Any = legacy_options.DELETE
"""An option value that removes the option (``project.delete_option``)."""


@dataclass(slots=True)
class Update:
    """What a valid update changes.

    :ivar project: ``slug``, ``name`` and ``platform`` (applied only when truthy, as Sentry
        does) and ``isBookmarked``.
    :ivar options: project options to set, in Sentry's order; :data:`DELETE` removes one.
    :ivar copy_from: the id of the project whose settings are copied over the options.
    :ivar after_copy: the options Sentry writes after the copy.
    :ivar keep_biases: the answer shows the stored dynamic sampling biases even without the
        feature (Sentry's early answer when they were the only audited change).
    """

    project: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    copy_from: str | None = None
    after_copy: dict[str, Any] = field(default_factory=dict)
    keep_biases: bool = False


def validate_update(body: Any, ctx: UpdateContext, *, elevated: bool) -> dict[str, Any]:
    """The fields of a valid update, validated, in Sentry's order of checks.

    :param elevated: the token has ``project:write`` or ``project:admin`` (Sentry's
        ``ProjectAdminSerializer``; otherwise ``ProjectMemberSerializer``).
    :raises ApiError: 400 with DRF's field errors; 403 ``dynamicSamplingBiases is not a valid
        field`` for biases without the organization's dynamic sampling; 403 when a member sends
        an admin field with a truthy value its serializer does not accept.
    """
    try:
        data: Mapping[str, Any] = drf.serializer_data(body)
    except drf.FieldError as exc:
        raise ApiError.field_errors({drf.NON_FIELD_ERRORS: exc.detail}) from None
    validators = ADMIN_FIELDS if elevated else MEMBER_VALIDATORS
    result: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    # The fields sent, in the serializer's order (a body names a few of its 60 fields).
    for key in sorted(data.keys() & validators.keys(), key=_ORDER.__getitem__):
        check = validators[key]
        try:
            result[key] = check(data[key], ctx)
        except drf.FieldError as exc:
            errors[key] = exc.detail
    if not errors and elevated:
        _check_digests(result, ctx, errors)
    # Sentry reads the validated data (empty when invalid) before it answers the field errors.
    org = ctx.view.organization
    biases = result.get("dynamicSamplingBiases")
    if not errors and biases and not dynamic_sampling.has_dynamic_sampling(org):
        raise ApiError.detail(403, "dynamicSamplingBiases is not a valid field")
    if errors:
        raise ApiError.field_errors(errors)
    if not elevated:
        for key in ADMIN_FIELDS:
            if data.get(key) and not result.get(key):
                raise ApiError.permission_denied()
    return result


_ORDER = {key: index for index, key in enumerate(ADMIN_FIELDS)}
"""Each field's place in the serializers' declaration order (the member fields come first in
both)."""


def _check_digests(result: dict[str, Any], ctx: UpdateContext, errors: dict[str, Any]) -> None:
    """``ProjectAdminSerializer.validate``: each delay defaults to the stored option (none when
    unset, so that a lone minimum is never compared with the default maximum)."""
    options = ctx.view.options
    low = result.get("digestsMinDelay", options.get("digests:mail:minimum_delay"))
    high = result.get("digestsMaxDelay", options.get("digests:mail:maximum_delay"))
    if low is not None and high and low > high:
        errors["digestsMinDelay"] = ["The minimum delay on digests must be lower than the maximum."]


# Typed fields written to an option when their value is not None, in put()'s order; the audited
# ones are those Sentry records in the audit log (a change of any of them stops the dynamic
# sampling shortcut).
_NOT_NONE: tuple[tuple[str, str, bool], ...] = (
    ("subjectPrefix", "mail:subject_prefix", True),
    ("scrubIPAddresses", "sentry:scrub_ip_address", True),
    ("groupingEnhancements", "sentry:grouping_enhancements", True),
    ("fingerprintingRules", "sentry:fingerprinting_rules", True),
    ("securityToken", "sentry:token", True),
    ("securityTokenHeader", "sentry:token_header", True),
    ("verifySSL", "sentry:verify_ssl", True),
    ("dataScrubber", "sentry:scrub_data", True),
    ("dataScrubberDefaults", "sentry:scrub_defaults", True),
    ("sensitiveFields", "sentry:sensitive_fields", True),
    ("safeFields", "sentry:safe_fields", True),
    ("highlightContext", "sentry:highlight_context", True),
    ("highlightTags", "sentry:highlight_tags", True),
)
_LATE_NOT_NONE: tuple[tuple[str, str, bool], ...] = (
    ("scrapeJavaScript", "sentry:scrape_javascript", True),
    ("enableAutoReleaseCreation", "sentry:enable_auto_release_creation", True),
)
_SEER_NOT_NONE: tuple[tuple[str, str, bool], ...] = (
    ("autofixAutomationTuning", "sentry:autofix_automation_tuning", True),
    ("seerScannerAutomation", "sentry:seer_scanner_automation", True),
)
_PREPROD_NOT_NONE = (
    ("preprodSizeStatusChecksEnabled", "sentry:preprod_size_status_checks_enabled"),
    ("preprodSizeStatusChecksRules", "sentry:preprod_size_status_checks_rules"),
    ("preprodSizePrCommentsEnabled", "sentry:preprod_size_pr_comments_enabled"),
    ("preprodSizePrCommentsRules", "sentry:preprod_size_pr_comments_rules"),
)
_PREPROD_PRESENT = (
    ("preprodSizeEnabledByCustomer", "sentry:preprod_size_enabled_by_customer"),
    ("preprodSizeEnabledQuery", "sentry:preprod_size_enabled_query"),
    ("preprodDistributionEnabledByCustomer", "sentry:preprod_distribution_enabled_by_customer"),
    ("preprodDistributionEnabledQuery", "sentry:preprod_distribution_enabled_query"),
)
_PREPROD_SNAPSHOT_NOT_NONE = (
    ("preprodSnapshotStatusChecksEnabled", "sentry:preprod_snapshot_status_checks_enabled"),
    (
        "preprodSnapshotStatusChecksFailOnAdded",
        "sentry:preprod_snapshot_status_checks_fail_on_added",
    ),
    (
        "preprodSnapshotStatusChecksFailOnRemoved",
        "sentry:preprod_snapshot_status_checks_fail_on_removed",
    ),
    (
        "preprodSnapshotStatusChecksFailOnChanged",
        "sentry:preprod_snapshot_status_checks_fail_on_changed",
    ),
    (
        "preprodSnapshotStatusChecksFailOnRenamed",
        "sentry:preprod_snapshot_status_checks_fail_on_renamed",
    ),
)
_PREPROD_SNAPSHOT_PRESENT = (
    (
        "preprodDistributionPrCommentsEnabledByCustomer",
        "sentry:preprod_distribution_pr_comments_enabled_by_customer",
    ),
    ("preprodSnapshotPrCommentsEnabled", "sentry:preprod_snapshot_pr_comments_enabled"),
    ("preprodSnapshotPrCommentsPostOnAdded", "sentry:preprod_snapshot_pr_comments_post_on_added"),
    (
        "preprodSnapshotPrCommentsPostOnRemoved",
        "sentry:preprod_snapshot_pr_comments_post_on_removed",
    ),
    (
        "preprodSnapshotPrCommentsPostOnChanged",
        "sentry:preprod_snapshot_pr_comments_post_on_changed",
    ),
    (
        "preprodSnapshotPrCommentsPostOnRenamed",
        "sentry:preprod_snapshot_pr_comments_post_on_renamed",
    ),
)


class _Plan:
    """put()'s option writes, in order, with the keys Sentry would audit."""

    def __init__(self) -> None:
        self.update = Update()
        self.audited: set[str] = set()

    def write(self, option: str, value: Any, *, audited: bool = True) -> None:
        self.update.options[option] = value
        if audited:
            self.audited.add(option)

    def when_not_none(self, result: Mapping[str, Any], table: Any) -> None:
        for entry in table:
            key, option = entry[0], entry[1]
            if result.get(key) is not None:
                self.write(option, result[key])

    def when_present(self, result: Mapping[str, Any], table: Any) -> None:
        for key, option in table:
            if key in result:
                value = result[key]
                if key.endswith("Query") and value is not None:
                    value = str(value)
                self.write(option, value)


_PROJECT_ONLY = frozenset({"slug", "name", "platform", "isBookmarked"})


def plan_update(result: Mapping[str, Any], ctx: UpdateContext, *, elevated: bool) -> Update:
    """The changes of a validated update, as ``ProjectDetailsEndpoint.put`` makes them.

    :raises ApiError: from the legacy ``options`` dict (a feature-gated filter without the
        feature; a value Sentry cannot read).
    """
    plan = _Plan()
    project = plan.update.project
    for key in ("slug", "name", "platform"):
        if result.get(key):
            project[key] = result[key]
            plan.audited.add(key)
    if "isBookmarked" in result:
        project["isBookmarked"] = bool(result["isBookmarked"])
    if result.keys() <= _PROJECT_ONLY:
        # Nothing below reads these fields (the legacy options dict, empty, writes nothing):
        # the usual rename is spared put()'s sixty option checks.
        return plan.update
    for key, option in (
        ("digestsMinDelay", "digests:mail:minimum_delay"),
        ("digestsMaxDelay", "digests:mail:maximum_delay"),
    ):
        if result.get(key):
            plan.write(option, result[key], audited=False)
    if result.get("subjectTemplate"):
        plan.write("mail:subject_template", result["subjectTemplate"], audited=False)
    plan.when_not_none(result, _NOT_NONE)
    if "storeCrashReports" in result:
        value = result["storeCrashReports"]
        plan.write("sentry:store_crash_reports", DELETE if value is None else value)
    for key, option in (
        ("relayPiiConfig", "sentry:relay_pii_config"),
        ("builtinSymbolSources", "sentry:builtin_symbol_sources"),
        ("symbolSources", "sentry:symbol_sources"),
    ):
        if result.get(key) is not None:
            plan.write(option, result[key])
    if "defaultEnvironment" in result:
        value = result["defaultEnvironment"]
        plan.write("sentry:default_environment", DELETE if value is None else value, audited=False)
    if "resolveAge" in result:
        age = result["resolveAge"]
        plan.write("sentry:resolve_age", 0 if age is None else int(age))
    plan.when_not_none(result, _LATE_NOT_NONE)
    if result.get("allowedDomains"):
        plan.write("sentry:origins", result["allowedDomains"])
    for key, option in (
        ("tempestFetchScreenshots", "sentry:tempest_fetch_screenshots"),
        ("scmSourceContextEnabled", "sentry:scm_source_context_enabled"),
    ):
        if result.get(key) is not None:
            plan.write(option, result[key])
    if result.get("targetSampleRate") is not None:
        plan.write("sentry:target_sample_rate", round(result["targetSampleRate"], 4))
    if "dynamicSamplingBiases" in result:
        plan.write(
            "sentry:dynamic_sampling_biases",
            dynamic_sampling.user_biases(result["dynamicSamplingBiases"]),
        )
    plan.when_not_none(result, _SEER_NOT_NONE)
    if "seerNightshiftTweaks" in result:
        plan.write("sentry:seer_nightshift_tweaks", result["seerNightshiftTweaks"])
    plan.when_not_none(result, _PREPROD_NOT_NONE)
    plan.when_present(result, _PREPROD_PRESENT)
    plan.when_not_none(result, _PREPROD_SNAPSHOT_NOT_NONE)
    plan.when_present(result, _PREPROD_SNAPSHOT_PRESENT)
    if "debugFilesRole" in result:
        value = result["debugFilesRole"]
        plan.write("sentry:debug_files_role", DELETE if value is None else value)
    if elevated:
        _elevated(result, ctx, plan)
    return plan.update


def _elevated(result: Mapping[str, Any], ctx: UpdateContext, plan: _Plan) -> None:
    """The legacy ``options`` dict and ``copy_from_project``: elevated callers only."""
    options = result.get("options", {})
    view = ctx.view
    written = legacy_options.changes(options, view.project, view.organization)
    update = plan.update
    if legacy_options.UPTIME in written:
        update.after_copy[legacy_options.UPTIME] = written.pop(legacy_options.UPTIME)
    update.options.update(written)
    if "copy_from_project" in result:
        update.copy_from = result["copy_from_project"]
    if plan.audited == {"sentry:dynamic_sampling_biases"}:
        # Sentry answers at once when the biases were the only audited change: without the
        # feature, the stored biases then show (the usual answer forces null), and what it
        # reads after that point (uptime autodetection) is not applied.
        update.keep_biases = True
        update.after_copy.clear()


__all__ = ["ADMIN_FIELDS", "DELETE", "MEMBER_FIELDS", "Update", "plan_update", "validate_update"]
