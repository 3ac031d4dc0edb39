"""The per-app memos: every value the mock derives once and keeps, in one object per app.

What is derived from something that does not change while it is kept costs a look-up the second
time. :class:`Memos` holds every such memo of one app; :class:`~mockserver.state.MockState` owns
it (``state.memos``, built by ``MockState.build``) and hands it to the store. Each memo is a
bounded :class:`Memo`:

- ``items``: generated users and tag values (:class:`MemoSequence`), at most
  :data:`ITEM_MEMO_SIZE`; dropped by ``Store.load``;
- ``json``: encoded world objects (users, tag values, hooks, stats), at most
  :data:`JSON_MEMO_SIZE`; dropped by ``Store.load``;
- ``pages``: encoded pages of world objects, at most :data:`PAGE_MEMO_SIZE`; dropped by
  ``Store.load``;
- ``bodies``: the contract violations of a request body (:mod:`mockserver.contract.checks`), at
  most :data:`BODY_MEMO_SIZE`; kept for the app's life;
- ``lists``: how to check a list schema item by item (:mod:`mockserver.http.views.answers`), at
  most :data:`LIST_MEMO_SIZE`; kept for the app's life.

The first three derive from the world, which never changes: they survive ``Store.reset`` and
are dropped together (:meth:`Memos.drop_world`) when ``Store.load`` replaces the world. The last
two derive from the app's schemas only, which are fixed for the app's life, so they live as long
as the app.

Other values kept are not memos of this object, each for a reason:

- the **schemas** (:mod:`mockserver.schemas.registry`): the one process-level cache, shared by
  every app that loads the same files, because what it holds is immutable and keyed by the
  files' digests;
- the **response cache** (:mod:`mockserver.cache.responses`, ``state.response_cache``): not a
  memo of values but the outermost WSGI layer, keeping whole answers; per app too, and an answer
  is given again only while the store is in the state it was made from (a reset brings the
  scenario's state, and its answers, back);
- what derives from a project *as clients changed it* (its view, JSON and sorted hooks): kept in
  the store's overlay of that project and replaced with the change that makes it stale;
- a stats pattern's day and hour sums (:class:`~mockserver.world.patterns.StatsPattern`): part
  of the pattern object, itself part of the world, and gone with it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import TypeVar

from mockserver.world.sequences import IndexedSequence

T = TypeVar("T")

ITEM_MEMO_SIZE = 8192
"""How many generated users and tag values (of all projects) the store keeps once made: a page
of 100 users costs ~45 ms of Faker calls to make and ~0.1 ms to look up."""
JSON_MEMO_SIZE = 16384
"""How many serialized world objects (users, tag values, hooks, stats) the store keeps as JSON
(a few hundred bytes each)."""
PAGE_MEMO_SIZE = 256
"""How many whole pages (up to 100 items, ~15 kB for users) the store keeps encoded."""
BODY_MEMO_SIZE = 256
"""Distinct request bodies whose contract violations are kept."""
LIST_MEMO_SIZE = 256
"""List schemas whose analysis is kept (more than any directory of schemas has)."""

_MISSING: Any = object()


class Memo:
    """A bounded, thread-safe map that forgets its oldest entries first.

    Oldest-first rather than least-recently-used: a hit then costs one dict lookup, with no
    reordering, and the bound (not the eviction order) is what keeps memory flat under load.

    :param capacity: the most entries kept.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        # An OrderedDict, not a dict: a dict whose oldest key is deleted again and again keeps
        # the deleted slots at the front of its table until it is resized, and finding the
        # oldest key scans them all (~7 µs per put at 16,384 entries: every hook a POST makes
        # is put here). OrderedDict.popitem(last=False) takes the oldest at once.
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored under ``key``, or ``default``."""
        # A dict lookup is atomic under the GIL; only writers take the lock.
        return self._entries.get(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value`` under ``key``, forgetting the oldest entry when full."""
        with self._lock:
            entries = self._entries
            if key not in entries and len(entries) >= self._capacity:
                entries.popitem(last=False)
            entries[key] = value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)


class MemoSequence(IndexedSequence[T]):
    """A generated sequence whose items, once made, are kept in a :class:`Memo`.

    Items are pure functions of their index (:class:`~mockserver.world.model.LazySequence`), so a
    kept item is the item: the memo changes the cost of a read, never its result.

    :param items: the world's sequence.
    :param memo: where made items are kept (shared by every sequence of the store: one bound).
    """

    def __init__(self, items: Sequence[T], memo: Memo) -> None:
        self._items = items
        self._memo = memo
        # Keys are (this token, index): unique per sequence, and not kept alive by the memo.
        self._token = object()
        self._len = len(items)

    def __len__(self) -> int:
        return self._len

    def _item(self, index: int) -> T:
        key = (self._token, index)
        item: T = self._memo.get(key, _MISSING)
        if item is _MISSING:
            item = self._items[index]
            self._memo.put(key, item)
        return item


@dataclass(frozen=True, slots=True, eq=False)
class Memos:
    """Every memo of one app (see the module docstring for what each keeps and who drops it).

    :ivar items: generated users and tag values, behind the store's :class:`MemoSequence`\\ s.
    :ivar json: serialized world objects, keyed by what serialized them and the (frozen) object.
    :ivar pages: encoded pages of world objects (see
        :func:`mockserver.sentry.serializers.items_json`).
    :ivar bodies: the violations of a request body, by ``(schema, mimetype, body)``.
    :ivar lists: the analysis of a list schema, by its stem.
    """

    items: Memo = field(default_factory=lambda: Memo(ITEM_MEMO_SIZE))
    json: Memo = field(default_factory=lambda: Memo(JSON_MEMO_SIZE))
    pages: Memo = field(default_factory=lambda: Memo(PAGE_MEMO_SIZE))
    bodies: Memo = field(default_factory=lambda: Memo(BODY_MEMO_SIZE))
    lists: Memo = field(default_factory=lambda: Memo(LIST_MEMO_SIZE))

    def drop_world(self) -> None:
        """Forget what was derived from the world (``Store.load``, when it is replaced)."""
        self.items.clear()
        self.json.clear()
        self.pages.clear()
