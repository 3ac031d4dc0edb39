"""Near-misses: for a request no route serves, the routes it was probably meant for, and why
they did not match.

A request path is compared with each route template of :data:`~mockserver.http.routes.ROUTES`
segment by segment (an edit distance in which a ``{param}`` matches any non-empty segment and a
misspelt literal costs less the closer it is), normalised to 0..1 as WireMock's ``distance``.
A missing trailing slash or a method the route does not serve adds a little, so that a route
that serves the method ranks first among equally close ones. Imports no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from mockserver.http.routes import ROUTES
from mockserver.http.routes import SentryRoute

#: Routes further than this are not near-misses (``/favicon.ico`` is near nothing).
MAX_DISTANCE = 0.6
#: How many near-misses to report per request.
LIMIT = 3
_SLASH_PENALTY = 0.01
_METHOD_PENALTY = 0.1
# A parameter matches any segment, but a literal that matches exactly is the better alignment:
# "/api/0/projects/my-org/" lacks {project}, not the "projects" literal.
_PARAM_COST = 0.001
# Below this similarity two literals are different words, not a typo: a full substitution.
_TYPO_SIMILARITY = 0.5


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A route close to a request that no route served.

    :ivar route: the route.
    :ivar distance: 0 (identical path) to 1 (nothing in common).
    :ivar reasons: what differs, e.g. ``"'user' should be 'users'"``, ``"missing trailing
        slash"``, ``"PATCH is not served; the route serves GET, PUT, DELETE, OPTIONS"``.
    :ivar suggestion: the path the client probably meant, with its own values kept.
    """

    route: SentryRoute
    distance: float
    reasons: tuple[str, ...]
    suggestion: str

    @property
    def template(self) -> str:
        """The route's template."""
        return self.route.template

    def to_json(self) -> dict[str, Any]:
        """The near-miss as JSON (WireMock's ``matchResult.distance``, plus the reasons)."""
        return {
            "route": {
                "name": self.route.name,
                "template": self.route.template,
                "methods": list(self.route.methods),
            },
            "matchResult": {"distance": round(self.distance, 4)},
            "reasons": list(self.reasons),
            "suggestion": self.suggestion,
        }

    def __str__(self) -> str:
        return f"{self.route.template} ({'; '.join(self.reasons)}): try {self.suggestion}"


def served_methods(route: SentryRoute) -> tuple[str, ...]:
    """The methods a route answers without a 403 or 405: its handlers, and OPTIONS."""
    return route.methods


def nearest(
    method: str,
    path: str,
    routes: Iterable[SentryRoute] | None = None,
    *,
    limit: int = LIMIT,
) -> list[NearMiss]:
    """The routes closest to ``method path``, nearest first.

    :param method: the request's method.
    :param path: the request's path, without the query string.
    :param routes: the routes to compare with; default, every declared route.
    :param limit: the most to return.
    :returns: up to ``limit`` near-misses within :data:`MAX_DISTANCE`.
    """
    method = method.upper()
    got = _segments(path)
    costs = _Costs(got)
    scored = []
    for route in ROUTES.values() if routes is None else routes:
        want = _segments(route.template)
        table = _table(got, [costs.column(segment) for segment in want])
        distance = _distance(method, path, route, got, want, table)
        if distance <= MAX_DISTANCE:
            scored.append((distance, route.template, route, want, table))
    scored.sort(key=lambda item: (item[0], item[1]))
    # Only the nearest few are explained: the walk back through the table is the slow part.
    return [
        _near_miss(method, path, route, distance, got, want, table)
        for distance, _template, route, want, table in scored[:limit]
    ]


def _segments(path: str) -> list[str]:
    # Only one slash is trimmed at each end: "hooks//" has an empty last segment.
    trimmed = path.removeprefix("/").removesuffix("/")
    return trimmed.split("/") if trimmed else []


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


class _Costs:
    """Substitution costs of the request's segments against each template segment, computed
    once per :func:`nearest` call: the routes share most of their segments."""

    def __init__(self, got: list[str]) -> None:
        self._got = got
        self._columns: dict[str, list[float]] = {}

    def column(self, template: str) -> list[float]:
        """The cost of putting each request segment where the template has ``template``."""
        column = self._columns.get(template)
        if column is None:
            if _is_param(template):
                column = [_PARAM_COST if actual else 1.0 for actual in self._got]
            else:
                column = [_typo_cost(actual, template) for actual in self._got]
            self._columns[template] = column
        return column


