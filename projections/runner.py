"""Running the projector: leader election, catch-up, live following, status.

Several processes may run a ``Projector`` against one database; the one holding the advisory
lock applies events, the others wait as hot standbys and retry every ``poll_interval``. The
leader wakes on the event store's NOTIFY and polls as a fallback. Leadership is an efficiency
matter only: exactly-once rests on the tracking compare-and-set in each batch transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

import asyncpg
import asyncpg.exceptions as pg

from projections import event_batches, locks
from projections.advances import Advances
from projections.event_batches import EVENTS_TABLE, TRANSIENT, ProjectionStopped
from projections.read_model import (
    CREATED_BY_ANOTHER,
    LIVE_SCHEMA,
    AnyConnection,
    Connection,
    create_read_model,
    current_build,
    schema_exists,
    stored_build,
)
from projections.rebuild import RebuildInProgress, rebuild
from projections.tracking import Tracking, read_tracking

log = logging.getLogger(__name__)

# The library notifies this channel on every append (the events table's name).
CHANNEL = "registry_events"


@dataclass(frozen=True)
class ProjectionStatus:
    position: int
    head: int
    lag: int  # events in the log not yet applied
    rebuilding: bool
    last_error: str | None
    failed_position: int | None


class Projector:
    def __init__(
        self,
        dsn: str,
        *,
        schema: str = LIVE_SCHEMA,
        batch_size: int = 1000,
        events_table: str = EVENTS_TABLE,
        channel: str = CHANNEL,
        poll_interval: float = 1.0,
    ) -> None:
        self.dsn = dsn
        self.schema = schema
        self.batch_size = batch_size
        self.events_table = events_table
        self.channel = channel
        self.poll_interval = poll_interval

    async def catch_up(self) -> int:
        """Apply everything up to the head of the log now; return the position reached."""
        connection = await asyncpg.connect(self.dsn)
        try:
            await self._prepare(connection)
            return await self._catch_up(connection)
        finally:
            await connection.close()

    async def run(self, stop: asyncio.Event) -> None:
        """Lead when elected, follow the log live, until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self._lead_when_elected(stop)
            except (*TRANSIENT, RebuildInProgress) as error:
                log.warning("projector %s: %s; retrying", self.schema, error)
                await _wait(stop, self.poll_interval)

    async def _lead_when_elected(self, stop: asyncio.Event) -> None:
        leadership = await asyncpg.connect(self.dsn)
        try:
            while not await locks.try_lock(leadership, locks.PROJECTOR, self.schema):
                if await _wait(stop, self.poll_interval):
                    return
            log.info("projector %s: leading", self.schema)
            wake = asyncio.Event()
            # Listen before the first catch-up, so no append between the two goes unnoticed.
            await leadership.add_listener(self.channel, lambda *_: wake.set())
            work = await asyncpg.connect(self.dsn)
            try:
                stopped = False
                try:
                    await self._prepare(work)
                except ProjectionStopped:
                    # A rebuild met a poison event: the old model stays, and must not be fed
                    # by code it was not built for.
                    stopped = True
                await self._follow(stop, leadership, work, wake, stopped=stopped)
            finally:
                await _close(work)
        finally:
            await _close(leadership)

    async def _follow(
        self,
        stop: asyncio.Event,
        leadership: Connection,
        work: Connection,
        wake: asyncio.Event,
        *,
        stopped: bool,
    ) -> None:
        checked = time.monotonic()
        while not stop.is_set():
            wake.clear()
            if not stopped:
                try:
                    await self._catch_up(work, stop)
                except ProjectionStopped:
                    # Recorded and logged; keep the lock so a standby does not fail the same way.
                    stopped = True
            await _wait(stop, self.poll_interval, wake)
            # The lock lives in this session: if the connection is gone, so is leadership. Once
            # a poll interval, not after every batch: a round trip in each live batch's path,
            # and a second projector meanwhile is safe (the tracking compare-and-set).
            if time.monotonic() - checked >= self.poll_interval:
                await leadership.fetchval("SELECT 1")
                checked = time.monotonic()

    async def _catch_up(self, connection: Connection, stop: asyncio.Event | None = None) -> int:
        return await event_batches.catch_up(
            connection,
            self.schema,
            batch_size=self.batch_size,
            events_table=self.events_table,
            should_stop=stop.is_set if stop is not None else lambda: False,
        )

    async def _prepare(self, connection: Connection) -> None:
        """Create the read model if there is none; rebuild it if other code or data built it."""
        build = await stored_build(connection, self.schema)
        if build == current_build():
            return
        if build is None and not await schema_exists(connection, self.schema):
            # Nothing is served yet, so build in place: readers see it fill up.
            with contextlib.suppress(*CREATED_BY_ANOTHER):  # another process was quicker
                await create_read_model(connection, self.schema)
            return
        log.warning(
            "read model %s was built by %s, not %s: rebuilding", self.schema, build, current_build()
        )
        await rebuild(
            self.dsn, schema=self.schema, batch_size=self.batch_size, events_table=self.events_table
        )


