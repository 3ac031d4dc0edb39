"""``mockserver serve``'s access log: one line on stderr per request to Sentry's API.

A journal listener (:attr:`mockserver.journal.journal.Journal.listener`): every request the
journal records, the response cache's replays included, and nothing else (the admin API and
the inspector are never journaled, so the inspector's polling does not flood it). The line is
made from the entry, credentials redacted as in every journal output:

``2024-01-15T09:00:00.000Z GET /api/0/projects/my-org/my-project/hooks → 404 0.4 ms !
missing-trailing-slash`` (on one line)

coloured on a terminal (the status by its class, the violations in red), or with
``--log-format json`` one JSON object per line: ``time``, ``method``, ``path``, ``status``,
``durationMs``, ``route``, ``violations`` (codes) and ``faults`` (names). ``--quiet`` sets no
listener: the journal's test of ``None`` is all it costs.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from mockserver.journal import export
from mockserver.journal.entry import Entry
from mockserver.journal.redaction import Redactor

FORMATS = ("text", "json")
_RESET = "\033[0m"
_DIM = "\033[2m"
_RED = "\033[31m"
_STATUS_COLOURS = {2: "\033[32m", 3: "\033[36m", 4: "\033[33m", 5: "\033[31m"}


class AccessLog:
    """Writes a line per journal entry to ``stream``.

    :param fmt: ``"text"`` or ``"json"``.
    :param redactor: gives the app's redactor, which knows the tokens of every scenario served
        (it is replaced when another scenario is loaded).
    :param colour: ANSI colours; ``None`` for "when ``stream`` is a terminal".
    """

    def __init__(
        self,
        redactor: Callable[[], Redactor],
        fmt: str = "text",
        stream: TextIO | None = None,
        colour: bool | None = None,
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown access log format {fmt!r}; one of {', '.join(FORMATS)}")
        self.stream = sys.stderr if stream is None else stream
        self.redactor = redactor
        self.json = fmt == "json"
        self.colour = _is_tty(self.stream) if colour is None else colour
        # Request threads log at once: one write of one whole line each, in turn.
        self._lock = threading.Lock()

    def __call__(self, entry: Entry, time: float, duration_ms: float) -> None:
        line = self.line(entry, time, duration_ms)
        with self._lock:
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass  # stderr closed or gone: the request is answered all the same

    def line(self, entry: Entry, time: float, duration_ms: float) -> str:
        """The line for one entry (without its newline)."""
        target = export.target(entry, redact=self.redactor())
        codes = [v.code for v in entry.violations]
        if self.json:
            return json.dumps(
                {
                    "time": export.iso_time(time),
                    "method": entry.method,
                    "path": target,
                    "status": entry.status,
                    "durationMs": round(duration_ms, 3),
                    "route": entry.route_name,
                    "violations": codes,
                    "faults": [str(f.get("fault") or f.get("rule")) for f in entry.faults],
                },
                separators=(",", ":"),
            )
        status = str(entry.status) if entry.status else "no response"
        shown_ms = f"{duration_ms:.1f} ms"
        marks = f" ! {', '.join(codes)}" if codes else ""
        if not self.colour:
            return f"{export.iso_time(time)} {entry.method} {target} → {status} {shown_ms}{marks}"
        tint = _STATUS_COLOURS.get(entry.status // 100, "")
        marks = f" {_RED}! {', '.join(codes)}{_RESET}" if codes else ""
        return (
            f"{_DIM}{export.iso_time(time)}{_RESET} {entry.method} {target} → "
            f"{tint}{status}{_RESET} {_DIM}{shown_ms}{_RESET}{marks}"
        )


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
