"""Applying the log to a read-model schema: read a batch, decode it, write it with its position.

A batch commits whole, together with its tracking position, or not at all. When a batch fails
for a reason that is not the database's or the network's, its events are applied one at a time
to find the one at fault: the events before it are kept, it is recorded as the projection's
failure, and nothing after it is applied.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg
import asyncpg.exceptions as pg

from projections import figures, scores
from projections.decoding import RecordedEvent, StoredRow, decode
from projections.meaning import BatchMeaning, Meaning, Write, head_writes, meaning_of
from projections.read_model import PROJECTION_NAME, Connection, quoted
from projections.tracking import (
    TrackingMoved,
    open_batch,
    read_tracking,
    record_failure,
    tracking_table,
)
from registry.progress import Progress

log = logging.getLogger(__name__)

EVENTS_TABLE = "public.registry_events"

# Failures of the environment, not of an event: retry the batch later rather than blame it.
# A missing schema or table is here too: it means a rebuild switched schemas under us.
TRANSIENT = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.InterfaceError,
    pg.PostgresConnectionError,
    pg.TransactionRollbackError,  # serialisation failures, deadlocks
    pg.InvalidCachedStatementError,
    pg.OutdatedSchemaCacheError,
    pg.OperatorInterventionError,  # shutdown, cancel
    pg.InsufficientResourcesError,
    pg.LockNotAvailableError,
    pg.UndefinedTableError,
    pg.InvalidSchemaNameError,
    TrackingMoved,
)


class ProjectionStopped(Exception):
    """An event could not be applied; the projection stays before it until the cause is fixed."""

    def __init__(self, position: int, error: str) -> None:
        super().__init__(f"projection stopped at position {position}: {error}")
        self.position = position
        self.error = error


@dataclass(frozen=True)
class Understood:
    event: RecordedEvent
    meaning: Meaning


def advanced_channel(schema: str) -> str:
    """The channel a projection notifies, with its new position, when a batch commits."""
    return f"{schema}_advanced"


def qualified(table: str) -> str:
    return ".".join(quoted(part) for part in table.split("."))


async def fetch_rows(
    connection: Connection, after: int, limit: int, events_table: str = EVENTS_TABLE
) -> list[StoredRow]:
    # Appends take a table lock and commit in position order (see registry.event_store), so
    # once a position is visible every lower one is too: reading "after" never skips an event.
    sql = (
        "SELECT notification_id, originator_id, originator_version, topic, state"  # noqa: S608
        f" FROM {qualified(events_table)} WHERE notification_id > $1"
        " ORDER BY notification_id LIMIT $2"
    )
    rows = await connection.fetch(sql, after, limit)
    return [StoredRow(r[0], r[1], r[2], r[3], bytes(r[4])) for r in rows]


async def rows_after_tracking(
    connection: Connection, schema: str, limit: int, events_table: str = EVENTS_TABLE
) -> tuple[int, list[StoredRow]]:
    """The projection's position and the events after it: ``read_tracking`` and then
    ``fetch_rows`` in one statement (a round trip less before each live batch)."""
    sql = (
        "SELECT t.position, e.notification_id, e.originator_id, e.originator_version,"  # noqa: S608
        f" e.topic, e.state FROM {tracking_table(schema)} t LEFT JOIN LATERAL ("
        " SELECT notification_id, originator_id, originator_version, topic, state"
        f" FROM {qualified(events_table)} WHERE notification_id > t.position"
        " ORDER BY notification_id LIMIT $2) e ON true WHERE t.projection = $1"
        " ORDER BY e.notification_id"  # in log order, as they must be applied
    )
    rows = await connection.fetch(sql, PROJECTION_NAME, limit)
    if not rows:
        raise LookupError(f"no tracking row in schema {schema}")
    stored = [StoredRow(r[1], r[2], r[3], r[4], bytes(r[5])) for r in rows if r[1] is not None]
    return rows[0][0], stored


async def catch_up(
    connection: Connection,
    schema: str,
    *,
    batch_size: int = 1000,
    events_table: str = EVENTS_TABLE,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Progress | None = None,
    figures_each_batch: bool = True,
) -> int:
    """Apply batches until the head; return the position reached.

    Raises ``ProjectionStopped`` at a poison event, after recording it. Without
    ``figures_each_batch`` (a rebuild's bulk load, which nobody reads yet) the derived figures
    are left for ``figures.recount``. ``progress(done, total)`` is called as each batch commits
    with the events this call has applied so far; it does not count the log ahead, so the total
    it gives is the same number (a caller that knows the total, as a rebuild does, uses its own).
    """
    applied = 0
    while True:
        # Read back every time: after a rebuild's switch the schema holds another position.
        if should_stop():
            return (await read_tracking(connection, schema)).position
        position, rows = await rows_after_tracking(connection, schema, batch_size, events_table)
        if not rows:
            return position
        reached = await apply_rows(
            connection, schema, position, rows, figures_each_batch=figures_each_batch
        )
        applied += len(rows)
        if progress is not None:
            progress(applied, applied)
        if len(rows) < batch_size:
            # The log had nothing more, so reading again would find nothing: one round trip
            # less for every live batch. A later append notifies the projector anew.
            return reached


async def apply_rows(
    connection: Connection,
    schema: str,
    position: int,
    rows: Sequence[StoredRow],
    *,
    figures_each_batch: bool = True,
) -> int:
    """Apply ``rows``, the events after ``position``, in one transaction; return where it got."""
    understood, failure = _understand(rows)
    if understood:
        try:
            await _commit(connection, schema, position, understood, figures_each_batch)
        except TRANSIENT:
            raise
        except Exception:
            log.warning("batch after position %s failed; applying its events one by one", position)
            await _apply_one_by_one(connection, schema, position, understood, figures_each_batch)
        position = understood[-1].event.position
    if failure is not None:
        await _stop(connection, schema, *failure)
    return position


def _understand(rows: Sequence[StoredRow]) -> tuple[list[Understood], tuple[int, Exception] | None]:
    """Decode rows and find their meaning, up to the first that fails (pure, no I/O)."""
    understood: list[Understood] = []
    for row in rows:
        try:
            event = decode(row)
            understood.append(Understood(event, meaning_of(event)))
        except Exception as error:
            return understood, (row.position, error)
    return understood, None


async def _apply_one_by_one(
    connection: Connection,
    schema: str,
    position: int,
    understood: Sequence[Understood],
    figures_each_batch: bool,
) -> None:
    for item in understood:
        try:
            await _commit(connection, schema, position, [item], figures_each_batch)
        except TRANSIENT:
            raise
        except Exception as error:
            await _stop(connection, schema, item.event.position, error)
        position = item.event.position


async def _stop(connection: Connection, schema: str, position: int, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"
    log.error("projection %s stopped at position %s: %s", schema, position, message)
    await record_failure(connection, schema, position, message)
    raise ProjectionStopped(position, message) from error


async def _commit(
    connection: Connection,
    schema: str,
    position: int,
    understood: Sequence[Understood],
    figures_each_batch: bool = True,
) -> None:
    batch = BatchMeaning()
    for item in understood:
        batch.add(item.event, item.meaning)
    async with connection.transaction():
        # First, so a concurrent projector waits here and then finds the position moved. Its
        # notification is delivered on commit: readers waiting for a position wake at once
        # instead of polling.
        reached = understood[-1].event.position
        await open_batch(connection, schema, position, reached, advanced_channel(schema))
        if figures_each_batch:
            await _write_with_figures(connection, schema, batch)
        else:
            await _write(connection, schema, batch)


# A live batch holds a few events: one INSERT is one round trip, COPY two. A rebuild's batches
# of a thousand go faster by COPY.
COPY_FROM = 64
_INSERT_LOG = (
    "INSERT INTO event_log (position, event_id, type, stream_id, stream_type, version,"
    " recorded_at, actor, data) SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[],"
    " $4::uuid[], $5::text[], $6::integer[], $7::timestamptz[], $8::text[], $9::jsonb[])"
)


async def _write(connection: Connection, schema: str, batch: BatchMeaning) -> None:
    await _run(connection, batch.writes)
    if len(batch.log_rows) >= COPY_FROM:
        await connection.copy_records_to_table(
            "event_log", records=batch.log_rows, schema_name=schema
        )
    elif batch.log_rows:
        await connection.execute(
            _INSERT_LOG, *(list(column) for column in zip(*batch.log_rows, strict=True))
        )
    await _run(connection, head_writes(batch.heads))


async def _write_with_figures(connection: Connection, schema: str, batch: BatchMeaning) -> None:
    # Partnerships whose shape changes leave region_stats before the writes and come back
    # after; those whose only change is people trained just add the difference.
    reshaped = batch.partnerships | await figures.partnerships_of(connection, batch.resectored)
    await figures.shift_region_stats(connection, reshaped, -1)
    await _write(connection, schema, batch)
    await figures.refresh_people_trained(
        connection, reshaped | batch.trained, counted_elsewhere=reshaped
    )
    await figures.refresh_partnership_counts(connection, batch.organisations)
    await figures.shift_region_stats(connection, reshaped, 1)
    # Every fact the evidence score counts is written by an event of the partnership itself.
    await scores.refresh_scores(connection, schema, batch.heads.get("partnership_summary", {}))
    if reshaped:  # only a partnership leaving an area can leave a row at zero
        await figures.drop_empty_region_stats(connection)


async def _run(connection: Connection, writes: Sequence[Write]) -> None:
    for round_ in _rounds(writes):
        by_statement: dict[str, list[tuple[object, ...]]] = {}
        for write in round_:
            by_statement.setdefault(write.sql, []).append(write.args)
        for sql, args in by_statement.items():
            if len(args) == 1:
                await connection.execute(sql, *args[0])
            else:
                await connection.executemany(sql, args)


def _rounds(writes: Sequence[Write]) -> list[list[Write]]:
    """Split writes into rounds that write each row at most once, keeping each row's order.

    Writes to different rows commute, so within a round the writes of one statement can go
    together as one executemany, however the event types of a batch interleave.
    """
    rounds: list[list[Write]] = []
    next_round: dict[tuple[object, ...], int] = {}
    for write in writes:
        n = next_round.get(write.key, 0)
        next_round[write.key] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(write)
    return rounds
