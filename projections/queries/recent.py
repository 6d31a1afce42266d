"""The latest events of the audit log, newest first: what the registry learnt most recently."""

from __future__ import annotations

from projections.queries.db import Db
from projections.queries.records import EVENT_COLUMNS, EventRecord, event_record
from projections.read_model import LIVE_SCHEMA, quoted


async def latest_events(db: Db, limit: int, *, schema: str = LIVE_SCHEMA) -> list[EventRecord]:
    """Up to ``limit`` events, the newest first (a backward range scan of the position key)."""
    if not 1 <= limit <= 100:
        raise ValueError(f"limit must be between 1 and 100, not {limit}")
    rows = await db.fetch(
        f"SELECT {EVENT_COLUMNS} FROM {quoted(schema)}.event_log"  # noqa: S608
        " ORDER BY position DESC LIMIT $1",
        limit,
    )
    return [event_record(row) for row in rows]
