"""Raw asyncpg writes to a table shaped like the event store: what the registry's writes sit beside.

The table has the event store's key and columns (``originator_id``, ``originator_version``,
``topic``, ``state``, ``notification_id``); each state is as big as a typical stored
``ActivityLogged``. Nothing else runs: no locks, no domain, no idempotency.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any
from uuid import uuid4

import asyncpg

from bench.measure import Rate

# The size of a typical stored ActivityLogged state in the registry's own store (JSON, bytes).
STATE_BYTES = 560

BASELINE_TABLE = "bench_baseline_events"
_CREATE_BASELINE = f"""
CREATE TABLE IF NOT EXISTS {BASELINE_TABLE} (
    originator_id uuid NOT NULL,
    originator_version int NOT NULL,
    topic text NOT NULL,
    state bytea NOT NULL,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version)
)
"""
_INSERT_BASELINE = (
    f"INSERT INTO {BASELINE_TABLE} (originator_id, originator_version, topic, state)"  # noqa: S608
    " VALUES ($1, $2, $3, $4)"
)
_TOPIC = "registry.domain.partnership:Partnership.ActivityLogged"


def _state() -> bytes:
    return os.urandom(STATE_BYTES)


async def single_row(dsn: str, rows: int) -> Rate:
    """One connection, one transaction per insert (each statement commits on its own)."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(_CREATE_BASELINE)
        originator, state = uuid4(), _state()
        latencies: list[float] = []
        started = time.perf_counter()
        for version in range(1, rows + 1):
            sent = time.perf_counter()
            await connection.execute(_INSERT_BASELINE, originator, version, _TOPIC, state)
            latencies.append((time.perf_counter() - sent) * 1000)
        return Rate(rows, time.perf_counter() - started, tuple(latencies))
    finally:
        await connection.close()


async def concurrent(dsn: str, rows: int, connections: int) -> Rate:
    """``connections`` connections inserting one row per transaction each, at the same time."""
    pool = [await asyncpg.connect(dsn) for _ in range(connections)]
    try:
        await pool[0].execute(_CREATE_BASELINE)
        state = _state()
        latencies: list[float] = []

        async def insert(connection: asyncpg.Connection[Any], count: int) -> None:
            originator = uuid4()
            for version in range(1, count + 1):
                sent = time.perf_counter()
                await connection.execute(_INSERT_BASELINE, originator, version, _TOPIC, state)
                latencies.append((time.perf_counter() - sent) * 1000)

        shares = [rows // connections + (n < rows % connections) for n in range(connections)]
        started = time.perf_counter()
        await asyncio.gather(*(insert(c, n) for c, n in zip(pool, shares, strict=True)))
        return Rate(rows, time.perf_counter() - started, tuple(latencies))
    finally:
        for connection in pool:
            await connection.close()


async def copy(dsn: str, rows: int) -> Rate:
    """COPY of ``rows`` rows spread over as many aggregates as the import has, in one go."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(_CREATE_BASELINE)
        aggregates = [uuid4() for _ in range(max(1, rows // 20))]
        state = _state()
        records = [
            (aggregates[n % len(aggregates)], n // len(aggregates) + 1, _TOPIC, state)
            for n in range(rows)
        ]
        started = time.perf_counter()
        await connection.copy_records_to_table(
            BASELINE_TABLE,
            records=records,
            columns=["originator_id", "originator_version", "topic", "state"],
        )
        return Rate(rows, time.perf_counter() - started)
    finally:
        await connection.close()
