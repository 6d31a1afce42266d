"""Where a case-study read happens: the read model's head, a checked log position, an M49 area."""

from __future__ import annotations

from projections.case_studies.log import table
from projections.queries import Db
from projections.read_model import LIVE_SCHEMA, PROJECTION_NAME
from registry import geography


class UnknownRegion(ValueError):
    """A code that is no UN M49 area."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"unknown region code {code!r}: a region is a UN M49 area code such as '002' (Africa)"
            " or '014' (Eastern Africa); list them with the GraphQL query"
            " `{ regions { area { code name } } }` or `ppp-registry export --list-regions`"
        )
        self.code = code


class PositionBeyondHead(ValueError):
    """A log position the read model has not reached (or that the log will never have)."""

    def __init__(self, position: int, head: int) -> None:
        super().__init__(
            f"log position {position} is beyond the head of the read model ({head}):"
            f" give a position from 0 to {head}, or leave it out to use the head"
        )
        self.position = position
        self.head = head


async def head_position(db: Db, *, schema: str = LIVE_SCHEMA) -> int:
    """How far the read model (and so the audit log it holds) has applied the log."""
    position = await db.fetchval(
        f"SELECT position FROM {table(schema, 'projection_tracking')}"  # noqa: S608
        " WHERE projection = $1",
        PROJECTION_NAME,
    )
    return int(position or 0)


async def resolve_position(db: Db, at_position: int | None, *, schema: str = LIVE_SCHEMA) -> int:
    """The position to build at: ``at_position`` if the read model has reached it, else the head."""
    head = await head_position(db, schema=schema)
    if at_position is None:
        return head
    if isinstance(at_position, bool) or not isinstance(at_position, int) or at_position < 0:
        raise ValueError(f"a log position is a whole number from 0, not {at_position!r}")
    if at_position > head:
        raise PositionBeyondHead(at_position, head)
    return at_position


def area_or_error(code: str) -> geography.Area:
    found = geography.area(code) if isinstance(code, str) else None
    if found is None:
        raise UnknownRegion(code)
    return found
