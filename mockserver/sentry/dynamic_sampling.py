"""Dynamic sampling on project details: the biases, the target sample rate, and whether the
project is dynamically sampled.

From Sentry's ``sentry/dynamic_sampling`` (``DEFAULT_BIASES``, ``get_user_biases``,
``has_dynamic_sampling``, ``has_custom_dynamic_sampling``, ``is_project_mode_sampling``),
``ProjectDetailsEndpoint`` (``DynamicSamplingBiasSerializer``, ``validate_targetSampleRate``)
and ``DetailedProjectSerializer`` (``isDynamicallySampled``). The organization's features are
its scenario ``features`` (``dynamic-sampling``, ``dynamic-sampling-custom``) and its options the
scenario's ``options`` (``sentry:sampling_mode``, ``sentry:target_sample_rate``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.sentry import drf
from mockserver.world.model import Organization

DYNAMIC_SAMPLING = "dynamic-sampling"
CUSTOM_DYNAMIC_SAMPLING = "dynamic-sampling-custom"
PROJECT_MODE = "project"
DEFAULT_MODE = "organization"
DEFAULT_BIASES: tuple[tuple[str, bool], ...] = (
    ("boostEnvironments", True),
    ("boostLatestRelease", True),
    ("ignoreHealthChecks", True),
    ("boostKeyTransactions", True),
    ("boostLowVolumeTransactions", True),
    ("boostReplayId", True),
    ("recalibrationRule", True),
    ("minimumSampleRate", False),
)
BIAS_IDS = tuple(sorted(bias_id for bias_id, _ in DEFAULT_BIASES))
ONLY_ID_AND_ACTIVE = "Error: Only 'id' and 'active' fields are allowed for bias."


def has_dynamic_sampling(org: Organization) -> bool:
    """The organization has dynamic sampling (``organizations:dynamic-sampling``)."""
    return DYNAMIC_SAMPLING in org.features


def has_custom_dynamic_sampling(org: Organization) -> bool:
    """The organization sets its own rates (``organizations:dynamic-sampling-custom``)."""
    return CUSTOM_DYNAMIC_SAMPLING in org.features


def is_project_mode(org: Organization) -> bool:
    """Custom dynamic sampling in manual ("project") mode: projects set their own rates."""
    mode = org.options.get("sentry:sampling_mode", DEFAULT_MODE)
    return has_custom_dynamic_sampling(org) and mode == PROJECT_MODE


def user_biases(stored: Any) -> list[dict[str, Any]]:
    """Sentry's ``get_user_biases``: every default bias, in order, with the project's own setting
    where it has one (``None``: the defaults)."""
    chosen = {}
    if isinstance(stored, list):
        chosen = {b["id"]: b for b in stored if isinstance(b, dict) and "id" in b}
    return [
        {"id": b["id"], "active": b["active"]}
        if (b := chosen.get(bias_id))
        else {
            "id": bias_id,
            "active": active,
        }
        for bias_id, active in DEFAULT_BIASES
    ]


def is_dynamically_sampled(org: Organization, options: Mapping[str, Any]) -> bool:
    """``isDynamicallySampled``: a sample rate is known and below 1.

    With custom dynamic sampling, the project's rate (manual mode) or the organization's; with
    plain dynamic sampling, Sentry asks its quota backend for a blended rate, which the mock does
    not have (so ``False``).
    """
    if not has_custom_dynamic_sampling(org):
        return False
    if is_project_mode(org):
        rate = options.get("sentry:target_sample_rate", 1.0)
    else:
        rate = org.options.get("sentry:target_sample_rate", 1.0)
    return rate is not None and rate < 1.0


def biases(value: Any) -> list[dict[str, Any]]:
    """``DynamicSamplingBiasSerializer(many=True)`` under the view's ``partial=True``.

    Each item: ``id`` a choice of the bias ids, ``active`` a boolean; neither is required (the
    update is partial), but an item must end up with exactly both (Sentry's ``validate``).

    :raises FieldError: DRF's list errors: one entry per item (``{}`` for a good one), or
        ``non_field_errors`` for a value that is not a list.
    """
    if value is None:
        raise drf.FieldError(drf.NOT_NULL)
    if not isinstance(value, list):
        raise drf.FieldError(
            {
                drf.NON_FIELD_ERRORS: [
                    f'Expected a list of items but got type "{drf.type_name(value)}".'
                ]
            }
        )
    cleaned: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in value:
        bias, error = _bias(item)
        errors.append(error)
        if bias is not None:
            cleaned.append(bias)
    if any(errors):
        raise drf.FieldError(errors)
    return cleaned


def _bias(item: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    if not isinstance(item, dict):
        message = f"Invalid data. Expected a dictionary, but got {drf.type_name(item)}."
        return None, {drf.NON_FIELD_ERRORS: [message]}
    bias: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for name, check in (("id", _bias_id), ("active", drf.boolean)):
        if name not in item:
            continue
        try:
            bias[name] = check(item[name])
        except drf.FieldError as exc:
            errors[name] = exc.detail
    if errors:
        return None, errors
    if set(bias) != {"id", "active"}:
        return None, {drf.NON_FIELD_ERRORS: [ONLY_ID_AND_ACTIVE]}
    return bias, {}


def _bias_id(value: Any) -> Any:
    if value is None:
        raise drf.FieldError(drf.NOT_NULL)
    return drf.choice(value, BIAS_IDS)
