"""``mockserver proxy`` in front of a "real" Sentry (a second ``mockserver serve`` on
tests/record/upstream.yaml), as a process over real sockets: answers returned unchanged, the
client's contract in the proxy's journal, no drift from the mock's own answers, and
``--record`` writing on SIGTERM what passed through, which ``mockserver serve`` then answers
alike."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import served
from tests.record.upstreams import UPSTREAM_TOKEN
from tests.record.upstreams import assert_same
from tests.record.upstreams import closed_port
from tests.served import MOCKSERVER
from tests.served import Served

pytestmark = pytest.mark.slow

UPSTREAM = Path(__file__).parents[1] / "record" / "upstream.yaml"
BACKEND = "/api/0/projects/acme/backend/"
READY = re.compile(r"mockserver: proxying (\S+) on http://127\.0\.0\.1:(\d+)/ with waitress")
AUTH = {"Authorization": f"Bearer {UPSTREAM_TOKEN}"}
# The answer's own headers (the server and the date are each server's).
COMPARED = ("Content-Type", "Link", "Allow", "Access-Control-Allow-Origin")


@dataclass
class Proxy:
    process: subprocess.Popen[str]
    port: int
    lines: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        _, rest = self.process.communicate(timeout=60)
        self.lines += rest.splitlines()
        return self.process.returncode


@contextmanager
def proxy(upstream_url: str, *options: str) -> Iterator[Proxy]:
    process = subprocess.Popen(
        [str(MOCKSERVER), "proxy", upstream_url, "--port", "0", *options],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None
    line = process.stderr.readline().rstrip("\n")  # blocks until the socket is bound
    match = READY.fullmatch(line)
    if match is None:
        process.kill()
        process.communicate()
        raise AssertionError(line)
    assert match.group(1) == upstream_url
    running = Proxy(process, int(match.group(2)), [line])
    try:
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.fixture(scope="module")
def upstream() -> Iterator[Served]:
    with served.serve("--scenario", str(UPSTREAM)) as up:
        yield up


def url_of(server: Served) -> str:
    return f"http://127.0.0.1:{server.port}"


def journal(proxied: Proxy) -> list[dict[str, Any]]:
    """The proxy's journal, oldest first."""
    answer = requests.get(proxied.url + "/__admin/requests", timeout=30)
    assert answer.status_code == 200
    entries: list[dict[str, Any]] = answer.json()["requests"]
    return entries[::-1]


TARGETS = [
    BACKEND,
    BACKEND + "?include=stats&expand=hasAlertIntegration&collapse=organization",
    BACKEND + "users/?per_page=7",
    BACKEND + "users/?per_page=7&cursor=7:1:0",
    BACKEND + "tags/release/values/?per_page=20",
    BACKEND + "tags/user/values/?query=grace",
    BACKEND + "tags/os/values/",
    BACKEND + "hooks/",
    BACKEND + "stats/?stat=rejected&resolution=1d",
    "/api/0/projects/acme/storefront/hooks/",
    "/api/0/projects/acme/nope/",
]


def test_answers_pass_unchanged_and_the_mocks_own_answers_do_not_drift(
    upstream: Served,
) -> None:
    with proxy(url_of(upstream)) as proxied:
        for target in TARGETS:
            direct = requests.get(url_of(upstream) + target, headers=AUTH, timeout=30)
            through = requests.get(proxied.url + target, headers=AUTH, timeout=30)
            assert (through.status_code, through.reason) == (direct.status_code, direct.reason)
            assert through.content == direct.content, target
            for name in COMPARED:
                assert through.headers.get(name) == direct.headers.get(name), (target, name)
        entries = journal(proxied)
        assert proxied.stop() == 0
    assert [e["request"]["url"] for e in entries] == TARGETS
    # The mock answers within its own contract: not one drift, and these requests keep it.
    assert [v for e in entries for v in e["violations"]] == [
        {
            "code": "unstable-endpoint",
            "severity": "warning",
            "location": ["path"],
            "message": "/api/0/projects/{org}/{project}/stats/ is unstable: Sentry documents "
            "it as one that 'may change in the future without notice'",
        }
    ]
    assert "SIGTERM, shutting down" in proxied.lines[-1]


