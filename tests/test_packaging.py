"""The wheel ships ``schemas/`` and ``scenarios/`` and works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("sentry_mockserver-*.whl")
    return built


def test_the_wheel_contains_the_schemas_and_scenarios(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in (ROOT / "schemas").glob("*.json"):
        assert f"mockserver/_data/schemas/{schema.name}" in names
    # The digests of the shipped schemas that passed the metaschema check: without them every
    # app build runs the slow check again.
    assert "mockserver/_data/schemas/meta-checked.sha256" in names
    assert "mockserver/_data/scenarios/default.yaml" in names
    assert "mockserver/py.typed" in names
    # The inspector's pages and what they load: everything ships in the wheel (no CDN).
    inspector = ROOT / "mockserver" / "inspector"
    shipped = sorted(
        p.relative_to(ROOT).as_posix()
        for folder in ("templates", "static")
        for p in (inspector / folder).rglob("*")
        if p.is_file()
    )
    assert "mockserver/inspector/static/inspector.js" in shipped
    assert "mockserver/inspector/templates/inspector/journal.html" in shipped
    assert set(shipped) <= names
    # The OpenAPI document's examples, and drift's snapshot of Sentry's document and its list.
    assert "mockserver/openapi/examples.json" in names
    assert "mockserver/openapi/drift/sentry-api-schema.json" in names
    assert "mockserver/openapi/drift/deliberate.yaml" in names
    assert not any(name.startswith(("tests/", "schemas/", "scenarios/")) for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "mockserver = mockserver.__main__:main" in text
    assert "mockserver = mockserver.pytest_plugin" in text


def test_the_unpacked_wheel_serves_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import mockserver, mockserver.resources as r\n"
        "from mockserver import create_app\n"
        "c = create_app().test_client()\n"
        "auth = {'Authorization': 'Bearer sntrys_TOKEN'}\n"
        "res = c.get('/api/0/projects/my-org/my-project/', headers=auth)\n"
        "page = c.get('/__admin/ui/').status_code, c.get('/__admin/ui/static/inspector.js')\n"
        "assert page[0] == 200 and page[1].status_code == 200, page\n"
        "page[1].close()\n"
        "from mockserver.openapi import drift\n"
        "from mockserver.openapi.document import openapi_document\n"
        "report = drift.check(openapi_document())\n"
        "print(mockserver.__file__, r.schemas_dir(), r.default_scenario(), res.status_code,\n"
        "      len(report.differences.drift), len(report.differences.deliberate) > 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    )
    module, schemas, scenario, status, drifted, listed = result.stdout.split()
    assert module.startswith(str(site))
    assert schemas == str(site / "mockserver" / "_data" / "schemas")
    assert scenario == str(site / "mockserver" / "_data" / "scenarios" / "default.yaml")
    assert status == "200"
    # The document's examples, drift's snapshot and its list load from the wheel.
    assert (drifted, listed) == ("0", "True")


def make_dry(target: str, venv: Path, *variables: str) -> list[str]:
    """The commands ``make TARGET`` would run with this virtual environment (``make -n``)."""
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "-C", str(ROOT), target, f"VENV={venv}", *variables],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def test_make_serve_installs_what_serving_needs_and_make_test_the_rest(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    serve = make_dry("serve", venv)
    assert f"{venv}/bin/python -m pip install --quiet -e ." in serve
    assert not any("[test]" in line for line in serve)
    assert serve[-1].split() == [f"{venv}/bin/mockserver", "serve"]  # its own defaults
    assert f"{venv}/bin/python -m pip install --quiet -e '.[test]'" in make_dry("pytest", venv)
    # Once both are installed, switching between them installs nothing.
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    (venv / ".installed-runtime").touch()
    assert not any("pip install" in line for line in make_dry("serve", venv))
    assert any("[test]" in line for line in make_dry("pytest", venv))  # the test tools: not yet
    (venv / ".installed-test").touch()
    for target in ("serve", "pytest", "lint", "typecheck"):
        assert not any("pip install" in line for line in make_dry(target, venv)), target
    assert make_dry("serve", venv, "PORT=9000")[-1].split() == [
        f"{venv}/bin/mockserver",
        "serve",
        "--port",
        "9000",
    ]
