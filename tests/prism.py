"""Stoplight's Prism CLI for tests: installed from npm, pinned, into a cache directory outside the
checkout (``~/.cache/mockserver-tools``, or ``MOCKSERVER_TOOLS_CACHE``), and started on a free
port whose number is read from its readiness line, without sleeps.

Without npm, or when npm cannot install the package, the test that asked fails with one line
saying so (a skip would hide that Prism was never tried).
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest

PRISM_VERSION = "5.14.2"
PACKAGE = f"@stoplight/prism-cli@{PRISM_VERSION}"
CACHE = Path(os.environ.get("MOCKSERVER_TOOLS_CACHE", Path.home() / ".cache" / "mockserver-tools"))
INSTALL_TIMEOUT = 600.0
READY_TIMEOUT = 60.0
READY = re.compile(r"Prism is listening on http://127\.0\.0\.1:(\d+)")


def prism_binary() -> Path:
    """The pinned Prism, installed into the cache on first use.

    :raises pytest.fail.Exception: if npm is missing or the install fails.
    """
    prefix = CACHE / f"prism-{PRISM_VERSION}"
    binary = prefix / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(f"npm is not on PATH: cannot install {PACKAGE} (needs Node 18+)", False)
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", PACKAGE],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    if done.returncode != 0 or not binary.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.fail(f"npm could not install {PACKAGE} into {prefix}: {last}", False)
    return binary


@dataclass
class Prism:
    """A running ``prism mock``: its port and what it printed."""

    process: subprocess.Popen[str]
    port: int
    lines: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def prism_mock(document: Path) -> Iterator[Prism]:
    """``prism mock`` of ``document`` on a free port of 127.0.0.1, once it listens; stopped on
    exit."""
    process = subprocess.Popen(
        [str(prism_binary()), "mock", "-h", "127.0.0.1", "-p", "0", str(document)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        while True:
            line = lines.get(timeout=READY_TIMEOUT)  # queue.Empty: Prism never got ready
            if line is None:
                raise AssertionError(f"prism mock stopped before listening: {seen}")
            seen.append(line)
            found = READY.search(line)
            if found:
                break
        yield Prism(process, int(found.group(1)), seen)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=30)
        assert not reader.is_alive()
        if process.stdout is not None:
            process.stdout.close()
