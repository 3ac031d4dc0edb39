"""Generated users, tag values and hooks: determinism, consistency, realism and scale."""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from faker import Faker

from mockserver.resources import schemas_dir
from mockserver.schemas.registry import SchemaRegistry
from mockserver.sentry import serializers
from mockserver.world import fakedata
from mockserver.world import patterns
from mockserver.world.fakedata._common import _ascii_slug
from mockserver.world.model import HOOK_EVENTS
from mockserver.world.model import EventUser
from mockserver.world.model import LazySequence
from mockserver.world.model import StatsSeries
from mockserver.world.model import TagValue
from mockserver.world.series import count_events

ANCHOR = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
OWNER = "acme/web"
NOW = 1_705_309_200  # the anchor, as epoch seconds


def users_factory(count: int = 500, **spec: Any) -> Callable[[int], EventUser]:
    return fakedata.user_factory(
        seed=0, owner=OWNER, anchor=ANCHOR, spec={"generate": count, **spec}
    )


def tags_factory(key: str, count: int = 300, **kwargs: Any) -> Callable[[int], TagValue]:
    spec = {"generate": count, **kwargs.pop("spec", {})}
    return fakedata.tag_value_factory(
        seed=0, owner=OWNER, key=key, anchor=ANCHOR, spec=spec, **kwargs
    )


def received_series(**pattern: Any) -> StatsSeries:
    spec = {"baseline": 300, **pattern}
    made = patterns.stats_pattern(
        seed=0, owner=OWNER, stat="received", spec=spec, clock=lambda: NOW
    )
    return StatsSeries(pattern=made)


def slug(text: str) -> str:
    return _ascii_slug(text)


# --- determinism --------------------------------------------------------------------------------


def test_user_factory_gives_identical_users_from_separately_built_factories() -> None:
    first, second = users_factory(), users_factory()
    indices = [0, 1, 2, 57, 499, 123_456]
    assert [first(i) for i in indices] == [second(i) for i in indices]
    assert [first(i) for i in indices] == [first(i) for i in indices]


def test_factories_depend_on_seed_and_owner() -> None:
    base = users_factory()(3)
    other_seed = fakedata.user_factory(seed=1, owner=OWNER, anchor=ANCHOR, spec={"generate": 500})
    other_owner = fakedata.user_factory(
        seed=0, owner="acme/api", anchor=ANCHOR, spec={"generate": 500}
    )
    assert other_seed(3) != base
    assert other_owner(3) != base


def test_tag_and_hook_factories_are_deterministic() -> None:
    for key in ("release", "browser", "url", "flavor"):
        first, second = tags_factory(key), tags_factory(key)
        assert [first(i) for i in range(30)] == [second(i) for i in range(30)]
    hooks = [
        fakedata.hook_factory(
            seed=0, owner=OWNER, anchor=ANCHOR, spec={"generate": 5}, first_internal_id=1
        )
        for _ in range(2)
    ]
    assert [hooks[0](i) for i in range(5)] == [hooks[1](i) for i in range(5)]


_SNAPSHOT_SCRIPT = """
import json
from datetime import UTC, datetime
from mockserver.world import fakedata
from mockserver.world import patterns
from mockserver.world.model import LazySequence, StatsSeries
from mockserver.world.series import count_events

anchor = datetime(2024, 1, 15, 9, tzinfo=UTC)
users = fakedata.user_factory(
    seed=3, owner="acme/web", anchor=anchor, spec={"generate": 1000, "locale": "de_DE"}
)
pattern = patterns.stats_pattern(
    seed=3, owner="acme/web", stat="received", spec={"baseline": 50}, clock=lambda: 1705309200
)
series = StatsSeries(pattern=pattern)
out = [repr(users(i)) for i in (0, 1, 999)]
for key in ("release", "browser", "environment", "transaction", "flavor"):
    make = fakedata.tag_value_factory(
        seed=3, owner="acme/web", key=key, anchor=anchor, spec={"generate": 50},
        received=lambda a, b: count_events(series, a, b),
    )
    out += [repr(make(i)) for i in (0, 7, 49)]
seq = LazySequence((), 1000, users)
make = fakedata.tag_value_factory(
    seed=3, owner="acme/web", key="user", anchor=anchor, spec={"generate": 1000}, users=seq
)
out += [repr(make(i)) for i in (0, 999)]
hook = fakedata.hook_factory(
    seed=3, owner="acme/web", anchor=anchor, spec={"generate": 4}, first_internal_id=1
)
out += [repr(hook(i)) for i in range(4)]
out += [pattern(1705309200 - 86400 * k, 1705309200 - 86400 * (k - 1)) for k in range(3)]
print(json.dumps(out))
"""


