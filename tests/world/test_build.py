"""Generated worlds: consistency across endpoints, scale, and generator refusals (World issue)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from mockserver import create_app
from mockserver.errors import ScenarioError
from mockserver.schemas.registry import SchemaRegistry
from mockserver.world.scenario import load_scenario_data
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.conftest import Api


def scenario(**project: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "tokens": [{"token": TOKEN, "scopes": ["project:read"]}],
        "organizations": [
            {"id": "1", "slug": "acme", "projects": [{"id": "2", "slug": "web", **project}]}
        ],
    }


def test_user_tag_values_are_the_users_of_users(api: Api) -> None:
    users = [u["tagValue"] for u in api.get(PROJECT + "users/").json]
    values = [v["value"] for v in api.get(PROJECT + "tags/user/values/").json]
    assert values == users


def test_generated_values_look_like_their_key(api: Api) -> None:
    releases = [v["value"] for v in api.get(PROJECT + "tags/release/values/").json]
    assert all(r.startswith("backend@") for r in releases)
    browsers = [v["value"] for v in api.get(PROJECT + "tags/browser/values/").json]
    family = r"(Chrome|Chrome Mobile|Mobile Safari|Safari|Edge|Firefox|Samsung Internet|Opera)"
    assert all(re.fullmatch(family + r" \d+(\.\d+)+", b) for b in browsers), browsers
    assert len(set(releases)) == len(releases) == 25


def test_generated_users_agree_with_themselves(api: Api) -> None:
    both = 0
    for user in api.get(PROJECT + "users/").json[4:]:
        assert user["name"] == (user["email"] or user["username"])
        if user["email"] and user["username"]:
            both += 1
            # One person: the handle and the mailbox share the same number suffix.
            local = user["email"].split("@")[0]
            assert re.search(r"\d*$", local).group() == re.search(r"\d*$", user["username"]).group()  # type: ignore[union-attr]
    assert both > 5


MEASURE = """
import json, sys, tracemalloc
from mockserver.schemas.registry import SchemaRegistry
from mockserver.world.scenario import load_scenario_data
small_data, big_data = json.loads(sys.stdin.read())
registry = SchemaRegistry()
tracemalloc.start()
small = load_scenario_data(small_data, registry)
_, peak_small = tracemalloc.get_traced_memory()
tracemalloc.reset_peak()
big = load_scenario_data(big_data, registry)
_, peak_big = tracemalloc.get_traced_memory()
tracemalloc.stop()
users = big.organizations[0].projects[0].users
print(json.dumps({
    "peaks": [peak_small, peak_big],
    "lengths": [len(small.organizations[0].projects[0].users), len(users)],
    "lazy": type(users).__name__,
    "ordered": users[999_999].last_seen <= users[0].last_seen,
}))
"""


def test_a_million_users_cost_nothing_until_read() -> None:
    # In a fresh interpreter: tracemalloc counts every thread's allocations, and the threads
    # other tests leave behind (servers, deliveries) would be counted too.
    data = [scenario(users={"generate": 100}), scenario(users={"generate": 1_000_000})]
    done = subprocess.run(
        [sys.executable, "-c", MEASURE],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    measured = json.loads(done.stdout)
    assert measured["lengths"] == [100, 1_000_000]
    assert measured["lazy"] == "LazySequence"
    assert measured["ordered"] is True
    peak_small, peak_big = measured["peaks"]
    # Memory, not time: building the million-user world allocates no more than the small one.
    assert peak_big < 2 * peak_small + 1_000_000


def test_page_10000_of_a_million_users_is_served() -> None:
    app = create_app({"scenario": scenario(users={"generate": 1_000_000})})
    client = app.test_client()
    reply = client.get(
        "/api/0/projects/acme/web/users/?cursor=100:9999:0",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert reply.status_code == 200
    assert len(reply.get_json()) == 100
    assert 'cursor="100:10000:0"' in reply.headers["Link"]


@pytest.mark.parametrize(
    ("tags", "location"),
    [
        ({"level": {"generate": 6}}, "$.organizations[0].projects[0].tags.level"),
    ],
)
def test_a_generator_refusal_names_the_path(tags: Any, location: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_data(scenario(tags=tags), SchemaRegistry())
    assert info.value.location == location
    assert "generate" in info.value.fix


def test_an_unknown_generate_option_is_refused() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_data(scenario(users={"generate": 5, "lcoale": "de_DE"}), SchemaRegistry())
    assert "lcoale" in info.value.problem
