"""The audit log: events past a position, pages of them, and their cursors."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.keysets import BadCursor, decode_cursor, encode_cursor
from projections.queries.db import Db
from projections.queries.pages import Page, check_first
from projections.queries.records import EVENT_COLUMNS, EventRecord, event_record
from projections.read_model import LIVE_SCHEMA, quoted

_MAX_POSITION = 2**63 - 1  # bigint: a larger cursor value would fail in the driver, not here

_EVENTS = "EVENTS"


def event_cursor(position: int) -> str:
    """The cursor of the event at ``position`` in the audit log."""
    return encode_cursor(_EVENTS, position)


def decode_position(text: str) -> int:
    """A log position from an event cursor or from a position as the API prints it (digits)."""
    if text.isascii() and text.isdigit():
        position = int(text)
    else:
        (position,) = decode_cursor(text, _EVENTS, 2)
    # bool is an int to Python but never a position.
    if not isinstance(position, int) or isinstance(position, bool):
        raise BadCursor("not a log position")
    if not 0 <= position <= _MAX_POSITION:
        raise BadCursor("not a log position")
    return position


def _events_sql(schema: str, stream_id: UUID | None) -> str:
    # Two texts rather than "$2 IS NULL OR stream_id = $2": a prepared statement's generic plan
    # could then use neither the position key nor the (stream_id, position) index.
    stream = " AND stream_id = $3" if stream_id is not None else ""
    return (
        f"SELECT {EVENT_COLUMNS} FROM {quoted(schema)}.event_log"  # noqa: S608
        f" WHERE position > $1{stream} ORDER BY position LIMIT $2"
    )


async def events_after(
    db: Db, after: int, stream_id: UUID | None, limit: int, *, schema: str = LIVE_SCHEMA
) -> list[EventRecord]:
    """Up to ``limit`` events past ``after``, of one stream or all, in log order."""
    if limit < 1:  # LIMIT 0 would make a subscription's polling loop spin on nothing
        raise ValueError(f"limit must be positive, not {limit}")
    args: list[Any] = [after, limit] + ([stream_id] if stream_id is not None else [])
    rows = await db.fetch(_events_sql(schema, stream_id), *args)
    return [event_record(row) for row in rows]


async def events_page(
    db: Db, after: int | None, first: int, stream_id: UUID | None, *, schema: str = LIVE_SCHEMA
) -> Page[EventRecord]:
    """A page of the audit log; positions are the keyset, so no count is needed to page.

    ``total_count`` is the page's own length: the contract's event connection has no total, and
    counting a whole log per page would cost a scan of it.
    """
    check_first(first)
    found = await events_after(db, after or 0, stream_id, first + 1, schema=schema)
    shown = found[:first]
    return Page(
        items=shown,
        cursors=[event_cursor(e.position) for e in shown],
        has_next_page=len(found) > first,
        has_previous_page=after is not None,
        total_count=len(shown),
    )
