"""pytest plugin (``pytest11`` entry point): a live mock of Sentry's project API for downstream
test suites.

One server per test session (per xdist worker: each binds its own ephemeral port), reset before
each test. The logic lives in :class:`~mockserver.testing.MockServer`; this module only wires it
into pytest: options, fixtures, markers, the journal in failure reports, and the contract check
at teardown.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.config import Config
from mockserver.contract import checks as contract
from mockserver.errors import ConfigError
from mockserver.errors import MockServerError
from mockserver.testing import MockServer
from mockserver.testing import ScenarioSource

SCENARIO_MARK = "mockserver_scenario"
ALLOW_MARK = "mockserver_allow_violations"
REPORT_SECTION = "mockserver journal"
SERVER_KEY = pytest.StashKey[MockServer]()
_SERVER_KEY = pytest.StashKey[MockServer]()
_REPORTS_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--mockserver-scenario``, ``--mockserver-seed``, ``--mockserver-strict`` and their ini
    equivalents; the command line wins over ``MOCKSERVER_*`` variables, which win over ini."""
    group = parser.getgroup("mockserver", "mock of Sentry's project API")
    group.addoption(
        "--mockserver-scenario",
        metavar="PATH",
        help="scenario file of the session's mock server (default: the shipped default)",
    )
    group.addoption(
        "--mockserver-seed", type=int, metavar="N", help="seed for the scenario's generated data"
    )
    group.addoption(
        "--mockserver-strict",
        action="store_true",
        default=None,
        help="refuse requests that break Sentry's contract with a problem+json error",
    )
    parser.addini("mockserver_scenario", "scenario file (relative to the ini file)", default="")
    parser.addini("mockserver_seed", "seed for the scenario's generated data", default="")
    parser.addini("mockserver_strict", "strict contract mode", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers, so that ``--strict-markers`` suites accept them."""
    config.addinivalue_line(
        "markers",
        f"{SCENARIO_MARK}(scenario, *, seed=None): serve this scenario (a file path, relative "
        "to the test file, or an inline mapping) in the test's mockserver",
    )
    config.addinivalue_line(
        "markers",
        f"{ALLOW_MARK}(*codes): do not fail the test on these contract violations (all when "
        f"none is named); codes: {', '.join(contract.codes())}",
    )


@pytest.fixture(scope="session")
def mockserver_config(pytestconfig: pytest.Config) -> Config:
    """Settings of the session's mock server, from the options, ``MOCKSERVER_*`` variables and
    ini values. Override it (session scope) to build your own :class:`~mockserver.Config`."""
    return _config_from_options(pytestconfig)


@pytest.fixture(scope="session")
def _mockserver_session(
    pytestconfig: pytest.Config, mockserver_config: Config
) -> Iterator[MockServer]:
    server = MockServer(mockserver_config).start()  # port 0: one free port per xdist worker
    pytestconfig.stash[SERVER_KEY] = server
    try:
        yield server
    finally:
        server.stop()
        del pytestconfig.stash[SERVER_KEY]


@pytest.fixture
def mockserver_scenario() -> ScenarioSource | None:
    """The scenario of each test (``None``: the session's). Override it in a ``conftest.py`` to
    give a directory its own scenario; the ``mockserver_scenario`` marker still wins."""
    return None


@pytest.fixture
def mockserver(
    request: pytest.FixtureRequest,
    _mockserver_session: MockServer,
    mockserver_scenario: ScenarioSource | None,
) -> Iterator[MockServer]:
    """A running mock of Sentry's project API, back to its scenario with an empty journal.

    After the test, unexpected server errors are raised, and contract violations fail the test
    unless it is marked ``mockserver_allow_violations``.
    """
    server = _mockserver_session
    try:
        scenario, seed = _scenario(request, mockserver_scenario)
        allowed = _allowed(request)
        server.prepare(scenario, seed=seed)
    except (TypeError, ValueError, MockServerError) as exc:
        problem = str(exc)
    else:
        problem = ""
    if problem:  # raised outside the except block: no chained traceback in the report
        pytest.fail(problem, pytrace=False)
    request.node.stash[_SERVER_KEY] = server
    yield server
    server.check()
    call = request.node.stash.get(_REPORTS_KEY, {}).get("call")
    # A failed test already shows the journal; its violations would only repeat it.
    if allowed is None or call is None or not call.passed:
        return
    try:
        server.assert_no_violations(allow=allowed)
    except AssertionError as exc:
        problem = str(exc)
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def mockserver_client(mockserver: MockServer) -> FlaskClient:
    """Flask's test client on the same app: in-process calls, no socket."""
    return mockserver.app.test_client()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the test's journal to the report of a failing test."""
    report = yield
    item.stash.setdefault(_REPORTS_KEY, {})[report.when] = report
    # The test's own server (the session's may be stopped by now, after the last test).
    server = item.stash.get(_SERVER_KEY, None)
    if report.failed and server is not None:
        report.sections.append((REPORT_SECTION, server.journal_text()))
    return report


def _scenario(
    request: pytest.FixtureRequest, fixture_value: ScenarioSource | None
) -> tuple[ScenarioSource | None, int | None]:
    mark = request.node.get_closest_marker(SCENARIO_MARK)
    if mark is None:
        return _resolve(request, fixture_value), None
    if len(mark.args) != 1 or set(mark.kwargs) - {"seed"}:
        raise TypeError(
            f"{SCENARIO_MARK} takes one scenario (a path or a mapping) and an optional seed=, "
            f"got args={mark.args!r} kwargs={mark.kwargs!r}"
        )
    seed = mark.kwargs.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise TypeError(f"{SCENARIO_MARK}: seed must be an integer, got {seed!r}")
    return _resolve(request, mark.args[0]), seed


def _resolve(request: pytest.FixtureRequest, source: Any) -> ScenarioSource | None:
    """A relative path names a file beside the test file, else under the rootdir."""
    if source is None or isinstance(source, Mapping):
        return source
    if not isinstance(source, str | os.PathLike):
        raise TypeError(f"a scenario is a path or a mapping, got {source!r}")
    path = Path(source)
    if path.is_absolute():
        return path
    beside = request.path.parent / path
    under_root = request.config.rootpath / path
    return under_root if not beside.exists() and under_root.exists() else beside


def _allowed(request: pytest.FixtureRequest) -> tuple[str, ...] | None:
    """The codes a test may violate: ``None`` for any (the marker without arguments)."""
    mark = request.node.get_closest_marker(ALLOW_MARK)
    if mark is None:
        return ()
    if not mark.args:
        return None
    unknown = [code for code in mark.args if code not in contract.codes()]
    if unknown:
        raise ValueError(
            f"{ALLOW_MARK}: unknown violation code(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(contract.codes())}"
        )
    return tuple(mark.args)


def _config_from_options(config: pytest.Config) -> Config:
    """Command line first, then ``MOCKSERVER_*`` variables (read by ``Config.from_env``), then
    ini values; relative paths resolve against the directory pytest ran in, or the ini file's."""
    env = os.environ
    overrides: dict[str, Any] = {}
    scenario = config.getoption("mockserver_scenario")
    if scenario:
        overrides["scenario"] = config.invocation_params.dir / scenario
    elif config.getini("mockserver_scenario") and "MOCKSERVER_SCENARIO" not in env:
        base = config.inipath.parent if config.inipath else config.rootpath
        overrides["scenario"] = base / str(config.getini("mockserver_scenario"))
    seed = config.getoption("mockserver_seed")
    ini_seed = str(config.getini("mockserver_seed")).strip()
    if seed is None and ini_seed and "MOCKSERVER_SEED" not in env:
        try:
            seed = int(ini_seed)
        except ValueError:
            raise pytest.UsageError(
                f"mockserver_seed must be an integer, got {ini_seed!r}"
            ) from None
    overrides["seed"] = seed
    strict = config.getoption("mockserver_strict")
    if strict is None and "MOCKSERVER_STRICT" not in env and config.getini("mockserver_strict"):
        strict = True
    overrides["strict"] = strict
    try:
        return Config.from_env(**overrides)
    except ConfigError as exc:
        raise pytest.UsageError(f"mockserver: {exc}") from exc
