"""One module per Sentry resource; importing this package declares every route."""

from __future__ import annotations

from mockserver.http.views import hook_details
from mockserver.http.views import hooks
from mockserver.http.views import projects
from mockserver.http.views import stats
from mockserver.http.views import tags
from mockserver.http.views import users

__all__ = ["hook_details", "hooks", "projects", "stats", "tags", "users"]
