"""The receiver's answer to a delivery, parsed as it arrives: HTTP/1.x head, then the body's
framing (``Content-Length``, chunked, or until the connection closes), counting the body's bytes
without keeping them, up to a limit."""

from __future__ import annotations

from dataclasses import dataclass

MAX_HEAD = 64 * 1024
"""Bytes of status line and headers accepted (http.client's own limit on one header line)."""
_MAX_CHUNK_LINE = 4096


@dataclass(frozen=True, slots=True)
class Answer:
    """The receiver's answer.

    :ivar status: its HTTP status.
    :ivar received: bytes of its body read.
    :ivar complete: the whole body was read (``False``: the limit came first, the rest was left
        unread and the connection closed).
    """

    status: int
    received: int
    complete: bool


class BrokenAnswer(Exception):
    """The answer's head arrived but its body ended before its announced end."""

    def __init__(self, message: str, status: int, received: int) -> None:
        super().__init__(message)
        self.status = status
        self.received = received


class AnswerReader:
    """Feed it what the socket gives (``b""`` at the end of the stream); it knows when the answer
    is complete, or when ``limit`` bytes of its body were read (what comes after is not counted).

    :ivar status: the final status once the head arrived (interim ``1xx`` heads are skipped).
    :ivar received: bytes of the body so far.
    :ivar expected: the body's ``Content-Length``, if announced.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.status: int | None = None
        self.received = 0
        self.expected: int | None = None
        self._head = b""
        self._framing = "close"  # or "length", "chunked", "none"
        self._chunk = "size"  # chunked: "size", "data", "crlf", "trailers", "end"
        self._left = 0
        self._buffer = b""
        self._eof = False

    def feed(self, data: bytes) -> None:
        """The next bytes, or ``b""`` for the end of the stream.

        :raises ValueError: the head is not HTTP/1.x, or too long; a chunk size is not hex.
        """
        if not data:
            self._eof = True
            return
        while self.status is None:
            self._head += data
            end, sep = _head_end(self._head)
            if end < 0:
                if len(self._head) > MAX_HEAD:
                    raise ValueError(f"the answer's head is over {MAX_HEAD // 1024} KiB")
                return
            head, data = self._head[:end], self._head[end + sep :]
            self._head = b""
            self._parse_head(head)
            if not data:
                return
        self._body(data)

    def done(self) -> bool:
        """Nothing more to read: the answer is complete, ``limit`` body bytes were read, or the
        stream ended."""
        if self._eof:
            return True
        if self.status is None:
            return False
        return self._complete() or self.received >= self.limit

    def answer(self) -> Answer:
        """The answer, once :meth:`done`.

        :raises ConnectionResetError: the stream ended before a head.
        :raises BrokenAnswer: the stream ended before the body's announced end.
        """
        if self.status is None:
            raise ConnectionResetError("the receiver closed the connection without answering")
        if self._complete():
            return Answer(self.status, self.received, True)
        if self.received >= self.limit:
            return Answer(self.status, self.received, False)
        announced = f" of {self.expected}" if self.expected is not None else ""
        raise BrokenAnswer(
            f"the answer's body ended after {self.received}{announced} bytes",
            self.status,
            self.received,
        )

    def _complete(self) -> bool:
        if self._framing == "none":
            return True
        if self._framing == "length":
            return self.received >= (self.expected or 0)
        if self._framing == "chunked":
            return self._chunk == "end"
        return self._eof  # until the connection closes

    def _parse_head(self, head: bytes) -> None:
        lines = head.replace(b"\r\n", b"\n").split(b"\n")
        parts = lines[0].split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise ValueError(f"not an HTTP/1.x answer: {lines[0][:80]!r}")
        status = int(parts[1])
        if not 100 <= status <= 999:
            raise ValueError(f"not an HTTP status: {status}")
        if 100 <= status < 200 and status != 101:
            return  # interim (100 Continue, 103 Early Hints): the final head follows
        lengths: set[int] = set()
        chunked = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            if key == b"content-length":
                try:
                    lengths.add(int(value.strip()))
                except ValueError:
                    raise ValueError(f"bad Content-Length: {value.strip()[:40]!r}") from None
            elif key == b"transfer-encoding":
                chunked = value.strip().lower().split(b",")[-1].strip() == b"chunked"
        self.status = status
        if status in (101, 204, 304):
            self._framing = "none"
        elif chunked:
            self._framing = "chunked"
        elif len(lengths) > 1 or any(n < 0 for n in lengths):
            raise ValueError(f"conflicting Content-Length: {sorted(lengths)}")
        elif lengths:
            self._framing = "length"
            self.expected = lengths.pop()

    def _body(self, data: bytes) -> None:
        room = self.limit - self.received
        if self._framing == "length":
            self.received += min(len(data), (self.expected or 0) - self.received, room)
        elif self._framing == "close":
            self.received += min(len(data), room)
        elif self._framing == "chunked":
            self._buffer += data
            self._chunks()

    def _chunks(self) -> None:
        while self._buffer and self._chunk != "end" and self.received < self.limit:
            if self._chunk == "data":
                taken = min(self._left, len(self._buffer), self.limit - self.received)
                self.received += taken
                self._left -= taken
                self._buffer = self._buffer[taken:]
                if self._left:
                    return
                self._chunk = "crlf"
                continue
            line_end = self._buffer.find(b"\n")
            if line_end < 0:
                if len(self._buffer) > _MAX_CHUNK_LINE:
                    raise ValueError("a chunk size line is too long")
                return
            line, self._buffer = self._buffer[:line_end].strip(), self._buffer[line_end + 1 :]
            if self._chunk == "crlf":
                self._chunk = "size"
            elif self._chunk == "size":
                size = line.split(b";")[0].strip()
                if not size or any(c not in b"0123456789abcdefABCDEF" for c in size):
                    raise ValueError(f"bad chunk size: {line[:40]!r}")
                self._left = int(size, 16)
                self._chunk = "data" if self._left else "trailers"
            elif not line:  # the blank line after the trailers
                self._chunk = "end"


def _head_end(data: bytes) -> tuple[int, int]:
    """Where the head ends (CRLF CRLF, or a lenient LF LF) and the separator's length."""
    crlf, lf = data.find(b"\r\n\r\n"), data.find(b"\n\n")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf, 4
    return lf, 2
