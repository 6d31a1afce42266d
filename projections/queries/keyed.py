"""Reads that take keys and answer in their order, in one statement, as DataLoaders need."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar
from uuid import UUID

import asyncpg

from projections.queries.db import Db
from projections.read_model import quoted

R = TypeVar("R")


async def by_id(
    db: Db, sql: str, ids: Sequence[UUID], make: Callable[[asyncpg.Record], R]
) -> list[R | None]:
    """Rows by id, one answer per id in the order given: None for an id with no row."""
    if not ids:
        return []
    found = {row["id"]: make(row) for row in await db.fetch(sql, list(ids))}
    return [found.get(i) for i in ids]


async def rows_by_id(
    db: Db,
    schema: str,
    table: str,
    columns: str,
    ids: Sequence[UUID],
    make: Callable[[asyncpg.Record], R],
) -> list[R | None]:
    """``by_id`` over a read-model table keyed by ``id``."""
    sql = f"SELECT {columns} FROM {quoted(schema)}.{table} WHERE id = ANY($1::uuid[])"  # noqa: S608
    return await by_id(db, sql, ids, make)


async def grouped(
    db: Db, sql: str, keys: Sequence[UUID], make: Callable[[asyncpg.Record], R]
) -> list[list[R]]:
    """Rows grouped by partnership_id, in the order the SQL gives them, one list per key."""
    if not keys:
        return []
    groups: dict[UUID, list[R]] = {}
    for row in await db.fetch(sql, list(keys)):
        groups.setdefault(row["partnership_id"], []).append(make(row))
    # A fresh list per key: a DataLoader may hand the same key's list to several callers.
    return [list(groups.get(k, ())) for k in keys]
