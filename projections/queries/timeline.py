"""A partnership's timeline: each of its events as a sentence, with its log position and time.

The sentences are the case-study documents' own (``projections.case_studies.fold``), so the
portal's timeline and the exports describe an event alike; here they come for any partnership,
case study or not, with the moment each event was recorded (for "as recorded on" a date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from projections.case_studies.fold import fold_organisations, fold_partnerships
from projections.case_studies.log import stream_events
from projections.case_studies.positions import head_position
from projections.queries.db import Db
from projections.read_model import LIVE_SCHEMA
from registry.collector import paused

_UNKNOWN_NAME = "(unknown organisation)"


@dataclass(frozen=True)
class TimelineItem:
    position: int
    event_id: UUID
    type: str
    recorded_at: datetime
    date: date | None  # the domain date the event carries, if any
    text: str


async def partnership_timeline(
    db: Db, partnership_id: UUID, *, schema: str = LIVE_SCHEMA
) -> list[TimelineItem]:
    """Every event of the partnership up to the read model's head, in log order; [] if none."""
    position = await head_position(db, schema=schema)
    events = list(
        await stream_events(db, [partnership_id], position, schema, stream_type="Partnership")
    )
    # A long stream folds into many small objects; the collector is paused for the folds only,
    # never across an await (the pause is process-wide: other requests run meanwhile).
    with paused():
        state = fold_partnerships(events, timeline=True).get(partnership_id)
    if state is None:
        return []
    members = await stream_events(
        db, sorted(state.members), position, schema, stream_type="Organisation"
    )
    with paused():
        organisations = fold_organisations(members)
    recorded = {e.position: e.recorded_at for e in events}
    items = []
    for pending in state.timeline:
        text = pending.text
        if pending.organisation is not None:
            org = organisations.get(pending.organisation)
            text = text.replace("{org}", org.get("name", _UNKNOWN_NAME) if org else _UNKNOWN_NAME)
        source = pending.source
        items.append(
            TimelineItem(
                source.position,
                source.event_id,
                source.type,
                recorded[source.position],
                pending.date,
                text,
            )
        )
    return items
