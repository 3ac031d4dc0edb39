"""What a request makes is freed when it ends: nothing is left for the cycle collector.

A request that ends as a reference cycle is freed only by the collector's passes, and what
survives the young ones waits for a full pass, whose cost grows with everything the mock
holds (hooks written, the journal). Before this was guarded, each request left its werkzeug
request and environ in a cycle, and each new state of a project its view and memo: POST
throughput fell by a third as hooks were written.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.state import state_of
from mockserver.world.overlay import RECENT_STATES
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.conftest import WRITE

HOOKS = PROJECT + "hooks/"


def _environ(method: str, path: str, body: Any = None, token: str = TOKEN) -> dict[str, Any]:
    data = None if body is None else body if isinstance(body, str) else json.dumps(body)
    builder = EnvironBuilder(
        path=path,
        method=method,
        headers=[("Authorization", f"Bearer {token}")],
        data=data,
        content_type="application/json" if data is not None else None,
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


@pytest.fixture
def collector_off() -> Iterator[None]:
    """The collector stopped, after a full pass: what it finds later, the test left."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _answer(app: Any, environ: dict[str, Any]) -> str:
    statuses: list[str] = []
    for _chunk in app.wsgi_app(
        environ, lambda status, _headers, _exc=None: statuses.append(status)
    ):
        pass
    return statuses[0]


@pytest.mark.parametrize("response_cache", [True, False])
def test_requests_of_every_kind_leave_no_cycle(response_cache: bool, collector_off: None) -> None:
    app = create_app(Config(response_cache=response_cache, validate_responses=True))
    hook = {"url": "https://example.com/hook", "events": ["event.created"]}
    renames = [{"name": f"Renamed {n}"} for n in range(RECENT_STATES + 3)]
    calls = [
        ("GET", PROJECT, None, TOKEN, "200 OK"),
        ("GET", PROJECT + "stats/", None, TOKEN, "200 OK"),
        ("GET", PROJECT + "users/", None, TOKEN, "200 OK"),
        ("GET", PROJECT + "tags/environment/values/", None, TOKEN, "200 OK"),
        ("POST", HOOKS, hook, WRITE, "201 CREATED"),
        ("POST", HOOKS, hook, WRITE, "201 CREATED"),
        ("GET", HOOKS, None, TOKEN, "200 OK"),
        ("POST", HOOKS, "{not json", WRITE, "400 BAD REQUEST"),
        ("GET", PROJECT + "nope/", None, TOKEN, "404 NOT FOUND"),
        ("GET", PROJECT, None, "sntrys_NOPE", "401 UNAUTHORIZED"),
        # More new states of the project than are kept: the oldest are let go.
        *[("PUT", PROJECT, rename, WRITE, "200 OK") for rename in renames],
        ("GET", PROJECT, None, TOKEN, "200 OK"),
        # Changed projects dropped by a reset.
        ("POST", "/__admin/reset", None, TOKEN, "200 OK"),
        ("GET", PROJECT, None, TOKEN, "200 OK"),
    ]
    environs = [(_environ(m, p, b, t), status) for m, p, b, t, status in calls]
    gc.collect()  # what making the environs left

    statuses = [_answer(app, environ) for environ, _ in environs]
    state_of(app).journal.entries()  # the journal's entries, made on first read

    assert statuses == [status for _, status in environs]
    assert gc.collect() == 0


def test_the_collector_finds_the_cycles_this_module_guards_against(
    collector_off: None,
) -> None:
    """The check above can fail: a view kept in its own memo is a cycle it finds."""
    app = create_app(Config())
    store = state_of(app).store
    view = store.view(store.world.organizations[0].projects[0].id)
    view.memo["itself"] = view
    del view, store, app
    assert gc.collect() > 0
