"""One base for the read-only sequences that find their items by index.

Generated collections are far too large to copy (a million users), so the world, the store and
the views pass around sequences that compute item *i* when asked: the world's generated users
and tag values (:class:`~mockserver.world.model.LazySequence`), the users after the ones the
literal tag values name (:mod:`mockserver.world.build`), the store's memoized items
(:class:`~mockserver.cache.memo.MemoSequence`) and the first values of a tag
(:class:`~mockserver.http.views.paging.Prefix`). They differ only in how they find item *i*;
indexing, slicing and iterating are written once, here.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from collections.abc import Sequence
from typing import TypeVar
from typing import overload

T = TypeVar("T")


class IndexedSequence(Sequence[T]):
    """A sequence given by its length and its item at each index.

    A subclass implements :meth:`__len__` and :meth:`_item`; this class answers ``seq[i]``
    (negative ``i`` counts from the end; out of range, :class:`IndexError`), ``seq[a:b:c]`` (a
    list of the items, never a copy of the whole) and iteration (in order, each item made when
    reached), and :class:`~collections.abc.Sequence` the rest (``in``, ``index``, ``count``,
    ``reversed``).
    """

    __slots__ = ()

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def _item(self, index: int) -> T:
        """The item at ``index``, with ``0 <= index < len(self)`` (checked by the caller)."""

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        length = len(self)
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(length))]
        if index < 0:
            index += length
        if not 0 <= index < length:
            raise IndexError(index)
        return self._item(index)

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self)):
            yield self._item(i)