def _typo_cost(actual: str, template: str) -> float:
    """0 for the same word, 1 for another word, in between for a typo of it."""
    if actual == template:
        return 0.0
    # Most pairs are different words: a cheap look at their letters settles them before
    # SequenceMatcher, which costs a hundred times more, is asked.
    letters, wanted = set(actual), set(template)
    if len(letters & wanted) < _TYPO_SIMILARITY * max(len(letters), len(wanted)):
        return 1.0
    matcher = SequenceMatcher(None, actual, template)
    if matcher.real_quick_ratio() < _TYPO_SIMILARITY:
        return 1.0
    similarity = matcher.ratio()
    return 1.0 - similarity if similarity >= _TYPO_SIMILARITY else 1.0


def _table(got: list[str], columns: list[list[float]]) -> list[list[float]]:
    """The edit-distance table of the request's segments (rows) against a template's
    (columns), given each template segment's substitution costs."""
    previous = [float(j) for j in range(len(columns) + 1)]
    table = [previous]
    for i in range(1, len(got) + 1):
        row = [float(i)]
        left = float(i)
        for j, column in enumerate(columns, 1):
            best = previous[j - 1] + column[i - 1]
            if previous[j] + 1.0 < best:
                best = previous[j] + 1.0
            if left + 1.0 < best:
                best = left + 1.0
            row.append(best)
            left = best
        table.append(row)
        previous = row
    return table


def _distance(
    method: str,
    path: str,
    route: SentryRoute,
    got: list[str],
    want: list[str],
    table: list[list[float]],
) -> float:
    # Parameters cost a little only to break ties; a path that fits the template is at 0.
    params = sum(1 for segment in want if _is_param(segment))
    distance = max(0.0, table[-1][-1] - params * _PARAM_COST) / max(len(got), len(want), 1)
    if not path.endswith("/"):
        distance += _SLASH_PENALTY
    if method not in served_methods(route):
        distance += _METHOD_PENALTY
    return min(distance, 1.0)


def _near_miss(
    method: str,
    path: str,
    route: SentryRoute,
    distance: float,
    got: list[str],
    want: list[str],
    table: list[list[float]],
) -> NearMiss:
    reasons, suggested = _explain(got, want, table)
    if not path.endswith("/"):
        reasons.append("missing trailing slash")
    if method not in served_methods(route):
        reasons.append(
            f"{method} is not served; the route serves {', '.join(served_methods(route))}"
        )
    suggestion = "/" + "/".join(suggested) + "/" if suggested else "/"
    return NearMiss(route, distance, tuple(reasons), suggestion)


def _explain(
    got: list[str], want: list[str], cost: list[list[float]]
) -> tuple[list[str], list[str]]:
    """Walk the cheapest alignment back: the differences, and the suggested segments."""
    reasons: list[str] = []
    suggested: list[str] = []
    i, j = len(got), len(want)
    while i > 0 or j > 0:
        # On a tie, a segment missing or extra later beats one earlier: walking back from the
        # end, try those first ("/projects/my-org/" lacks {project}, not {org}).
        if j > 0 and abs(cost[i][j] - (cost[i][j - 1] + 1.0)) < 1e-9:
            reasons.append(f"missing segment {want[j - 1]!r}")
            suggested.append(want[j - 1])
            j -= 1
        elif i > 0 and abs(cost[i][j] - (cost[i - 1][j] + 1.0)) < 1e-9:
            extra = got[i - 1]
            reasons.append(f"unexpected segment {extra!r}" if extra else "an extra '/'")
            i -= 1
        else:
            template, actual = want[j - 1], got[i - 1]
            if _is_param(template):
                suggested.append(actual or template)
                if not actual:
                    reasons.append(f"empty segment where the route has {template}")
            else:
                suggested.append(template)
                if actual != template:
                    reasons.append(f"{actual!r} should be {template!r}")
            i, j = i - 1, j - 1
    reasons.reverse()
    suggested.reverse()
    return reasons, suggested
