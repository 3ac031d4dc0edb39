"""Faults as a client sees them: broken connections on the real socket (werkzeug's server and
waitress), Sentry's and nginx's error answers, seeded latency and conditions, the admin API,
the command line, and the scenario's documented examples.

Latency is observed through an injected sleep, never measured.
"""

from __future__ import annotations

import errno
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from granian.wsgi import Response as GranianStartResponse
from werkzeug.test import EnvironBuilder

from mockserver import create_app
from mockserver.cli import main
from mockserver.config import Config
from mockserver.errors import ConfigError
from mockserver.errors import ScenarioError
from mockserver.faults import connection as netfaults
from mockserver.faults.connection import MALFORMED_CHUNK_HEAD
from mockserver.faults.limits import Category
from mockserver.faults.model import FaultSpecError
from mockserver.faults.options import parse_fault_option
from mockserver.http.routes import ROUTES
from mockserver.resources import default_scenario
from mockserver.schemas.registry import SchemaRegistry
from mockserver.state import state_of
from mockserver.testing import MockServer
from tests.conftest import NOW
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.faults.kit import AUTH
from tests.faults.kit import HOOKS
from tests.faults.kit import SERVERS
from tests.faults.kit import STATS
from tests.faults.kit import USERS
from tests.faults.kit import Kit
from tests.faults.kit import http_get
from tests.faults.kit import make_kit
from tests.faults.kit import raw_exchange
from tests.faults.kit import scenario
from tests.faults.kit import serving

MOCKSERVER = Path(sys.executable).parent / "mockserver"
CORS = ("allow", "access-control-allow-origin", "access-control-allow-methods")
RATE_LIMIT_HEADERS = ("x-sentry-rate-limit-limit", "x-sentry-rate-limit-remaining")


def nginx(status: int, reason: str) -> bytes:
    title = f"{status} {reason}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1>"
        "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


def rule(**fields: Any) -> dict[str, Any]:
    return {"faults": {"rules": [fields]}}


@pytest.fixture(scope="module")
def socket_kit() -> Kit:
    """One app for the socket tests: each asks for its fault with ``Prefer``."""
    return make_kit()


@pytest.fixture(scope="module", params=SERVERS)
def port(request: pytest.FixtureRequest, socket_kit: Kit) -> Iterator[int]:
    """The app on werkzeug's threaded server (MockServer) and on waitress (mockserver serve)."""
    with serving(socket_kit.app, request.param) as bound:
        yield bound


def real_body(port: int) -> bytes:
    got = http_get(port, PROJECT)
    assert got.status == 200
    return got.body


# --- connection faults, on the socket ------------------------------------------------------------


def test_reset_is_a_tcp_reset_before_any_byte(port: int) -> None:
    with pytest.raises(ConnectionResetError) as raised:
        raw_exchange(port, PROJECT, {"Prefer": "fault=reset"})
    assert raised.value.errno == errno.ECONNRESET
    got = http_get(port, PROJECT, {"Prefer": "fault=reset"})
    # Not http.client's RemoteDisconnected (a ConnectionResetError subclass for a clean close).
    assert type(got.error) is ConnectionResetError
    assert got.status is None


def test_empty_is_the_connection_closed_before_any_byte(port: int) -> None:
    assert raw_exchange(port, PROJECT, {"Prefer": "fault=empty"}) == b""
    got = http_get(port, PROJECT, {"Prefer": "fault=empty"})
    assert type(got.error) is http.client.RemoteDisconnected
    assert got.status is None


def test_garbage_is_random_bytes_then_closed(port: int, socket_kit: Kit) -> None:
    sent = raw_exchange(port, PROJECT, {"Prefer": "fault=garbage"})
    assert len(sent) == 64
    assert min(sent) >= 0x80  # never a status line, a chunk size or a line break
    assert type(http_get(port, PROJECT, {"Prefer": "fault=garbage"}).error) is (
        http.client.BadStatusLine
    )


def test_malformed_chunk_is_a_200_head_then_a_broken_chunked_body(port: int) -> None:
    sent = raw_exchange(port, PROJECT, {"Prefer": "fault=MALFORMED_RESPONSE_CHUNK"})
    assert sent.startswith(MALFORMED_CHUNK_HEAD)
    assert len(sent) == len(MALFORMED_CHUNK_HEAD) + 64
    got = http_get(port, PROJECT, {"Prefer": "fault=malformed_chunk"})
    assert got.status == 200
    assert got.failed_reading_body
    assert type(got.error) is http.client.IncompleteRead


