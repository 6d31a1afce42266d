"""Following the projector's commits, so readers waiting for a position wake at once.

The projector notifies ``<schema>_advanced`` with its new position in each batch transaction;
one listening connection per process turns that into an asyncio wake-up for every waiter.
Waiters still re-read the tracking row (the notification only says "look again"), so a lost
connection costs latency, never correctness.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from projections.batches import advanced_channel
from projections.read_model import LIVE_SCHEMA
from projections.tracking import read_tracking

log = logging.getLogger(__name__)


class Advances:
    def __init__(self, dsn: str, schema: str = LIVE_SCHEMA) -> None:
        self._dsn = dsn
        self._schema = schema
        self._channel = advanced_channel(schema)
        self._connection: asyncpg.Connection | None = None
        self._changed = asyncio.Event()
        self.position = 0  # the highest position notified since start

    async def start(self) -> None:
        self._connection = await asyncpg.connect(self._dsn)
        await self._connection.add_listener(self._channel, self._notified)
        # Listening first, then reading, so no advance falls between the two.
        tracking = await read_tracking(self._connection, self._schema)
        self.position = max(self.position, tracking.position)

    async def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                await self._connection.close()
            self._connection = None

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: object) -> None:
        with contextlib.suppress(ValueError):
            self.position = max(self.position, int(str(payload)))
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def observe(self, position: int) -> None:
        """A reader saw the tracking row at ``position``: never key on anything older."""
        self.position = max(self.position, position)

    def signal(self) -> asyncio.Event:
        """The event the next advance sets. Take it *before* reading the tracking row, so an
        advance between that read and the wait is not missed."""
        return self._changed

    @staticmethod
    async def wait(signal: asyncio.Event, timeout: float) -> None:
        """Return when ``signal`` is set, or after ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(signal.wait(), timeout)
