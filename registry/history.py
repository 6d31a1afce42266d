"""A partnership as it stood at a past moment, at a bounded cost: the time-travel reads.

Rebuilding used to read the whole stream twice (once to find the version at the moment, once
to replay up to it): 1,944 events per request on the write side's threads. Here the version at
a moment is found by bisecting the stream's event times (a couple of dozen one-event reads),
the rebuild starts from the nearest snapshot at or before that version, and each rebuild leaves
a snapshot at every multiple of the snapshot interval it passes, so the next one replays at
most an interval. A request may replay at most ``max_events`` events: a longer stretch (a long
stream never read back in time before) is replayed that far, its snapshots kept, and refused
with ``HistoryTooLong``, so that each retry gets further and costs no more than the last.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import EventStore, IntegrityError

from registry.application import Registry
from registry.domain.partnership import Partnership
from registry.event_store import ddl_locked
from registry.snapshots import PartnershipSnapshot


class HistoryTooLong(Exception):
    def __init__(self, events: int, limit: int) -> None:
        super().__init__(
            f"rebuilding this partnership at that moment replays {events} events, over the"
            f" limit of {limit} a request; the part replayed was kept: retry to continue"
        )
        self.events = events
        self.limit = limit


class HistoryRegistry(Registry):
    """The registry with a snapshot store, for the time-travel reads (its own connections)."""

    name = "Registry"  # the library names tables after the application: the same tables
    is_snapshotting_enabled = True
    snapshot_class = PartnershipSnapshot

    def construct_snapshot_store(self) -> EventStore[UUID]:
        # The library creates the snapshot table as it makes the store. Servers starting
        # together on a new database raced there (PostgreSQL's catalog refuses the second
        # CREATE TABLE IF NOT EXISTS: 1 start in 15 with four at once), so it is created under
        # the lock the event store's own tables are created under.
        with ddl_locked(self.store.datastore):
            return super().construct_snapshot_store()


def version_at(registry: Registry, partnership_id: UUID, moment: datetime) -> int | None:
    """The last version recorded at or before ``moment``, or None (none, or no such stream).

    Versions run 1, 2, ... without gaps and each event's time is at least its predecessor's
    (the write side stamps events as it triggers them, in order), so a bisection agrees with a
    scan of the whole stream.
    """
    head = _event(registry, partnership_id, None)
    if head is None:
        return None
    if head.timestamp <= moment:
        return head.originator_version
    low, high = 0, head.originator_version  # the answer is in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        event = _event(registry, partnership_id, middle)
        if event is not None and event.timestamp <= moment:
            low = middle
        else:
            high = middle
    return low or None


def _event(registry: Registry, aggregate_id: UUID, version: int | None) -> DomainEvent | None:
    if version is None:
        found = registry.events.get(aggregate_id, desc=True, limit=1)
    else:
        found = registry.events.get(aggregate_id, gt=version - 1, lte=version)
    event = next(iter(found), None)
    return event if isinstance(event, DomainEvent) else None


def partnership_at(
    registry: HistoryRegistry,
    partnership_id: UUID,
    moment: datetime,
    *,
    interval: int,
    max_events: int,
) -> Partnership | None:
    """The partnership as it stood at ``moment``; None if it did not exist then."""
    version = version_at(registry, partnership_id, moment)
    if version is None:
        return None
    return partnership_version(
        registry, partnership_id, version, interval=interval, max_events=max_events
    )


def partnership_version(
    registry: HistoryRegistry,
    partnership_id: UUID,
    version: int,
    *,
    interval: int,
    max_events: int,
) -> Partnership | None:
    assert registry.snapshots is not None
    snapshots = registry.snapshots.get(partnership_id, desc=True, limit=1, lte=version)
    snapshot: Any = next(iter(snapshots), None)  # a PartnershipSnapshot, typed by protocol
    aggregate: Any = snapshot.mutate(None) if snapshot is not None else None
    start = aggregate.version if aggregate is not None else 0
    stop = min(version, start + max_events)
    for event in _events(registry, partnership_id, start, stop):
        aggregate = event.mutate(aggregate)
        if aggregate.version % interval == 0 and aggregate.version > start:
            _keep(registry, aggregate)
    if stop < version:
        raise HistoryTooLong(version - start, max_events)
    return aggregate if isinstance(aggregate, Partnership) else None


def _events(registry: Registry, aggregate_id: UUID, after: int, upto: int) -> Iterator[Any]:
    # Any: the library types stored events by protocol, without the ``mutate`` they all have.
    if upto > after:
        yield from registry.events.get(aggregate_id, gt=after, lte=upto)


def _keep(registry: HistoryRegistry, aggregate: Any) -> None:
    if not isinstance(aggregate, Partnership):
        return
    assert registry.snapshots is not None
    # Another rebuild may have kept this version first: the same state.
    with contextlib.suppress(IntegrityError):
        registry.snapshots.put([PartnershipSnapshot.take(aggregate)])
