"""The codes of contract violations, and nothing else: the pytest plugin names them when pytest
starts (the ``mockserver_allow_violations`` marker's description), so this module imports
nothing; :mod:`mockserver.contract.checks` explains each."""

from __future__ import annotations

UNKNOWN_ROUTE = "unknown-route"
MISSING_TRAILING_SLASH = "missing-trailing-slash"
METHOD_NOT_ALLOWED = "method-not-allowed"
MISSING_CREDENTIALS = "missing-credentials"
INVALID_CREDENTIALS = "invalid-credentials"
INSUFFICIENT_SCOPE = "insufficient-scope"
UNKNOWN_QUERY_PARAMETER = "unknown-query-parameter"
INVALID_QUERY_PARAMETER = "invalid-query-parameter"
INVALID_BODY = "invalid-body"
UNSTABLE_ENDPOINT = "unstable-endpoint"

CLIENT_CODES = (
    UNKNOWN_ROUTE,
    MISSING_TRAILING_SLASH,
    METHOD_NOT_ALLOWED,
    MISSING_CREDENTIALS,
    INVALID_CREDENTIALS,
    INSUFFICIENT_SCOPE,
    UNKNOWN_QUERY_PARAMETER,
    INVALID_QUERY_PARAMETER,
    INVALID_BODY,
    UNSTABLE_ENDPOINT,
)
"""The client's violations, in the order :func:`mockserver.contract.checks.codes` gives them."""

ANSWER_OFF_CONTRACT = "answer-off-contract"
"""Not the client's: an answer a test set (``MockServer.respond``) that breaks Sentry's response
contract; a warning, which the pytest plugin reports after the test."""

ALL_CODES = (*CLIENT_CODES, ANSWER_OFF_CONTRACT)
"""Every code a test may allow (``mockserver_allow_violations``)."""