def test_truncated_announces_the_whole_body_and_sends_half(port: int) -> None:
    body = real_body(port)
    got = http_get(port, PROJECT, {"Prefer": "fault=truncated"})
    assert got.status == 200
    assert got.header("Content-Length") == str(len(body))
    assert type(got.error) is http.client.IncompleteRead
    assert isinstance(got.error, http.client.IncompleteRead)
    assert got.error.partial == body[: len(body) // 2]


def test_malformed_is_a_complete_answer_with_its_json_cut(port: int) -> None:
    body = real_body(port)
    got = http_get(port, PROJECT, {"Prefer": "fault=malformed"})
    assert (got.status, got.error) == (200, None)
    assert got.body == body[: len(body) // 2]
    assert got.header("Content-Length") == str(len(body) // 2)
    assert got.header("Content-Type") == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(got.body)


def test_connection_faults_leave_the_server_serving(port: int) -> None:
    for fault in ("reset", "empty", "garbage", "malformed_chunk", "truncated"):
        http_get(port, PROJECT, {"Prefer": f"fault={fault}"})
    assert http_get(port, PROJECT).status == 200


def test_connection_fault_with_a_request_body_is_still_clean(port: int) -> None:
    # The body is read first, so the close is a FIN and not a reset for unread bytes.
    body = json.dumps({"url": "https://example.com/" + "x" * 20_000}).encode()
    got = http_get(
        port,
        HOOKS,
        {"Prefer": "fault=empty", "Content-Type": "application/json"},
        method="POST",
        body=body,
    )
    assert type(got.error) is http.client.RemoteDisconnected


def test_without_a_socket_the_caller_gets_what_a_socket_client_would() -> None:
    kit = make_kit(**rule(route="project-details", fault="reset"))
    with pytest.raises(ConnectionResetError):
        kit.app.test_client().get(PROJECT, headers=AUTH)
    with pytest.raises(http.client.RemoteDisconnected):
        kit.app.test_client().get(PROJECT, headers={**AUTH, "Prefer": "fault=empty"})
    truncated = kit.app.test_client().get(PROJECT, headers={**AUTH, "Prefer": "fault=truncated"})
    # Half of the announced body (rounded down: the project's JSON has an odd length).
    assert len(truncated.data) == int(truncated.headers["Content-Length"]) // 2


def test_a_server_that_keeps_the_connection_answers_nginxs_502_instead(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # granian (mockserver serve's default) hands the app no connection to break.
    kit = make_kit(**rule(route="project-users", fault="reset"))
    client = kit.app.test_client()
    for _ in range(2):
        reply = client.get(USERS, headers=AUTH, environ_overrides={"SERVER_SOFTWARE": "Granian"})
        assert (reply.status, reply.data) == ("502 Bad Gateway", nginx(502, "Bad Gateway"))
        assert reply.headers["X-Mockserver-Connection-Fault"] == "reset"
        assert "Access-Control-Allow-Origin" not in reply.headers
        # What the client received, recorded as such.
        entry = state_of(kit.app).journal.entries()[-1]
        assert (entry.status, entry.response_body) == (502, nginx(502, "Bad Gateway"))
    warnings = [r.getMessage() for r in caplog.records if r.name == "mockserver"]
    assert warnings == [
        "Granian cannot break connections: the reset fault answers nginx's 502 instead "
        "(for the real thing, serve with mockserver serve --server waitress)"
    ]


def test_a_server_that_keeps_the_connection_gets_malformed_chunk_as_a_body_that_breaks(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # granian writes the head the app's last start_response gave and the pieces its iterator
    # yields; an exception from the iterator makes it close the connection mid-body.
    monkeypatch.setattr(netfaults, "FLUSH_WAIT", 0.0)  # the time granian gets to send the bytes
    kit = make_kit()
    noise = state_of(make_kit().app).faults.noise()  # the first draw of the same seed
    environ = EnvironBuilder(
        path=PROJECT, headers=[*AUTH.items(), ("Prefer", "fault=malformed_chunk")]
    ).get_environ()
    environ["SERVER_SOFTWARE"] = "Granian"
    start_response = GranianStartResponse()  # type: ignore[no-untyped-call]
    body = kit.app(environ, start_response)
    assert (start_response.status, start_response.headers) == (
        200,
        [("Content-Type", "application/json")],
    )
    pieces: list[bytes] = []
    with pytest.raises(ConnectionAbortedError) as raised:
        pieces.extend(body)
    assert str(raised.value) == "[Errno 103] mockserver connection fault: malformed_chunk"
    assert pieces == [noise]
    assert kit.last_faults == [{"source": "prefer", "rule": None, "fault": "malformed_chunk"}]
    (entry,) = state_of(kit.app).journal.entries()
    assert entry.faults == ({"source": "prefer", "rule": None, "fault": "malformed_chunk"},)
    assert (entry.status, entry.response_headers, entry.response_body) == (
        200,
        (("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")),
        noise,
    )
    assert [r for r in caplog.records if r.name == "mockserver"] == []


@pytest.mark.parametrize("fault", ["reset", "empty", "garbage", "malformed_chunk"])
def test_the_journal_records_what_the_client_received(
    port: int, socket_kit: Kit, fault: str
) -> None:
    journal = state_of(socket_kit.app).journal
    http_get(port, PROJECT, {"Prefer": f"fault={fault}"})
    # The entry is recorded before the connection breaks: it is there once the client saw it.
    entry = journal.entries()[-1]
    noise = entry.response_body
    expected = {
        "reset": (0, (), b""),
        "empty": (0, (), b""),
        "garbage": (0, (), noise),
        "malformed_chunk": (
            200,
            (("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")),
            noise,
        ),
    }[fault]
    assert (entry.status, entry.response_headers, entry.response_body) == expected
    assert len(noise) == (64 if fault in ("garbage", "malformed_chunk") else 0)
    assert entry.faults[0]["fault"] == fault
    assert entry.summary().endswith("→ no response" if expected[0] == 0 else "→ 200")


# --- error answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason"),
    [(502, "Bad Gateway"), (503, "Service Temporarily Unavailable"), (504, "Gateway Time-out")],
)
@pytest.mark.parametrize("server", SERVERS)
def test_gateway_errors_are_nginx_pages_without_sentrys_headers(
    status: int, reason: str, server: str
) -> None:
    kit = make_kit(rateLimits="saas", **rule(route="project-stats", status=status))
    with serving(kit.app, server) as bound:
        got = http_get(bound, STATS)
        after = http_get(bound, PROJECT)
    assert (got.status, got.reason, got.body) == (status, reason, nginx(status, reason))
    assert got.header("Content-Type") == "text/html"
    # Nothing behind nginx answered: no CORS headers, no rate-limit headers, not counted.
    assert all(got.header(name) is None for name in CORS + RATE_LIMIT_HEADERS)
    assert after.header("x-sentry-rate-limit-remaining") == "39"
    assert len(nginx(502, "Bad Gateway")) == 150  # the size self-hosted Sentry's nginx logs


@pytest.mark.parametrize(
    ("fault", "status", "body", "extra"),
    [
        (
            "token_revoked",
            401,
            {"detail": "Invalid token"},
            {"WWW-Authenticate": 'xBasic realm="api"'},
        ),
        (
            "permission_denied",
            403,
            {"detail": "You do not have permission to perform this action."},
            {},
        ),
        (
            "feature_disabled",
            403,
            {
                "error_type": "unavailable_feature",
                "detail": ["You do not have that feature enabled"],
            },
            {},
        ),
        ("not_found", 404, {"detail": "The requested resource does not exist"}, {}),
        (
            "query_throttled",
            429,
            {
                "detail": "Rate limit exceeded. Please try your query with a smaller date range "
                "or fewer projects."
            },
            {},
        ),
    ],
)
def test_sentry_errors_have_sentrys_bodies_and_headers(
    fault: str, status: int, body: Any, extra: dict[str, str]
) -> None:
    kit = make_kit(rateLimits="saas", **rule(route="project-hooks", fault=fault))
    reply = kit.app.test_client().get(HOOKS, headers=AUTH)
    assert (reply.status_code, reply.json) == (status, body)
    assert reply.content_type == "application/json"
    for name, value in extra.items():
        assert reply.headers[name] == value
    # Sentry answered: its CORS headers (for the route) and the rate-limit headers.
    assert reply.headers["Allow"] == "GET, POST, OPTIONS"
    assert reply.headers["X-Sentry-Rate-Limit-Remaining"] == "39"
    assert kit.last_faults == [
        {"source": "scenario", "rule": "rule-1", "fault": fault, "status": status}
    ]


def test_server_error_has_a_seeded_error_id() -> None:
    kit = make_kit(**rule(route="project-users", status=500))
    client = kit.app.test_client()
    first = client.get(USERS, headers=AUTH).json
    second = client.get(USERS, headers=AUTH).json
    assert first["detail"] == "Internal Error"
    assert re.fullmatch(r"[0-9a-f]{32}", first["errorId"])
    assert uuid.UUID(first["errorId"]).version == 4
    assert first["errorId"] != second["errorId"]
    assert kit.last_faults[0]["errorId"] == second["errorId"]
    # Same seed, same ids: after a reset, and in another app.
    client.post("/__admin/faults/reset")
    assert client.get(USERS, headers=AUTH).json == first
    assert (
        make_kit(**rule(route="project-users", status=500))
        .app.test_client()
        .get(USERS, headers=AUTH)
        .json
        == first
    )
    # An injected 500 is not one of the mock's own errors.
    assert kit.app.extensions["mockserver"].take_errors() == []


def test_rate_limited_fault_is_the_middlewares_429_with_saas_numbers() -> None:
    kit = make_kit(**rule(route="project-stats", fault="rate_limited"))
    kit.clock.now = NOW + 0.5
    reply = kit.app.test_client().get(STATS, headers=AUTH)
    assert reply.status_code == 429
    assert reply.data == (
        b'"You are attempting to use this endpoint too frequently. Limit is 5 requests in 1 '
        b'seconds"'
    )
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["X-Sentry-Rate-Limit-Remaining"] == "0"
    assert reply.headers["X-Sentry-Rate-Limit-Reset"] == str(NOW + 1)
    assert reply.headers["X-Sentry-Rate-Limit-ConcurrentRemaining"] == "None"
    assert reply.headers["Allow"] == "GET"


# --- latency -------------------------------------------------------------------------------------


def test_fixed_delay_is_waited_out_before_the_answer() -> None:
    kit = make_kit(**rule(route="project-details", method="GET", delay=800))
    reply = kit.app.test_client().get(PROJECT, headers=AUTH)
    assert reply.status_code == 200
    assert kit.sleeps.ms == [800.0]
    assert kit.last_faults == [{"source": "scenario", "rule": "rule-1", "delayMs": 800.0}]
    kit.app.test_client().put(PROJECT, headers=AUTH, json={"isBookmarked": True})
    assert kit.sleeps.ms == [800.0]  # PUT is out of the rule's scope


@pytest.mark.parametrize(
    ("delay", "draw"),
    [
        ({"type": "uniform", "min": 100, "max": 900}, lambda r: r.uniform(100, 900)),
        (
            {"type": "lognormal", "median": 250, "sigma": 0.4},
            lambda r: 250 * r.lognormvariate(0.0, 0.4),
        ),
        (
            {"type": "lognormal", "median": 250, "sigma": 2, "max": 400},
            lambda r: min(250 * r.lognormvariate(0.0, 2), 400),
        ),
    ],
)
def test_delay_distributions_draw_from_the_rules_seeded_generator(delay: Any, draw: Any) -> None:
    kit = make_kit(faults={"seed": 42, "rules": [{"name": "lag", "delay": delay}]})
    client = kit.app.test_client()
    for _ in range(20):
        client.get(PROJECT, headers=AUTH)
    rng = random.Random("42:lag:delay")
    expected = [draw(rng) / 1000 for _ in range(20)]
    assert kit.sleeps.seconds == pytest.approx(expected, rel=1e-12)
    if delay["type"] == "lognormal" and "max" in delay:
        assert max(kit.sleeps.seconds) == pytest.approx(0.4)


def test_delays_of_every_firing_rule_add_up_and_the_first_failure_wins() -> None:
    rules = [
        {"name": "network", "delay": 100},
        {"name": "down", "route": "project-stats", "status": 503, "delay": 50},
        {"name": "broken", "route": "project-stats", "status": 500, "delay": 25},
    ]
    kit = make_kit(faults={"rules": rules})
    reply = kit.app.test_client().get(STATS, headers=AUTH)
    assert reply.status_code == 503
    assert kit.sleeps.ms == [175.0]
    assert kit.last_faults == [
        {"source": "scenario", "rule": "network", "delayMs": 100.0},
        {"source": "scenario", "rule": "broken", "delayMs": 25.0},
        {
            "source": "scenario",
            "rule": "down",
            "fault": "service_unavailable",
            "status": 503,
            "delayMs": 50.0,
        },
    ]


# --- when ----------------------------------------------------------------------------------------


def statuses(kit: Kit, path: str, count: int) -> list[int]:
    client = kit.app.test_client()
    return [client.get(path, headers=AUTH).status_code for _ in range(count)]


def test_first_n_requests() -> None:
    kit = make_kit(**rule(route="project-stats", status=502, when={"first": 2}))
    assert statuses(kit, STATS, 4) == [502, 502, 200, 200]


def test_every_nth_request() -> None:
    kit = make_kit(**rule(route="project-stats", status=504, when={"every": 3}))
    assert statuses(kit, STATS, 7) == [200, 200, 504, 200, 200, 504, 200]


def test_probability_is_seeded_and_reproducible() -> None:
    faults = {"seed": 3, "rules": [{"name": "flaky", "status": 500, "when": {"probability": 0.3}}]}
    rng = random.Random("3:flaky:when")
    expected = [500 if rng.random() < 0.3 else 200 for _ in range(30)]
    first = make_kit(faults=faults)
    assert statuses(first, PROJECT, 30) == expected
    assert 200 in expected
    assert 500 in expected
    assert statuses(make_kit(faults=faults), PROJECT, 30) == expected
    first.app.test_client().post("/__admin/faults/reset")
    assert statuses(first, PROJECT, 30) == expected


def test_conditions_combine_and_count_only_matching_requests() -> None:
    faults = rule(route="project-stats", method="GET", status=503, when={"first": 4, "every": 2})
    kit = make_kit(**faults)
    client = kit.app.test_client()
    results = []
    for _ in range(6):
        client.get(PROJECT, headers=AUTH)  # another route: not counted
        results.append(client.get(STATS, headers=AUTH).status_code)
    assert results == [200, 503, 200, 503, 200, 200]


# --- presets and the scenario --------------------------------------------------------------------


def test_rules_use_presets_and_override_their_keys() -> None:
    faults = {
        "presets": {"flaky": {"status": 503, "delay": 300, "when": {"every": 2}}},
        "rules": [
            {"route": "project-stats", "preset": "flaky"},
            {"route": "project-users", "preset": "flaky", "status": 500, "when": {"first": 1}},
        ],
    }
    kit = make_kit(faults=faults)
    assert statuses(kit, STATS, 2) == [200, 503]
    assert statuses(kit, USERS, 2) == [500, 200]
    assert kit.sleeps.ms == [300.0, 300.0]


def test_default_scenario_has_no_faults_and_documents_a_valid_block() -> None:
    text = default_scenario().read_text(encoding="utf-8")
    head, marker, section = text.partition("# --- Faults and rate limits")
    assert marker
    data = yaml.safe_load(head)
    assert "faults" not in data
    assert "rateLimits" not in data
    # Uncomment the block: lines with a single '#' are the example, '##' lines are prose.
    lines = [
        line[2:] if line.startswith("# ") else ""
        for line in section.splitlines()[1:]
        if not line.startswith("##")
    ]
    fragment = yaml.safe_load("\n".join(lines))
    assert sorted(fragment) == ["faults", "rateLimits"]
    kit = make_kit(**fragment)
    described = kit.app.test_client().get("/__admin/faults").json
    assert len(described["rules"]) == 8
    assert "flaky" in described["presets"]
    assert kit.app.test_client().get("/__admin/rate-limits").json["enforceConcurrent"] is True


@pytest.mark.parametrize(
    ("faults", "match"),
    [
        (
            {"rules": [{"route": "project-stats", "preset": "nope"}]},
            r"line \d+, \$\.faults\.rules\[0\]\.preset: no preset 'nope'",
        ),
        (
            {"rules": [{"route": "project-stats", "status": 503, "fault": "reset"}]},
            r"\$\.faults\.rules\[0\]: has both 'fault' and 'status'",
        ),
        ({"rules": [{"route": "project-stats"}]}, r"the rule does nothing"),
        (
            {"rules": [{"name": "a", "delay": 1}, {"name": "a", "delay": 2}]},
            r"\$\.faults\.rules\[1\]\.name: duplicate rule name 'a'",
        ),
        (
            {"rules": [{"delay": {"type": "uniform", "min": 9, "max": 1}}]},
            r"min 9 is above max 1",
        ),
        ({"rules": [{"fault": "explode"}]}, r"\$\.faults\.rules\[0\]\.fault: 'explode' is not"),
        ({"rules": [{"route": "stats/", "delay": 1}]}, r"\$\.faults\.rules\[0\]\.route"),
    ],
)
def test_scenario_faults_are_checked_with_file_and_line(
    tmp_path: Path, faults: Any, match: str
) -> None:
    path = tmp_path / "faulty.yaml"
    path.write_text(
        default_scenario().read_text(encoding="utf-8") + "\n" + yaml.safe_dump({"faults": faults})
    )
    with pytest.raises(ScenarioError, match=match) as raised:
        create_app(Config(scenario=path))
    assert str(raised.value).startswith(str(path))


def test_a_scenario_loaded_at_run_time_brings_its_faults(tmp_path: Path) -> None:
    kit = make_kit(**rule(route="project-stats", status=503))
    path = tmp_path / "other.yaml"
    path.write_text(
        default_scenario().read_text(encoding="utf-8")
        + "\nfaults: {rules: [{route: project-users, status: 500}]}\n"
    )
    kit.app.extensions["mockserver"].load(path)
    assert statuses(kit, STATS, 1) == [200]
    assert statuses(kit, USERS, 1) == [500]


def test_a_scenario_loaded_at_run_time_with_unusable_faults_is_refused_whole(
    tmp_path: Path,
) -> None:
    kit = make_kit(**rule(route="project-stats", status=503))
    path = tmp_path / "broken.yaml"
    path.write_text(
        default_scenario().read_text(encoding="utf-8")
        + "\nfaults: {rules: [{route: project-users, preset: nope}]}\n"
    )
    expected = (
        f"{path}: line {len(path.read_text().splitlines())}, $.faults.rules[0].preset: no preset"
    )
    state = state_of(kit.app)
    before = state.store.world
    with pytest.raises(ScenarioError) as raised:
        state.load(path)
    assert str(raised.value).startswith(expected)
    with pytest.raises(ScenarioError) as raised:
        MockServer(kit.app).load_scenario(str(path))
    assert str(raised.value).startswith(expected)
    # The admin API answers the same error, and the old scenario stays, faults and all.
    admin = kit.app.test_client()
    refused = admin.post("/__admin/scenario", json={"path": str(path)})
    assert refused.status_code == 400
    assert refused.json["detail"].startswith(expected)
    assert state.store.world is before
    assert statuses(kit, USERS, 1) == [200]
    assert statuses(kit, STATS, 1) == [503]
    described = admin.get("/__admin/faults").json
    assert [r["route"] for r in described["rules"]] == ["project-stats"]
    assert "scenarioError" not in described


def test_a_scenario_loaded_at_run_time_with_unusable_rate_limits_is_refused_whole() -> None:
    kit = make_kit(rateLimits="saas")
    inline = scenario(rateLimits={"callers": {"sntryu_NOBODY": "org"}})
    with pytest.raises(
        ScenarioError, match=r"<inline>: \$\.rateLimits\.callers\.sntryu_NOBODY: no token"
    ):
        state_of(kit.app).load(inline)
    assert kit.app.test_client().get("/__admin/rate-limits").json["policy"] == "saas"


# --- admin API -----------------------------------------------------------------------------------


def test_admin_adds_lists_removes_and_resets_rules() -> None:
    kit = make_kit(**rule(name="stats-down", route="project-stats", status=503))
    admin = kit.app.test_client()
    added = admin.post(
        "/__admin/faults",
        json={"route": "project-users", "fault": "not_found", "when": {"first": 1}},
    )
    assert added.status_code == 201
    assert added.json["rule"] == {
        "name": "runtime-1",
        "source": "runtime",
        "route": "project-users",
        "method": "*",
        "fault": "not_found",
        "preset": None,
        "delay": None,
        "when": {"first": 1},
        "matched": 0,
        "fired": 0,
    }
    assert statuses(kit, USERS, 2) == [404, 200]
    listed = admin.get("/__admin/faults").json
    assert [(r["name"], r["matched"], r["fired"]) for r in listed["rules"]] == [
        ("stats-down", 0, 0),
        ("runtime-1", 2, 1),
    ]
    assert admin.delete("/__admin/faults/stats-down").json == {"removed": 1}
    assert statuses(kit, STATS, 1) == [200]
    assert admin.delete("/__admin/faults/stats-down").status_code == 404
    assert admin.delete("/__admin/faults").json == {"removed": 1}
    assert admin.get("/__admin/faults").json["rules"] == []
    reset = admin.post("/__admin/faults/reset").json
    assert [r["name"] for r in reset["rules"]] == ["stats-down"]
    assert statuses(kit, STATS, 1) == [503]


def test_admin_refuses_rules_that_are_not_rules() -> None:
    admin = make_kit(**rule(name="taken", delay=1)).app.test_client()
    bad = admin.post("/__admin/faults", json={"fault": "explode"})
    assert bad.status_code == 400
    assert bad.content_type == "application/problem+json"
    assert bad.json["detail"].startswith("not a fault rule: $.fault: 'explode' is not one of")
    uniform = admin.post("/__admin/faults", json={"delay": {"type": "uniform", "min": 1}})
    assert uniform.json["detail"] == "not a fault rule: $.delay: 'max' is a required property"
    assert admin.post("/__admin/faults", json={"name": "taken", "delay": 1}).status_code == 409
    assert admin.post("/__admin/faults", data="nope").status_code == 400


# --- command line --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("503", {"status": 503}),
        ("reset,every=3", {"fault": "reset", "when": {"every": 3}}),
        ("CONNECTION_RESET_BY_PEER", {"fault": "reset"}),
        ("flaky,route=project-stats", {"preset": "flaky", "route": "project-stats"}),
        (
            "503,route=project-hooks,method=POST,first=2,probability=0.5,name=x",
            {
                "status": 503,
                "route": "project-hooks",
                "method": "POST",
                "name": "x",
                "when": {"first": 2, "probability": 0.5},
            },
        ),
        ("delay=800", {"delay": 800.0}),
        ("slow,method=GET|PUT", {"fault": "slow", "method": ["GET", "PUT"]}),
        ("delay=uniform:100:900", {"delay": {"type": "uniform", "min": 100.0, "max": 900.0}}),
        (
            "delay=lognormal:250:0.4:3000",
            {"delay": {"type": "lognormal", "median": 250.0, "sigma": 0.4, "max": 3000.0}},
        ),
    ],
)
def test_fault_option_syntax(text: str, parsed: dict[str, Any]) -> None:
    assert parse_fault_option(text) == parsed


@pytest.mark.parametrize("text", ["503,oops", "delay=soon", "503,color=red", "first=x"])
def test_fault_option_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_fault_option(text)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("503,probability=nan", "probability"),
        ("503,probability=NaN", "probability"),
        ("delay=nan", "delay"),
        ("delay=uniform:1:nan", "delay"),
        ("delay=lognormal:nan:0.4", "delay"),
    ],
)
def test_a_fault_option_with_nan_is_refused_and_never_stored(text: str, key: str) -> None:
    # NaN passes every range check of the schema; stored, it made GET /__admin/faults a 500.
    with pytest.raises(FaultSpecError) as info:
        parse_fault_option(text)
    assert info.value.problem == f"{key}={text.split(key + '=')[1]!r} is not valid"
    with pytest.raises(ConfigError, match=r"is not valid"):
        Config.from_env({}, faults=[text])


