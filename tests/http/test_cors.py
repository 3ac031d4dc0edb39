"""CORS as a browser needs it (mockserver/http/cors.py): the preflight answered before faults,
rate limits, authentication and routing; the origin echoed, with credentials when allowed; the
real request then gets its fault, 429 or 404, readable by the page."""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest
from flask import Flask

from mockserver.config import Config
from mockserver.errors import ConfigError
from mockserver.testing import MockServer
from tests.conftest import PROJECT
from tests.conftest import Api
from tests.conftest import Reply

PAGE = "http://localhost:3000"
SENTRY_HEADERS = (
    "X-Sentry-Auth, X-Requested-With, Origin, Accept, Content-Type, Authentication, "
    "Authorization, Content-Encoding, sentry-trace, baggage, X-CSRFToken"
)
EXPOSE = "X-Sentry-Error, X-Sentry-Direct-Hit, X-Hits, X-Max-Hits, Endpoint, Retry-After, Link"
CATCH_ALL = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
ASKING = {
    "Origin": PAGE,
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "authorization, prefer",
}
SLASH_HINT = (
    b"Route not found, did you forget a trailing slash?\n\n"
    b"try: /api/0/projects/my-org/my-project/hooks/\n" + b" " * 44 + b"^\n"
)


def _assert_granted(reply: Reply, origin: str = PAGE) -> None:
    assert reply.header("Access-Control-Allow-Origin") == origin
    assert reply.header("Access-Control-Allow-Credentials") == "true"
    assert reply.header("Vary") == "Origin"
    assert reply.header("Access-Control-Expose-Headers") == EXPOSE


@pytest.mark.parametrize(
    ("path", "headers", "methods"),
    [
        (PROJECT + "hooks/", {}, "GET, POST, OPTIONS"),
        (PROJECT + "hooks/?__code=503", {}, "GET, POST, OPTIONS"),
        (PROJECT + "hooks/?__code=429", {}, "GET, POST, OPTIONS"),
        (PROJECT + "hooks/?__delay=300", {}, "GET, POST, OPTIONS"),
        (PROJECT + "hooks/?__fault=reset", {}, "GET, POST, OPTIONS"),
        (PROJECT, {"Prefer": "code=503"}, "GET, PUT, DELETE, OPTIONS"),
        # The route it lacks the slash for, and Sentry's catch-all for no route at all.
        (PROJECT + "hooks", {}, "GET, POST, OPTIONS"),
        (PROJECT + "issues/", {}, CATCH_ALL),
        ("/api/0/organizations/my-org/", {}, CATCH_ALL),
        ("/api/0/projects/my-org/no-such-project/", {}, "GET, PUT, DELETE, OPTIONS"),
    ],
)
def test_a_preflight_is_answered_before_faults_auth_and_routing(
    api: Api, app: Flask, path: str, headers: dict[str, str], methods: str
) -> None:
    reply = api.call("OPTIONS", path, token=None, headers={**ASKING, **headers})
    assert (reply.status, reply.raw) == (200, b"")
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    assert reply.header("Access-Control-Max-Age") == "3600"
    assert reply.header("Allow") == methods
    assert reply.header("Access-Control-Allow-Methods") == methods
    # Sentry's list, and the mock's own Prefer (so that a page may ask for a fault).
    assert reply.header("Access-Control-Allow-Headers") == SENTRY_HEADERS + ", Prefer"
    assert reply.header("Preference-Applied") is None
    _assert_granted(reply)
    # Journaled, without a fault, a rate-limit count or a contract violation.
    (entry,) = app.extensions["mockserver"].journal.entries()
    assert (entry.method, entry.status, entry.faults, entry.violations) == ("OPTIONS", 200, (), ())


def test_the_503_asked_for_reaches_the_page_with_the_origins_grant(api: Api) -> None:
    for headers, path in (
        ({}, PROJECT + "hooks/?__code=503"),
        ({"Prefer": "code=503"}, PROJECT + "hooks/"),
    ):
        reply = api.get(path, headers={"Origin": PAGE, **headers})
        assert reply.status == 503
        assert reply.raw.startswith(b"<html>\r\n<head><title>503 Service Temporarily Unavailable")
        assert reply.header("Content-Type") == "text/html"
        _assert_granted(reply)
        # nginx answered: none of Sentry's own headers.
        assert reply.header("Allow") is None
        assert reply.header("Access-Control-Allow-Methods") is None


def test_nginx_pages_carry_no_cors_for_a_request_without_origin(api: Api) -> None:
    reply = api.get(PROJECT + "hooks/?__code=503")
    assert reply.status == 503
    assert reply.header("Access-Control-Allow-Origin") is None
    assert reply.header("Vary") is None


