"""The journal as JSON (WireMock's request-journal shape) and as HAR 1.2, with credentials
redacted unless asked otherwise, by :class:`~mockserver.journal.redaction.Redactor` (see there
what is replaced): each part by its rule, then every string of the result by its text rule.
"""

from __future__ import annotations

import base64
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
from mockserver.journal.redaction import PATTERNS
from mockserver.journal.redaction import Redacted
from mockserver.journal.redaction import Redactor

HAR_VERSION = "1.2"


def package_version() -> str:
    """The installed version of mockserver."""
    try:
        return version("sentry-mockserver")
    except PackageNotFoundError:
        return "0+unknown"


# --- redaction -------------------------------------------------------------------------------


def redactor_for(redact: bool | Redactor) -> Redactor | None:
    """The redactor an export uses: ``True`` for token shapes only, ``False`` for none."""
    if isinstance(redact, Redactor):
        return redact
    return PATTERNS if redact else None


def _query_string(entry: Entry, redactor: Redactor | None) -> str:
    if redactor is None:
        return entry.query_string
    redacted = redactor.query(entry.query)
    if redacted == list(entry.query):
        return redactor.text(entry.query_string)
    return urlencode(redacted, safe="[]:")


# --- JSON ------------------------------------------------------------------------------------


def iso_time(seconds: float) -> str:
    """Epoch seconds as ISO 8601 UTC with milliseconds: ``2024-01-15T09:00:00.000Z``."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def target(entry: Entry, *, redact: bool | Redactor = True) -> str:
    """The path and query string of an entry, credentials in both redacted."""
    redactor = redactor_for(redact)
    query_string = _query_string(entry, redactor)
    path = entry.path if redactor is None else redactor.text(entry.path)
    return path + (f"?{query_string}" if query_string else "")


def _base_url(entry: Entry) -> str:
    return entry.url.split("?", 1)[0]


def _headers_map(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


def _body_json(
    raw: bytes, size: int, digest: str | None, redactor: Redactor | None
) -> dict[str, Any]:
    data = raw if redactor is None else redactor.body(raw)
    fields: dict[str, Any] = {"bodySize": size}
    try:
        fields["body"] = Redacted(data.decode("utf-8"))
    except UnicodeDecodeError:
        fields["body"] = None
        fields["bodyAsBase64"] = Redacted(base64.b64encode(data).decode("ascii"))
    if size > len(raw):
        fields["bodyTruncated"] = True
        if digest is not None:
            # What was sent, whole, can still be compared with what the client meant to send.
            fields["bodySha256"] = Redacted(digest)  # our own digest, not a credential
    return fields


def entry_json(entry: Entry, *, redact: bool | Redactor = True) -> dict[str, Any]:
    """One journal entry as JSON, in WireMock's serve-event shape plus the route, the
    violations and the timing.

    :param redact: replace credentials: ``True`` token-shaped ones, a
        :class:`~mockserver.journal.redaction.Redactor` (the app's, which also knows the
        scenario's tokens) its own, ``False`` none.
    """
    redactor = redactor_for(redact)
    headers = list(entry.headers) if redactor is None else redactor.headers(entry.headers)
    query = list(entry.query) if redactor is None else redactor.query(entry.query)
    query_string = _query_string(entry, redactor)
    suffix = f"?{query_string}" if query_string else ""
    grouped: dict[str, list[str]] = {}
    for name, value in query:
        grouped.setdefault(name, []).append(value)
    response_headers = (
        list(entry.response_headers)
        if redactor is None
        else redactor.headers(entry.response_headers)
    )
    out = {
        "id": entry.id,
        "seq": entry.seq,
        "request": {
            "method": entry.method,
            "url": entry.path + suffix,
            "absoluteUrl": _base_url(entry) + suffix,
            "path": entry.path,
            "query": grouped,
            "headers": _headers_map(headers),
            **_body_json(entry.body, entry.body_size, entry.body_sha256, redactor),
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
            **_body_json(entry.response_body, entry.response_size, entry.response_sha256, redactor),
        },
        "durationMs": round(entry.duration_ms, 3),
        "violations": [v.to_json() for v in entry.violations],
        "faults": [dict(f) for f in entry.faults],
        "error": entry.error,
    }
    # The last pass: the path, route parameters, violations and error say what the client sent.
    return out if redactor is None else redactor.strings(out)


# --- HAR 1.2 ---------------------------------------------------------------------------------


def _name_values(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs]


def _content(
    raw: bytes, size: int, mimetype: str, digest: str | None, redactor: Redactor | None
) -> dict[str, Any]:
    data = raw if redactor is None else redactor.body(raw)
    content: dict[str, Any] = {"size": size, "mimeType": mimetype}
    if data:
        try:
            content["text"] = Redacted(data.decode("utf-8"))
        except UnicodeDecodeError:
            content["text"] = Redacted(base64.b64encode(data).decode("ascii"))
            content["encoding"] = "base64"
    if size > len(raw):
        content["comment"] = f"truncated to the first {len(raw)} of {size} bytes"
        if digest is not None:
            # Our own digest, not a credential: the final redaction pass leaves it alone.
            content["comment"] = Redacted(
                f"{content['comment']}; SHA-256 of the whole body {digest}"
            )
            content["_sha256"] = Redacted(digest)
    return content


def har_entry(entry: Entry, *, redact: bool | Redactor = True) -> dict[str, Any]:
    """One journal entry as a HAR 1.2 entry; mockserver's extras are ``_``-prefixed fields.

    :param redact: as :func:`entry_json` takes it.
    """
    redactor = redactor_for(redact)
    headers = list(entry.headers) if redactor is None else redactor.headers(entry.headers)
    query = list(entry.query) if redactor is None else redactor.query(entry.query)
    response_headers = (
        list(entry.response_headers)
        if redactor is None
        else redactor.headers(entry.response_headers)
    )
    query_string = _query_string(entry, redactor)
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
            redactor,
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
    out = {
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
                redactor,
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
    return out if redactor is None else redactor.strings(out)


def har(entries: Iterable[Entry], *, redact: bool | Redactor = True) -> dict[str, Any]:
    """The entries (oldest first) as a HAR 1.2 log.

    :param redact: as :func:`entry_json` takes it.
    """
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": "mockserver", "version": package_version()},
            "entries": [har_entry(e, redact=redact) for e in entries],
        }
    }
