"""Creating, finding and dropping a read-model schema.

The DDL lives in ``schema.sql`` with unqualified names; it runs with ``search_path`` set to the
target schema, so the live schema and a rebuild's shadow come from the same text.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TypeAlias

import asyncpg

from registry import geography

# Bump whenever schema.sql or the meaning of an event changes: a running projector whose live
# schema carries another version rebuilds it (into a shadow, then switches).
PROJECTION_VERSION = 3
PROJECTION_NAME = "read_model"
LIVE_SCHEMA = "read_model"

# The value of region_stats.practice_area / .sector in rows that total over all of them.
ALL = "*"

# asyncpg's classes are generic only in its stubs; a bare name keeps this line runnable.
Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record]"
# Reads also run on connections lent by a pool.
AnyConnection: TypeAlias = (
    "asyncpg.Connection[asyncpg.Record] | asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"
)


@dataclass(frozen=True)
class Build:
    """What a read model was built with: the projection code and the M49 reference data."""

    projection_version: int
    m49_fingerprint: str


@cache
def m49_membership() -> tuple[tuple[str, str], ...]:
    """(member, area) for every country and area: which areas ``geography.areas_of`` gives it.

    ``areas_of`` is a union over its codes, so these per-code rows recombine exactly.
    """
    pairs = {
        (country, area.code)
        for country in geography.countries_in(geography.WORLD)
        for area in geography.areas_of([country], [])
    }
    pairs |= {
        (region.code, area.code)
        for region in geography.areas()
        for area in geography.areas_of([], [region.code])
    }
    return tuple(sorted(pairs))


def current_build() -> Build:
    text = "\n".join(f"{member} {area}" for member, area in m49_membership())
    return Build(PROJECTION_VERSION, hashlib.sha256(text.encode()).hexdigest()[:16])


def ddl(*, indexes: bool = True) -> str:
    """The read model's DDL; without its secondary indexes when ``indexes`` is false."""
    text = files("projections").joinpath("schema.sql").read_text(encoding="utf-8")
    return text if indexes else _SECONDARY_INDEX.sub("", text)


def index_ddl() -> list[str]:
    """The ``CREATE INDEX`` statements of the DDL, for a bulk load to run after its inserts."""
    return _SECONDARY_INDEX.findall(ddl())


# Secondary indexes only: primary keys stay, as the projector's updates find rows by them.
_SECONDARY_INDEX = re.compile(r"^CREATE INDEX\b[^;]*;", re.MULTILINE)


def quoted(identifier: str) -> str:
    """A schema name as a SQL identifier; schema names are ours, but quote them anyway."""
    return '"' + identifier.replace('"', '""') + '"'


async def use_schema(connection: Connection, schema: str) -> None:
    """Point unqualified names at ``schema`` for the rest of the current transaction."""
    await connection.execute(f"SET LOCAL search_path TO {quoted(schema)}")


# What CREATE SCHEMA raises when another process created it first: DuplicateSchemaError if that
# one had committed, a unique violation of pg_namespace if both ran at once (two API processes
# started together on a new database).
CREATED_BY_ANOTHER = (asyncpg.DuplicateSchemaError, asyncpg.UniqueViolationError)


async def create_read_model(connection: Connection, schema: str, *, indexes: bool = True) -> None:
    """Create ``schema`` with empty tables at position 0; it must not exist yet.

    A rebuild creates it without secondary indexes and adds them when it has loaded the log
    (``create_indexes``): building an index once is far cheaper than updating it per row.
    """
    async with connection.transaction():
        await connection.execute(f"CREATE SCHEMA {quoted(schema)}")
        await use_schema(connection, schema)
        await connection.execute(ddl(indexes=indexes))
        build = current_build()
        await connection.execute(
            "INSERT INTO read_model_meta (projection_version, m49_fingerprint) VALUES ($1, $2)",
            build.projection_version,
            build.m49_fingerprint,
        )
        await connection.copy_records_to_table(
            "m49_membership", records=m49_membership(), schema_name=schema
        )
        await connection.execute(
            "INSERT INTO projection_tracking (projection, position) VALUES ($1, 0)",
            PROJECTION_NAME,
        )


async def create_indexes(connection: Connection, schema: str) -> None:
    """Add the secondary indexes to a read model created without them."""
    async with connection.transaction():
        await use_schema(connection, schema)
        for statement in index_ddl():
            await connection.execute(statement)


async def schema_exists(connection: Connection, schema: str) -> bool:
    found: bool = await connection.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema
    )
    return found


async def stored_build(connection: Connection, schema: str) -> Build | None:
    """What built ``schema``, or None if it holds no read model."""
    if not await schema_exists(connection, schema):
        return None
    table = f"{quoted(schema)}.read_model_meta"
    exists = await connection.fetchval("SELECT to_regclass($1) IS NOT NULL", table)
    if not exists:
        return None
    row = await connection.fetchrow(f"SELECT projection_version, m49_fingerprint FROM {table}")  # noqa: S608
    return None if row is None else Build(row[0], row[1])


async def drop_schema(connection: Connection, schema: str) -> None:
    await connection.execute(f"DROP SCHEMA IF EXISTS {quoted(schema)} CASCADE")


async def ensure_read_model(connection: Connection, schema: str = LIVE_SCHEMA) -> None:
    """Create an empty read model if there is none, so queries work before the first event."""
    if await schema_exists(connection, schema):
        return
    with contextlib.suppress(*CREATED_BY_ANOTHER):
        await create_read_model(connection, schema)