def _snapshot(hash_seed: str) -> list[Any]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", _SNAPSHOT_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    result: list[Any] = json.loads(done.stdout)
    return result


def test_generated_data_is_identical_across_processes_with_different_hash_seeds() -> None:
    first = _snapshot("0")
    assert first == _snapshot("4242")
    assert first == _snapshot("random")
    # And identical to this process's (whatever its hash seed).
    namespace: dict[str, Any] = {}
    script = _SNAPSHOT_SCRIPT.replace("print(json.dumps(out))", "")
    exec(compile(script, "<snapshot>", "exec"), namespace)  # noqa: S102 - our own script
    assert json.loads(json.dumps(namespace["out"])) == first


def test_user_factory_is_thread_safe() -> None:
    make = users_factory(2000)
    expected = [make(i) for i in range(300)]
    concurrent = users_factory(2000)
    with ThreadPoolExecutor(max_workers=8) as pool:
        produced = list(pool.map(concurrent, range(300)))
    assert produced == expected


# --- users --------------------------------------------------------------------------------------

EMAIL = re.compile(r"^[a-z._]+[0-9]*@[a-z0-9-]+(\.[a-z0-9-]+)+$")
USERNAME = re.compile(r"^[a-z._]+[0-9]*$")


def test_user_email_and_username_are_built_from_the_persons_name() -> None:
    make = users_factory(identifiers={"id": 1, "username": 1, "email": 1, "ip": 1})
    for i in range(400):
        user = make(i)
        assert user.display_name is not None
        first, last = user.display_name.split(" ", 1)
        assert user.email is not None
        assert user.username is not None
        assert EMAIL.match(user.email), user.email
        assert USERNAME.match(user.username), user.username
        local = user.email.split("@")[0]
        for handle in (local, user.username):
            assert slug(first) in handle or slug(last) in handle, (user.display_name, handle)
        # The same number (none for user 0) in the address and in the username.
        number = re.search(r"[0-9]*$", local)
        assert number is not None
        assert user.username.endswith(number.group())
        assert (number.group() == "") == (i == 0)


@pytest.mark.parametrize("locale", ["de_DE", "ru_RU", "ja_JP", "fr_FR"])
def test_users_of_other_locales_have_ascii_addresses_matching_their_names(locale: str) -> None:
    make = users_factory(locale=locale, identifiers={"email": 1, "username": 1})
    for i in range(60):
        user = make(i)
        assert user.email is not None
        assert user.display_name is not None
        assert EMAIL.match(user.email), user.email
        names = [slug(part) for part in user.display_name.split(" ", 1)]
        assert any(name and name in user.email for name in names), (user.display_name, user)


def test_users_never_share_an_identifier_an_email_or_a_username() -> None:
    make = users_factory(10_000_000, identifiers={"id": 1, "username": 1, "email": 1, "ip": 1})
    # Neighbours, and far-apart indices of the same digit count (where a collision would hide).
    indices = [*range(1500), *range(999_000, 999_500), *range(9_999_500, 10_000_000)]
    users = [make(i) for i in indices]
    for field in ("identifier", "email", "username"):
        values = [getattr(u, field) for u in users]
        assert len(set(values)) == len(values), field
    assert all(u.identifier is not None and u.identifier.isdigit() for u in users)


def test_user_last_seen_strictly_decreases_from_the_anchor() -> None:
    make = users_factory(10_000_000)
    sample = [*range(2000), *range(5_000_000, 5_000_100), 9_999_998, 9_999_999]
    seen = [make(i).last_seen for i in sample]
    assert seen[0] == ANCHOR
    assert all(a > b for a, b in itertools.pairwise(seen))
    assert ANCHOR - seen[-1] <= timedelta(days=30)
    assert ANCHOR - seen[-1] > timedelta(days=29)


def test_user_spread_sets_how_far_back_users_go() -> None:
    make = users_factory(100, spread="2d")
    assert timedelta(days=1) < ANCHOR - make(99).last_seen <= timedelta(days=2)


def test_user_ip_addresses_are_public_and_mostly_ipv4() -> None:
    make = users_factory(identifiers={"ip": 1})
    addresses = [ipaddress.ip_address(make(i).ip_address or "") for i in range(400)]
    assert all(a.is_global for a in addresses)
    v4 = sum(a.version == 4 for a in addresses)
    assert 0.7 * len(addresses) < v4 < len(addresses)


