"""Whether an answer is one Sentry gives: its status among those the OpenAPI document lists for
the operation, and its body valid against that status's schema. The answers tests set
(``MockServer.respond``, :mod:`mockserver.pertest`) are checked here, once, when they are set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mockserver.contract.codes import ANSWER_OFF_CONTRACT
from mockserver.http.routes import SentryRoute
from mockserver.journal.journal import WARNING
from mockserver.journal.journal import Violation
from mockserver.openapi.document import build_document
from mockserver.openapi.operations import OPERATIONS
from mockserver.schemas.explain import explain
from mockserver.schemas.explain import first
from mockserver.schemas.registry import SchemaRegistry

NO_JSON: Any = object()
"""The body is not given as JSON (it is read from the bytes)."""
_COMPONENT = "#/components/schemas/"


class Conformance:
    """The operations of the document (by id), built once, and the checks of answers."""

    def __init__(self, registry: SchemaRegistry) -> None:
        self.registry = registry
        document = build_document(registry, server_url=None, rate_limits=True)
        self.operations: dict[str, Any] = {
            operation["operationId"]: operation
            for path in document["paths"].values()
            for operation in path.values()
            if isinstance(operation, dict) and "operationId" in operation
        }

    def findings(
        self,
        route: SentryRoute,
        methods: frozenset[str] | None,
        status: int,
        data: bytes,
        value: Any = NO_JSON,
    ) -> tuple[Violation, ...]:
        """How answering ``status`` with this body to ``methods`` (``None``: every one the
        route serves) breaks what Sentry documents: ``answer-off-contract`` warnings, one per
        method that would not get such an answer.

        :param data: the body's bytes.
        :param value: the body as JSON, when it was given so.
        """
        found: list[Violation] = []
        for method in sorted(methods) if methods is not None else route.served:
            doc = OPERATIONS.get((route.name, method))
            if doc is None:
                served = ", ".join(route.served)
                problem: tuple[str, tuple[str, ...]] | None = (
                    f"Sentry serves {served} there, not {method}",
                    (),
                )
            else:
                responses = self.operations[doc.operation_id]["responses"]
                problem = self._problem(responses, status, data, value)
            if problem is not None:
                text, path = problem
                where = f"the answer set by respond() to {method} {route.template}"
                found.append(
                    Violation(ANSWER_OFF_CONTRACT, f"{where}: {text}", ("response", *path), WARNING)
                )
        return tuple(found)

    def _problem(
        self, responses: Mapping[str, Any], status: int, data: bytes, value: Any
    ) -> tuple[str, tuple[str, ...]] | None:
        """What is wrong with answering ``status`` and this body, and where (a path in it)."""
        documented = responses.get(str(status))
        if documented is None:
            return f"Sentry answers {', '.join(responses)} there, never {status}", ("status",)
        content = documented.get("content")
        if not content:
            return None if not data else (f"Sentry answers {status} with no body", ("body",))
        schema = next(iter(content.values()))["schema"]
        stems = [ref["$ref"].removeprefix(_COMPONENT) for ref in schema.get("anyOf", [schema])]
        kinds = " or ".join(stems)
        if value is NO_JSON:
            try:
                value = json.loads(data)
            except ValueError:
                return f"Sentry answers {status} with JSON ({kinds}), not this body", ("body",)
        errors = [self.registry.errors(stem, value, limit=10) for stem in stems]
        if any(not found for found in errors):
            return None
        explained = explain(first(errors[0]))
        more = len(errors[0]) - 1
        tail = f" ({more}{'+' if more == 9 else ''} more)" if more else ""
        return (
            f"not Sentry's {kinds}: {explained.json_path}: {explained.problem}{tail}",
            ("body", *map(str, explained.path)),
        )
