"""What reads run on: a pool, a connection, or a connection lent by a pool."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

# All three fetch alike.
# (A string: asyncpg's classes are generic only in its stubs.)
Db: TypeAlias = (
    "asyncpg.Pool[asyncpg.Record] | asyncpg.Connection[asyncpg.Record]"
    " | asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"
)
