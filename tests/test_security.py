"""Security basics: where the server listens, the admin token, safe YAML, no request data in a
shell, a file path or a template, constant-time secret comparison, and redacted journal exports.
"""

from __future__ import annotations

import ast
import hmac
import re
import selectors
import subprocess
import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from flask import Flask

import mockserver
from mockserver.cli import main
from mockserver.errors import ScenarioError
from mockserver.schemas.registry import SchemaRegistry
from mockserver.testing import MockServer
from mockserver.world import scenario as scenarios
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.conftest import Api

PACKAGE = Path(mockserver.__file__).resolve().parent
MOCKSERVER = Path(sys.executable).parent / "mockserver"
ADMIN = "adm1n-s3cret-t0ken"
WARNING = (
    "listening on 0.0.0.0 without --admin-token: anyone who can reach this address can reset "
    "or replace the scenario through /__admin/"
)


def package_sources() -> Iterator[tuple[str, str]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), path.read_text(encoding="utf-8")


# --- where the server listens ----------------------------------------------------------------


def serve_until_ready(*args: str) -> list[str]:
    """Run ``mockserver serve`` until it announces its address; its stderr lines, then stop."""
    process = subprocess.Popen(
        [str(MOCKSERVER), "serve", "--port", "0", "--server", "waitress", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stderr, selectors.EVENT_READ)
            while not lines or not lines[-1].startswith("mockserver: serving"):
                assert selector.select(timeout=60), f"no readiness line; got {lines}"
                line = process.stderr.readline()
                assert line, f"mockserver serve exited early: {lines}"
                lines.append(line.rstrip("\n"))
    finally:
        process.terminate()
        process.communicate(timeout=60)
    return lines


def test_serve_listens_on_loopback_by_default_without_a_warning() -> None:
    lines = serve_until_ready()
    assert len(lines) == 1
    assert re.search(r" on http://127\.0\.0\.1:\d+/ \(seed 0\)$", lines[0]), lines


def test_serve_warns_when_it_listens_elsewhere_without_an_admin_token() -> None:
    lines = serve_until_ready("--host", "0.0.0.0")
    assert lines[0] == WARNING
    assert re.search(r" on http://0\.0\.0\.0:\d+/ ", lines[-1]), lines


def test_serve_does_not_warn_when_an_admin_token_guards_the_admin_api() -> None:
    lines = serve_until_ready("--host", "0.0.0.0", "--admin-token", ADMIN)
    assert WARNING not in lines
    assert len(lines) == 1


def test_mock_server_binds_loopback_by_default() -> None:
    with MockServer() as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server._server is not None
        assert server._server.socket.getsockname()[0] == "127.0.0.1"


# --- the admin token -------------------------------------------------------------------------


def admin_endpoints(app: Flask) -> list[tuple[str, str]]:
    """Every method and path under /__admin/ the app serves, path parameters filled in."""
    endpoints: list[tuple[str, str]] = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/__admin"):
            path = re.sub(r"<[^>]+>", "x", rule.rule)
            endpoints.extend(
                (method, path) for method in sorted(rule.methods or ()) if method != "OPTIONS"
            )
    return endpoints


@pytest.fixture
def locked(make_app: Callable[..., Flask]) -> Flask:
    return make_app(admin_token=ADMIN)


def test_every_admin_endpoint_refuses_a_call_without_the_admin_token(locked: Flask) -> None:
    endpoints = admin_endpoints(locked)
    assert ("GET", "/__admin/deliveries") in endpoints
    assert ("POST", "/__admin/events") in endpoints
    client = locked.test_client()
    let_through = []
    for method, path in endpoints:
        for authorization in (None, "Bearer wrong", f"Bearer {TOKEN}", ADMIN, f"Basic {ADMIN}"):
            headers = {"Authorization": authorization} if authorization else {}
            reply = client.open(path, method=method, headers=headers, json={})
            if reply.status_code != 401:
                let_through.append((method, path, authorization, reply.status_code))
    assert let_through == []


def test_admin_endpoints_answer_with_the_admin_token(locked: Flask) -> None:
    client = locked.test_client()
    headers = {"Authorization": f"Bearer {ADMIN}"}
    deliveries = client.get("/__admin/deliveries", headers=headers)
    assert (deliveries.status_code, deliveries.json) == (200, {"deliveries": [], "total": 0})
    for method, path in admin_endpoints(locked):
        assert client.open(path, method=method, headers=headers, json={}).status_code != 401


def test_the_admin_token_does_not_open_the_sentry_api(locked: Flask) -> None:
    client = locked.test_client()
    assert client.get(PROJECT, headers={"Authorization": f"Bearer {ADMIN}"}).status_code == 401
    assert client.get(PROJECT, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_admin_token_is_compared_in_constant_time(
    locked: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[Any, Any]] = []
    original = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    client = locked.test_client()
    for path in ("/__admin/deliveries", "/__admin/requests", "/__admin/faults"):
        compared.clear()
        reply = client.get(path, headers={"Authorization": f"Bearer {ADMIN}"})
        assert reply.status_code == 200, path
        assert any(ADMIN.encode() in bytes(side) for pair in compared for side in pair), path


def test_no_module_compares_a_token_with_equality() -> None:
    # The Sentry tokens are looked up in the scenario's table, as Sentry looks up a hash; every
    # secret compared to an expected value goes through hmac.compare_digest.
    comparison = re.compile(
        r"\b\w*(?:token|secret|signature)\w*\s*(?:==|!=)|(?:==|!=)\s*\w*(?:token|secret|signature)\w*\b"
    )
    found = [
        f"{name}:{number}: {line.strip()}"
        for name, source in package_sources()
        for number, line in enumerate(source.splitlines(), 1)
        if comparison.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []
    guards = [
        (name, source)
        for name, source in package_sources()
        if "config.admin_token" in source and "def require_admin_token" in source
    ]
    assert [name for name, _ in guards] == ["admin/token.py"]
    assert all("hmac.compare_digest" in source for _, source in guards)


# --- YAML is loaded safely -------------------------------------------------------------------

PYTHON_TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "!!python/name:os.system",
    "!!python/module:os",
]


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_a_python_tag_in_a_scenario_is_refused(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    scenario = tmp_path / "evil.yaml"
    scenario.write_text(
        f"version: 1\nname: {tag.format(marker=marker)}\norganizations: []\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match=r"line 2, column 7: not allowed in a scenario: ") as e:
        scenarios.load_scenario_file(scenario, SchemaRegistry())
    assert e.value.fix == "scenarios are plain YAML: remove the tag"
    assert not marker.exists()
    result = CliRunner().invoke(main, ["validate", str(scenario)])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {scenario}: line 2, column 7: not allowed")


def test_a_python_tag_in_a_scenario_is_refused_at_run_time(tmp_path: Path) -> None:
    scenario = tmp_path / "evil.yaml"
    scenario.write_text("version: 1\norganizations: !!python/name:os.system\n", encoding="utf-8")
    with MockServer() as server:
        with pytest.raises(ScenarioError, match="not allowed in a scenario"):
            server.load_scenario(scenario)
        reply = Api(server.app, "socket", server).get(PROJECT)
        assert reply.status == 200  # the old scenario stays


def test_yaml_is_only_ever_loaded_safely() -> None:
    # Both scenario loaders (libyaml's and the pure-Python fallback) construct with PyYAML's
    # SafeConstructor, which builds plain data only.
    assert issubclass(scenarios._Loader, yaml.SafeLoader)
    assert issubclass(scenarios._LOADER, yaml.constructor.SafeConstructor)
    assert not issubclass(scenarios._LOADER, yaml.constructor.FullConstructor)
    unsafe = re.compile(
        r"yaml\.(?:unsafe_load|full_load|load_all)\(|Loader=yaml\.(?:Loader|FullLoader|UnsafeLoader)"
        r"|yaml\.load\((?![^)]*Loader=_Loader)"
    )
    found = [name for name, source in package_sources() if unsafe.search(source)]
    assert found == []


# --- no request data reaches a shell, a file path or a template -------------------------------

# Calls that run programs, evaluate code or render templates: none anywhere in the package.
FORBIDDEN_CALLS = {
    "os.system",
    "os.popen",
    "os.execv",
    "os.execvp",
    "os.spawnv",
    "subprocess.run",
    "subprocess.Popen",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "eval",
    "exec",
    "__import__",
    "importlib.import_module",
    "pickle.loads",
    "pickle.load",
    "marshal.loads",
    "render_template",
    "render_template_string",
    "Template",
}
FORBIDDEN_MODULES = {"subprocess", "pickle", "marshal", "shelve", "jinja2", "string"}
# Modules allowed to render templates: the shipped template files, by name, autoescaped (Flask's
# render_template of an .html file); never a template made from anything a request carries
# (render_template_string and Template stay forbidden everywhere).
TEMPLATE_MODULES = {"inspector/views.py": "the inspector's pages, from its shipped templates"}
# Calls that open files, and the modules allowed to make them: none of them is handed anything
# a Sentry API request carries. Every one reads or writes a path from the command line, the
# environment, the Python API or the shipped data.
FILE_CALLS = {"open", "read_text", "write_text", "read_bytes", "write_bytes", "Path"}
FILE_MODULES = {
    "admin/api.py": "POST /__admin/scenario {'path': ...}: only .yaml/.yml files (tested below)",
    "cli.py": "--out and --scenario",
    "config.py": "MOCKSERVER_SCENARIO",
    "faults/controller.py": "the loaded scenario's own file, for line numbers",
    "generate.py": "mockserver generate --scenario and --out",
    "sentry/platforms.py": "the shipped schemas/platform.json",
    "pytest_plugin.py": "a scenario named by a test's marker",
    "resources.py": "the shipped schemas/ and scenarios/",
    "world/scenario.py": "scenario files",
    "schemas/loading.py": "the shipped or configured schemas/",
    "testing.py": "MockServer.load_scenario(path)",
    "world/build.py": "a scenario's name from its file name",
    "openapi/examples.py": "the shipped examples.json (written only when a test records them)",
    "openapi/drift/__init__.py": "mockserver drift's shipped snapshot, or its --spec file",
    "openapi/drift/deliberate.py": "the shipped deliberate.yaml",
    "record/write.py": "mockserver record --out and mockserver proxy --record",
    "record/command.py": "no file: the --out path, given to record/write.py",
    "proxy/command.py": "no file: the --record path, given to record/write.py on exit",
    "record/verify.py": "no file: the Flask test client's open() (a request to the app in-process)",
}


def called_names(source: str) -> set[str]:
    """The dotted names of every call in ``source`` (``os.system``, ``path.read_text``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            function = node.func
            parts = []
            while isinstance(function, ast.Attribute):
                parts.append(function.attr)
                function = function.value
            if isinstance(function, ast.Name):
                parts.append(function.id)
            names.add(".".join(reversed(parts)))
    return names


def imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def test_no_module_runs_programs_evaluates_code_or_renders_templates() -> None:
    found = []
    for name, source in package_sources():
        calls = called_names(source)
        found += [
            f"{name}: {call}()"
            for call in calls
            if call in FORBIDDEN_CALLS
            and not (call == "render_template" and name in TEMPLATE_MODULES)
        ]
        found += [f"{name}: import {m}" for m in imported_modules(source) & FORBIDDEN_MODULES]
        if "shell=True" in source:
            found.append(f"{name}: shell=True")
    assert found == []


def test_only_modules_away_from_request_data_open_files() -> None:
    opening = {
        name
        for name, source in package_sources()
        if {call.rsplit(".", 1)[-1] for call in called_names(source)} & FILE_CALLS
    }
    assert opening <= set(FILE_MODULES), sorted(opening - set(FILE_MODULES))


TRAVERSALS = [
    ("GET", PROJECT + "tags/..%2F..%2F..%2Fetc%2Fpasswd/values/"),
    ("GET", PROJECT + "tags/..%252F..%252Fetc%252Fpasswd/values/"),
    ("GET", PROJECT + "tags/....%2F%2F....%2F%2Fetc%2Fpasswd/values/"),
    ("GET", PROJECT + "hooks/..%2F..%2F..%2Fetc%2Fpasswd/"),
    ("PUT", PROJECT + "hooks/..%252F..%252Fetc%252Fpasswd/"),
    ("DELETE", PROJECT + "hooks/..%252F..%252Fetc%252Fpasswd/"),
    ("GET", PROJECT + "hooks/..%252F..%252Fetc%252Fpasswd/stats/"),
    ("GET", "/api/0/projects/my-org/..%2F..%2F..%2Fetc%2Fpasswd/"),
    ("DELETE", "/api/0/projects/..%252F..%252Fetc/passwd/"),
]


@pytest.mark.parametrize(("method", "path"), TRAVERSALS)
def test_path_traversal_in_keys_and_ids_reads_no_file(api: Api, method: str, path: str) -> None:
    reply = api.call(method, path, json_body={} if method == "PUT" else None)
    # Sentry's catch-all (an encoded slash makes another path), or a key or id not found.
    assert reply.status == 404
    assert reply.raw in (b"", b'{"detail":"The requested resource does not exist"}')


def test_a_file_url_is_not_a_hook_url(api: Api) -> None:
    reply = api.post(PROJECT + "hooks/", json_body={"url": "file:///etc/passwd"})
    assert (reply.status, reply.json) == (400, {"url": ["Enter a valid URL."]})


@pytest.mark.parametrize(
    "text", ["{{7*7}}", "${7*7}", "%(name)s", "{name}", "<%= 7*7 %>", "$shortID {{ config }}"]
)
def test_template_syntax_in_fields_is_kept_as_text(api: Api, text: str) -> None:
    reply = api.put(PROJECT, json_body={"name": text, "subjectTemplate": text})
    assert reply.status == 200
    assert (reply.json["name"], reply.json["subjectTemplate"]) == (text, text)


def test_the_admin_api_loads_no_file_but_scenario_files(app: Flask) -> None:
    reply = app.test_client().post("/__admin/scenario", json={"path": "/etc/passwd"})
    assert reply.status_code == 400
    assert reply.json["detail"] == "path must be a .yaml or .yml scenario file, got '/etc/passwd'"


# --- journal exports redact credentials by default --------------------------------------------


def test_journal_exports_redact_credentials_by_default(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    created = client.post(
        PROJECT + "hooks/",
        json={"url": "https://example.com/hook"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert created.status_code == 201
    secret = created.json["secret"]
    for path in ("/__admin/requests", "/__admin/requests/har", "/__admin/requests/1"):
        text = client.get(path).get_data(as_text=True)
        assert TOKEN not in text, path
        assert secret not in text, path
        assert "Bearer [redacted]" in text, path
    revealed = client.get("/__admin/requests?redact=false").get_data(as_text=True)
    assert TOKEN in revealed
    assert secret in revealed
