"""Custom symbol sources (``symbolSources``): JSON text, with their secrets hidden in answers.

Sentry's ``sentry/lang/native/sources.py``: a project's sources are a JSON list kept in the
``sentry:symbol_sources`` option; answers replace each secret (an HTTP source's ``password``, an
S3 ``secret_key``, a GCS ``private_key``, an App Store Connect ``appconnectPrivateKey``) with
``{"hidden-secret": true}`` (``redact_source_secrets``); an update may send that marker back, and
gets the stored secret of the source with the same ``id`` (``parse_backfill_sources``), or
``Hidden symbol source secret is missing a value``. ``ProjectDetailsEndpoint.
validate_symbolSources`` then gives every added or changed source a new id, and refuses them
without the organization's ``custom-symbol-sources`` feature. The sources' shape is checked
against ``schemas/symbol-sources.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

HIDDEN = {"hidden-secret": True}
SECRETS = {
    "http": ("password",),
    "s3": ("secret_key",),
    "gcs": ("private_key",),
    "appStoreConnect": ("appconnectPrivateKey",),
}
CUSTOM_SOURCES = "custom-symbol-sources"
NOT_JSON = "Sources are not valid serialised JSON"
MISSING_SECRET = "Hidden symbol source secret is missing a value"  # noqa: S105 - a message
NOT_ALLOWED = "Organization is not allowed to set custom symbol sources"

Check = Callable[[Any], str | None]
"""Checks a list of sources against the schema: the first problem, or ``None``."""


class InvalidSources(Exception):
    """Sources Sentry refuses (``InvalidSourcesError``), with its message."""


def dumps(value: Any) -> str:
    """Compact JSON, as Sentry's ``orjson.dumps`` writes sources."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def parse(text: str | None, check: Check) -> list[dict[str, Any]]:
    """``parse_sources``: the stored sources (none for an empty option).

    :raises InvalidSources: the text is not JSON, or not sources.
    """
    if not text:
        return []
    try:
        sources = json.loads(text)
    except ValueError as exc:
        raise InvalidSources(str(exc)) from None
    _validate(sources, check)
    return list(sources)


def _validate(sources: Any, check: Check) -> None:
    """``validate_sources``: the schema, then ids that are unique and not Sentry's own."""
    problem = check(sources)
    if problem is not None:
        raise InvalidSources(problem)
    ids = set()
    for source in sources:
        if source["id"].startswith("sentry"):
            raise InvalidSources('Source ids must not start with "sentry:"')
        if source["id"] in ids:
            raise InvalidSources(f"Duplicate source id: {source['id']}")
        ids.add(source["id"])


def backfill(text: str, original: list[dict[str, Any]], check: Check) -> list[dict[str, Any]]:
    """``parse_backfill_sources``: the sources of an update, their hidden secrets given back.

    Sentry reads each source's ``type`` before checking the shape, and answers 500 when a source
    is not an object with a type; the mock checks the shape first and answers 400.

    :raises InvalidSources: not JSON, a hidden secret without a stored value, or not sources.
    """
    try:
        sources = json.loads(text)
    except ValueError:
        raise InvalidSources(NOT_JSON) from None
    if not isinstance(sources, list) or not all(
        isinstance(s, dict) and isinstance(s.get("type"), str) for s in sources
    ):
        _validate(sources, check)
    by_id = {source["id"]: source for source in original}
    for source in sources:
        for secret in SECRETS.get(source["type"], ()):
            if source.get(secret) == HIDDEN:
                stored = by_id.get(source.get("id"), {}).get(secret)
                if stored is None:
                    raise InvalidSources(MISSING_SECRET)
                source[secret] = stored
    _validate(sources, check)
    return list(sources)


def redacted_json(text: Any) -> str:
    """The ``symbolSources`` of an answer: the stored sources with their secrets hidden, or
    ``"[]"`` when they cannot be read (as Sentry answers rather than leak a secret)."""
    if not text:
        return "[]"
    try:
        sources = json.loads(text)
        redacted = []
        for source in sources:
            hidden = dict(source)
            for secret in SECRETS.get(source["type"], ()):
                if secret in hidden:
                    hidden[secret] = dict(HIDDEN)
            redacted.append(hidden)
    except (ValueError, TypeError, KeyError, AttributeError):
        return "[]"
    return dumps(redacted)