def test_user_identifier_mix_follows_the_spec() -> None:
    make = users_factory(identifiers={"id": 1, "username": 0, "email": 1, "ip": 0})
    for i in range(100):
        user = make(i)
        assert user.identifier
        assert user.email
        assert user.username is None
        assert user.ip_address is None


def test_user_keeps_one_identifier_when_the_draw_leaves_out_all() -> None:
    make = users_factory(identifiers={"id": 0, "username": 0, "email": 0, "ip": 0.5})
    for i in range(100):
        user = make(i)
        assert user.identifier is None
        assert user.username is None
        assert user.email is None
        assert user.ip_address is not None


def test_default_users_mix_identifiers_like_real_sdks() -> None:
    make = users_factory()
    users = [make(i) for i in range(400)]
    for field, share in fakedata.DEFAULT_IDENTIFIERS.items():
        name = {"id": "identifier", "ip": "ip_address"}.get(field, field)
        present = sum(getattr(u, name) is not None for u in users) / len(users)
        assert abs(present - share) < 0.1, field
    assert all(fakedata.user_tag_value(u) is not None for u in users)


def test_a_million_users_cost_nothing_until_read(monkeypatch: pytest.MonkeyPatch) -> None:
    seeded: list[int] = []
    original = Faker.seed_instance

    def counting(self: Faker, seed: Any = None) -> None:
        seeded.append(seed)
        original(self, seed)

    monkeypatch.setattr(Faker, "seed_instance", counting)
    make = users_factory(1_000_000)
    calls: list[int] = []

    def counted(i: int) -> EventUser:
        calls.append(i)
        return make(i)

    users = LazySequence((), 1_000_000, counted)
    assert seeded == []
    assert len(users) == 1_000_000
    last = users[999_999]
    assert calls == [999_999]
    assert len(seeded) == 1  # one Faker draw: no other user was produced
    assert last == make(999_999)


def test_user_factory_refuses_a_malformed_spread() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        users_factory(spread="2 days")


def test_generated_users_match_the_event_user_schema() -> None:
    registry = SchemaRegistry()
    make = users_factory()
    for i in range(50):
        registry.check("event-user", serializers.event_user(make(i)))


# --- tag values ---------------------------------------------------------------------------------

FAMILIES = {
    "release": r"^web@\d+\.\d+\.\d+$",
    "environment": r"^(production|staging|development|qa|(preview|pr|review)-\d+)$",
    "browser": (
        r"^(Chrome|Chrome Mobile|Mobile Safari|Safari|Edge|Firefox|Samsung Internet|Opera)"
        r" \d+(\.\d+){1,2}$"
    ),
    "os": (
        r"^(Windows (7|8\.1|10|11|10\.0\.\d+)|iOS \d+\.\d+(\.\d+)?|Android \d+(\.0\.\d+)?"
        r"|Mac OS X 10\.15\.7|macOS \d+\.\d+(\.\d+)?|Linux|Ubuntu \d+\.(04|10)(\.\d+)?"
        r"|Chrome OS \d+\.0\.\d+)$"
    ),
    "device": (
        r"^(iPhone\d+,\d+|iPad\d+,\d+|Mac|Mac\d+,\d+|Pixel \d+( Pro|a)?"
        r"|SM-[SAGN]\d{3}[BUFW](/DS\d*)?)$"
    ),
    "url": r"^https://app\.acme\.com/[a-z0-9/_-]*$",
    "transaction": (
        r"^/api/(v\d+/)?([a-z]+/)+((\{[a-z]+_id\}|<int:[a-z]+_id>|:[a-z]+Id)/([a-z]+/)?)?$"
    ),
    "level": r"^(error|warning|info|fatal|debug)$",
    "flavor": r"^[a-z]+([_-][a-z]+)*$",
}


@pytest.mark.parametrize(("key", "pattern"), FAMILIES.items())
def test_tag_values_look_like_their_key_and_are_unique(key: str, pattern: str) -> None:
    count = 5 if key == "level" else 400
    make = tags_factory(key, count)
    values = [make(i).value for i in range(count)]
    assert [v for v in values if not re.match(pattern, v)] == []
    assert len(set(values)) == len(values)


