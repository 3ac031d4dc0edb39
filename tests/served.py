"""``mockserver serve`` as a real process for tests: started on a free port of 127.0.0.1, its
readiness line (printed once the socket is bound) read before anything connects, no sleeps."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

MOCKSERVER = Path(sys.executable).parent / "mockserver"
READY = re.compile(
    r"mockserver: serving scenario 'default' \(\S+default\.yaml\) with (\w+) "
    r"on http://127\.0\.0\.1:(\d+)/ \(seed 0\)"
)
#: The readiness line of any scenario (``start(..., scenario=...)``).
READY_ANY = re.compile(
    r"mockserver: serving scenario '[^']*' \(\S+\) with (\w+) "
    r"on http://127\.0\.0\.1:(\d+)/ \(seed -?\d+\)"
)


def environment_without_settings() -> dict[str, str]:
    """This process's environment without any ``MOCKSERVER_*`` setting: a child started with it
    runs the defaults whatever the shell that runs the tests has set."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MOCKSERVER_")}


@dataclass
class Served:
    """A ``mockserver serve`` process: the server it named, its port, and its stderr lines
    (complete once the process has stopped)."""

    process: subprocess.Popen[str]
    server: str
    port: int
    lines: list[str] = field(default_factory=list)

    def next_line(self) -> str:
        assert self.process.stderr is not None
        line = self.process.stderr.readline().rstrip("\n")  # blocks until it is written
        self.lines.append(line)
        return line


def start(*options: str, log: bool = False) -> Served:
    """``mockserver serve --port 0 OPTIONS``, once it is bound (the default scenario unless
    OPTIONS give ``--scenario``); the caller stops it. Without ``log``, ``--quiet``: no access
    log lines among those the tests read (and none to fill a pipe nobody reads)."""
    quiet = () if log else ("--quiet",)
    process = subprocess.Popen(
        [str(MOCKSERVER), "serve", "--port", "0", *quiet, *options],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None
    line = process.stderr.readline().rstrip("\n")  # blocks until the socket is bound
    match = (READY_ANY if "--scenario" in options else READY).fullmatch(line)
    if match is None:
        process.kill()
        process.communicate()
        raise AssertionError(line)
    return Served(process, match.group(1), int(match.group(2)), [line])


@contextmanager
def serve(*options: str, log: bool = False) -> Iterator[Served]:
    """:func:`start`, then SIGTERM on exit: the process must stop with status 0."""
    served = start(*options, log=log)
    process = served.process
    try:
        yield served
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=30)
        served.lines += rest.splitlines()
        assert process.returncode == 0, served.lines
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
