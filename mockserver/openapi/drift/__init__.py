"""``mockserver drift``: the mock's contract against Sentry's official OpenAPI document.

Sentry publishes its API as ``openapi-derefed.json`` in ``getsentry/sentry-api-schema``. A
snapshot of the operations the mock serves ships here (``sentry-api-schema.json``, with the
commit and the date it was taken in ``x-snapshot``); ``--spec`` compares against another copy
(a file, or an ``http(s)://`` URL such as the repository's raw file). :mod:`.compare` lists the
differences; those the mock makes on purpose are listed with their reason and source in
``deliberate.yaml`` (:mod:`.deliberate`); any other is drift.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockserver.openapi.drift.compare import Difference
from mockserver.openapi.drift.compare import compare
from mockserver.openapi.drift.deliberate import DELIBERATE_FILE
from mockserver.openapi.drift.deliberate import Sorted
from mockserver.openapi.drift.deliberate import load
from mockserver.openapi.drift.deliberate import sort

SNAPSHOT_FILE = Path(__file__).with_name("sentry-api-schema.json")
"""The shipped snapshot of Sentry's published operations that the mock serves."""
MAX_SPEC_BYTES = 64 * 1024 * 1024
"""The largest document ``--spec`` reads (Sentry's whole document is about 4 MB)."""
FETCH_TIMEOUT = 60.0
"""Seconds to fetch a ``--spec`` URL."""

__all__ = ["Difference", "DriftError", "Report", "check", "load_spec"]


class DriftError(Exception):
    """The document to compare against cannot be read."""


@dataclass(frozen=True)
class Report:
    """What ``mockserver drift`` found.

    :ivar source: what was compared against, in words.
    :ivar operations: how many of the mock's operations were compared.
    :ivar differences: the differences, sorted by the list of deliberate ones.
    """

    source: str
    operations: int
    differences: Sorted

    @property
    def drifted(self) -> bool:
        """Whether any difference is not listed as deliberate."""
        return bool(self.differences.drift)


def load_spec(spec: str | None) -> dict[str, Any]:
    """The document at ``spec`` (a path or an ``http(s)://`` URL, JSON or YAML); the shipped
    snapshot when ``None``.

    :raises DriftError: if it cannot be read or is not an OpenAPI document.
    """
    if spec is None:
        text = SNAPSHOT_FILE.read_text(encoding="utf-8")
    elif spec.startswith(("http://", "https://")):
        text = _fetch(spec)
    else:
        try:
            path = Path(spec)
            if path.stat().st_size > MAX_SPEC_BYTES:
                raise DriftError(f"{spec}: larger than {MAX_SPEC_BYTES:,} bytes")
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DriftError(f"cannot read {spec}: {exc}") from None
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DriftError(f"{spec}: neither JSON nor YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise DriftError(f"{spec or SNAPSHOT_FILE}: not an OpenAPI document (no paths)")
    return document


def _fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
            data: bytes = response.read(MAX_SPEC_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise DriftError(f"cannot fetch {url}: {exc}") from None
    if len(data) > MAX_SPEC_BYTES:
        raise DriftError(f"{url}: larger than {MAX_SPEC_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DriftError(f"{url}: not UTF-8: {exc}") from None


def describe(document: dict[str, Any], spec: str | None) -> str:
    """What the document is, in words, for the report's first line."""
    snapshot = document.get("x-snapshot")
    if isinstance(snapshot, dict):
        return (
            f"{snapshot.get('repository')} {snapshot.get('file')} at "
            f"{str(snapshot.get('commit'))[:12]} (release {snapshot.get('release')}), "
            f"snapshot taken {snapshot.get('taken')}"
        )
    found = document.get("info")
    info: dict[str, Any] = found if isinstance(found, dict) else {}
    return f"{spec} ({info.get('title', 'untitled')} {info.get('version', '')})".strip()


def check(
    mock: dict[str, Any], spec: str | None = None, deliberate: Path = DELIBERATE_FILE
) -> Report:
    """Compare ``mock`` (the mock's OpenAPI document) with the document at ``spec``.

    :raises DriftError: if the document cannot be read or compared.
    """
    upstream = load_spec(spec)
    try:
        differences = compare(mock, upstream)
    except (ValueError, KeyError, TypeError) as exc:
        raise DriftError(f"cannot compare with {spec or SNAPSHOT_FILE}: {exc!r}") from None
    operations = sum(
        1 for item in mock.get("paths", {}).values() for method in item if method != "parameters"
    )
    return Report(describe(upstream, spec), operations, sort(differences, load(deliberate)))


def render(report: Report, *, deliberate: bool = False) -> list[str]:
    """The report as the lines ``mockserver drift`` prints.

    :param deliberate: also list the differences made on purpose, with their reasons.
    """
    found = report.differences
    known = [(d, e) for d, e in found.deliberate if e.known]
    lines = [f"drift: the mock's {report.operations} operations against {report.source}"]
    if found.drift:
        lines.append(
            f"{len(found.drift)} difference(s) not listed as deliberate in {DELIBERATE_FILE.name}:"
        )
        lines += [f"  {difference}" for difference in found.drift]
    if deliberate:
        lines.append("Deliberate differences:")
        for difference, entry in found.deliberate:
            if not entry.known:
                lines += [
                    f"  {difference}",
                    f"      why: {entry.reason}",
                    f"      source: {entry.source}",
                ]
    if known:
        lines.append(f"{len(known)} known difference(s), not intended, left to fix:")
        for difference, entry in known:
            lines += [f"  {difference}", f"      {entry.reason}"]
    if found.stale:
        lines.append("Listed differences no longer found (remove them from the list):")
        lines += [f"  {entry.difference}" for entry in found.stale]
    verdict = "drift" if found.drift else "no drift"
    listed = len(found.deliberate) - len(known)
    lines.append(
        f"{verdict}: {len(found.drift)} unlisted, {listed} deliberate, {len(known)} known "
        f"({DELIBERATE_FILE})"
    )
    return lines
