"""Reading the admin API's request bodies, in one place for every endpoint that takes one.

Bad input gets a clear 400 in ``application/problem+json``: text that is not JSON, not UTF-8,
nested deeper than :data:`~mockserver.world.bounds.MAX_DEPTH`, or holding ``NaN``/``Infinity``
(Python's parser accepts them, and ``1e999`` overflows to infinity, but no JSON answer can carry
them back: a fault rule with ``probability: NaN`` once made ``GET /__admin/faults`` fail until a
reset).
"""

from __future__ import annotations

import json
import math
from typing import Any
from typing import NoReturn

from flask import request
from werkzeug.wrappers import Response

from mockserver.http.responses import problem_response
from mockserver.world.bounds import MAX_DEPTH
from mockserver.world.bounds import TOO_DEEP
from mockserver.world.bounds import measure_data

#: Content types read as JSON (a body without one is read as JSON too, as curl sends it).
JSON_TYPES = frozenset({"application/json"})
#: Content types ``POST /__admin/scenario`` reads as a YAML scenario.
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
_REQUIRED = object()
_TOO_DEEP = f"the body is {TOO_DEEP}: send at most {MAX_DEPTH} levels of arrays and objects"


class BodyError(Exception):
    """A request body the admin API cannot read; the app answers it 400 problem+json.

    :param detail: what is wrong and what to send instead.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def response(self) -> Response:
        """The problem+json answer."""
        return problem_response("Bad Request", self.detail, 400)


def body_kind(*, yaml: bool = False, expected: str = "a JSON body") -> str | None:
    """``"json"``, ``"yaml"`` (when the endpoint reads YAML) or ``None`` for an empty body.

    :param expected: what the endpoint reads, for the message.
    :raises BodyError: for a content type the endpoint does not read.
    """
    if not request.get_data(cache=True):
        return None
    mimetype = request.mimetype
    if not mimetype or mimetype in JSON_TYPES or mimetype.endswith("+json"):
        return "json"
    if yaml and mimetype in YAML_TYPES:
        return "yaml"
    types = "application/json" + (" or application/yaml" if yaml else "")
    raise BodyError(f"send {expected} (Content-Type: {types})")


def body_text() -> str:
    """The body as text.

    :raises BodyError: if it is not UTF-8.
    """
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"the body is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def json_body(empty: Any = _REQUIRED, expected: str = "a JSON body") -> Any:
    """The request's JSON body, parsed strictly.

    :param empty: what an empty body stands for; without it, an empty body is refused.
    :param expected: what the endpoint reads, for messages.
    :raises BodyError: for an empty (unless ``empty``), non-UTF-8, non-JSON, too deep or
        non-finite body, or one of another content type.
    """
    if body_kind(expected=expected) is None:
        if empty is _REQUIRED:
            raise BodyError(f"send {expected} (Content-Type: application/json)")
        return empty
    return parse_json(body_text())


def json_object(empty: bool = False) -> dict[str, Any]:
    """The request's body as a JSON object (``{}`` for an empty body when ``empty``).

    :raises BodyError: as :func:`json_body` does, and if the JSON is not an object.
    """
    expected = "a JSON object"
    body = json_body({} if empty else _REQUIRED, expected)
    if not isinstance(body, dict):
        raise BodyError(f"send {expected} (Content-Type: application/json), got {_kind(body)}")
    return body


def parse_json(text: str) -> Any:
    """Parse JSON text as the admin API reads it.

    :raises BodyError: if it is not JSON, holds ``NaN``/``Infinity`` or a number that overflows
        to it, or nests deeper than :data:`~mockserver.world.bounds.MAX_DEPTH`.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:  # the C parser's own limit, some thousand levels down
        raise BodyError(_TOO_DEEP) from None
    except _NotFinite as exc:
        raise BodyError(
            f"the body holds {exc}, which is not a finite number: send a finite number"
        ) from None
    except ValueError as exc:  # JSONDecodeError, and int() of more than 4,300 digits
        raise BodyError(f"the body is not valid JSON: {exc}") from None
    # Parsed JSON shares nothing and its numbers are finite by now: only the depth is left.
    if measure_data(value) is not None:
        raise BodyError(_TOO_DEEP)
    return value


class _NotFinite(ValueError):
    """``NaN``, ``Infinity``, ``-Infinity``, or a number that overflows to one (``1e999``)."""


def _refuse_constant(name: str) -> NoReturn:
    raise _NotFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _kind(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")
