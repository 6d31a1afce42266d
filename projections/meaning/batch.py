"""A batch's meaning as a whole, and the audit log rows of its events."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from projections.decoding import RecordedEvent
from projections.meaning.core import Meaning, Write, meaning_of


# ---------------------------------------------------------------------- the audit log
def log_row(e: RecordedEvent) -> tuple[object, ...]:
    """The event_log row of an event: what the `events` query and subscriptions show."""
    actor = e.data.get("actor")
    principal = actor.get("principal") if isinstance(actor, Mapping) else None
    return (
        e.position,
        e.event_id,
        e.type,
        e.stream_id,
        e.stream_type,
        e.version,
        e.recorded_at,
        principal,
        as_json(e.data),
    )


def as_json(data: Mapping[str, Any]) -> str:
    """The event's data as JSON text for its jsonb column (which orders keys itself)."""
    try:
        # The encoder walks containers in C and calls back only for the few values JSON lacks:
        # several times faster than building a plain copy first, on every event of a rebuild.
        return json.dumps(data, default=_plain_leaf)
    except TypeError:  # a mapping keyed by something other than text
        return json.dumps(plain(data), sort_keys=True)


def _plain_leaf(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (Enum, UUID, Decimal, date, datetime)):
        return plain(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def plain(value: Any) -> Any:
    """Event values as JSON: ids and dates as strings, enums as their values."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------- a batch
@dataclass
class BatchMeaning:
    """What a batch of events means, gathered so the runner can refresh figures once."""

    writes: list[Write] = field(default_factory=list)
    log_rows: list[tuple[object, ...]] = field(default_factory=list)
    # Latest (version, recorded_at, position) of each stream, by its summary table.
    heads: dict[str, dict[UUID, tuple[int, datetime, int]]] = field(default_factory=dict)
    partnerships: set[UUID] = field(default_factory=set)
    trained: set[UUID] = field(default_factory=set)
    organisations: set[UUID] = field(default_factory=set)
    resectored: set[UUID] = field(default_factory=set)

    def add(self, event: RecordedEvent, meaning: Meaning) -> None:
        self.writes.extend(meaning.writes)
        self.partnerships |= meaning.partnerships
        self.trained |= meaning.trained
        self.organisations |= meaning.organisations
        self.resectored |= meaning.resectored
        if not meaning.logged:
            return
        self.log_rows.append(log_row(event))
        table = _SUMMARY_OF.get(event.stream_type)
        if table is not None:
            head = (event.version, event.recorded_at, event.position)
            self.heads.setdefault(table, {})[event.stream_id] = head


_SUMMARY_OF = {"Partnership": "partnership_summary", "Organisation": "organisation_summary"}


def head_writes(heads: Mapping[str, Mapping[UUID, tuple[int, datetime, int]]]) -> list[Write]:
    """One set-based update per summary table: version and updated_at of every touched stream."""
    writes = []
    for table, by_id in sorted(heads.items()):
        ids = list(by_id)
        versions, times, positions = zip(*(by_id[i] for i in ids), strict=True)
        writes.append(
            Write(
                f"UPDATE {table} AS t SET version = h.v, updated_at = h.at, updated_position = h.p"  # noqa: S608
                " FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::bigint[])"
                " AS h(id, v, at, p)"
                " WHERE t.id = h.id",
                (ids, list(versions), list(times), list(positions)),
                (table, "heads"),
            )
        )
    return writes


def meaning_of_batch(events: Sequence[RecordedEvent]) -> BatchMeaning:
    batch = BatchMeaning()
    for event in events:
        batch.add(event, meaning_of(event))
    return batch
