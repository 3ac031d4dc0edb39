"""Selecting journal entries: the conditions of the admin API's filters, of
:meth:`~mockserver.testing.MockServer.requests` and of the assertions, and why an entry fails
them (for the "closest requests" of a failed assertion). Imports no Flask."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from typing import Final
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

from mockserver.journal.journal import Entry
from mockserver.timefmt import parse_datetime


class _Unset(Enum):
    """The type of :data:`UNSET` (an enum: one value, which copies and pickles as itself)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


#: "No condition": distinct from ``None``, which is a JSON value one may want to match.
UNSET: Final = _Unset.UNSET


class FilterError(ValueError):
    """A journal filter has a key or a value of the wrong kind; the message says which."""


def parse_since(value: object) -> float:
    """A ``since`` bound in epoch seconds, from a number, a datetime or ISO 8601 text.

    :raises FilterError: if the value is none of these.
    """
    if isinstance(value, bool):
        raise FilterError(f"since must be epoch seconds or an ISO 8601 time, got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return parse_datetime(value.isoformat()).timestamp()
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            return parse_datetime(value).timestamp()
        except ValueError:
            pass
    raise FilterError(
        f"since must be epoch seconds or an ISO 8601 time such as 2024-01-15T09:00:00Z, "
        f"got {value!r}"
    )


def _parse_status(value: object) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit() and 100 <= int(text) <= 599:
            return int(text)
        if len(text) == 3 and text[0] in "12345" and text[1:] == "xx":
            return text
    raise FilterError(
        f"status must be a status code such as 404 or a class such as 4xx, got {value!r}"
    )


def _parse_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no"):
        return False
    raise FilterError(f"{name} must be true or false, got {value!r}")


QueryCondition = str | int | Sequence[str] | None
"""A query-string condition: one value, the exact list of values, or ``None`` for "absent"."""


@dataclass(frozen=True)
class JournalFilter:
    """Which entries to select; every condition given must hold.

    :param method: the HTTP method (any case).
    :param path: a concrete path (``/api/0/projects/my-org/my-project/``), a route template
        (``/api/0/projects/{org}/{project}/``), a route name (``project-details``), or a full URL
        (its query string then adds conditions, as ``query`` does).
    :param status: a status code (``404``) or a class (``"4xx"``).
    :param since: entries recorded at or after this time (epoch seconds, datetime or ISO 8601).
    :param unmatched: ``True`` for requests no route served (unknown path or method), ``False``
        for the others.
    :param violations: ``True`` for entries with at least one error-severity violation.
    :param query: parameters the request must carry, as a subset: ``{"per_page": "2"}`` (the
        last value, as Sentry reads it), ``{"stat": ["received"]}`` (every value, in order), or
        ``{"cursor": None}`` (absent).
    :param json: the request body, parsed, must equal this.
    :raises FilterError: on a value of the wrong kind.
    """

    method: str | None = None
    path: str | None = None
    status: int | str | None = None
    # Given as epoch seconds, a datetime or ISO 8601; kept as epoch seconds (__post_init__).
    since: float | datetime | str | None = None
    unmatched: bool | None = None
    violations: bool | None = None
    query: Mapping[str, QueryCondition] | None = None
    json: Any = UNSET

    def __post_init__(self) -> None:
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())
        if self.status is not None:
            object.__setattr__(self, "status", _parse_status(self.status))
        if self.since is not None:
            object.__setattr__(self, "since", parse_since(self.since))
        if self.path is not None and "://" in self.path:
            parts = urlsplit(self.path)
            object.__setattr__(self, "path", parts.path or "/")
            if parts.query:
                merged: dict[str, QueryCondition] = {}
                for key, value in parse_qsl(parts.query, keep_blank_values=True):
                    merged[key] = value
                merged.update(self.query or {})
                object.__setattr__(self, "query", merged)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> JournalFilter:
        """Build a filter from JSON or query-string values (the admin API's filters).

        Keys: ``method``, ``path`` (alias ``url``), ``route``, ``status``, ``since``,
        ``unmatched``, ``violations``, ``query`` (an object), ``json``. Keys the admin API
        handles itself (``limit``, ``redact``) are ignored.

        :raises FilterError: on an unknown key or a value of the wrong kind.
        """
        known = {
            "method", "path", "url", "route", "status", "since", "unmatched", "violations",
            "query", "json", "limit", "redact",
        }  # fmt: skip
        unknown = sorted(set(data) - known)
        if unknown:
            raise FilterError(
                f"unknown filter {', '.join(map(repr, unknown))}; known: "
                "method, path, route, status, since, unmatched, violations, query, json"
            )
        path = data.get("path") or data.get("url") or data.get("route")
        for key in ("method", "path", "url", "route"):
            if key in data and not isinstance(data[key], str):
                raise FilterError(f"{key} must be a string, got {data[key]!r}")
        query = data.get("query")
        if query is not None and not isinstance(query, Mapping):
            raise FilterError(f"query must be an object of parameter: value, got {query!r}")
        return cls(
            method=data.get("method") or None,
            path=path or None,
            status=data["status"] if data.get("status") not in (None, "") else None,
            since=data["since"] if data.get("since") not in (None, "") else None,
            unmatched=_optional_bool(data, "unmatched"),
            violations=_optional_bool(data, "violations"),
            query=query,
            json=data.get("json", UNSET),
        )

    def matches(self, entry: Entry) -> bool:
        """Whether the entry meets every condition."""
        return not self.mismatches(entry, first_only=True)

    def mismatches(self, entry: Entry, *, first_only: bool = False) -> list[str]:
        """Why the entry does not match, one phrase per failed condition (empty: it matches).

        :param first_only: stop at the first failed condition (for plain matching).
        """
        found: list[str] = []
        checks: Iterable[Callable[[Entry], str | None]] = (
            self._check_method,
            self._check_path,
            self._check_status,
            self._check_since,
            self._check_flags,
            self._check_query,
            self._check_json,
        )
        for check in checks:
            problem = check(entry)
            if problem is not None:
                found.append(problem)
                if first_only:
                    break
        return found

    def describe(self) -> str:
        """The filter in words: ``GET /api/0/…/ with query {'per_page': '2'}``."""
        parts = [self.method or "any method", self.path or "any path"]
        if self.query:
            parts.append(f"with query {dict(self.query)!r}")
        if self.json is not UNSET:
            parts.append(f"with JSON body {self.json!r}")
        if self.status is not None:
            parts.append(f"answered {self.status}")
        if self.unmatched is not None:
            parts.append("unmatched" if self.unmatched else "matched")
        if self.violations is not None:
            parts.append("with violations" if self.violations else "without violations")
        if self.since is not None:
            parts.append(f"since {self.since}")
        return " ".join(parts)

    def _check_method(self, entry: Entry) -> str | None:
        if self.method is None or entry.method == self.method:
            return None
        return f"method {entry.method}, not {self.method}"

    def _check_path(self, entry: Entry) -> str | None:
        pattern = self.path
        if pattern is None:
            return None
        if not pattern.startswith("/"):
            if entry.route_name == pattern:
                return None
            return f"route {entry.route_name or '(none)'}, not {pattern}"
        if "{" in pattern:
            if entry.route == pattern:
                return None
            return f"route {entry.route or '(none)'}, not {pattern}"
        if entry.path == pattern:
            return None
        return f"path {entry.path}, not {pattern}"

    def _check_status(self, entry: Entry) -> str | None:
        wanted = self.status
        if wanted is None:
            return None
        if isinstance(wanted, int):
            ok = entry.status == wanted
        else:
            ok = str(entry.status)[0] == wanted[0]
        return None if ok else f"status {entry.status}, not {wanted}"

    def _check_since(self, entry: Entry) -> str | None:
        since = self.since
        if since is None or entry.time >= float(since):  # type: ignore[arg-type] # epoch by now
            return None
        return f"recorded at {entry.time}, before {self.since}"

    def _check_flags(self, entry: Entry) -> str | None:
        if self.unmatched is not None and self.unmatched == entry.matched:
            return "matched a route" if entry.matched else "matched no route"
        if self.violations is not None and self.violations != bool(entry.errors):
            return "has violations" if entry.errors else "has no violations"
        return None

    def _check_query(self, entry: Entry) -> str | None:
        if not self.query:
            return None
        problems = []
        for name, wanted in self.query.items():
            values = entry.query_values(name)
            if wanted is None:
                if values:
                    problems.append(f"query {name}={values[-1]!r}, expected absent")
            elif isinstance(wanted, str | int):
                if not values:
                    problems.append(f"query {name} absent, expected {str(wanted)!r}")
                elif values[-1] != str(wanted):
                    problems.append(f"query {name}={values[-1]!r}, expected {str(wanted)!r}")
            elif values != [str(v) for v in wanted]:
                problems.append(f"query {name}={values!r}, expected {list(wanted)!r}")
        return "; ".join(problems) or None

    def _check_json(self, entry: Entry) -> str | None:
        if self.json is UNSET:
            return None
        body = entry.json
        if body is None and entry.body:
            return "body is not JSON"
        if body == self.json:
            return None
        return f"JSON body {body!r}, expected {self.json!r}"


def _optional_bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    return _parse_bool(key, value)
