"""One module per Sentry resource; importing this package declares every route."""

from __future__ import annotations

from mockserver.routes import hook_details
from mockserver.routes import hooks
from mockserver.routes import projects
from mockserver.routes import stats
from mockserver.routes import tags
from mockserver.routes import users

__all__ = ["hook_details", "hooks", "projects", "stats", "tags", "users"]
