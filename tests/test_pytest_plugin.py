"""The pytest plugin, run the way a downstream suite runs it (pytester): the fixture, the
scenario marker and fixture, options, the journal in failure reports, the teardown failure on
contract violations and its opt-out, and pytest-xdist."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

HELPERS = """
import http.client
import json

PROJECT = "/api/0/projects/my-org/my-project/"


def call(server, method, path, token="sntrys_TOKEN", body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=data, headers=headers)
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()
"""

TINY_YAML = """\
version: 1
name: tiny
seed: 1
tokens: [{token: t, scopes: [project:read]}]
organizations: [{id: "1", slug: o, projects: [{id: "2", slug: p}]}]
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A downstream project: a helper module to call the mock over a socket."""
    pytester.makepyfile(helpers=HELPERS)
    pytester.syspathinsert()
    return pytester


def test_the_fixture_serves_the_api_and_resets_before_each_test(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_api="""
        import json
        from helpers import PROJECT, call

        def test_create(mockserver):
            assert mockserver.url.startswith("http://127.0.0.1:")
            status, _ = call(mockserver, "POST", PROJECT + "hooks/", body={"url": "https://x.io/h"})
            assert status == 201
            mockserver.assert_requested("POST", PROJECT + "hooks/", count=1)

        def test_back_to_the_scenario(mockserver):
            assert mockserver.requests() == []
            status, body = call(mockserver, "GET", PROJECT + "hooks/")
            assert status == 200
            assert [h["url"] for h in json.loads(body)] == ["https://empowerplant.io/sentry-hook"]

        def test_in_process_client(mockserver_client):
            auth = {"Authorization": "Bearer sntrys_TOKEN"}
            reply = mockserver_client.get("/api/0/projects/my-org/my-project/", headers=auth)
            assert reply.status_code == 200
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_the_marker_loads_a_file_beside_the_test(suite: pytest.Pytester) -> None:
    suite.mkdir("scenarios")
    (suite.path / "scenarios" / "tiny.yaml").write_text(TINY_YAML, encoding="utf-8")
    suite.makepyfile(
        test_marker="""
        import pytest
        from helpers import PROJECT, call

        @pytest.mark.mockserver_scenario("scenarios/tiny.yaml")
        def test_tiny(mockserver):
            assert mockserver.state.store.world.name == "tiny"
            assert call(mockserver, "GET", "/api/0/projects/o/p/", token="t")[0] == 200

        def test_default_again(mockserver):
            assert mockserver.state.store.world.name == "default"
            assert call(mockserver, "GET", PROJECT)[0] == 200
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=2)


def test_the_marker_takes_an_inline_mapping_and_a_seed(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_inline="""
        import pytest
        from helpers import call

        TINY = {
            "version": 1,
            "tokens": [{"token": "t", "scopes": ["project:read"]}],
            "organizations": [{"id": "1", "slug": "o", "projects": [{"id": "2", "slug": "p"}]}],
        }

        @pytest.mark.mockserver_scenario(TINY, seed=7)
        def test_inline(mockserver):
            assert mockserver.state.store.world.seed == 7
            assert call(mockserver, "GET", "/api/0/projects/o/p/", token="t")[0] == 200

        @pytest.mark.mockserver_scenario()
        def test_needs_a_scenario(mockserver):
            pass

        @pytest.mark.mockserver_scenario("missing.yaml")
        def test_missing_file(mockserver):
            pass
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_needs_a_scenario*",
            "mockserver_scenario takes one scenario (a path or a mapping) and an optional seed=, "
            "got args=() kwargs={}",
            "*ERROR at setup of test_missing_file*",
            "*missing.yaml: file: no such file",
            "  fix: check the path, or run 'mockserver validate'",
        ]
    )


