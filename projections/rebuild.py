"""Rebuild the read model from position 0 without downtime.

The new model is built in a shadow schema while the live one keeps serving, loaded in bulk:
secondary indexes and derived figures are made once, after the log is in. Then one transaction
catches the shadow up to at least the live position and swaps the schemas by renaming, so
readers see either the old model or the whole new one. The old schema is dropped afterwards.
A rebuild that fails or is cancelled drops its shadow and leaves the live one alone.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from projections import event_batches, figures, locks, scores
from projections.read_model import (
    LIVE_SCHEMA,
    PROJECTION_NAME,
    Connection,
    create_indexes,
    create_read_model,
    drop_schema,
    quoted,
    schema_exists,
    use_schema,
)
from registry.progress import Progress

log = logging.getLogger(__name__)


class RebuildInProgress(Exception):
    """Another rebuild of the same schema holds the rebuild lock."""


def shadow_of(schema: str) -> str:
    return f"{schema}__shadow"


def retired_of(schema: str) -> str:
    return f"{schema}__old"


async def rebuild(
    dsn: str,
    *,
    schema: str = LIVE_SCHEMA,
    batch_size: int = 1000,
    events_table: str = event_batches.EVENTS_TABLE,
    progress: Progress | None = None,
) -> int:
    """Rebuild ``schema`` from the whole log; return the position the new model reached."""
    control = await asyncpg.connect(dsn)  # holds the rebuild lock for the whole rebuild
    try:
        if not await locks.try_lock(control, locks.REBUILD, schema):
            raise RebuildInProgress(f"a rebuild of {schema} is already running")
        return await _rebuild(dsn, schema, batch_size, events_table, progress)
    finally:
        await control.close()


async def _rebuild(
    dsn: str, schema: str, batch_size: int, events_table: str, progress: Progress | None
) -> int:
    shadow = shadow_of(schema)
    work = await asyncpg.connect(dsn)
    try:
        # Leftovers of a rebuild that crashed before it could clean up.
        await drop_schema(work, shadow)
        await drop_schema(work, retired_of(schema))
        # A bulk load first: no secondary indexes and no derived figures until the log is in,
        # then both made once. Nobody reads the shadow before the switch.
        await create_read_model(work, shadow, indexes=False)
        total = await work.fetchval(f"SELECT count(*) FROM {event_batches.qualified(events_table)}")  # noqa: S608
        counter = _Counter(total, progress)
        await event_batches.catch_up(
            work,
            shadow,
            batch_size=batch_size,
            events_table=events_table,
            progress=counter.part(),
            figures_each_batch=False,
        )
        await _finish_bulk_load(work, shadow)
        position = await _switch(work, schema, batch_size, events_table, counter)
    except BaseException:
        # The work connection may be mid-transaction (cancelled): end it before dropping what
        # it has locked, and finish the clean-up even if our caller is cancelled again.
        work.terminate()
        await asyncio.shield(_drop_shadow(dsn, shadow))
        raise
    try:
        await drop_schema(work, retired_of(schema))
    finally:
        await work.close()
    log.info("rebuilt %s up to position %s", schema, position)
    return position


async def _finish_bulk_load(work: Connection, shadow: str) -> None:
    async with work.transaction():
        await use_schema(work, shadow)
        await figures.recount(work)
    await create_indexes(work, shadow)
    # After the indexes: the score's correlated counts look rows up by partnership.
    await scores.recount_scores(work, shadow)
    # Fresh statistics for the tables that queries filter, join and sort (the others are read
    # by key only), so the first queries on the new model get good plans.
    for table in _PLANNED_TABLES:
        await work.execute(f"ANALYZE {quoted(shadow)}.{quoted(table)}")


_PLANNED_TABLES = (
    "partnership_summary",
    "partnership_partners",
    "organisation_summary",
    "region_stats",
)


async def _switch(
    work: Connection, schema: str, batch_size: int, events_table: str, counter: _Counter
) -> int:
    shadow = shadow_of(schema)
    async with work.transaction():
        if await schema_exists(work, schema):
            # Holding the live tracking row stops the live projector between batches, so the
            # shadow, caught up below, is never behind what readers have already seen.
            await work.fetchval(
                f"SELECT position FROM {quoted(schema)}.projection_tracking"  # noqa: S608
                " WHERE projection = $1 FOR UPDATE",
                PROJECTION_NAME,
            )
            await work.execute(
                f"ALTER SCHEMA {quoted(schema)} RENAME TO {quoted(retired_of(schema))}"
            )
        position = await event_batches.catch_up(
            work, shadow, batch_size=batch_size, events_table=events_table, progress=counter.part()
        )
        await work.execute(f"ALTER SCHEMA {quoted(shadow)} RENAME TO {quoted(schema)}")
    return position


async def _drop_shadow(dsn: str, shadow: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await drop_schema(connection, shadow)
    finally:
        await connection.close()


class _Counter:
    """Adds up the events of the rebuild's catch-ups and reports them with the total known at
    the start (each catch-up counts its own events from zero)."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.done = 0
        self.progress = progress

    def part(self) -> Progress:
        """The progress callback of the next catch-up."""
        before = self.done

        def report(applied: int, _total: int) -> None:
            self.done = before + applied
            if self.progress is not None:
                # Events appended during the rebuild make ``done`` overtake the first count.
                self.progress(self.done, max(self.total, self.done))

        return report
