"""What ``mockserver serve`` imports before its first answer: what that answer does not need
stays out (every module costs start time and memory; README: Performance)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.served import environment_without_settings

# What `mockserver serve` does before the first request is answered, in a fresh interpreter:
# the command's module, the settings as serve makes them, the app, the server's choice, the
# worker's scheduler, then one GET of a project (through the WSGI app, as granian calls it).
SERVE = f"""
import json
import sys

import mockserver.cli
from mockserver.config import Config
from mockserver.serving import choose_server
from mockserver.serving.serve import create_app
from mockserver.state import state_of
from mockserver.webhooks.schedule import Scheduler
from werkzeug.test import Client

app = create_app(Config.from_env(defaults={{"validate_responses": True}}))
assert choose_server(app) == ("granian", None)
Scheduler(state_of(app))
response = Client(app).get({PROJECT!r}, headers={{"Authorization": "Bearer {TOKEN}"}})
print(json.dumps({{"status": response.status_code, "modules": sorted(sys.modules)}}))
"""

# Each imported on first need only, and never by a valid scenario's start and first answer.
NOT_BEFORE_THE_FIRST_ANSWER = {
    # The validators, the format checker and the explainer: only for an instance the compiled
    # fast path does not pass (a broken scenario, a client's invalid body, a wrong answer).
    "jsonschema": "schemas/formats.py",
    "jsonschema_specifications": "jsonschema's metaschemas",
    # $ref resolution of the shipped schemas' plain references needs none of it: linked for the
    # first jsonschema validator (with attrs and rpds, which only it imports).
    "referencing": "schemas/refs.py",
    "attr": "referencing",
    "attrs": "referencing",
    "rpds": "referencing",
    # Names, addresses and words: made by the first generated user, hook or word value.
    "faker": "world/fakedata/fakers.py",
    # The OpenAPI document: GET /openapi.json, `mockserver openapi` and `mockserver drift`.
    "mockserver.openapi.document": "openapi/served.py",
    "mockserver.openapi.examples": "openapi/served.py",
    "mockserver.openapi.drift": "cli.py",
    # The other commands and the pytest side.
    "mockserver.record.run": "record/command.py",
    "mockserver.proxy.app": "proxy/command.py",
    "mockserver.testing": "the pytest plugin",
}


def test_serve_answers_its_first_request_without_what_it_does_not_need() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SERVE],
        capture_output=True,
        text=True,
        env=environment_without_settings(),
        check=True,
    )
    answer = json.loads(result.stdout)
    assert answer["status"] == 200
    modules = set(answer["modules"])
    # The way it was answered was the whole mock's (the test would pass for an empty app).
    assert {"flask", "mockserver.http.pipeline", "mockserver.world.store", "yaml"} <= modules
    loaded = sorted(
        name
        for name in modules
        if any(name == out or name.startswith(out + ".") for out in NOT_BEFORE_THE_FIRST_ANSWER)
    )
    assert loaded == []
