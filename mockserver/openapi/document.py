"""The OpenAPI 3.1 document of the Sentry routes the mock serves, built from the route table and
``schemas/``: ``GET /openapi.json`` (:mod:`mockserver.openapi.served`) and ``mockserver
openapi``.

Nothing is written twice. Paths, methods, scopes and the names of the query parameters come
from :data:`~mockserver.http.routes.ROUTES`; each query parameter's schema and description from
the table of :mod:`mockserver.http.params`, which the views and the contract checks also read;
what each method answers comes from its :class:`~mockserver.openapi.operations.OperationDoc`;
every body schema is a file of ``schemas/``, put under ``components.schemas`` with its
``urn:mockserver:<stem>`` references rewritten to ``#/components/schemas/<stem>``
(:mod:`mockserver.openapi.components`). What every route shares is added here, in the
pipeline's order (:mod:`mockserver.http.pipeline`): 401 from authentication, 403 from the scope
check, 404 and 302 from the project lookup, and the body errors of the methods that read JSON.
Every response body and request body carries an example: the mock's own answer on the default
scenario (:mod:`mockserver.openapi.examples`), so that a tool mocking from the document answers
like the mock. Tuples are written in the form every tool reads (see
:mod:`mockserver.openapi.components`).

The document describes what the mock (and Sentry) accept, not only what a careful client sends:
a parameter Sentry reads leniently is documented as leniently, so that a fuzzer's
"valid data is accepted, invalid data rejected" checks hold both ways.
"""

from __future__ import annotations

import copy
import http
import importlib.metadata
import json
import re
from collections.abc import Mapping
from typing import Any

from mockserver.http.params import parameter
from mockserver.http.routes import ROUTES
from mockserver.http.routes import SentryRoute
from mockserver.openapi.components import COMPONENTS
from mockserver.openapi.components import component_schemas
from mockserver.openapi.examples import for_status
from mockserver.openapi.examples import load as load_examples
from mockserver.openapi.examples import summary
from mockserver.openapi.headers import HEADERS
from mockserver.openapi.headers import RATE_LIMIT_HEADERS as RATE_LIMIT_HEADERS
from mockserver.openapi.headers import RATE_LIMITED_MEDIA_TYPE
from mockserver.openapi.operations import OPERATIONS
from mockserver.openapi.operations import Body
from mockserver.openapi.operations import OperationDoc
from mockserver.schemas.registry import SchemaRegistry

OPENAPI_VERSION = "3.1.0"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
SECURITY_SCHEME = "auth_token"  # Sentry's own name for it in its published schema
JSON = "application/json"

# The route table's path parameters under the names Sentry's published schema gives them.
PATH_PARAMETER_NAMES = {
    "org": "organization_id_or_slug",
    "project": "project_id_or_slug",
    "key": "key",
    "hook_id": "hook_id",
}
# A path segment: anything but a slash (which would make another path) and the dot segments
# "." and ".." (which clients and proxies resolve away before the request is sent).
_SEGMENT = {"type": "string", "pattern": r"^(?!\.\.?$)[^/]+$"}
_PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "organization_id_or_slug": {
        "description": "The id or slug of the organization the project belongs to.",
        "schema": _SEGMENT,
        "example": "my-org",
    },
    "project_id_or_slug": {
        "description": "The id or slug of the project. An old slug of a renamed project "
        "answers 302 to the new one.",
        "schema": _SEGMENT,
        "example": "my-project",
    },
    "key": {
        "description": "The tag key, e.g. `environment`, `release` or `user` (Sentry's "
        "reserved keys are looked up as `sentry:<key>`).",
        "schema": _SEGMENT,
        "example": "environment",
    },
    "hook_id": {
        "description": "The id (guid) of the service hook.",
        "schema": _SEGMENT,
        "example": "4f9d73e63b7144ecb8944c41620a090b",
    },
}

_DESCRIPTIONS = {
    200: "OK.",
    201: "Created.",
    204: "Done; no body.",
    302: "The project was renamed: `Location` is the same path with the new slug.",
    400: "The request is invalid; the body says why, in Sentry's shape.",
    401: "No credentials, or credentials Sentry does not accept.",
    403: "The token lacks the method's scopes, or its user is not a member of the organization.",
    404: "No such organization, project or resource (also a deleted one).",
    405: "The route does not implement the method (answered after authentication and the "
    "scope check, as DRF does).",
    413: "The body is larger than the mock accepts.",
    415: "The body's content type is not one Sentry parses (JSON, form or multipart).",
    429: "Rate limited: the body is a JSON string naming the limit, sent as text/html.",
}


