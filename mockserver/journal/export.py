"""The journal as JSON (WireMock's request-journal shape) and as HAR 1.2, with credentials
redacted unless asked otherwise.

Redaction replaces the credential, not the whole value, so a reader still sees *how* a client
authenticated (``Bearer [redacted]`` vs ``Token [redacted]``): the ``Authorization``,
``Proxy-Authorization``, ``Cookie``, ``Set-Cookie`` and ``X-Sentry-Auth`` headers; JSON keys and
query parameters named like a secret (``secret``, ``securityToken``, ``api_key``, ...); and any
token-looking string anywhere (``sntrys_…``/``sntryu_…`` tokens, 64-hex legacy tokens and hook
secrets).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version
from typing import Any
from urllib.parse import urlencode

from mockserver.journal.journal import Entry

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-sentry-auth"}
)
_SECRET_KEY = re.compile(r"(secret|token|password|passwd|api_?key|credentials?)$", re.IGNORECASE)
_TOKEN = re.compile(r"\bsntry[a-z]_[A-Za-z0-9_+/=.-]+|\b[0-9a-fA-F]{64}\b")
HAR_VERSION = "1.2"


def package_version() -> str:
    """The installed version of mockserver."""
    try:
        return version("sentry-mockserver")
    except PackageNotFoundError:
        return "0+unknown"


# --- redaction -------------------------------------------------------------------------------


def redact_text(text: str) -> str:
    """Replace every token-looking substring."""
    return _TOKEN.sub(REDACTED, text)


def redact_header(name: str, value: str) -> str:
    """A header value with its credential replaced (the scheme is kept)."""
    lowered = name.lower()
    if lowered in SECRET_HEADERS:
        scheme, space, _credential = value.strip().partition(" ")
        if space and lowered.endswith("authorization"):
            return f"{scheme} {REDACTED}"
        return REDACTED
    return redact_text(value)


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers with their credentials replaced."""
    return [(name, redact_header(name, value)) for name, value in headers]


