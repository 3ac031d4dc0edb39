"""``GET …/tags/{key}/values/``: the values of a tag key (Sentry's
``ProjectTagKeyValuesEndpoint``)."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from mockserver.errors import ApiError
from mockserver.http import params
from mockserver.http.exchange import Exchange
from mockserver.http.views.paging import Prefix
from mockserver.http.views.paging import page_params
from mockserver.http.views.paging import respond_page
from mockserver.sentry import paginators
from mockserver.sentry import serializers
from mockserver.world.model import TagValue

# Keys whose values are never listed (event ids, timestamps, traces): Sentry answers [].
EMPTY_KEYS = frozenset({"event_id", "timestamp", "time", "profile_id", "replay_id"})
MAX_VALUES = 1000


def standard_key(key: str) -> str:
    """The key as Sentry reports it: ``sentry:user`` → ``user``."""
    if key.startswith("sentry:") and key[7:] in serializers.RESERVED_TAG_KEYS:
        return key[7:]
    return key


def list_tag_values(ex: Exchange) -> Response:
    """Values of ``key``, most recently seen first; ``query`` is a substring filter."""
    view = ex.resolved
    args = ex.request.args
    environment = params.ENVIRONMENT.read(args)
    if environment and environment not in view.project.environments:
        raise ApiError.not_found()
    name = standard_key(ex.params["key"])
    values: Sequence[TagValue] | None
    if name in EMPTY_KEYS or name.startswith("trace"):
        # Sentry's backend hands these an empty SequencePaginator: still paginated, so
        # per_page and cursor are checked and the Link header is sent.
        values = ()
    else:
        values = view.project.tags.get(name)
        if not values:
            raise ApiError.not_found()
    query = params.TAG_VALUES_QUERY.read(args)
    selected: Sequence[TagValue] = Prefix(values, MAX_VALUES)
    if query:
        selected = [v for v in selected if query in v.value]
    per_page, cursor = page_params(args)
    page = paginators.paginate_sequence(selected, _score, cursor, per_page)
    return respond_page(
        ex, page, lambda v: serializers.tag_value(name, v), "tag-values", memo=("tag-value", name)
    )


def _score(value: TagValue) -> int:
    """The paginator's score: lastSeen in epoch milliseconds, as Sentry's tag-value cursor."""
    return int(value.last_seen.timestamp() * 1000) if value.last_seen else 0
