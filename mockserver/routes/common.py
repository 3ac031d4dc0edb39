"""Helpers the Sentry views share: answering through the schema check, and reading bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response
from flask import request

from mockserver.errors import ApiError
from mockserver.responses import json_response
from mockserver.state import get_state


def respond(
    body: Any, schema: str | None, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """Answer ``body`` as JSON, checked against ``schema`` when response validation is on.

    :raises ContractViolation: when the mock's own answer breaks its schema (a bug in the mock;
        the app answers it with Sentry's 500 and records it).
    """
    state = get_state()
    if schema is not None and state.config.validate_responses:
        state.registry.check(schema, body)
    return json_response(body, status, headers)


def json_body() -> Any:
    """The request's JSON body as DRF's ``JSONParser`` reads it; an empty body is ``{}``.

    :raises ApiError: 400 ``JSON parse error - …`` for malformed JSON, 415 for a content type
        DRF has no parser for.
    """
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    content_type = request.mimetype
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return dict(request.form.items())
        raise ApiError.detail(415, f'Unsupported media type "{request.content_type}" in request.')
    try:
        import json

        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ApiError.detail(400, f"JSON parse error - {exc}") from None
    except ValueError as exc:
        raise ApiError.detail(400, f"JSON parse error - {exc}") from None
