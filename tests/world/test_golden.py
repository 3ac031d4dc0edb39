"""Same seed, same data: the default scenario's generated objects, pinned byte for byte.

A failure here means generated data changed: a Faker release, a generator change, or a
platform difference. If the change is intended, rewrite the files with
``MOCKSERVER_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mockserver.testing import MockServer
from tests.conftest import PROJECT
from tests.conftest import TOKEN

GOLDEN = Path(__file__).parents[1] / "golden"
# A fixed window, so the stats do not depend on today's date.
WINDOW = "since=1699920000&until=1700006399"
CASES = {
    "users.json": PROJECT + "users/",
    "users-page-2.json": PROJECT + "users/?per_page=20&cursor=20:1:0",
    "tag-values-release.json": PROJECT + "tags/release/values/",
    "tag-values-user.json": PROJECT + "tags/user/values/",
    "tag-values-browser.json": PROJECT + "tags/browser/values/",
    "tag-values-environment.json": PROJECT + "tags/environment/values/",
    "stats-received-1h.json": PROJECT + f"stats/?stat=received&resolution=1h&{WINDOW}",
    "stats-rejected-1d.json": PROJECT + f"stats/?stat=rejected&resolution=1d&{WINDOW}",
    "stats-received-10s.json": PROJECT
    + "stats/?stat=received&resolution=10s&since=1699999000&until=1700000000",
    "project.json": PROJECT,
    "hooks.json": PROJECT + "hooks/",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_scenario_answers_are_pinned(server: MockServer, name: str) -> None:
    client = server.app.test_client()
    reply = client.get(CASES[name], headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200
    text = json.dumps(reply.get_json(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    path = GOLDEN / name
    if os.environ.get("MOCKSERVER_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text


def test_the_same_seed_gives_the_same_bytes_in_two_servers() -> None:
    paths = [PROJECT + "users/?per_page=100", PROJECT + "tags/release/values/"]
    bodies = []
    for _ in range(2):
        with MockServer({"seed": 3}) as other:
            client = other.app.test_client()
            bodies.append(
                [client.get(p, headers={"Authorization": f"Bearer {TOKEN}"}).data for p in paths]
            )
    assert bodies[0] == bodies[1]


def test_another_seed_gives_other_people() -> None:
    with MockServer({"seed": 1}) as one, MockServer({"seed": 2}) as two:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        a = one.app.test_client().get(PROJECT + "users/", headers=headers).get_json()
        b = two.app.test_client().get(PROJECT + "users/", headers=headers).get_json()
    # The literal users come first and are the same; the generated ones differ.
    assert a[:4] == b[:4]
    assert [u["tagValue"] for u in a[4:]] != [u["tagValue"] for u in b[4:]]
