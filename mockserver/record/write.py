"""Writing a recording: YAML with its comments, checked as a scenario is when loaded, written
atomically (a temporary file beside the target, then ``os.replace``), never with a token.

The file either is the whole, valid recording or is not touched: a failure at any point leaves
what was there before.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from mockserver.errors import MockServerError
from mockserver.record.client import RecordError
from mockserver.record.scenario import Built
from mockserver.schemas.registry import SchemaRegistry
from mockserver.timefmt import format_datetime
from mockserver.timefmt import from_epoch
from mockserver.world.scenario import load_scenario_text


class _Dumper(yaml.SafeDumper):
    """Plain data, written out: never an anchor and alias for a value met twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render(built: Built, *, by: str, source: str, recorded_at: float) -> str:
    """The scenario as YAML, its comments first.

    :param by: what made it (``mockserver record``, ``mockserver proxy --record``).
    """
    when = format_datetime(from_epoch(int(recorded_at)))
    refs = ", ".join(built.notes) or "nothing"
    lines = [
        f"Recorded by `{by}` from {source} on {when}: {refs}.",
        "Serve it with `mockserver serve --scenario THIS_FILE`, and call it with the token",
        f"{built.token} (the recording's own: the token used to record is never written).",
        "",
        "What this scenario cannot hold, by project (the mock answers otherwise there):",
    ]
    for ref, notes in built.notes.items():
        lines.append(f"  {ref}:")
        lines += [f"    - {note}" for note in notes] or ["    - nothing"]
    header = "".join(f"# {_one_line(line)}".rstrip() + "\n" for line in lines)
    body = yaml.dump(
        built.data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=2**31 - 1,
    )
    return header + body


def check_text(text: str, out: Path, secrets: Iterable[str]) -> None:
    """Load ``text`` as a scenario would be loaded, and make sure no secret is in it.

    :raises RecordError: if it does not load, or holds a secret.
    """
    for secret in secrets:
        if secret and secret in text:
            raise RecordError(
                f"refusing to write {out}: a token used to record appears in the recording"
            )
    try:
        load_scenario_text(text, SchemaRegistry(), source=str(out))
    except MockServerError as exc:
        first = str(exc).splitlines()[0]
        raise RecordError(f"the recording does not load as a scenario: {first}") from None


def write_atomically(out: Path, text: str) -> None:
    """Write ``text`` to ``out`` whole, or leave ``out`` as it was.

    :raises RecordError: if the directory is missing or not writable.
    """
    directory = out.parent if str(out.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise RecordError(f"cannot write {out}: {exc.strerror or exc}; check --out") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise RecordError(f"cannot write {out}: {exc.strerror or exc}; check --out") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _one_line(text: str) -> str:
    return " ".join(text.replace("\r", " ").split("\n"))
