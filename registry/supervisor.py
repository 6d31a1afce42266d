"""``serve``'s watch over the embedded PostgreSQL: restarted when its postmaster dies.

An embedded server has no service manager to bring it back: killed (``kill -9``, the OOM
killer), it stays down and the API with it. The supervisor looks every ``interval`` seconds,
from a thread of its own (starting PostgreSQL blocks for a second or more, and must not wait
on the event loop or on the write side's threads), and starts it again in place through
``revive_embedded``. The pools reconnect by themselves once it answers.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from registry.database import revive_embedded
from registry.settings import Settings

log = logging.getLogger("ppp_registry.supervisor")

CHECK_INTERVAL_S = 0.25


class EmbeddedSupervisor:
    """While entered, restart the embedded server of ``settings`` whenever it has died."""

    def __init__(self, settings: Settings, interval: float = CHECK_INTERVAL_S) -> None:
        if settings.database_url is not None:
            raise ValueError("only the embedded server is supervised; DATABASE_URL is not ours")
        self._settings = settings
        self._interval = interval
        self._stop = threading.Event()
        # A daemon: a restart stuck in pg_ctl must never keep the process from exiting.
        self._thread = threading.Thread(
            target=self._watch, name="embedded-postgres-supervisor", daemon=True
        )
        self.restarts = 0

    def __enter__(self) -> EmbeddedSupervisor:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        # Stop before the server is left, so that a stop is not taken for a death; a restart
        # under way holds the lock that leaving takes, so it finishes before the server is left.
        self._thread.join(timeout=2)

    def _watch(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                revived = revive_embedded(self._settings)
            except Exception:
                # It may be still starting, or crash recovery outlasted pg_ctl's wait: the next
                # look finds it running, or tries again.
                log.exception("the embedded PostgreSQL could not be restarted; trying again")
                continue
            if revived:
                self.restarts += 1
                log.warning("the embedded PostgreSQL had stopped; restarted it")