def test_the_429_asked_for_reaches_the_page_as_sentrys(api: Api) -> None:
    reply = api.get(PROJECT + "hooks/?__code=429", headers={"Origin": PAGE})
    assert reply.status == 429
    assert reply.raw == (
        b'"You are attempting to use this endpoint too frequently. '
        b'Limit is 40 requests in 1 seconds"'
    )
    assert reply.header("Allow") == "GET"
    _assert_granted(reply)


def test_a_missing_trailing_slash_reaches_the_page_as_sentrys_hint(api: Api) -> None:
    reply = api.get(PROJECT + "hooks", headers={"Origin": PAGE})
    assert (reply.status, reply.raw) == (404, SLASH_HINT)
    _assert_granted(reply)


def test_an_answer_to_a_page_echoes_its_origin_with_credentials(api: Api) -> None:
    reply = api.get(PROJECT, headers={"Origin": PAGE})
    assert reply.status == 200
    _assert_granted(reply)
    assert reply.header("Allow") == "GET, PUT, DELETE, OPTIONS"
    assert reply.header("Access-Control-Allow-Headers") == SENTRY_HEADERS


@pytest.mark.parametrize("origin", [None, "null"])
def test_without_an_origin_any_origin_is_allowed_without_credentials(
    api: Api, origin: str | None
) -> None:
    headers = {} if origin is None else {"Origin": origin}
    reply = api.get(PROJECT, headers=headers)
    assert reply.header("Access-Control-Allow-Origin") == "*"
    assert reply.header("Access-Control-Allow-Credentials") is None
    assert reply.header("Vary") is None


def test_plain_options_is_still_answered_after_the_catch_all(api: Api) -> None:
    # No Access-Control-Request-Method: not a preflight; Sentry's OPTIONS of a route.
    known = api.call("OPTIONS", PROJECT + "hooks/", token=None)
    assert (known.status, known.raw, known.header("Access-Control-Allow-Origin")) == (200, b"", "*")
    unknown = api.call("OPTIONS", PROJECT + "issues/", token=None)
    assert (unknown.status, unknown.raw) == (404, b"")


# --- configured origins ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def listed() -> Iterator[MockServer]:
    with MockServer(Config(cors_origins=("http://localhost:3000/", "HTTP://App.Test"))) as server:
        yield server


def _both(server: MockServer, method: str, path: str, headers: dict[str, str]) -> list[Reply]:
    """The answer through Flask's test client and over the server's socket."""
    got = server.app.test_client().open(path, method=method, headers=headers)
    replies = [Reply(got.status_code, {k.lower(): v for k, v in got.headers.items()}, got.data)]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, headers=headers)
        resp = conn.getresponse()
        replies.append(
            Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        )
    finally:
        conn.close()
    return replies


@pytest.mark.parametrize("method", ["OPTIONS", "GET"])
def test_only_listed_origins_get_credentials(listed: MockServer, method: str) -> None:
    auth = {"Authorization": "Bearer sntrys_TOKEN", "Access-Control-Request-Method": "GET"}
    for origin, credentials in (
        ("http://localhost:3000", "true"),
        ("http://app.test", "true"),
        ("http://localhost:3001", None),
        ("https://localhost:3000", None),
    ):
        for reply in _both(listed, method, PROJECT, {**auth, "Origin": origin}):
            assert reply.status == 200
            # Every origin is echoed, as by Sentry; credentials only for the listed ones.
            assert reply.header("Access-Control-Allow-Origin") == origin
            assert reply.header("Access-Control-Allow-Credentials") == credentials
            assert reply.header("Vary") == "Origin"


def test_cors_origins_come_from_the_environment_and_are_checked() -> None:
    config = Config.from_env(
        {"MOCKSERVER_CORS_ORIGINS": "http://localhost:3000,http://a.test:8080"}
    )
    assert config.cors_origins == ("http://localhost:3000", "http://a.test:8080")
    assert Config.from_env({}).cors_origins == ("*",)
    for bad in ("localhost:3000", "http://localhost:3000/app", "", "http://a, http://b"):
        with pytest.raises(ConfigError, match=r"cors_origins: .* is not an origin"):
            Config(cors_origins=(bad,))
    with pytest.raises(ConfigError, match="at least one origin"):
        Config(cors_origins=())


def test_strict_mode_lets_a_preflight_through() -> None:
    with MockServer(Config(strict=True)) as server:
        for reply in _both(server, "OPTIONS", PROJECT + "hooks", ASKING):
            assert (reply.status, reply.raw) == (200, b"")
            _assert_granted(reply)
