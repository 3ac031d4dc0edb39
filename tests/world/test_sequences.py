"""The indexed sequences (mockserver.world.sequences): each reads like the list it stands for."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

import pytest

from mockserver.cache.memo import Memo
from mockserver.cache.memo import MemoSequence
from mockserver.http.views.paging import Prefix
from mockserver.world.build import _Skip
from mockserver.world.model import LazySequence

ITEMS = [f"item-{i}" for i in range(7)]


def _lazy() -> LazySequence[str]:
    return LazySequence(ITEMS[:2], 5, lambda i: ITEMS[2 + i])


# Each sequence, and the list it must read like.
CASES: dict[str, tuple[Callable[[], Sequence[str]], list[str]]] = {
    "LazySequence": (_lazy, ITEMS),
    "MemoSequence": (lambda: MemoSequence(_lazy(), Memo(4)), ITEMS),
    "_Skip": (lambda: _Skip(_lazy(), 3), ITEMS[3:]),
    "_Skip past the end": (lambda: _Skip(_lazy(), 10), []),
    "Prefix": (lambda: Prefix(_lazy(), 4), ITEMS[:4]),
    "Prefix longer than the items": (lambda: Prefix(_lazy(), 100), ITEMS),
}
INDEXES = range(-9, 9)
SLICES = [
    slice(None),
    slice(1, 3),
    slice(-3, None),
    slice(None, None, 2),
    slice(None, None, -1),
    slice(5, 1, -2),
    slice(2, 100),
    slice(-100, 2),
]


@pytest.mark.parametrize("name", CASES)
def test_reads_like_its_list(name: str) -> None:
    make, expected = CASES[name]
    sequence = make()
    assert len(sequence) == len(expected)
    assert list(sequence) == expected
    assert list(reversed(sequence)) == expected[::-1]
    for index in INDEXES:
        if -len(expected) <= index < len(expected):
            assert sequence[index] == expected[index], index
        else:
            with pytest.raises(IndexError):
                sequence[index]
    for part in SLICES:
        assert sequence[part] == expected[part], part
    for item in expected:
        assert item in sequence
        assert sequence.index(item) == expected.index(item)
    assert "elsewhere" not in sequence


@pytest.mark.parametrize("name", CASES)
def test_refuses_what_is_neither_an_index_nor_a_slice(name: str) -> None:
    sequence: Any = CASES[name][0]()
    with pytest.raises(TypeError):
        sequence["0"]
