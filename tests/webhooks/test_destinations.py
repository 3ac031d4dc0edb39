"""Where hooks may deliver (mockserver.webhooks.destinations): never to the mock's own server
(its admin API), a cloud metadata service or a link-local address; loopback receivers work.
Hooks are created over a real socket as a client would, and accepted as Sentry accepts them (it
checks only the URL's shape at creation); the delivery is refused, recorded, and not retried."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mockserver.config import Config
from mockserver.testing import MockServer
from mockserver.webhooks.delivery import Delivery
from mockserver.webhooks.delivery import DeliverySettings
from mockserver.webhooks.destinations import Address
from mockserver.webhooks.destinations import Destinations
from mockserver.webhooks.destinations import Refused
from tests import served
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.conftest import Api
from tests.conftest import FakeClock
from tests.receiver import Receiver

HOOKS = PROJECT + "hooks/"
EXAMPLE_ID = "4f9d73e63b7144ecb8944c41620a090b"  # the default scenario's hook, on the internet
ITSELF = "is this mock server itself (a delivery must never reach its admin API)"
METADATA = "is a cloud metadata service"
LINK_LOCAL = "is a link-local address (where cloud metadata services answer)"
UNREACHABLE = "is an address no receiver can have (multicast, reserved or broadcast)"


@pytest.fixture(scope="module")
def guarded() -> Iterator[MockServer]:
    """Three retries at once: a refused delivery must still be attempted once only."""
    settings = DeliverySettings(timeout=2, retries=3, backoff=lambda n: 0.0)
    with MockServer(Config(clock=FakeClock(), delivery=settings)) as server:
        yield server


@pytest.fixture
def api(guarded: MockServer) -> Iterator[Api]:
    guarded.prepare()
    guarded.state.store.delete_hook("2", EXAMPLE_ID)
    yield Api(guarded.app, "socket", guarded)
    assert guarded.state.deliverer.wait_idle(10)
    guarded.check()


def deliver(api: Api, server: MockServer, url: str) -> tuple[dict[str, Any], list[Delivery]]:
    """Create the hook over HTTP, trigger an event over HTTP, and wait for every attempt."""
    created = api.post(HOOKS, json_body={"url": url, "events": ["event.created"]})
    assert created.status == 201, created.json  # Sentry checks only the URL's shape here
    hook: dict[str, Any] = created.json
    reply = api.post("/__admin/events", json_body={"project": "my-org/my-project"})
    assert (reply.status, reply.json["hooks"]) == (202, [hook["id"]])
    server.wait_for_delivery(hook_id=hook["id"], timeout=5)
    assert server.state.deliverer.wait_idle(5)
    return hook, server.deliveries(hook_id=hook["id"])


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "0.0.0.0", "[::ffff:127.0.0.1]"])
def test_a_hook_on_the_mocks_own_admin_api_never_reaches_it(
    api: Api, guarded: MockServer, host: str
) -> None:
    renamed = api.put(PROJECT, json_body={"name": "Renamed"})
    assert renamed.status == 200
    url = f"http://{host}:{guarded.port}/__admin/reset"
    hook, attempts = deliver(api, guarded, url)
    (only,) = attempts  # refused once, not retried
    assert (only.status, only.received, only.url) == (None, 0, url)
    assert only.error is not None
    assert only.error.startswith("refused: ")
    assert only.error.endswith(f"port {guarded.port} {ITSELF}")
    if host == "127.0.0.1":
        assert only.error == f"refused: 127.0.0.1 port {guarded.port} {ITSELF}"
    # Nothing was reset: the change and the hook are still there.
    assert api.get(PROJECT).json["name"] == "Renamed"
    assert [h["id"] for h in api.get(HOOKS).json] == [hook["id"]]
    listed = api.get(f"/__admin/deliveries?hook={hook['id']}").json
    assert [(d["status"], d["error"]) for d in listed["deliveries"]] == [(None, only.error)]


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://169.254.169.254/latest/meta-data/", f"169.254.169.254 {METADATA}"),
        ("http://[fd00:ec2::254]/latest/meta-data/", f"fd00:ec2::254 {METADATA}"),
        ("http://100.100.100.200/latest/meta-data/", f"100.100.100.200 {METADATA}"),
        (
            "http://metadata.google.internal/computeMetadata/v1/",
            f"metadata.google.internal {METADATA}",
        ),
        ("http://[::ffff:169.254.169.254]/", f"::ffff:169.254.169.254 {METADATA}"),
        ("https://169.254.10.1:8443/hook", f"169.254.10.1 {LINK_LOCAL}"),
        ("http://[fe80::1]/hook", f"fe80::1 {LINK_LOCAL}"),
        ("http://224.0.0.1/hook", f"224.0.0.1 {UNREACHABLE}"),
    ],
)
def test_metadata_link_local_and_unreachable_addresses_are_refused(
    api: Api, guarded: MockServer, url: str, error: str
) -> None:
    _, attempts = deliver(api, guarded, url)
    assert [(d.attempt, d.status, d.received, d.error) for d in attempts] == [
        (1, None, 0, f"refused: {error}")
    ]


def test_a_refused_attempt_counts_in_the_hook_stats_as_in_sentry(
    api: Api, guarded: MockServer
) -> None:
    # Sentry counts servicehook_fired before it sends.
    hook, _ = deliver(api, guarded, "http://169.254.169.254/")
    stats = api.get(HOOKS + hook["id"] + "/stats/").json
    assert sum(point["total"] for point in stats) == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_receivers_keep_working(api: Api, guarded: MockServer, host: str) -> None:
    with Receiver(status=204) as receiver:
        port = receiver.server.server_port
        _, attempts = deliver(api, guarded, f"http://{host}:{port}/hook")
        got = receiver.received.get(timeout=5)
    assert [(d.status, d.error) for d in attempts] == [(204, None)]
    assert got.headers["Host"] == f"{host}:{port}"


def test_a_delivery_that_comes_back_to_the_admin_api_is_refused_there(
    api: Api, guarded: MockServer
) -> None:
    # However a delivery would come back (a proxy, a forwarded port), the admin API knows the
    # signature of every delivery being sent and refuses it.
    assert api.put(PROJECT, json_body={"name": "Renamed"}).status == 200
    with Receiver() as receiver:
        receiver.hang.set()
        api.post(HOOKS, json_body={"url": receiver.url, "events": ["event.created"]})
        api.post("/__admin/events", json_body={"project": "my-org/my-project"})
        got = receiver.received.get(timeout=5)  # the delivery is in flight: the receiver holds it
        headers = {k: v for k, v in got.headers.items() if k.startswith("X-ServiceHook")}
        back = api.post("/__admin/reset", data=got.body, headers=headers, token=None)
        assert back.status == 403
        assert back.header("Content-Type") == "application/problem+json"
        assert back.json["detail"] == (
            "this request is a service-hook delivery of this mock: deliveries never reach its "
            "admin API"
        )
        other = {**headers, "X-ServiceHook-Signature": "0" * 64}
        assert api.get("/__admin/deliveries", headers=other, token=None).status == 200
        receiver.release.set()
    assert api.get(PROJECT).json["name"] == "Renamed"


# --- the rule, address by address -----------------------------------------------------------


def v4(ip: str, port: int) -> Address:
    return Address(socket.AF_INET, (ip, port))


def v6(ip: str, port: int) -> Address:
    return Address(socket.AF_INET6, (ip, port, 0, 0))


def refusal(destinations: Destinations, host: str, *addresses: Address) -> str | None:
    try:
        destinations.check(host, addresses)
    except Refused as exc:
        return str(exc)
    return None


def test_one_refused_address_of_a_name_refuses_the_delivery() -> None:
    # Sentry: "one bad apple spoils the lookup".
    found = refusal(
        Destinations(), "evil.example", v4("93.184.216.34", 80), v4("169.254.169.254", 80)
    )
    assert found == f"refused: evil.example (169.254.169.254) {METADATA}"
    assert refusal(Destinations(), "fine.example", v4("93.184.216.34", 80)) is None


def test_private_and_loopback_addresses_are_allowed() -> None:
    for address in (v4("127.0.0.1", 80), v4("10.1.2.3", 80), v4("192.168.1.1", 80), v6("::1", 80)):
        assert refusal(Destinations(), address.sockaddr[0], address) is None
    assert refusal(Destinations(), "0.0.0.0", v4("0.0.0.0", 80)) is None  # this host, not 0/8
    assert (
        refusal(Destinations(), "0.1.2.3", v4("0.1.2.3", 80)) == f"refused: 0.1.2.3 {UNREACHABLE}"
    )


def test_the_own_server_is_refused_by_every_address_that_reaches_it() -> None:
    one = Destinations()
    one.add_own(("127.0.0.1", 8000))
    assert refusal(one, "127.0.0.1", v4("127.0.0.1", 8000)) is not None
    assert refusal(one, "0.0.0.0", v4("0.0.0.0", 8000)) is not None  # 0.0.0.0 is this host
    assert refusal(one, "127.0.0.1", v4("127.0.0.1", 8001)) is None  # another port
    assert refusal(one, "127.0.0.2", v4("127.0.0.2", 8000)) is None  # another address
    everywhere = Destinations()
    everywhere.add_own(("0.0.0.0", 8000))
    assert refusal(everywhere, "127.0.0.2", v4("127.0.0.2", 8000)) is not None
    assert refusal(everywhere, "::1", v6("::1", 8000)) is None  # IPv4 only
    assert refusal(everywhere, "192.0.2.1", v4("192.0.2.1", 8000)) is None  # not this machine
    dual = Destinations()
    dual.add_own(("::", 8000, 0, 0))
    assert refusal(dual, "127.0.0.1", v4("127.0.0.1", 8000)) is not None
    assert refusal(dual, "::1", v6("::1", 8000)) is not None
    assert dual.own() == [("::", 8000)]
    dual.remove_own(("::", 8000, 0, 0))
    assert refusal(dual, "::1", v6("::1", 8000)) is None
    assert dual.own() == []


def test_mockserver_serve_refuses_a_hook_on_its_own_admin_api() -> None:
    # The row as it was found: granian, the default scenario, no admin token.
    with served.serve() as mock:
        port = mock.port
        assert call(port, "DELETE", HOOKS + EXAMPLE_ID + "/")[0] == 204
        assert call(port, "PUT", PROJECT, {"name": "Renamed"})[0] == 200
        url = f"http://localhost:{port}/__admin/reset"
        assert call(port, "POST", HOOKS, {"url": url, "events": ["event.created"]})[0] == 201
        assert call(port, "POST", "/__admin/events", {"project": "my-org/my-project"})[0] == 202
        deadline = time.monotonic() + 10  # no way to wait over HTTP: ask until it is recorded
        while (listed := call(port, "GET", "/__admin/deliveries")[1])["total"] == 0:
            assert time.monotonic() < deadline, "no delivery recorded"
        (only,) = listed["deliveries"]
        assert only["status"] is None
        assert only["error"].startswith("refused: localhost (")
        assert only["error"].endswith(f"port {port} {ITSELF}")
        assert call(port, "GET", PROJECT)[1]["name"] == "Renamed"  # nothing was reset


def call(port: int, method: str, path: str, body: object = None) -> tuple[int, Any]:
    """One request to a served mock with the default scenario's token: status and JSON."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        data = None if body is None else json.dumps(body)
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        conn.close()
