"""The tracking row: how far a projection has applied the log, and why it stopped if it did.

Schema-qualified on purpose: these run outside the batch transaction as well as inside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from projections.read_model import PROJECTION_NAME, AnyConnection, Connection, quoted


@dataclass(frozen=True)
class Tracking:
    position: int
    last_error: str | None
    failed_position: int | None


class TrackingMoved(Exception):
    """Another projector advanced the position first; this batch must not be applied."""


def _table(schema: str) -> str:
    return f"{quoted(schema)}.projection_tracking"


async def read_tracking(connection: AnyConnection, schema: str) -> Tracking:
    row = await connection.fetchrow(
        f"SELECT position, last_error, failed_position FROM {_table(schema)} WHERE projection = $1",  # noqa: S608
        PROJECTION_NAME,
    )
    if row is None:
        raise LookupError(f"no tracking row in schema {schema}")
    return Tracking(row["position"], row["last_error"], row["failed_position"])


async def advance(connection: Connection, schema: str, old: int, new: int) -> None:
    """Move the position from ``old`` to ``new`` inside the caller's transaction, or refuse.

    The compare-and-set makes applying exactly-once: the row lock serialises two projectors, and
    the second finds the position moved and rolls its whole batch back. Success also clears a
    recorded failure, since the event that failed has now been applied.
    """
    status = await connection.execute(
        f"UPDATE {_table(schema)} SET position = $3, last_error = NULL, failed_position = NULL,"  # noqa: S608
        " updated_at = now() WHERE projection = $1 AND position = $2",
        PROJECTION_NAME,
        old,
        new,
    )
    if status != "UPDATE 1":
        raise TrackingMoved(f"{schema}: position is no longer {old}")


async def record_failure(connection: Connection, schema: str, position: int, error: str) -> None:
    await connection.execute(
        f"UPDATE {_table(schema)} SET last_error = $2, failed_position = $3, updated_at = now()"  # noqa: S608
        " WHERE projection = $1",
        PROJECTION_NAME,
        error,
        position,
    )
