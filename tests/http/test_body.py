"""``mockserver/http/body.py``: the body parsed once per request, for every reader."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from werkzeug.test import EnvironBuilder

from mockserver.errors import ApiError
from mockserver.http.body import JSON_VALUE
from mockserver.http.body import SentryRequest
from mockserver.http.body import header
from mockserver.http.body import json_body
from mockserver.http.body import parsed_json
from mockserver.http.body import plain_json
from mockserver.http.body import read_body


def _request(raw: bytes, content_type: str = "application/json") -> SentryRequest:
    builder = EnvironBuilder(method="PUT", data=raw, content_type=content_type)
    return SentryRequest(builder.get_environ())


def test_every_reader_gets_the_one_value_parsed() -> None:
    request = _request(b'{"name": "Renamed", "platform": "python"}')
    first = plain_json(request, read_body(request))  # the contract checks read it first
    assert first == {"name": "Renamed", "platform": "python"}
    assert json_body(request) is first
    assert json_body(request) is first
    assert parsed_json(request, read_body(request)) is first


def test_a_parse_error_is_kept_and_answered_alike_every_time() -> None:
    request = _request(b'{"name": ')
    answers = []
    for _ in range(2):
        with pytest.raises(ApiError) as caught:
            json_body(request)
        answers.append((caught.value.status, caught.value.body))
    assert (
        answers
        == [(400, {"detail": "JSON parse error - Expecting value: line 1 column 10 (char 9)"})] * 2
    )
    assert request.environ[JSON_VALUE][1] is not None


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b'{"a": NaN}', "application/json"),  # DRF refuses NaN
        (b'\xef\xbb\xbf{"a": 1}', "application/json"),  # DRF fails on the byte order mark
        (b'{"a": 1}\xe2\x82', "application/json"),  # DRF drops the incomplete sequence
        ('{"a": "é"}'.encode("latin-1"), "application/json; charset=latin-1"),  # not UTF-8
        (b'{"a": 1}', "application/vnd.api+json"),  # the view does not parse it as JSON
    ],
)
def test_the_contracts_reading_is_json_loads_where_drf_reads_otherwise(
    raw: bytes, content_type: str
) -> None:
    request = _request(raw, content_type)
    assert _outcome(lambda: plain_json(request, raw)) == _outcome(lambda: json.loads(raw))


def _outcome(read: Callable[[], object]) -> str:
    """What a reading gives, or raises (by repr: NaN != NaN)."""
    try:
        return repr(read())
    except ValueError as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("name", ["Authorization", "Origin", "X-Sentry-Thing", "Absent"])
def test_header_reads_what_werkzeug_reads(name: str) -> None:
    headers = [
        ("Authorization", "Bearer  two  spaces"),
        ("Origin", "https://a.example"),
        ("X-Sentry-Thing", "v; q=1"),
    ]
    request = SentryRequest(EnvironBuilder(path="/", headers=headers).get_environ())
    assert header(request, name) == request.headers.get(name)
    assert header(request, name.upper()) == request.headers.get(name.lower())


def test_no_query_string_is_an_empty_query() -> None:
    request = SentryRequest(EnvironBuilder(path="/").get_environ())
    assert request.args == {}
    assert request.args.get("cursor") is None
    assert type(request.args) is type(
        SentryRequest(EnvironBuilder(query_string="a=1").get_environ()).args
    )
