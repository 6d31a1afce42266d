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


async def open_batch(connection: Connection, schema: str, old: int, new: int, channel: str) -> None:
    """Move the position from ``old`` to ``new`` inside the caller's transaction, or refuse.

    The compare-and-set makes applying exactly-once: the row lock serialises two projectors, and
    the second finds the position moved and rolls its whole batch back. Success also clears a
    recorded failure, since the event that failed has now been applied. The same statement (one
    round trip of a live batch's few) queues ``new`` on ``channel``, delivered when the
    transaction commits, and points unqualified names at ``schema`` for the rest of the
    transaction, as ``SET LOCAL search_path`` would.
    """
    status = await connection.execute(
        f"UPDATE {tracking_table(schema)} SET position = $3, last_error = NULL,"  # noqa: S608
        " failed_position = NULL, updated_at = now() WHERE projection = $1 AND position = $2"
        " RETURNING pg_notify($4, $3::bigint::text), set_config('search_path', $5, true)",
        PROJECTION_NAME,
        old,
        new,
        channel,
        quoted(schema),
    )
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
