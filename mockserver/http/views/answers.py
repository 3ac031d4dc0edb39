"""How views answer: JSON checked against its schema, or encoded once and kept.

:func:`respond` builds, checks and encodes a body on every request. A
body made of frozen world objects (project details, users, tag values, hooks) is the same on
every request, so :mod:`mockserver.sentry.serializers` encodes it once and keeps it; these helpers
answer such bytes, and give the serializers the check to run when the JSON is first made. Under
response validation (``Config.validate_responses``), every answer is therefore still checked
against its schema: a kept answer was checked when it was made.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import count
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from mockserver.http.responses import JSON
from mockserver.http.responses import json_response
from mockserver.schemas.loading import ID_PREFIX
from mockserver.schemas.registry import SchemaRegistry
from mockserver.sentry.serializers import Check
from mockserver.sentry.serializers import dumps

if TYPE_CHECKING:
    from mockserver.state import MockState

# The keywords a list schema may use for its items to be checked one by one: anything else
# (uniqueItems, contains, ...) relates items to each other, and the list is checked whole.
_LIST_KEYWORDS = frozenset(
    {"$schema", "$id", "title", "description", "type", "items", "minItems", "maxItems"}
)


@dataclass(frozen=True, slots=True)
class ListSchema:
    """A list schema whose items are checked one by one: ``{"type": "array", "items": {"$ref":
    "urn:mockserver:<item>"}}`` with optional length bounds."""

    item: str
    min_items: int
    max_items: int | None

    def allows(self, length: int) -> bool:
        """Whether a list of ``length`` items meets the bounds."""
        return self.min_items <= length and (self.max_items is None or length <= self.max_items)


_MISSING: Any = object()


def list_schema(state: MockState, stem: str) -> ListSchema | None:
    """How to check a list of the schema ``stem`` one item at a time, or ``None`` when it must
    be checked whole; analysed once per app (``state.memos.lists``: the app's schemas never
    change)."""
    known: ListSchema | None = state.memos.lists.get(stem, _MISSING)
    if known is _MISSING:
        known = _analyse(state.registry, stem)
        state.memos.lists.put(stem, known)
    return known


def _analyse(registry: SchemaRegistry, stem: str) -> ListSchema | None:
    schema = registry.schema(stem)
    items = schema.get("items")
    ref = items.get("$ref") if isinstance(items, dict) and len(items) == 1 else None
    if (
        set(schema) - _LIST_KEYWORDS
        or schema.get("type") != "array"
        or not isinstance(ref, str)
        or not ref.startswith(ID_PREFIX)
        or ref[len(ID_PREFIX) :] not in registry.ids()
    ):
        return None
    return ListSchema(ref[len(ID_PREFIX) :], schema.get("minItems", 0), schema.get("maxItems"))


def respond(
    state: MockState,
    body: Any,
    schema: str | None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Answer ``body`` as JSON, checked against ``schema`` when response validation is on.

    :raises ResponseSchemaError: when the mock's own answer breaks its schema (a bug in the mock;
        the pipeline answers it with Sentry's 500 and records it).
    """
    if schema is not None and state.config.validate_responses:
        state.registry.check(schema, body)
    return json_response(body, status, headers)


def response_check(state: MockState, schema: str) -> Check | None:
    """The check to run on a body of ``schema`` when it is made, or ``None`` when the app does
    not validate its responses."""
    if not state.config.validate_responses:
        return None
    # A BodyCheck: callable on a whole body, and able to check an answer made from parts one
    # new part at a time (mockserver.sentry.project_parts).
    return state.registry.body_check(schema)


def write_check(state: MockState, schema: str) -> Check | None:
    """The check to run on the answer of a write (the hook a ``POST`` made, the project a
    ``PUT`` changed), or ``None``.

    A write's answer is made anew for each write, so that checking every one would cost a
    tenth of the request: under response validation, the first of each schema is checked, then
    one in ``Config.validate_writes_every`` (1, every one, in tests and under ``--strict``).
    """
    if not state.config.validate_responses:
        return None
    every = state.config.validate_writes_every
    if every > 1:
        counter = state.writes_made.get(schema)
        if counter is None:
            counter = state.writes_made.setdefault(schema, count())
        if next(counter) % every:  # next() on a count is atomic: no lock needed
            return None
    return state.registry.body_check(schema)


def respond_encoded(
    body: bytes, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response from bytes already encoded (and checked, see the module docstring)."""
    response = Response(body, status=status, mimetype=JSON)
    if headers:
        response.headers.update(headers)
    return response


def memoized_json(state: MockState, key: Hashable, schema: str, make: Callable[[], Any]) -> bytes:
    """The encoded body kept under ``key`` in the app's JSON memo, made (and checked against
    ``schema`` under response validation) on a miss.

    ``key`` must name everything the body depends on; the memo is dropped with the world.

    :raises ResponseSchemaError: when the body made breaks ``schema``; nothing is kept then.
    """
    memo = state.memos.json
    body: bytes | None = memo.get(key)
    if body is None:
        value = make()
        if state.config.validate_responses:
            state.registry.check(schema, value)
        body = dumps(value).encode()
        memo.put(key, body)
    return body