def test_the_clients_contract_breaches_are_journaled_but_the_token_is_sentrys_to_judge(
    upstream: Served,
) -> None:
    with proxy(url_of(upstream)) as proxied:
        sloppy = requests.get(proxied.url + BACKEND + "users/?per-page=2", headers=AUTH, timeout=30)
        unknown = requests.get(
            proxied.url + BACKEND, headers={"Authorization": "Bearer sntrys_WRONG"}, timeout=30
        )
        entries = journal(proxied)
        proxied.stop()
    assert sloppy.status_code == 200  # Sentry ignores the parameter
    assert unknown.status_code == 401  # the upstream refused the token
    assert [[v["code"] for v in e["violations"]] for e in entries] == [
        ["unknown-query-parameter"],
        [],  # the upstream's 401 says it; the proxy cannot know the real tokens
    ]
    assert entries[1]["response"]["status"] == 401


def test_record_on_sigterm_writes_what_passed_through_and_serve_answers_it_alike(
    upstream: Served, tmp_path: Path
) -> None:
    out = tmp_path / "through.yaml"
    passed = [
        BACKEND,
        BACKEND + "?include=stats&expand=hasAlertIntegration",
        BACKEND + "users/?per_page=100",
        BACKEND + "users/?per_page=100&cursor=100:1:0",
        BACKEND + "tags/environment/values/",
        BACKEND + "hooks/",
    ]
    with proxy(url_of(upstream), "--record", str(out)) as proxied:
        answers = {
            t: requests.get(proxied.url + t, headers=AUTH, timeout=30).json() for t in passed
        }
        assert proxied.stop() == 0
    assert proxied.lines[-1] == f"mockserver: wrote {out}"
    text = out.read_text(encoding="utf-8")
    assert UPSTREAM_TOKEN not in text
    assert text.startswith("# Recorded by `mockserver proxy --record` from ")
    recorded = {"Authorization": "Bearer sntrys_RECORDED"}
    with served.serve("--scenario", str(out)) as replica:
        for target in passed:
            answer = requests.get(url_of(replica) + target, headers=recorded, timeout=30)
            assert answer.status_code == 200, target
            expected = answers[target]
            body = answer.json()
            if target.endswith("hooks/"):
                for hook in (*body, *expected):
                    hook.pop("secret")
            assert_same(expected, body)
        # What did not pass through is not there.
        missing = requests.get(
            url_of(replica) + BACKEND + "tags/release/values/", headers=recorded, timeout=30
        )
        assert missing.status_code == 404


def test_an_unreachable_upstream_is_a_502_and_one_line_while_the_proxy_goes_on() -> None:
    port = closed_port()
    with proxy(f"http://127.0.0.1:{port}") as proxied:
        for _ in range(2):
            answer = requests.get(proxied.url + BACKEND, headers=AUTH, timeout=30)
            assert answer.status_code == 502
            assert answer.headers["Content-Type"] == "application/problem+json"
        assert requests.get(proxied.url + "/__admin/requests", timeout=30).status_code == 200
        assert proxied.stop() == 0
    refused = (
        f"mockserver proxy: GET {BACKEND}: cannot connect to 127.0.0.1:{port} "
        f"(http://127.0.0.1:{port}{BACKEND}): connection refused (answered 502)"
    )
    assert proxied.lines[1:] == [refused, refused, "mockserver: SIGTERM, shutting down"]


def test_record_with_nothing_passed_through_writes_nothing_and_says_so(
    upstream: Served, tmp_path: Path
) -> None:
    out = tmp_path / "empty.yaml"
    with proxy(url_of(upstream), "--record", str(out)) as proxied:
        assert proxied.stop() == 1
    assert proxied.lines[-1] == "Error: nothing was recorded: no project's answer was read"
    assert not out.exists()
