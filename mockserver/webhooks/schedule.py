"""Scheduled webhook events: a background thread triggers the scenario's ``events.schedule``."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from mockserver.world.store import ProjectView

if TYPE_CHECKING:
    from mockserver.state import MockState

log = logging.getLogger("mockserver")


class Scheduler:
    """Triggers each scheduled event every ``every`` seconds until :meth:`stop`.

    :param state: the app's state (its store resolves the projects, its deliverer sends).
    """

    def __init__(self, state: MockState) -> None:
        self._state = state
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """One daemon thread per scheduled event."""
        for scheduled in self._state.store.world.schedule:
            thread = threading.Thread(
                target=self._run,
                args=(scheduled.project, scheduled.type, scheduled.every),
                name=f"mockserver-schedule-{scheduled.project}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def _run(self, project: str, event_type: str, every: float) -> None:
        # Event.wait is the timer: stop() ends every thread at once, mid-interval.
        while not self._stop.wait(every):
            org, slug = project.split("/")
            found = self._state.store.resolve(org, slug)
            if isinstance(found, ProjectView):
                triggered = self._state.deliverer.trigger(found, event_type)
                log.info(
                    "scheduled %s for %s: %d hook(s)", event_type, project, len(triggered.hook_ids)
                )

    def stop(self) -> None:
        """Stop every schedule thread and wait for them."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
