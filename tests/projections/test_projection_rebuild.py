"""A rebuild builds a whole new model aside and switches to it at once; readers never notice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import anyio
import asyncpg
import pytest

from projections.event_batches import ProjectionStopped
from projections.read_model import PROJECTION_VERSION, schema_exists
from projections.rebuild import RebuildInProgress, rebuild, retired_of, shadow_of
from projections.runner import Projector, status, wait_for_position
from tests.projections.conftest import Scribe, append_raw_event, checksum
from tests.projections.test_projection_runner import some_history

pytestmark = pytest.mark.anyio

RM = "read_model"


@pytest.fixture
async def pool(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(dsn, min_size=1, max_size=4) as p:
        yield p


async def test_a_rebuild_switches_while_readers_and_the_live_projector_carry_on(
    scribe: Scribe, dsn: str, connection: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    await some_history(scribe, partnerships=6)
    await Projector(dsn).catch_up()
    initial = await connection.fetchval("SELECT count(*) FROM read_model.partnership_summary")
    seen: list[int] = []
    rebuilding_seen: list[bool] = []
    progress: list[tuple[int, int]] = []
    done = asyncio.Event()

    async def read_all_along() -> None:
        async with pool.acquire() as reader:
            while not done.is_set():
                seen.append(
                    await reader.fetchval("SELECT count(*) FROM read_model.partnership_summary")
                )
                rebuilding_seen.append((await status(pool)).rebuilding)
                await asyncio.sleep(0.005)

    async def write_meanwhile() -> None:
        for _ in range(3):
            await some_history(scribe, partnerships=1)

    stop = asyncio.Event()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(Projector(dsn, poll_interval=0.1).run, stop)
        tasks.start_soon(read_all_along)
        tasks.start_soon(write_meanwhile)
        await rebuild(dsn, batch_size=2, progress=lambda d, t: progress.append((d, t)))
        done.set()
        head = await connection.fetchval("SELECT max(notification_id) FROM registry_events")
        await write_meanwhile()  # the live projector follows the new model after the switch
        head = await connection.fetchval("SELECT max(notification_id) FROM registry_events")
        assert await wait_for_position(pool, head, timeout=10)
        stop.set()

    assert seen and min(seen) >= initial  # never an empty or half-built model
    assert seen == sorted(seen)
    assert any(rebuilding_seen)
    assert progress[-1][0] == progress[-1][1] > 0
    assert not await schema_exists(connection, shadow_of(RM))
    assert not await schema_exists(connection, retired_of(RM))
    assert not (await status(pool)).rebuilding
    await Projector(dsn, schema="clean").catch_up()
    assert await checksum(connection, RM) == await checksum(connection, "clean")


async def test_a_cancelled_rebuild_drops_its_shadow_and_leaves_the_live_model_alone(
    scribe: Scribe, dsn: str, connection: asyncpg.Connection
) -> None:
    await some_history(scribe, partnerships=4)
    await Projector(dsn).catch_up()
    before = await checksum(connection, RM)
    started = asyncio.Event()

    task = asyncio.create_task(rebuild(dsn, batch_size=1, progress=lambda d, t: started.set()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert not await schema_exists(connection, shadow_of(RM))
    assert await checksum(connection, RM) == before


async def test_only_one_rebuild_runs_at_a_time(scribe: Scribe, dsn: str) -> None:
    await some_history(scribe, partnerships=4)
    started = asyncio.Event()
    first = asyncio.create_task(rebuild(dsn, batch_size=1, progress=lambda d, t: started.set()))
    await started.wait()
    with pytest.raises(RebuildInProgress):
        await rebuild(dsn)
    await first


async def test_a_model_built_by_another_projection_version_is_rebuilt_on_start(
    scribe: Scribe, dsn: str, connection: asyncpg.Connection
) -> None:
    await some_history(scribe)
    await Projector(dsn).catch_up()
    await connection.execute("UPDATE read_model.read_model_meta SET projection_version = 0")
    # Whatever the old code got wrong is put right.
    await connection.execute("DELETE FROM read_model.partnership_summary")

    await Projector(dsn).catch_up()

    assert (
        await connection.fetchval("SELECT projection_version FROM read_model.read_model_meta")
        == PROJECTION_VERSION
    )
    await Projector(dsn, schema="clean").catch_up()
    assert await checksum(connection, RM) == await checksum(connection, "clean")


async def test_a_rebuild_that_meets_a_poison_event_leaves_the_live_model_alone(
    scribe: Scribe, dsn: str, connection: asyncpg.Connection
) -> None:
    await some_history(scribe)
    await Projector(dsn).catch_up()
    before = await checksum(connection, RM)
    await append_raw_event(connection, "registry.domain.partnership:Partnership.Exploded", b"{}")

    with pytest.raises(ProjectionStopped):
        await rebuild(dsn)

    assert not await schema_exists(connection, shadow_of(RM))
    assert await checksum(connection, RM) == before
