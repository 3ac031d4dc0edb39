"""mockserver: a mock and contract-testing server for Sentry's project API."""

from __future__ import annotations

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.errors import ApiError
from mockserver.errors import ContractViolation
from mockserver.errors import MockServerError
from mockserver.errors import ScenarioError
from mockserver.errors import SchemaLoadError
from mockserver.testing import MockServer

__all__ = [
    "ApiError",
    "Config",
    "ContractViolation",
    "MockServer",
    "MockServerError",
    "ScenarioError",
    "SchemaLoadError",
    "create_app",
]