@pytest.mark.parametrize("key", ["browser", "os", "device", "transaction", "url", "flavor"])
def test_tag_values_stay_unique_far_into_large_families(key: str) -> None:
    make = tags_factory(key, 1_000_000)
    indices = [*range(3000), *range(500_000, 500_500), *range(999_500, 1_000_000)]
    values = [make(i).value for i in indices]
    assert len(set(values)) == len(values)
    assert all(re.match(FAMILIES[key], v) for v in values)


def test_common_families_start_with_the_usual_values() -> None:
    environments = [tags_factory("environment", 6)(i).value for i in range(4)]
    assert environments == ["production", "staging", "development", "qa"]
    browsers = {tags_factory("browser", 8)(i).value.rsplit(" ", 1)[0] for i in range(8)}
    assert {"Chrome", "Safari", "Firefox", "Edge"} <= browsers
    # Current versions as of the anchor (January 2024).
    chrome = tags_factory("browser", 8)(0).value
    assert re.fullmatch(r"Chrome 1(19|2[0-2])\.0\.0", chrome)


def test_release_versions_are_newer_for_values_seen_later() -> None:
    make = tags_factory("release", 200)
    versions = [tuple(int(p) for p in make(i).value.split("@")[1].split(".")) for i in range(200)]
    assert all(a > b for a, b in itertools.pairwise(versions))
    # A release was first seen before its predecessor was last seen: deployments overlap.
    for i in range(199):
        newer, older = make(i), make(i + 1)
        assert newer.first_seen is not None
        assert older.last_seen is not None
        assert newer.first_seen <= older.last_seen


def test_release_package_and_sha_format_follow_the_spec() -> None:
    bare = tags_factory("release", 50, spec={"package": None})
    assert re.fullmatch(r"\d+\.\d+\.\d+", bare(0).value)
    named = tags_factory("release", 50, spec={"package": "backend"})
    assert named(0).value.startswith("backend@")
    shas = tags_factory("sentry:release", 5000, spec={"format": "sha", "package": None})
    values = [shas(i).value for i in range(5000)]
    assert all(re.fullmatch(r"[0-9a-f]{12}", v) for v in values)
    assert len(set(values)) == len(values)


def test_url_host_follows_the_spec() -> None:
    make = tags_factory("page", 50, spec={"kind": "url", "host": "shop.example.org"})
    assert all(make(i).value.startswith("https://shop.example.org/") for i in range(50))


@pytest.mark.parametrize("key", [*FAMILIES, "user"])
def test_tag_values_are_ordered_by_last_seen_and_first_seen_is_not_later(key: str) -> None:
    count = 5 if key == "level" else 300
    users = LazySequence((), count, users_factory(count)) if key == "user" else None
    make = tags_factory(key, count, users=users)
    values = [make(i) for i in range(count)]
    last = [v.last_seen for v in values]
    assert all(s is not None for s in last)
    assert last[0] == ANCHOR
    assert all(a >= b for a, b in itertools.pairwise(last))
    for v in values:
        assert v.first_seen is not None
        assert v.last_seen is not None
        assert v.first_seen <= v.last_seen
        assert v.count >= 1
        assert v.last_seen.microsecond == 0  # Sentry's tag dates have second precision


@pytest.mark.parametrize("key", ["release", "environment", "browser", "level", "user", "flavor"])
def test_tag_counts_never_exceed_the_events_received_in_their_window(key: str) -> None:
    series = received_series(baseline=40, outages=[{"start": "now-3d", "duration": "1d"}])

    def received(start: int, end: int) -> int:
        return count_events(series, start, end)

    count = 5 if key == "level" else 200
    users = LazySequence((), count, users_factory(count)) if key == "user" else None
    make = tags_factory(key, count, users=users, received=received)
    for i in range(count):
        v = make(i)
        assert v.first_seen is not None
        assert v.last_seen is not None
        total = received(int(v.first_seen.timestamp()), int(v.last_seen.timestamp()) + 1)
        assert v.count >= 1
        assert v.count <= total or total == 0


def test_tag_count_is_one_when_the_window_received_nothing() -> None:
    def received(start: int, end: int) -> int:
        return 0

    make = tags_factory("browser", 20, received=received)
    assert [make(i).count for i in range(20)] == [1] * 20


def test_tag_counts_without_a_received_series_look_like_popularity() -> None:
    make = tags_factory("environment", 10)
    counts = [make(i).count for i in range(10)]
    assert counts[0] > 10 * counts[1]  # production dwarfs staging
    assert all(c >= 1 for c in counts)


