"""Proving a bound without timing anything: run a call in a thread and assert it finished
before a deadline (``join(timeout=...)``), then hand back what it returned or raised."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from typing import TypeVar

T = TypeVar("T")

#: Generous for work that takes milliseconds, on a loaded two-core machine; what it guards
#: against (a billion laughs, a recursion) takes minutes or never ends.
DEADLINE = 5.0


def within(call: Callable[[], T], seconds: float = DEADLINE) -> T:
    """``call()``, asserted to have finished within ``seconds``; its exception is re-raised."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the caller's thread
            outcome["error"] = exc

    # A daemon: a call that never ends must not keep the test process alive.
    thread = threading.Thread(target=run, name="within-deadline", daemon=True)
    thread.start()
    thread.join(timeout=seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value
