"""``POST /__admin/reset``: the plain call is answered before Flask (admin/reset.py), exactly as
the admin view answers it; a call the admin API's guards must see still goes through them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from mockserver.admin.reset import QuickReset
from mockserver.state import state_of
from mockserver.testing import MockServer
from tests.conftest import PROJECT
from tests.conftest import Api
from tests.conftest import Reply

RESET = "/__admin/reset"


def rename_and_reset(api: Api, server: MockServer, name: str, **how: object) -> Reply:
    assert api.put(PROJECT, json_body={"name": name}).status == 200
    assert server.journal.count() > 0
    reply = api.call("POST", RESET, token=None, **how)  # type: ignore[arg-type]
    assert api.get(PROJECT).json["name"] == "My Project"  # the scenario's again
    assert [e.method for e in server.journal.entries()] == ["GET"]  # cleared by the reset
    return reply


def answer(reply: Reply) -> tuple[int, dict[str, str], bytes]:
    # A socket server adds Date and Server itself.
    headers = {k: v for k, v in reply.headers.items() if k not in ("date", "server")}
    return reply.status, headers, reply.raw


def test_the_plain_reset_answers_as_the_admin_view_does(api: Api, server: MockServer) -> None:
    layer = server.app.wsgi_app.app.own  # type: ignore[attr-defined]
    assert isinstance(layer, QuickReset)
    # Which calls reach Flask, seen from the layer in front of it.
    flask = layer.own
    reached: list[str] = []

    def counted(environ: Any, start_response: Any) -> Any:
        reached.append(environ["PATH_INFO"])
        return flask(environ, start_response)

    layer.own = counted
    try:
        quick = rename_and_reset(api, server, "Quick", headers={"User-Agent": "curl/8.5.0"})
        assert reached == []
        # A JSON body (the view ignores it) takes the way through Flask and the guards.
        viewed = rename_and_reset(api, server, "Viewed", json_body={})
        assert reached == [RESET]
    finally:
        layer.own = flask
    assert answer(quick) == answer(viewed)
    assert quick.status == 200
    assert quick.header("Content-Type") == "application/json"
    assert quick.json == {
        "status": "reset",
        "scenario": {
            "name": server.state.store.world.name,
            "description": server.state.store.world.description,
            "source": server.state.store.world.source,
            "seed": server.state.store.world.seed,
        },
    }


def test_with_an_admin_token_the_plain_reset_is_refused_without_it(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(admin_token="admin-secret")
    client = app.test_client()
    store = state_of(app).store
    store.update_project(store.world.organizations[0].projects[0].id, {"name": "Kept"})
    refused = client.post(RESET)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="mockserver-admin"'
    assert store.versions.version != store.versions.scenario  # not reset
    assert client.post(RESET, headers={"Authorization": "Bearer admin-secret"}).status_code == 200
    assert store.versions.version == store.versions.scenario