def test_user_tag_values_are_exactly_the_users_in_order() -> None:
    literal = (
        EventUser("1", "sentry", "sentry@example.com", None, ANCHOR + timedelta(hours=1)),
        EventUser(None, None, "rick@example.net", None, ANCHOR - timedelta(hours=2)),
    )
    generated = fakedata.user_factory(
        seed=0, owner=OWNER, anchor=literal[-1].last_seen, spec={"generate": 300}
    )
    users = LazySequence(literal, 300, generated)
    make = tags_factory("user", len(users), users=users)
    for i, user in enumerate(users):
        value = make(i)
        assert value.value == serializers.event_user(user)["tagValue"]
        assert value.value == fakedata.user_tag_value(user)
        expected = min(user.last_seen, ANCHOR).replace(microsecond=0)
        assert value.last_seen == expected


def test_level_refuses_more_values_than_it_has() -> None:
    with pytest.raises(ValueError, match=r"tag 'level': generate is 6, but there are only 5"):
        tags_factory("level", 6)
    with pytest.raises(ValueError, match="only 5"):
        tags_factory("severity", 9, spec={"kind": "level"})


def test_user_tag_refuses_more_values_than_users_and_needs_users() -> None:
    users = LazySequence((), 10, users_factory(10))
    with pytest.raises(ValueError, match="only 10 users"):
        tags_factory("user", 11, users=users)
    with pytest.raises(ValueError, match="none were given"):
        tags_factory("customer", 3, spec={"kind": "user"})


@pytest.mark.parametrize(
    ("key", "spec", "kind"),
    [
        ("release", {}, "release"),
        ("sentry:release", {}, "release"),
        ("sentry:user", {}, "user"),
        ("browser", {}, "browser"),
        ("flavor", {}, "generic"),
        ("server", {"kind": "url"}, "url"),
        ("release", {"kind": "generic"}, "generic"),
    ],
)
def test_tag_kind_comes_from_the_spec_or_the_key(key: str, spec: dict[str, Any], kind: str) -> None:
    assert fakedata.tag_kind(key, spec) == kind


def test_tag_family_size() -> None:
    assert fakedata.tag_family_size("level", {}) == 5
    assert fakedata.tag_family_size("environment", {}) is None
    assert fakedata.tag_family_size("user", {}, LazySequence((), 7, users_factory(7))) == 7


def test_generated_tag_values_match_the_tag_value_schema() -> None:
    registry = SchemaRegistry()
    users = LazySequence((), 50, users_factory(50))
    for key in ("release", "user", "browser", "flavor"):
        make = tags_factory(key, 50, users=users if key == "user" else None)
        for i in range(50):
            registry.check("tag-value", serializers.tag_value(key, make(i)))


# --- hooks --------------------------------------------------------------------------------------


def hooks_factory(count: int = 200, **spec: Any) -> Callable[[int], Any]:
    return fakedata.hook_factory(
        seed=0, owner=OWNER, anchor=ANCHOR, spec={"generate": count, **spec}, first_internal_id=3
    )


def test_hooks_look_like_sentrys() -> None:
    make = hooks_factory()
    hooks = [make(i) for i in range(200)]
    registry = SchemaRegistry()
    for i, hook in enumerate(hooks):
        registry.check("hook", serializers.hook(hook))
        assert re.fullmatch(r"[0-9a-f]{32}", hook.id)
        assert hook.id[12] == "4"  # a UUID4, as Sentry's guid
        assert re.fullmatch(r"[0-9a-f]{64}", hook.secret)
        assert re.fullmatch(r"https://[a-z0-9.-]+\.[a-z]+(/[A-Za-z0-9._/-]*)?", hook.url), hook.url
        assert list(hook.events) == sorted(set(hook.events))
        assert set(hook.events) <= set(HOOK_EVENTS)
        assert hook.internal_id == 3 + i
    assert len({h.id for h in hooks}) == len(hooks)
    assert len({h.secret for h in hooks}) == len(hooks)
    statuses = [h.status for h in hooks]
    assert set(statuses) == {"active", "disabled"}
    assert statuses.count("active") > statuses.count("disabled")


def test_hooks_created_later_have_higher_internal_ids() -> None:
    make = hooks_factory(100, spread="30d")
    created = [make(i).date_created for i in range(100)]
    assert all(a < b for a, b in itertools.pairwise(created))
    assert created[-1] < ANCHOR
    assert ANCHOR - created[0] <= timedelta(days=30)


