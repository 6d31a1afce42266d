"""Rows of the event store -> recorded events, with the write side's own transcodings.

The projector must read exactly what the ``Registry`` application wrote, so it decodes with the
same mapper the library builds for it (``Application.construct_mapper``): a ``JSONTranscoder`` with
the library's default transcodings plus the registry's ``DateAsISO``. It does so without
constructing the application, which would open a database connection. No cipher or compressor:
the registry's environment configures neither.

A rebuild decodes every event, so ``decode`` takes the mapper's steps without building a domain
event object only to read its attributes back: the transcoder decodes the state, and the topic's
class (looked up once) names the event. An event that needs upcasting goes the mapper's whole way.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.persistence import (
    Mapper,
    StoredEvent,
)
from eventsourcing.utils import resolve_topic

from registry.transcodings import registry_transcoder

# Event ids derive from (stream, version), so a rebuilt read model gives every event the same id.
_EVENT_ID_NAMESPACE = UUID("a4b3f0c2-6d1e-4c55-9b0e-3f7f2e1d8c90")

# The library's own bookkeeping in an event's state; not part of what the event says.
_LIBRARY_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic"}
)


@dataclass(frozen=True)
class StoredRow:
    """One row of the ``registry_events`` table, as the runner selects it."""

    position: int  # notification_id
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class RecordedEvent:
    """A decoded event and where it sits in the log."""

    position: int
    event_id: UUID
    type: str  # the past-tense event name, e.g. "ActivityLogged"
    stream_type: str  # the aggregate class name, e.g. "Partnership"
    stream_id: UUID
    version: int
    recorded_at: datetime
    data: Mapping[str, Any]  # the event's own fields (actor included)


class UndecodableEvent(Exception):
    """A stored event the registry's mapper cannot turn back into a domain event."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"event at position {position} cannot be decoded: {reason}")
        self.position = position


def registry_mapper() -> Mapper[UUID]:
    return Mapper(transcoder=registry_transcoder())


_MAPPER = registry_mapper()


@functools.cache
def _event_class(topic: str) -> type:
    """The class a topic names (a module import on first sight, a dict lookup after)."""
    event_class = resolve_topic(topic)
    if not isinstance(event_class, type):
        raise TypeError(f"topic {topic!r} names no class")
    return event_class


def _stored(row: StoredRow) -> StoredEvent:
    return StoredEvent(
        originator_id=row.originator_id,
        originator_version=row.originator_version,
        topic=row.topic,
        state=row.state,
    )


def decode(row: StoredRow, mapper: Mapper[UUID] = _MAPPER) -> RecordedEvent:
    """Decode one stored row; raises ``UndecodableEvent`` for anything the mapper refuses."""
    try:
        event_class = _event_class(row.topic)
        state = mapper.transcoder.decode(row.state)
        if "class_version" in state or getattr(event_class, "class_version", 1) != 1:
            # An event stored by another version of its class: let the library upcast it.
            state = vars(mapper.to_domain_event(_stored(row)))
    except Exception as error:  # unknown topic, bad JSON, unregistered transcoding...
        raise UndecodableEvent(row.position, f"{type(error).__name__}: {error}") from error
    timestamp = state.get("timestamp")
    if not isinstance(timestamp, datetime):
        raise UndecodableEvent(row.position, "the event has no timestamp")
    stream_type, _, event_type = event_class.__qualname__.rpartition(".")
    return RecordedEvent(
        position=row.position,
        event_id=uuid5(_EVENT_ID_NAMESPACE, f"{row.originator_id}:{row.originator_version}"),
        type=event_type,
        stream_type=stream_type,
        stream_id=row.originator_id,
        version=row.originator_version,
        recorded_at=timestamp,
        data={k: v for k, v in state.items() if k not in _LIBRARY_FIELDS},
    )
