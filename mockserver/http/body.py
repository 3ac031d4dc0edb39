"""Reading requests as Sentry (Django and DRF) reads them: the query string and the body."""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import re
import socket
import time
from collections.abc import Iterable
from collections.abc import MutableMapping
from itertools import chain
from itertools import compress
from typing import TYPE_CHECKING
from typing import Any
from typing import cast
from urllib.parse import parse_qsl

from werkzeug.utils import cached_property
from werkzeug.wrappers import Request
from werkzeug.wsgi import get_content_length

from mockserver.errors import ApiError
from mockserver.http.querydict import QueryDict

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

MAX_BODY_BYTES = 2_621_440
"""The largest request body read, in bytes: Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` default
(2.5 MiB). A larger one answers 413 ``{"detail": "Request body too large."}``."""

DEFAULT_READ_TIMEOUT = 10.0
"""Seconds a request body may take to arrive (``Config.read_timeout``), as nginx's
``client_body_timeout`` in front of Sentry bounds it."""

DRAIN_LIMIT = 4 * MAX_BODY_BYTES
"""How much of a body over :data:`MAX_BODY_BYTES` is read and thrown away, so that the client,
still sending, gets the 413 instead of a reset connection; past it the connection is closed."""

CHUNK = 64 * 1024
BODY = "mockserver.body"
"""The environ key of the body once read (bytes), or of the :class:`BodyError` reading it raised."""
READ_TIMEOUT = "mockserver.read_timeout"
"""The environ key of the read timeout of this request, in seconds (the exchange sets it)."""
JSON_VALUE = "mockserver.json"
"""The environ key of the body parsed by :func:`json_body`'s JSON parser: ``(value, None)``, or
``(None, error)`` for the :class:`~mockserver.errors.ApiError` the parse raised. Every reader of
the request (the contract checks, the view) then parses the body once."""
CLOSE = "mockserver.close"
"""The environ key set when the connection must close after the answer (its body was not read
whole: what is left of it would be taken for the next request)."""

MAX_JSON_DEPTH = 100
"""How deeply a JSON body may nest. Python's parser, and so Sentry, fails with a 500 somewhere
near 1,000 levels (the recursion limit); the mock refuses anything past this depth with DRF's
parse-error 400 instead, leaving room for everything that later walks the value."""

# DRF's parsers, in the order of Sentry's REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"].
JSON_MEDIA_TYPE = "application/json"
MULTIPART_MEDIA_TYPE = "multipart/form-data"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
PARSERS = (JSON_MEDIA_TYPE, MULTIPART_MEDIA_TYPE, FORM_MEDIA_TYPE)
# Django's MultiPartParser.boundary_re.
_BOUNDARY = re.compile(r"[ -~]{0,200}[!-~]")


class SentryRequest(Request):
    """Werkzeug's request, reading the query string as Django does: the last value of a repeated
    parameter (:class:`QueryDict`), and an invalid UTF-8 escape as U+FFFD (Werkzeug keeps it
    percent-encoded, which would then be echoed in ``Link`` headers). Its body is read by
    :func:`read_body` (a body over :data:`MAX_BODY_BYTES` is refused with a 413)."""

    parameter_storage_class = QueryDict
    max_content_length = MAX_BODY_BYTES

    def __init__(
        self, environ: WSGIEnvironment, populate_request: bool = False, shallow: bool = False
    ) -> None:
        # Not put in its environ as ``werkzeug.request`` (werkzeug's default): the environ
        # would hold the request that holds it, and every request would end as a cycle that
        # only the collector's full passes free. Their cost grew with everything the mock
        # holds (hooks, the journal): ~0.2 s each, and POST throughput fell by a third as hooks
        # were written. Nothing here reads ``werkzeug.request`` (Flask's own request context
        # sets it to ``None`` when it ends, for the same reason).
        super().__init__(environ, populate_request=populate_request, shallow=shallow)

    @cached_property
    def args(self) -> QueryDict:
        """The query parameters, decoded as Django's ``QueryDict`` decodes them."""
        raw = self.query_string
        if not raw:
            return QueryDict([])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Django's fallback for user agents that send raw bytes.
            text = raw.decode("iso-8859-1")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")
        return QueryDict(pairs)


def header(request: Request, name: str) -> str | None:
    """``request.headers.get(name)`` for a header other than ``Content-Type`` and
    ``Content-Length``, read straight from the WSGI environ (werkzeug's own mapping, without
    its three calls: the hot path reads ``Authorization`` and ``Origin`` on every request)."""
    value: str | None = request.environ.get("HTTP_" + name.upper().replace("-", "_"))
    return value