RECHECK_S = 0.5  # how often a waiter on notifications reads the tracking row anyway


async def wait_for_position(
    pool: asyncpg.Pool,
    position: int,
    timeout: float,
    schema: str = LIVE_SCHEMA,
    advances: Advances | None = None,
) -> bool:
    """Wait until the read model has applied ``position``; False on timeout or if it cannot.

    With ``advances`` the wait wakes on the projector's notification; without, it polls.
    """
    deadline = time.monotonic() + timeout
    pause = 0.002
    while True:
        signal = advances.signal() if advances is not None else None
        # A connection per look, so that waiting readers do not hold the pool's connections.
        async with pool.acquire() as connection:
            tracking = await _tracking(connection, schema)
        looked = time.monotonic()
        if tracking.position >= position:
            if advances is not None:
                advances.observe(tracking.position)
            return True
        if tracking.failed_position is not None and tracking.failed_position <= position:
            return False  # stopped before it: waiting longer will not help
        if signal is None:
            if (remaining := deadline - time.monotonic()) <= 0:
                return False
            await asyncio.sleep(min(pause, remaining))
            continue
        # Look again only once an advance may have reached it, or now and then (a notification
        # may be lost): waiters for a position past the head must not poll PostgreSQL.
        while True:
            if (remaining := deadline - time.monotonic()) <= 0:
                return False
            await Advances.wait(signal, min(RECHECK_S, remaining))
            assert advances is not None
            signal = advances.signal()  # before the check: an advance after it wakes the next
            if advances.position >= position or time.monotonic() - looked >= RECHECK_S:
                break
        pause = min(pause * 2, 0.05)


async def status(
    pool: asyncpg.Pool, schema: str = LIVE_SCHEMA, events_table: str = EVENTS_TABLE
) -> ProjectionStatus:
    async with pool.acquire() as conn:
        tracking = await _tracking(conn, schema)
        table = event_batches.qualified(events_table)
        head = await conn.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {table}")  # noqa: S608
        # Positions have gaps (rolled-back appends), so count the events instead of subtracting.
        lag = await conn.fetchval(
            f"SELECT count(*) FROM {table} WHERE notification_id > $1",  # noqa: S608
            tracking.position,
        )
        rebuilding = await locks.is_locked(conn, locks.REBUILD, schema)
    return ProjectionStatus(
        position=tracking.position,
        head=head,
        lag=lag,
        rebuilding=rebuilding,
        last_error=tracking.last_error,
        failed_position=tracking.failed_position,
    )


async def _tracking(connection: AnyConnection, schema: str) -> Tracking:
    try:
        return await read_tracking(connection, schema)
    except (pg.UndefinedTableError, pg.InvalidSchemaNameError):
        return Tracking(0, None, None)  # no read model yet: nothing applied


async def _wait(stop: asyncio.Event, timeout: float, wake: asyncio.Event | None = None) -> bool:
    """Sleep until ``stop`` or ``wake`` is set, or ``timeout`` passes; True if stopping."""
    waiters = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waiters.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    return stop.is_set()


async def _close(connection: Connection) -> None:
    try:
        await asyncio.wait_for(connection.close(), timeout=5)
    except TRANSIENT:
        connection.terminate()  # it is broken anyway; do not hide the error we are handling
    except asyncio.CancelledError:
        connection.terminate()
        raise
