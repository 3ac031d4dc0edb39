"""``GET …/users/``: the users seen in the project's events (Sentry's ``ProjectUsersEndpoint``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from werkzeug.wrappers import Response

from mockserver.http import params
from mockserver.http.exchange import Exchange
from mockserver.http.params.values import USER_QUERY_FIELDS
from mockserver.http.views.answers import respond
from mockserver.http.views.paging import page_params
from mockserver.http.views.paging import respond_page
from mockserver.sentry import paginators
from mockserver.sentry import serializers
from mockserver.world.model import EventUser
from mockserver.world.versions import PROJECTS


def list_users(ex: Exchange) -> Response:
    """Users, most recently seen first, optionally filtered by ``query=field:value``."""
    users: Sequence[EventUser] = ex.resolved.project.users
    raw = params.USERS_QUERY.read(ex.request.args)
    if raw:
        field, colon, value = raw.partition(":")
        if not colon:
            # Sentry answers a plain empty list here, without pagination headers.
            return respond(ex.state, [], "event-users")
        users = filter_users(users, field, value)
    per_page, cursor = page_params(ex.request.args)
    page = paginators.paginate_offset(users, cursor, per_page)
    return respond_page(
        ex, page, serializers.event_user, "event-users", parts=(PROJECTS,), memo="event-user"
    )


def filter_users(users: Sequence[EventUser], field: str, value: str) -> Sequence[EventUser]:
    """``EventUser.for_projects`` filtering: an exact match on id, username, email or ip.

    Other fields, or an empty side, filter nothing; an invalid IP drops the condition.
    """
    attribute = USER_QUERY_FIELDS.get(field)
    if attribute is None or not field or not value:
        return users
    if attribute == "ip_address":
        try:
            value = str(ipaddress.ip_address(value))
        except ValueError:
            return users
    return [u for u in users if getattr(u, attribute) == value]
