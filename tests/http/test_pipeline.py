"""Behaviour every route shares (sentry-behavior.md §0): auth, scopes, lookup, 404/405, CORS."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from mockserver.app import create_app
from mockserver.http import exchange
from mockserver.http.pipeline import STAGES
from mockserver.http.routes import ROUTES
from mockserver.http.routes import match_route
from mockserver.state import state_of
from tests.conftest import PROJECT
from tests.conftest import READONLY
from tests.conftest import TOKEN
from tests.conftest import WRITE
from tests.conftest import Api

NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}
DENIED = {"detail": "You do not have permission to perform this action."}
NOT_FOUND = {"detail": "The requested resource does not exist"}
CORS_HEADERS = (
    "X-Sentry-Auth, X-Requested-With, Origin, Accept, Content-Type, Authentication, "
    "Authorization, Content-Encoding, sentry-trace, baggage, X-CSRFToken"
)
EXPOSE = "X-Sentry-Error, X-Sentry-Direct-Hit, X-Hits, X-Max-Hits, Endpoint, Retry-After, Link"


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        (None, "Authentication credentials were not provided."),
        ("Token sntrys_TOKEN", "Authentication credentials were not provided."),
        ("DSN abc", "Authentication credentials were not provided."),
        ("Bearer", "Invalid token header. No credentials provided."),
        ("Bearer a b", "Invalid token header. Token string should not contain spaces."),
        ("Bearer nope", "Invalid token"),
        ("Bearer sntrys_NOPE", "Invalid org token"),
        ("Bearer sntryu_EXPIRED", "Token expired"),
        ("Bearer sntryu_INACTIVE", "User inactive or deleted"),
        ("Basic " + base64.b64encode(b"somekey:").decode(), "API key is not valid"),
        ("Basic !!!", "Invalid basic header. Credentials not correctly base64 encoded."),
        ("Basic " + base64.b64encode(b"user:pass").decode(), NOT_PROVIDED["detail"]),
    ],
)
def test_authentication_failures_answer_401_with_sentrys_bodies(
    api: Api, authorization: str | None, detail: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    reply = api.get(PROJECT, token=None, headers=headers)
    assert reply.status == 401
    assert reply.json == {"detail": detail}
    assert reply.header("WWW-Authenticate") == 'xBasic realm="api"'
    assert reply.header("Content-Type") == "application/json"


def test_bearer_scheme_is_case_insensitive(api: Api) -> None:
    reply = api.get(PROJECT, token=None, headers={"Authorization": "bEaReR sntrys_TOKEN"})
    assert reply.status == 200
    assert reply.json["slug"] == "my-project"


def test_scope_check_runs_before_the_project_lookup(api: Api) -> None:
    # A token without a project scope gets 403 even for a project that does not exist.
    missing = api.get("/api/0/projects/my-org/no-such-project/", token="sntrys_CI")
    assert (missing.status, missing.json) == (403, DENIED)
    # With the scope, the same path is a 404.
    found = api.get("/api/0/projects/my-org/no-such-project/")
    assert (found.status, found.json) == (404, NOT_FOUND)


def test_authentication_runs_before_the_scope_check(api: Api) -> None:
    reply = api.delete(PROJECT, token="bogus")
    assert (reply.status, reply.json) == (401, {"detail": "Invalid token"})


@pytest.mark.parametrize(
    ("method", "token", "status"),
    [
        ("DELETE", READONLY, 403),
        ("DELETE", WRITE, 403),
        ("POST", READONLY, 403),
        ("PATCH", "sntrys_TOKEN", 403),
        ("HEAD", "sntrys_TOKEN", 403),
    ],
)
def test_methods_without_the_scope_answer_403(
    api: Api, method: str, token: str, status: int
) -> None:
    reply = api.call(method, PROJECT + "hooks/", token=token)
    assert reply.status == status
    if method != "HEAD":
        assert reply.json == DENIED


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", PROJECT),
        ("POST", PROJECT + "users/"),
        ("PUT", PROJECT + "stats/"),
        ("DELETE", PROJECT + "tags/environment/values/"),
        ("PUT", PROJECT + "hooks/"),
    ],
)
def test_unserved_methods_with_the_scope_answer_405(api: Api, method: str, path: str) -> None:
    reply = api.call(method, path)
    assert reply.status == 405
    assert reply.json == {"detail": f'Method "{method}" not allowed.'}


def test_an_unknown_method_is_refused_without_a_500(api: Api) -> None:
    # Not in the scope map: 403 for a token, like PATCH; never a 500 or 501.
    reply = api.call("PROPFIND", PROJECT)
    assert (reply.status, reply.json) == (403, DENIED)
    anonymous = api.call("PROPFIND", PROJECT, token=None)
    assert (anonymous.status, anonymous.json) == (401, NOT_PROVIDED)


@pytest.mark.parametrize(
    "path",
    [
        "/api/0/projects/1/2/",
        "/api/0/projects/my-org/2/",
        "/api/0/projects/1/my-project/",
    ],
)
def test_org_and_project_accept_an_id_or_a_slug(api: Api, path: str) -> None:
    reply = api.get(path)
    assert reply.status == 200
    assert (reply.json["id"], reply.json["slug"]) == ("2", "my-project")


@pytest.mark.parametrize(
    "path",
    [
        "/api/0/projects/no-org/my-project/",
        "/api/0/projects/other-org/my-project/",  # exists, in another organization
        "/api/0/projects/my-org/8/",  # other-org's project by id
        "/api/0/projects/my-org/no-project/stats/",
        "/api/0/projects/99/2/hooks/",
    ],
)
def test_unknown_org_or_project_answers_404(api: Api, path: str) -> None:
    reply = api.get(path)
    assert (reply.status, reply.json) == (404, NOT_FOUND)


def test_a_member_of_another_org_gets_403(api: Api) -> None:
    reply = api.get(PROJECT, token="sntryu_OUTSIDER")
    assert (reply.status, reply.json) == (403, DENIED)
    own = api.get("/api/0/projects/other-org/other-project/", token="sntryu_OUTSIDER")
    assert own.status == 200


def test_missing_trailing_slash_answers_sentrys_plain_text_hint(api: Api) -> None:
    reply = api.get("/api/0/projects/my-org/my-project")
    assert reply.status == 404
    assert reply.header("Content-Type") == "text/plain; charset=utf-8"
    suggestion = "try: /api/0/projects/my-org/my-project/"
    assert reply.raw.decode() == (
        "Route not found, did you forget a trailing slash?\n\n"
        f"{suggestion}\n{' ' * (len(suggestion) - 1)}^\n"
    )


def test_missing_trailing_slash_answers_json_to_a_json_request(api: Api) -> None:
    reply = api.post(PROJECT + "hooks", json_body={"url": "https://x.example"})
    assert reply.status == 404
    assert reply.header("Content-Type") == "application/json"
    assert reply.raw == (
        b'{"info": "Route not found, did you forget a trailing slash? try: '
        b'/api/0/projects/my-org/my-project/hooks/"}'
    )


def test_an_unknown_route_with_a_slash_answers_an_empty_404(api: Api) -> None:
    reply = api.get("/api/0/projects/my-org/my-project/issues/")
    assert (reply.status, reply.raw) == (404, b"")


def test_every_response_carries_sentrys_cors_headers(api: Api) -> None:
    for reply, allow in (
        (api.get(PROJECT), "GET, PUT, DELETE, OPTIONS"),
        (api.get(PROJECT, token=None), "GET, PUT, DELETE, OPTIONS"),
        (api.get(PROJECT + "hooks/"), "GET, POST, OPTIONS"),
        (api.get(PROJECT + "stats/"), "GET, OPTIONS"),
    ):
        assert reply.header("Allow") == allow
        assert reply.header("Access-Control-Allow-Methods") == allow
        assert reply.header("Access-Control-Allow-Origin") == "*"
        assert reply.header("Access-Control-Allow-Headers") == CORS_HEADERS
        assert reply.header("Access-Control-Expose-Headers") == EXPOSE


def test_options_preflight_answers_200_without_credentials(api: Api) -> None:
    reply = api.call(
        "OPTIONS",
        PROJECT + "hooks/",
        token=None,
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
    )
    assert (reply.status, reply.raw) == (200, b"")
    assert reply.header("Access-Control-Max-Age") == "3600"
    assert reply.header("Access-Control-Allow-Methods") == "GET, POST, OPTIONS"


def test_json_is_compact(api: Api) -> None:
    reply = api.get(PROJECT + "hooks/")
    assert reply.raw.startswith(b'[{"id":"4f9d73e63b7144ecb8944c41620a090b","url":')
    assert b", " not in reply.raw.split(b'"events"')[0]


# --- the pipeline itself -------------------------------------------------------------------------


def test_the_stages_are_declared_once_in_sentrys_order() -> None:
    assert [name for name, _ in STAGES] == [
        "record",
        "cors",
        "preflight",
        "contract",
        "faults in front of Sentry",
        "rate limit",
        "faults inside Sentry",
        "errors",
        "stubs",
        "catch-all 404",
        "options",
        "authentication",
        "scopes",
        "method",
        "lookup",
    ]
    app = create_app({"response_cache": False})
    assert state_of(app).pipeline.stages == tuple(STAGES)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", PROJECT, 200),
        ("GET", PROJECT + "users/?per_page=2&cursor=0:2:0", 200),
        ("POST", PROJECT + "hooks/", 400),
        ("PATCH", PROJECT, 403),
        ("GET", PROJECT + "hooks", 404),
        ("GET", "/api/0/projects/my-org/", 404),
    ],
)
def test_a_request_matches_its_route_once(
    monkeypatch: pytest.MonkeyPatch, method: str, path: str, status: int
) -> None:
    # With faults and rate limits in force, every stage that needs the route reads it.
    app = create_app(
        {
            "response_cache": False,
            "faults": ("503,route=project-stats",),
            "rate_limits": "saas",
        }
    )
    matched: list[str] = []

    def counting(path: str, method: str) -> Any:
        matched.append(path)
        return match_route(path, method)

    monkeypatch.setattr(exchange, "match_route", counting)
    reply = app.test_client().open(
        path, method=method, headers={"Authorization": "Bearer " + TOKEN}
    )
    assert reply.status_code == status
    assert len(matched) == 1


@pytest.mark.parametrize("name", list(ROUTES))
def test_every_route_matches_its_own_paths_only(name: str) -> None:
    route = ROUTES[name]
    path = route.template.format(org="my-org", project="my-project", key="env", hook_id="abc")
    found = match_route(path, "GET")
    assert found is not None
    assert (found.route.name, dict(found.params)) == (
        name,
        {
            p: v
            for p, v in [
                ("org", "my-org"),
                ("project", "my-project"),
                ("key", "env"),
                ("hook_id", "abc"),
            ]
            if "{" + p + "}" in route.template
        },
    )
    assert found.served == ("GET" in route.methods)
    # A segment more or less, or an empty one, is another path: no route, or another route.
    for other in (
        path + "x/",
        path[: path.rstrip("/").rfind("/") + 1],
        path.replace("/my-org/", "//"),
    ):
        again = match_route(other, "GET")
        assert again is None or again.route.name != name, other
