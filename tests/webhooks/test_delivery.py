"""Service-hook detail endpoints and signed delivery to a real receiver (§5.4, §5.5, §2.1)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from mockserver.config import Config
from mockserver.signing import sign
from mockserver.signing import verify
from mockserver.testing import MockServer
from mockserver.webhooks.delivery import DeliverySettings
from tests.conftest import PROJECT
from tests.conftest import READONLY
from tests.conftest import WRITE
from tests.conftest import Api
from tests.conftest import FakeClock
from tests.receiver import Receiver

HOOKS = PROJECT + "hooks/"
EXAMPLE_ID = "4f9d73e63b7144ecb8944c41620a090b"
NOT_FOUND = {"detail": "The requested resource does not exist"}


@pytest.fixture(scope="module")
def fast_server() -> Iterator[MockServer]:
    """A server whose deliveries time out after 0.5 s and retry at once."""
    settings = DeliverySettings(timeout=0.5, retries=3, backoff=lambda n: 0.0)
    clock = FakeClock()
    with MockServer(Config(validate_responses=True, clock=clock, delivery=settings)) as server:
        yield server
        server.state.deliverer.close()


@pytest.fixture
def hooks_api(fast_server: MockServer) -> Iterator[Api]:
    fast_server.state.reset()
    # The scenario's example hook points at empowerplant.io: tests only ever send to 127.0.0.1.
    fast_server.state.store.delete_hook("2", EXAMPLE_ID)
    yield Api(fast_server.app, "socket", fast_server)
    assert fast_server.state.deliverer.wait_idle(10)
    fast_server.check()


def create(api: Api, url: str, events: list[str]) -> dict[str, Any]:
    reply = api.post(HOOKS, json_body={"url": url, "events": events})
    assert reply.status == 201, reply.json
    body: dict[str, Any] = reply.json
    return body


def trigger(api: Api, event_type: str = "event.created", project: str = "my-org/my-project") -> Any:
    reply = api.post("/__admin/events", json_body={"project": project, "type": event_type})
    assert reply.status == 202, reply.raw
    return reply.json


# --- detail endpoints ------------------------------------------------------------------------


def test_get_one_hook(api: Api) -> None:
    reply = api.get(HOOKS + EXAMPLE_ID + "/")
    assert reply.status == 200
    assert reply.json["url"] == "https://empowerplant.io/sentry-hook"
    assert reply.header("Allow") == "GET, PUT, DELETE, OPTIONS"


def test_unknown_hook_or_another_projects_hook_answers_404(api: Api) -> None:
    other = api.post(
        "/api/0/projects/other-org/other-project/hooks/",
        token="sntryu_OUTSIDER",
        json_body={"url": "https://x.example"},
    ).json
    for path in (
        HOOKS + "0" * 32 + "/",
        HOOKS + other["id"] + "/",
        HOOKS + other["id"] + "/stats/",
    ):
        reply = api.get(path)
        assert (reply.status, reply.json) == (404, NOT_FOUND)


def test_detail_routes_have_no_feature_gate(api: Api) -> None:
    # web-frontend lacks servicehooks: list and create answer 403, but a detail lookup is a 404.
    reply = api.get("/api/0/projects/my-org/web-frontend/hooks/" + EXAMPLE_ID + "/")
    assert (reply.status, reply.json) == (404, NOT_FOUND)


def test_put_updates_partially_and_maps_is_active_to_status(api: Api) -> None:
    path = HOOKS + EXAMPLE_ID + "/"
    reply = api.put(path, json_body={"isActive": False, "events": ["event.created"]})
    assert reply.status == 200
    assert (reply.json["status"], reply.json["events"]) == ("disabled", ["event.created"])
    assert reply.json["url"] == "https://empowerplant.io/sentry-hook"
    reply = api.put(path, json_body={"url": "https://example.com/new", "isActive": "true"})
    assert (reply.json["status"], reply.json["url"]) == ("active", "https://example.com/new")
    assert reply.json["events"] == ["event.created"]
    assert api.get(path).json == reply.json


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"url": "nope"}, {"url": ["Enter a valid URL."]}),
        ({"events": ["event.bogus"]}, {"events": ["Invalid event name: event.bogus"]}),
        ({"isActive": "perhaps"}, {"isActive": ["Must be a valid boolean."]}),
        ({"events": None}, {"events": ["This field may not be null."]}),
    ],
)
def test_put_answers_field_errors_as_create_does(api: Api, body: Any, errors: Any) -> None:
    reply = api.put(HOOKS + EXAMPLE_ID + "/", json_body=body)
    assert (reply.status, reply.json) == (400, errors)


def test_delete_answers_204_and_needs_admin(api: Api) -> None:
    path = HOOKS + EXAMPLE_ID + "/"
    denied = api.delete(path, token=WRITE)
    assert denied.status == 403
    reply = api.delete(path)
    assert (reply.status, reply.raw) == (204, b"")
    assert api.get(path).status == 404
    assert api.get(HOOKS).json == []


def test_put_needs_project_write(api: Api) -> None:
    reply = api.put(HOOKS + EXAMPLE_ID + "/", token=READONLY, json_body={"isActive": False})
    assert reply.status == 403


def test_hook_stats_count_zero_before_any_delivery(api: Api) -> None:
    reply = api.get(HOOKS + EXAMPLE_ID + "/stats/?resolution=1h")
    assert reply.status == 200
    assert len(reply.json) == 24
    assert all(set(point) == {"ts", "total"} and point["total"] == 0 for point in reply.json)
    bad = api.get(HOOKS + EXAMPLE_ID + "/stats/?resolution=2h")
    assert (bad.status, bad.json) == (400, {"detail": "Invalid resolution"})


# --- delivery --------------------------------------------------------------------------------


def test_delivery_is_signed_over_the_exact_body(hooks_api: Api, fast_server: MockServer) -> None:
    with Receiver() as receiver:
        hook = create(hooks_api, receiver.url, ["event.created"])
        result = trigger(hooks_api)
        got = receiver.received.get(timeout=5)
    assert result["hooks"] == [hook["id"]]
    expected = hmac.new(hook["secret"].encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-ServiceHook-Signature"] == expected
    assert got.headers["X-ServiceHook-GUID"] == hook["id"]
    assert got.headers["X-ServiceHook-Timestamp"] == "1700000000"
    assert got.headers["Content-Type"] == "application/json"
    assert got.path == "/hook"
    payload = json.loads(got.body)
    assert set(payload) == {"project", "group", "event"}
    assert payload["project"] == {"slug": "my-project", "name": "My Project"}
    assert payload["event"]["id"] == result["eventId"]
    # Compact, ASCII-only JSON: exactly the bytes Sentry's json.dumps would send.
    assert got.body == json.dumps(payload, separators=(",", ":")).encode()
    assert verify(hook["secret"], got.body, got.headers["X-ServiceHook-Signature"])
    assert not verify(hook["secret"], got.body + b" ", got.headers["X-ServiceHook-Signature"])
    attempts = fast_server.state.deliverer.wait_for(lambda d: d.hook_id == hook["id"])
    assert (attempts[0].status, attempts[0].attempt, attempts[0].error) == (200, 1, None)
    assert attempts[0].body == got.body


def test_payload_agrees_with_the_scenario(hooks_api: Api) -> None:
    with Receiver() as receiver:
        create(hooks_api, receiver.url, ["event.created"])
        trigger(hooks_api)
        payload = json.loads(receiver.received.get(timeout=5).body)
    users = hooks_api.get(PROJECT + "users/").json
    event = payload["event"]
    assert event["user"]["tagValue"] in {u["tagValue"] for u in users}
    tags = {t["key"]: t["value"] for t in event["tags"]}
    envs = {v["value"] for v in hooks_api.get(PROJECT + "tags/environment/values/").json}
    assert tags["environment"] in envs
    assert tags["user"] == event["user"]["tagValue"]
    assert payload["group"]["project"]["slug"] == "my-project"
    assert event["groupID"] == payload["group"]["id"]
    assert event["url"] == payload["group"]["url"] + "events/" + event["id"] + "/"
    assert event["dateCreated"] == "2023-11-14T22:13:20.000000Z"


def test_same_seed_same_payload(hooks_api: Api, fast_server: MockServer) -> None:
    first = trigger(hooks_api)["payload"]
    fast_server.state.reset()
    fast_server.state.store.delete_hook("2", EXAMPLE_ID)
    assert trigger(hooks_api)["payload"] == first


def test_event_alert_reaches_hooks_of_either_event_once(hooks_api: Api) -> None:
    with Receiver() as receiver:
        alert = create(hooks_api, receiver.url, ["event.alert"])
        both = create(hooks_api, receiver.url, ["event.alert", "event.created"])
        created_only = create(hooks_api, receiver.url, ["event.created"])
        result = trigger(hooks_api, "event.alert")
        got = [receiver.received.get(timeout=5) for _ in range(3)]
    assert sorted(result["hooks"]) == sorted([alert["id"], both["id"], created_only["id"]])
    assert sorted(r.headers["X-ServiceHook-GUID"] for r in got) == sorted(result["hooks"])


def test_non_matching_deleted_and_featureless_hooks_get_nothing(
    hooks_api: Api, fast_server: MockServer
) -> None:
    with Receiver() as receiver:
        create(hooks_api, receiver.url, ["event.alert"])  # not subscribed to event.created
        gone = create(hooks_api, receiver.url, ["event.created"])
        assert hooks_api.delete(HOOKS + gone["id"] + "/").status == 204
        result = trigger(hooks_api, "event.created")
        assert result["hooks"] == []
        assert trigger(hooks_api, "event.created", "my-org/web-frontend")["hooks"] == []
        assert fast_server.state.deliverer.wait_idle(5)
        assert receiver.all() == []
    assert fast_server.state.deliverer.deliveries() == []


def test_disabled_hooks_still_fire_as_in_sentry(hooks_api: Api) -> None:
    with Receiver() as receiver:
        hook = create(hooks_api, receiver.url, ["event.created"])
        hooks_api.put(HOOKS + hook["id"] + "/", json_body={"isActive": False})
        assert trigger(hooks_api)["hooks"] == [hook["id"]]
        assert receiver.received.get(timeout=5).headers["X-ServiceHook-GUID"] == hook["id"]


def test_receiver_status_is_recorded_and_not_retried(
    hooks_api: Api, fast_server: MockServer
) -> None:
    with Receiver(status=500) as receiver:
        hook = create(hooks_api, receiver.url, ["event.created"])
        trigger(hooks_api)
        receiver.received.get(timeout=5)
        assert fast_server.state.deliverer.wait_idle(5)
    attempts = fast_server.state.deliverer.deliveries(hook_id=hook["id"])
    assert [(d.attempt, d.status, d.error) for d in attempts] == [(1, 500, None)]


def test_a_receiver_that_is_down_is_retried_then_the_failure_recorded(
    hooks_api: Api, fast_server: MockServer
) -> None:
    with socket.socket() as placeholder:  # a port nobody listens on
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    hook = create(hooks_api, f"http://127.0.0.1:{port}/hook", ["event.created"])
    trigger(hooks_api)
    attempts = fast_server.state.deliverer.wait_for(lambda d: d.hook_id == hook["id"], count=4)
    assert [d.attempt for d in attempts] == [1, 2, 3, 4]
    assert all(d.status is None and "ConnectionRefusedError" in (d.error or "") for d in attempts)
    stats = hooks_api.get(HOOKS + hook["id"] + "/stats/").json
    assert sum(point["total"] for point in stats) == 4


def test_a_slow_receiver_times_out(hooks_api: Api, fast_server: MockServer) -> None:
    with Receiver() as receiver:
        receiver.hang.set()
        hook = create(hooks_api, receiver.url, ["event.created"])
        trigger(hooks_api)
        attempts = fast_server.state.deliverer.wait_for(lambda d: d.hook_id == hook["id"], count=4)
    assert all(
        (d.error, d.status, d.received)
        == ("deadline exceeded after 0.5 s waiting for the answer", None, 0)
        for d in attempts
    )


def test_admin_lists_deliveries(hooks_api: Api, fast_server: MockServer) -> None:
    with Receiver() as receiver:
        hook = create(hooks_api, receiver.url, ["event.created"])
        event_id = trigger(hooks_api)["eventId"]
        fast_server.state.deliverer.wait_for(lambda d: d.hook_id == hook["id"])
    body = hooks_api.get(f"/__admin/deliveries?hook={hook['id']}").json
    assert body["total"] == 1
    only = body["deliveries"][0]
    assert (only["eventId"], only["status"], only["attempt"], only["url"]) == (
        event_id,
        200,
        1,
        receiver.url,
    )
    assert only["headers"]["X-ServiceHook-Signature"] == sign(hook["secret"], only["body"].encode())


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"project": "nope"}, "project must be 'org/project' (id or slug) of a live project"),
        (
            {"project": "my-org/my-project", "type": "issue.created"},
            "type must be one of event.alert, event.created",
        ),
    ],
)
def test_admin_trigger_refuses_bad_input(hooks_api: Api, body: Any, detail: str) -> None:
    reply = hooks_api.post("/__admin/events", json_body=body)
    assert reply.status == 400
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.json["detail"] == detail


def test_signing_helpers() -> None:
    body = b'{"a":1}'
    signature = hmac.new(b"s" * 64, body, hashlib.sha256).hexdigest()
    assert sign("s" * 64, body) == signature
    assert verify("s" * 64, body, signature)
    assert verify("s" * 64, body, signature.upper())
    assert not verify("s" * 64, body, None)
    assert not verify("t" * 64, body, signature)


# --- scheduled events ------------------------------------------------------------------------


def test_scheduled_events_fire_by_themselves(tmp_path: Any) -> None:
    from mockserver.webhooks.schedule import Scheduler

    with Receiver() as receiver:
        scenario = {
            "version": 1,
            "tokens": [{"token": "t", "scopes": ["project:read"]}],
            "organizations": [
                {
                    "id": "1",
                    "slug": "acme",
                    "projects": [
                        {
                            "id": "2",
                            "slug": "web",
                            "hooks": [{"url": receiver.url, "events": ["event.created"]}],
                        }
                    ],
                }
            ],
            "events": {"schedule": [{"project": "acme/web", "every": 0.05}]},
        }
        settings = DeliverySettings(timeout=2, retries=0, backoff=lambda n: 0.0)
        with MockServer(Config(scenario=scenario, delivery=settings)) as server:
            scheduler = Scheduler(server.state)
            scheduler.start()
            try:
                delivered = server.state.deliverer.wait_for(count=2, timeout=10)
            finally:
                scheduler.stop()
                server.state.deliverer.close()
    assert [d.project for d in delivered] == ["acme/web", "acme/web"]
    assert delivered[0].event_id != delivered[1].event_id
    assert all(d.status == 200 for d in delivered)


def test_a_schedule_for_an_unknown_project_is_refused() -> None:
    from mockserver.errors import ScenarioError
    from mockserver.schemas.registry import SchemaRegistry
    from mockserver.world.scenario import load_scenario_data

    scenario = {
        "version": 1,
        "organizations": [{"id": "1", "slug": "acme", "projects": [{"id": "2", "slug": "web"}]}],
        "events": {"schedule": [{"project": "acme/wbe", "every": 5}]},
    }
    with pytest.raises(ScenarioError) as info:
        load_scenario_data(scenario, SchemaRegistry())
    assert info.value.location == "$.events.schedule[0].project"
    assert info.value.fix == "did you mean 'acme/web'?"


def test_python_api_triggers_and_waits_for_deliveries(fast_server: MockServer) -> None:
    fast_server.state.reset()
    fast_server.state.store.delete_hook("2", EXAMPLE_ID)
    with Receiver() as receiver:
        hook = fast_server.state.store.create_hook("2", receiver.url, ["event.created"])
        triggered = fast_server.trigger_event("my-org/my-project", level="fatal")
        (delivery,) = fast_server.wait_for_delivery(hook_id=hook.id)
        got = receiver.received.get(timeout=5)
    assert triggered.hook_ids == (hook.id,)
    assert delivery.event_id == triggered.event_id
    assert delivery.body == got.body
    assert json.loads(got.body)["event"]["level"] == "fatal"
    assert verify(hook.secret, got.body, got.headers["X-ServiceHook-Signature"])
    assert fast_server.deliveries(event_id=triggered.event_id) == [delivery]
    with pytest.raises(ValueError, match="no live project"):
        fast_server.trigger_event("my-org/nope")
    with pytest.raises(TimeoutError, match="0 of 1 matching deliveries"):
        fast_server.wait_for_delivery(hook_id="nope", timeout=0.05)
