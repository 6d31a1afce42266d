"""The rebuild's bulk load and the projector's shortcuts give what the plain way gives.

A rebuild loads the log without secondary indexes and without per-batch figures, registrations
compute their M49 areas in Python, and audit rows are encoded by the JSON encoder's hook. Each is
checked here against the way it replaces.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import anyio.to_thread
import asyncpg
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entrypoints.seeding import seed_demo
from projections import scores
from projections.meaning import plain
from projections.meaning.batch import as_json
from projections.meaning.core import areas_of, areas_of_members
from projections.read_model import LIVE_SCHEMA, create_read_model, index_ddl, quoted
from projections.rebuild import rebuild
from projections.runner import Projector
from registry import geography
from registry.application import Registry
from registry.database import DatabaseAddress
from registry.domain.codelists import PracticeArea, Sector, Verification
from tests.projections.conftest import checksum

CODES = sorted(
    {c for c in geography.countries_in(geography.WORLD)} | {a.code for a in geography.areas()}
)


@pytest.mark.anyio
async def test_a_bulk_rebuild_equals_the_model_built_event_by_event(
    registry: Registry, database: DatabaseAddress, dsn: str, connection: asyncpg.Connection
) -> None:
    # The demo dataset holds every event type, corrections, retractions and withdrawals.
    report = await anyio.to_thread.run_sync(
        lambda: seed_demo(registry, database, partnerships=40, seed=3)
    )
    assert report.events > 400 and not report.rejected
    await Projector(dsn, schema="one_by_one", batch_size=1).catch_up()
    await Projector(dsn, schema="in_batches", batch_size=97).catch_up()
    await rebuild(dsn, batch_size=250)

    expected = await checksum(connection, "one_by_one")
    assert await checksum(connection, "in_batches") == expected
    assert await checksum(connection, LIVE_SCHEMA) == expected
    assert await _indexes(connection, LIVE_SCHEMA) == await _indexes(connection, "one_by_one")
    assert len(await _indexes(connection, LIVE_SCHEMA)) >= len(index_ddl())
    # The stored evidence scores (in the checksums above) are the rule's, and not all zero.
    stored = await scores.stored_scores(connection, LIVE_SCHEMA)
    assert stored == await scores.scores_from_scratch(connection, LIVE_SCHEMA)
    assert sum(stored.values()) > 0


async def _indexes(connection: asyncpg.Connection, schema: str) -> list[str]:
    rows = await connection.fetch(
        "SELECT replace(indexdef, $1, '') FROM pg_indexes WHERE schemaname = $2 ORDER BY 1",
        f"{quoted(schema)}.",
        schema,
    )
    return [r[0].replace(f"{schema}.", "") for r in rows]


def test_areas_computed_in_python_equal_those_the_sql_computes(dsn: str) -> None:
    async def create() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await create_read_model(connection, "areas")  # with its m49_membership rows
        finally:
            await connection.close()

    asyncio.run(create())
    with psycopg.connect(dsn) as db:
        db.execute("SET search_path TO areas")

        @settings(max_examples=300, deadline=None)
        @given(
            st.lists(
                st.sampled_from(CODES) | st.from_regex(r"[0-9A-Za-z]{1,4}", fullmatch=True),
                max_size=6,
            )
        )
        def same_areas(codes: list[str]) -> None:
            row = db.execute(f"SELECT {areas_of('%s::text[]')}", (codes,)).fetchone()
            assert row is not None
            assert areas_of_members(codes) == row[0]

        same_areas()


class Level(Enum):
    HIGH = 3


LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.uuids()
    | st.dates()
    | st.datetimes(timezones=st.just(UTC))
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.sampled_from([*PracticeArea, *Sector, *Verification, Level.HIGH])
)
EVENT_DATA = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=8), EVENT_DATA, max_size=5))
def test_audit_rows_hold_the_same_json_as_the_plain_copy_gives(data: dict[str, Any]) -> None:
    assert json.loads(as_json(data)) == json.loads(json.dumps(plain(data)))


def test_audit_rows_with_keys_json_lacks_still_encode() -> None:
    data = {"by_id": {UUID(int=1): date(2024, 1, 2)}, "at": datetime(2024, 1, 2, tzinfo=UTC)}
    assert json.loads(as_json(data)) == {
        "by_id": {str(UUID(int=1)): "2024-01-02"},
        "at": "2024-01-02T00:00:00+00:00",
    }
    assert json.loads(as_json({"amount": Decimal("1.50")})) == {"amount": "1.50"}