def test_a_rate_limit_option_with_nan_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        Config.from_env({}, rate_limits='{"default": {"limit": 1, "window": NaN}}')
    assert str(info.value) == (
        "MOCKSERVER_RATE_LIMITS / --rate-limits: not valid JSON: NaN is not a number a rate "
        "limit can have"
    )


def test_faults_from_the_environment_come_after_the_scenarios() -> None:
    kit = make_kit(
        environ={"MOCKSERVER_FAULTS": "503,route=project-stats,first=1; delay=5"},
        **rule(name="slow-stats", route="project-stats", delay=10),
    )
    names = [
        (r["name"], r["source"]) for r in kit.app.test_client().get("/__admin/faults").json["rules"]
    ]
    assert names == [("slow-stats", "scenario"), ("cli-1", "cli"), ("cli-2", "cli")]
    assert statuses(kit, STATS, 2) == [503, 200]
    assert kit.sleeps.ms == [15.0, 15.0]


def test_faults_from_the_environment_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"MOCKSERVER_FAULTS / --fault '418': \$\.status"):
        make_kit(environ={"MOCKSERVER_FAULTS": "418"})


def test_serve_switches_faults_on_from_the_command_line() -> None:
    process = subprocess.Popen(
        [
            str(MOCKSERVER),
            "serve",
            "--server",
            "waitress",
            "--port",
            "0",
            "--fault",
            "503,route=project-stats,first=1",
            "--fault",
            "reset,route=project-users",
            "--rate-limits",
            "saas",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None
    try:
        line = process.stderr.readline()  # blocks until the socket is bound: no sleep
        match = re.search(r"on http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        bound = int(match.group(1))
        first, second = http_get(bound, STATS), http_get(bound, STATS)
        reset = http_get(bound, USERS)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        process.stderr.close()
    assert (first.status, first.body) == (503, nginx(503, "Service Temporarily Unavailable"))
    assert second.status == 200
    assert second.header("x-sentry-rate-limit-limit") == "5"
    assert type(reset.error) is ConnectionResetError


def test_serve_refuses_a_fault_it_cannot_read() -> None:
    result = subprocess.run(
        [str(MOCKSERVER), "serve", "--port", "0", "--fault", "503,color=red"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--fault: 503,color=red: unknown key 'color'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "418"], "MOCKSERVER_FAULTS / --fault '418': $.status:"),
        (
            ["--fault", "503;reset"],
            "MOCKSERVER_FAULTS / --fault '503;reset': give one fault per --fault, without ';'",
        ),
        (["--rate-limits", "fast"], "MOCKSERVER_RATE_LIMITS / --rate-limits: 'fast': use off"),
    ],
)
def test_serve_refuses_faults_it_cannot_use_before_starting(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("served")

    monkeypatch.setattr("mockserver.serving.serve_forever", never)
    result = CliRunner().invoke(main, ["serve", "--port", "0", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_the_settings_carry_the_command_lines_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    environ = {"MOCKSERVER_FAULTS": " 503,route=project-stats ;; delay=5 "}
    config = Config.from_env({**environ, "MOCKSERVER_RATE_LIMITS": "10/1"})
    assert config.faults == ("503,route=project-stats", "delay=5")
    assert config.rate_limits == "10/1"
    assert config.fault_options.rules == ({"status": 503, "route": "project-stats"}, {"delay": 5.0})
    assert config.fault_options.policy is not None
    assert config.fault_options.policy.default.limit == 10
    # --fault (an override) replaces the variable's faults.
    assert Config.from_env(environ, faults=["reset"]).faults == ("reset",)
    assert Config.from_env({}).fault_options.rules == ()
    # Settings made directly are parsed and checked the same way, once.
    with pytest.raises(ConfigError, match=r"MOCKSERVER_FAULTS / --fault: 503,oops: 'oops'"):
        Config(faults=("503,oops",))
    # Only Config.from_env reads the environment: an app built from settings does not.
    monkeypatch.setenv("MOCKSERVER_FAULTS", "503")
    monkeypatch.setenv("MOCKSERVER_RATE_LIMITS", "saas")
    app = create_app(Config(scenario=scenario(), faults=("reset,name=cut",)))
    assert [(r.name, r.source) for r in state_of(app).faults.rules()] == [("cut", "cli")]
    assert state_of(app).limiter.source == "scenario"
    assert not state_of(app).limiter.policy.enabled


def test_a_fault_option_may_use_the_scenarios_presets() -> None:
    kit = make_kit(
        environ={"MOCKSERVER_FAULTS": "flaky,route=project-stats"},
        faults={"presets": {"flaky": {"status": 502}}},
    )
    assert statuses(kit, STATS, 1) == [502]
    with pytest.raises(ConfigError, match=r"MOCKSERVER_FAULTS / --fault: \[0\]\.preset: no pre"):
        make_kit(environ={"MOCKSERVER_FAULTS": "flaky,route=project-stats"})


@pytest.mark.parametrize(
    ("seed", "faults_seed", "expected"),
    [(None, None, 0), (None, 3, 3), (5, 3, 5), (5, None, 5)],
)
def test_the_seed_setting_beats_the_faults_seed_which_beats_the_scenarios(
    seed: int | None, faults_seed: int | None, expected: int
) -> None:
    faults: dict[str, Any] = {"rules": [{"delay": 1}]}
    if faults_seed is not None:
        faults["seed"] = faults_seed
    app = create_app(Config(scenario=scenario(faults=faults), seed=seed))
    assert app.test_client().get("/__admin/faults").json["seed"] == expected
    # A scenario loaded at run time follows the same rule, with the seed it is loaded with.
    state_of(app).load(scenario(faults=faults), 7)
    assert app.test_client().get("/__admin/faults").json["seed"] == (
        7 if seed is not None or faults_seed is None else faults_seed
    )


def test_route_names_in_the_schema_are_the_routes_of_the_mock() -> None:
    enum = SchemaRegistry().schema("scenario-faults")["$defs"]["route"]["enum"]
    expected = {"*"} | set(ROUTES) | {r.template for r in ROUTES.values()}
    assert set(enum) == expected


def test_a_world_keeps_its_faults_and_rate_limits_parsed() -> None:
    # The integration point for scenarios loaded at run time, inline or from a file: the World.
    faults = {
        "seed": 9,
        "presets": {"flaky": {"status": 503}},
        "rules": [{"name": "a", "preset": "flaky"}, {"route": "project-users", "delay": 5}],
    }
    limits = {"base": "none", "callers": {TOKEN: "org"}}
    world = state_of(make_kit(faults=faults, rateLimits=limits).app).store.world
    assert world.faults.seed == 9
    assert [(r.name, r.source, r.fault) for r in world.faults.rules] == [
        ("a", "scenario", "service_unavailable"),
        ("rule-2", "scenario", None),
    ]
    assert world.faults.presets["flaky"].fault == "service_unavailable"
    assert (world.rate_limits.enabled, world.rate_limits.callers) == (True, {TOKEN: Category.ORG})
    plain = state_of(make_kit().app).store.world
    assert (plain.faults.seed, plain.faults.rules, plain.rate_limits.enabled) == (None, (), False)


def test_an_inline_scenario_loaded_at_run_time_brings_its_faults() -> None:
    kit = make_kit(**rule(route="project-stats", status=503))
    inline = yaml.safe_load(default_scenario().read_text())
    kit.app.extensions["mockserver"].load(inline)
    assert statuses(kit, STATS, 1) == [200]  # the new scenario has no faults
    inline["faults"] = {"rules": [{"route": "project-stats", "status": 502}]}
    kit.app.extensions["mockserver"].load(inline)
    assert statuses(kit, STATS, 1) == [502]


def test_the_schemas_example_is_valid() -> None:
    registry = SchemaRegistry()
    schema = registry.schema("scenario-faults")
    for example in schema["examples"]:
        assert registry.errors("scenario-faults", example) == []
    for delay in schema["$defs"]["delay"]["examples"]:
        assert registry.errors("scenario-faults", {"faults": {"rules": [{"delay": delay}]}}) == []


def test_a_reset_brings_back_the_command_lines_rules_after_they_were_removed() -> None:
    app = create_app(Config.from_env({}, faults=("503,route=project-stats",)))
    admin = app.test_client()

    def names() -> list[str]:
        return [rule["name"] for rule in admin.get("/__admin/faults").json["rules"]]

    assert names() == ["cli-1"]
    assert admin.delete("/__admin/faults").json == {"removed": 1}
    assert names() == []
    assert admin.get(STATS, headers=AUTH).status_code == 200
    assert admin.post("/__admin/faults/reset").status_code == 200
    assert names() == ["cli-1"]
    assert admin.get(STATS, headers=AUTH).status_code == 503
    assert admin.delete("/__admin/faults/cli-1").status_code == 200
    assert names() == []
    assert admin.post("/__admin/reset").status_code == 200
    assert names() == ["cli-1"]
