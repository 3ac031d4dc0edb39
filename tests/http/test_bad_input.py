"""Bad input, answered as Sentry would and never with a 500, through both transports.

One table: malformed and mistyped bodies, the size limit, invalid UTF-8, huge, negative and
non-finite numbers, long query strings and headers, deep nesting, NUL bytes, path traversal,
repeated parameters and unknown methods. Every case runs through Flask's test client and over a
real socket (the ``api`` fixture), and the server must then answer a plain request normally;
the ``server`` fixture fails the test on any unexpected server error; each request must be in
the journal. What only a raw socket can send (bytes outside URL encoding, lines past the HTTP
server's limits) has its own table.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import pytest

from mockserver.http.body import MAX_BODY_BYTES
from mockserver.http.body import MAX_JSON_DEPTH
from mockserver.testing import MockServer
from tests.conftest import PROJECT
from tests.conftest import READONLY
from tests.conftest import TOKEN
from tests.conftest import Api

HOOKS = PROJECT + "hooks/"
HOOK = HOOKS + "4f9d73e63b7144ecb8944c41620a090b/"
USERS = PROJECT + "users/"
STATS = PROJECT + "stats/"
TAGS = PROJECT + "tags/"
JSON = {"Content-Type": "application/json"}
NOT_FOUND = {"detail": "The requested resource does not exist"}
DENIED = {"detail": "You do not have permission to perform this action."}
TOO_DEEP = {"detail": f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels"}
CATCHALL = b""  # Sentry's catch-all 404 for a path with its trailing slash: an empty page
HTML = "text/html; charset=utf-8"
WWW_AUTHENTICATE = 'xBasic realm="api"'


def nested(depth: int) -> bytes:
    """A JSON object holding lists ``depth`` levels deep in all (the object is level 1)."""
    return (
        b'{"url": "https://example.com/hook", "x": '
        + b"[" * (depth - 1)
        + b"]" * (depth - 1)
        + b"}"
    )


@dataclass(frozen=True)
class Case:
    """A request and Sentry's answer to it.

    :ivar json: the exact JSON body expected; ``None`` to check ``raw`` instead.
    :ivar raw: the exact body expected when ``json`` is ``None``.
    :ivar keys: for success answers, only these keys of the JSON body are compared.
    """

    id: str
    method: str
    path: str
    status: int
    json: Any = None
    raw: bytes | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    token: str | None = TOKEN
    content_type: str | None = "application/json"
    keys: dict[str, Any] | None = None
    answer_headers: dict[str, str] = field(default_factory=dict)


CASES = [
    # --- bodies that do not parse (DRF's JSONParser and content negotiation) ---------------
    Case(
        "malformed-json-on-post",
        "POST",
        HOOKS,
        400,
        {"detail": "JSON parse error - Expecting value: line 1 column 8 (char 7)"},
        body=b'{"url":',
        headers=JSON,
    ),
    Case(
        "malformed-json-on-put",
        "PUT",
        PROJECT,
        400,
        {
            "detail": "JSON parse error - Expecting property name enclosed in double quotes: "
            "line 1 column 14 (char 13)"
        },
        body=b'{"name": "x",}',
        headers=JSON,
    ),
    Case(
        "truncated-json-on-hook-put",
        "PUT",
        HOOK,
        400,
        {"detail": "JSON parse error - Expecting value: line 1 column 14 (char 13)"},
        body=b'{"isActive": tru',
        headers=JSON,
    ),
    Case(
        "text-plain-on-post",
        "POST",
        HOOKS,
        415,
        {"detail": 'Unsupported media type "text/plain" in request.'},
        body=b'{"url": "https://example.com/hook"}',
        headers={"Content-Type": "text/plain"},
    ),
    Case(
        "text-plain-with-charset-on-put",
        "PUT",
        PROJECT,
        415,
        {"detail": 'Unsupported media type "text/plain; charset=utf-8" in request.'},
        body=b'{"name": "x"}',
        headers={"Content-Type": "text/plain; charset=utf-8"},
    ),
    Case(
        "no-content-type-on-post",
        "POST",
        HOOKS,
        415,
        {"detail": 'Unsupported media type "" in request.'},
        body=b'{"url": "https://example.com/hook"}',
    ),
    Case(
        "json-suffix-type-is-not-json-to-drf",
        "PUT",
        PROJECT,
        415,
        {"detail": 'Unsupported media type "application/vnd.api+json" in request.'},
        body=b'{"name": "x"}',
        headers={"Content-Type": "application/vnd.api+json"},
    ),
    Case(
        "wildcard-type-picks-the-json-parser",
        "PUT",
        PROJECT,
        200,
        body=b'{"isBookmarked": true}',
        headers={"Content-Type": "*/*"},
        keys={"isBookmarked": True},
    ),
    Case(
        "form-body",
        "POST",
        HOOKS,
        201,
        body=b"url=https%3A%2F%2Fexample.com%2Fhook",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        keys={"url": "https://example.com/hook"},
    ),
    Case(
        "form-repeated-field-keeps-the-last",
        "POST",
        HOOKS,
        201,
        body=b"url=https%3A%2F%2Fa.example.com&url=https%3A%2F%2Fb.example.com",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        keys={"url": "https://b.example.com"},
    ),
    Case(
        "multipart-without-boundary",
        "POST",
        HOOKS,
        400,
        {"detail": "Multipart form parse error - Invalid boundary in multipart: None"},
        body=b"--x\r\n",
        headers={"Content-Type": "multipart/form-data"},
    ),
    Case("empty-body-on-put", "PUT", PROJECT, 200, keys={"slug": "my-project"}),
    Case(
        "empty-body-on-post",
        "POST",
        HOOKS,
        400,
        {"url": ["This field is required."]},
    ),
    Case(
        "null-body",
        "PUT",
        HOOK,
        400,
        {"non_field_errors": ["No data provided"]},
        body=b"null",
        headers=JSON,
    ),
    Case(
        "list-body",
        "PUT",
        PROJECT,
        400,
        {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
        body=b"[]",
        headers=JSON,
    ),
    # --- the size limit --------------------------------------------------------------------
    Case(
        "body-over-the-limit",
        "POST",
        HOOKS,
        413,
        {"detail": "Request body too large."},
        body=b'{"url": "https://example.com/hook", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}',
        headers=JSON,
    ),
    Case(
        "body-at-the-limit",
        "POST",
        HOOKS,
        201,
        body=b'{"url": "https://example.com/hook", "pad": "' + b"x" * (MAX_BODY_BYTES - 46) + b'"}',
        headers=JSON,
        keys={"url": "https://example.com/hook"},
    ),
    # --- encodings -------------------------------------------------------------------------
    Case(
        "invalid-utf8-in-body",
        "POST",
        HOOKS,
        400,
        {
            "detail": "JSON parse error - 'utf-8' codec can't decode byte 0xff in position 9: "
            "invalid start byte"
        },
        body=b'{"url": "\xff"}',
        headers=JSON,
    ),
    Case(
        "latin1-charset-is-honoured",
        "POST",
        HOOKS,
        201,
        body=b'{"url": "https://example.com/caf\xe9"}',
        headers={"Content-Type": "application/json; charset=latin-1"},
        keys={"url": "https://example.com/caf\u00e9"},
    ),
    Case(
        "unknown-charset-falls-back-to-utf8",
        "POST",
        HOOKS,
        201,
        body=b'{"url": "https://example.com/hook"}',
        headers={"Content-Type": "application/json; charset=klingon"},
        keys={"url": "https://example.com/hook"},
    ),
    Case(
        "utf8-bom",
        "POST",
        HOOKS,
        400,
        {
            "detail": "JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig): "
            "line 1 column 1 (char 0)"
        },
        body=b'\xef\xbb\xbf{"url": "https://example.com/hook"}',
        headers=JSON,
    ),
    Case(
        "invalid-utf8-in-path",
        "GET",
        "/api/0/projects/my-org/my-pr%FFoject/",
        404,
        NOT_FOUND,
    ),
    Case(
        "invalid-utf8-in-query",
        "GET",
        USERS + "?query=email:%FF",
        200,
        [],
        # Django decodes it as U+FFFD, and so echoes it in the Link header.
        answer_headers={"link": "query=email%3A%EF%BF%BD&cursor=100:-1:1"},
    ),
    # --- numbers: huge, negative, non-finite ------------------------------------------------
    Case(
        "nan-in-body",
        "PUT",
        PROJECT,
        400,
        {"detail": "JSON parse error - Out of range float values are not JSON compliant: 'NaN'"},
        body=b'{"digestsMinDelay": NaN}',
        headers=JSON,
    ),
    Case(
        "negative-infinity-in-body",
        "PUT",
        PROJECT,
        400,
        {
            "detail": "JSON parse error - Out of range float values are not JSON compliant: "
            "'-Infinity'"
        },
        body=b'{"resolveAge": -Infinity}',
        headers=JSON,
    ),
    Case(
        "integer-too-long-to-parse",
        "PUT",
        PROJECT,
        400,
        {
            "detail": "JSON parse error - Exceeds the limit (4300 digits) for integer string "
            "conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase "
            "the limit"
        },
        body=b'{"digestsMinDelay": ' + b"9" * 5000 + b"}",
        headers=JSON,
    ),
    Case(
        "huge-integer-in-body",
        "PUT",
        PROJECT,
        400,
        {"digestsMinDelay": ["Ensure this value is less than or equal to 3600."]},
        body=b'{"digestsMinDelay": ' + b"9" * 400 + b"}",
        headers=JSON,
    ),
    Case(
        "huge-float-in-body",
        "PUT",
        PROJECT,
        400,
        {"digestsMinDelay": ["A valid integer is required."]},
        body=b'{"digestsMinDelay": 1e308}',
        headers=JSON,
    ),
    Case(
        "negative-integer-in-body",
        "PUT",
        PROJECT,
        400,
        {"storeCrashReports": ["Ensure this value is greater than or equal to -1."]},
        body=b'{"storeCrashReports": -2}',
        headers=JSON,
    ),
    Case(
        "huge-per-page",
        "GET",
        USERS + "?per_page=" + "9" * 30,
        400,
        {"detail": "Invalid per_page value. Cannot exceed 100."},
    ),
    Case(
        "negative-per-page",
        "GET",
        USERS + "?per_page=-5",
        400,
        {"detail": "Invalid per_page value. Must be between 1 and 100."},
    ),
    Case(
        "per-page-in-exponent-form",
        "GET",
        USERS + "?per_page=1e2",
        400,
        {"detail": "Invalid per_page parameter."},
    ),
    Case(
        "negative-cursor-offset",
        "GET",
        USERS + "?cursor=1:-1:0",
        400,
        {"detail": "Invalid cursor parameter."},
    ),
    Case("huge-cursor", "GET", USERS + "?cursor=" + "9" * 50 + ":" + "9" * 50 + ":0", 200, []),
    Case(
        "huge-until",
        "GET",
        STATS + "?until=1e308",
        400,
        {"detail": "until must be a numeric timestamp."},
    ),
    Case(
        "huge-negative-since",
        "GET",
        STATS + "?since=-1e308",
        400,
        {"detail": "since must be a numeric timestamp"},
    ),
    Case(
        "nan-until",
        "GET",
        STATS + "?until=nan",
        400,
        {"detail": "until must be a numeric timestamp."},
    ),
    Case(
        "infinite-until",
        "GET",
        STATS + "?until=-inf",
        400,
        {"detail": "until must be a numeric timestamp."},
    ),
    Case(
        "huge-resolution",
        "GET",
        STATS + "?resolution=" + "9" * 30 + "h",
        400,
        {"detail": "Invalid resolution"},
    ),
    # --- long query strings and headers (within the HTTP server's own limits) --------------
    Case("long-query-string", "GET", USERS + "?query=" + "a" * 32_000, 200, []),
    Case(
        "long-authorization-header",
        "GET",
        PROJECT,
        401,
        {"detail": "Invalid token"},
        token="a" * 16_000,
        answer_headers={"www-authenticate": WWW_AUTHENTICATE},
    ),
    Case(
        "long-unknown-header",
        "GET",
        PROJECT,
        200,
        headers={"X-Padding": "a" * 32_000},
        keys={"slug": "my-project"},
    ),
    # --- deep nesting -----------------------------------------------------------------------
    Case(
        "nesting-past-the-recursion-limit",
        "PUT",
        PROJECT,
        400,
        TOO_DEEP,
        body=b"[" * 100_000 + b"]" * 100_000,
        headers=JSON,
    ),
    Case("nesting-past-the-limit", "POST", HOOKS, 400, TOO_DEEP, body=nested(101), headers=JSON),
    Case(
        "nesting-at-the-limit",
        "POST",
        HOOKS,
        201,
        body=nested(100),
        headers=JSON,
        keys={"url": "https://example.com/hook"},
    ),
    # --- NUL bytes and lone surrogates ------------------------------------------------------
    Case(
        "nul-escape-in-a-string",
        "POST",
        HOOKS,
        400,
        {"url": ["Null characters are not allowed."]},
        body=b'{"url": "https://example.com/\\u0000"}',
        headers=JSON,
    ),
    Case(
        "raw-nul-in-body",
        "POST",
        HOOKS,
        400,
        {"detail": "JSON parse error - Invalid control character at: line 1 column 30 (char 29)"},
        body=b'{"url": "https://example.com/\x00"}',
        headers=JSON,
    ),
    Case("nul-in-path", "GET", "/api/0/projects/my-org/my-%00project/", 404, NOT_FOUND),
    Case("nul-in-query", "GET", USERS + "?query=email:%00", 200, []),
    Case(
        "lone-surrogate-in-a-string-field",
        "POST",
        HOOKS,
        400,
        {"url": ["Surrogate characters are not allowed: U+D800."]},
        body=b'{"url": "https://example.com/\\ud800"}',
        headers=JSON,
    ),
    Case(
        "lone-surrogate-in-an-object-field",
        "PUT",
        PROJECT,
        400,
        {"highlightContext": ["Surrogate characters are not allowed: U+DC00."]},
        body=b'{"highlightContext": {"os": ["\\udc00"]}}',
        headers=JSON,
    ),
    # --- path traversal in tag keys and hook ids --------------------------------------------
    # An encoded slash is a slash once decoded: the path is another one, and Sentry's
    # catch-all answers it. Anything else is a key or an id, looked up and not found.
    Case(
        "traversal-in-tag-key",
        "GET",
        TAGS + "..%2F..%2F..%2Fetc%2Fpasswd/values/",
        404,
        raw=CATCHALL,
        content_type=HTML,
    ),
    Case("dot-dot-tag-key", "GET", TAGS + "%2E%2E/values/", 404, NOT_FOUND),
    Case(
        "double-encoded-traversal-in-tag-key",
        "GET",
        TAGS + "..%252F..%252Fetc%252Fpasswd/values/",
        404,
        NOT_FOUND,
    ),
    Case(
        "traversal-in-hook-id",
        "GET",
        HOOKS + "..%2F..%2F..%2Fetc%2Fpasswd/",
        404,
        raw=CATCHALL,
        content_type=HTML,
    ),
    Case(
        "double-encoded-traversal-in-hook-id",
        "DELETE",
        HOOKS + "..%252F..%252Fetc%252Fpasswd/",
        404,
        NOT_FOUND,
    ),
    Case("dot-dot-hook-id-stats", "GET", HOOKS + "%2E%2E/stats/", 404, NOT_FOUND),
    # --- repeated parameters: the last one counts, as with Django's QueryDict ----------------
    Case(
        "repeated-stat-last-wins",
        "GET",
        STATS + "?stat=received&stat=bogus",
        400,
        ["Invalid stat: bogus"],
    ),
    Case(
        "repeated-resolution-last-wins",
        "GET",
        STATS + "?resolution=1h&resolution=2h",
        400,
        {"detail": "Invalid resolution"},
    ),
    Case(
        "repeated-per-page-last-wins",
        "GET",
        USERS + "?per_page=1&per_page=500",
        400,
        {"detail": "Invalid per_page value. Cannot exceed 100."},
    ),
    # --- methods ----------------------------------------------------------------------------
    Case("patch-is-in-no-scope-map", "PATCH", PROJECT, 403, DENIED),
    Case(
        "patch-anonymous",
        "PATCH",
        PROJECT,
        401,
        {"detail": "Authentication credentials were not provided."},
        token=None,
        answer_headers={"www-authenticate": WWW_AUTHENTICATE},
    ),
    Case("unknown-method", "FOO", PROJECT, 403, DENIED),
    Case("trace", "TRACE", HOOKS, 403, DENIED),
    Case("head-is-in-no-scope-map", "HEAD", PROJECT, 403, raw=b""),
    Case(
        "post-on-project-details",
        "POST",
        PROJECT,
        405,
        {"detail": 'Method "POST" not allowed.'},
        answer_headers={"allow": "GET, PUT, DELETE, OPTIONS"},
    ),
    Case(
        "put-on-stats",
        "PUT",
        STATS,
        405,
        {"detail": 'Method "PUT" not allowed.'},
        answer_headers={"allow": "GET, OPTIONS"},
    ),
    Case("delete-on-users", "DELETE", USERS, 405, {"detail": 'Method "DELETE" not allowed.'}),
    Case("post-without-the-scope", "POST", PROJECT, 403, DENIED, token=READONLY),
    Case(
        "options-preflight",
        "OPTIONS",
        HOOKS,
        200,
        raw=b"",
        token=None,
        content_type=HTML,
        answer_headers={"access-control-max-age": "3600"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_answered_as_sentry_would(api: Api, case: Case) -> None:
    reply = api.call(case.method, case.path, token=case.token, data=case.body, headers=case.headers)
    assert reply.status == case.status, reply.raw[:300]
    assert reply.header("content-type") == case.content_type
    if case.keys is not None:
        assert {key: reply.json[key] for key in case.keys} == case.keys
    elif case.raw is not None:
        assert reply.raw == case.raw
    else:
        assert reply.json == case.json
    for name, expected in case.answer_headers.items():
        value = reply.header(name) or ""
        assert expected == value or (name == "link" and expected in value), (name, value)
    # Journaled like any other request (redact=false only spares the export a 100,000-deep
    # body to walk: redaction is tested in test_security.py).
    newest = api.get("/__admin/requests?limit=1&redact=false", token=None).json["requests"][0]
    assert (newest["request"]["method"], newest["response"]["status"]) == (
        case.method,
        case.status,
    )
    # The server answers normally afterwards (and the server fixture finds no server error).
    after = api.get(PROJECT)
    assert (after.status, after.json["slug"]) == (200, "my-project")


@pytest.mark.parametrize("depth", [100_000, 900])
def test_the_journal_exports_a_deeply_nested_body(api: Api, depth: int) -> None:
    body = b'{"x": ' + b"[" * depth + b"]" * depth + b"}"
    assert api.put(PROJECT, data=body, headers=JSON).status == 400
    for path in ("/__admin/requests?limit=1", "/__admin/requests/har"):
        reply = api.get(path, token=None)
        assert reply.status == 200, path
        assert TOKEN not in reply.raw.decode(), path


# --- what only a raw socket can send ---------------------------------------------------------


def raw_request(server: MockServer, head: bytes) -> tuple[int, bytes, bytes]:
    """Send ``head`` (a request line and headers, without the blank line) as it is."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65_536):
            chunks.append(chunk)
    head_part, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line = head_part.split(b"\r\n", 1)[0]
    return int(status_line.split()[1]), head_part, body


