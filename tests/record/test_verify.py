"""Settling a recording against the mock, in-process: keys the mock computes otherwise become
options or fields overrides, what a scenario cannot hold is left out and said, and the written
file is whole or not written at all."""

from __future__ import annotations

import copy
import io
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.record.capture import Capture
from mockserver.record.client import RecordError
from mockserver.record.client import SentryClient
from mockserver.record.progress import TerminalProgress
from mockserver.record.recorder import Plan
from mockserver.record.recorder import read_project
from mockserver.record.run import save
from mockserver.record.verify import in_process
from mockserver.record.verify import read_back
from mockserver.record.verify import settle
from tests.record.upstreams import UPSTREAM_TOKEN

UPSTREAM = Path(__file__).with_name("upstream.yaml")
NOW = 1_740_830_400.0  # 2025-03-01T12:00:00Z


@pytest.fixture(scope="module")
def read() -> Capture:
    """acme/backend of tests/record/upstream.yaml, read through the test client."""
    app = create_app(Config(scenario=UPSTREAM, response_cache=False))
    client = SentryClient(in_process(app), UPSTREAM_TOKEN, where="upstream")
    capture = Capture(source="https://sentry.example")
    plan = Plan(tags=("environment", "user"))
    read_project(client, capture.project("acme", "backend"), plan)
    return capture


@pytest.fixture
def capture(read: Capture) -> Capture:
    return Capture(read.source, copy.deepcopy(read.projects))


def project_of(data: dict[str, Any]) -> dict[str, Any]:
    project: dict[str, Any] = data["organizations"][0]["projects"][0]
    return project


def test_a_faithful_capture_settles_with_options_fields_and_no_difference(
    capture: Capture,
) -> None:
    built = settle(capture, seed=0, recorded_at=NOW, avoid_token=UPSTREAM_TOKEN)
    project = project_of(built.data)
    assert project["options"]["sentry:origins"] == ["acme.example", "*.acme.example"]
    assert project["fields"] == {"color": "#123456", "isBookmarked": True}
    assert built.notes["acme/backend"] == [
        "users: Sentry does not answer lastSeen; each user's is a stand-in, one second before "
        "the previous one's, to keep Sentry's order",
        "hooks: secrets are never written; the mock derives one from the seed",
    ]


def test_keys_the_mock_answers_otherwise_become_options_or_fields(capture: Capture) -> None:
    details = capture.projects[("acme", "backend")].details
    assert details is not None
    details["allowedDomains"] = ["new.example"]
    details["options"]["filters:blacklisted_ips"] = "10.0.0.1\n10.0.0.2"
    details["brandNewKey"] = {"nested": [1, 2]}
    details["organization"]["links"]["regionUrl"] = "https://de.sentry.io"
    del details["plugins"]
    built = settle(capture, seed=0, recorded_at=NOW, avoid_token=None)
    project = project_of(built.data)
    assert project["options"]["sentry:origins"] == ["new.example"]
    assert project["options"]["sentry:blacklisted_ips"] == ["10.0.0.1", "10.0.0.2"]
    assert project["fields"]["brandNewKey"] == {"nested": [1, 2]}
    org_fields = built.data["organizations"][0]["fields"]
    assert org_fields["links"]["regionUrl"] == "https://de.sentry.io"
    # A key only the mock answers cannot be taken away: it is said.
    assert built.notes["acme/backend"][-1] == (
        "details: the mock also answers 'plugins' ([]), which Sentry's answer lacks"
    )
    back = read_back(built, capture)
    answered = back.projects[("acme", "backend")].details
    assert answered is not None
    assert {k: v for k, v in answered.items() if k != "plugins"} == details


