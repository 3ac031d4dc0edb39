"""The limits no client may break (the README's Limits): the body size whatever the framing, the
read timeout, waitress's connections, bounded work for a hostile body, and the journal's bytes.

Each runs on every server it is about: werkzeug's (``MockServer``, the pytest plugin's),
granian's and waitress's (``mockserver serve``), over real sockets; waiting is bounded by
socket timeouts and thread joins (deadlines), never by sleeping.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner

from mockserver import create_app
from mockserver.cli import main
from mockserver.config import Config
from mockserver.contract.checks import MAX_BODY_ERRORS
from mockserver.errors import ConfigError
from mockserver.http.body import MAX_BODY_BYTES
from mockserver.journal.entry import MAX_REQUEST_BODY
from mockserver.journal.export import entry_json
from mockserver.journal.export import har_entry
from mockserver.state import state_of
from mockserver.testing import MockServer
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.served import Served
from tests.served import serve

HOOKS = PROJECT + "hooks/"
READ_TIMEOUT = 1.0
MARGIN = 4.0
"""Seconds past the read timeout within which a stalled connection must be closed."""
THREADS = 2
STALLED = THREADS + 4
"""More stalled clients than the server has threads to run requests."""
TOO_LARGE = {"detail": "Request body too large."}


@dataclass
class Target:
    """A server under test: its name and port (and the in-process server, for werkzeug)."""

    name: str
    port: int
    mock: MockServer | None = None


@pytest.fixture(scope="module", params=["werkzeug", "granian", "waitress"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """Each server, with a 1 s read timeout and two request threads."""
    if request.param == "werkzeug":
        with MockServer(Config(read_timeout=READ_TIMEOUT)) as mock:
            yield Target("werkzeug", mock.port, mock)
        return
    options = ("--server", request.param, "--threads", str(THREADS))
    with serve(*options, "--read-timeout", str(READ_TIMEOUT)) as served:
        yield Target(request.param, served.port)


def _hook_body(size: int) -> bytes:
    """A valid hook-creation body of exactly ``size`` bytes."""
    head = b'{"url": "https://example.com/hook", "pad": "'
    return head + b"x" * (size - len(head) - 2) + b'"}'


def _post(port: int, body: bytes, *, chunked: bool) -> tuple[int, str, bytes]:
    """POST a hook body, with a Content-Length or chunked; (status, content type, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    try:
        if chunked:
            pieces = (body[i : i + 65536] for i in range(0, len(body), 65536))
            conn.request("POST", HOOKS, body=pieces, headers=headers, encode_chunked=True)
        else:
            conn.request("POST", HOOKS, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        conn.close()


def _get_project(port: int) -> int:
    """GET the project on a new connection, within 5 s (the deadline) or fail."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", PROJECT, headers={"Authorization": f"Bearer {TOKEN}"})
        response = conn.getresponse()
        assert json.loads(response.read())["slug"] == "my-project"
        return response.status
    finally:
        conn.close()


# --- the body size, whatever the framing ------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_413_whatever_the_framing(target: Target, chunked: bool) -> None:
    # 2.7 MB of valid JSON: a chunked one used to be cut at the limit and answered 400.
    status, kind, raw = _post(target.port, _hook_body(2_700_000), chunked=chunked)
    assert (status, kind, json.loads(raw)) == (413, "application/json", TOO_LARGE)
    # One byte over the limit is too large too; at the limit the hook is created.
    status, _, raw = _post(target.port, _hook_body(MAX_BODY_BYTES + 1), chunked=chunked)
    assert (status, json.loads(raw)) == (413, TOO_LARGE)
    status, _, raw = _post(target.port, _hook_body(MAX_BODY_BYTES), chunked=chunked)
    assert (status, json.loads(raw)["url"]) == (201, "https://example.com/hook")
    assert _get_project(target.port) == 200  # and the server goes on serving


def test_the_journal_records_a_refused_chunked_body_with_its_size() -> None:
    with MockServer() as server:
        body = _hook_body(2_700_000)
        status, _, _ = _post(server.port, body, chunked=True)
        assert status == 413
        (entry,) = server.journal.entries()
        # Read to the end (and dropped): the size is the body's, not the limit's.
        assert (entry.status, entry.body, entry.body_size) == (413, b"", len(body))


# --- the read timeout --------------------------------------------------------------------------


def _stall(port: int, body: bytes) -> socket.socket:
    """A connection that sends a POST's head and the first byte of its body, then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (
        f"POST {HOOKS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body[:1])
    return sock


def _until_closed(sock: socket.socket, deadline: float) -> bytes:
    """Everything the server sends until it closes the connection; fails past ``deadline``."""
    received = b""
    while True:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        piece = sock.recv(65536)  # raises TimeoutError past the deadline
        if not piece:
            return received
        received += piece


def test_stalled_bodies_keep_no_one_waiting_and_are_cut_off(target: Target) -> None:
    if target.mock is not None:
        target.mock.journal.clear()  # the module's server: only this test's requests
    body = b'{"url": "https://example.com/stalled"}'
    stalled = [_stall(target.port, body) for _ in range(STALLED)]
    started = time.monotonic()
    try:
        # More stalled clients than request threads: others are served all the same.
        assert _get_project(target.port) == 200
        assert _get_project(target.port) == 200
        if target.name == "granian":
            # granian cannot bound a body read (see the README's Limits): the connection waits
            # for its client, on a spare thread, and nothing it sent is lost.
            for sock in stalled:
                sock.sendall(body[1:])
            for sock in stalled:
                answer = _until_first_response(sock)
                assert answer.startswith(b"HTTP/1.1 201 "), answer[:100]
            return
        deadline = started + READ_TIMEOUT + MARGIN
        answers = [_until_closed(sock, deadline) for sock in stalled]
    finally:
        for sock in stalled:
            sock.close()
    if target.name == "werkzeug":
        # Answered 408 in Sentry's shape, and the connection closed.
        for answer in answers:
            head, _, payload = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 408 "), head
            assert b"Connection: close" in head
            assert json.loads(payload) == {"detail": "Request body not received within 1 second."}
        assert target.mock is not None
        entries = target.mock.journal.entries()
        assert [e.status for e in entries if e.method == "POST"] == [408] * STALLED
    else:
        # waitress reads bodies before the app: it closes the idle connection, answering nothing.
        assert answers == [b""] * STALLED
    assert _get_project(target.port) == 200


def _until_first_response(sock: socket.socket) -> bytes:
    """Bytes until a response head and its Content-Length body have arrived."""
    received = b""
    sock.settimeout(10)
    while b"\r\n\r\n" not in received:
        received += sock.recv(65536)
    head, _, payload = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(payload) < length:
        payload += sock.recv(65536)
    return head + b"\r\n\r\n" + payload


def test_a_trickling_body_is_cut_off_at_the_read_timeout() -> None:
    """One byte at a time, each within the socket timeout, still ends at the deadline."""
    with MockServer(Config(read_timeout=READ_TIMEOUT)) as server:
        body = b'{"url": "https://example.com/' + b"x" * 200 + b'"}'
        sock = _stall(server.port, body)
        deadline = time.monotonic() + READ_TIMEOUT + MARGIN
        sent = 1
        try:
            sock.settimeout(0.2)
            while sent < len(body):
                try:
                    answer = sock.recv(65536)
                except TimeoutError:
                    sock.sendall(body[sent : sent + 1])
                    sent += 1
                    continue
                break
            else:
                pytest.fail("the whole body was accepted")
            answer += _until_closed(sock, deadline)
        finally:
            sock.close()
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]
        assert time.monotonic() < deadline


def test_waitress_serves_others_beside_110_slow_clients() -> None:
    """110 connections each holding an incomplete request head (waitress's old limit was 100
    connections: the 101st client waited until one went away)."""
    with serve("--server", "waitress", "--threads", str(THREADS)) as served:
        slow = [_slow_head(served) for _ in range(110)]
        try:
            assert _get_project(served.port) == 200
        finally:
            for sock in slow:
                sock.close()


def _slow_head(served: Served) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    sock.sendall(f"GET {PROJECT} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
    return sock


# --- a hostile body costs bounded work --------------------------------------------------------


def _million_events() -> bytes:
    """The row's body: a valid URL and 1.2 million events of the wrong kind (2.4 MB)."""
    return b'{"url": "https://example.com/h", "events": [' + b",".join([b"1"] * 1_200_000) + b"]}"


def test_a_million_wrong_events_are_answered_with_bounded_violations() -> None:
    body = _million_events()
    assert len(body) < MAX_BODY_BYTES
    with MockServer() as server:
        answers: list[tuple[int, str, bytes]] = []
        big = threading.Thread(
            target=lambda: answers.append(_post(server.port, body, chunked=False))
        )
        big.start()
        # Others are served while it is checked.
        assert _get_project(server.port) == 200
        big.join(timeout=60)
        assert not big.is_alive()
        ((status, _, raw),) = answers
        assert (status, json.loads(raw)) == (400, {"events": ["Invalid event name: 1"]})
        (entry,) = [e for e in server.journal.entries() if e.method == "POST"]
    # Sentry's own validation answers per field; the contract check stops counting.
    assert len(entry.violations) == MAX_BODY_ERRORS + 1
    assert {v.code for v in entry.violations} == {"invalid-body"}
    assert entry.violations[-1].message == (
        "the body breaks schema hook-create in more places: checking stopped after "
        f"{MAX_BODY_ERRORS} errors"
    )


def test_a_million_wrong_items_are_answered_with_the_first_hundred_errors() -> None:
    body = b'{"url": "https://example.com/h", "events": [' + b",".join([b"[]"] * 800_000) + b"]}"
    reply = (
        create_app()
        .test_client()
        .post(
            HOOKS,
            data=body,
            headers={"Authorization": f"Bearer {TOKEN}"},
            content_type="application/json",
        )
    )
    assert reply.status_code == 400
    assert reply.get_json() == {"events": {str(i): ["Not a valid string."] for i in range(100)}}


@pytest.mark.slow
def test_a_million_wrong_events_take_bounded_memory() -> None:
    client = create_app().test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    body = _million_events()
    tracemalloc.start()
    try:
        reply = client.post(HOOKS, data=body, headers=headers, content_type="application/json")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reply.status_code == 400
    # The parsed list, its texts and the journal's copy: ~100 MB (it was 4.3 GB).
    assert peak < 200 * 1024 * 1024


# --- the journal's bytes ---------------------------------------------------------------------


def test_the_journal_keeps_within_its_byte_budget_and_digests_cut_bodies() -> None:
    budget = 1024 * 1024
    app = create_app(Config(journal_bytes=budget))
    client = app.test_client()
    journal = state_of(app).journal
    bodies = [_hook_body(1024 * 1024 - n) for n in range(40)]
    for body in bodies:
        reply = client.post(
            HOOKS,
            data=body,
            headers={"Authorization": f"Bearer {TOKEN}"},
            content_type="application/json",
        )
        assert reply.status_code == 201
        assert journal.stats().bytes <= budget
    stats = journal.stats()
    assert (stats.recorded, stats.byte_budget) == (40, budget)
    assert 0 < stats.size < 40
    assert stats.evicted == 40 - stats.size
    kept = journal.entries()
    for entry, body in zip(kept, bodies[-len(kept) :], strict=True):
        assert entry.body == body[:MAX_REQUEST_BODY]
        assert entry.body_size == len(body)
        assert entry.body_sha256 == hashlib.sha256(body).hexdigest()
        assert entry.response_sha256 is None  # the answer is whole
    request = entry_json(kept[-1])["request"]
    assert (request["bodySize"], request["bodyTruncated"]) == (len(bodies[-1]), True)
    assert request["bodySha256"] == hashlib.sha256(bodies[-1]).hexdigest()
    post_data = har_entry(kept[-1])["request"]["postData"]
    assert post_data["_sha256"] == hashlib.sha256(bodies[-1]).hexdigest()
    assert post_data["comment"] == (
        f"truncated to the first {MAX_REQUEST_BODY} of {len(bodies[-1])} bytes; "
        f"SHA-256 of the whole body {post_data['_sha256']}"
    )


def test_the_default_budget_holds_many_large_bodies_in_bounded_bytes() -> None:
    app = create_app()
    client = app.test_client()
    body = _hook_body(1024 * 1024)
    for _ in range(300):
        client.post(
            HOOKS,
            data=body,
            headers={"Authorization": f"Bearer {TOKEN}"},
            content_type="application/json",
        )
    stats = state_of(app).journal.stats()
    assert stats.recorded == 300
    # 300 MB sent; the journal keeps each body's first 64 KiB: well within 32 MiB.
    assert stats.bytes <= stats.byte_budget == 32 * 1024 * 1024
    assert stats.bytes < 300 * (MAX_REQUEST_BODY + 8 * 1024)


# --- settings ---------------------------------------------------------------------------------


def test_the_limits_come_from_the_environment() -> None:
    config = Config.from_env(
        {"MOCKSERVER_READ_TIMEOUT": "2.5", "MOCKSERVER_JOURNAL_BYTES": "999999"}
    )
    assert (config.read_timeout, config.journal_bytes) == (2.5, 999_999)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"MOCKSERVER_READ_TIMEOUT": "soon"},
            "MOCKSERVER_READ_TIMEOUT must be a number, got 'soon'",
        ),
        (
            {"MOCKSERVER_READ_TIMEOUT": "0"},
            "read_timeout must be more than 0 and at most 3600 seconds, got 0",
        ),
        (
            {"MOCKSERVER_READ_TIMEOUT": "nan"},
            "read_timeout must be more than 0 and at most 3600 seconds, got nan",
        ),
        (
            {"MOCKSERVER_JOURNAL_BYTES": "1000"},
            "journal_bytes must be at least 262144 (one entry with the largest bodies it keeps), "
            "got 1000",
        ),
    ],
)
def test_bad_limits_are_refused_with_the_setting_named(
    variables: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        Config.from_env(variables)
    assert str(refused.value) == message


def test_serve_passes_the_limits_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def capture(config: Config, **options: Any) -> None:
        seen.update(options, config=config)

    monkeypatch.setattr("mockserver.serving.serve_forever", capture)
    args = ["serve", "--read-timeout", "2.5", "--journal-bytes", "1048576"]
    result = CliRunner().invoke(main, [*args, "--connection-limit", "50"])
    assert result.exit_code == 0, result.output
    assert (seen["config"].read_timeout, seen["config"].journal_bytes) == (2.5, 1_048_576)
    assert seen["connection_limit"] == 50


@pytest.mark.parametrize(
    "args",
    [["--read-timeout", "0"], ["--read-timeout", "3601"], ["--connection-limit", "0"]],
)
def test_serve_refuses_limits_out_of_range(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mockserver.serving.serve_forever", lambda *a, **k: None)
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 2
    assert f"Invalid value for '{args[0]}'" in result.output
