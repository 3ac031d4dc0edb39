"""Reading requests as Sentry (Django and DRF) reads them: the query string and the body."""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.wrappers import Request

from mockserver.errors import ApiError

MAX_BODY_BYTES = 2_621_440
"""The largest request body read, in bytes: Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` default
(2.5 MiB). A larger one answers 413 ``{"detail": "Request body too large."}``."""

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


class QueryDict(ImmutableMultiDict[str, str]):
    """Query and form parameters read as Django's ``QueryDict`` reads them.

    Sentry's views call ``request.GET.get(name)``, which answers the *last* value of a repeated
    parameter (``?stat=received&stat=x`` asks for ``x``); Werkzeug's ``MultiDict`` answers the
    first. ``getlist`` and ``items(multi=True)`` still give every value, in order.
    """

    def __getitem__(self, key: str) -> str:
        values = self.getlist(key)
        if values:
            return values[-1]
        return super().__getitem__(key)  # raises Werkzeug's BadRequestKeyError

    def items(self, multi: bool = False) -> Iterator[tuple[str, str]]:  # type: ignore[override]
        """``(name, value)`` pairs: the last value of each name, or every pair with ``multi``."""
        for key, values in self.lists():
            if multi:
                yield from ((key, value) for value in values)
            else:
                yield key, values[-1]

    def values(self) -> Iterator[str]:  # type: ignore[override]
        """The last value of each name."""
        for _key, values in self.lists():
            yield values[-1]


class SentryRequest(Request):
    """Werkzeug's request, reading the query string as Django does: the last value of a repeated
    parameter (:class:`QueryDict`), and an invalid UTF-8 escape as U+FFFD (Werkzeug keeps it
    percent-encoded, which would then be echoed in ``Link`` headers). A body over
    :data:`MAX_BODY_BYTES` is refused with a 413 when it is read."""

    parameter_storage_class = QueryDict
    max_content_length = MAX_BODY_BYTES

    @cached_property
    def args(self) -> QueryDict:
        """The query parameters, decoded as Django's ``QueryDict`` decodes them."""
        raw = self.query_string
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Django's fallback for user agents that send raw bytes.
            text = raw.decode("iso-8859-1")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")
        return QueryDict(pairs)


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
        (also when the header is missing); 413 (from Werkzeug) above :data:`MAX_BODY_BYTES`.
    """
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    parser = _select_parser(request.mimetype)
    if parser is None:
        raise ApiError.detail(
            415, f'Unsupported media type "{request.content_type or ""}" in request.'
        )
    if parser == JSON_MEDIA_TYPE:
        return _parse_json(raw, request.mimetype_params.get("charset"))
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


def _parse_json(raw: bytes, charset: str | None) -> Any:
    """DRF's ``JSONParser.parse``: a codecs reader over the body, then strict ``json.load``."""
    encoding = "utf-8"
    if charset:
        # Django sets request.encoding from a charset Python knows and ignores any other.
        with contextlib.suppress(LookupError):
            encoding = codecs.lookup(charset).name
    try:
        text = codecs.getreader(encoding)(io.BytesIO(raw)).read()
        value = json.loads(text, parse_constant=_strict_constant)
    except RecursionError:
        # Python's parser gives up at its recursion limit (Sentry would answer a 500).
        raise ApiError.detail(400, _too_deep()) from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ApiError.detail(400, f"JSON parse error - {exc}") from None
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise ApiError.detail(400, _too_deep())
    return value


def _strict_constant(constant: str) -> Any:
    """DRF's ``json.strict_constant``: ``NaN`` and ``Infinity`` are not JSON."""
    raise ValueError("Out of range float values are not JSON compliant: " + repr(constant))


def _too_deep() -> str:
    return f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels"


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
