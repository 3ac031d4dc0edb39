"""The differences the mock makes on purpose, each with its reason and source, in one file
(``deliberate.yaml`` beside this module).

An entry names a :class:`~mockserver.openapi.drift.compare.Difference` by its key, where ``*``
matches any text (``*: status 302: not upstream`` covers every operation's 302). A difference no
entry names is drift.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import yaml

from mockserver.openapi.drift.compare import Difference

DELIBERATE_FILE = Path(__file__).with_name("deliberate.yaml")
"""The shipped list of deliberate differences."""


class DeliberateError(ValueError):
    """The list of deliberate differences is not what this module reads."""


@dataclass(frozen=True)
class Deliberate:
    """One difference (or a family of them, with ``*``) the mock makes on purpose.

    :ivar difference: the key it names; ``*`` matches any text.
    :ivar reason: why the mock differs.
    :ivar source: where the mock's behaviour comes from (Sentry's code or documentation).
    :ivar known: not intended: drift acknowledged and left to fix (reported apart).
    """

    difference: str
    reason: str
    source: str
    known: bool = False
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = ".*".join(re.escape(part) for part in self.difference.split("*"))
        object.__setattr__(self, "pattern", re.compile(regex + r"\Z"))

    def names(self, difference: Difference) -> bool:
        """Whether this entry covers ``difference``."""
        return self.pattern.match(difference.key) is not None


def load(path: Path = DELIBERATE_FILE) -> list[Deliberate]:
    """The entries of ``path``.

    :raises DeliberateError: if an entry lacks ``difference``, ``reason`` or ``source``.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise DeliberateError(f"{path}: a list of entries is expected")
    entries = []
    keys = ("difference", "reason", "source")
    for n, item in enumerate(data, 1):
        if not isinstance(item, dict) or any(not str(item.get(k) or "").strip() for k in keys):
            raise DeliberateError(f"{path}: entry {n} needs a difference, a reason and a source")
        if set(item) - {*keys, "known"}:
            unknown = ", ".join(sorted(set(item) - {*keys, "known"}))
            raise DeliberateError(f"{path}: entry {n} has unknown keys: {unknown}")
        if not isinstance(item.get("known", False), bool):
            raise DeliberateError(f"{path}: entry {n}: known is true or false")
        difference, reason, source = (str(item[k]).strip() for k in keys)
        entries.append(Deliberate(difference, reason, source, known=item.get("known", False)))
    return entries


@dataclass(frozen=True)
class Sorted:
    """Differences sorted by the list.

    :ivar deliberate: each listed difference with the entry that names it.
    :ivar drift: the differences no entry names.
    :ivar stale: entries that name no difference (the mock or Sentry changed since).
    """

    deliberate: list[tuple[Difference, Deliberate]]
    drift: list[Difference]
    stale: list[Deliberate]


def sort(differences: Iterable[Difference], entries: Iterable[Deliberate]) -> Sorted:
    """Which differences the entries name, which they do not, and which entries name none."""
    entries = list(entries)
    used: set[int] = set()
    deliberate = []
    drift = []
    for difference in differences:
        for n, entry in enumerate(entries):
            if entry.names(difference):
                deliberate.append((difference, entry))
                used.add(n)
                break
        else:
            drift.append(difference)
    stale = [entry for n, entry in enumerate(entries) if n not in used]
    return Sorted(deliberate, drift, stale)
