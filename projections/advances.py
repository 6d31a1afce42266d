"""Following the projector's commits, so readers waiting for a position wake at once.

The projector notifies ``<schema>_advanced`` with its new position in each batch transaction;
one listening connection per process turns that into an asyncio wake-up for every waiter.
Waiters still re-read the tracking row (the notification only says "look again"), so a lost
connection costs latency, never correctness: but a listener deaf for good would leave
``position`` behind, and the response cache keyed by it. So a lost connection (a database
restart) is made again, in the background, until it succeeds or ``close`` is called.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from projections.event_batches import TRANSIENT, advanced_channel
from projections.read_model import LIVE_SCHEMA
from projections.tracking import read_tracking

log = logging.getLogger(__name__)


# Reconnecting: the first try at once, then backing off to a try every MAX_RETRY_S.
FIRST_RETRY_S = 0.1
MAX_RETRY_S = 1.0
CONNECT_TIMEOUT_S = 5.0
CLOSE_TIMEOUT_S = 2.0


class Advances:
    def __init__(self, dsn: str, schema: str = LIVE_SCHEMA) -> None:
        self._dsn = dsn
        self._schema = schema
        self._channel = advanced_channel(schema)
        self._connection: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self.position = 0  # the highest position notified since start

    async def start(self) -> None:
        await self._listen()
        self._keeper = asyncio.create_task(self._keep_listening(), name="advances")

    async def close(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                # A connection to a server that stopped answering would wait for ever.
                await asyncio.wait_for(connection.close(), CLOSE_TIMEOUT_S)
            except (*TRANSIENT, asyncpg.PostgresError):
                connection.terminate()

    async def _listen(self) -> None:
        connection = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT_S)
        try:
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(self._channel, self._notified)
            # Listening first, then reading, so no advance falls between the two.
            tracking = await read_tracking(connection, self._schema)
        except BaseException:
            connection.terminate()
            raise
        self._connection, self._lost = connection, lost
        self.position = max(self.position, tracking.position)
        self._wake()  # whatever was missed while deaf: waiters look again

    async def _keep_listening(self) -> None:
        while True:
            await self._lost.wait()
            log.warning("advances %s: connection lost; listening again", self._schema)
            delay = FIRST_RETRY_S
            while True:
                await asyncio.sleep(delay)
                try:
                    await self._listen()
                    break
                except (*TRANSIENT, asyncpg.PostgresError) as error:
                    log.debug("advances %s: not yet: %s", self._schema, error)
                    delay = min(delay * 2, MAX_RETRY_S)
            log.warning("advances %s: listening again", self._schema)

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: object) -> None:
        with contextlib.suppress(ValueError):
            self.position = max(self.position, int(str(payload)))
        self._wake()

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