AUTH = b"\r\nAuthorization: Bearer " + TOKEN.encode()
RAW_CASES = [
    # (id, request head, status, exact body or None when the HTTP server writes its own page)
    (
        "raw-invalid-utf8-in-path",
        b"GET /api/0/projects/my-org/my-pr\xffoject/ HTTP/1.1" + AUTH,
        404,
        json.dumps(NOT_FOUND, separators=(",", ":")).encode(),
    ),
    (
        "raw-invalid-utf8-in-query",
        b"GET " + USERS.encode() + b"?query=a\xff HTTP/1.1" + AUTH,
        200,
        b"[]",
    ),
    (
        "raw-nul-in-a-header",
        b"GET " + PROJECT.encode() + b" HTTP/1.1\r\nAuthorization: Bearer sntrys_\x00TOKEN",
        401,
        b'{"detail":"Invalid org token"}',
    ),
    # Django upper-cases the method too.
    ("lower-case-method", b"get " + HOOK.encode() + b" HTTP/1.1" + AUTH, 200, None),
    ("method-with-odd-characters", b"G@T " + PROJECT.encode() + b" HTTP/1.1" + AUTH, 403, None),
    # Past the HTTP server's limits its own page answers, as nginx's would in front of Sentry.
    (
        "url-past-the-server-limit",
        b"GET " + USERS.encode() + b"?query=" + b"a" * 70_000 + b" HTTP/1.1" + AUTH,
        414,
        None,
    ),
    (
        "header-past-the-server-limit",
        b"GET " + PROJECT.encode() + b" HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + AUTH,
        431,
        None,
    ),
    (
        "too-many-headers",
        b"GET "
        + PROJECT.encode()
        + b" HTTP/1.1"
        + AUTH
        + b"".join(b"\r\nX-%d: 1" % i for i in range(150)),
        431,
        None,
    ),
]


@pytest.mark.parametrize(
    ("head", "status", "body"),
    [case[1:] for case in RAW_CASES],
    ids=[case[0] for case in RAW_CASES],
)
def test_raw_requests_are_answered_and_the_server_keeps_serving(
    server: MockServer, head: bytes, status: int, body: bytes | None
) -> None:
    answered, _headers, raw = raw_request(server, head)
    assert answered == status
    if body is not None:
        assert raw == body
    after = Api(server.app, "socket", server).get(PROJECT)
    assert (after.status, after.json["slug"]) == (200, "my-project")
