"""Exception hierarchy: errors about the mock itself, and errors answered to clients."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NOT_FOUND = "The requested resource does not exist"
PERMISSION_DENIED = "You do not have permission to perform this action."


class MockServerError(Exception):
    """Base class for every error raised by mockserver."""


class ConfigError(MockServerError):
    """A setting (CLI flag, environment variable, argument) is invalid."""


class SchemaLoadError(MockServerError):
    """A file in ``schemas/`` is unreadable or not a valid JSON Schema."""


class ScenarioError(MockServerError):
    """A scenario file is unreadable or invalid.

    The message names the file, the line or JSON path, what was expected and how to fix it.
    """

    def __init__(self, path: str, location: str, problem: str, fix: str = "") -> None:
        self.path = path
        self.location = location
        self.problem = problem
        self.fix = fix
        message = f"{path}: {location}: {problem}"
        if fix:
            message += f"\n  fix: {fix}"
        super().__init__(message)


class MockServerWarning(UserWarning):
    """Something a test should know but that does not fail it: the pytest plugin warns, after
    a test, of the answers it set (``MockServer.respond``) that broke Sentry's contract."""


class ResponseSchemaError(MockServerError):
    """A response the mock produced breaks its own schema: a bug in the mock.

    Not to be confused with the *contract* checks (:mod:`mockserver.contract`), which are about
    the client breaking Sentry's API contract.
    """


ContractViolation = ResponseSchemaError
"""The old name of :class:`ResponseSchemaError`, kept as an alias because it is public API
(``mockserver.ContractViolation``): it read as "the client broke the contract", which is what
:mod:`mockserver.contract` reports, not this."""


class ApiError(MockServerError):
    """An error answered to the client in Sentry's shape.

    :param status: the HTTP status code.
    :param body: the JSON body (a dict, a list or a string, as Sentry sends it), or ``None``
        for an empty body.
    :param headers: extra response headers.
    """

    def __init__(
        self,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        super().__init__(f"{status}: {body!r}")

    @classmethod
    def detail(
        cls, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> ApiError:
        """Build the common ``{"detail": message}`` error."""
        return cls(status, {"detail": message}, headers)

    @classmethod
    def not_found(cls) -> ApiError:
        """Sentry's 404 body (``ResourceDoesNotExist``, no trailing period)."""
        return cls.detail(404, NOT_FOUND)

    @classmethod
    def permission_denied(cls) -> ApiError:
        """DRF's 403 ``PermissionDenied`` body."""
        return cls.detail(403, PERMISSION_DENIED)

    @classmethod
    def field_errors(cls, errors: Mapping[str, Any]) -> ApiError:
        """A DRF serializer's 400 field-error dict, e.g. ``{"url": ["Enter a valid URL."]}``."""
        return cls(400, dict(errors))


@dataclass(slots=True)
class ServerError:
    """An unexpected exception while answering: answered as Sentry's 500, and kept for tests."""

    error_id: str
    method: str
    path: str
    exception: BaseException