def test_the_scenario_fixture_gives_a_directory_its_scenario(suite: pytest.Pytester) -> None:
    (suite.path / "tiny.yaml").write_text(TINY_YAML, encoding="utf-8")
    suite.makeconftest(
        """
        import pytest

        @pytest.fixture
        def mockserver_scenario():
            return "tiny.yaml"
        """
    )
    suite.makepyfile(
        test_fixture="""
        import pytest

        def test_from_the_fixture(mockserver):
            assert mockserver.state.store.world.name == "tiny"

        @pytest.mark.mockserver_scenario({"version": 1, "name": "marked",
            "organizations": [{"id": "1", "slug": "o", "projects": []}]})
        def test_the_marker_wins(mockserver):
            assert mockserver.state.store.world.name == "marked"
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_mockserver_config_can_be_overridden(suite: pytest.Pytester) -> None:
    suite.makeconftest(
        """
        import pytest
        from mockserver import Config

        @pytest.fixture(scope="session")
        def mockserver_config():
            return Config(strict=True, journal_size=5)
        """
    )
    suite.makepyfile(
        test_config="""
        def test_config(mockserver):
            assert mockserver.state.config.strict is True
            assert mockserver.journal.capacity == 5
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


CONFIG_PROBE = """
def test_probe(mockserver):
    world = mockserver.state.store.world
    print("PROBE", world.name, world.seed, mockserver.state.config.strict)
"""


def test_command_line_options(suite: pytest.Pytester) -> None:
    (suite.path / "tiny.yaml").write_text(TINY_YAML, encoding="utf-8")
    suite.makepyfile(test_probe=CONFIG_PROBE)
    result = suite.runpytest(
        "-p", "no:cacheprovider", "-s", "--mockserver-scenario", "tiny.yaml",
        "--mockserver-seed", "9", "--mockserver-strict",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PROBE tiny 9 True*"])


def test_ini_options_resolve_paths_against_the_ini_file(suite: pytest.Pytester) -> None:
    suite.mkdir("config")
    (suite.path / "config" / "tiny.yaml").write_text(TINY_YAML, encoding="utf-8")
    suite.makeini(
        """
        [pytest]
        mockserver_scenario = config/tiny.yaml
        mockserver_seed = 4
        mockserver_strict = true
        """
    )
    suite.makepyfile(test_probe=CONFIG_PROBE)
    result = suite.runpytest("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PROBE tiny 4 True*"])
    # The command line wins over the ini file.
    result = suite.runpytest("-p", "no:cacheprovider", "-s", "--mockserver-seed", "11")
    result.stdout.fnmatch_lines(["*PROBE tiny 11 True*"])


def test_defaults_without_options(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MOCKSERVER_SCENARIO", "MOCKSERVER_SEED", "MOCKSERVER_STRICT"):
        monkeypatch.delenv(name, raising=False)
    suite.makepyfile(test_probe=CONFIG_PROBE)
    result = suite.runpytest("-p", "no:cacheprovider", "-s")
    result.stdout.fnmatch_lines(["*PROBE default 0 False*"])


def test_a_bad_ini_seed_is_a_usage_error(suite: pytest.Pytester) -> None:
    suite.makeini("[pytest]\nmockserver_seed = many\n")
    suite.makepyfile(test_probe=CONFIG_PROBE)
    result = suite.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*UsageError: mockserver_seed must be an integer, got 'many'*"])


def test_a_failing_test_shows_its_journal(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_fails="""
        from helpers import PROJECT, call

        def test_passes(mockserver):
            call(mockserver, "GET", PROJECT + "stats/")

        def test_fails(mockserver):
            call(mockserver, "GET", PROJECT + "users/?per_page=2")
            call(mockserver, "POST", PROJECT + "hooks/", body={"events": []})
            assert False, "the client broke"
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_fails _*",
            "*AssertionError: the client broke*",
            "*- mockserver journal -*",
            "#* GET /api/0/projects/my-org/my-project/users/?per_page=2 → 200 (* ms)",
            "#* POST /api/0/projects/my-org/my-project/hooks/ → 400 (* ms)",
            "    ! invalid-body (body): body: 'url' is a required property (schema hook-create)",
            '    body: {"events": []}',
            '    answer: {"url":["This field is required."]}',
            "*short test summary info*",
        ]
    )
    assert "stats/" not in result.stdout.str()  # only the failing test's own requests
    assert "sntrys_TOKEN" not in result.stdout.str()


def test_violations_fail_the_test_at_teardown(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_violations="""
        from helpers import PROJECT, call

        def test_sloppy_client(mockserver):
            assert call(mockserver, "GET", PROJECT + "users/?per-page=2")[0] == 200
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_sloppy_client*",
            "1 contract violation in 1 request to the Sentry mock:",
            "  #* GET /api/0/projects/my-org/my-project/users/?per-page=2 → 200",
            "      unknown-query-parameter (query.per-page): 'per-page' is not a query parameter"
            "*did you mean 'per_page'?",
            "*- mockserver journal -*",
        ]
    )


def test_the_report_and_the_teardown_failure_redact_tokens_anywhere(
    suite: pytest.Pytester,
) -> None:
    # The tokens are put together at run time: the report shows the test's source.
    suite.makepyfile(
        test_leaks="""
        from helpers import PROJECT, call

        def test_fails(mockserver):
            call(mockserver, "GET", "/api/0/projects/" + "sntrys_" + "PATHLEAK/my-project/")
            assert False, "the client broke"

        def test_sloppy(mockserver):
            call(mockserver, "GET", PROJECT + "users/?per_page=" + "sntrys_" + "QUERYLEAK")
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_sloppy*",
            "1 contract violation in 1 request to the Sentry mock:",
            "  #* GET /api/0/projects/my-org/my-project/users/?per_page=[[]redacted] → 400",
            "      invalid-query-parameter (query.per_page): per_page='[[]redacted]' is not an "
            "integer*",
            "*_ test_fails _*",
            "*- mockserver journal -*",
            "#* GET /api/0/projects/[[]redacted] → 404 (* ms)",
        ]
    )
    assert "sntrys_PATHLEAK" not in result.stdout.str()
    assert "sntrys_QUERYLEAK" not in result.stdout.str()


def test_tests_can_allow_violations(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_allowed="""
        import pytest
        from helpers import PROJECT, call

        @pytest.mark.mockserver_allow_violations
        def test_any(mockserver):
            call(mockserver, "GET", PROJECT + "?bogus=1", token="nope")

        @pytest.mark.mockserver_allow_violations("invalid-credentials")
        def test_named(mockserver):
            assert call(mockserver, "GET", PROJECT, token="nope")[0] == 401

        @pytest.mark.mockserver_allow_violations("invalid-credentials")
        def test_named_but_another(mockserver):
            call(mockserver, "GET", PROJECT + "?bogus=1")

        @pytest.mark.mockserver_allow_violations("no-such-code")
        def test_unknown_code(mockserver):
            pass
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_named_but_another*",
            "1 contract violation in 1 request to the Sentry mock:",
            "*unknown-query-parameter (query.bogus)*",
            "*ERROR at setup of test_unknown_code*",
            "mockserver_allow_violations: unknown violation code(s) 'no-such-code'; known: *",
        ]
    )