def build_document(
    registry: SchemaRegistry,
    *,
    server_url: str | None = None,
    rate_limits: bool = False,
    route_table: Mapping[str, SentryRoute] | None = None,
    operations: Mapping[tuple[str, str], OperationDoc] = OPERATIONS,
    examples: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the OpenAPI 3.1 document of the served routes.

    :param registry: the loaded ``schemas/``; every schema an operation uses is put under
        ``components.schemas`` (with the schemas it refers to).
    :param server_url: the base URL of the ``servers`` entry; ``None`` leaves ``servers`` out,
        which OpenAPI reads as "the host that served this document".
    :param rate_limits: document the 429 of the rate limiter on every operation.
    :param route_table: the routes to document; default, every route of the mock.
    :param operations: the words for each route and method.
    :param examples: by operation id, the examples of its request body and responses
        (:mod:`mockserver.openapi.examples`); default, the shipped ones.
    :returns: the document, as JSON-ready dicts and lists.
    :raises KeyError: if a route names a schema that ``registry`` lacks, or serves a method it
        has no :class:`~mockserver.openapi.operations.OperationDoc` for.
    """
    table = ROUTES if route_table is None else route_table
    recorded = load_examples() if examples is None else examples
    paths: dict[str, Any] = {}
    used: set[str] = set()
    for declared in table.values():
        path = _openapi_path(declared.template)
        item: dict[str, Any] = {"parameters": _path_parameters(declared.template)}
        for method in declared.methods:
            if method == "OPTIONS":
                continue
            doc = operations.get((declared.name, method))
            if doc is None:
                raise KeyError(
                    f"route {declared.name!r} serves {method} but has no OperationDoc for it"
                )
            item[method.lower()] = _operation(
                declared, method, doc, used, rate_limits, recorded.get(doc.operation_id, {})
            )
        paths[path] = item
    method_not_allowed = _response(
        405, ("error-detail",), used, for_status(recorded.get("MethodNotAllowed", {}), 405)
    )
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": DIALECT,
        "info": _info(),
    }
    if server_url is not None:
        document["servers"] = [{"url": server_url.rstrip("/") or "/"}]
    document["tags"] = [
        {"name": "Projects", "description": "A project, its event counts, users and tags."},
        {"name": "Service Hooks", "description": "Webhooks Sentry calls on events."},
    ]
    document["paths"] = paths
    document["components"] = {
        "schemas": component_schemas(registry, used),
        "parameters": {
            name: {"name": name, "in": "path", "required": True, **copy.deepcopy(spec)}
            for name, spec in _PATH_PARAMETERS.items()
        },
        "responses": {"MethodNotAllowed": method_not_allowed},
        "securitySchemes": {
            SECURITY_SCHEME: {
                "type": "http",
                "scheme": "bearer",
                "description": "A Sentry auth token: `Authorization: Bearer <token>`. Each "
                "operation lists the scopes that let it through, any one of them.",
            }
        },
    }
    return document


def _info() -> dict[str, Any]:
    try:
        version = importlib.metadata.version("sentry-mockserver")
    except importlib.metadata.PackageNotFoundError:
        version = "0+unknown"
    return {
        "title": "Sentry project API (mockserver)",
        "version": version,
        "summary": "The Sentry project endpoints as the mock serves them.",
        "description": (
            "Sentry's project endpoints as mockserver answers them: the same statuses, bodies "
            "and headers as sentry.io, including the errors. Every route authenticates, then "
            "checks the token's scopes, then answers 405 for a method it does not implement "
            "(see `components.responses.MethodNotAllowed`), then looks the project up. Paths "
            "end with a slash; without it Sentry answers 404. Where Sentry itself would fail "
            "with a 500 on bad input, the mock answers 400 in Sentry's shape."
        ),
        "license": {"name": "MIT", "identifier": "MIT"},
    }


def _openapi_path(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "{" + PATH_PARAMETER_NAMES[m.group(1)] + "}", template)


def _path_parameters(template: str) -> list[dict[str, str]]:
    return [
        {"$ref": f"#/components/parameters/{PATH_PARAMETER_NAMES[name]}"}
        for name in re.findall(r"\{(\w+)\}", template)
    ]


def _operation(
    declared: SentryRoute,
    method: str,
    doc: OperationDoc,
    used: set[str],
    rate_limits: bool,
    examples: Mapping[str, Any],
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": doc.operation_id,
        "summary": doc.summary,
        "tags": ["Service Hooks" if "/hooks/" in declared.template else "Projects"],
    }
    description = doc.description
    if declared.unstable:
        description += " Sentry documents this endpoint as subject to change."
    if description:
        operation["description"] = description.strip()
    if method == "GET" and declared.query:
        operation["parameters"] = [_query_parameter(declared.name, q) for q in declared.query]
    body = declared.bodies.get(method)
    if body is not None:
        used.add(body)
        # DRF reads a missing body as an empty object: optional for a partial update, required
        # (its "url" is) for a creation.
        content: dict[str, Any] = {"schema": {"$ref": COMPONENTS + body}}
        if "request" in examples:
            content["example"] = copy.deepcopy(examples["request"])
        operation["requestBody"] = {
            "required": method == "POST",
            "description": "JSON (or a form). An empty body is an empty object.",
            "content": {JSON: content},
        }
    scopes = sorted(declared.scopes.get(method, frozenset()))
    operation["security"] = [{SECURITY_SCHEME: [scope]} for scope in scopes]
    if declared.unstable:
        operation["x-sentry-unstable"] = True
    responses: dict[str, Any] = {}
    for status, bodies in sorted(operation_statuses(declared, method, doc, rate_limits).items()):
        response = _response(status, bodies, used, for_status(examples, status))
        headers: dict[str, bool] = {}
        if status == 302:
            headers["Location"] = True
        elif status == 401:
            headers["WWW-Authenticate"] = True
        elif status == 200 and declared.paginated:
            headers["Link"] = doc.link_header
        documented = {
            name: {**copy.deepcopy(HEADERS[name]), "required": required}
            for name, required in headers.items()
        }
        if rate_limits:
            documented.update(
                {
                    name: {**copy.deepcopy(spec), "required": True}
                    for name, spec in RATE_LIMIT_HEADERS.items()
                }
            )
        if documented:
            response["headers"] = documented
        links = doc.links.get(status)
        if links:
            response["links"] = {
                name: {
                    "operationId": link.operation_id,
                    "parameters": {
                        "organization_id_or_slug": "$request.path.organization_id_or_slug",
                        "project_id_or_slug": "$request.path.project_id_or_slug",
                        **link.parameters,
                    },
                }
                for name, link in links.items()
            }
        responses[str(status)] = response
    operation["responses"] = responses
    return operation


def _query_parameter(route_name: str, name: str) -> dict[str, Any]:
    """The parameter object of one query parameter, from the table of
    :mod:`mockserver.http.params`."""
    declared = parameter(route_name, name)
    spec: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "description": declared.description,
        "schema": copy.deepcopy(dict(declared.schema)),
    }
    if declared.repeatable:
        # Sentry reads every value of a repeated parameter: ?expand=a&expand=b.
        spec.update(style="form", explode=True)
    return spec


def operation_statuses(
    declared: SentryRoute, method: str, doc: OperationDoc, rate_limits: bool
) -> dict[int, tuple[str, ...] | None]:
    """Every status of one operation and its bodies (schema stems, or ``None`` for no body),
    the pipeline's first, then the view's (also what the proxy checks Sentry's answers
    against)."""
    statuses: dict[int, tuple[str, ...] | None] = {}

    def add(status: int, body: Body) -> None:
        bodies = (body,) if isinstance(body, str) else body
        if bodies is None or statuses.get(status, ()) is None:
            statuses[status] = None if bodies is None else statuses.get(status)
            return
        known = statuses.get(status) or ()
        statuses[status] = (*known, *(b for b in bodies if b not in known))

    add(302, "error-redirect")
    add(401, "error-detail")
    add(403, "error-detail")
    add(404, "error-detail")
    if rate_limits:
        add(429, "error-rate-limit")
    if method in declared.bodies:
        # http.body.json_body: DRF's parse errors, and the size limit.
        add(400, "error-detail")
        add(413, "error-detail")
        add(415, "error-detail")
    if declared.feature is not None and method in ("GET", "POST"):
        add(403, "error-feature")
    for status, body in doc.responses.items():
        add(status, body)
    return statuses


# What a body schema adds to the description of the status it is answered with.
_BODY_NOTES = {
    "error-fields": "Field errors are DRF's: each field with its messages.",
    "error-list": "An unknown `stat` answers a bare JSON array of messages.",
    "error-feature": "A project without the feature answers `unavailable_feature`.",
    "error-internal-project": "A project Sentry uses internally answers a JSON string.",
}


def _response(
    status: int,
    bodies: tuple[str, ...] | None,
    used: set[str],
    examples: Mapping[str, Any],
) -> dict[str, Any]:
    description = _DESCRIPTIONS.get(status, http.HTTPStatus(status).phrase + ".")
    notes = [_BODY_NOTES[stem] for stem in bodies or () if stem in _BODY_NOTES]
    response: dict[str, Any] = {"description": " ".join([description, *notes])}
    if bodies:
        used.update(bodies)
        refs = [{"$ref": COMPONENTS + stem} for stem in bodies]
        schema = refs[0] if len(refs) == 1 else {"anyOf": refs}
        media_type = RATE_LIMITED_MEDIA_TYPE if status == 429 else JSON
        content: dict[str, Any] = {"schema": schema}
        known = [stem for stem in bodies if stem in examples]
        if len(bodies) == 1 and known:
            content["example"] = copy.deepcopy(examples[known[0]])
        elif known:
            # One example per body (OpenAPI allows "example" or "examples", not both).
            content["examples"] = {
                stem: {"summary": summary(stem), "value": examples[stem]} for stem in known
            }
        response["content"] = {media_type: content}
    return response


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    """The document ``mockserver serve`` serves, built without a server: for tools that take a
    document rather than a URL (``schemathesis.openapi.from_dict``); ``servers`` is left out
    unless ``server_url`` is given."""
    return build_document(SchemaRegistry(), server_url=server_url)


def write_document(
    registry: SchemaRegistry, *, server_url: str | None, rate_limits: bool = False, indent: int = 2
) -> str:
    """The document as JSON text, for ``mockserver openapi``.

    :param rate_limits: document the rate limiter's 429 and headers (for ``--rate-limits``).
    """
    document = build_document(registry, server_url=server_url, rate_limits=rate_limits)
    return json.dumps(document, indent=indent) + "\n"
