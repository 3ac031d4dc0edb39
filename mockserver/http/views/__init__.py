"""One module per Sentry resource: parse the request, ask the store, answer.

:data:`HANDLERS` is how the pipeline's last stage finds the view of a route and method; the
route table (:mod:`mockserver.http.routes`) says which methods each route serves, and a test
checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping

from werkzeug.wrappers import Response

from mockserver.http.exchange import Exchange
from mockserver.http.views import hook_details
from mockserver.http.views import hooks
from mockserver.http.views import projects
from mockserver.http.views import stats
from mockserver.http.views import tags
from mockserver.http.views import users

View = Callable[[Exchange], Response]

HANDLERS: Mapping[str, Mapping[str, View]] = {
    "project-details": {
        "GET": projects.get_project,
        "PUT": projects.update_project,
        "DELETE": projects.delete_project,
    },
    "project-stats": {"GET": stats.get_stats},
    "project-users": {"GET": users.list_users},
    "project-tag-values": {"GET": tags.list_tag_values},
    "project-hooks": {"GET": hooks.list_hooks, "POST": hooks.create_hook},
    "project-hook-details": {
        "GET": hook_details.get_hook,
        "PUT": hook_details.update_hook,
        "DELETE": hook_details.delete_hook,
    },
    "project-hook-stats": {"GET": hook_details.get_hook_stats},
}
"""By route name, then method."""
