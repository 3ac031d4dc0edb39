"""Walking every paginated endpoint through its Link headers (§0.6, §3, §4, §5.2)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PROJECT
from tests.conftest import Api

LINK = re.compile(r'<([^>]+)>; rel="(previous|next)"; results="(true|false)"; cursor="([^"]+)"')


def links(header: str | None) -> dict[str, tuple[str, bool, str]]:
    assert header is not None
    found = {
        rel: (url, results == "true", cursor) for url, rel, results, cursor in LINK.findall(header)
    }
    assert set(found) == {"previous", "next"}
    return found


def walk(api: Api, first: str) -> tuple[list[Any], int]:
    """Follow ``next`` while results="true"; return every item and the number of pages."""
    items: list[Any] = []
    url: str | None = first
    pages = 0
    while url is not None:
        reply = api.get(url)
        assert reply.status == 200, reply.raw
        items += reply.json
        pages += 1
        target, more, _ = links(reply.header("Link"))["next"]
        url = target.split("://", 1)[1].split("/", 1)[1] if more else None
        url = "/" + url if url else None
    return items, pages


@pytest.mark.parametrize(
    ("path", "key", "total"),
    [
        ("users/", "tagValue", 50),
        ("tags/user/values/", "value", 50),
        ("tags/release/values/", "value", 25),
        ("tags/environment/values/", "value", 3),
    ],
)
@pytest.mark.parametrize("per_page", [1, 7, 100])
def test_walking_next_finds_every_item_exactly_once(
    api: Api, path: str, key: str, total: int, per_page: int
) -> None:
    everything = api.get(PROJECT + path).json
    items, pages = walk(api, PROJECT + path + f"?per_page={per_page}")
    assert [i[key] for i in items] == [i[key] for i in everything]
    assert len({i[key] for i in items}) == total
    assert pages == -(-total // per_page)  # ceil: the last page says results="false"


def test_users_link_header_is_sentrys(api: Api) -> None:
    reply = api.get(PROJECT + "users/?per_page=20")
    host = "http://localhost"
    if api.transport == "socket":
        assert api.server is not None
        host = f"http://127.0.0.1:{api.server.port}"
    base = f"{host}/api/0/projects/my-org/my-project/users/?per_page=20"
    assert reply.header("Link") == (
        f'<{base}&cursor=20:-1:1>; rel="previous"; results="false"; cursor="20:-1:1", '
        f'<{base}&cursor=20:1:0>; rel="next"; results="true"; cursor="20:1:0"'
    )
    last = api.get(PROJECT + "users/?per_page=20&cursor=20:2:0")
    assert len(last.json) == 10  # the last, partial page
    found = links(last.header("Link"))
    assert (found["previous"][1:], found["next"][1:]) == ((True, "20:1:1"), (False, "20:3:0"))


def test_tag_value_cursors_are_last_seen_milliseconds(api: Api) -> None:
    reply = api.get(PROJECT + "tags/environment/values/?per_page=1")
    assert [v["value"] for v in reply.json] == ["production"]
    found = links(reply.header("Link"))
    # staging was last seen 2024-01-14T22:00:00Z
    assert found["next"][1:] == (True, "1705269600000:0:0")
    assert found["previous"][1:] == (False, "1705307400000:0:1")


def test_hooks_keyset_walk_sees_every_hook_once_while_hooks_are_created(api: Api) -> None:
    for n in range(5):
        assert (
            api.post(PROJECT + "hooks/", json_body={"url": f"https://x.example/{n}"}).status == 201
        )
    before = [h["id"] for h in api.get(PROJECT + "hooks/").json]
    assert len(before) == 6
    seen: list[str] = []
    url: str | None = PROJECT + "hooks/?per_page=2"
    while url:
        reply = api.get(url)
        seen += [h["id"] for h in reply.json]
        # A new hook appears while the client pages: it is newer than the cursor, so unseen.
        api.post(PROJECT + "hooks/", json_body={"url": "https://x.example/late"})
        target, more, _ = links(reply.header("Link"))["next"]
        url = "/" + target.split("/", 3)[3] if more else None
    assert seen == before


def test_an_empty_hook_list_has_both_links_without_results(api: Api) -> None:
    example = "4f9d73e63b7144ecb8944c41620a090b"
    assert api.delete(PROJECT + f"hooks/{example}/").status == 204
    reply = api.get(PROJECT + "hooks/")
    assert reply.json == []
    found = links(reply.header("Link"))
    assert (found["previous"][1:], found["next"][1:]) == ((False, "0:0:1"), (False, "0:0:0"))


@pytest.mark.parametrize("path", ["users/", "tags/environment/values/", "hooks/"])
@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("cursor=abc", "Invalid cursor parameter."),
        ("cursor=1:2", "Invalid cursor parameter."),
        ("cursor=1:-1:0", "Invalid cursor parameter."),
        ("per_page=x", "Invalid per_page parameter."),
        ("per_page=101", "Invalid per_page value. Cannot exceed 100."),
        ("per_page=0", "Invalid per_page value. Must be between 1 and 100."),
    ],
)
def test_bad_cursor_and_per_page_answer_400(api: Api, path: str, query: str, detail: str) -> None:
    reply = api.get(PROJECT + path + "?" + query)
    assert (reply.status, reply.json) == (400, {"detail": detail})


def test_the_cursor_is_removed_from_the_echoed_query(api: Api) -> None:
    reply = api.get(PROJECT + "users/?cursor=5:1:0&query=email:x@y.z&cursor=5:0:0")
    host = "http://localhost"
    if api.transport == "socket":
        assert api.server is not None
        host = f"http://127.0.0.1:{api.server.port}"
    base = f"{host}/api/0/projects/my-org/my-project/users/?query=email%3Ax%40y.z"
    assert reply.header("Link") == (
        f'<{base}&cursor=100:-1:1>; rel="previous"; results="false"; cursor="100:-1:1", '
        f'<{base}&cursor=100:1:0>; rel="next"; results="false"; cursor="100:1:0"'
    )


def test_twenty_thousand_hooks_answer_the_newest_page_and_its_cursors(api: Api) -> None:
    assert api.server is not None
    store = api.server.state.store
    project = "2"
    for n in range(20_000):
        store.create_hook(project, f"https://x.example/{n}", ["event.created"])
    # A write just before the read: the list is not re-sorted or copied for it.
    gone = store.hooks(project)[1]
    assert api.delete(PROJECT + f"hooks/{gone.id}/").status == 204
    newest = list(store.hooks(project))
    assert len(newest) == 20_000  # 20,000 made, the scenario's one, one deleted
    assert [h.internal_id for h in newest[:3]] == [20_001, 19_999, 19_998]

    reply = api.get(PROJECT + "hooks/?per_page=100")
    assert reply.status == 200
    assert [h["id"] for h in reply.json] == [h.id for h in newest[:100]]
    found = links(reply.header("Link"))
    assert found["previous"][1:] == (False, "20001:0:1")
    assert found["next"][1:] == (True, f"{newest[100].internal_id}:0:0")

    reply = api.get(PROJECT + f"hooks/?per_page=100&cursor={newest[100].internal_id}:0:0")
    assert [h["id"] for h in reply.json] == [h.id for h in newest[100:200]]
    found = links(reply.header("Link"))
    assert found["previous"][1:] == (True, f"{newest[100].internal_id}:0:1")
    assert found["next"][1:] == (True, f"{newest[200].internal_id}:0:0")

    # The last page, from a cursor deep in the list: the scenario's hook is the oldest.
    reply = api.get(PROJECT + f"hooks/?per_page=100&cursor={newest[19_950].internal_id}:0:0")
    assert [h["id"] for h in reply.json] == [h.id for h in newest[19_950:]]
    assert reply.json[-1]["id"] == "4f9d73e63b7144ecb8944c41620a090b"
    assert links(reply.header("Link"))["next"][1] is False
