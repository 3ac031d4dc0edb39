"""Stores of their own for fuzzers: what a fuzzer deletes, renames or creates stays with it.

A fuzzer run against a shared mock (``st run``, the first thing a new user types) deletes
``my-project`` with the documentation's token and renames it with any valid slug; on the store
everyone reads, that would answer 404 to everyone until a reset. A sandbox is a second
:class:`~mockserver.world.store.Store` over the same world: it starts from the scenario, keeps what
the requests sent to it change, and shares nothing changeable with the app's store (the world and
the app's memos are immutable or derived from the world, so they are shared).

Sandboxes are named; which requests go to which one is decided by the HTTP layer
(:mod:`mockserver.http.sandbox`). There are at most :data:`CAPACITY` at once: past it, the one
used least recently is dropped (a client that names a new sandbox per request cannot grow them).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from mockserver.timefmt import Clock
from mockserver.world.store import Store

CAPACITY = 16
"""Sandboxes kept at once; the least recently used goes first."""


class Sandboxes:
    """The named sandboxes of one app.

    :param store: the app's store: each sandbox starts from its world (and shares its memos).
    :param clock: the time source of what sandboxes create.
    :param capacity: the most sandboxes kept at once.
    """

    def __init__(self, store: Store, clock: Clock, capacity: int = CAPACITY) -> None:
        self._store = store
        self._clock = clock
        self._capacity = capacity
        self._stores: OrderedDict[str, Store] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, name: str) -> Store:
        """The sandbox ``name``, made from the scenario on first use."""
        with self._lock:
            store = self._stores.get(name)
            if store is None:
                store = Store(self._store.world, self._clock, self._store.memos)
                self._stores[name] = store
                while len(self._stores) > self._capacity:
                    self._stores.popitem(last=False)
            else:
                self._stores.move_to_end(name)
            return store

    def drop(self, name: str) -> bool:
        """Forget the sandbox ``name`` (its next request starts from the scenario again);
        ``False`` if there was none."""
        with self._lock:
            return self._stores.pop(name, None) is not None

    def clear(self) -> None:
        """Forget every sandbox (on a reset, and when another scenario is loaded)."""
        with self._lock:
            self._stores.clear()

    def names(self) -> list[str]:
        """The sandboxes kept, least recently used first."""
        with self._lock:
            return list(self._stores)
