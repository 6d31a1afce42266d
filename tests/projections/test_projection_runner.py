"""The runner applies the log exactly once, in order, under one leader, and stops at poison."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import anyio
import asyncpg
import pytest

from projections import event_batches, locks
from projections.event_batches import ProjectionStopped, apply_rows, fetch_rows
from projections.read_model import create_read_model
from projections.runner import Projector, status, wait_for_position
from projections.tracking import TrackingMoved, read_tracking
from registry import commands as c
from registry.domain.codelists import (
    ActivityKind,
    OrganisationType,
    PartnerRole,
    PracticeArea,
    Sector,
)
from tests.projections.conftest import Scribe, append_raw_event, checksum

pytestmark = pytest.mark.anyio

RM = "read_model"


@pytest.fixture
async def pool(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(dsn, min_size=1, max_size=4) as p:
        yield p


async def some_history(scribe: Scribe, partnerships: int = 3) -> int:
    """Organisations, partnerships and activities; returns the last position written."""
    lead = await scribe.organisation(f"Lead {len(scribe.organisations)}")
    other = await scribe.organisation(f"Other {len(scribe.organisations)}")
    position = 0
    for n in range(partnerships):
        p = await scribe.partnership(
            lead, countries=("KE", "FR")[n % 2 :][:1], others=((other, PartnerRole.FUNDER),)
        )
        receipt = await scribe.submit(
            c.LogActivity(
                p,
                ActivityKind.TRAINING,
                PracticeArea.CAPACITY_BUILDING,
                f"Course {n}",
                date(2021, 4, 1),
                participants=10 + n,
            )
        )
        position = receipt.position
    return position


# ---------------------------------------------------------------------- exactly once
async def test_reapplying_a_batch_changes_nothing(
    scribe: Scribe, dsn: str, connection: asyncpg.Connection
) -> None:
    await some_history(scribe)
    await Projector(dsn).catch_up()
    before = await checksum(connection, RM)

    rows = await fetch_rows(connection, 0, 1000)
    with pytest.raises(TrackingMoved):
        await apply_rows(connection, RM, 0, rows)

    assert await checksum(connection, RM) == before


async def test_two_appliers_of_one_batch_commit_it_once(
    scribe: Scribe, dsn: str, connection: asyncpg.Connection
) -> None:
    await create_read_model(connection, RM)
    await some_history(scribe)
    rows = await fetch_rows(connection, 0, 1000)
    other = await asyncpg.connect(dsn)
    try:
        results = await asyncio.gather(
            apply_rows(connection, RM, 0, rows),
            apply_rows(other, RM, 0, rows),
            return_exceptions=True,
        )
    finally:
        await other.close()
    assert sorted(type(r).__name__ for r in results) == ["TrackingMoved", "int"]
    await Projector(dsn, schema="clean").catch_up()
    assert await checksum(connection, RM) == await checksum(connection, "clean")


async def test_a_projector_restarted_midway_ends_equal_to_a_clean_build(
    scribe: Scribe, dsn: str, connection: asyncpg.Connection
) -> None:
    await create_read_model(connection, RM)
    await some_history(scribe, partnerships=4)
    batches_done = 0

    def after_two_batches() -> bool:
        nonlocal batches_done
        batches_done += 1
        return batches_done > 2

    midway = await event_batches.catch_up(
        connection, RM, batch_size=3, should_stop=after_two_batches
    )
    assert 0 < midway < (await fetch_rows(connection, 0, 1000))[-1].position
    await some_history(scribe, partnerships=2)

    await Projector(dsn, batch_size=5).catch_up()
    await Projector(dsn, schema="clean").catch_up()

    assert await checksum(connection, RM) == await checksum(connection, "clean")


# ---------------------------------------------------------------------- one leader
async def test_of_two_projectors_one_leads_and_the_other_takes_over_when_it_dies(
    scribe: Scribe, dsn: str, connection: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    stop = asyncio.Event()
    projectors = [Projector(dsn, poll_interval=0.1) for _ in range(2)]
    async with anyio.create_task_group() as tasks:
        for projector in projectors:
            tasks.start_soon(projector.run, stop)
        position = await some_history(scribe)
        assert await wait_for_position(pool, position, timeout=10)
        assert await leaders(connection) == 1

        # Kill the leader's session: its lock goes with it, and the standby takes over.
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks"
            " WHERE locktype = 'advisory' AND classid = $1::int::oid AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            locks.LOCK_CLASS,
        )
        position = await some_history(scribe)
        assert await wait_for_position(pool, position, timeout=10)
        assert await leaders(connection) == 1
        stop.set()

    await Projector(dsn, schema="clean").catch_up()
    assert await checksum(connection, RM) == await checksum(connection, "clean")


async def leaders(connection: asyncpg.Connection) -> int:
    count: int = await connection.fetchval(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND classid = $1::int::oid"
        # pg_locks spans the cluster: another database's projector is not one of these.
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        locks.LOCK_CLASS,
    )
    return count


async def test_a_live_projector_applies_new_events_within_moments(
    scribe: Scribe, dsn: str, connection: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    stop = asyncio.Event()
    # A poll interval far longer than the wait: only the NOTIFY can wake it in time.
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(Projector(dsn, poll_interval=30).run, stop)
        with anyio.fail_after(5):
            while await leaders(connection) == 0 or not await connection.fetchval(
                "SELECT to_regclass('read_model.projection_tracking') IS NOT NULL"
            ):
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # let it finish its first catch-up and wait
        receipt = await scribe.submit(
            c.RegisterOrganisation("Late", OrganisationType.OTHER, Sector.OTHER, "KE")
        )
        assert await wait_for_position(pool, receipt.position, timeout=3)
        stop.set()


# ---------------------------------------------------------------------- poison
POISONS = {
    "unknown topic": ("registry.domain.partnership:Partnership.Exploded", b"{}"),
    "undecodable state": (
        "registry.domain.organisation:Organisation.OrganisationRegistered",
        b"\xff not json",
    ),
}


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
async def test_a_poison_event_stops_the_projection_before_it(
    poison: tuple[str, bytes],
    scribe: Scribe,
    dsn: str,
    connection: asyncpg.Connection,
    pool: asyncpg.Pool,
) -> None:
    await scribe.organisation("Before")
    bad = await append_raw_event(connection, *poison)
    after = await scribe.organisation("After")

    with pytest.raises(ProjectionStopped) as stopped:
        await Projector(dsn).catch_up()

    assert stopped.value.position == bad
    tracking = await read_tracking(connection, RM)
    assert (tracking.position, tracking.failed_position) == (bad - 1, bad)
    assert tracking.last_error
    assert await connection.fetchval("SELECT max(position) FROM read_model.event_log") < bad
    assert not await connection.fetchval(
        "SELECT EXISTS (SELECT 1 FROM read_model.organisation_summary WHERE id = $1)", after
    )
    state = await status(pool)
    assert (state.position, state.lag, state.last_error) == (bad - 1, 3, tracking.last_error)
    assert not await wait_for_position(pool, bad, timeout=1)


async def test_an_event_that_fails_in_the_database_stops_the_projection_at_itself(
    scribe: Scribe, dsn: str, connection: asyncpg.Connection
) -> None:
    await create_read_model(connection, RM)
    lead = await scribe.organisation("Lead")
    p = await scribe.partnership(lead)
    logged = await scribe.submit(
        c.LogActivity(
            p, ActivityKind.TRAINING, PracticeArea.CAPACITY_BUILDING, "Course", date(2021, 4, 1)
        )
    )
    # The same ActivityLogged again, as the partnership's next version: its activity row exists.
    async with connection.transaction():
        await connection.execute("LOCK TABLE public.registry_events IN EXCLUSIVE MODE")
        bad = await connection.fetchval(
            "INSERT INTO public.registry_events (originator_id, originator_version, topic, state)"
            " SELECT originator_id, originator_version + 1, topic, state"
            " FROM public.registry_events WHERE notification_id = $1 RETURNING notification_id",
            logged.position,
        )
    await scribe.organisation("After")

    # One batch holds everything: the good events before the bad one are still applied.
    with pytest.raises(ProjectionStopped) as stopped:
        await Projector(dsn, batch_size=1000).catch_up()

    assert stopped.value.position == bad
    assert "UniqueViolation" in stopped.value.error
    tracking = await read_tracking(connection, RM)
    assert (tracking.position, tracking.failed_position) == (logged.position, bad)
    assert await connection.fetchval("SELECT count(*) FROM read_model.partnership_activities") == 1
