"""The recorder's client over a real socket: Sentry's rate-limit headers waited on (through a
``sleep`` the test records, so nothing sleeps), 429s retried, cursors followed."""

from __future__ import annotations

import pytest

from mockserver.record.client import RecordError
from mockserver.record.client import Refused
from mockserver.record.client import SentryClient
from mockserver.record.client import next_cursor
from tests.record.upstreams import Canned
from tests.record.upstreams import scripted

NOW = 1_700_000_000.0
LIMITED = (
    "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"
)


def client(url: str, waits: list[float], **options: float) -> SentryClient:
    return SentryClient.connect(
        url, "sntrys_T", timeout=5, sleep=waits.append, clock=lambda: NOW, **options
    )


def test_a_429_waits_retry_after_then_asks_again() -> None:
    waits: list[float] = []
    with scripted(Canned(429, LIMITED, (("Retry-After", "7"),)), Canned(200, {"ok": 1})) as up:
        reply = client(up.url, waits).get("/api/0/x/")
        asked = [up.seen.get(timeout=5).path for _ in range(2)]
    assert (reply.status, reply.data) == (200, {"ok": 1})
    assert waits == [7.0]
    assert asked == ["/api/0/x/", "/api/0/x/"]


def test_a_429_with_a_date_waits_until_then() -> None:
    waits: list[float] = []
    date = "Tue, 14 Nov 2023 22:13:50 GMT"  # NOW + 30 s
    with scripted(Canned(429, LIMITED, (("Retry-After", date),)), Canned(200, [])) as up:
        client(up.url, waits).get("/api/0/x/")
    assert waits == [30.0]


def test_a_429_without_retry_after_waits_for_the_windows_reset() -> None:
    waits: list[float] = []
    reset = (("X-Sentry-Rate-Limit-Remaining", "0"), ("X-Sentry-Rate-Limit-Reset", "1700000004"))
    with scripted(Canned(429, LIMITED, reset), Canned(200, [])) as up:
        client(up.url, waits).get("/api/0/x/")
    assert waits == [4.0]


def test_no_requests_left_in_the_window_makes_the_next_one_wait_for_the_reset() -> None:
    waits: list[float] = []
    last = (("X-Sentry-Rate-Limit-Remaining", "0"), ("X-Sentry-Rate-Limit-Reset", "1700000002"))
    left = (("X-Sentry-Rate-Limit-Remaining", "39"), ("X-Sentry-Rate-Limit-Reset", "1700000002"))
    with scripted(Canned(200, [], left), Canned(200, [], last), Canned(200, [])) as up:
        sentry = client(up.url, waits)
        sentry.get("/api/0/a/")
        assert waits == []  # 39 left: no wait
        sentry.get("/api/0/b/")
        assert waits == []  # this one was allowed; the next must wait
        sentry.get("/api/0/c/")
    assert waits == [2.0]
    assert sentry.waited == 2.0


def test_a_wait_longer_than_the_longest_is_refused_with_one_line() -> None:
    waits: list[float] = []
    with (
        scripted(Canned(429, LIMITED, (("Retry-After", "90"),))) as up,
        pytest.raises(RecordError) as raised,
    ):
        client(up.url, waits, max_wait=60).get("/api/0/x/")
    assert str(raised.value) == (
        f"{up.url}/api/0/x/: the rate limit asks to wait 90 s (429 Retry-After), longer than "
        "60 s; try again later"
    )
    assert waits == []


def test_pages_follow_the_next_cursor_until_it_has_no_results() -> None:
    def page(cursor: str, more: bool, items: list[int]) -> Canned:
        link = (
            '<http://x/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
            f'<http://x/?cursor={cursor}>; rel="next"; results="{str(more).lower()}"; '
            f'cursor="{cursor}"'
        )
        return Canned(200, items, (("Link", link),))

    with scripted(page("100:1:0", True, [1, 2]), page("100:2:0", False, [3])) as up:
        items = client(up.url, []).pages("/api/0/p/users/", [("query", "a b")])
        asked = [up.seen.get(timeout=5).path for _ in range(2)]
    assert items == [1, 2, 3]
    assert asked == [
        "/api/0/p/users/?query=a%20b&per_page=100",
        "/api/0/p/users/?query=a%20b&per_page=100&cursor=100:1:0",
    ]


def test_pages_stop_at_max_items_and_a_refused_first_page_is_told() -> None:
    link = '<http://x/>; rel="next"; results="true"; cursor="1:1:0"'
    with scripted(Canned(200, [1, 2, 3], (("Link", link),))) as up:
        assert client(up.url, []).pages("/api/0/p/", max_items=2) == [1, 2]
        assert up.seen.qsize() == 1
    with (
        scripted(Canned(404, {"detail": "The requested resource does not exist"})) as up,
        pytest.raises(Refused) as refused,
    ):
        client(up.url, []).pages("/api/0/p/tags/os/values/", allow=(404,))
    assert refused.value.reply.status == 404


@pytest.mark.parametrize(
    ("link", "cursor"),
    [
        (
            '<a>; rel="previous"; results="false"; cursor="0:0:1", '
            '<b>; rel="next"; results="true"; cursor="1705:0:0"',
            "1705:0:0",
        ),
        ('<b>; rel="next"; results="false"; cursor="9:1:0"', None),
        (None, None),
        ("garbage", None),
    ],
)
def test_next_cursor(link: str | None, cursor: str | None) -> None:
    assert next_cursor(link) == cursor


def test_the_token_is_sent_and_a_page_that_is_not_a_list_is_named() -> None:
    with scripted(Canned(200, {"not": "a list"})) as up:
        with pytest.raises(RecordError) as raised:
            client(up.url, []).pages("/api/0/p/users/")
        seen = up.seen.get(timeout=5)
    assert seen.headers["Authorization"] == "Bearer sntrys_T"
    assert seen.headers["Accept"] == "application/json"
    assert str(raised.value) == (
        f"{up.url}/api/0/p/users/?per_page=100 answered a JSON dict, not the list Sentry answers"
    )
    assert "\n" not in str(raised.value)


def test_a_renamed_project_says_where_it_went() -> None:
    moved = Canned(
        302,
        {"slug": "new-slug", "detail": {"code": "resource-moved", "message": "Resource moved"}},
        (("Location", "http://x/api/0/projects/acme/new-slug/"),),
    )
    with scripted(moved) as up, pytest.raises(RecordError) as raised:
        client(up.url, []).get("/api/0/projects/acme/old-slug/")
    assert str(raised.value) == (
        f"{up.url}/api/0/projects/acme/old-slug/ answered 302 (Resource moved): it moved to "
        "http://x/api/0/projects/acme/new-slug/ (a renamed project); use that"
    )
