"""A small client for Sentry's project API, as a downstream project would write one.

It is what ``examples/tests`` test against the mock: the client knows nothing of the mock, only
a base URL and a token.
"""

from __future__ import annotations

from sentry_client.client import SentryApiError
from sentry_client.client import SentryClient
from sentry_client.models import EventUser
from sentry_client.models import Hook
from sentry_client.models import Project
from sentry_client.models import TagValue

__all__ = ["EventUser", "Hook", "Project", "SentryApiError", "SentryClient", "TagValue"]
