"""Per-request overrides in Prism's convention: ``Prefer: code=``, ``fault=``, ``delay=`` and the
``__code``/``__fault``/``__delay`` query fallbacks (through Flask's test client and a socket)."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from typing import Any

import pytest

from mockserver.faults.model import BUILTIN_PRESETS
from mockserver.faults.parsing import parse_prefer
from mockserver.testing import MockServer
from tests.conftest import NOW
from tests.conftest import PROJECT
from tests.conftest import Api
from tests.conftest import Reply
from tests.faults.kit import HOOKS
from tests.faults.kit import STATS
from tests.faults.kit import Kit
from tests.faults.kit import make_kit

NGINX_503 = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>"
    b"\r\n</body>\r\n</html>\r\n"
)
PRESETS = {
    "flaky": {"status": 503, "delay": 120, "when": {"probability": 0}},
    "slow": {"delay": 10_000},
}
# A rule that breaks every request: a request with Prefer must not see it.
ALWAYS_500 = {"name": "always", "status": 500}


@pytest.fixture(scope="module")
def kit() -> Kit:
    return make_kit(rateLimits="saas", faults={"presets": PRESETS, "rules": [ALWAYS_500]})


@pytest.fixture(params=["client", "socket"])
def api(request: pytest.FixtureRequest, kit: Kit) -> Iterator[Api]:
    """The app through Flask's test client or over a real socket; clean counts each time."""
    kit.sleeps.seconds.clear()
    kit.clock.now = NOW
    kit.app.test_client().post("/__admin/rate-limits/reset")
    if request.param == "client":
        yield Api(kit.app, "client", None)
        return
    with MockServer(kit.app) as server:
        yield Api(kit.app, "socket", server)


def prefer(api: Api, value: str, path: str = PROJECT, **kw: Any) -> Reply:
    return api.get(path, headers={"Prefer": value}, **kw)


def test_without_prefer_the_rules_apply(api: Api, kit: Kit) -> None:
    reply = api.get(PROJECT)
    assert reply.status == 500
    assert kit.last_faults[0]["rule"] == "always"


def test_code_picks_the_answer_sentry_or_nginx_gives_for_it(api: Api, kit: Kit) -> None:
    reply = prefer(api, "code=503")
    assert (reply.status, reply.raw) == (503, NGINX_503)
    assert reply.header("Preference-Applied") == "code=503"
    assert kit.last_faults == [
        {"source": "prefer", "rule": None, "fault": "service_unavailable", "status": 503}
    ]
    revoked = prefer(api, "code=401")
    assert (revoked.status, revoked.json) == (401, {"detail": "Invalid token"})
    assert revoked.header("WWW-Authenticate") == 'xBasic realm="api"'
    missing = prefer(api, "code=404", path=HOOKS)
    assert (missing.status, missing.json) == (
        404,
        {"detail": "The requested resource does not exist"},
    )


def test_code_2xx_is_the_real_answer_without_the_rules(api: Api, kit: Kit) -> None:
    reply = prefer(api, "code=200")
    assert reply.status == 200
    assert reply.json["slug"] == "my-project"
    assert reply.header("Preference-Applied") == "code=200"
    assert kit.last_faults == []


def test_fault_names_a_built_in_fault_or_a_preset(api: Api, kit: Kit) -> None:
    disabled = prefer(api, "fault=feature_disabled", path=HOOKS)
    assert (disabled.status, disabled.json) == (
        403,
        {"error_type": "unavailable_feature", "detail": ["You do not have that feature enabled"]},
    )
    # A preset's 'when' is for rules: a request that asks for it gets it.
    flaky = prefer(api, "fault=flaky")
    assert (flaky.status, flaky.raw) == (503, NGINX_503)
    assert kit.sleeps.seconds == [0.12]
    assert kit.last_faults == [
        {
            "source": "prefer",
            "rule": None,
            "preset": "flaky",
            "fault": "service_unavailable",
            "status": 503,
            "delayMs": 120.0,
        }
    ]


def test_a_preset_can_replace_a_built_in(api: Api, kit: Kit) -> None:
    reply = prefer(api, "fault=slow")
    assert reply.status == 200
    assert kit.sleeps.seconds == [10.0]


