"""``mockserver record`` against a bad upstream: unreachable, a refused token, a rate limit that
does not end, no answer, a 500. Each is one line on stderr, exit status 1, no traceback, and the
file is left as it was (absent, or its old content)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from mockserver.cli import main
from tests.record.upstreams import Canned
from tests.record.upstreams import closed_port
from tests.record.upstreams import scripted
from tests.served import MOCKSERVER

DETAILS = "/api/0/projects/acme/backend/"
TOKEN = "sntrys_bad_upstream_secret"


def record(url: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(MOCKSERVER),
            "record",
            url,
            "--token",
            TOKEN,
            "--project",
            "acme/backend",
            "--out",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_failed_cleanly(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"Error: {message}\n"
    assert TOKEN not in done.stderr


def test_an_unreachable_upstream_is_one_line_and_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "recorded.yaml"
    out.write_text("# my hand-written scenario\n", encoding="utf-8")
    port = closed_port()
    done = record(f"http://127.0.0.1:{port}", out)
    assert_failed_cleanly(
        done,
        f"cannot connect to 127.0.0.1:{port} (http://127.0.0.1:{port}{DETAILS}): "
        "connection refused",
    )
    assert out.read_text(encoding="utf-8") == "# my hand-written scenario\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recorded.yaml"]  # no temporary left


def test_a_refused_token_says_to_check_it(tmp_path: Path) -> None:
    out = tmp_path / "recorded.yaml"
    refused = Canned(
        401, {"detail": "Invalid token"}, (("WWW-Authenticate", 'xBasic realm="api"'),)
    )
    with scripted(refused) as up:
        done = record(up.url, out)
        seen = up.seen.get(timeout=5)
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert_failed_cleanly(
        done,
        f"{up.url}{DETAILS} answered 401 (Invalid token): the token is refused; check --token "
        "or SENTRY_AUTH_TOKEN",
    )
    assert not out.exists()


def test_a_rate_limit_that_does_not_end_gives_up_after_the_retries(tmp_path: Path) -> None:
    out = tmp_path / "recorded.yaml"
    limited = Canned(
        429,
        "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds",
        (("Retry-After", "0"),),
    )
    with scripted(limited) as up:
        done = record(up.url, out)
        asked = up.seen.qsize()
    assert_failed_cleanly(
        done, f"{up.url}{DETAILS} still answers 429 (rate limited) after 3 retries; try again later"
    )
    assert asked == 4  # the first request and three retries
    assert not out.exists()


def test_a_rate_limit_longer_than_the_longest_wait_is_not_waited(tmp_path: Path) -> None:
    out = tmp_path / "recorded.yaml"
    with scripted(Canned(429, "limited", (("Retry-After", "3600"),))) as up:
        done = record(up.url, out)
    assert_failed_cleanly(
        done,
        f"{up.url}{DETAILS}: the rate limit asks to wait 3600 s (429 Retry-After), longer than "
        "300 s; try again later",
    )


def test_an_upstream_that_does_not_answer_times_out(tmp_path: Path) -> None:
    out = tmp_path / "recorded.yaml"
    with scripted(Canned(hang=True)) as up:
        done = record(up.url, out, "--timeout", "0.5")
    assert_failed_cleanly(done, f"{up.url}{DETAILS} did not answer within 0.5 s")
    assert not out.exists()


def test_a_server_error_says_the_upstream_failed(tmp_path: Path) -> None:
    out = tmp_path / "recorded.yaml"
    failed = Canned(500, {"detail": "Internal Error", "errorId": "8f2c"})
    with scripted(failed) as up:
        done = record(up.url, out)
    assert_failed_cleanly(
        done,
        f"{up.url}{DETAILS} answered 500 (Internal Error): the upstream failed; try again later",
    )
    assert not out.exists()


def test_an_answer_that_is_not_json_is_named(tmp_path: Path) -> None:
    out = tmp_path / "recorded.yaml"
    page = Canned(200, raw=b"<html>login</html>", headers=(("Content-Type", "text/html"),))
    with scripted(page) as up:
        done = record(up.url, out)
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"Error: {up.url}{DETAILS} answered 200 with a body that is not JSON (text/html): "
    )
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["ftp://sentry.example", "--project", "a/b"],
            "'ftp://sentry.example' is not an http:// or https:// URL",
        ),
        (
            ["http://127.0.0.1:9", "--project", "just-a-slug"],
            "--project 'just-a-slug': write it ORG/PROJECT, e.g. my-org/my-project",
        ),
        (
            ["http://127.0.0.1:9", "--project", "a/b", "--stats-period", "soon"],
            "--stats-period: 'soon' is not a duration",
        ),
        (
            [
                "http://127.0.0.1:9",
                "--project",
                "a/b",
                "--stats-period",
                "3650d",
                "--resolution",
                "10s",
            ],
            "--stats-period 3650d at --resolution 10s: more than 0 and at most 100000 buckets",
        ),
    ],
)
def test_bad_options_are_usage_errors_before_any_request(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "x.yaml"
    done = CliRunner().invoke(main, ["record", *args, "--token", TOKEN, "--out", str(out)])
    assert done.exit_code == 2
    assert done.output.splitlines()[-1].startswith(f"Error: {message}")
    assert not out.exists()


def test_without_a_token_it_says_where_to_give_one(tmp_path: Path) -> None:
    out = tmp_path / "x.yaml"
    done = CliRunner(env={"SENTRY_AUTH_TOKEN": None}).invoke(
        main, ["record", "http://127.0.0.1:9", "--project", "a/b", "--out", str(out)]
    )
    assert (done.exit_code, done.output) == (
        1,
        "Error: no token: pass --token or set SENTRY_AUTH_TOKEN\n",
    )
