"""Sentry's rate limiter (sentry-behavior.md §0.7): fixed windows on a controllable clock, the
five headers, the 429, per-endpoint limits, callers, and the concurrent limit.

No test sleeps: windows move with the fake clock, and requests are held in flight by a latency
fault whose sleep waits on a barrier.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockserver.errors import ConfigError
from mockserver.errors import ScenarioError
from mockserver.faults.options import parse_rate_limits_option
from mockserver.http.routes import ROUTES
from mockserver.resources import default_scenario
from mockserver.testing import MockServer
from tests.conftest import NOW
from tests.conftest import PROJECT
from tests.conftest import READONLY
from tests.conftest import WRITE
from tests.conftest import Api
from tests.conftest import Reply
from tests.faults.kit import HOOKS
from tests.faults.kit import STATS
from tests.faults.kit import TAG_VALUES
from tests.faults.kit import USERS
from tests.faults.kit import Kit
from tests.faults.kit import make_kit

NAMES = ("Remaining", "Limit", "Reset", "ConcurrentRemaining", "ConcurrentLimit")
SMALL = {"base": "none", "default": {"limit": 3, "window": 10}}


def limits(reply: Reply) -> dict[str, str | None]:
    """The five rate-limit headers of an answer, by their short names."""
    return {name: reply.header(f"X-Sentry-Rate-Limit-{name}") for name in NAMES}


def expect(
    remaining: int, limit: int, reset: int, c_remaining: Any, c_limit: Any
) -> dict[str, str]:
    return dict(zip(NAMES, map(str, (remaining, limit, reset, c_remaining, c_limit)), strict=True))


def message(limit: int, window: int) -> bytes:
    text = f"You are attempting to use this endpoint too frequently. Limit is {limit} requests in "
    return json.dumps(text + f"{window} seconds").encode()


@pytest.fixture(params=["client", "socket"])
def build(request: pytest.FixtureRequest) -> Iterator[Callable[..., tuple[Kit, Api]]]:
    """``build(rateLimits=..., faults=...)``: a fresh app and an API client for it, through
    Flask's test client or over a real socket."""
    servers: list[MockServer] = []

    def make(**extra: Any) -> tuple[Kit, Api]:
        kit = make_kit(**extra)
        server = None
        if request.param == "socket":
            server = MockServer(kit.app).start()
            servers.append(server)
        return kit, Api(kit.app, request.param, server)

    yield make
    for server in servers:
        server.stop()


# --- off -----------------------------------------------------------------------------------------


def test_default_scenario_has_no_limits_and_no_headers(api: Api) -> None:
    # Self-hosted Sentry: the middleware returns before counting (SENTRY_SELF_HOSTED).
    for reply in (api.get(PROJECT), api.get(PROJECT, token=None)):
        assert reply.status in (200, 401)
        assert limits(reply) == dict.fromkeys(NAMES)


# --- windows and headers -------------------------------------------------------------------------


def test_saas_headers_on_the_first_request(build: Callable[..., tuple[Kit, Api]]) -> None:
    kit, api = build(rateLimits="saas")
    kit.clock.now = NOW + 0.25
    reply = api.get(PROJECT)
    assert reply.status == 200
    # Reset is the start of the next 1-second window; in flight counts this request.
    assert limits(reply) == expect(39, 40, NOW + 1, 24, 25)


def test_window_counts_down_then_a_new_window_starts_afresh(
    build: Callable[..., tuple[Kit, Api]],
) -> None:
    kit, api = build(rateLimits=SMALL)
    assert [limits(api.get(PROJECT)) for _ in range(3)] == [
        expect(remaining, 3, NOW + 10, 998, 999) for remaining in (2, 1, 0)
    ]
    kit.clock.now = NOW + 9.999
    assert api.get(PROJECT).status == 429
    kit.clock.now = NOW + 10
    reply = api.get(PROJECT)
    assert reply.status == 200
    assert limits(reply) == expect(2, 3, NOW + 20, 998, 999)


def test_429_is_the_middlewares_json_string_in_a_plain_response(
    build: Callable[..., tuple[Kit, Api]],
) -> None:
    kit, api = build(rateLimits=SMALL)
    for _ in range(3):
        api.get(PROJECT)
    reply = api.get(PROJECT)
    assert reply.status == 429
    assert reply.raw == message(3, 10)
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    assert reply.header("Retry-After") is None
    # A window-limited request never reaches the concurrent limiter: Django writes its None.
    assert limits(reply) == expect(0, 3, NOW + 10, None, 999)
    # apply_cors_headers(allowed_methods=[request.method])
    assert reply.header("Allow") == "GET"
    assert reply.header("Access-Control-Allow-Methods") == "GET"
    assert reply.header("Access-Control-Allow-Origin") == "*"
    registry = kit.app.extensions["mockserver"].registry
    assert registry.is_valid("error-rate-limit", json.loads(reply.raw))


