"""pytest plugin (``pytest11`` entry point): a live mock of Sentry's project API for downstream
test suites.

One server per test session (per xdist worker: each binds its own ephemeral port), reset before
each test. The logic lives in :class:`~mockserver.testing.MockServer`; this module only wires it
into pytest: options, fixtures, markers, the journal in failure reports, the contract check at
teardown, and undoing what a test set (faults, one-off answers).

It is loaded by every pytest run where the package is installed, whether a test uses it or not:
so it imports nothing but pytest and the standard library when it is registered (a test checks
it with ``python -X importtime``), and builds the server only when a test first asks for it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Generator
from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import pytest

from mockserver.contract.codes import ALL_CODES
from mockserver.contract.codes import ANSWER_OFF_CONTRACT
from mockserver.errors import ConfigError
from mockserver.errors import MockServerError
from mockserver.errors import MockServerWarning

if TYPE_CHECKING:
    from flask.testing import FlaskClient

    from mockserver.config import Config
    from mockserver.testing import MockServer
    from mockserver.testing import ScenarioSource

SCENARIO_MARK = "mockserver_scenario"
ALLOW_MARK = "mockserver_allow_violations"
FAULT_MARK = "mockserver_fault"
REPORT_SECTION = "mockserver journal"
SERVER_KEY = pytest.StashKey["MockServer"]()
_SERVER_KEY = pytest.StashKey["MockServer"]()
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
        f"none is named); codes: {', '.join(ALL_CODES)}",
    )
    config.addinivalue_line(
        "markers",
        f"{FAULT_MARK}(route='*', *, status=None, fault=None, delay=None, times=None, "
        "method='*', probability=None, every=None, rate_limit=None): set this fault on the "
        "test's mockserver for the whole test (MockServer.fault's arguments; repeatable)",
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
    from mockserver.testing import MockServer  # the app, Flask and all: on first use only

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

    ``mockserver.fault(...)`` and ``mockserver.respond(...)`` (and ``mockserver_fault``
    markers) change it for the test; all are undone after it, whatever happened. After the
    test, unexpected server errors are raised, contract violations fail the test unless it is
    marked ``mockserver_allow_violations``, and answers set with ``respond()`` that broke
    Sentry's contract are reported as a ``MockServerWarning``.
    """
    server = _mockserver_session
    try:
        scenario, seed = _scenario(request, mockserver_scenario)
        allowed = _allowed(request)
        server.prepare(scenario, seed=seed)
        _apply_fault_marks(request, server)
    except (TypeError, ValueError, MockServerError) as exc:
        server.undo_all()
        problem = str(exc)
    else:
        problem = ""
    if problem:  # raised outside the except block: no chained traceback in the report
        pytest.fail(problem, pytrace=False)
    request.node.stash[_SERVER_KEY] = server
    try:
        yield server
    finally:
        server.undo_all()  # whatever the test did or raised: the next one starts clean
    server.check()
    call = request.node.stash.get(_REPORTS_KEY, {}).get("call")
    # A failed test already shows the journal; its violations would only repeat it.
    if allowed is not None and call is not None and call.passed:
        try:
            server.assert_no_violations(allow=allowed)
        except AssertionError as exc:
            problem = str(exc)
        if problem:
            pytest.fail(problem, pytrace=False)
    _warn_off_contract(server, allowed)


@pytest.fixture
def mockserver_client(mockserver: MockServer) -> FlaskClient:
    """Flask's test client on the same app as ``mockserver``: in-process calls, no socket
    (the same journal, faults and answers)."""
    return mockserver.app.test_client()


def _apply_fault_marks(request: pytest.FixtureRequest, server: MockServer) -> None:
    """The test's ``mockserver_fault`` markers, the outermost (module, class) first."""
    for mark in reversed(list(request.node.iter_markers(FAULT_MARK))):
        try:
            server.fault(*mark.args, **mark.kwargs)
        except TypeError as exc:
            raise TypeError(f"{FAULT_MARK}: {exc}") from None
        except ValueError as exc:
            raise ValueError(f"{FAULT_MARK}: {exc}") from None


def _warn_off_contract(server: MockServer, allowed: tuple[str, ...] | None) -> None:
    """Say which answers the test set broke Sentry's contract (unless it allows them)."""
    if allowed is None or ANSWER_OFF_CONTRACT in allowed:
        return
    from mockserver.journal.explain import off_contract_answers

    found = [
        (entry, violation)
        for entry, violation in server.violations(warnings=True)
        if violation.code == ANSWER_OFF_CONTRACT
    ]
    if found:
        warnings.warn(
            MockServerWarning(off_contract_answers(found, server.state.redactor)), stacklevel=1
        )


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
    unknown = [code for code in mark.args if code not in ALL_CODES]
    if unknown:
        raise ValueError(
            f"{ALLOW_MARK}: unknown violation code(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(ALL_CODES)}"
        )
    return tuple(mark.args)


def _config_from_options(config: pytest.Config) -> Config:
    """Command line first, then ``MOCKSERVER_*`` variables (read by ``Config.from_env``), then
    ini values; relative paths resolve against the directory pytest ran in, or the ini file's."""
    from mockserver.config import Config

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
