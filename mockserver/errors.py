"""Exception hierarchy: errors about the mock itself, and errors answered to clients."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
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


@dataclass(frozen=True, slots=True)
class ScenarioProblem:
    """One problem of a scenario.

    :ivar location: ``line N, $.json.path`` (or what was being read).
    :ivar line: the line, when the location has one (problems are sorted by it).
    """

    location: str
    problem: str
    fix: str = ""
    line: int | None = None

    def text(self, path: str) -> str:
        """``path: location: problem``, and the fix on the next line."""
        return f"{path}: {self.location}: {self.problem}" + (
            f"\n  fix: {self.fix}" if self.fix else ""
        )


class ScenarioError(MockServerError):
    """A scenario file is unreadable or invalid.

    The message names the file, the line or JSON path, what was expected and how to fix it, for
    every problem found (:attr:`errors`, sorted by line); ``location``, ``problem`` and ``fix``
    are the first one's.

    :param more: the problems after the first.
    """

    def __init__(
        self,
        path: str,
        location: str,
        problem: str,
        fix: str = "",
        *,
        more: Sequence[ScenarioProblem] = (),
    ) -> None:
        self.path = path
        self.location = location
        self.problem = problem
        self.fix = fix
        self.errors: tuple[ScenarioProblem, ...] = (
            ScenarioProblem(location, problem, fix),
            *more,
        )
        super().__init__("\n".join(error.text(path) for error in self.errors))

    @classmethod
    def of(cls, path: str, problems: Sequence[ScenarioProblem]) -> ScenarioError:
        """The error of several problems (at least one), in the order given."""
        first, *more = problems
        error = cls(path, first.location, first.problem, first.fix, more=more)
        error.errors = (first, *more)  # keep the first one's line
        return error


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
