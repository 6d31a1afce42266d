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


def tracking_table(schema: str) -> str:
    return f"{quoted(schema)}.projection_tracking"


async def read_tracking(connection: AnyConnection, schema: str) -> Tracking:
    row = await connection.fetchrow(
        "SELECT position, last_error, failed_position"  # noqa: S608
        f" FROM {tracking_table(schema)} WHERE projection = $1",
        PROJECTION_NAME,
    )
    if row is None:
        raise LookupError(f"no tracking row in schema {schema}")
    return Tracking(row["position"], row["last_error"], row["failed_position"])


_ADVANCE = (
    "UPDATE {table} SET position = $3, last_error = NULL, failed_position = NULL,"
    " updated_at = now() WHERE projection = $1 AND position = $2"
)


async def advance(connection: Connection, schema: str, old: int, new: int) -> None:
    """Move the position from ``old`` to ``new`` inside the caller's transaction, or refuse.

    The compare-and-set makes applying exactly-once: the row lock serialises two projectors, and
    the second finds the position moved and rolls its whole batch back. Success also clears a
    recorded failure, since the event that failed has now been applied.
    """
    status = await connection.execute(
        _ADVANCE.format(table=tracking_table(schema)), PROJECTION_NAME, old, new
    )
    _check_advanced(status, schema, old)


async def open_batch(connection: Connection, schema: str, old: int, new: int, channel: str) -> None:
    """``advance``, and in the same statement (one round trip of a live batch's few): queue
    ``new`` on ``channel``, delivered when the transaction commits, and point unqualified names
    at ``schema`` for the rest of the transaction, as ``SET LOCAL search_path`` would."""
    status = await connection.execute(
        _ADVANCE.format(table=tracking_table(schema))
        + " RETURNING pg_notify($4, $3::bigint::text), set_config('search_path', $5, true)",
        PROJECTION_NAME,
        old,
        new,
        channel,
        quoted(schema),
    )
    _check_advanced(status, schema, old)


def _check_advanced(status: str, schema: str, old: int) -> None:
    if status != "UPDATE 1":
        raise TrackingMoved(f"{schema}: position is no longer {old}")


async def record_failure(connection: Connection, schema: str, position: int, error: str) -> None:
    await connection.execute(
        f"UPDATE {tracking_table(schema)} SET last_error = $2, failed_position = $3,"  # noqa: S608
        " updated_at = now() WHERE projection = $1",
        PROJECTION_NAME,
        error,
        position,
    )