def test_rejected_requests_count_too(build: Callable[..., tuple[Kit, Api]]) -> None:
    kit, api = build(rateLimits=SMALL)
    statuses = [api.get(PROJECT).status for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    windows = kit.app.test_client().get("/__admin/rate-limits").json["windows"]
    assert windows == [
        {"key": "ip:default:GET:127.0.0.1", "window": 10, "count": 5, "reset": NOW + 10}
    ]


def test_limit_comes_before_authentication(build: Callable[..., tuple[Kit, Api]]) -> None:
    _kit, api = build(rateLimits={"base": "none", "default": {"limit": 1, "window": 60}})
    first = api.get(PROJECT, token=None)
    assert first.status == 401
    assert limits(first)["Remaining"] == "0"
    second = api.get(PROJECT, token=None)
    assert (second.status, second.raw) == (429, message(1, 60))


# --- endpoints and callers -----------------------------------------------------------------------


def test_stats_has_its_own_window_of_5_per_second(build: Callable[..., tuple[Kit, Api]]) -> None:
    _kit, api = build(rateLimits="saas")
    replies = [api.get(STATS) for _ in range(6)]
    assert [limits(r)["Remaining"] for r in replies] == ["4", "3", "2", "1", "0", "0"]
    assert {limits(r)["Limit"] for r in replies} == {"5"}
    assert (replies[-1].status, replies[-1].raw) == (429, message(5, 1))
    # The default window of the caller was not touched.
    assert limits(api.get(PROJECT)) == expect(39, 40, NOW + 1, 24, 25)


def test_endpoints_without_limits_of_their_own_share_a_window_per_method(
    build: Callable[..., tuple[Kit, Api]],
) -> None:
    _kit, api = build(rateLimits="saas")
    assert limits(api.get(PROJECT))["Remaining"] == "39"
    assert limits(api.get(HOOKS))["Remaining"] == "38"
    # users/ has a limit of its own (for org callers), so its view is in every caller's key.
    assert limits(api.get(USERS)) == expect(39, 40, NOW + 1, 24, 25)
    # Another method, another window.
    put = api.put(PROJECT, json_body={"isBookmarked": True})
    assert limits(put)["Remaining"] == "39"


def test_users_allows_org_callers_5_per_minute(build: Callable[..., tuple[Kit, Api]]) -> None:
    _kit, api = build(rateLimits={"callers": {WRITE: "org"}})
    reply = api.get(USERS, token=WRITE)
    next_minute = (NOW // 60 + 1) * 60
    assert limits(reply) == expect(4, 5, next_minute, 24, 25)


def test_tag_values_limit_concurrency_per_category(build: Callable[..., tuple[Kit, Api]]) -> None:
    _kit, api = build(rateLimits={"callers": {WRITE: "org"}})
    assert limits(api.get(TAG_VALUES)) == expect(9, 10, NOW + 1, 9, 10)
    assert limits(api.get(TAG_VALUES, token=WRITE)) == expect(19, 20, NOW + 1, 4, 5)


def test_callers_are_counted_by_sentrys_categories(build: Callable[..., tuple[Kit, Api]]) -> None:
    _kit, api = build(rateLimits="saas")
    # User tokens count for their user: these two tokens belong to the same user.
    assert limits(api.get(PROJECT, token=READONLY))["Remaining"] == "39"
    assert limits(api.get(PROJECT, token=WRITE))["Remaining"] == "38"
    # Org auth tokens, anonymous and invalid credentials count for the address.
    assert limits(api.get(PROJECT))["Remaining"] == "39"
    assert limits(api.get(PROJECT, token=None))["Remaining"] == "38"
    invalid = api.get(PROJECT, token="nope")
    assert (invalid.status, limits(invalid)["Remaining"]) == (401, "37")


# --- concurrency ---------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["client", "socket"])
@pytest.mark.parametrize("enforce", [True, False])
def test_concurrent_limit_counts_requests_in_flight(transport: str, enforce: bool) -> None:
    policy = {
        "base": "none",
        "default": {"limit": 100, "window": 60, "concurrent": 2},
        "enforceConcurrent": enforce,
    }
    # The first two requests wait in their latency (after the limiter counted them) until the
    # test has made a third one.
    hold = {"route": "project-details", "method": "GET", "delay": 1, "when": {"first": 2}}
    kit = make_kit(rateLimits=policy, faults={"rules": [hold]})
    arrived = threading.Barrier(3, timeout=10)
    release = threading.Event()

    def wait_in_flight() -> None:
        arrived.wait()
        release.wait(timeout=10)

    kit.sleeps.hook = wait_in_flight
    server = MockServer(kit.app).start() if transport == "socket" else None
    try:
        held: list[Reply] = []

        def get() -> Reply:
            return Api(kit.app, transport, server).get(PROJECT)

        threads = [threading.Thread(target=lambda: held.append(get())) for _ in range(2)]
        for thread in threads:
            thread.start()
        arrived.wait()
        third = get()
        release.set()
        for thread in threads:
            thread.join(timeout=10)
        fourth = get()
    finally:
        release.set()
        if server is not None:
            server.stop()
    if enforce:
        assert (third.status, third.raw) == (429, message(100, 60))
    else:
        assert third.status == 200  # counted, not refused (ENFORCE_CONCURRENT_RATE_LIMITS off)
    assert limits(third) == expect(97, 100, (NOW // 60 + 1) * 60, 0, 2)
    assert sorted(limits(r)["ConcurrentRemaining"] or "" for r in held) == ["0", "1"]
    assert [r.status for r in held] == [200, 200]
    assert limits(fourth)["ConcurrentRemaining"] == "1"


# --- configuration -------------------------------------------------------------------------------


def test_admin_sets_and_drops_a_policy_at_run_time(build: Callable[..., tuple[Kit, Api]]) -> None:
    kit, api = build()
    admin = kit.app.test_client()
    described = admin.post("/__admin/rate-limits", json="saas").json
    assert (described["source"], described["policy"], described["default"]) == (
        "runtime",
        "saas",
        {"limit": 40, "window": 1, "concurrent": 25},
    )
    assert limits(api.get(PROJECT))["Remaining"] == "39"
    assert admin.get("/__admin/rate-limits").json["windows"][0]["count"] == 1
    assert admin.post("/__admin/rate-limits/reset").json["windows"] == []
    assert limits(api.get(PROJECT))["Remaining"] == "39"
    dropped = admin.delete("/__admin/rate-limits").json
    assert (dropped["source"], dropped["enabled"], dropped["policy"]) == ("scenario", False, "off")
    assert limits(api.get(PROJECT)) == dict.fromkeys(NAMES)


def test_admin_refuses_a_policy_that_is_not_one(build: Callable[..., tuple[Kit, Api]]) -> None:
    kit, _api = build()
    admin = kit.app.test_client()
    reply = admin.post("/__admin/rate-limits", json={"base": "fast"})
    assert reply.status_code == 400
    assert reply.content_type == "application/problem+json"
    assert reply.json["detail"].startswith("not a rate-limit policy: $")
    unknown = admin.post("/__admin/rate-limits", json={"callers": {"sntryu_NOBODY": "org"}})
    assert unknown.status_code == 400
    assert "no token 'sntryu_NOBODY' in the scenario" in unknown.json["detail"]


def test_command_line_policy_beats_the_scenarios() -> None:
    kit = make_kit(environ={"MOCKSERVER_RATE_LIMITS": "2/10/1"}, rateLimits="saas")
    reply = kit.app.test_client().get(PROJECT, headers={"Authorization": "Bearer sntrys_TOKEN"})
    assert reply.headers["X-Sentry-Rate-Limit-Limit"] == "2"
    assert reply.headers["X-Sentry-Rate-Limit-ConcurrentLimit"] == "1"
    assert kit.app.test_client().get("/__admin/rate-limits").json["source"] == "cli"


def test_command_line_policy_must_be_one() -> None:
    with pytest.raises(ConfigError, match=r"MOCKSERVER_RATE_LIMITS / --rate-limits: 'fast': use"):
        make_kit(environ={"MOCKSERVER_RATE_LIMITS": "fast"})


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("off", "off"),
        ("SaaS", "saas"),
        ("10/1", {"base": "none", "default": {"limit": 10, "window": 1}}),
        ("100/60/5", {"base": "none", "default": {"limit": 100, "window": 60, "concurrent": 5}}),
        (
            '{"base": "saas", "enforceConcurrent": true}',
            {"base": "saas", "enforceConcurrent": True},
        ),
    ],
)
def test_rate_limits_option_syntax(text: str, spec: Any) -> None:
    assert parse_rate_limits_option(text) == spec


@pytest.mark.parametrize("text", ["fast", "10", "10/0", "1/2/3/4", "{nope"])
def test_rate_limits_option_refuses_other_values(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_rate_limits_option(text)


def test_scenario_callers_must_be_tokens_of_the_scenario() -> None:
    with pytest.raises(ScenarioError, match=r"\$\.rateLimits\.callers\.sntryu_NOBODY: no token"):
        make_kit(rateLimits={"callers": {"sntryu_NOBODY": "org"}})


def test_a_scenario_loaded_at_run_time_brings_its_limits(
    tmp_path: Path, build: Callable[..., tuple[Kit, Api]]
) -> None:
    kit, api = build(rateLimits="saas")
    assert limits(api.get(PROJECT))["Limit"] == "40"
    path = tmp_path / "strict.yaml"
    text = default_scenario().read_text(encoding="utf-8")
    path.write_text(text + "\nrateLimits: {base: none, default: {limit: 1, window: 60}}\n")
    kit.app.extensions["mockserver"].load(path)
    assert limits(api.get(PROJECT)) == expect(0, 1, (NOW // 60 + 1) * 60, 998, 999)
    assert api.get(PROJECT).status == 429


def test_every_route_has_sentrys_endpoint_name_for_its_key() -> None:
    endpoints = [route.endpoint for route in ROUTES.values()]
    assert len(set(endpoints)) == len(ROUTES)
    assert all(name.startswith("Project") and name.endswith("Endpoint") for name in endpoints)
