"""Explaining the journal to a person: which recorded requests come closest to an expectation
that failed, the violations of a test, and the journal as text for a test report.

Every text here is what a test report or CI log shows: each is redacted whole, by the app's
:class:`~mockserver.journal.redaction.Redactor` when the caller passes it (the scenario's
tokens too), else by token shape."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from difflib import SequenceMatcher

from mockserver.journal import export
from mockserver.journal.journal import Entry
from mockserver.journal.journal import Violation
from mockserver.journal.query import JournalFilter
from mockserver.journal.redaction import PATTERNS
from mockserver.journal.redaction import Redactor

#: How many recorded requests a failure message lists.
CLOSEST = 5
#: How many entries a test report shows (the most recent).
REPORT_ENTRIES = 50
_PREVIEW = 300


def _distance(entry: Entry, where: JournalFilter) -> float:
    """How far an entry is from a filter: one point per failed condition, the path counting
    from 0 to 2 by how different it looks."""
    score = 0.0
    for problem in where.mismatches(entry):
        if problem.startswith(("path ", "route ")) and where.path:
            actual = entry.route if "{" in where.path else entry.path
            similarity = SequenceMatcher(None, actual or "", where.path).ratio()
            score += 2.0 - similarity
        else:
            score += 1.0
    return score


def closest(
    entries: Sequence[Entry], where: JournalFilter, *, limit: int = CLOSEST
) -> list[tuple[Entry, list[str]]]:
    """The entries nearest to ``where``, nearest first (newest first among equals), with what
    differs in each."""
    ranked = sorted(
        (entry for entry in entries if not where.matches(entry)),
        key=lambda entry: (_distance(entry, where), -entry.seq),
    )
    return [(entry, where.mismatches(entry)) for entry in ranked[:limit]]


def _times(count: int) -> str:
    return f"{count} time" if count == 1 else f"{count} times"


def expectation_failure(
    where: JournalFilter,
    expected: int | None,
    found: int,
    entries: Sequence[Entry],
    redactor: Redactor = PATTERNS,
) -> str:
    """The message of a failed :meth:`~mockserver.testing.MockServer.assert_requested`.

    :param expected: the exact count asked for, or ``None`` for "at least once".
    """
    wanted = "at least once" if expected is None else f"exactly {_times(expected)}"
    lines = [f"expected {where.describe()} to be requested {wanted}; it was {_times(found)}."]
    lines.extend(_closest_lines(entries, where, redactor))
    return redactor.text("\n".join(lines))


def timeout_failure(
    where: JournalFilter,
    count: int,
    found: int,
    timeout: float,
    entries: Sequence[Entry],
    redactor: Redactor = PATTERNS,
) -> str:
    """The message of a :meth:`~mockserver.testing.MockServer.wait_for_request` that timed out."""
    lines = [
        f"waited {timeout:g} s for {_times(count)} {where.describe()}; it came {_times(found)}."
    ]
    lines.extend(_closest_lines(entries, where, redactor))
    return redactor.text("\n".join(lines))


def _closest_lines(entries: Sequence[Entry], where: JournalFilter, redactor: Redactor) -> list[str]:
    if not entries:
        return ["The journal is empty: no request reached the mock."]
    near = closest(entries, where)
    if not near:
        return []
    lines = [f"Closest of the {len(entries)} recorded requests:"]
    for entry, problems in near:
        lines.append(f"  {_line(entry, redactor)}: {'; '.join(problems)}")
    return lines


def _line(entry: Entry, redactor: Redactor) -> str:
    return f"#{entry.seq} {entry.method} {export.target(entry, redact=redactor)} → {entry.status}"


def violations_failure(
    found: Sequence[tuple[Entry, Violation]], redactor: Redactor = PATTERNS
) -> str:
    """The message of a failed :meth:`~mockserver.testing.MockServer.assert_no_violations`."""
    requests = len({entry.seq for entry, _ in found})
    plural = "s" if len(found) != 1 else ""
    headline = (
        f"{len(found)} contract violation{plural} in {requests} "
        f"request{'s' if requests != 1 else ''} to the Sentry mock:"
    )
    return redactor.text("\n".join([headline, *_by_request(found, redactor)]))


def off_contract_answers(
    found: Sequence[tuple[Entry, Violation]], redactor: Redactor = PATTERNS
) -> str:
    """The warning after a test whose own answers (``MockServer.respond``) broke Sentry's
    response contract: the requests they answered, and how each answer broke it."""
    requests = len({entry.seq for entry, _ in found})
    headline = (
        f"{requests} answer{'s' if requests != 1 else ''} set with respond() broke Sentry's "
        "contract: the client was tested against answers real Sentry does not give "
        "(mark the test mockserver_allow_violations('answer-off-contract') if that is the point):"
    )
    return redactor.text("\n".join([headline, *_by_request(found, redactor)]))


def _by_request(found: Sequence[tuple[Entry, Violation]], redactor: Redactor) -> list[str]:
    """Each request's line, then its violations under it."""
    lines: list[str] = []
    current: int | None = None
    for entry, violation in found:
        if entry.seq != current:
            current = entry.seq
            lines.append(f"  {_line(entry, redactor)}")
        lines.append(f"      {violation}")
    return lines


def _preview(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text if len(text) <= _PREVIEW else text[:_PREVIEW] + "…"


def journal_text(
    entries: Sequence[Entry],
    *,
    evicted: int = 0,
    limit: int = REPORT_ENTRIES,
    redactor: Redactor = PATTERNS,
) -> str:
    """The journal as text for a test report, credentials redacted: one line per request,
    then its violations, its body and, for an error, the answer."""
    if not entries:
        return "(no request reached the mock)"
    shown = entries[max(0, len(entries) - limit) :]
    lines: list[str] = []
    skipped = len(entries) - len(shown) + evicted
    if skipped:
        lines.append(f"({skipped} earlier request{'s' if skipped != 1 else ''} not shown)")
    for entry in shown:
        lines.append(f"{_line(entry, redactor)} ({entry.duration_ms:.1f} ms)")
        lines.extend(f"    ! {v}" for v in entry.violations)
        # A test's own answer (MockServer.respond, recorded as the source "respond"): say so,
        # so that nobody reads it as Sentry's.
        lines.extend(
            f"    answered by {f['rule']}, set by the test (not Sentry's answer)"
            for f in entry.faults
            if f.get("source") == "respond"
        )
        if entry.body:
            lines.append(f"    body: {_preview(redactor.body(entry.body))}")
        if entry.status >= 400 and entry.response_body:
            lines.append(f"    answer: {_preview(redactor.body(entry.response_body))}")
        if entry.error:
            lines.append(f"    error: {entry.error}")
    return redactor.text("\n".join(lines))


def violation_pairs(
    entries: Iterable[Entry], *, warnings: bool = False, allow: Iterable[str] = ()
) -> list[tuple[Entry, Violation]]:
    """Every (entry, violation) pair, errors only unless ``warnings``, minus allowed codes."""
    allowed = frozenset(allow)
    return [
        (entry, violation)
        for entry in entries
        for violation in entry.violations
        if (warnings or violation.is_error) and violation.code not in allowed
    ]
