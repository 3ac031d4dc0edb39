"""Building responses the way Sentry's renderer does: compact JSON; and the mock's own problems."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Response

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
WWW_AUTHENTICATE = 'xBasic realm="api"'


def dumps(body: Any) -> str:
    """Compact JSON, as DRF's ``JSONRenderer`` writes it (``COMPACT_JSON``, ``UNICODE_JSON``)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response; ``body=None`` gives an empty body (e.g. 204)."""
    if body is None:
        response = Response(b"", status=status)
        response.headers.pop("Content-Type", None)
    else:
        response = Response(dumps(body), status=status, mimetype=JSON)
    if headers:
        response.headers.update(headers)
    return response


def problem_response(title: str, detail: str, status: int, **extra: Any) -> Response:
    """An RFC 9457 problem: errors that are the mock's own, never mistaken for Sentry's."""
    body = {"type": "urn:mockserver:problem", "title": title, "status": status, "detail": detail}
    body.update(extra)
    return Response(dumps(body), status=status, mimetype=PROBLEM_JSON)
