"""A delivery is bounded (mockserver.webhooks.wire): one deadline covers the whole exchange, at
most ``max_answer_bytes`` of the answer are read, and stopping the mock is never held by a
receiver. Every receiver here is a real socket of the test's own; every wait has a deadline."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockserver.config import Config
from mockserver.errors import ConfigError
from mockserver.testing import MockServer
from mockserver.webhooks.delivery import Delivery
from mockserver.webhooks.delivery import DeliverySettings
from tests import served
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.conftest import FakeClock
from tests.receiver import Trickler

EXAMPLE_ID = "4f9d73e63b7144ecb8944c41620a090b"  # the default scenario's hook, on the internet
HUGE = 100_000_000


@pytest.fixture(scope="module")
def bounded() -> Iterator[MockServer]:
    """Deliveries with a 0.5 s deadline, no retry, and at most 1000 bytes of an answer read."""
    settings = DeliverySettings(
        timeout=0.5, retries=0, backoff=lambda n: 0.0, max_answer_bytes=1000
    )
    with MockServer(Config(clock=FakeClock(), delivery=settings)) as server:
        yield server


@pytest.fixture
def mock(bounded: MockServer) -> Iterator[MockServer]:
    bounded.prepare()
    bounded.state.store.delete_hook("2", EXAMPLE_ID)
    yield bounded
    assert bounded.state.deliverer.wait_idle(10)
    bounded.check()


def deliver_once(server: MockServer, url: str) -> Delivery:
    hook = server.state.store.create_hook("2", url, ["event.created"])
    server.trigger_event("my-org/my-project")
    (delivery,) = server.wait_for_delivery(hook_id=hook.id, timeout=10)
    return delivery


def test_a_receiver_announcing_100_mb_then_trickling_is_cut_at_the_deadline(
    mock: MockServer,
) -> None:
    with Trickler(every=0.05) as receiver:
        delivery = deliver_once(mock, receiver.url)
        assert receiver.hung_up.wait(5)  # the mock closed the connection
    assert delivery.status == 200  # the head arrived: recorded
    assert 1 <= delivery.received < 1000
    assert delivery.error == (
        "deadline exceeded after 0.5 s reading the answer's body "
        f"({delivery.received} of {HUGE} bytes)"
    )
    assert not delivery.ok
    # As listed by the admin API.
    (listed,) = mock.app.test_client().get("/__admin/deliveries").get_json()["deliveries"]
    assert (listed["status"], listed["receivedBytes"], listed["error"]) == (
        200,
        delivery.received,
        delivery.error,
    )


def test_a_receiver_trickling_its_head_is_cut_at_the_deadline(mock: MockServer) -> None:
    with Trickler(head_every=0.05) as receiver:
        delivery = deliver_once(mock, receiver.url)
        assert receiver.hung_up.wait(5)
    assert (delivery.status, delivery.received) == (None, 0)
    assert delivery.error == "deadline exceeded after 0.5 s waiting for the answer"


def test_a_receiver_that_never_speaks_tls_is_cut_at_the_deadline(mock: MockServer) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (the backlog), says nothing
        port = silent.getsockname()[1]
        delivery = deliver_once(mock, f"https://127.0.0.1:{port}/hook")
    assert (delivery.status, delivery.received) == (None, 0)
    assert delivery.error == "deadline exceeded after 0.5 s doing the TLS handshake"


def test_at_most_max_answer_bytes_of_a_huge_answer_are_read(mock: MockServer) -> None:
    # The whole 100 MB, as fast as the socket takes it: the mock reads 1000 bytes and hangs up.
    with Trickler(every=0) as receiver:
        delivery = deliver_once(mock, receiver.url)
        assert receiver.hung_up.wait(5)
    assert (delivery.status, delivery.received, delivery.error) == (200, 1000, None)
    assert delivery.ok


def test_an_attempt_cut_at_the_deadline_is_retried() -> None:
    settings = DeliverySettings(timeout=0.3, retries=1, backoff=lambda n: 0.0)
    with Trickler(every=0.05) as receiver, MockServer(Config(delivery=settings)) as server:
        server.state.store.delete_hook("2", EXAMPLE_ID)
        hook = server.state.store.create_hook("2", receiver.url, ["event.created"])
        server.trigger_event("my-org/my-project")
        attempts = server.wait_for_delivery(hook_id=hook.id, count=2, timeout=10)
    assert [(d.attempt, d.status) for d in attempts] == [(1, 200), (2, 200)]
    assert all((d.error or "").startswith("deadline exceeded after 0.3 s") for d in attempts)
    assert receiver.requests.qsize() == 2


def test_mockserver_stop_is_not_held_by_a_stuck_delivery() -> None:
    # A deadline of a minute: only stop() can end this delivery, and within a second.
    settings = DeliverySettings(timeout=60, retries=3, backoff=lambda n: 0.0)
    server = MockServer(Config(delivery=settings)).start()
    with Trickler(every=0.05) as receiver:
        server.state.store.delete_hook("2", EXAMPLE_ID)
        hook = server.state.store.create_hook("2", receiver.url, ["event.created"])
        server.trigger_event("my-org/my-project")
        assert receiver.trickling.wait(5)
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        stopping.join(timeout=1.0)
        assert not stopping.is_alive()
        assert receiver.hung_up.wait(5)
    (delivery,) = server.deliveries(hook_id=hook.id)  # recorded, and not retried
    assert delivery.status == 200
    assert delivery.received >= 1
    assert delivery.error == (
        "cancelled: the mock server stopped while reading the answer's body "
        f"({delivery.received} of {HUGE} bytes)"
    )


def call(port: int, method: str, path: str, body: object = None) -> int:
    """One request to a served mock, with the default scenario's token; its status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        data = None if body is None else json.dumps(body)
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_sigterm_is_not_held_by_a_stuck_delivery() -> None:
    # mockserver serve (granian), whose deadline is Sentry's 5 s: SIGTERM must not wait for it.
    mock = served.start()
    try:
        with Trickler(every=0.05) as receiver:
            assert call(mock.port, "DELETE", PROJECT + f"hooks/{EXAMPLE_ID}/") == 204
            hook = {"url": receiver.url, "events": ["event.created"]}
            assert call(mock.port, "POST", PROJECT + "hooks/", hook) == 201
            event = {"project": "my-org/my-project", "type": "event.created"}
            assert call(mock.port, "POST", "/__admin/events", event) == 202
            assert receiver.trickling.wait(10)
            mock.process.send_signal(signal.SIGTERM)
            assert mock.process.wait(timeout=1.0) == 0
            assert receiver.hung_up.wait(5)
    finally:
        if mock.process.poll() is None:
            mock.process.kill()
        mock.process.communicate()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_an_https_receiver_gets_the_delivery_unverified_as_sentry_sends_it(
    mock: MockServer, tmp_path: Path
) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            *curve,
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "1",
            "-subj",
            "/CN=x",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    got: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def answer() -> None:
            conn, _ = listener.accept()
            with context.wrap_socket(conn, server_side=True) as tls:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += tls.recv(65536)
                got.append(data)
                tls.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok")

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        delivery = deliver_once(mock, f"https://127.0.0.1:{port}/tls?x=1")
        thread.join(timeout=5)
        assert not thread.is_alive()
    assert (delivery.status, delivery.received, delivery.error) == (202, 2, None)
    assert got[0].startswith(b"POST /tls?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + str(port).encode())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timeout": 0}, "delivery timeout must be a positive number of seconds, got 0"),
        (
            {"timeout": float("inf")},
            "delivery timeout must be a positive number of seconds, got inf",
        ),
        ({"retries": -1}, "delivery retries must be 0 or more, got -1"),
        ({"max_answer_bytes": 0}, "delivery max_answer_bytes must be at least 1, got 0"),
    ],
)
def test_delivery_settings_are_checked(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        DeliverySettings(**changes)


def test_a_bug_in_a_delivery_is_recorded_not_lost(
    mock: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No receiver can make the mock's own code raise: the bug is planted.
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("planted")

    monkeypatch.setattr("mockserver.webhooks.wire.post", broken)
    delivery = deliver_once(mock, "http://127.0.0.1:9/hook")
    assert (delivery.status, delivery.error) == (
        None,
        "unexpected error in the mock: RuntimeError: planted",
    )
