"""What the projection tests share: the real write side on a fresh database, and a scribe that
submits commands through it from a worker thread (the library is synchronous).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import anyio.to_thread
import asyncpg
import pytest

from projections.read_model import quoted
from registry import commands as c
from registry.application import Receipt, Registry
from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.domain.codelists import OrganisationType, PartnerRole, PracticeArea, Sector

ADMIN = Actor("projection-tests", Role.ADMIN)


@dataclass
class Scribe:
    """Submits commands as an admin, off the event loop, and remembers what it created."""

    registry: Registry
    organisations: list[UUID] = field(default_factory=list)
    partnerships: list[UUID] = field(default_factory=list)
    activities: dict[UUID, list[UUID | None]] = field(default_factory=dict)  # by partnership

    async def submit(self, command: c.Command, actor: Actor = ADMIN) -> Receipt:
        receipt: Receipt = await anyio.to_thread.run_sync(
            self.registry.submit, actor, c.Submission(command)
        )
        return receipt

    async def confirm(self, partnership: UUID, organisation: UUID) -> Receipt:
        """Participation is the organisation's own word: only its contributor may confirm it."""
        member = Actor("member", Role.CONTRIBUTOR, organisation)
        return await self.submit(c.ConfirmParticipation(partnership, organisation), member)

    async def organisation(
        self, name: str, sector: Sector = Sector.PRIVATE_SECTOR, country: str = "KE"
    ) -> UUID:
        receipt = await self.submit(
            c.RegisterOrganisation(name, OrganisationType.OTHER, sector, country)
        )
        self.organisations.append(receipt.aggregate_id)
        return receipt.aggregate_id

    async def partnership(
        self,
        lead: UUID,
        *,
        title: str = "Cyber capacity for East Africa",
        countries: tuple[str, ...] = ("KE",),
        regions: tuple[str, ...] = (),
        practice_areas: tuple[PracticeArea, ...] = (PracticeArea.CAPACITY_BUILDING,),
        others: tuple[tuple[UUID, PartnerRole], ...] = (),
    ) -> UUID:
        receipt = await self.submit(
            c.RegisterPartnership(
                title=title,
                summary="Training prosecutors and police in digital evidence.",
                practice_areas=practice_areas,
                countries=countries,
                regions=regions,
                start_date=date(2021, 3, 1),
                partners=((lead, PartnerRole.LEAD), *others),
            )
        )
        self.partnerships.append(receipt.aggregate_id)
        return receipt.aggregate_id


@pytest.fixture
def dsn(database: DatabaseAddress) -> str:
    return database.dsn()


@pytest.fixture
def registry(database: DatabaseAddress) -> Iterator[Registry]:
    app = Registry(env=database.eventsourcing_env())
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def scribe(registry: Registry) -> Scribe:
    return Scribe(registry)


@pytest.fixture
async def connection(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(dsn)
    try:
        yield conn
    finally:
        await conn.close()


# Tables whose whole content is the read model's state (timestamps of our own bookkeeping aside).
CONTENT_TABLES = (
    "partnership_summary",
    "partnership_partners",
    "organisation_summary",
    "partnership_activities",
    "partnership_outcomes",
    "partnership_lessons",
    "region_stats",
    "area_country_stats",
    "event_log",
    "m49_membership",
)


async def checksum(connection: asyncpg.Connection, schema: str) -> dict[str, Any]:
    """Each table's ordered rows hashed, and the position: equal models, equal sums."""
    sums: dict[str, Any] = {}
    for table in CONTENT_TABLES:
        sums[table] = await connection.fetchval(
            f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"  # noqa: S608
            f" FROM {quoted(schema)}.{table} t"
        )
    sums["position"] = await connection.fetchval(
        f"SELECT position FROM {quoted(schema)}.projection_tracking"  # noqa: S608
    )
    return sums


async def append_raw_event(connection: asyncpg.Connection, topic: str, state: bytes) -> int:
    """Append a row the write side would never write, as the library appends: table lock, then
    NOTIFY, then insert, in one transaction. Returns its position."""
    async with connection.transaction():
        await connection.execute("LOCK TABLE public.registry_events IN EXCLUSIVE MODE")
        await connection.execute("NOTIFY registry_events")
        position: int = await connection.fetchval(
            "INSERT INTO public.registry_events (originator_id, originator_version, topic, state)"
            " VALUES (gen_random_uuid(), 1, $1, $2) RETURNING notification_id",
            topic,
            state,
        )
    return position
