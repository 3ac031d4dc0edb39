"""Fixtures of the example suite. The ``mockserver`` fixture comes from mockserver's pytest
plugin (installed with the package); this file only builds the client under test on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sentry_client import SentryClient

from mockserver.testing import MockServer

#: The documentation's token, which the default scenario accepts with every project scope.
TOKEN = "sntrys_TOKEN"


@pytest.fixture
def sentry(mockserver: MockServer) -> Iterator[SentryClient]:
    """The client under test, pointed at the mock."""
    with SentryClient(mockserver.url, TOKEN) as client:
        yield client
