"""``mockserver record`` of a "real" Sentry (a second ``mockserver serve`` on a scenario of its
own, tests/record/upstream.yaml), then ``mockserver serve`` of the recording: the same bodies,
for every endpoint and page, compared field by field, over real sockets."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests import served
from tests.record.upstreams import UPSTREAM_TOKEN
from tests.record.upstreams import assert_same
from tests.served import MOCKSERVER
from tests.served import Served

pytestmark = pytest.mark.slow

UPSTREAM = Path(__file__).with_name("upstream.yaml")
BACKEND = "/api/0/projects/acme/backend/"
STOREFRONT = "/api/0/projects/acme/storefront/"
BACKEND_KEYS = ("environment", "user", "release", "browser", "level")
RECORDING_TOKEN = "sntrys_RECORDED"
HOST = re.compile(r"http://127\.0\.0\.1:\d+")


def run(*args: str, token: str | None = UPSTREAM_TOKEN) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SENTRY_AUTH_TOKEN"}
    if token is not None:
        env["SENTRY_AUTH_TOKEN"] = token
    return subprocess.run(
        [str(MOCKSERVER), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def base(server: Served) -> str:
    return f"http://127.0.0.1:{server.port}"


def get(server: Served, target: str, token: str) -> requests.Response:
    return requests.get(
        base(server) + target, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def pages(server: Served, path: str, token: str, per_page: int) -> list[tuple[Any, str]]:
    """Every page of a list: its body and its Link header without the host."""
    out = []
    target = f"{path}?per_page={per_page}"
    for _ in range(1000):
        answer = get(server, target, token)
        assert answer.status_code == 200, answer.text
        link = answer.headers["Link"]
        out.append((answer.json(), HOST.sub("", link)))
        found = re.search(r'rel="next"; results="true"; cursor="([^"]*)"', link)
        if found is None:
            return out
        target = f"{path}?per_page={per_page}&cursor={found.group(1)}"
    raise AssertionError("more than 1000 pages")


@pytest.fixture(scope="module")
def upstream() -> Iterator[Served]:
    with served.serve("--scenario", str(UPSTREAM)) as up:
        yield up


@pytest.fixture(scope="module")
def recording(upstream: Served, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("recorded") / "acme.yaml"
    done = run(
        "record",
        base(upstream),
        "--project",
        "acme/backend",
        "--project",
        "acme/storefront",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    # Not a terminal: no progress bar, one line saying what was written.
    assert re.fullmatch(rf"wrote {re.escape(str(out))}: 2 projects, \d+ requests\n", done.stderr)
    return out


@pytest.fixture(scope="module")
def replica(recording: Path) -> Iterator[Served]:
    with served.serve("--scenario", str(recording)) as rep:
        yield rep


def test_the_recording_validates_and_holds_neither_the_token_nor_a_hook_secret(
    upstream: Served, recording: Path
) -> None:
    checked = run("validate", str(recording))
    assert (checked.returncode, checked.stderr) == (0, "")
    assert checked.stdout == f"ok: {recording} (1 organizations, 2 projects)\n"
    text = recording.read_text(encoding="utf-8")
    assert UPSTREAM_TOKEN not in text
    hooks = get(upstream, BACKEND + "hooks/", UPSTREAM_TOKEN).json()
    assert len(hooks) == 3
    for hook in hooks:
        assert hook["secret"] not in text
    assert "secret" not in text.split("\nversion: 1\n", 1)[1]
    # What the scenario cannot hold is said at the top, per project.
    header = text.split("\nversion: 1\n", 1)[0]
    assert f"call it with the token\n# {RECORDING_TOKEN} (the recording's own" in header
    assert "#   acme/backend:\n" in header
    assert (
        "#     - hooks: secrets are never written; the mock derives one from the seed\n" in header
    )
    assert "#   acme/storefront:\n#     - hooks: not listed (Sentry answered: " in header


def test_the_recording_keeps_options_where_sentry_keeps_them_and_fields_for_the_rest(
    recording: Path,
) -> None:
    data = yaml.safe_load(recording.read_text(encoding="utf-8"))
    (acme,) = data["organizations"]
    backend = acme["projects"][0]
    assert backend["options"] == {
        "sentry:resolve_age": 48,
        "digests:mail:minimum_delay": 120,
        "sentry:origins": ["acme.example", "*.acme.example"],
        "filters:chunk-load-error": "0",
        "sentry:releases": ["0.*", "beta-*"],
    }
    assert backend["fields"] == {"color": "#123456", "isBookmarked": True}
    assert acme["fields"] == {"require2FA": True, "isEarlyAdopter": True}
    assert data["tokens"] == [
        {"token": RECORDING_TOKEN, "scopes": ["project:read", "project:write", "project:admin"]}
    ]


@pytest.mark.parametrize(
    "target",
    [
        BACKEND,
        BACKEND + "?include=stats&expand=hasAlertIntegration",
        STOREFRONT,
        STOREFRONT + "?include=stats",
    ],
)
def test_the_recording_answers_the_same_project_details(
    upstream: Served, replica: Served, target: str
) -> None:
    expected = get(upstream, target, UPSTREAM_TOKEN)
    answered = get(replica, target, RECORDING_TOKEN)
    assert (answered.status_code, expected.status_code) == (200, 200)
    assert_same(expected.json(), answered.json())


@pytest.mark.parametrize("per_page", [100, 7])
def test_the_recording_answers_the_same_users_on_every_page(
    upstream: Served, replica: Served, per_page: int
) -> None:
    expected = pages(upstream, BACKEND + "users/", UPSTREAM_TOKEN, per_page)
    answered = pages(replica, BACKEND + "users/", RECORDING_TOKEN, per_page)
    assert sum(len(body) for body, _ in expected) == 130
    assert len(answered) == len(expected)
    for (theirs, their_link), (ours, our_link) in zip(expected, answered, strict=True):
        assert_same(theirs, ours)
        assert our_link == their_link


@pytest.mark.parametrize("key", BACKEND_KEYS)
@pytest.mark.parametrize("per_page", [100, 30])
def test_the_recording_answers_the_same_tag_values_on_every_page(
    upstream: Served, replica: Served, key: str, per_page: int
) -> None:
    path = f"{BACKEND}tags/{key}/values/"
    expected = pages(upstream, path, UPSTREAM_TOKEN, per_page)
    answered = pages(replica, path, RECORDING_TOKEN, per_page)
    assert len(answered) == len(expected)
    for (theirs, their_link), (ours, our_link) in zip(expected, answered, strict=True):
        assert_same(theirs, ours)
        assert our_link == their_link


def test_the_recording_answers_the_same_values_of_the_other_project_and_404_alike(
    upstream: Served, replica: Served
) -> None:
    target = STOREFRONT + "tags/browser/values/"
    assert_same(
        get(upstream, target, UPSTREAM_TOKEN).json(), get(replica, target, RECORDING_TOKEN).json()
    )
    missing = BACKEND + "tags/os/values/"
    expected = get(upstream, missing, UPSTREAM_TOKEN)
    answered = get(replica, missing, RECORDING_TOKEN)
    assert (answered.status_code, answered.json()) == (expected.status_code, expected.json())
    assert answered.status_code == 404


def test_the_recording_answers_the_same_hooks_but_their_secrets(
    upstream: Served, replica: Served
) -> None:
    expected = get(upstream, BACKEND + "hooks/", UPSTREAM_TOKEN).json()
    answered = get(replica, BACKEND + "hooks/", RECORDING_TOKEN).json()
    assert [h["id"] for h in answered] == [h["id"] for h in expected]
    for theirs, ours in zip(expected, answered, strict=True):
        assert re.fullmatch("[0-9a-f]{64}", ours.pop("secret"))
        assert ours != theirs  # the secret is gone from ours
        del theirs["secret"]
        assert_same(theirs, ours)
    refused = get(upstream, STOREFRONT + "hooks/", UPSTREAM_TOKEN)
    also = get(replica, STOREFRONT + "hooks/", RECORDING_TOKEN)
    assert (also.status_code, also.json()) == (refused.status_code, refused.json())
    assert also.status_code == 403


@pytest.mark.parametrize("stat", ["received", "rejected", "blacklisted", "generated"])
def test_the_recording_answers_the_same_stats_in_the_recorded_window(
    upstream: Served, replica: Served, recording: Path, stat: str
) -> None:
    data = yaml.safe_load(recording.read_text(encoding="utf-8"))
    points = data["organizations"][0]["projects"][0]["stats"]["received"]["points"]
    since, until = points[0][0], points[-1][0]
    for project in (BACKEND, STOREFRONT):
        target = f"{project}stats/?stat={stat}&since={since}&until={until}&resolution=1h"
        expected = get(upstream, target, UPSTREAM_TOKEN).json()
        answered = get(replica, target, RECORDING_TOKEN).json()
        assert len(expected) == 25
        assert_same(expected, answered)


def test_anonymize_replaces_people_consistently_across_endpoints(
    upstream: Served, tmp_path: Path
) -> None:
    out = tmp_path / "anonymous.yaml"
    done = run(
        "record", base(upstream), "--project", "acme/backend", "--out", str(out), "--anonymize"
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    users = [
        u for body, _ in pages(upstream, BACKEND + "users/", UPSTREAM_TOKEN, 100) for u in body
    ]
    originals = {
        value
        for user in users
        for value in (user["email"], user["username"], user["ipAddress"])
        if value
    }
    assert {"ada@acme.example", "ada", "198.51.100.7"} <= originals
    assert [
        v for v in originals if re.search(rf"(?<![\w.@+-]){re.escape(v)}(?![\w.@-])", text)
    ] == []
    with served.serve("--scenario", str(out)) as replica:
        fakes = [u for b, _ in pages(replica, BACKEND + "users/", RECORDING_TOKEN, 100) for u in b]
        values = [
            v
            for body, _ in pages(replica, BACKEND + "tags/user/values/", RECORDING_TOKEN, 100)
            for v in body
        ]
        # What is not a person is kept: a release's "backend@1.2.3" is no email.
        releases = BACKEND + "tags/release/values/"
        assert_same(
            pages(upstream, releases, UPSTREAM_TOKEN, 100),
            pages(replica, releases, RECORDING_TOKEN, 100),
        )
    assert len(fakes) == len(users) == len(values) == 130
    # Sentry's cross-endpoint consistency holds: the user tag's values are the users'.
    assert sorted(v["value"] for v in values) == sorted(u["tagValue"] for u in fakes)
    for theirs, ours in zip(users, fakes, strict=True):
        for key in ("email", "username", "ipAddress", "identifier"):
            assert (theirs[key] is None) == (ours[key] is None)
        if ours["email"]:
            assert re.fullmatch(r"[^@]+@example\.(com|net|org)", ours["email"])
            assert ours["email"] != theirs["email"]
    # The identifier u-1 is no email: kept.
    assert fakes[0]["identifier"] == "u-1"
