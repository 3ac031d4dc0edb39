"""Schemathesis against the ``mockserver`` fixture: the README's pytest recipe for fuzzing.

Each test case is a request Schemathesis made up from the document the mock serves, checked
against that document (status, content type, headers, body). Each example puts the mock back at
its scenario first (the fixture does it once per test, and a test is one operation), and
Schemathesis' requests run in a sandbox of their own.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mockserver.openapi.document import openapi_document
from mockserver.testing import MockServer

# The token goes through the document's security scheme (not a fixed header), so that the
# cases Schemathesis makes without it or with a broken one really are sent that way.
auth = {"auth": {"openapi": {"auth_token": {"bearer": "sntrys_TOKEN"}}}}
schema = schemathesis.openapi.from_dict(
    openapi_document(), config=schemathesis.Config.from_dict(auth)
)


# The fuzzer sends what Sentry's contract forbids on purpose: no contract failure at teardown.
@pytest.mark.mockserver_allow_violations
@pytest.mark.slow  # this project's marker for tests that take seconds (make quick skips them)
@schema.parametrize()
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_mock_answers_as_its_document_says(
    case: schemathesis.Case[Any], mockserver: MockServer
) -> None:
    # Each example from the scenario: the fixture resets once per test, and an example that
    # renames my-project would turn the next ones' into Sentry's 302 for the old slug.
    mockserver.reset()
    case.call_and_validate(
        base_url=mockserver.url,
        # Sentry refuses some values the document cannot call invalid, because the rule spans
        # two of them: since after until, a window of more than 100,000 buckets, a
        # digestsMaxDelay below the project's digestsMinDelay. Their 400s are Sentry's.
        excluded_checks=[positive_data_acceptance],
    )