class BodyError(ApiError):
    """A body that could not be read: too large (413), too slow (408), or cut short by a client
    that went away (400). Answered in Sentry's shape, like any :class:`ApiError`.

    :ivar size: the body's size as far as it is known: its ``Content-Length``, or the bytes
        received before the reading stopped.
    :ivar closes: the connection must close after the answer (part of the body is unread).
    """

    def __init__(self, status: int, message: str, size: int, *, closes: bool) -> None:
        super().__init__(status, {"detail": message})
        self.size = size
        self.closes = closes


TOO_LARGE = "Request body too large."


def has_body(environ: MutableMapping[str, Any]) -> bool:
    """Whether the request announces a body: a non-zero ``Content-Length`` or a chunked one."""
    return environ.get("CONTENT_LENGTH") not in (None, "", "0") or (
        "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    )


def read_body(request: Request | MutableMapping[str, Any]) -> bytes:
    """The request's body, read once, whatever the framing, for every reader of the request
    (the journal, the contract checks, the views, the socket faults).

    At most :data:`MAX_BODY_BYTES` are kept. A larger body, announced by its
    ``Content-Length`` or found larger while reading a chunked one, is refused with Django's
    413 ``{"detail": "Request body too large."}`` (what is left of it, up to
    :data:`DRAIN_LIMIT`, is read and dropped, so the client gets the answer). A body that takes
    longer than the request's read timeout (``environ[READ_TIMEOUT]``) is refused with a 408;
    the server's socket is given the time left before each read where the server hands it over
    (werkzeug's), others bound the read themselves (waitress reads the whole body before the
    app; granian does not bound it: see the README's Limits). The bytes, or the error, are kept
    in the environ: a second reader gets the same answer without reading again, and Werkzeug's
    form parser reads them from memory.

    :raises BodyError: 413, 408, or 400 when the client hung up mid-body.
    """
    environ = request.environ if isinstance(request, Request) else request
    held = environ.get(BODY)
    if held is None:
        try:
            held = _read(environ)
        except BodyError as exc:
            held = exc
            if exc.closes:
                environ[CLOSE] = True
        environ[BODY] = held
        # Werkzeug's form parser and get_data() read wsgi.input: they now read the kept bytes.
        environ["wsgi.input"] = io.BytesIO(held if isinstance(held, bytes) else b"")
    if isinstance(held, BodyError):
        raise held
    body: bytes = held
    return body


def _read(environ: MutableMapping[str, Any]) -> bytes:
    if not has_body(environ):
        return b""
    length = get_content_length(cast("dict[str, Any]", environ))
    if length is None and not environ.get("wsgi.input_terminated"):
        # No length and a server that does not end the stream: reading could wait forever
        # (Werkzeug's safe fallback answers an empty body too).
        return b""
    reader = _Reader(environ)
    if length is not None and length > MAX_BODY_BYTES:
        # Announced too large: read (and drop) it all if it is not huge, so that the client,
        # still sending, gets the answer and the connection can be used again.
        ended = length <= DRAIN_LIMIT and reader.drain(length)[0] == length
        raise BodyError(413, TOO_LARGE, length, closes=not ended)
    limit = MAX_BODY_BYTES + 1 if length is None else length
    data = reader.read(limit)
    if length is not None and len(data) < length:
        raise BodyError(
            400, "Request body incomplete: the client went away.", len(data), closes=True
        )
    if len(data) > MAX_BODY_BYTES:
        # Found too large while reading (chunked): drop the rest up to the drain limit.
        drained, ended = reader.drain(DRAIN_LIMIT - len(data))
        raise BodyError(413, TOO_LARGE, len(data) + drained, closes=not ended)
    return data


class _Reader:
    """Reads ``wsgi.input`` in pieces against one deadline."""

    def __init__(self, environ: MutableMapping[str, Any]) -> None:
        self.stream = environ["wsgi.input"]
        self.timeout = float(environ.get(READ_TIMEOUT, DEFAULT_READ_TIMEOUT))
        self.deadline = time.monotonic() + self.timeout
        sock = environ.get("werkzeug.socket")
        self.sock = sock if isinstance(sock, socket.socket) else None
        # BufferedReader.read1 returns after one receive: the deadline is checked between them.
        self._read = getattr(self.stream, "read1", self.stream.read)

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` bytes: fewer only when the body ends first."""
        parts: list[bytes] = []
        got = 0
        while got < limit:
            piece = self._piece(min(CHUNK, limit - got), got)
            if not piece:
                break
            parts.append(piece)
            got += len(piece)
        return b"".join(parts)

    def drain(self, limit: int) -> tuple[int, bool]:
        """Read and drop up to ``limit`` bytes: how many there were, and whether the body
        ended (it did not if it was longer, too slow, or cut short)."""
        got = 0
        try:
            while got < limit:
                piece = self._piece(min(CHUNK, limit - got), got)
                if not piece:
                    return got, True
                got += len(piece)
        except BodyError:
            return got, False
        # Never read past the limit: with a Content-Length, the next bytes are the next
        # request's; without one, a body this long is not worth waiting for.
        return got, False

    def _piece(self, size: int, got: int) -> bytes:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self._late(got)
        previous = None
        if self.sock is not None:
            previous = self.sock.gettimeout()
            self.sock.settimeout(remaining)
        try:
            piece: bytes = self._read(size)
        except TimeoutError:
            raise self._late(got) from None
        except (OSError, ValueError):
            raise BodyError(
                400, "Request body incomplete: the client went away.", got, closes=True
            ) from None
        finally:
            if self.sock is not None:
                # The answer is written with the server's own timeout, whatever happened.
                self.sock.settimeout(previous)
        return piece

    def _late(self, got: int) -> BodyError:
        seconds = f"{self.timeout:g}"
        return BodyError(
            408,
            f"Request body not received within {seconds} second{'' if seconds == '1' else 's'}.",
            got,
            closes=True,
        )


def json_body(request: Request) -> Any:
    """The request's body as DRF's parsers read it on Sentry: JSON, multipart or form.

    An empty body is ``{}`` whatever its content type. Otherwise the first of Sentry's parsers
    whose media type matches the ``Content-Type`` (``*`` matching anything, parameters ignored)
    reads it; JSON is decoded with the ``charset`` parameter when Python knows it, else UTF-8,
    and ``NaN``/``Infinity`` are refused as DRF's strict JSON does. A form's repeated field
    keeps its last value, as Django's ``QueryDict`` does.

    :raises ApiError: 400 ``{"detail": "JSON parse error - <reason>"}`` for a body that does not
        decode or parse, or nests deeper than :data:`MAX_JSON_DEPTH`; 400 ``Multipart form parse
        error - …`` for a multipart body without a valid boundary; 415 ``{"detail":
        "Unsupported media type \\"<Content-Type>\\" in request."}`` when no parser matches
        (also when the header is missing); :class:`BodyError` (413 above
        :data:`MAX_BODY_BYTES`, 408 past the read timeout) from :func:`read_body`.
    """
    raw = read_body(request)
    if not raw:
        return {}
    parser = _select_parser(request.mimetype)
    if parser is None:
        raise ApiError.detail(
            415, f'Unsupported media type "{request.content_type or ""}" in request.'
        )
    if parser == JSON_MEDIA_TYPE:
        return parsed_json(request, raw)
    if parser == MULTIPART_MEDIA_TYPE:
        boundary = request.mimetype_params.get("boundary")
        if not boundary or not _BOUNDARY.match(boundary):
            raise ApiError.detail(
                400, f"Multipart form parse error - Invalid boundary in multipart: {boundary}"
            )
    return {key: values[-1] for key, values in request.form.lists()}


def _select_parser(mimetype: str) -> str | None:
    """DRF's ``DefaultContentNegotiation.select_parser`` over Sentry's parsers."""
    main, _, sub = mimetype.partition("/")
    for media_type in PARSERS:
        want_main, _, want_sub = media_type.partition("/")
        if sub not in ("*", want_sub) or main not in ("*", want_main):
            continue
        return media_type
    return None


def parsed_json(request: Request, raw: bytes) -> Any:
    """``raw``, the request's body, parsed as :func:`json_body` parses JSON, once per request:
    the outcome is kept in the environ (:data:`JSON_VALUE`), and a second reader gets the same
    value object. Readers must not change it.

    :raises ApiError: 400 ``{"detail": "JSON parse error - <reason>"}``, as :func:`json_body`.
    """
    value, error, _plain = _parsed(request, raw)
    if error is not None:
        raise ApiError(error.status, error.body, error.headers)
    return value


def plain_json(request: Request, raw: bytes) -> Any:
    """``raw`` parsed as ``json.loads(raw)`` parses it (any UTF, ``NaN`` allowed): the contract
    checks' reading. When the request is sent as ``application/json``, the value
    :func:`parsed_json` keeps is reused if ``json.loads`` would give the same one (the whole body
    decoded as UTF-8 and parsed); otherwise, ``json.loads`` parses it.

    :raises ValueError: what ``json.loads`` raises (``JSONDecodeError``, ``UnicodeDecodeError``).
    :raises RecursionError: for JSON nested about 1,000 deep.
    """
    if request.mimetype == JSON_MEDIA_TYPE:
        value, error, plain = _parsed(request, raw)
        if error is None and plain:
            return value
    return json.loads(raw)


def _parsed(request: Request, raw: bytes) -> tuple[Any, ApiError | None, bool]:
    """The kept outcome of parsing the body: ``(value, error, plain)``, ``plain`` when
    ``json.loads(raw)`` gives the same value."""
    environ = request.environ
    held: tuple[Any, ApiError | None, bool] | None = environ.get(JSON_VALUE)
    if held is None:
        try:
            value, plain = _parse_json(raw, request.mimetype_params.get("charset"))
            held = (value, None, plain)
        except ApiError as exc:
            held = (None, exc, False)
        environ[JSON_VALUE] = held
    return held


def _encoding(charset: str | None) -> str:
    """The codec of a ``charset`` parameter Python knows, else UTF-8 (e.g. ``"utf-8"``)."""
    encoding = "utf-8"
    if charset:
        # Django sets request.encoding from a charset Python knows and ignores any other.
        with contextlib.suppress(LookupError):
            encoding = codecs.lookup(charset).name
    return encoding


def _parse_json(raw: bytes, charset: str | None) -> tuple[Any, bool]:
    """DRF's ``JSONParser.parse``: a codecs reader over the body, then strict ``json.load``.

    :returns: the value, and whether ``json.loads(raw)`` gives it too: a strict parse of text
        that is the whole body decoded as UTF-8 (``json.loads`` then detects UTF-8 too: valid
        JSON text starts with no NUL, and a BOM fails the strict parse).
    """
    encoding = _encoding(charset)
    whole = False
    try:
        if encoding == "utf-8":
            # What the codecs reader does, without it: decode what is whole (an incomplete
            # sequence at the end is dropped, as the reader drops it), raise on a bad byte.
            text, used = codecs.utf_8_decode(raw, "strict", False)
            whole = used == len(raw)
        else:
            text = codecs.getreader(encoding)(io.BytesIO(raw)).read()
        value = _strict_loads(text)
    except RecursionError:
        # Python's parser gives up at its recursion limit (Sentry would answer a 500).
        raise ApiError.detail(400, _too_deep()) from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ApiError.detail(400, f"JSON parse error - {exc}") from None
    # A value nests no deeper than its text opens brackets: most bodies need no walk.
    opened = text.count("[") + text.count("{")
    if opened > MAX_JSON_DEPTH and _depth_exceeds(value, MAX_JSON_DEPTH):
        raise ApiError.detail(400, _too_deep())
    return value, whole


def _strict_constant(constant: str) -> Any:
    """DRF's ``json.strict_constant``: ``NaN`` and ``Infinity`` are not JSON."""
    raise ValueError("Out of range float values are not JSON compliant: " + repr(constant))


# ``json.loads(text, parse_constant=...)`` builds a decoder per call; one does for every body
# (a decoder keeps no state between calls: json's own default one is shared the same way).
_STRICT_DECODER = json.JSONDecoder(parse_constant=_strict_constant)


def _strict_loads(text: str) -> Any:
    """``json.loads(text, parse_constant=_strict_constant)``, its byte-order-mark error too."""
    if text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _STRICT_DECODER.decode(text)


def _too_deep() -> str:
    return f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels"


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep.

    Level by level, without recursion, each level's containers picked in C (``compress``,
    ``chain``, ``map``): the Python loop turns once per level, so a list of a million small
    lists costs milliseconds, not a million turns.
    """
    level = _containers([value])
    for _ in range(limit):
        if not level:
            return False
        lists = compress(level, map(_IS_LIST, map(type, level)))
        dicts = compress(level, map(_IS_DICT, map(type, level)))
        level = _containers(
            chain(chain.from_iterable(lists), chain.from_iterable(map(dict.values, dicts)))
        )
    return bool(level)


_IS_LIST = {list}.__contains__
_IS_DICT = {dict}.__contains__
_IS_CONTAINER = {list, dict}.__contains__


def _containers(values: Iterable[Any]) -> list[Any]:
    """The lists and dicts among ``values``."""
    values = list(values)
    return list(compress(values, map(_IS_CONTAINER, map(type, values))))
