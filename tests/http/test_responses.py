"""``mockserver/http/responses.py``: sending an answer without werkzeug's per-request header
copy, and setting the mock's own headers in one pass, give what werkzeug itself gives."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest
from werkzeug.wrappers import Response

from mockserver.http.body import SentryRequest
from mockserver.http.responses import json_response
from mockserver.http.responses import put_headers
from mockserver.http.responses import send
from mockserver.journal.entry import Headers
from mockserver.journal.raw import request_headers


def environ(method: str = "GET", **extra: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/api/0/projects/my-org/my-project/",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        **extra,
    }


def sent(response: Response, env: dict[str, Any], how: Any) -> tuple[str, list[Any], bytes]:
    started: list[tuple[str, list[Any]]] = []
    body = how(env, lambda status, headers, exc_info=None: started.append((status, headers)))
    data = b"".join(body)
    if hasattr(body, "close"):
        body.close()
    ((status, headers),) = started
    return status, headers, data


def ignore(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def answers() -> list[Response]:
    moved = Response(b"", status=302)
    moved.headers["Location"] = "/api/0/projects/my-org/renamed/"
    streamed = Response(iter([b"a", b"b"]), mimetype="text/plain")
    closing = json_response({"a": 1})
    closing.call_on_close(lambda: None)
    return [
        json_response({"id": "2", "name": "Ünïcode"}),
        json_response({"detail": "Not found"}, 404, {"X-Sentry-Error": "1"}),
        json_response(None, 204),
        Response(b"", status=304),
        moved,
        streamed,
        closing,
    ]


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
@pytest.mark.parametrize("index", range(7))
def test_send_answers_exactly_what_werkzeug_answers(method: str, index: int) -> None:
    env = environ(method)
    ours = sent(answers()[index], dict(env), lambda e, s: send(answers()[index], e, s))
    theirs = sent(answers()[index], dict(env), lambda e, s: answers()[index](e, s))
    assert ours == theirs


def test_send_takes_the_short_way_only_for_a_plain_buffered_answer() -> None:
    plain = json_response({"id": "2"})
    # The short way hands back the response's own body list; werkzeug's wraps it.
    assert sent(plain, environ(), lambda e, s: send(plain, e, s))[1] == [
        ("Content-Type", "application/json"),
        ("Content-Length", "10"),
    ]
    assert send(plain, environ(), ignore) is plain.response
    moved = answers()[4]
    assert send(moved, environ(), ignore) is not moved.response


def test_put_headers_sets_them_as_setting_each_one_does() -> None:
    pairs = (("Allow", "GET, PUT"), ("Access-Control-Allow-Origin", "*"))
    fresh, each = json_response({"a": 1}), json_response({"a": 1})
    put_headers(fresh, pairs)
    for name, value in pairs:
        each.headers[name] = value
    assert fresh.headers.to_wsgi_list() == each.headers.to_wsgi_list()
    # A name already set (any case) is replaced, not repeated.
    again, each = json_response({"a": 1}), json_response({"a": 1})
    again.headers["allow"] = "OPTIONS"
    each.headers["allow"] = "OPTIONS"
    put_headers(again, pairs)
    for name, value in pairs:
        each.headers[name] = value
    assert again.headers.to_wsgi_list() == each.headers.to_wsgi_list()
    assert again.headers.getlist("Allow") == ["GET, PUT"]


def test_the_journal_reads_request_headers_as_werkzeug_does() -> None:
    env = environ(
        "POST",
        HTTP_AUTHORIZATION="Bearer sntrys_TOKEN",
        HTTP_X_SENTRY_AUTH="a_b",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH="",  # empty: not a header
        HTTP_CONTENT_TYPE="text/plain",  # a server's duplicate of CONTENT_TYPE: not listed
        HTTP_ACCEPT_ENCODING="gzip",
    )
    expected = Headers(SentryRequest(env).headers.items())
    assert request_headers(env) == expected
    assert tuple(request_headers(env)) == (
        ("Authorization", "Bearer sntrys_TOKEN"),
        ("X-Sentry-Auth", "a_b"),
        ("Content-Type", "application/json"),
        ("Accept-Encoding", "gzip"),
    )
