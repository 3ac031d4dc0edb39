"""``mockserver serve`` and the socket faults: ``malformed_chunk`` on granian, and ``--server
auto``, which serves with waitress when a fault that needs the connection is configured.

The servers are real processes on 127.0.0.1; each test reads the readiness line (printed once
the socket is bound) before it connects, and everything else the server printed after SIGTERM.
"""

from __future__ import annotations

import http.client
from pathlib import Path
from typing import Any

import yaml

from mockserver import create_app
from mockserver.config import Config
from mockserver.faults.connection import needs_the_connection
from mockserver.resources import default_scenario
from mockserver.serving import choose_server
from mockserver.state import state_of
from tests.conftest import PROJECT
from tests.faults.kit import AUTH
from tests.faults.kit import STATS
from tests.faults.kit import USERS
from tests.faults.kit import http_get
from tests.faults.kit import make_kit
from tests.faults.kit import raw_exchange
from tests.faults.test_faults import nginx as nginx_page
from tests.served import serve

STOPPED = "mockserver: SIGTERM, shutting down"


def first_noise(count: int) -> list[bytes]:
    """The first ``count`` draws of the default scenario's noise (seed 0): what the server
    sends for its first ``malformed_chunk`` answers."""
    ctl = state_of(make_kit().app).faults
    return [ctl.noise() for _ in range(count)]


# --- malformed_chunk on granian ------------------------------------------------------------------


def test_malformed_chunk_on_granian_is_a_200_whose_chunked_body_breaks() -> None:
    first, second = first_noise(2)
    with serve("--server", "granian", "--fault", "malformed_chunk,route=project-details") as sv:
        assert sv.server == "granian"
        got = http_get(sv.port, PROJECT)
        raw = raw_exchange(sv.port, PROJECT)
        other = http_get(sv.port, USERS)
    assert (got.status, got.reason) == (200, "OK")
    assert got.headers["content-type"] == "application/json"
    assert got.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in got.headers
    assert got.failed_reading_body
    assert type(got.error) is http.client.IncompleteRead
    assert isinstance(got.error, http.client.IncompleteRead)
    assert got.error.partial == first
    # On the wire: the head, the noise as one well-formed chunk, and no terminating chunk.
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\ntransfer-encoding: chunked\r\n" in head + b"\r\n"
    assert body == b"40\r\n" + second + b"\r\n"
    # Other routes answer as usual, and granian logs nothing about the planned break.
    expected = make_kit().app.test_client().get(USERS, headers=AUTH)
    assert (other.status, other.error, other.body) == (200, None, expected.data)
    assert sv.lines[1:] == [STOPPED]


# --- --server auto -------------------------------------------------------------------------------


def test_auto_serves_with_waitress_when_a_fault_needs_the_connection() -> None:
    with serve("--fault", "reset,route=project-users") as sv:
        assert sv.server == "waitress"
        assert sv.next_line() == (
            "mockserver: serving with waitress: the fault rule 'cli-1' of --fault / "
            "MOCKSERVER_FAULTS uses 'reset', which needs the connection (granian cannot break "
            "one)"
        )
        reset = http_get(sv.port, USERS)
        fine = http_get(sv.port, PROJECT)
    assert type(reset.error) is ConnectionResetError
    assert reset.status is None
    assert (fine.status, fine.error) == (200, None)
    assert sv.lines[2:] == [STOPPED]


def test_auto_serves_with_granian_when_no_fault_needs_the_connection() -> None:
    with serve(
        "--fault", "malformed_chunk,route=project-details", "--fault", "503,route=project-stats"
    ) as sv:
        assert sv.server == "granian"
        down = http_get(sv.port, STATS)
    # granian sends the standard reason phrase ("Service Unavailable"), not nginx's.
    assert (down.status, down.body) == (503, nginx_page(503, "Service Temporarily Unavailable"))
    assert sv.lines[1:] == [STOPPED]


def test_forced_granian_answers_nginxs_502_for_a_reset_and_names_the_fix() -> None:
    with serve("--server", "granian", "--fault", "reset,route=project-users") as sv:
        assert sv.server == "granian"
        got = http_get(sv.port, USERS)
    assert (got.status, got.body) == (502, nginx_page(502, "Bad Gateway"))
    assert got.headers["x-mockserver-connection-fault"] == "reset"
    assert sv.lines[1:] == [
        "Granian cannot break connections: the reset fault answers nginx's 502 instead "
        "(for the real thing, serve with mockserver serve --server waitress)",
        STOPPED,
    ]


def test_forced_waitress_says_nothing_about_the_choice() -> None:
    with serve("--server", "waitress") as sv:
        assert sv.server == "waitress"
        assert http_get(sv.port, PROJECT).status == 200
    assert sv.lines[1:] == [STOPPED]