def redact_json(value: Any) -> Any:
    """A JSON value with secret-named keys and token-looking strings replaced."""
    if isinstance(value, dict):
        return {
            key: REDACTED if _is_secret(str(key), item) else redact_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_json(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _is_secret(key: str, value: Any) -> bool:
    # An empty or null secret reveals nothing, and shows the client sent none.
    return bool(_SECRET_KEY.search(key)) and value not in (None, "")


def redact_query(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Query parameters with secret-named ones and token-looking values replaced."""
    return [
        (name, REDACTED if _is_secret(name, value) else redact_text(value)) for name, value in pairs
    ]


def _redact_query_string(entry: Entry) -> str:
    redacted = redact_query(entry.query)
    if redacted == list(entry.query):
        return entry.query_string
    return urlencode(redacted, safe="[]:")


def redact_body(raw: bytes) -> bytes:
    """A body with its credentials replaced (JSON re-encoded compactly; other text kept)."""
    if not raw:
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    try:
        parsed = json.loads(text)
        redacted = redact_json(parsed)
        # Re-encoded only when something was replaced: otherwise the body stays byte for byte.
        return raw if redacted == parsed else json.dumps(redacted, separators=(",", ":")).encode()
    except (ValueError, RecursionError):  # RecursionError: nested too deep to parse or walk
        return redact_text(text).encode()


# --- JSON ------------------------------------------------------------------------------------


def iso_time(seconds: float) -> str:
    """Epoch seconds as ISO 8601 UTC with milliseconds: ``2024-01-15T09:00:00.000Z``."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def target(entry: Entry, *, redact: bool = True) -> str:
    """The path and query string of an entry, credentials in the query redacted."""
    query_string = _redact_query_string(entry) if redact else entry.query_string
    return entry.path + (f"?{query_string}" if query_string else "")


def _base_url(entry: Entry) -> str:
    return entry.url.split("?", 1)[0]


def _headers_map(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


def _body_json(raw: bytes, size: int, digest: str | None, redact: bool) -> dict[str, Any]:
    data = redact_body(raw) if redact else raw
    fields: dict[str, Any] = {"bodySize": size}
    try:
        fields["body"] = data.decode("utf-8")
    except UnicodeDecodeError:
        fields["body"] = None
        fields["bodyAsBase64"] = base64.b64encode(data).decode("ascii")
    if size > len(raw):
        fields["bodyTruncated"] = True
        if digest is not None:
            # What was sent, whole, can still be compared with what the client meant to send.
            fields["bodySha256"] = digest
    return fields


def entry_json(entry: Entry, *, redact: bool = True) -> dict[str, Any]:
    """One journal entry as JSON, in WireMock's serve-event shape plus the route, the
    violations and the timing.

    :param redact: replace credentials (see the module's docstring).
    """
    headers = redact_headers(entry.headers) if redact else list(entry.headers)
    query = redact_query(entry.query) if redact else list(entry.query)
    query_string = _redact_query_string(entry) if redact else entry.query_string
    suffix = f"?{query_string}" if query_string else ""
    grouped: dict[str, list[str]] = {}
    for name, value in query:
        grouped.setdefault(name, []).append(value)
    response_headers = (
        redact_headers(entry.response_headers) if redact else list(entry.response_headers)
    )
    return {
        "id": entry.id,
        "seq": entry.seq,
        "request": {
            "method": entry.method,
            "url": entry.path + suffix,
            "absoluteUrl": _base_url(entry) + suffix,
            "path": entry.path,
            "query": grouped,
            "headers": _headers_map(headers),
            **_body_json(entry.body, entry.body_size, entry.body_sha256, redact),
            "clientIp": entry.client_ip,
            "loggedDate": round(entry.time * 1000),
            "loggedDateString": iso_time(entry.time),
        },
        "route": (
            {"name": entry.route_name, "template": entry.route, "params": dict(entry.params)}
            if entry.route is not None
            else None
        ),
        "wasMatched": entry.matched,
        "response": {
            "status": entry.status,
            "headers": _headers_map(response_headers),
            **_body_json(entry.response_body, entry.response_size, entry.response_sha256, redact),
        },
        "durationMs": round(entry.duration_ms, 3),
        "violations": [v.to_json() for v in entry.violations],
        "faults": [dict(f) for f in entry.faults],
        "error": entry.error,
    }


# --- HAR 1.2 ---------------------------------------------------------------------------------


def _name_values(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs]


def _content(
    raw: bytes, size: int, mimetype: str, digest: str | None, redact: bool
) -> dict[str, Any]:
    data = redact_body(raw) if redact else raw
    content: dict[str, Any] = {"size": size, "mimeType": mimetype}
    if data:
        try:
            content["text"] = data.decode("utf-8")
        except UnicodeDecodeError:
            content["text"] = base64.b64encode(data).decode("ascii")
            content["encoding"] = "base64"
    if size > len(raw):
        content["comment"] = f"truncated to the first {len(raw)} of {size} bytes"
        if digest is not None:
            content["comment"] += f"; SHA-256 of the whole body {digest}"
            content["_sha256"] = digest
    return content


def har_entry(entry: Entry, *, redact: bool = True) -> dict[str, Any]:
    """One journal entry as a HAR 1.2 entry; mockserver's extras are ``_``-prefixed fields."""
    headers = redact_headers(entry.headers) if redact else list(entry.headers)
    query = redact_query(entry.query) if redact else list(entry.query)
    response_headers = (
        redact_headers(entry.response_headers) if redact else list(entry.response_headers)
    )
    query_string = _redact_query_string(entry) if redact else entry.query_string
    url = _base_url(entry) + (f"?{query_string}" if query_string else "")
    request: dict[str, Any] = {
        "method": entry.method,
        "url": url,
        "httpVersion": entry.http_version,
        "cookies": [],
        "headers": _name_values(headers),
        "queryString": _name_values(query),
        "headersSize": -1,
        "bodySize": entry.body_size,
    }
    if entry.body_size:
        body = _content(
            entry.body,
            entry.body_size,
            entry.header("Content-Type") or "",
            entry.body_sha256,
            redact,
        )
        request["postData"] = {
            "mimeType": body["mimeType"],
            "text": body.get("text", ""),
            "params": [],
            **{key: body[key] for key in ("comment", "_sha256") if key in body},
        }
    try:
        status_text = HTTPStatus(entry.status).phrase
    except ValueError:
        status_text = ""
    return {
        "startedDateTime": iso_time(entry.time),
        "time": round(entry.duration_ms, 3),
        "request": request,
        "response": {
            "status": entry.status,
            "statusText": status_text,
            "httpVersion": entry.http_version,
            "cookies": [],
            "headers": _name_values(response_headers),
            "content": _content(
                entry.response_body,
                entry.response_size,
                entry.response_header("Content-Type") or "",
                entry.response_sha256,
                redact,
            ),
            "redirectURL": entry.response_header("Location") or "",
            "headersSize": -1,
            "bodySize": entry.response_size,
        },
        "cache": {},
        "timings": {"send": 0, "wait": round(entry.duration_ms, 3), "receive": 0},
        "_id": entry.id,
        "_seq": entry.seq,
        "_route": entry.route,
        "_wasMatched": entry.matched,
        "_violations": [v.to_json() for v in entry.violations],
        "_faults": [dict(f) for f in entry.faults],
        "_error": entry.error,
    }


def har(entries: Iterable[Entry], *, redact: bool = True) -> dict[str, Any]:
    """The entries (oldest first) as a HAR 1.2 log.

    :param redact: replace credentials (see the module's docstring).
    """
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": "mockserver", "version": package_version()},
            "entries": [har_entry(e, redact=redact) for e in entries],
        }
    }
