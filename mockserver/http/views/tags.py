"""``GET …/tags/{key}/values/``: the values of a tag key (Sentry's
``ProjectTagKeyValuesEndpoint``)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from collections.abc import Sequence
from datetime import datetime

from werkzeug.wrappers import Response

from mockserver.errors import ApiError
from mockserver.http import params
from mockserver.http.exchange import Exchange
from mockserver.http.views.paging import Prefix
from mockserver.http.views.paging import page_params
from mockserver.http.views.paging import respond_page
from mockserver.sentry import daterange
from mockserver.sentry import paginators
from mockserver.sentry import serializers
from mockserver.world.model import TagValue
from mockserver.world.versions import PROJECTS

# Keys whose values are never listed (event ids, timestamps, traces): Sentry answers [].
EMPTY_KEYS = frozenset({"event_id", "timestamp", "time", "profile_id", "replay_id"})
MAX_VALUES = 1000


def standard_key(key: str) -> str:
    """The key as Sentry reports it: ``sentry:user`` → ``user``."""
    if key.startswith("sentry:") and key[7:] in serializers.RESERVED_TAG_KEYS:
        return key[7:]
    return key


def list_tag_values(ex: Exchange) -> Response:
    """Values of ``key``, most recently seen first; ``query`` is a substring filter, and
    ``statsPeriod`` or ``start`` and ``end`` keep the values seen in that window.

    A value is seen in a window when its first and last sightings span part of it (Sentry
    counts the value's events in the window; the mock knows only its first and last sighting,
    and answers its totals). Without a window every value is listed: Sentry's default, the last
    90 days, would hide a scenario's data as it ages.
    """
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
    stats_period = params.STATS_PERIOD.read(args)
    now = ex.state.config.clock()
    window = daterange.date_range(stats_period, params.START.read(args), params.END.read(args), now)
    query = params.TAG_VALUES_QUERY.read(args)
    selected: Sequence[TagValue]
    if window is None:
        selected = Prefix(values, MAX_VALUES)
    else:
        selected = list(_first(_seen_in(values, *window), MAX_VALUES))
    if query:
        selected = [v for v in selected if query in v.value]
    per_page, cursor = page_params(args)
    page = paginators.paginate_sequence(selected, _score, cursor, per_page)
    # A window counted back from now moves with the clock: that answer is never replayed.
    until = now if stats_period is not None and window is not None else math.inf
    return respond_page(
        ex,
        page,
        lambda v: serializers.tag_value(name, v),
        "tag-values",
        parts=(PROJECTS,),  # the lookup; the values are the scenario's
        memo=("tag-value", name),
        replay_until=until,
    )


def _seen_in(values: Sequence[TagValue], start: datetime, end: datetime) -> Iterator[TagValue]:
    """The values whose sightings meet ``[start, end)``, Snuba's window."""
    for value in values:
        first, last = value.first_seen, value.last_seen
        if (first is None or first < end) and (last is None or last >= start):
            yield value


def _first(items: Iterator[TagValue], limit: int) -> Iterator[TagValue]:
    for n, item in enumerate(items):
        if n == limit:
            return
        yield item


def _score(value: TagValue) -> int:
    """The paginator's score: lastSeen in epoch milliseconds, as Sentry's tag-value cursor."""
    return int(value.last_seen.timestamp() * 1000) if value.last_seen else 0
