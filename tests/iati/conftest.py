"""The IATI export tests' database: the demo dataset, seeded once for the module, projected."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import asyncpg
import pytest

from entrypoints import seeding
from projections.rebuild import rebuild
from registry.application import Registry
from registry.database import DatabaseAddress
from tests.postgres import scratch_database

DEMO_PARTNERSHIPS = 40


@dataclass(frozen=True)
class Seeded:
    address: DatabaseAddress
    position: int  # the read model's head once the demo dataset is in


async def _head(dsn: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        return int(await connection.fetchval("SELECT max(position) FROM read_model.event_log"))
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def seeded(postgres_server: DatabaseAddress) -> Iterator[Seeded]:
    with scratch_database(postgres_server) as address:
        registry = Registry(env=address.eventsourcing_env())
        try:
            report = seeding.seed_demo(registry, address, partnerships=DEMO_PARTNERSHIPS, seed=5)
        finally:
            registry.close()
        assert not report.rejected, report.rejected[:3]
        asyncio.run(rebuild(address.dsn()))
        yield Seeded(address, asyncio.run(_head(address.dsn())))


@pytest.fixture
async def db(seeded: Seeded) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(seeded.address.dsn(), min_size=1, max_size=2) as pool:
        yield pool
