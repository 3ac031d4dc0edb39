"""The query-parameter checks of the client contract, as mechanics: unknown parameters (with the
closest known one), values a route refuses or silently ignores, repeats, and relations between
parameters. What each parameter accepts is in the table of :mod:`mockserver.http.params`.
Imports no Flask: it works on the decoded parameters."""

from __future__ import annotations

import difflib

from werkzeug.datastructures import MultiDict

from mockserver.contract.codes import INVALID_QUERY_PARAMETER
from mockserver.contract.codes import UNKNOWN_QUERY_PARAMETER
from mockserver.http.params import parameter
from mockserver.http.routes import SentryRoute
from mockserver.journal.journal import WARNING
from mockserver.journal.journal import Violation
from mockserver.sentry import stats

#: Query parameters with this prefix are the mock's own controls (Prism's convention:
#: ``?__code=503``, ``?__fault=``, ``?__delay=``), which a client sends to the mock on purpose.
MOCK_CONTROL_PREFIX = "__"


def check_query(args: MultiDict[str, str], route: SentryRoute) -> list[Violation]:
    """The violations of a request's query parameters: unknown ones (with the closest known),
    values the route refuses or silently ignores, repeats, and inconsistent pairs. The mock's
    own controls (:data:`MOCK_CONTROL_PREFIX`) are left alone.

    :param args: the decoded query parameters, in request order.
    :param route: the route the request belongs to (its ``query`` names the known parameters).
    """
    found: list[Violation] = []
    pairs = list(args.items(multi=True))
    seen: dict[str, int] = {}
    for name, _value in pairs:
        seen[name] = seen.get(name, 0) + 1
    for name, count in seen.items():
        if name.startswith(MOCK_CONTROL_PREFIX):
            continue
        where = ("query", name)
        if name not in route.query:
            close = difflib.get_close_matches(name, route.query, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(route.query) or "none"
            found.append(
                Violation(
                    UNKNOWN_QUERY_PARAMETER,
                    f"{name!r} is not a query parameter of {route.template} (Sentry ignores it; "
                    f"known: {known}){hint}",
                    where,
                )
            )
            continue
        declared = parameter(route.name, name)
        if count > 1 and not declared.repeatable:
            found.append(
                Violation(
                    INVALID_QUERY_PARAMETER,
                    f"{name} is given {count} times; Sentry reads only one (the last)",
                    where,
                    WARNING,
                )
            )
        check = declared.check
        if check is None:
            continue
        for value in args.getlist(name):
            problem = check(name, value)
            if problem is not None:
                found.append(Violation(INVALID_QUERY_PARAMETER, problem, where))
                break
    _relations(args, found)
    return found


def _relations(args: MultiDict[str, str], found: list[Violation]) -> None:
    stat = args.get("stat", "")
    if stat in stats.FILTER_STATS:
        found.append(
            Violation(
                INVALID_QUERY_PARAMETER,
                f"stat={stat!r} is an undocumented inbound-filter stat; the documented ones are "
                f"{', '.join(stats.STATS)}",
                ("query", "stat"),
                WARNING,
            )
        )
    try:
        since, until = float(args.get("since", "")), float(args.get("until", ""))
    except ValueError:
        pass
    else:
        if since > until:
            found.append(
                Violation(
                    INVALID_QUERY_PARAMETER,
                    f"since={args['since']} is after until={args['until']} (Sentry: 400 "
                    "'start must be before or equal to end')",
                    ("query", "since"),
                )
            )
    if ("start" in args) != ("end" in args):
        given, missing = ("start", "end") if "start" in args else ("end", "start")
        found.append(
            Violation(
                INVALID_QUERY_PARAMETER,
                f"{given} is given without {missing}: a date range needs both",
                ("query", given),
            )
        )
