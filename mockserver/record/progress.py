"""The recorder's progress bar: on stderr, one bar per project, only on a terminal."""

from __future__ import annotations

import sys
from typing import Any

import click


class TerminalProgress:
    """A :class:`~mockserver.record.recorder.Progress` drawn with ``click.progressbar``."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._detail = ""

    @staticmethod
    def wanted() -> bool:
        """Whether stderr is a terminal (a bar in a log file or a pipe is noise)."""
        return sys.stderr.isatty()

    def start(self, label: str, steps: int) -> None:
        """Draw a new bar for ``label``."""
        self.finish()
        self._detail = ""
        self._bar = click.progressbar(
            length=steps,
            label=label,
            file=sys.stderr,
            item_show_func=lambda _item: self._detail,
        )
        self._bar.__enter__()

    def advance(self, detail: str) -> None:
        """One step more, showing ``detail``."""
        if self._bar is not None:
            self._detail = detail
            self._bar.update(1)

    def finish(self) -> None:
        """End the bar (also after a failure, so that the message starts on its own line)."""
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.__exit__(None, None, None)
