"""Client-contract checks: how a request breaks Sentry's published API contract.

Each check names the offending part of the request and what Sentry expects. They run before
Sentry's pipeline (:mod:`mockserver.http.pipeline`), on every request to a non-admin path:

===========================  ========  =============================================================
code                         severity  when
===========================  ========  =============================================================
``unknown-route``            error     no route has this path (with the nearest routes)
``missing-trailing-slash``   error     the path is a route's path without its final ``/``
``method-not-allowed``       error     the route does not serve the method (Sentry: 405, or 403
                                       for a method absent from the scope map)
``missing-credentials``      error     no ``Authorization``, or a scheme Sentry ignores
``invalid-credentials``      error     a malformed, unknown, expired or inactive credential
``insufficient-scope``       error     the token has none of the scopes the method needs, or a
                                       read-only token changes a project's admin fields
``unknown-query-parameter``  error     a parameter the route does not read
``invalid-query-parameter``  error     a value the route refuses or silently ignores
                                       (:mod:`mockserver.contract.query`); *warning* for an
                                       undocumented ``stat`` or a repeated parameter
``invalid-body``             error     a body that breaks the route's request schema
                                       (``hook-create``, ``hook-update``, ``project-update``),
                                       is not JSON, or is not sent as JSON
``unstable-endpoint``        warning   Sentry marks the endpoint unstable (``stats/``)
``answer-off-contract``      warning   not the client's: an answer a test set with
                                       ``MockServer.respond`` breaks Sentry's response contract
                                       (:mod:`mockserver.http.stubs`)
===========================  ========  =============================================================

By default the mock answers as Sentry would and the journal keeps the violations. In strict
mode (``Config.strict``), a request with at least one *error* is refused before Sentry's
pipeline runs, so nothing changes state: the answer is ``application/problem+json`` (never
Sentry's shape) listing every violation, with the status Sentry uses for the first error's
kind (:data:`STRICT_STATUS`). Warnings never fail a request. The refusal comes before the
mock's faults and rate limits too: a request the mock refuses never reaches "Sentry".
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from mockserver.contract.codes import INSUFFICIENT_SCOPE
from mockserver.contract.codes import INVALID_BODY
from mockserver.contract.codes import INVALID_CREDENTIALS
from mockserver.contract.codes import INVALID_QUERY_PARAMETER
from mockserver.contract.codes import METHOD_NOT_ALLOWED
from mockserver.contract.codes import MISSING_CREDENTIALS
from mockserver.contract.codes import MISSING_TRAILING_SLASH
from mockserver.contract.codes import UNKNOWN_QUERY_PARAMETER
from mockserver.contract.codes import UNKNOWN_ROUTE
from mockserver.contract.codes import UNSTABLE_ENDPOINT
from mockserver.contract.nearmiss import nearest
from mockserver.contract.query import check_query
from mockserver.errors import ApiError
from mockserver.http.auth import authenticate
from mockserver.http.body import BodyError
from mockserver.http.body import header as request_header
from mockserver.http.body import plain_json
from mockserver.http.body import read_body
from mockserver.http.exchange import Exchange
from mockserver.http.exchange import Next
from mockserver.http.responses import problem_response
from mockserver.http.routes import WRITE
from mockserver.http.routes import RouteMatch
from mockserver.http.routes import SentryRoute
from mockserver.journal.journal import ERROR
from mockserver.journal.journal import WARNING
from mockserver.journal.journal import Violation
from mockserver.schemas.explain import explain
from mockserver.sentry.project_update import ADMIN_FIELDS
from mockserver.sentry.project_update import MEMBER_FIELDS
from mockserver.world.model import Token

if TYPE_CHECKING:
    from mockserver.state import MockState

#: The status of a strict-mode refusal, by the code of the request's first error: the status
#: Sentry itself gives that kind of mistake (400 where Sentry silently ignores it).
STRICT_STATUS: Mapping[str, int] = {
    UNKNOWN_ROUTE: 404,
    MISSING_TRAILING_SLASH: 404,
    METHOD_NOT_ALLOWED: 405,
    MISSING_CREDENTIALS: 401,
    INVALID_CREDENTIALS: 401,
    INSUFFICIENT_SCOPE: 403,
    UNKNOWN_QUERY_PARAMETER: 400,
    INVALID_QUERY_PARAMETER: 400,
    INVALID_BODY: 400,
}
STRICT_PROBLEM_TYPE = "urn:mockserver:problem:contract-violation"

#: The request schema of each route and method that takes a body.
#: Content types DRF parses besides JSON.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: Report at most this many schema errors per body: the schema check stops there, so a body of
#: a million wrong items costs what ten do (Sentry's own validation answers per field anyway).
MAX_BODY_ERRORS = 10
BODY_MEMO_MAX_BYTES = 16 * 1024
"""Larger bodies are checked every time (and not kept in ``state.memos.bodies``)."""
UNSTABLE_NOTE = "Sentry documents it as one that 'may change in the future without notice'"


def check(ex: Exchange, inner: Next) -> Response:
    """The stage: find the request's violations for the journal; in strict mode, refuse a
    request with errors before anything else sees it."""
    state = ex.state
    strict = state.config.strict
    if not (state.journal.enabled or strict):
        return inner(ex)
    ex.violations = check_request(ex.request, ex.match, state)
    refusal = strict_response(ex.request, ex.violations) if strict else None
    return refusal if refusal is not None else inner(ex)


def check_request(
    request: Request,
    match: RouteMatch | None,
    state: MockState,
    tokens: Mapping[str, Token] | None = None,
) -> tuple[Violation, ...]:
    """Every violation of a request, in the order Sentry would meet them.

    :param request: the request.
    :param match: its route, or ``None`` for a path no route has.
    :param state: the app's state (tokens, schemas).
    :param tokens: the tokens to authenticate against instead of the scenario's (the proxy
        lets the real Sentry judge its tokens: only their form is checked).
    """
    method = request.method
    if match is None:
        return (_unknown_route(method, request.path),)
    route = match.route
    found: list[Violation] = []
    if not match.served:
        found.append(
            Violation(
                METHOD_NOT_ALLOWED,
                f"{method} is not served by {route.template}; it serves "
                f"{', '.join(route.methods)} (Sentry answers "
                f"{405 if method in route.scopes else 403})",
                ("method",),
            )
        )
    if method == "OPTIONS":
        # A CORS preflight: browsers send it without credentials, and Sentry answers it so.
        return tuple(found)
    token = _credentials(request, state.store.world.tokens if tokens is None else tokens, found)
    if token is not None and match.served:
        _scope(route, method, token, found)
    if match.served:
        if request.args:
            found.extend(check_query(request.args, route))
        if method in route.bodies:
            _body(request, route.bodies[method], token, state, found)
    if route.unstable:
        found.append(
            Violation(
                UNSTABLE_ENDPOINT,
                f"{route.template} is unstable: {UNSTABLE_NOTE}",
                ("path",),
                WARNING,
            )
        )
    return tuple(found)


def strict_response(request: Request, violations: Sequence[Violation]) -> Response | None:
    """The strict-mode refusal of a request with errors, or ``None`` to let it through.

    :returns: an ``application/problem+json`` response listing every violation.
    """
    errors = [v for v in violations if v.severity == ERROR]
    if not errors:
        return None
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return problem_response(
        "Contract violation",
        f"{request.method} {request.path} breaks Sentry's API contract: {first.message}{more}. "
        "This is mockserver's strict mode, not Sentry's answer.",
        STRICT_STATUS.get(first.code, 400),
        type=STRICT_PROBLEM_TYPE,
        violations=[v.to_json() for v in violations],
    )


# --- route -----------------------------------------------------------------------------------


def _unknown_route(method: str, path: str) -> Violation:
    near = nearest(method, path)
    if near and near[0].reasons == ("missing trailing slash",):
        return Violation(
            MISSING_TRAILING_SLASH,
            f"{path} lacks the trailing slash every Sentry route ends with; use "
            f"{near[0].suggestion} (Sentry answers 404 'Route not found')",
            ("path",),
        )
    hint = f"; nearest: {near[0]}" if near else ""
    return Violation(UNKNOWN_ROUTE, f"no Sentry route matches {method} {path}{hint}", ("path",))


# --- credentials and scopes --------------------------------------------------------------------


def _credentials(
    request: Request, tokens: Mapping[str, Token], found: list[Violation]
) -> Token | None:
    header = request_header(request, "Authorization")
    where = ("header", "Authorization")
    try:
        token = authenticate(header, tokens)
    except ApiError as exc:
        detail = exc.body.get("detail") if isinstance(exc.body, dict) else exc.body
        found.append(
            Violation(
                INVALID_CREDENTIALS,
                f"the credentials are refused: {detail} (Sentry answers 401); send "
                "'Authorization: Bearer <token>' with one of the scenario's tokens",
                where,
            )
        )
        return None
    if token is None:
        if not header or not header.split():
            message = "no Authorization header; Sentry's API needs 'Authorization: Bearer <token>'"
        else:
            scheme = header.split()[0]
            message = (
                f"the Authorization scheme {scheme!r} is not one Sentry accepts, so the request "
                "is anonymous; send 'Authorization: Bearer <token>'"
            )
        found.append(Violation(MISSING_CREDENTIALS, message + " (Sentry answers 401)", where))
    return token


def _scope(route: SentryRoute, method: str, token: Token, found: list[Violation]) -> None:
    needed = route.scopes.get(method, frozenset())
    if token.scopes & needed:
        return
    has = ", ".join(sorted(token.scopes)) or "no scopes"
    found.append(
        Violation(
            INSUFFICIENT_SCOPE,
            f"{method} {route.template} needs one of {', '.join(sorted(needed))}; the token has "
            f"{has} (Sentry answers 403)",
            ("header", "Authorization"),
        )
    )


# --- body ------------------------------------------------------------------------------------


def _body(
    request: Request,
    schema: str,
    token: Token | None,
    state: MockState,
    found: list[Violation],
) -> None:
    try:
        raw = read_body(request)
    except BodyError:
        return  # too large, too slow or cut short: Sentry's answer (413, 408) says it
    mimetype = request.mimetype
    if _member_update(schema, token) or len(raw) > BODY_MEMO_MAX_BYTES:
        # A project:read token's update also depends on its scopes: checked every time.
        _check_body(request, schema, raw, mimetype, token, state, found)
        return
    # The same body (a client's retry, a load test) breaks the same rules: what a body of a
    # schema violates is kept, so that checking it again costs a look-up. It depends on the
    # app's schemas only (any token's but a project:read one's, above), which never change, so
    # the app's memo keeps it for the app's life.
    memo = state.memos.bodies
    key = (schema, mimetype, raw)
    known: tuple[Violation, ...] | None = memo.get(key)
    if known is None:
        before = len(found)
        _check_body(request, schema, raw, mimetype, token, state, found)
        memo.put(key, tuple(found[before:]))
    else:
        found.extend(known)


def _check_body(
    request: Request,
    schema: str,
    raw: bytes,
    mimetype: str,
    token: Token | None,
    state: MockState,
    found: list[Violation],
) -> None:
    data: Any = {}
    if raw and (mimetype == "application/json" or mimetype.endswith("+json")):
        try:
            # Parsed once per request: the view reuses the value (mockserver.http.body).
            data = plain_json(request, raw)
        except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested ~1,000 deep
            found.append(Violation(INVALID_BODY, f"the body is not valid JSON: {exc}", ("body",)))
            return
    elif raw:
        sent = f"as {mimetype!r}" if mimetype else "without a Content-Type"
        found.append(
            Violation(
                INVALID_BODY,
                f"the body is sent {sent}; Sentry's API takes JSON: send "
                "'Content-Type: application/json'",
                ("header", "Content-Type"),
            )
        )
        if mimetype not in FORM_TYPES:
            return  # Sentry answers 415: there are no fields to check
        # DRF parses forms too; their fields are still checked.
        data = dict(request.form.items())
    errors = state.registry.errors(schema, data, limit=MAX_BODY_ERRORS + 1)
    more = len(errors) > MAX_BODY_ERRORS
    errors = errors[:MAX_BODY_ERRORS]
    root = state.registry.schema(schema) if errors else {}
    for error in errors:
        location = ("body", *(str(part) for part in error.absolute_path))
        path = error.json_path.replace("$", "body", 1)
        found.append(
            Violation(
                INVALID_BODY,
                f"{path}: {explain(error, root).message} (schema {schema})",
                location,
            )
        )
    if more:
        found.append(
            Violation(
                INVALID_BODY,
                f"the body breaks schema {schema} in more places: checking stopped after "
                f"{MAX_BODY_ERRORS} errors",
                ("body",),
            )
        )
    if _member_update(schema, token):
        _member_fields(data, found)


def _member_update(schema: str, token: Token | None) -> bool:
    """Whether the body is a project update by a token without project:write or admin, whose
    admin fields are then checked too."""
    return schema == "project-update" and token is not None and not token.scopes & WRITE


def _member_fields(data: Any, found: list[Violation]) -> None:
    if not isinstance(data, dict):
        return
    for key in ADMIN_FIELDS:
        if key not in MEMBER_FIELDS and data.get(key):
            found.append(
                Violation(
                    INSUFFICIENT_SCOPE,
                    f"changing {key!r} needs project:write or project:admin; a project:read "
                    f"token may only change {', '.join(MEMBER_FIELDS)} (Sentry answers 403)",
                    ("body", key),
                )
            )


def codes() -> tuple[str, ...]:
    """Every violation code (for documentation, and to check the pytest marker's arguments)."""
    return (*STRICT_STATUS, UNSTABLE_ENDPOINT)
