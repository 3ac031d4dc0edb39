"""Client-contract checks: each violation is recorded with a precise reason while the mock
answers as Sentry would; in strict mode, errors are refused with the mock's problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from mockserver.config import Config
from mockserver.contract.checks import STRICT_STATUS
from mockserver.contract.checks import codes
from mockserver.state import state_of
from mockserver.testing import MockServer
from tests.conftest import PROJECT
from tests.conftest import Api
from tests.conftest import FakeClock

HOOK = PROJECT + "hooks/4f9d73e63b7144ecb8944c41620a090b/"
AUTH = ("header", "Authorization")
UNSTABLE = ("unstable-endpoint", ("path",), "warning")

# (method, path, token, body) → Sentry's status (unchanged by the check), the violations as
# (code, location, severity), and a fragment of the first one's message.
CASES: list[tuple[str, str, str | None, Any, int, list[tuple[str, tuple[str, ...], str]], str]] = [
    (
        "GET", "/api/0/project/my-org/my-project/", "sntrys_TOKEN", None, 404,
        [("unknown-route", ("path",), "error")],
        "nearest: /api/0/projects/{org}/{project}/ ('project' should be 'projects'): "
        "try /api/0/projects/my-org/my-project/",
    ),
    (
        "GET", PROJECT + "hooks", "sntrys_TOKEN", None, 404,
        [("missing-trailing-slash", ("path",), "error")],
        f"{PROJECT}hooks lacks the trailing slash every Sentry route ends with; use "
        f"{PROJECT}hooks/",
    ),
    (
        "POST", PROJECT, "sntrys_TOKEN", None, 405,
        [("method-not-allowed", ("method",), "error")],
        "POST is not served by /api/0/projects/{org}/{project}/; it serves GET, PUT, DELETE, "
        "OPTIONS (Sentry answers 405)",
    ),
    (
        "PATCH", PROJECT, "sntrys_TOKEN", None, 403,
        [("method-not-allowed", ("method",), "error")],
        "(Sentry answers 403)",
    ),
    (
        "GET", PROJECT, None, None, 401,
        [("missing-credentials", AUTH, "error")],
        "no Authorization header; Sentry's API needs 'Authorization: Bearer <token>'",
    ),
    (
        "GET", PROJECT, "nope", None, 401,
        [("invalid-credentials", AUTH, "error")],
        "the credentials are refused: Invalid token (Sentry answers 401)",
    ),
    (
        "GET", PROJECT, "sntryu_EXPIRED", None, 401,
        [("invalid-credentials", AUTH, "error")],
        "the credentials are refused: Token expired",
    ),
    (
        "GET", PROJECT, "sntrys_CI", None, 403,
        [("insufficient-scope", AUTH, "error")],
        "GET /api/0/projects/{org}/{project}/ needs one of project:admin, project:read, "
        "project:write; the token has org:ci (Sentry answers 403)",
    ),
    (
        "DELETE", PROJECT, "sntryu_WRITE", None, 403,
        [("insufficient-scope", AUTH, "error")],
        "needs one of project:admin; the token has project:read, project:write",
    ),
    (
        "PUT", PROJECT, "sntryu_READONLY", {"name": "New"}, 403,
        [("insufficient-scope", ("body", "name"), "error")],
        "changing 'name' needs project:write or project:admin; a project:read token may only "
        "change isBookmarked, autofixAutomationTuning, seerScannerAutomation",
    ),
    (
        "GET", PROJECT + "users/?per-page=5", "sntrys_TOKEN", None, 200,
        [("unknown-query-parameter", ("query", "per-page"), "error")],
        "'per-page' is not a query parameter of /api/0/projects/{org}/{project}/users/ (Sentry "
        "ignores it; known: query, cursor, per_page); did you mean 'per_page'?",
    ),
    (
        "GET", PROJECT + "users/?per_page=abc", "sntrys_TOKEN", None, 400,
        [("invalid-query-parameter", ("query", "per_page"), "error")],
        "per_page='abc' is not an integer",
    ),
    (
        "GET", PROJECT + "users/?per_page=500", "sntrys_TOKEN", None, 400,
        [("invalid-query-parameter", ("query", "per_page"), "error")],
        "per_page=500 is outside 1..100",
    ),
    (
        "GET", PROJECT + "users/?cursor=abc", "sntrys_TOKEN", None, 400,
        [("invalid-query-parameter", ("query", "cursor"), "error")],
        "cursor='abc' is not a Sentry cursor (value:offset:is_prev, e.g. 0:100:0)",
    ),
    (
        "GET", PROJECT + "users/?cursor=100:-1:1", "sntrys_TOKEN", None, 400,
        [("invalid-query-parameter", ("query", "cursor"), "error")],
        "stop paging when results is \"false\"",
    ),
    (
        "GET", PROJECT + "users/?query=jane", "sntrys_TOKEN", None, 200,
        [("invalid-query-parameter", ("query", "query"), "error")],
        "query='jane' has no field: write field:value",
    ),
    (
        "GET", PROJECT + "users/?query=name:jane", "sntrys_TOKEN", None, 200,
        [("invalid-query-parameter", ("query", "query"), "error")],
        "query='name:jane' filters nothing",
    ),
    (
        "GET", PROJECT + "users/?query=ip:999.1.1.1", "sntrys_TOKEN", None, 200,
        [("invalid-query-parameter", ("query", "query"), "error")],
        "'999.1.1.1' is not an IP address",
    ),
    (
        "GET", PROJECT + "users/?per_page=2&per_page=3", "sntrys_TOKEN", None, 200,
        [("invalid-query-parameter", ("query", "per_page"), "warning")],
        "per_page is given 2 times; Sentry reads only one (the last)",
    ),
    (
        "GET", PROJECT + "stats/?stat=bogus", "sntrys_TOKEN", None, 400,
        [("invalid-query-parameter", ("query", "stat"), "error"), UNSTABLE],
        "stat='bogus' is not one of received, rejected, blacklisted, generated",
    ),
    (
        "GET", PROJECT + "stats/?stat=cors", "sntrys_TOKEN", None, 200,
        [("invalid-query-parameter", ("query", "stat"), "warning"), UNSTABLE],
        "stat='cors' is an undocumented inbound-filter stat",
    ),
    (
        "GET", PROJECT + "stats/?resolution=2h", "sntrys_TOKEN", None, 400,
        [("invalid-query-parameter", ("query", "resolution"), "error"), UNSTABLE],
        "resolution='2h' is not one of 10s, 1h, 1d",
    ),
    (
        "GET", PROJECT + "stats/?since=abc", "sntrys_TOKEN", None, 400,
        [("invalid-query-parameter", ("query", "since"), "error"), UNSTABLE],
        "since='abc' is not a numeric timestamp",
    ),
    (
        "GET", PROJECT + "stats/?since=20&until=10", "sntrys_TOKEN", None, 400,
        [("invalid-query-parameter", ("query", "since"), "error"), UNSTABLE],
        "since=20 is after until=10",
    ),
    (
        "GET", PROJECT + "stats/", "sntrys_TOKEN", None, 200,
        [UNSTABLE],
        "is unstable: Sentry documents it as one that 'may change in the future without notice'",
    ),
    (
        "GET", PROJECT + "hooks/?status=paused", "sntrys_TOKEN", None, 200,
        [("invalid-query-parameter", ("query", "status"), "error")],
        "status='paused' is not one of active, disabled",
    ),
    (
        "GET", PROJECT + "?include=stats,teams", "sntrys_TOKEN", None, 200,
        [("invalid-query-parameter", ("query", "include"), "error")],
        "include='teams' is not one of stats: Sentry ignores it",
    ),
    (
        "GET", PROJECT + "?expand=everything", "sntrys_TOKEN", None, 200,
        [("invalid-query-parameter", ("query", "expand"), "error")],
        "expand='everything' is not one of hasAlertIntegration",
    ),
    (
        # The window is read since tag values honour it: Sentry answers 500, the mock 400.
        "GET", PROJECT + "tags/environment/values/?statsPeriod=a-while", "sntrys_TOKEN", None,
        400,
        [("invalid-query-parameter", ("query", "statsPeriod"), "error")],
        "statsPeriod='a-while' is not a period such as 24h or 14d",
    ),
    (
        "GET", PROJECT + "tags/environment/values/?start=2024-01-01T00:00:00Z", "sntrys_TOKEN",
        None, 400,
        [("invalid-query-parameter", ("query", "start"), "error")],
        "start is given without end: a date range needs both",
    ),
    (
        "POST", PROJECT + "hooks/", "sntrys_TOKEN", {"events": ["event.alert"]}, 400,
        [("invalid-body", ("body",), "error")],
        "body: 'url' is a required property (schema hook-create)",
    ),
    (
        "POST", PROJECT + "hooks/", "sntrys_TOKEN", {"url": "ftp:/x", "events": ["event.no"]},
        400,
        [
            ("invalid-body", ("body", "events", "0"), "error"),
            ("invalid-body", ("body", "url"), "error"),
        ],
        "body.events[0]: 'event.no' is not accepted: `event.alert` and `event.created`",
    ),
    (
        "PUT", HOOK, "sntrys_TOKEN", {"isActive": "maybe"}, 400,
        [("invalid-body", ("body", "isActive"), "error")],
        "body.isActive: 'maybe' is not accepted: DRF BooleanField",
    ),
]  # fmt: skip


def _recorded(app: Flask) -> list[tuple[str, tuple[str, ...], str]]:
    (entry,) = state_of(app).journal.entries()
    return [(v.code, v.location, v.severity) for v in entry.violations]


def _message(app: Flask) -> str:
    (entry,) = state_of(app).journal.entries()
    return entry.violations[0].message


@pytest.mark.parametrize(
    ("method", "path", "token", "body", "status", "expected", "fragment"),
    CASES,
    ids=[f"{c[0]} {c[1]} {c[2]}" for c in CASES],
)
def test_violations_are_recorded_and_sentry_answers_as_usual(
    api: Api,
    app: Flask,
    method: str,
    path: str,
    token: str | None,
    body: Any,
    status: int,
    expected: list[tuple[str, tuple[str, ...], str]],
    fragment: str,
) -> None:
    reply = api.call(method, path, token=token, json_body=body)
    assert reply.status == status
    assert not (reply.header("Content-Type") or "").startswith("application/problem+json")
    assert _recorded(app) == expected
    assert fragment in _message(app)


def test_a_body_sent_as_form_data_is_a_violation(api: Api, app: Flask) -> None:
    reply = api.post(
        PROJECT + "hooks/",
        data=b"url=https://example.com/h",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 201
    (entry,) = state_of(app).journal.entries()
    assert [(v.code, v.location) for v in entry.violations] == [
        ("invalid-body", ("header", "Content-Type"))
    ]
    assert entry.violations[0].message == (
        "the body is sent as 'application/x-www-form-urlencoded'; Sentry's API takes JSON: "
        "send 'Content-Type: application/json'"
    )


def test_a_body_that_is_not_json_is_a_violation(api: Api, app: Flask) -> None:
    reply = api.post(
        PROJECT + "hooks/", data=b"{url:", headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400
    (entry,) = state_of(app).journal.entries()
    assert [(v.code, v.location) for v in entry.violations] == [("invalid-body", ("body",))]
    assert entry.violations[0].message.startswith("the body is not valid JSON: ")


def test_an_unsupported_scheme_is_missing_credentials(api: Api, app: Flask) -> None:
    reply = api.get(PROJECT, token=None, headers={"Authorization": "Token abc"})
    assert (reply.status, reply.json) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )
    assert _recorded(app) == [("missing-credentials", AUTH, "error")]
    assert _message(app).startswith("the Authorization scheme 'Token' is not one Sentry accepts")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", PROJECT + "?include=stats&expand=hasAlertIntegration", None),
        ("PUT", PROJECT, {"isBookmarked": True, "name": "Renamed"}),
        ("GET", PROJECT + "users/?per_page=2&cursor=2:1:0&query=email:sentry@example.com", None),
        ("GET", PROJECT + "tags/environment/values/?query=prod&statsPeriod=14d", None),
        ("GET", PROJECT + "hooks/?status=active&per_page=10", None),
        ("POST", PROJECT + "hooks/", {"url": "https://example.com/h", "events": ["event.alert"]}),
        ("PUT", HOOK, {"isActive": False}),
        ("GET", HOOK + "stats/?since=1700000000&until=1700003600&resolution=1h", None),
        ("DELETE", HOOK, None),
        # The mock's own controls (Prism's convention) are not Sentry parameters.
        ("GET", PROJECT + "?__delay=0", None),
    ],
)
def test_requests_that_keep_the_contract_have_no_violations(
    api: Api, app: Flask, method: str, path: str, body: Any
) -> None:
    reply = api.call(method, path, json_body=body)
    assert reply.status < 300
    assert _recorded(app) == []


def test_a_preflight_needs_no_credentials(api: Api, app: Flask) -> None:
    reply = api.call("OPTIONS", PROJECT + "hooks/", token=None)
    assert (reply.status, reply.raw) == (200, b"")
    assert reply.header("Access-Control-Max-Age") == "3600"
    assert _recorded(app) == []


def test_codes_cover_every_violation_kind() -> None:
    assert set(codes()) == set(STRICT_STATUS) | {"unstable-endpoint"}


# --- strict mode --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _strict_server(clock: FakeClock) -> Iterator[MockServer]:
    with MockServer(Config(strict=True, validate_responses=True, clock=clock)) as server:
        yield server


@pytest.fixture(params=["client", "socket"])
def strict_api(request: pytest.FixtureRequest, _strict_server: MockServer) -> Iterator[Api]:
    _strict_server.reset()
    yield Api(_strict_server.app, request.param, _strict_server)
    _strict_server.check()


STRICT_CASES = [case for case in CASES if any(v[2] == "error" for v in case[5])]


@pytest.mark.parametrize(
    ("method", "path", "token", "body", "status", "expected", "fragment"),
    STRICT_CASES,
    ids=[f"{c[0]} {c[1]} {c[2]}" for c in STRICT_CASES],
)
def test_strict_mode_refuses_errors_with_problem_json(
    strict_api: Api,
    method: str,
    path: str,
    token: str | None,
    body: Any,
    status: int,
    expected: list[tuple[str, tuple[str, ...], str]],
    fragment: str,
) -> None:
    reply = strict_api.call(method, path, token=token, json_body=body)
    first = next(code for code, _, severity in expected if severity == "error")
    assert reply.status == STRICT_STATUS[first]
    assert reply.header("Content-Type") == "application/problem+json"
    problem = reply.json
    assert problem["type"] == "urn:mockserver:problem:contract-violation"
    assert problem["title"] == "Contract violation"
    assert problem["status"] == STRICT_STATUS[first]
    assert problem["detail"].startswith(f"{method} {path.split('?')[0]} breaks Sentry's API")
    assert problem["detail"].endswith("This is mockserver's strict mode, not Sentry's answer.")
    assert fragment in problem["violations"][0]["message"]
    assert [(v["code"], tuple(v["location"]), v["severity"]) for v in problem["violations"]] == (
        expected
    )
    (entry,) = state_of(strict_api.app).journal.entries()
    assert entry.status == STRICT_STATUS[first]
    assert [v.code for v in entry.violations] == [code for code, _, _ in expected]


def test_strict_mode_refuses_before_anything_changes(strict_api: Api) -> None:
    reply = strict_api.post(
        PROJECT + "hooks/?notify=1", json_body={"url": "https://example.com/h", "events": []}
    )
    assert reply.status == 400
    assert reply.json["violations"] == [
        {
            "code": "unknown-query-parameter",
            "severity": "error",
            "location": ["query", "notify"],
            "message": "'notify' is not a query parameter of "
            "/api/0/projects/{org}/{project}/hooks/ (Sentry ignores it; known: status, cursor, "
            "per_page)",
        }
    ]
    hooks = strict_api.get(PROJECT + "hooks/")
    assert hooks.status == 200
    assert [h["url"] for h in hooks.json] == ["https://empowerplant.io/sentry-hook"]


def test_strict_mode_lets_warnings_through(strict_api: Api) -> None:
    reply = strict_api.get(PROJECT + "stats/?resolution=1d")
    assert reply.status == 200
    assert reply.header("Content-Type") == "application/json"
    (entry,) = state_of(strict_api.app).journal.entries()
    assert [v.code for v in entry.violations] == ["unstable-endpoint"]


def test_strict_mode_answers_good_requests_as_sentry(strict_api: Api) -> None:
    reply = strict_api.get(PROJECT)
    assert reply.status == 200
    assert reply.json["slug"] == "my-project"


def test_the_same_body_is_judged_the_same_each_time_and_per_token_where_scopes_matter(
    api: Api, app: Flask
) -> None:
    # Request bodies' violations are kept by body (a retry, a load test): the second of two
    # identical bodies must get exactly the first's violations, a different body its own, and
    # a project update, whose rules depend on the token, is judged for each token.
    bad = {"url": "ftp//nowhere", "events": ["event.created"]}
    good = {"url": "https://example.com/h", "events": ["event.created"]}
    for body in (bad, bad, good, bad):
        api.post(PROJECT + "hooks/", json_body=body)
    for token in ("sntryu_READONLY", "sntryu_WRITE", "sntryu_READONLY"):
        api.put(PROJECT, token=token, json_body={"name": "Renamed"})
    judged = [[(v.code, v.location) for v in e.violations] for e in state_of(app).journal.entries()]
    url = [("invalid-body", ("body", "url"))]
    scope = [("insufficient-scope", ("body", "name"))]
    assert judged == [url, url, [], url, scope, [], scope]


def test_the_light_list_of_codes_is_the_checks_own() -> None:
    # The pytest plugin reads mockserver.contract.codes when pytest starts (nothing heavy).
    from mockserver.contract import codes as light

    assert codes() == light.CLIENT_CODES
    assert (*codes(), "answer-off-contract") == light.ALL_CODES


# Bodies DRF (the view) and json.loads (the contract checks) read differently: each reader still
# gives its own answer now that the body is parsed once per request and the value shared.
READ_APART: list[tuple[bytes, int, Any, list[str]]] = [
    (
        # DRF's reader drops an incomplete UTF-8 sequence at the end; json.loads refuses it.
        b'{"name": "Renamed"}\xe2\x82',
        200,
        "Renamed",
        [
            "the body is not valid JSON: 'utf-8' codec can't decode bytes in position 19-20: "
            "unexpected end of data"
        ],
    ),
    (
        # DRF refuses NaN; json.loads reads it, and the schema refuses a number for a name.
        b'{"isBookmarked": NaN}',
        400,
        {"detail": "JSON parse error - Out of range float values are not JSON compliant: 'NaN'"},
        [
            "body.isBookmarked: nan is not accepted: DRF BooleanField: true/false or one of its "
            "spellings. (schema project-update)"
        ],
    ),
    (
        # DRF keeps a UTF-8 byte order mark and fails on it; json.loads skips it.
        b'\xef\xbb\xbf{"name": "Renamed"}',
        400,
        {
            "detail": "JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig): "
            "line 1 column 1 (char 0)"
        },
        [],
    ),
]


@pytest.mark.parametrize(("raw", "status", "answer", "messages"), READ_APART)
def test_the_view_and_the_contract_each_read_the_body_as_before(
    api: Api, app: Flask, raw: bytes, status: int, answer: Any, messages: list[str]
) -> None:
    reply = api.put(PROJECT, data=raw, headers={"Content-Type": "application/json"})
    assert reply.status == status
    assert (reply.json["name"] if status == 200 else reply.json) == answer
    (entry,) = state_of(app).journal.entries()
    assert [v.message for v in entry.violations] == messages


def test_a_project_update_checked_once_is_still_checked_against_a_read_only_token(
    api: Api, app: Flask
) -> None:
    body = {"name": "New", "isBookmarked": "maybe"}
    schema_error = (
        "body.isBookmarked: 'maybe' is not accepted: DRF BooleanField: true/false or one of its "
        "spellings. (schema project-update)"
    )
    journal = state_of(app).journal
    for _ in range(2):  # the second time, the body's schema errors come from the memo
        assert api.put(PROJECT, json_body=body).status == 400
    assert api.put(PROJECT, json_body=body, token="sntryu_READONLY").status == 400
    entries = journal.entries()
    assert [[v.message for v in e.violations] for e in entries[:2]] == [[schema_error]] * 2
    assert [(v.code, v.location) for v in entries[2].violations] == [
        ("invalid-body", ("body", "isBookmarked")),
        ("insufficient-scope", ("body", "name")),
    ]
