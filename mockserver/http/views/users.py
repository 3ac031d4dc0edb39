"""``GET …/users/``: the users seen in the project's events (sentry-behavior.md §3)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from flask import Response
from flask import request

from mockserver.http.body import respond
from mockserver.http.pipeline import current_project
from mockserver.http.routes import PROJECT
from mockserver.http.routes import OperationDoc
from mockserver.http.routes import handles
from mockserver.http.routes import route
from mockserver.http.views.paging import page_params
from mockserver.http.views.paging import respond_page
from mockserver.sentry import pagination
from mockserver.sentry import serializers
from mockserver.world.model import EventUser

project_users = route(
    "project-users",
    PROJECT + "users/",
    query=("query", "cursor", "per_page"),
    paginated=True,
    docs={
        "GET": OperationDoc(
            "listProjectUsers",
            "List a project's users",
            {200: "event-users", 400: "error-detail"},
            description="Users seen in the project's events, most recently seen first. "
            "`query=<field>:<value>` is an exact match on `id`, `username`, `email` or `ip`; "
            "another field or an empty side filters nothing; a query without a colon answers "
            "`[]` without a `Link` header.",
            link_header=False,
        ),
    },
)
_FIELDS = {"id": "identifier", "username": "username", "email": "email", "ip": "ip_address"}


@handles(project_users, "GET")
def list_users() -> Response:
    """Users, most recently seen first, optionally filtered by ``query=field:value``."""
    users: Sequence[EventUser] = current_project().project.users
    raw = request.args.get("query", "").strip()
    if raw:
        field, colon, value = raw.partition(":")
        if not colon:
            # Sentry answers a plain empty list here, without pagination headers.
            return respond([], "event-users")
        users = filter_users(users, field, value)
    per_page, cursor = page_params()
    page = pagination.paginate_offset(users, cursor, per_page)
    return respond_page(page, serializers.event_user, "event-users", memo="event-user")


def filter_users(users: Sequence[EventUser], field: str, value: str) -> Sequence[EventUser]:
    """``EventUser.for_projects`` filtering: an exact match on id, username, email or ip.

    Other fields, or an empty side, filter nothing; an invalid IP drops the condition.
    """
    attribute = _FIELDS.get(field)
    if attribute is None or not field or not value:
        return users
    if attribute == "ip_address":
        try:
            value = str(ipaddress.ip_address(value))
        except ValueError:
            return users
    return [u for u in users if getattr(u, attribute) == value]
