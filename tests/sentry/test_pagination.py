"""Tests for mockserver.pagination: Sentry's cursors, per_page, paginators and Link header."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any
from typing import TypeVar
from typing import overload

import pytest

from mockserver.errors import ApiError
from mockserver.sentry.pagination import Cursor
from mockserver.sentry.pagination import Page
from mockserver.sentry.pagination import PaginatorCrash
from mockserver.sentry.pagination import last_param
from mockserver.sentry.pagination import link_header
from mockserver.sentry.pagination import parse_cursor
from mockserver.sentry.pagination import parse_per_page
from mockserver.sentry.paginators import paginate_keyset
from mockserver.sentry.paginators import paginate_offset
from mockserver.sentry.paginators import paginate_sequence

T = TypeVar("T")

HOOKS_URL = "https://sentry.io/api/0/projects/acme/web/hooks/"


class LazySeq(Sequence[T]):
    """A read-only sequence that makes item ``i`` on demand and counts the items it made."""

    def __init__(self, length: int, make: Callable[[int], T]) -> None:
        self.length = length
        self.make = make
        self.calls = 0

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.length))]
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(index)
        self.calls += 1
        return self.make(index)


def ident(x: int) -> int:
    return x


def users(items: Sequence[int], cursor: Cursor | None, per_page: int) -> Page[int]:
    return paginate_offset(items, cursor, per_page)


def tag_values(items: Sequence[int], cursor: Cursor | None, per_page: int) -> Page[int]:
    return paginate_sequence(items, ident, cursor, per_page)


def hooks(items: Sequence[int], cursor: Cursor | None, per_page: int) -> Page[int]:
    return paginate_keyset(items, ident, cursor, per_page)


PAGINATORS = [
    pytest.param(users, id="offset"),
    pytest.param(tag_values, id="sequence"),
    pytest.param(hooks, id="keyset"),
]


def c(raw: str) -> Cursor:
    cursor = parse_cursor(raw)
    assert cursor is not None
    return cursor


def summary(page: Page[Any]) -> tuple[list[Any], str, bool, str, bool]:
    return (
        page.items,
        str(page.prev),
        page.prev_has_results,
        str(page.next),
        page.next_has_results,
    )


def api_error(call: Callable[[], object]) -> ApiError:
    with pytest.raises(ApiError) as info:
        call()
    return info.value


# --- Cursor and parse_cursor -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10:0:0", "10:0:0"),
        ("1704067200000:1:0", "1704067200000:1:0"),
        ("0:0:1", "0:0:1"),
        ("100:-1:1", "100:-1:1"),  # negative offsets parse (what happens next is the paginator's)
        ("1:2:3", "1:2:1"),  # any non-zero is_prev is True, written back as 1
        (" 1 :\t2: 0\n", "1:2:0"),  # int() strips whitespace
        ("+5:-0:-1", "5:0:1"),
        ("1_000:0:0", "1000:0:0"),  # int() accepts digit separators
        ("1.5:0:0", "1.5:0:0"),  # a "." makes the value a float
        ("1.:0:0", "1.0:0:0"),
        ("1.5e3:0:0", "1500.0:0:0"),
        ("-2.5:3:1", "-2.5:3:1"),
    ],
)
def test_parse_cursor_accepts_what_sentry_accepts(raw: str, expected: str) -> None:
    assert str(c(raw)) == expected


def test_cursor_float_value_keeps_its_type() -> None:
    assert c("10.0:0:0") == Cursor(10.0, 0, False)
    assert isinstance(c("10.0:0:0").value, float)
    assert isinstance(c("10:0:0").value, int)


@pytest.mark.parametrize("raw", [None, ""])
def test_parse_cursor_treats_missing_or_empty_as_no_cursor(raw: str | None) -> None:
    assert parse_cursor(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "1:2",
        "a:b:c",
        "1:2:3:4",
        ":",
        "::",
        "1e3:0:0",  # no "." so int("1e3") fails
        "1:2.0:0",  # offset must be an int
        "1:2:0.0",
        "nan:0:0",
        "inf:0:0",
        "1;2;3",
        "1:2:",
        " ",
    ],
)
def test_parse_cursor_rejects_what_sentry_rejects(raw: str) -> None:
    error = api_error(lambda: parse_cursor(raw))
    assert error.status == 400
    assert error.body == {"detail": "Invalid cursor parameter."}


def test_last_param_returns_the_last_value_like_django() -> None:
    query = [("cursor", "1:0:0"), ("per_page", "5"), ("cursor", "2:0:0")]
    assert last_param(query, "cursor") == "2:0:0"
    assert last_param(query, "per_page") == "5"
    assert last_param(query, "query") is None


# --- parse_per_page ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 100), ("1", 1), ("100", 100), ("2", 2), (" 7 ", 7), ("+3", 3), ("0_5", 5)],
)
def test_parse_per_page_accepts_integers_from_1_to_100(raw: str | None, expected: int) -> None:
    assert parse_per_page(raw) == expected


@pytest.mark.parametrize("raw", ["x", "1.5", "", " ", "1e2", "ten"])
def test_parse_per_page_rejects_non_integers(raw: str) -> None:
    error = api_error(lambda: parse_per_page(raw))
    assert error.status == 400
    assert error.body == {"detail": "Invalid per_page parameter."}


@pytest.mark.parametrize("raw", ["101", "1000"])
def test_parse_per_page_rejects_over_100_like_the_reference(raw: str) -> None:
    error = api_error(lambda: parse_per_page(raw))
    assert error.status == 400
    assert error.body == {"detail": "Invalid per_page value. Cannot exceed 100."}


@pytest.mark.parametrize("raw", ["0", "-1", "-100"])
def test_parse_per_page_rejects_below_1_like_newest_sentry(raw: str) -> None:
    error = api_error(lambda: parse_per_page(raw))
    assert error.status == 400
    assert error.body == {"detail": "Invalid per_page value. Must be between 1 and 100."}


def test_parse_per_page_uses_the_endpoint_default_and_raises_the_max_to_it() -> None:
    assert parse_per_page(None, default=25) == 25
    assert parse_per_page(None, default=0) == 100
    assert parse_per_page("200", default=200, max_per_page=100) == 200
    error = api_error(lambda: parse_per_page("11", default=5, max_per_page=10))
    assert error.body == {"detail": "Invalid per_page value. Cannot exceed 10."}


# --- Worked examples of the reference ----------------------------------------------------------


def test_docs_example_link_header() -> None:
    # docs.sentry.io/api/pagination, quoted in the reference §0.6.
    page: Page[int] = Page([], Cursor(0, 0, True), Cursor(0, 100, False), False, True)
    header = link_header(
        "https://sentry.io/api/0/organizations/acme/issues/123456/events/", [], page
    )
    assert header == (
        "<https://sentry.io/api/0/organizations/acme/issues/123456/events/?&cursor=0:0:1>; "
        'rel="previous"; results="false"; cursor="0:0:1", '
        "<https://sentry.io/api/0/organizations/acme/issues/123456/events/?&cursor=0:100:0>; "
        'rel="next"; results="true"; cursor="0:100:0"'
    )


def test_hooks_worked_example() -> None:
    # Reference §5.2: internal ids 12, 11, 10 and per_page=2.
    ids = [12, 11, 10]
    page1 = hooks(ids, None, 2)
    assert page1.items == [12, 11]
    assert link_header(HOOKS_URL, [("per_page", "2")], page1) == (
        f"<{HOOKS_URL}?per_page=2&cursor=12:0:1>; "
        'rel="previous"; results="false"; cursor="12:0:1", '
        f"<{HOOKS_URL}?per_page=2&cursor=10:0:0>; "
        'rel="next"; results="true"; cursor="10:0:0"'
    )
    page2 = hooks(ids, c("10:0:0"), 2)
    assert summary(page2) == ([10], "10:0:1", True, "10:2:0", False)
    query = [("per_page", "2"), ("cursor", "10:0:0")]
    assert link_header(HOOKS_URL, query, page2) == (
        f"<{HOOKS_URL}?per_page=2&cursor=10:0:1>; "
        'rel="previous"; results="true"; cursor="10:0:1", '
        f"<{HOOKS_URL}?per_page=2&cursor=10:2:0>; "
        'rel="next"; results="false"; cursor="10:2:0"'
    )
    # Following "previous" from page 2 shows page 1 again.
    assert summary(hooks(ids, c("10:0:1"), 2)) == ([12, 11], "12:0:1", False, "10:0:0", True)


def test_hooks_empty_list() -> None:
    assert summary(hooks([], None, 100)) == ([], "0:0:1", False, "0:0:0", False)
    assert link_header(HOOKS_URL, [], hooks([], None, 100)) == (
        f'<{HOOKS_URL}?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
        f'<{HOOKS_URL}?&cursor=0:0:0>; rel="next"; results="false"; cursor="0:0:0"'
    )


def test_hooks_empty_list_with_a_cursor_claims_a_previous_page() -> None:
    # build_cursor: has_prev = bool(value or offset) when paging forwards, even with no rows.
    assert summary(hooks([], c("10:0:0"), 100)) == ([], "0:0:1", True, "10:0:0", False)


def test_tag_values_worked_example() -> None:
    # Reference §4: scores (lastSeen ms) 1704067260000, 1704067200000 and per_page=1.
    scores = [1704067260000, 1704067200000]
    assert summary(tag_values(scores, None, 1)) == (
        [1704067260000],
        "1704067260000:0:1",
        False,
        "1704067200000:0:0",
        True,
    )
    assert summary(tag_values(scores, c("1704067200000:0:0"), 1)) == (
        [1704067200000],
        "1704067200000:0:1",
        True,
        "1704067200000:1:0",
        False,
    )


def test_tag_values_empty_list_echoes_the_cursor() -> None:
    assert summary(tag_values([], None, 100)) == ([], "0:0:1", False, "0:0:0", False)
    cursor = c("1704067200000:3:0")
    assert summary(tag_values([], cursor, 100)) == (
        [],
        "1704067200000:3:1",
        False,
        "1704067200000:3:0",
        False,
    )


def test_tag_values_duplicate_scores_are_told_apart_by_offset() -> None:
    scores = [5, 5, 5, 4, 4, 3]
    page1 = tag_values(scores, None, 2)
    assert summary(page1) == ([5, 5], "5:0:1", False, "5:2:0", True)
    page2 = tag_values(scores, page1.next, 2)
    assert summary(page2) == ([5, 4], "5:2:1", True, "4:1:0", True)
    page3 = tag_values(scores, page2.next, 2)
    assert summary(page3) == ([4, 3], "4:1:1", True, "3:1:0", False)
    assert summary(tag_values(scores, page3.prev, 2)) == summary(page2)


def test_users_cursors_are_page_numbers() -> None:
    # Open question 1, resolved from CallbackPaginator: the first page's prev is "-1".
    people = list(range(250))
    page1 = users(people, None, 100)
    assert summary(page1)[1:] == ("100:-1:1", False, "100:1:0", True)
    assert page1.items == list(range(100))
    page2 = users(people, page1.next, 100)
    assert summary(page2)[1:] == ("100:0:1", True, "100:2:0", True)
    page3 = users(people, page2.next, 100)
    assert summary(page3)[1:] == ("100:1:1", True, "100:3:0", False)
    assert page3.items == list(range(200, 250))
    assert link_header("https://sentry.io/api/0/projects/acme/web/users/", [], page1) == (
        "<https://sentry.io/api/0/projects/acme/web/users/?&cursor=100:-1:1>; "
        'rel="previous"; results="false"; cursor="100:-1:1", '
        "<https://sentry.io/api/0/projects/acme/web/users/?&cursor=100:1:0>; "
        'rel="next"; results="true"; cursor="100:1:0"'
    )


def test_users_empty_list() -> None:
    assert summary(users([], None, 100)) == ([], "100:-1:1", False, "100:1:0", False)


def test_users_rows_start_at_the_cursors_own_page_size() -> None:
    # CallbackPaginator fetches from offset * value: a cursor made with another per_page keeps
    # its page size for the offset, and the new cursors use the new per_page.
    people = list(range(50))
    assert summary(users(people, c("3:2:0"), 5)) == (
        [6, 7, 8, 9, 10],
        "5:1:1",
        True,
        "5:3:0",
        True,
    )
    # is_prev is ignored.
    assert summary(users(people, c("5:1:1"), 5)) == summary(users(people, c("5:1:0"), 5))


# --- Expectations from Sentry's own tests (tests/sentry/api/test_paginator.py) ---------------


def test_sentry_sequence_descending_simple() -> None:
    values = list(range(9, -1, -1))
    result = tag_values(values, None, 5)
    assert summary(result) == ([9, 8, 7, 6, 5], "9:0:1", False, "4:0:0", True)
    result = tag_values(values, result.next, 5)
    assert summary(result) == ([4, 3, 2, 1, 0], "4:0:1", True, "0:1:0", False)
    result = tag_values(values, result.prev, 5)
    assert summary(result) == ([9, 8, 7, 6, 5], "9:0:1", False, "4:0:0", True)
    result = tag_values(values, Cursor(-10, 0, False), 5)
    assert summary(result) == ([], "0:1:1", True, "0:1:0", False)


def test_sentry_sequence_descending_repeated_scores() -> None:
    values = list(range(9, -1, -1))

    def one(_: int) -> int:
        return 1

    result = paginate_sequence(values, one, None, 5)
    assert summary(result) == ([9, 8, 7, 6, 5], "1:0:1", False, "1:5:0", True)
    result = paginate_sequence(values, one, result.next, 5)
    assert summary(result) == ([4, 3, 2, 1, 0], "1:5:1", True, "1:10:0", False)
    result = paginate_sequence(values, one, result.prev, 5)
    assert summary(result) == ([9, 8, 7, 6, 5], "1:0:1", False, "1:5:0", True)
    result = paginate_sequence(values, one, Cursor(-10, 0, False), 5)
    assert summary(result) == ([], "1:10:1", True, "1:10:0", False)


def test_sentry_keyset_descending() -> None:
    # DateTimePaginatorTest.test_descending, on ids: the page size may change between requests.
    ids = [3, 2, 1]
    result1 = hooks(ids, None, 1)
    assert (result1.items, result1.next_has_results, result1.prev_has_results) == ([3], True, False)
    result2 = hooks(ids, result1.next, 2)
    assert (result2.items, result2.next_has_results, result2.prev_has_results) == (
        [2, 1],
        False,
        True,
    )
    result3 = hooks(ids, result2.prev, 2)
    assert (result3.items, result3.next_has_results, result3.prev_has_results) == ([3], True, False)


def test_sentry_keyset_prev_descending_with_new() -> None:
    # DateTimePaginatorTest.test_prev_descending_with_new, on ids.
    ids = [2, 1]
    result1 = hooks(ids, None, 10)
    assert result1.items == [2, 1]
    ids = [4, 3, 2, 1]
    result2 = hooks(ids, result1.prev, 10)
    assert result2.items == [4, 3]
    assert hooks(ids, result2.prev, 10).items == []
    assert hooks(ids, result1.next, 10).items == []


def test_sentry_callback_paginator_simple() -> None:
    # CallbackPaginatorTest.test_simple: 8 rows, limit 3.
    rows = list(range(8))
    first = users(rows, None, 3)
    assert (first.items, first.next.offset, first.next_has_results) == ([0, 1, 2], 1, True)
    assert first.prev_has_results is False
    second = users(rows, first.next, 3)
    assert (second.items, second.next.offset, second.next_has_results) == ([3, 4, 5], 2, True)
    assert (second.prev.offset, second.prev_has_results) == (0, True)
    third = users(rows, second.next, 3)
    assert (third.items, third.next_has_results) == ([6, 7], False)
    assert (third.prev.offset, third.prev_has_results) == (1, True)


# --- Walking every paginator -------------------------------------------------------------------


def walk_forward(
    paginate: Callable[[Sequence[int], Cursor | None, int], Page[int]],
    items: Sequence[int],
    per_page: int,
) -> list[Page[int]]:
    """Follow ``next`` from the first page, as a client reading the Link header would."""
    pages = [paginate(items, None, per_page)]
    while pages[-1].next_has_results:
        assert len(pages) <= len(items), "the walk does not end"
        pages.append(paginate(items, parse_cursor(str(pages[-1].next)), per_page))
    return pages


def walk_back(
    paginate: Callable[[Sequence[int], Cursor | None, int], Page[int]],
    items: Sequence[int],
    per_page: int,
    last: Page[int],
) -> list[Page[int]]:
    """Follow ``previous`` from ``last``; return the pages in list order."""
    pages = [last]
    while pages[-1].prev_has_results:
        assert len(pages) <= len(items) + 1, "the walk does not end"
        pages.append(paginate(items, parse_cursor(str(pages[-1].prev)), per_page))
    return pages[::-1]


@pytest.mark.parametrize("paginate", PAGINATORS)
@pytest.mark.parametrize("per_page", [1, 2, 3, 100])
@pytest.mark.parametrize("n", [0, 1, 99, 100, 101, 250])
def test_walk_finds_every_item_once_both_ways(
    paginate: Callable[[Sequence[int], Cursor | None, int], Page[int]], per_page: int, n: int
) -> None:
    items = list(range(n * 10, 0, -10))  # unique keys, descending
    forward = walk_forward(paginate, items, per_page)
    assert [x for page in forward for x in page.items] == items
    assert forward[-1].next_has_results is False
    assert all(len(page.items) == per_page for page in forward[:-1])
    assert len(forward) == max(1, math.ceil(n / per_page))
    backward = walk_back(paginate, items, per_page, forward[-1])
    assert [x for page in backward for x in page.items] == items
    assert backward[0].prev_has_results is False


@pytest.mark.parametrize("per_page", [1, 2, 3, 100])
def test_sequence_walk_with_many_duplicate_scores(per_page: int) -> None:
    items = list(range(250))

    def score(i: int) -> int:
        return 1704067200000 - (i // 7) * 1000

    pages = [paginate_sequence(items, score, None, per_page)]
    while pages[-1].next_has_results:
        pages.append(paginate_sequence(items, score, c(str(pages[-1].next)), per_page))
    assert [x for page in pages for x in page.items] == items


@pytest.mark.parametrize("per_page", [1, 2, 3, 100])
def test_keyset_walk_sees_each_original_item_once_while_items_are_added(per_page: int) -> None:
    items = list(range(250, 0, -1))  # ids 250..1, newest first
    original = list(items)
    next_id = 251
    seen: list[int] = []
    cursor = None
    for _ in range(len(original) + 1):
        page = hooks(items, cursor, per_page)
        seen.extend(page.items)
        # New hooks are created between requests: they get larger ids, so they sort first.
        for _ in range(3):
            items.insert(0, next_id)
            next_id += 1
        if not page.next_has_results:
            break
        cursor = c(str(page.next))
    assert seen == original


# --- Cost: page 10,000 of 1,000,000 ------------------------------------------------------------

N = 1_000_000
LAST_PAGE_START = N - 100  # page 10,000 at per_page=100


def budget(per_page: int, n: int) -> int:
    """A page plus a few binary searches; a scan from the start would be ~n."""
    return per_page + 4 * math.ceil(math.log2(n)) + 4


def test_offset_page_10000_of_a_million_reads_one_page() -> None:
    items = LazySeq(N, lambda i: i)
    page = paginate_offset(items, c("100:9999:0"), 100)
    assert page.items == list(range(LAST_PAGE_START, N))
    assert page.next_has_results is False
    assert items.calls <= 100


def test_keyset_page_10000_of_a_million_reads_one_page_and_a_search() -> None:
    items = LazySeq(N, lambda i: N - i)  # ids N..1
    page = paginate_keyset(items, ident, c(f"{N - LAST_PAGE_START}:0:0"), 100)
    assert page.items == list(range(100, 0, -1))
    assert (str(page.prev), page.next_has_results) == ("100:0:1", False)
    assert items.calls <= budget(100, N)
    items.calls = 0
    back = paginate_keyset(items, ident, page.prev, 100)  # page 9,999, backwards
    assert back.items == list(range(200, 100, -1))
    assert items.calls <= budget(100, N)


def test_sequence_page_10000_of_a_million_reads_one_page_and_searches() -> None:
    def score(i: int) -> int:
        return 1704067200000 + (N - i) // 7 * 1000  # runs of 7 equal scores

    items = LazySeq(N, lambda i: i)
    s = score(LAST_PAGE_START)
    first_with_s = next(i for i in range(LAST_PAGE_START - 7, N) if score(i) == s)
    cursor = Cursor(s, LAST_PAGE_START - first_with_s, False)
    page = paginate_sequence(items, score, cursor, 100)
    assert page.items == list(range(LAST_PAGE_START, N))
    assert page.next_has_results is False
    assert items.calls <= budget(100, N)
    items.calls = 0
    back = paginate_sequence(items, score, page.prev, 100)
    assert back.items == list(range(LAST_PAGE_START - 100, LAST_PAGE_START))
    assert items.calls <= budget(100, N)


# --- Cursors Sentry accepts but then fails on --------------------------------------------------


@pytest.mark.parametrize(
    ("paginate", "raw"),
    [
        (users, "100:-1:1"),  # the first page's own "previous" cursor
        (users, "-5:1:0"),
        (users, "1.5:2:0"),
        (users, "100.0:0:0"),
        (tag_values, "5:-1:0"),
        (hooks, "10:-1:0"),
        (hooks, "10:-1:1"),
    ],
)
def test_cursor_that_crashes_sentry_answers_400_invalid_cursor(
    paginate: Callable[[Sequence[int], Cursor | None, int], Page[int]], raw: str
) -> None:
    with pytest.raises(PaginatorCrash) as info:
        paginate([10, 9, 8], c(raw), 2)
    assert info.value.status == 400
    assert info.value.body == {"detail": "Invalid cursor parameter."}


@pytest.mark.parametrize("paginate", PAGINATORS)
def test_paginators_refuse_a_per_page_below_1(
    paginate: Callable[[Sequence[int], Cursor | None, int], Page[int]],
) -> None:
    with pytest.raises(ValueError, match="per_page must be at least 1"):
        paginate([1], None, 0)


def test_keyset_and_sequence_clamp_per_page_to_100_but_offset_does_not() -> None:
    items = list(range(300, 0, -1))
    assert len(hooks(items, None, 150).items) == 100
    assert len(tag_values(items, None, 150).items) == 100
    assert len(users(items, None, 150).items) == 150


def test_keyset_float_cursor_value() -> None:
    # "10.5:0:0" is id <= 10.5 for Sentry's SQL; the value is kept as given where it is echoed.
    ids = [12, 11, 10, 9]
    assert summary(hooks(ids, c("10.5:0:0"), 2)) == ([10, 9], "10:0:1", True, "9:1:0", False)
    assert summary(hooks(ids, c("10.0:0:1"), 2)) == ([12, 11], "12:0:1", False, "10.0:0:0", True)


# --- Against naive models (whole lists, no index arithmetic) -----------------------------------


def naive_keyset(ids: list[int], cursor: Cursor | None, per_page: int) -> Page[int]:
    """Paginator(order_by="-id") on a materialized list, step by step as the SQL would run."""
    limit = min(per_page, 100)
    cur = cursor or Cursor(0, 0, False)
    if cur.offset < 0:
        raise PaginatorCrash("negative slice")
    if cur.is_prev:
        query = sorted(i for i in ids if not cur.value or i >= cur.value)
    else:
        query = sorted((i for i in ids if not cur.value or i <= cur.value), reverse=True)
    extra = 2 if cur.is_prev and cur.value else 1
    rows = query[cur.offset : cur.offset + limit + extra]
    if cur.is_prev and cur.value:
        if rows and rows[0] == cur.value:
            rows = rows[1:]
        elif len(rows) == cur.offset + limit + extra:
            rows = rows[:-1]
    if cur.is_prev:
        rows = rows[::-1]

    value = cur.value if cur.value or not rows else rows[0]
    if cur.is_prev:
        nxt: tuple[Any, int, bool] = (value, 0, True)
    elif not rows:
        nxt = (value, cur.offset, False)
    else:
        more = len(rows) > limit
        last = rows[-1]
        if last == value:
            nxt = (last, cur.offset + limit, more)
        else:
            tail = rows[:-1] if more else rows
            same = 0
            while same < len(tail) and tail[len(tail) - 1 - same] <= last:
                same += 1
            nxt = (last, same, more)
    has_prev = len(rows) > limit if cur.is_prev else bool(cur.value or cur.offset)
    head = 1 if cur.is_prev and has_prev else 0
    first: Any = rows[head] if rows else 0
    if not (cur.is_prev and rows):
        prv: tuple[Any, int, bool] = (first, cur.offset if cur.is_prev else 0, has_prev)
    elif first == cur.value:
        prv = (first, cur.offset + limit, has_prev)
    else:
        after = rows[head + 1 :]
        same = 0
        while same < len(after) and after[same] >= first:
            same += 1
        prv = (first, same, has_prev)
    shown = rows[1:] if cur.is_prev and has_prev else rows if cur.is_prev else rows[:limit]
    return Page(
        shown, Cursor(prv[0] or 0, prv[1], True), Cursor(nxt[0] or 0, nxt[1], False), prv[2], nxt[2]
    )


def naive_sequence(scores: list[int], cursor: Cursor | None, per_page: int) -> Page[int]:
    """SequencePaginator(reverse=True) with linear searches over a materialized list."""
    limit = min(per_page, 100)
    cur = cursor or Cursor(0, 0, False)
    if cur.offset < 0:
        raise PaginatorCrash("assert")
    n = len(scores)

    def search(x: float, hi: int) -> int:
        hi = min(hi, n)
        return next((i for i in range(hi) if scores[i] <= x), hi)

    start = (n if cur.is_prev else 0) if cur.value == 0 else search(cur.value, n)
    position = start + cur.offset
    if cur.is_prev:
        hi = min(position, n)
        lo = max(hi - limit, 0)
    else:
        lo = max(position, 0)
        hi = min(lo + limit, n)
    if not scores:
        return Page(
            [],
            Cursor(cur.value, cur.offset, True),
            Cursor(cur.value, cur.offset, False),
            False,
            False,
        )
    ps, ns = scores[min(lo, n - 1)], scores[min(hi, n - 1)]
    return Page(
        scores[lo:hi],
        Cursor(ps, lo - search(ps, lo), True),
        Cursor(ns, hi - search(ns, hi), False),
        lo > 0,
        hi < n,
    )


def random_cursor(rng: random.Random, top: int) -> Cursor:
    value: float = rng.choice([0, 0, rng.randint(-2, top + 2), rng.randint(-2, top + 2) + 0.5])
    return Cursor(value, rng.choice([0, 0, 1, 2, rng.randint(-1, top + 2)]), rng.random() < 0.5)


def outcome(paginate: Callable[..., Page[int]], *args: Any) -> object:
    """The page as strings (so 10 and 10.0 differ), or "500"."""
    try:
        return summary(paginate(*args))
    except PaginatorCrash:
        return "500"


def test_keyset_matches_the_naive_model_on_random_cursors() -> None:
    rng = random.Random(20240101)
    for _ in range(3000):
        ids = sorted(rng.sample(range(-3, 40), rng.randint(0, 12)), reverse=True)
        cursor = random_cursor(rng, 40) if rng.random() < 0.9 else None
        per_page = rng.choice([1, 2, 3, 4, 100, 150])
        lazy = LazySeq(len(ids), ids.__getitem__)
        assert outcome(paginate_keyset, lazy, ident, cursor, per_page) == outcome(
            naive_keyset, ids, cursor, per_page
        ), (ids, str(cursor) if cursor else None, per_page)


def test_sequence_matches_the_naive_model_on_random_cursors() -> None:
    rng = random.Random(20240102)
    for _ in range(3000):
        scores = sorted((rng.randint(1, 12) for _ in range(rng.randint(0, 15))), reverse=True)
        cursor = random_cursor(rng, 12) if rng.random() < 0.9 else None
        per_page = rng.choice([1, 2, 3, 4, 100, 150])
        lazy = LazySeq(len(scores), scores.__getitem__)
        assert outcome(paginate_sequence, lazy, ident, cursor, per_page) == outcome(
            naive_sequence, scores, cursor, per_page
        ), (scores, str(cursor) if cursor else None, per_page)


# --- Link header -------------------------------------------------------------------------------

PAGE: Page[int] = Page([], Cursor(10, 0, True), Cursor(8, 0, False), True, False)


def link_uris(header: str) -> list[str]:
    return re.findall(r"<([^>]*)>", header)


def test_link_header_drops_every_cursor_and_groups_repeated_params_like_django() -> None:
    query = [
        ("status", "active"),
        ("cursor", "1:0:0"),
        ("per_page", "2"),
        ("status", "disabled"),
        ("cursor", "2:0:0"),
    ]
    assert link_uris(link_header(HOOKS_URL, query, PAGE)) == [
        f"{HOOKS_URL}?status=active&status=disabled&per_page=2&cursor=10:0:1",
        f"{HOOKS_URL}?status=active&status=disabled&per_page=2&cursor=8:0:0",
    ]


def test_link_header_reencodes_values_with_quote_plus() -> None:
    query = [("query", "email:foo@x.com"), ("q", "a b/c~é"), ("environment", ""), ("a&b", "=")]
    assert link_uris(link_header(HOOKS_URL, query, PAGE))[0] == (
        f"{HOOKS_URL}?query=email%3Afoo%40x.com&q=a+b%2Fc~%C3%A9&environment=&a%26b=%3D"
        "&cursor=10:0:1"
    )


def test_link_header_with_only_a_cursor_param() -> None:
    header = link_header(HOOKS_URL, [("cursor", "")], PAGE)
    assert header == (
        f'<{HOOKS_URL}?&cursor=10:0:1>; rel="previous"; results="true"; cursor="10:0:1", '
        f'<{HOOKS_URL}?&cursor=8:0:0>; rel="next"; results="false"; cursor="8:0:0"'
    )