def test_delay_and_combinations(api: Api, kit: Kit) -> None:
    assert prefer(api, "delay=800").status == 200
    both = prefer(api, "code=429, delay=250")
    assert both.status == 429
    assert both.header("Preference-Applied") == "code=429, delay=250"
    assert kit.sleeps.seconds == [0.8, 0.25]
    # An explicit delay replaces the preset's.
    assert prefer(api, "fault=flaky, delay=5").status == 503
    assert kit.sleeps.seconds[-1] == 0.005


def test_rate_limited_counts_as_sentrys_429(api: Api) -> None:
    kit_now = NOW
    first = api.get(PROJECT, headers={"Prefer": "code=200"})
    assert first.header("X-Sentry-Rate-Limit-Remaining") == "39"
    reply = prefer(api, "fault=rate_limited")
    assert reply.status == 429
    assert reply.raw == (
        b'"You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 '
        b'seconds"'
    )
    assert reply.header("X-Sentry-Rate-Limit-Remaining") == "0"
    assert reply.header("X-Sentry-Rate-Limit-Reset") == str(kit_now + 1)
    assert reply.header("X-Sentry-Rate-Limit-ConcurrentRemaining") == "None"
    # The request was counted like any other.
    after = prefer(api, "code=200")
    assert after.header("X-Sentry-Rate-Limit-Remaining") == "37"


def test_query_fallbacks_for_clients_without_headers(api: Api, kit: Kit) -> None:
    reply = api.get(PROJECT + "?__code=503")
    assert (reply.status, reply.raw) == (503, NGINX_503)
    assert api.get(STATS + "?__fault=not_found").status == 404
    assert api.get(PROJECT + "?__delay=40").status == 200
    assert kit.sleeps.seconds == [0.04]
    # The header wins over the query.
    assert api.get(PROJECT + "?__code=503", headers={"Prefer": "code=200"}).status == 200


def test_preferences_that_are_not_ours_are_ignored(api: Api) -> None:
    # RFC 7240: a server ignores what it does not understand; Prism's own are not ours either.
    reply = prefer(api, "return=minimal, example=cat, dynamic=true")
    assert reply.status == 500  # no override: the rule applies
    assert reply.header("Preference-Applied") is None
    mixed = api.get(PROJECT, headers={"Prefer": 'respond-async, code="404"; strict'})
    assert (mixed.status, mixed.header("Preference-Applied")) == (404, "code=404")


def test_connection_faults_by_name_and_by_wiremocks_name() -> None:
    kit = make_kit()
    with MockServer(kit.app) as server:
        for value in ("fault=reset", "fault=CONNECTION_RESET_BY_PEER"):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            try:
                conn.request("GET", PROJECT, headers={"Prefer": value})
                with pytest.raises(ConnectionResetError) as raised:
                    conn.getresponse()
                assert type(raised.value) is ConnectionResetError
            finally:
                conn.close()
        assert kit.recorded[-1] == [{"source": "prefer", "rule": None, "fault": "reset"}]


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("code=418", "Prefer code: '418' is not supported (use 2xx or 401, 403, 404, 429, 500,"),
        ("code=abc", "Prefer code: 'abc' is not supported"),
        ("fault=explode", "fault: no fault or preset 'explode' (known: bad_gateway, empty,"),
        ("delay=-1", "Prefer delay: '-1' is not a delay (milliseconds from 0 to 600000)"),
        ("delay=soon", "Prefer delay: 'soon' is not a delay"),
        ("code=503, fault=reset", "Prefer: asks for two failures (service_unavailable, reset)"),
    ],
)
def test_values_we_cannot_honour_are_the_mocks_own_400(api: Api, value: str, detail: str) -> None:
    reply = prefer(api, value)
    assert reply.status == 400
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.json["type"] == "urn:mockserver:problem"
    assert reply.json["detail"].startswith(detail)


def test_admin_paths_ignore_prefer(kit: Kit) -> None:
    reply = kit.app.test_client().get("/__admin/faults", headers={"Prefer": "code=503"})
    assert reply.status_code == 200
    assert "Preference-Applied" not in reply.headers


def test_parse_prefer_merges_headers_and_query() -> None:
    parsed = parse_prefer(["code=200", "delay=5"], {"__fault": "slow"}, BUILTIN_PRESETS)
    assert parsed is not None
    assert parsed.applied == ("code=200", "fault=slow", "delay=5")
    assert parsed.fault is None
    assert parse_prefer([], {}, BUILTIN_PRESETS) is None
