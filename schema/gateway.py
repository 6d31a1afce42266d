"""The one seam between the async API and the synchronous write side.

``eventsourcing`` and psycopg block, so every call into them runs on a worker thread from one
bounded pool: the event loop never waits on the write side, and the write side never gets more
concurrent callers than it has connections for. Submissions go to the group commit's writer
thread instead (``registry.group_commit``), which saves concurrent ones in one transaction;
awaiting its answer holds no thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import ParamSpec, TypeVar
from uuid import UUID

import anyio
import anyio.to_thread

from projections.queries import OrganisationRecord
from registry.application import Receipt, Registry, load_organisation, load_partnership
from registry.commands import Submission
from registry.domain.actor import Actor
from registry.group_commit import GroupCommit
from schema.views import PartnershipView, organisation_record, partnership_view

P = ParamSpec("P")
T = TypeVar("T")


class WriteGateway:
    def __init__(self, registry: Registry, threads: int, *, group_commit: bool = True) -> None:
        self.registry = registry
        self._limiter = anyio.CapacityLimiter(threads)
        self._group = GroupCommit(registry) if group_commit else None

    def close(self) -> None:
        """Save the submissions still queued, then stop the group commit's writer (blocks)."""
        if self._group is not None:
            self._group.close()

    async def call(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await anyio.to_thread.run_sync(
            lambda: function(*args, **kwargs), limiter=self._limiter
        )

    async def submit(self, actor: Actor, submission: Submission) -> Receipt:
        if self._group is None:
            return await self.call(self.registry.submit, actor, submission)
        return await asyncio.wrap_future(self._group.submit(actor, submission))

    async def partnership(
        self, partnership_id: UUID, *, version: int | None = None, as_of: datetime | None = None
    ) -> PartnershipView | None:
        """A partnership at a version or a moment, rebuilt from its events (no cache)."""
        return await self.call(self._partnership_view, partnership_id, version, as_of)

    async def organisation(
        self, organisation_id: UUID, *, version: int | None = None
    ) -> OrganisationRecord | None:
        return await self.call(self._organisation_record, organisation_id, version)

    def _organisation_record(
        self, organisation_id: UUID, version: int | None
    ) -> OrganisationRecord | None:
        organisation = load_organisation(self.registry, organisation_id, version=version)
        return organisation_record(organisation) if organisation is not None else None

    def _partnership_view(
        self, partnership_id: UUID, version: int | None, as_of: datetime | None
    ) -> PartnershipView | None:
        partnership = load_partnership(self.registry, partnership_id, version=version, as_of=as_of)
        if partnership is None:
            return None
        organisations = {}
        for organisation_id in partnership.memberships:
            organisation = load_organisation(self.registry, organisation_id)
            if organisation is not None:
                organisations[organisation_id] = organisation
        return partnership_view(partnership, organisations)