def test_hook_events_and_status_follow_the_spec() -> None:
    make = hooks_factory(20, events=["event.created", "event.alert"], status="disabled")
    for i in range(20):
        hook = make(i)
        assert hook.events == ("event.alert", "event.created")
        assert hook.status == "disabled"
    weighted = hooks_factory(50, status={"active": 0, "disabled": 1}, events=[])
    assert {weighted(i).status for i in range(50)} == {"disabled"}
    assert {weighted(i).events for i in range(50)} == {()}


def test_hook_factory_refuses_unknown_events() -> None:
    with pytest.raises(ValueError, match="hook events must be among"):
        hooks_factory(events=["issue.created"])


# --- the schema ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generate_schemas(tmp_path_factory: pytest.TempPathFactory) -> SchemaRegistry:
    """The generate schema, and one small schema per $def that refers to it."""
    directory = tmp_path_factory.mktemp("schemas")
    shutil.copy(schemas_dir() / "scenario-generate.json", directory)
    for name in ("users", "tagValues", "hooks", "statsPattern"):
        probe = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:mockserver:probe-{name}",
            "$ref": f"urn:mockserver:scenario-generate#/$defs/{name}",
        }
        (directory / f"probe-{name}.json").write_text(json.dumps(probe))
    return SchemaRegistry(directory)


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        Path(schemas_dir() / "scenario-generate.json").read_text(encoding="utf-8")
    )
    return schema


def test_schema_examples_are_valid(generate_schemas: SchemaRegistry) -> None:
    schema = _schema()
    for example in schema["examples"]:
        for name, value in example.items():
            assert generate_schemas.errors(f"probe-{name}", value) == []
    for name in ("users", "tagValues", "hooks", "statsPattern"):
        for value in schema["$defs"][name]["examples"]:
            assert generate_schemas.errors(f"probe-{name}", value) == []


def test_schema_documents_every_property() -> None:
    schema = _schema()

    def described(sub: dict[str, Any]) -> bool:
        if "description" in sub:
            return True
        target = sub.get("$ref", "")
        return target.startswith("#/$defs/") and "description" in schema["$defs"][target[8:]]

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            # Conditions (if/then) restate properties to constrain them, not to document them.
            conditional = path.endswith(("/if", "/then"))
            for name, sub in node.get("properties", {}).items():
                assert conditional or described(sub), f"{path}/properties/{name}"
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}/{i}")

    walk(schema["$defs"], "$defs")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("users", {"generat": 5}),
        ("users", {"generate": 5, "identifiers": {"mail": 1}}),
        ("users", {"generate": -1}),
        ("users", {"generate": 10_000_001}),
        ("users", {"generate": 5, "locale": "xx_XX"}),
        ("users", {"generate": 5, "spread": "2 days"}),
        ("tagValues", {"generate": 5, "kind": "browsers"}),
        ("tagValues", {"generate": 6, "kind": "level"}),
        ("tagValues", {"generate": 5, "format": "calver"}),
        ("hooks", {"generate": 2, "events": ["event.deleted"]}),
        ("hooks", {"generate": 2, "status": "paused"}),
        ("hooks", {"generate": 2, "status": {"active": 1, "paused": 1}}),
    ],
)
def test_schema_refuses_typos_and_out_of_range_values(
    generate_schemas: SchemaRegistry, name: str, value: Any
) -> None:
    assert generate_schemas.errors(f"probe-{name}", value) != []


def test_schema_accepts_literal_items_beside_the_generate_options(
    generate_schemas: SchemaRegistry,
) -> None:
    value = {"items": [{"id": "1", "lastSeen": "2024-01-01T00:00:00Z"}], "generate": 3}
    assert generate_schemas.errors("probe-users", value) == []


def test_every_schema_example_builds_a_factory() -> None:
    example = _schema()["examples"][0]
    make_user = fakedata.user_factory(seed=0, owner=OWNER, anchor=ANCHOR, spec=example["users"])
    assert make_user(0).last_seen == ANCHOR
    make_tag = fakedata.tag_value_factory(
        seed=0, owner=OWNER, key="release", anchor=ANCHOR, spec=example["tagValues"]
    )
    assert make_tag(0).value.startswith("backend@")
    make_hook = fakedata.hook_factory(
        seed=0, owner=OWNER, anchor=ANCHOR, spec=example["hooks"], first_internal_id=1
    )
    assert make_hook(0).events == ("event.alert",)
