"""The table of query parameters: every route's names are in it, and its parts (the views'
parsers, the contract checks, the OpenAPI schemas) agree on each parameter's grammar and bounds."""

from __future__ import annotations

import itertools
import re

import pytest

from mockserver.errors import ApiError
from mockserver.http import params
from mockserver.http.params import values
from mockserver.http.querydict import QueryDict
from mockserver.http.routes import ROUTES
from mockserver.sentry import stats
from mockserver.sentry.pagination import DEFAULT_PER_PAGE
from mockserver.sentry.pagination import MAX_LIMIT
from mockserver.sentry.pagination import MIN_PER_PAGE
from mockserver.sentry.pagination import parse_cursor
from mockserver.sentry.pagination import parse_per_page
from mockserver.state import state_of
from tests.conftest import Api


def test_every_route_reads_parameters_of_the_table() -> None:
    for route in ROUTES.values():
        for name in route.query:
            assert name in params.PARAMETERS, (route.name, name)
            assert params.parameter(route.name, name).name == name


def test_route_variants_belong_to_routes_that_read_the_parameter() -> None:
    for (route, name), variant in params.ROUTE_PARAMETERS.items():
        assert name in ROUTES[route].query, (route, name)
        assert variant.name == name
        assert params.parameter(route, name) is variant
    assert params.parameter("project-hooks", "cursor") is params.CURSOR


def test_the_last_value_wins_unless_the_parameter_is_repeatable() -> None:
    pairs = [("per_page", "5"), ("per_page", "7"), ("include", "stats,a"), ("include", "b")]
    args = QueryDict([*pairs, ("expand", "x")])
    assert params.PER_PAGE.read(args) == 7
    assert params.CURSOR.read(args) is None
    assert params.INCLUDE.read(args) == {"stats", "a", "b"}
    assert params.EXPAND.read(args) == {"x"}
    assert params.USERS_QUERY.read(QueryDict([("query", " id:1 ")])) == "id:1"
    assert params.TAG_VALUES_QUERY.read(QueryDict([("query", " a ")])) == " a "
    assert params.STATUS.read(args) == ""
    assert [p.name for p in params.PARAMETERS.values() if p.repeatable] == [
        "include",
        "expand",
        "collapse",
    ]


def test_a_parameter_no_view_reads_has_no_parser() -> None:
    # The tag values' window is read now (statsPeriod was the table's unread parameter).
    assert params.STATS_PERIOD.read(QueryDict([("statsPeriod", "14d")])) == "14d"
    assert params.START.read(QueryDict([])) is None
    unread: params.QueryParameter[None] = params.QueryParameter(
        "unread", "Accepted and ignored.", {"type": "string"}
    )
    with pytest.raises(TypeError, match="unread"):
        unread.read(QueryDict([("unread", "x")]))


def test_the_stats_window_is_read_with_the_tables_parsers() -> None:
    args = QueryDict([("since", "1000"), ("until", "5000"), ("resolution", "60m")])
    query = stats.parse_query(args, now=9999)
    assert (query.since, query.until, query.rollup) == (
        params.SINCE.read(args),
        params.UNTIL.read(args),
        params.RESOLUTION.read(args),
    )
    for parameter in (params.SINCE, params.UNTIL, params.RESOLUTION):
        with pytest.raises(ApiError) as parsed:
            parameter.read(QueryDict([(parameter.name, "x")]))
        with pytest.raises(ApiError) as together:
            stats.parse_query(QueryDict([(parameter.name, "x")]), now=9999)
        assert parsed.value.body == together.value.body


# --- per_page: one bound ---------------------------------------------------------------------


def test_per_page_bounds_agree_in_the_parser_the_check_and_the_schema() -> None:
    schema = params.PER_PAGE.schema
    assert (schema["minimum"], schema["maximum"]) == (MIN_PER_PAGE, MAX_LIMIT)
    for number in range(MIN_PER_PAGE - 3, MAX_LIMIT + 3):
        text = str(number)
        in_schema = schema["minimum"] <= number <= schema["maximum"]
        try:
            parse_per_page(text)
            parsed = True
        except ApiError:
            parsed = False
        checked = values.check_per_page("per_page", text) is None
        assert in_schema == parsed == checked, number


def test_the_default_page_is_the_largest_as_documented() -> None:
    assert "default and maximum" in params.PER_PAGE.description
    assert parse_per_page(None) == DEFAULT_PER_PAGE == MAX_LIMIT


