"""The answers of writes are checked against their schemas, all of them or one in N
(``Config.validate_writes_every``; ``mockserver serve`` samples unless ``--strict``).

A schema the mock's hooks break (the hook's ``status`` may only be ``disabled``) makes every
checked answer a 500 and lets every unchecked one through: which writes were checked shows.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.errors import ResponseSchemaError
from mockserver.http.views.answers import write_check
from mockserver.resources import schemas_dir
from mockserver.state import state_of
from mockserver.testing import MockServer
from tests.conftest import PROJECT
from tests.conftest import WRITE
from tests.conftest import Api

HOOKS = PROJECT + "hooks/"
INTERNAL_ERROR = 500


@pytest.fixture(scope="module")
def strict_hooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped schemas, but a hook's status may only be ``disabled``."""
    directory = tmp_path_factory.mktemp("schemas")
    for path in schemas_dir().glob("*.json"):
        shutil.copy(path, directory / path.name)
    hook = json.loads((directory / "hook.json").read_text(encoding="utf-8"))
    hook["properties"]["status"]["enum"] = ["disabled"]
    (directory / "hook.json").write_text(json.dumps(hook), encoding="utf-8")
    return directory


@contextmanager
def _server(strict_hooks: Path, writes_every: int = 1) -> Iterator[MockServer]:
    config = Config(
        schemas_dir=strict_hooks, validate_responses=True, validate_writes_every=writes_every
    )
    with MockServer(config) as server:
        yield server


@pytest.fixture(params=["client", "socket"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _statuses(api: Api, count: int) -> list[int]:
    hook = {"url": "https://example.com/hook", "events": ["event.created"]}
    return [api.post(HOOKS, token=WRITE, json_body=hook).status for _ in range(count)]


def test_every_answer_of_a_write_is_checked_by_default(strict_hooks: Path, transport: str) -> None:
    with _server(strict_hooks) as server:
        api = Api(server.app, transport, server)
        assert _statuses(api, 3) == [INTERNAL_ERROR] * 3
        errors = state_of(server.app).take_errors()
        assert len(errors) == 3
        assert all(isinstance(e.exception, ResponseSchemaError) for e in errors)


def test_one_answer_of_a_write_in_n_is_checked_the_first_always(
    strict_hooks: Path, transport: str
) -> None:
    with _server(strict_hooks, writes_every=3) as server:
        api = Api(server.app, transport, server)
        created = 201
        assert _statuses(api, 7) == [INTERNAL_ERROR, created, created] * 2 + [INTERNAL_ERROR]
        assert len(state_of(server.app).take_errors()) == 3


def test_no_answer_is_checked_without_response_validation(strict_hooks: Path) -> None:
    config = Config(schemas_dir=strict_hooks, validate_responses=False)
    with MockServer(config) as server:
        api = Api(server.app, "client", server)
        assert _statuses(api, 2) == [201, 201]


def test_each_schema_is_sampled_on_its_own() -> None:
    state = state_of(create_app(Config(validate_responses=True, validate_writes_every=2)))
    hook_check = state.registry.body_check("hook")
    project_check = state.registry.body_check("project")
    hooks = [write_check(state, "hook") for _ in range(4)]
    assert hooks == [hook_check, None, hook_check, None]
    assert write_check(state, "project") is project_check
    assert write_check(state, "project") is None


def test_strict_mode_checks_every_write_unless_a_sample_is_given() -> None:
    serve = {"validate_responses": True, "validate_writes_every": 16}  # serve's defaults

    def every(environ: dict[str, str], **overrides: object) -> int:
        return Config.from_env(environ, defaults=serve, **overrides).validate_writes_every

    assert every({}) == 16
    assert every({"MOCKSERVER_STRICT": "1"}) == 1
    assert every({}, strict=True) == 1
    assert every({}, strict=True, validate_writes_every=4) == 4
    assert every({"MOCKSERVER_STRICT": "1", "MOCKSERVER_VALIDATE_WRITES_EVERY": "3"}) == 3