# --- which faults need the connection ------------------------------------------------------------


def kit_faults(
    environ: dict[str, str] | None = None, **extra: Any
) -> tuple[list[str], tuple[str, str | None]]:
    """What :func:`needs_the_connection` and :func:`choose_server` say of an app serving the
    default scenario plus ``extra``, with ``MOCKSERVER_*`` variables ``environ``."""
    app = make_kit(environ=environ, **extra).app
    ctl = state_of(app).faults
    return needs_the_connection(ctl.rules(), ctl.presets), choose_server(app)


def test_no_faults_need_nothing() -> None:
    assert kit_faults() == ([], ("granian", None))


def test_granian_can_do_every_other_fault() -> None:
    rules = [
        {"route": "project-details", "fault": "malformed_chunk"},
        {"route": "project-stats", "status": 502},
        {"route": "project-users", "fault": "truncated"},
        {"delay": 5},
    ]
    presets = {"cut": {"fault": "malformed_chunk"}, "down": {"status": 503}}
    assert kit_faults(faults={"presets": presets, "rules": rules}) == ([], ("granian", None))


def test_the_scenarios_rules_and_presets_are_named() -> None:
    faults_section = {
        "presets": {"flaky": {"fault": "garbage", "when": {"probability": 0.5}}},
        "rules": [
            {"name": "x", "route": "project-users", "fault": "reset"},
            {"route": "project-stats", "preset": "flaky"},
            {"route": "project-details", "fault": "empty"},
        ],
    }
    needs, chosen = kit_faults(faults=faults_section)
    assert needs == [
        "the scenario's fault rule 'x' uses 'reset'",
        "the scenario's fault rule 'rule-2' uses 'garbage'",
        "the scenario's fault rule 'rule-3' uses 'empty'",
        "the scenario's fault preset 'flaky' uses 'garbage'",
    ]
    assert chosen == (
        "waitress",
        "serving with waitress: the scenario's fault rule 'x' uses 'reset', the scenario's fault "
        "rule 'rule-2' uses 'garbage', the scenario's fault rule 'rule-3' uses 'empty' and the "
        "scenario's fault preset 'flaky' uses 'garbage', which need the connection (granian "
        "cannot break one)",
    )


def test_a_preset_no_rule_uses_still_counts() -> None:
    # Prefer: fault=broken may ask for it at any time.
    needs, chosen = kit_faults(faults={"presets": {"broken": {"fault": "reset"}}})
    assert needs == ["the scenario's fault preset 'broken' uses 'reset'"]
    assert chosen[0] == "waitress"


def test_faults_from_the_environment_are_named() -> None:
    # MOCKSERVER_FAULTS holds what --fault gives; WireMock's names are resolved.
    needs, chosen = kit_faults(
        environ={
            "MOCKSERVER_FAULTS": "503,route=project-stats; RANDOM_DATA_THEN_CLOSE,name=noisy; empty"
        }
    )
    assert needs == [
        "the fault rule 'noisy' of --fault / MOCKSERVER_FAULTS uses 'garbage'",
        "the fault rule 'cli-3' of --fault / MOCKSERVER_FAULTS uses 'empty'",
    ]
    assert chosen[0] == "waitress"


def test_rules_added_at_run_time_are_named_too() -> None:
    # Not at start under mockserver serve, but serve_app takes an app already in use (bench/).
    app = make_kit().app
    added = app.test_client().post("/__admin/faults", json={"fault": "reset"})
    assert added.status_code == 201
    ctl = state_of(app).faults
    assert needs_the_connection(ctl.rules(), ctl.presets) == [
        "the fault rule 'runtime-1' added at run time uses 'reset'"
    ]


def test_a_forced_server_is_taken_as_given() -> None:
    app = make_kit(faults={"rules": [{"fault": "reset"}]}).app
    assert choose_server(app, "granian") == ("granian", None)
    assert choose_server(app, "waitress") == ("waitress", None)
    assert choose_server(make_kit().app, "waitress") == ("waitress", None)


def test_a_scenario_file_with_a_reset_rule_is_served_by_waitress(tmp_path: Path) -> None:
    path = tmp_path / "resets.yaml"
    path.write_text(
        default_scenario().read_text(encoding="utf-8")
        + "\n"
        + yaml.safe_dump({"faults": {"rules": [{"name": "flaky-users", "fault": "reset"}]}})
    )
    assert choose_server(create_app(Config(scenario=path))) == (
        "waitress",
        "serving with waitress: the scenario's fault rule 'flaky-users' uses 'reset', which "
        "needs the connection (granian cannot break one)",
    )
