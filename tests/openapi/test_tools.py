"""The document as the tools read it, out of the box, against ``mockserver serve``: Schemathesis'
CLI with the command a new user types first (the README's), and Prism's mock server.

Both run the real programs (``st`` from the virtual environment, Prism from npm, pinned: see
``tests/prism.py``) against a real ``mockserver serve`` process (``tests/served.py``).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.prism import prism_mock
from tests.served import serve

ROOT = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).parent / "st"
# The command of the issue and of the README's fuzzing recipe, verbatim (the port aside).
COMMAND = (
    "st run http://127.0.0.1:8000/openapi.json -H 'Authorization: Bearer sntrys_TOKEN' --checks all"
)
ST_DEADLINE = 600.0  # seconds; a run takes 40-100 on two busy cores
TOKEN = {"Authorization": "Bearer sntrys_TOKEN"}
PROJECT = "/api/0/projects/my-org/my-project/"


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - a local URL
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_readme_gives_the_issue_command_as_its_fuzzing_recipe() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert COMMAND in readme


@pytest.mark.slow
def test_st_run_as_typed_first_exits_0_and_leaves_my_project_in_place(tmp_path: Path) -> None:
    with serve() as served:
        base = f"http://127.0.0.1:{served.port}"
        argv = shlex.split(COMMAND.replace("http://127.0.0.1:8000", base))
        assert argv[0] == "st"
        # In an empty directory: no schemathesis.toml of anyone's can help it.
        done = subprocess.run(
            [str(ST), *argv[1:]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=ST_DEADLINE,
            check=False,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-6000:]
        assert "Schema Error" not in output
        for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
            assert f"✅  {phase}" in output, phase
        # The run deleted my-project (with the documentation's token, in its examples phase)...
        status, _ = fetch(base + PROJECT, {**TOKEN, "X-Mockserver-Sandbox": "schemathesis"})
        assert status == 404
        # ...in its sandbox: everyone else still has it.
        status, body = fetch(base + PROJECT, TOKEN)
        assert (status, body["slug"], body["name"]) == (200, "my-project", "My Project")


@pytest.mark.slow
def test_prism_mock_of_the_served_document_answers_like_the_mock(tmp_path: Path) -> None:
    with serve() as served:
        base = f"http://127.0.0.1:{served.port}"
        status, document = fetch(base + "/openapi.json")
        assert status == 200
        path = tmp_path / "openapi.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        answers = {
            route: fetch(base + route, TOKEN)
            for route in (
                PROJECT,
                PROJECT + "stats/?since=1541455200&until=1541469600&resolution=1h",
                PROJECT + "tags/environment/values/",
                PROJECT + "hooks/4f9d73e63b7144ecb8944c41620a090b/",
            )
        }
    with prism_mock(path) as prism:
        for route, (status, body) in answers.items():
            assert fetch(prism.url + route, TOKEN) == (status, body), route
        # The default scenario's values, not Prism's placeholders ("string", [[]]).
        status, project = fetch(prism.url + PROJECT, TOKEN)
        assert (project["id"], project["slug"], project["organization"]["slug"]) == (
            "2",
            "my-project",
            "my-org",
        )
        # Prism checks the security scheme itself and answers the mock's own 401 example.
        assert fetch(prism.url + PROJECT) == (
            401,
            {"detail": "Authentication credentials were not provided."},
        )