def test_items_a_scenario_cannot_hold_are_left_out_and_said(capture: Capture) -> None:
    project = capture.projects[("acme", "backend")]
    project.users[-1] = {"email": "not an email", "username": None}  # before every other
    project.users[-2] = {"identifier": None, "username": None, "email": None, "ipAddress": None}
    assert project.hooks is not None
    hook = dict(next(iter(project.hooks.values())), id="f" * 32, status="pending_deletion")
    project.hooks = {hook["id"]: hook, **project.hooks}
    project.tags["environment"]["qa"] = {"key": "environment", "value": "qa", "count": None}
    built = settle(capture, seed=0, recorded_at=NOW, avoid_token=None)
    notes = built.notes["acme/backend"]
    assert sorted(notes[2:]) == [
        "hooks: 1 left out that a scenario cannot hold (e.g. 'pending_deletion' is not allowed)",
        "tag 'environment' values: 1 left out that a scenario cannot hold (e.g. 'count' is "
        "missing)",
        "users: 2 left out that a scenario cannot hold (e.g. 'id' is missing)",
    ]
    written = project_of(built.data)
    assert len(written["users"]) == 130
    assert [h["id"] for h in written["hooks"]][-1] != "f" * 32
    assert [v["value"] for v in written["tags"]["environment"]] == ["production", "canary"]


def test_the_file_is_whole_or_untouched(capture: Capture, tmp_path: Path) -> None:
    out = tmp_path / "rec.yaml"
    save(capture, out, by="test", seed=0, recorded_at=NOW, secrets=[UPSTREAM_TOKEN])
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Recorded by `test` from https://sentry.example on 2025-03-01T")
    assert project_of(yaml.safe_load(text))["slug"] == "backend"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.yaml"]
    with pytest.raises(RecordError) as raised:
        save(Capture("https://sentry.example"), out, by="test", seed=0, recorded_at=NOW)
    assert str(raised.value) == "nothing was recorded: no project's answer was read"
    assert out.read_text(encoding="utf-8") == text
    missing = tmp_path / "no" / "such" / "dir.yaml"
    with pytest.raises(RecordError) as raised:
        save(capture, missing, by="test", seed=0, recorded_at=NOW)
    assert str(raised.value) == f"cannot write {missing}: No such file or directory; check --out"


def test_a_token_that_shows_up_in_the_data_stops_the_write(
    capture: Capture, tmp_path: Path
) -> None:
    details = capture.projects[("acme", "backend")].details
    assert details is not None
    details["subjectPrefix"] = f"[{UPSTREAM_TOKEN}]"
    out = tmp_path / "rec.yaml"
    with pytest.raises(RecordError) as raised:
        save(capture, out, by="test", seed=0, recorded_at=NOW, secrets=[UPSTREAM_TOKEN])
    assert str(raised.value) == (
        f"refusing to write {out}: a token used to record appears in the recording"
    )
    assert not out.exists()


def reader() -> SentryClient:
    app = create_app(Config(scenario=UPSTREAM, response_cache=False))
    return SentryClient(in_process(app), UPSTREAM_TOKEN, where="upstream")


def test_max_items_reads_the_first_n_of_each_collection_and_says_so() -> None:
    capture = Capture(source="https://sentry.example")
    plan = Plan(tags=("release", "level"), max_items=10)
    read_project(reader(), capture.project("acme", "backend"), plan)
    project = capture.projects[("acme", "backend")]
    assert len(project.users) == 10
    assert [len(project.tags["release"]), len(project.tags["level"])] == [10, 4]
    assert project.hooks is not None
    assert len(project.hooks) == 3
    built = settle(capture, seed=0, recorded_at=NOW, avoid_token=None)
    assert built.notes["acme/backend"][2:] == [
        "users: the first 10 only (--max-items 10)",
        "tag 'release': the first 10 only (--max-items 10)",
    ]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not TerminalProgress.wanted()  # pytest's stderr is no terminal
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert TerminalProgress.wanted()
    capture = Capture(source="https://sentry.example")
    read_project(
        reader(), capture.project("acme", "backend"), Plan(tags=("level",)), TerminalProgress()
    )
    drawn = terminal.getvalue()
    assert "acme/backend" in drawn
    assert "100%" in drawn
    assert "tag level: 4 values" in drawn
