"""``partnership(asOf:)``: time-travel reads on a pool of their own, so reads never starve writes.

They used to run on the write side's threads and connections: two anonymous clients reading a
1,944-event partnership back in time pushed an admin's ``logActivity`` from 33 ms to 7-17 s.
Now they run on their own few threads with their own registry (its own connection pool); each
client address may have a few in flight at once, a short queue may wait for a thread, and each
request replays a bounded number of events (``registry.history``). What is over a limit is
refused at once with the code ``TIME_TRAVEL_LIMITED``, which says to retry later.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import anyio
import anyio.to_thread
from graphql import GraphQLError

from registry.application import load_organisation
from registry.history import HistoryRegistry, HistoryTooLong, partnership_at
from schema.views import PartnershipView, partnership_view

CODE = "TIME_TRAVEL_LIMITED"
QUEUE_PER_THREAD = 4  # requests that may wait for a thread, per thread, before refusals


@dataclass(frozen=True)
class TimeTravelLimits:
    threads: int
    per_client: int
    max_events: int
    snapshot_interval: int


def limited(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": CODE})


class TimeTravel:
    def __init__(self, registry: HistoryRegistry, limits: TimeTravelLimits) -> None:
        self.registry = registry
        self.limits = limits
        self._limiter = anyio.CapacityLimiter(limits.threads)
        self._in_flight: Counter[str] = Counter()

    async def partnership(
        self, client: str, partnership_id: UUID, as_of: datetime
    ) -> PartnershipView | None:
        with self._admitted(client):
            try:
                return await anyio.to_thread.run_sync(
                    self._view, partnership_id, as_of, limiter=self._limiter
                )
            except HistoryTooLong as error:
                raise limited(str(error)) from None

    @contextlib.contextmanager
    def _admitted(self, client: str) -> Iterator[None]:
        if self._in_flight[client] >= self.limits.per_client:
            raise limited(
                f"at most {self.limits.per_client} time-travel reads (asOf) at once per client:"
                " retry when one has answered"
            )
        if self._limiter.statistics().tasks_waiting >= QUEUE_PER_THREAD * self.limits.threads:
            raise limited("the time-travel reads (asOf) are all busy: retry in a moment")
        self._in_flight[client] += 1
        try:
            yield
        finally:
            self._in_flight[client] -= 1
            if not self._in_flight[client]:
                del self._in_flight[client]  # the counter holds only clients in flight

    def _view(self, partnership_id: UUID, as_of: datetime) -> PartnershipView | None:
        partnership = partnership_at(
            self.registry,
            partnership_id,
            as_of,
            interval=self.limits.snapshot_interval,
            max_events=self.limits.max_events,
        )
        if partnership is None:
            return None
        organisations = {}
        for organisation_id in partnership.memberships:
            organisation = load_organisation(self.registry, organisation_id)
            if organisation is not None:
                organisations[organisation_id] = organisation
        return partnership_view(partnership, organisations)
