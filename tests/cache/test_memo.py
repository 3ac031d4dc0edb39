"""Memoized world objects: a kept answer is the answer, and it goes stale with the state."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from mockserver import resources
from mockserver.cache.memo import Memo
from mockserver.cache.memo import MemoSequence
from mockserver.errors import ResponseSchemaError
from mockserver.sentry import serializers
from mockserver.state import state_of
from mockserver.world.model import LazySequence
from mockserver.world.store import Store
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.conftest import Api

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _get(app: Flask, path: str) -> Any:
    response = app.test_client().get(path, headers=AUTH)
    assert response.status_code == 200, response.data
    return response


def test_memo_keeps_at_most_its_capacity_oldest_out_first() -> None:
    memo = Memo(3)
    for n in range(5):
        memo.put(n, str(n))
    assert len(memo) == 3
    assert [memo.get(n) for n in range(5)] == [None, None, "2", "3", "4"]
    memo.put(2, "again")  # an existing key evicts nothing
    assert len(memo) == 3
    assert memo.get(2) == "again"


def test_memo_sequence_gives_the_same_items_and_makes_each_once() -> None:
    made: list[int] = []

    def make(i: int) -> str:
        made.append(i)
        return f"item-{i}"

    lazy = LazySequence(("literal",), 10, make)
    memoized = MemoSequence(lazy, Memo(100))
    assert list(memoized) == list(lazy)
    made.clear()
    assert memoized[1:4] == ["item-0", "item-1", "item-2"]
    assert memoized[-1] == "item-9"
    assert made == []
    with pytest.raises(IndexError):
        memoized[11]


def test_memo_sequence_recomputes_what_the_bound_evicted() -> None:
    lazy = LazySequence((), 50, lambda i: i * i)
    memoized = MemoSequence(lazy, Memo(8))
    assert list(memoized) == [i * i for i in range(50)]
    assert list(memoized) == [i * i for i in range(50)]


def test_each_app_owns_its_memos_and_its_store_keeps_items_in_them(make_app: Any) -> None:
    state = state_of(make_app())
    assert state.store.memos is state.memos
    assert state_of(make_app()).memos is not state.memos


def test_reset_keeps_every_memo_and_a_load_drops_those_of_the_world(make_app: Any) -> None:
    app = make_app()  # its own memos: nothing made by other tests
    state = state_of(app)
    _get(app, PROJECT + "users/?per_page=5")  # generated users, their JSON, the page
    app.test_client().post(
        PROJECT + "hooks/", json={"url": "ftp//nowhere", "events": []}, headers=AUTH
    )  # the body's violations
    memos = state.memos

    def sizes() -> dict[str, int]:
        return {name: len(getattr(memos, name)) for name in ("items", "json", "pages", "bodies")}

    filled = sizes()
    assert all(filled.values()), filled
    assert memos.lists.get("event-users") is not None
    state.reset()
    assert sizes() == filled
    state.load(resources.default_scenario())
    # The world's memos go with it; what derives from the schemas only stays.
    assert sizes() == {"items": 0, "json": 0, "pages": 0, "bodies": filled["bodies"]}
    assert memos.lists.get("event-users") is not None


def test_project_json_is_the_dict_encoded_and_goes_stale_with_an_update(app: Flask) -> None:
    store: Store = app.extensions["mockserver"].store
    view = store.view("2")
    first = serializers.project_details_json(view)
    assert json.loads(first) == serializers.project_details(view)
    assert serializers.project_details_json(store.view("2")) is first
    store.update_project("2", {"name": "Renamed"})
    changed = serializers.project_details_json(store.view("2"))
    assert json.loads(changed)["name"] == "Renamed"
    store.reset()
    assert json.loads(serializers.project_details_json(store.view("2")))["name"] == "My Project"


def test_reset_keeps_the_memos_of_untouched_projects(app: Flask) -> None:
    store: Store = app.extensions["mockserver"].store
    untouched = serializers.project_details_json(store.view("2"))
    store.create_hook("3", "https://example.com/h", ["event.created"])
    store.reset()
    assert serializers.project_details_json(store.view("2")) is untouched


def test_hook_list_follows_creation_update_and_deletion(api: Api) -> None:
    path = PROJECT + "hooks/"
    before = [h["id"] for h in api.get(path).json]
    created = api.post(path, json_body={"url": "https://example.com/a"}).json
    listed = api.get(path).json
    assert [h["id"] for h in listed] == [created["id"], *before]
    assert listed[0] == created
    updated = api.put(f"{path}{created['id']}/", json_body={"url": "https://example.com/b"}).json
    assert api.get(path).json[0] == updated
    assert api.delete(f"{path}{created['id']}/").status == 204
    assert [h["id"] for h in api.get(path).json] == before


def test_pages_built_from_kept_json_equal_the_serializers_output(app: Flask) -> None:
    project = app.extensions["mockserver"].store.view("2").project
    for _ in range(2):  # made, then kept
        users = _get(app, PROJECT + "users/?per_page=100").get_json()
        assert users == [serializers.event_user(u) for u in project.users[:100]]
        values = _get(app, PROJECT + "tags/browser/values/").get_json()
        assert [v["key"] for v in values] == ["browser"] * len(values)
        assert _get(app, PROJECT + "tags/user/values/").get_json()[0]["key"] == "user"


def test_a_kept_answer_was_checked_when_it_was_made(make_app: Any, monkeypatch: Any) -> None:
    """Under response validation a broken serializer still answers 500, and nothing broken
    is kept for the next request."""
    app = make_app()  # its own memos: nothing made by other tests
    real = serializers.event_user

    def broken(user: Any) -> dict[str, Any]:
        body = real(user)
        body["avatarUrl"] = 42
        return body

    monkeypatch.setattr(serializers, "event_user", broken)
    client = app.test_client()
    path = PROJECT + "users/?per_page=5&cursor=5:7:0"
    assert client.get(path, headers=AUTH).status_code == 500
    assert client.get(path, headers=AUTH).status_code == 500
    errors = app.extensions["mockserver"].take_errors()
    assert errors
    assert all(isinstance(e.exception, ResponseSchemaError) for e in errors)
