"""``--anonymize``: seeded fakes, the same original always the same fake, the computed fields
computed again, and what is not a person kept."""

from __future__ import annotations

import hashlib
import ipaddress

from mockserver.record.anonymize import Anonymizer
from mockserver.record.capture import Capture

USER = {
    "id": None,
    "tagValue": "username:ada",
    "identifier": None,
    "username": "ada",
    "email": "Ada@Acme.example",
    "name": "Ada@Acme.example",
    "ipAddress": "2001:db8::7",
    "avatarUrl": "https://gravatar.com/avatar/x?s=32&d=mm",
    "hash": "x",
    "dateCreated": None,
}


def test_the_same_seed_gives_the_same_fakes_whatever_the_order() -> None:
    first, second = Anonymizer(seed=3), Anonymizer(seed=3)
    a = [first.email("a@x.example"), first.email("b@x.example")]
    b = [second.email("b@x.example"), second.email("a@x.example")]
    assert a == b[::-1]
    assert a[0] != a[1]
    assert Anonymizer(seed=4).email("a@x.example") != a[0]
    assert first.email("a@x.example") == a[0]  # asked again: the same


def test_a_user_is_replaced_and_its_computed_fields_computed_again() -> None:
    fakes = Anonymizer(seed=0)
    user = fakes.user(USER)
    assert user["username"] == fakes.username("ada") != "ada"
    assert user["email"] == fakes.email("Ada@Acme.example")
    assert user["name"] == user["email"]  # it was the email, it is the fake email
    assert ipaddress.ip_address(user["ipAddress"]).version == 6
    assert user["tagValue"] == f"username:{user['username']}"
    assert user["hash"] == hashlib.md5(user["username"].encode(), usedforsecurity=False).hexdigest()
    email_hash = hashlib.md5(user["email"].lower().encode(), usedforsecurity=False).hexdigest()
    assert user["avatarUrl"] == f"https://gravatar.com/avatar/{email_hash}?s=32&d=mm"
    assert (user["id"], user["dateCreated"], user["identifier"]) == (None, None, None)


def test_user_tag_values_follow_the_users_and_other_keys_keep_what_is_no_person() -> None:
    capture = Capture("https://sentry.example")
    project = capture.project("acme", "backend")
    project.add_users(0, [USER, {**USER, "username": None, "email": "grace@acme.example"}])
    project.add_tag_values(
        "user",
        [
            {"key": "user", "name": "ada", "value": "username:ada", "query": 'user.username:"ada"'},
            {"key": "user", "name": "grace@acme.example", "value": "email:grace@acme.example"},
            {"key": "user", "name": "u-1", "value": "id:u-1"},
        ],
    )
    project.add_tag_values(
        "release",
        [
            {"key": "release", "name": "backend@1.2.3", "value": "backend@1.2.3"},
            {"key": "release", "name": "grace@acme.example", "value": "grace@acme.example"},
        ],
    )
    project.add_tag_values("server_name", [{"key": "server_name", "value": "10.0.0.5"}])
    fakes = Anonymizer(seed=0)
    fakes.capture(capture)
    users = project.user_list()
    values = list(project.tags["user"].values())
    assert [v["value"] for v in values] == [
        users[0]["tagValue"],
        f"email:{users[1]['email']}",
        "id:u-1",
    ]
    assert values[0]["name"] == users[0]["username"]
    assert values[0]["query"] == f'user.username:"{users[0]["username"]}"'
    releases = list(project.tags["release"])
    assert releases == ["backend@1.2.3", users[1]["email"]]  # a version kept, a user's email not
    (server,) = project.tags["server_name"]
    assert server != "10.0.0.5"
    assert ipaddress.ip_address(server).version == 4