# --- cursor: one grammar ---------------------------------------------------------------------


def test_documented_cursor_patterns_are_the_spellings_with_ascii_digits() -> None:
    for parameter, spelling in (
        (params.CURSOR, values.ACCEPTED_CURSOR),
        (params.USERS_CURSOR, values.OFFSET_CURSOR),
    ):
        pattern = parameter.schema["pattern"]
        assert pattern == f"^(?:{spelling.regex('[0-9]')})?$"
        assert spelling.regex() == spelling.regex("[0-9]").replace("[0-9]", r"\d")


CURSOR_TEXTS = [
    "".join(letters)
    for length in range(6)
    for letters in itertools.product(["0", "7", "-", ".", ":", "٣"], repeat=length)
]


def test_cursor_spellings_nest_and_sentry_parses_them() -> None:
    nested = (values.OFFSET_CURSOR, values.LINK_CURSOR, values.ACCEPTED_CURSOR)
    for text in CURSOR_TEXTS:
        matches = [spelling.fullmatch(text) for spelling in (*nested, values.SIGNED_CURSOR)]
        # Each spelling lets through everything the one before it does.
        assert matches == sorted(matches), text
        if values.SIGNED_CURSOR.fullmatch(text):
            assert parse_cursor(text) is not None, text


def test_the_contract_accepts_only_documented_cursors() -> None:
    documented = re.compile(params.CURSOR.schema["pattern"])
    for text in CURSOR_TEXTS:
        if not text.isascii():
            continue
        if values.check_cursor("cursor", text) is None:
            assert documented.fullmatch(text), text


# --- stats parameters ------------------------------------------------------------------------


def test_rollup_names_are_the_rollups() -> None:
    names = values.rollup_names()
    assert names == ("10s", "1h", "1d")
    assert tuple(stats.parse_resolution(name) for name in names) == stats.ROLLUPS
    assert params.RESOLUTION.description.startswith("Bucket size: `10s`, `1h` or `1d` (")


def test_timestamp_schema_bounds_are_the_parsers() -> None:
    for parameter in (params.SINCE, params.UNTIL):
        number, empty = parameter.schema["anyOf"]
        assert empty == {"type": "string", "maxLength": 0}  # not given
        schema = number
        assert parameter.read(QueryDict([(parameter.name, str(schema["maximum"]))])) is not None
        with pytest.raises(ApiError):
            parameter.read(QueryDict([(parameter.name, str(schema["maximum"] + 1))]))
        with pytest.raises(ApiError):
            parameter.read(QueryDict([(parameter.name, str(schema["minimum"] - 1))]))


def test_spoken_lists_read_as_english() -> None:
    assert values.spoken(["a"]) == "`a`"
    assert values.spoken(["a", "b"]) == "`a` or `b`"
    assert values.spoken(["a", "b", "c"]) == "`a`, `b` or `c`"


@pytest.mark.parametrize(
    ("raw", "status", "violation"),
    [
        ("%C2%B2", 400, "is not an integer"),  # "²": str.isdigit() says yes, int() says no
        ("%D9%A1%D9%A0", 200, None),  # Arabic-Indic one and zero, which int() reads as 10
        ("+7", 200, None),
        ("1_0", 200, None),
    ],
)
def test_the_per_page_check_agrees_with_sentrys_int(
    api: Api, raw: str, status: int, violation: str | None
) -> None:
    reply = api.get(f"/api/0/projects/my-org/my-project/users/?per_page={raw}")
    assert reply.status == status
    if status == 400:
        assert reply.json == {"detail": "Invalid per_page parameter."}
    entry = state_of(api.app).journal.entries()[-1]
    messages = [v.message for v in entry.violations if v.code == "invalid-query-parameter"]
    assert (violation is None) == (messages == [])
    if violation is not None:
        assert violation in messages[0]


def test_query_get_answers_the_last_value_or_the_default_as_werkzeug_would() -> None:
    args = QueryDict([("stat", "received"), ("stat", "x"), ("per_page", "10"), ("cursor", "")])
    assert (
        args.get("stat") == "x"
    )  # Django's last value, where werkzeug's MultiDict gives the first
    assert args.get("missing") is None
    assert args.get("missing", "dflt") == "dflt"
    assert args.get("per_page", type=int) == 10
    assert args.get("stat", -1, type=int) == -1  # a value type() refuses gives the default
    assert args.get("cursor") == ""  # present but empty is not missing
    assert args.get("cursor", "dflt", type=lambda v: v.strip() or None) is None
