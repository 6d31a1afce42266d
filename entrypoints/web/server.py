"""``serve`` under uvicorn, with a stop that always ends: SIGTERM ends the process in 10 s.

uvicorn waits for requests in flight without limit by default, and a request can wait on a
database that went away; so requests get ``GRACE_S`` to finish, the app's shutdown closes its
pools with timeouts of its own, and should anything still hold the process (a thread blocked
on a socket no one answers), it exits anyway ``STOP_BUDGET_S`` after the signal.
"""

from __future__ import annotations

import logging
import os
import threading
from types import FrameType
from typing import Any

import uvicorn

from entrypoints.web.slow_clients import with_header_timeout

log = logging.getLogger("ppp_registry.serve")

GRACE_S = 3  # uvicorn counts it in whole seconds
STOP_BUDGET_S = 9.0


class BoundedServer(uvicorn.Server):
    """A uvicorn server whose first SIGINT or SIGTERM also arms a last-resort exit."""

    def __init__(self, config: uvicorn.Config, stop_budget: float = STOP_BUDGET_S) -> None:
        super().__init__(config)
        self._backstop = threading.Timer(stop_budget, _exit_now, args=(stop_budget,))
        self._backstop.daemon = True  # never what keeps the process alive

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if not self._backstop.is_alive():
            self._backstop.start()


def _exit_now(budget: float) -> None:
    log.error("shutdown did not finish within %s s of the signal; exiting now", budget)
    logging.shutdown()
    os._exit(1)


def run(app: Any, *, host: str, port: int, log_level: str, header_timeout: float = 10.0) -> None:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=GRACE_S,
        http=with_header_timeout(header_timeout),
    )
    BoundedServer(config).run()
