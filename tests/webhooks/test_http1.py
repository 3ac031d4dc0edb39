"""The receiver's answer, parsed as it arrives (mockserver.webhooks.http1): every framing, fed in
pieces as a socket gives them, counted up to the limit and never past it."""

from __future__ import annotations

import re

import pytest

from mockserver.webhooks.http1 import MAX_HEAD
from mockserver.webhooks.http1 import Answer
from mockserver.webhooks.http1 import AnswerReader
from mockserver.webhooks.http1 import BrokenAnswer


def read(data: bytes, *, limit: int = 1000, piece: int = 0, eof: bool = True) -> AnswerReader:
    """Feed ``data`` whole, or ``piece`` bytes at a time, stopping once the reader is done."""
    reader = AnswerReader(limit)
    pieces = [data[i : i + piece] for i in range(0, len(data), piece)] if piece else [data]
    for chunk in pieces:
        if reader.done():
            return reader
        reader.feed(chunk)
    if eof and not reader.done():
        reader.feed(b"")
    return reader


@pytest.mark.parametrize("piece", [0, 1, 3])
@pytest.mark.parametrize(
    ("data", "answer"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", Answer(200, 5, True)),
        (b"HTTP/1.0 500 Oops\r\n\r\nsome body", Answer(500, 9, True)),  # until the close
        (b"HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n", Answer(204, 0, True)),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;ext=1\r\nhello\r\n3\r\n 0\r\r\n0\r\nX-Trailer: 1\r\n\r\n",
            Answer(200, 8, True),
        ),
        (
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
            Answer(201, 2, True),
        ),
        (b"HTTP/1.1 202 Accepted\nContent-Length: 1\n\nx", Answer(202, 1, True)),  # bare LFs
    ],
)
def test_each_framing_gives_the_status_and_the_body_size(
    data: bytes, answer: Answer, piece: int
) -> None:
    assert read(data, piece=piece).answer() == answer


def test_a_complete_answer_needs_no_end_of_stream() -> None:
    reader = read(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", eof=False)
    assert reader.done()
    assert reader.answer() == Answer(200, 2, True)


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n" + b"x" * 5000,
        b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 5000,
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFF\r\n" + b"x" * 5000,
    ],
)
def test_at_most_the_limit_is_counted_and_then_it_is_done(data: bytes) -> None:
    reader = read(data, limit=1000, eof=False)
    assert reader.done()
    assert reader.answer() == Answer(200, 1000, False)


def test_a_body_cut_before_its_announced_end_is_a_broken_answer() -> None:
    reader = read(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
    with pytest.raises(BrokenAnswer, match=r"^the answer's body ended after 9 of 100 bytes$") as e:
        reader.answer()
    assert (e.value.status, e.value.received) == (200, 9)
    chunked = read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
    with pytest.raises(BrokenAnswer, match=r"^the answer's body ended after 3 bytes$"):
        chunked.answer()


def test_no_head_before_the_end_is_a_reset_connection() -> None:
    with pytest.raises(ConnectionResetError, match="closed the connection without answering"):
        read(b"HTTP/1.1 200").answer()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x answer: b'SSH-2.0-OpenSSH'"),
        (b"HTTP/1.1 abc\r\n\r\n", "not an HTTP/1.x answer: b'HTTP/1.1 abc'"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "bad Content-Length: b'x'"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "conflicting Content-Length: [1, 2]",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n",
            "bad chunk size: b'-5'",
        ),
        (b"HTTP/1.1 200 OK\r\nX: " + b"y" * MAX_HEAD, "the answer's head is over 64 KiB"),
    ],
)
def test_what_is_not_http_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        read(data)
