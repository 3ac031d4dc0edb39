"""A project's service hooks, kept in the order Sentry lists them as they are written.

Sentry lists hooks newest first (internal id descending). Hooks are created with ever larger
internal ids, so the store keeps them oldest first in a list and appends a new one: no sort
after a write, and a read is a :class:`HookList` over that list, read backwards, which costs
nothing to take. A page of hooks then costs its page (plus a binary search for a cursor), not
the collection: ``GET …/hooks/`` right after a write with 20,000 hooks costs what it costs with
100.

Readers never lock: a :class:`HookList` holds the list and its length when it was taken.
Creating a hook appends past that length, so the list's first items never change; updating or
deleting one replaces the list by a new one (copy on write, one C-speed copy of pointers), so a
list already taken keeps answering what it held. The store calls the writing methods under its
lock.
"""

from __future__ import annotations

from bisect import bisect_left
from bisect import insort
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import overload

from mockserver.world.model import Hook


def _internal_id(hook: Hook) -> int:
    return hook.internal_id


class HookList(Sequence[Hook]):
    """The hooks of a project at one moment, newest first (internal id descending).

    Indexing and ``len()`` cost O(1); iterating costs the hooks read. It never changes, whatever
    is written to the project afterwards.
    """

    __slots__ = ("_n", "_oldest_first")

    def __init__(self, oldest_first: list[Hook], n: int) -> None:
        self._oldest_first = oldest_first
        self._n = n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> Hook: ...

    @overload
    def __getitem__(self, index: slice) -> list[Hook]: ...

    def __getitem__(self, index: int | slice) -> Hook | list[Hook]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._n))]
        n = self._n
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("hook index out of range")
        return self._oldest_first[n - 1 - index]

    def __iter__(self) -> Iterator[Hook]:
        return reversed(self._oldest_first[: self._n])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HookList | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HookList({list(self)!r})"


class HookLog:
    """The hooks of one project: by guid, and oldest first (internal id ascending).

    :param hooks: the scenario's hooks, in any order. A guid given twice keeps its last hook
        (as a dict does); hooks sharing an internal id are listed in the order given.
    """

    __slots__ = ("_by_id", "_keys", "_order")

    def __init__(self, hooks: Iterable[Hook] = ()) -> None:
        self._by_id = {hook.id: hook for hook in hooks}
        # Sentry's order (a stable sort: ties as given), kept reversed so that new hooks append.
        self._order = sorted(self._by_id.values(), key=_internal_id, reverse=True)
        self._order.reverse()
        self._keys = [hook.internal_id for hook in self._order]

    def __len__(self) -> int:
        return len(self._order)

    def get(self, hook_id: str) -> Hook | None:
        """The hook with this guid, or ``None``."""
        return self._by_id.get(hook_id)

    def newest_first(self) -> HookList:
        """The hooks as they are now, newest first (O(1); see :class:`HookList`)."""
        return HookList(self._order, len(self._order))

    def add(self, hook: Hook) -> None:
        """Add a hook (replacing one with the same guid). A hook newer than every other, the
        store's case, is appended in place: lists already taken end before it."""
        if hook.id in self._by_id:
            self.remove(hook.id)
        self._by_id[hook.id] = hook
        if not self._keys or self._keys[-1] <= hook.internal_id:
            self._order.append(hook)
            self._keys.append(hook.internal_id)
            return
        order, keys = list(self._order), list(self._keys)
        at = bisect_left(keys, hook.internal_id)
        order.insert(at, hook)
        insort(keys, hook.internal_id)
        self._order, self._keys = order, keys

    def replace(self, hook: Hook) -> bool:
        """Put ``hook`` in the place of the one with its guid; ``False`` if there is none."""
        old = self._by_id.get(hook.id)
        if old is None:
            return False
        if old.internal_id != hook.internal_id:
            self.remove(hook.id)
            self.add(hook)
            return True
        at = self._index(old)
        order = list(self._order)
        order[at] = hook
        self._order = order
        self._by_id[hook.id] = hook
        return True

    def remove(self, hook_id: str) -> bool:
        """Delete the hook with this guid; ``False`` if there is none."""
        old = self._by_id.pop(hook_id, None)
        if old is None:
            return False
        at = self._index(old)
        self._order = self._order[:at] + self._order[at + 1 :]
        self._keys = self._keys[:at] + self._keys[at + 1 :]
        return True

    def _index(self, hook: Hook) -> int:
        """Where ``hook`` (this very object) is in the ascending list."""
        at = bisect_left(self._keys, hook.internal_id)
        while self._order[at] is not hook:
            at += 1  # hooks sharing its internal id (a hand-built world): a short walk
        return at