def test_a_failed_test_is_not_failed_again_for_its_violations(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_both="""
        from helpers import PROJECT, call

        def test_both(mockserver):
            call(mockserver, "GET", PROJECT + "?bogus=1")
            assert False
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(failed=1)


def test_server_errors_are_raised_at_teardown(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_boom="""
        from helpers import PROJECT, call
        from mockserver.state import state_of

        def test_boom(mockserver, monkeypatch):
            def boom(ex):
                raise RuntimeError("kaput")
            views = state_of(mockserver.app).pipeline.handlers["project-details"]
            monkeypatch.setitem(views, "GET", boom)
            assert call(mockserver, "GET", PROJECT)[0] == 500
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*MockServerError: 1 unexpected server error(s); first: GET /api/0/projects/*kaput*"]
    )


def test_markers_and_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    markers = pytester.runpytest("-p", "no:cacheprovider", "--markers")
    markers.stdout.fnmatch_lines(
        [
            "@pytest.mark.mockserver_scenario(scenario, *, seed=None): serve this scenario*",
            "@pytest.mark.mockserver_allow_violations(*codes): do not fail the test on these*",
        ]
    )
    fixtures = pytester.runpytest("-p", "no:cacheprovider", "--fixtures").stdout.str()
    for expected in (
        "mockserver -- ",
        "    A running mock of Sentry's project API, back to its scenario with an empty journal.",
        "mockserver_scenario -- ",
        "mockserver_config [session scope] -- ",
        "mockserver_client -- ",
    ):
        assert expected in fixtures
    help_text = pytester.runpytest("-p", "no:cacheprovider", "--help")
    help_text.stdout.fnmatch_lines(
        ["*--mockserver-scenario=PATH*", "*--mockserver-seed=N*", "*--mockserver-strict*"]
    )


@pytest.mark.slow
def test_each_xdist_worker_has_its_own_server(suite: pytest.Pytester, tmp_path: Path) -> None:
    out = tmp_path / "ports"
    out.mkdir()
    suite.makepyfile(
        test_workers=f"""
        import os
        from helpers import PROJECT, call

        def record(mockserver, name):
            worker = os.environ["PYTEST_XDIST_WORKER"]
            path = os.path.join({str(out)!r}, worker + "-" + name)
            with open(path, "w") as f:
                f.write(str(mockserver.port))

        def test_one(mockserver):
            assert call(mockserver, "GET", PROJECT)[0] == 200
            assert len(mockserver.requests()) == 1
            record(mockserver, "one")

        def test_two(mockserver):
            assert call(mockserver, "GET", PROJECT + "users/")[0] == 200
            assert len(mockserver.requests()) == 1
            record(mockserver, "two")
        """
    )
    result = suite.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "xdist", "-n", "2", "--dist", "each"
    )
    result.assert_outcomes(passed=4)
    ports = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    assert sorted(ports) == ["gw0-one", "gw0-two", "gw1-one", "gw1-two"]
    assert ports["gw0-one"] == ports["gw0-two"]  # one server per worker session ...
    assert ports["gw1-one"] == ports["gw1-two"]
    assert ports["gw0-one"] != ports["gw1-one"]  # ... and each worker its own
    assert json.loads(ports["gw0-one"]) > 0


# --- a plugin that costs nothing until a test asks for it -------------------------------------

HEAVY = ("flask", "faker", "werkzeug", "jsonschema", "referencing", "yaml", "click", "granian")


def import_times(code: str) -> dict[str, int]:
    """``python -X importtime -c code``: each module it imported, and its cumulative time (µs)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    times: dict[str, int] = {}
    for line in result.stderr.splitlines():
        match = re.fullmatch(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", line)
        if match:
            times[match.group(3)] = int(match.group(1))
    return times


def test_importing_the_plugin_imports_neither_flask_nor_faker() -> None:
    alone = import_times("import mockserver.pytest_plugin")
    assert "mockserver.pytest_plugin" in alone
    assert sorted(m for m in alone if m.split(".")[0] in HEAVY) == []
    # Under pytest, pytest is there already: what registering the plugin adds is only these,
    # well under the 50 ms budget (a bound, not a measurement: ~5 ms on a busy machine).
    after_pytest = import_times("import pytest; import mockserver.pytest_plugin")
    added = after_pytest["mockserver.pytest_plugin"]
    assert sorted(m for m in after_pytest if m.startswith("mockserver")) == [
        "mockserver",
        "mockserver.contract",
        "mockserver.contract.codes",
        "mockserver.errors",
        "mockserver.pytest_plugin",
    ]
    assert added < 50_000, f"importing the plugin took {added} µs"


def test_a_run_that_never_asks_for_the_fixture_builds_nothing(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite.makepyfile(
        test_light="""
        import sys

        HEAVY = ("flask", "faker", "werkzeug", "jsonschema", "yaml", "mockserver.testing")

        def test_nothing_heavy_was_imported():
            assert [m for m in HEAVY if m in sys.modules] == []

        def test_the_fixture_builds_the_server_when_asked(mockserver):
            assert "flask" in sys.modules
            assert mockserver.url.startswith("http://127.0.0.1:")
        """
    )
    # Only this plugin: others installed beside it (Faker's, pytest-httpserver's, Schemathesis')
    # import what they need, which is not what is measured here.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = suite.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "mockserver.pytest_plugin", "test_light.py::"
        "test_nothing_heavy_was_imported", "test_light.py::test_the_fixture_builds_the_server_"
        "when_asked",
    )  # fmt: skip
    result.assert_outcomes(passed=2)


# --- faults and answers per test ---------------------------------------------------------------


def test_faults_and_answers_are_undone_after_each_test_even_a_failing_one(
    suite: pytest.Pytester,
) -> None:
    suite.makepyfile(test_undo=UNDO_SUITE)
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6, failed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_a_marker_the_mock_cannot_use*",
            "mockserver_fault: status 418 is not a fault (401, 403, 404, 429, 500, 502, 503, "
            "504); respond() sets any other answer",
        ]
    )


UNDO_SUITE = """
import pytest
from helpers import PROJECT, call

HOOKS = PROJECT + "hooks/"
NEW = {"url": "https://example.com/hook"}


def clean(mockserver):
    assert mockserver.state.faults.rules() == []
    assert mockserver.state.limiter.runtime_policy is None
    assert not mockserver.state.stubs.active
    assert call(mockserver, "POST", HOOKS, body=NEW)[0] == 201
    assert call(mockserver, "GET", PROJECT + "users/")[1] != b"[]"


def test_a_fault_left_in_force_by_a_failing_test(mockserver):
    mockserver.fault("project-hooks", status=503)
    mockserver.fault("project-users", rate_limit="1/60")
    assert call(mockserver, "POST", HOOKS, body=NEW)[0] == 503
    raise RuntimeError("the client broke")


def test_is_gone_after_it(mockserver):
    clean(mockserver)


def test_a_context_manager_left_by_an_exception(mockserver):
    with mockserver.fault("project-hooks", status=500, times=2):
        assert call(mockserver, "POST", HOOKS, body=NEW)[0] == 500
        assert False, "inside the with"


def test_is_gone_after_it_too(mockserver):
    clean(mockserver)


@pytest.mark.mockserver_fault("project-hooks", status=503, times=1, method="POST")
@pytest.mark.mockserver_fault("project-users", status=500)
def test_markers_hold_for_the_whole_test(mockserver):
    assert call(mockserver, "POST", HOOKS, body=NEW)[0] == 503
    assert call(mockserver, "POST", HOOKS, body=NEW)[0] == 201
    assert call(mockserver, "GET", PROJECT + "users/")[0] == 500
    assert False, "marked and failing"


def test_and_are_gone_after_it(mockserver):
    clean(mockserver)


def test_an_answer_left_by_a_test(mockserver):
    mockserver.respond("GET", "project-users", json=[])
    assert call(mockserver, "GET", PROJECT + "users/") == (200, b"[]")


def test_is_gone_after_it_as_well(mockserver):
    clean(mockserver)


@pytest.mark.mockserver_fault(status=418)
def test_a_marker_the_mock_cannot_use(mockserver):
    pass


def test_and_leaves_nothing_either(mockserver):
    clean(mockserver)
"""


def test_answers_off_sentrys_contract_are_reported_after_the_test(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_drift="""
        import pytest
        from helpers import PROJECT, call

        def test_drifts(mockserver):
            mockserver.respond("GET", "project-details", json={"id": "2"})
            assert call(mockserver, "GET", PROJECT) == (200, b'{"id":"2"}')

        @pytest.mark.mockserver_allow_violations("answer-off-contract")
        def test_drifts_on_purpose(mockserver):
            mockserver.respond("GET", "project-details", json={"id": "2"})
            assert call(mockserver, "GET", PROJECT)[0] == 200

        def test_stays_on_the_contract(mockserver):
            mockserver.respond("GET", "project-users", json=[])
            assert call(mockserver, "GET", PROJECT + "users/")[0] == 200
        """
    )
    # In a process of its own: this suite's own filterwarnings=error would reach an in-process run.
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*test_drift.py::test_drifts*",
            "*MockServerWarning: 1 answer set with respond() broke Sentry's contract: the client "
            "was tested against answers real Sentry does not give (mark the test "
            "mockserver_allow_violations('answer-off-contract') if that is the point):",
            "    #1 GET /api/0/projects/my-org/my-project/ → 200",
            "        answer-off-contract (response.body): the answer set by respond() to GET "
            "/api/0/projects/{org}/{project}/: not Sentry's project: $: 'slug' is missing*",
        ]
    )
    assert "test_drifts_on_purpose" not in result.stdout.str().split("warnings summary")[1]
    # A suite that turns warnings into errors fails the drifting test at teardown.
    strict = suite.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error::UserWarning")
    strict.assert_outcomes(passed=3, errors=1)
    strict.stdout.fnmatch_lines(["*ERROR at teardown of test_drifts*"])


@pytest.mark.slow
def test_faults_and_answers_stay_in_their_test_under_xdist(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_undo=UNDO_SUITE)
    # --dist each: every worker runs the whole file in order, a failing test before each check.
    result = suite.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "xdist", "-n", "2", "--dist", "each"
    )
    result.assert_outcomes(passed=12, failed=6, errors=2)
