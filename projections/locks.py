"""Session advisory locks: one projector leads per schema, one rebuild runs per schema.

A session lock lives exactly as long as the connection that took it, so a crashed or
disconnected leader frees its place without anyone's help. Keys are (registry class, hash of
purpose and schema), the two-integer form, so ``pg_locks`` can say who holds what.
"""

from __future__ import annotations

from projections.read_model import AnyConnection, Connection

LOCK_CLASS = 0x50505052  # "PPPR": this registry's advisory locks
PROJECTOR = "projector"
REBUILD = "rebuild"


def _name(purpose: str, schema: str) -> str:
    return f"{purpose}:{schema}"


async def try_lock(connection: Connection, purpose: str, schema: str) -> bool:
    taken: bool = await connection.fetchval(
        "SELECT pg_try_advisory_lock($1, hashtext($2))", LOCK_CLASS, _name(purpose, schema)
    )
    return taken


async def unlock(connection: Connection, purpose: str, schema: str) -> None:
    await connection.fetchval(
        "SELECT pg_advisory_unlock($1, hashtext($2))", LOCK_CLASS, _name(purpose, schema)
    )


async def is_locked(connection: AnyConnection, purpose: str, schema: str) -> bool:
    # The two-key form records key1 in classid and key2 in objid, with objsubid 2.
    held: bool = await connection.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND classid = $1::int::oid AND objid = hashtext($2)::oid AND objsubid = 2)",
        LOCK_CLASS,
        _name(purpose, schema),
    )
    return held
