"""mockserver: a mock and contract-testing server for Sentry's project API.

The names below are imported on first use (PEP 562), so that importing a light module of the
package (the pytest plugin, :mod:`mockserver.signing`) does not import Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from mockserver.app import create_app
    from mockserver.config import Config
    from mockserver.errors import ApiError
    from mockserver.errors import ContractViolation
    from mockserver.errors import MockServerError
    from mockserver.errors import ResponseSchemaError
    from mockserver.errors import ScenarioError
    from mockserver.errors import SchemaLoadError
    from mockserver.testing import MockServer

__all__ = [
    "ApiError",
    "Config",
    "ContractViolation",  # the old name of ResponseSchemaError, kept for compatibility
    "MockServer",
    "MockServerError",
    "ResponseSchemaError",
    "ScenarioError",
    "SchemaLoadError",
    "create_app",
]


def __getattr__(name: str) -> Any:
    value: Any
    if name == "create_app":
        from mockserver import app

        value = app.create_app
    elif name == "Config":
        from mockserver import config

        value = config.Config
    elif name == "MockServer":
        from mockserver import testing

        value = testing.MockServer
    elif name in __all__:
        from mockserver import errors

        value = getattr(errors, name)
    else:
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
