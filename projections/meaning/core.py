"""The shape of meaning: writes, what a batch must refresh, and the register of handlers.

Writes use unqualified table names (the runner sets ``search_path``). Column names in dynamic
updates come from allow-lists, never from event data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any
from uuid import UUID

from projections.decoding import RecordedEvent
from projections.read_model import m49_membership


@dataclass(frozen=True)
class Write:
    sql: str
    args: tuple[object, ...]
    # The row (or rows) it changes. Writes to different rows commute, which lets the runner
    # send writes of one statement together even when events of other types come between.
    key: tuple[object, ...]


@dataclass(frozen=True)
class Meaning:
    writes: tuple[Write, ...] = ()
    logged: bool = True  # False for events readers never see (the name index's)
    partnerships: frozenset[UUID] = frozenset()  # whose areas, practice areas, status,
    # best-practice stage or partners change: their region statistics are recounted
    trained: frozenset[UUID] = frozenset()  # whose people trained may change
    organisations: frozenset[UUID] = frozenset()  # whose partnership count changes
    resectored: frozenset[UUID] = frozenset()  # organisations whose sector changed


class UnknownEvent(Exception):
    """An event type the projector has no meaning for: stopping beats silently dropping it."""


class UnknownField(Exception):
    """A revision or correction changes a field the read model does not know."""


Handler = Callable[[RecordedEvent], Meaning]
_HANDLERS: dict[str, Handler] = {}

# Bookkeeping of the uniqueness index aggregates (organisation names, IATI activity
# identifiers): meaningless to readers, but the runner still advances past them.
IGNORED = frozenset(
    {
        "OrganisationNameClaimed",
        "OrganisationNameReclaimed",
        "OrganisationNameReleased",
        "IatiActivityIdentifierClaimed",
        "IatiActivityVersionRecorded",
    }
)


def meaning_of(event: RecordedEvent) -> Meaning:
    if event.type in IGNORED:
        return Meaning(logged=False)
    handler = _HANDLERS.get(event.type)
    if handler is None:
        raise UnknownEvent(f"no projection for {event.stream_type}.{event.type}")
    return handler(event)


def handled_event_types() -> frozenset[str]:
    """Every event type with a registered handler (``IGNORED`` ones have none)."""
    return frozenset(_HANDLERS)


def on(event_type: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _HANDLERS[event_type] = handler
        return handler

    return register


# ---------------------------------------------------------------------- geography
# A partnership's areas come from m49_membership (reference data loaded with the schema). A
# revision computes them in SQL, because it carries only the fields it changes: new countries
# with the regions already stored, or the reverse.
def areas_of(codes: str) -> str:
    return (
        "ARRAY(SELECT DISTINCT m.area_code FROM m49_membership m"  # noqa: S608 - codes are our SQL
        f" WHERE m.member = ANY({codes}) ORDER BY 1)"
    )


def areas_of_members(codes: Iterable[str]) -> list[str]:
    """What ``areas_of`` gives for these codes, computed here from the same rows.

    A registration carries all its codes, and the SQL form costs a scan of m49_membership per
    row: most of a rebuild's time in partnership_summary. Area codes are three digits, so their
    order is the same in Python as in any collation.
    """
    membership = _areas_by_member()
    return sorted({area for code in codes for area in membership.get(code, ())})


@cache
def _areas_by_member() -> dict[str, frozenset[str]]:
    by_member: dict[str, set[str]] = {}
    for member, area in m49_membership():
        by_member.setdefault(member, set()).add(area)
    return {member: frozenset(areas) for member, areas in by_member.items()}


# ---------------------------------------------------------------------- shared pieces
def update(
    table: str,
    key: UUID,
    changes: Mapping[str, Any],
    columns: Mapping[str, str],
    *,
    touched: RecordedEvent | None = None,
) -> Write:
    """``UPDATE table SET <changed columns> WHERE id = key``; sorted, so equal sets share a plan."""
    args: list[object] = [key]
    sets: list[str] = []
    new: dict[str, str] = {}  # column -> its parameter
    for name, value in sorted(changes.items()):
        column = columns.get(name)
        if column is None:
            raise UnknownField(f"{table} has no column for the changed field {name!r}")
        args.append(number(value) if column in MEASURES else column_value(value))
        new[column] = f"${len(args)}"
        sets.append(f"{column} = ${len(args)}")
    if table == "partnership_summary" and ("countries" in new or "declared_regions" in new):
        # SET expressions see the row as it was: the unchanged one of the two is still right.
        countries = f"{new['countries']}::text[]" if "countries" in new else "countries"
        regions = new.get("declared_regions", "declared_regions")
        sets.append(f"regions = {areas_of(f'{countries} || {regions}::text[]')}")
    if touched is not None:
        args += [touched.recorded_at, touched.position]
        sets += [f"updated_at = ${len(args) - 1}", f"updated_position = ${len(args)}"]
    if not sets:
        raise UnknownField(f"a change to {table} that changes nothing")
    sql = f"UPDATE {table} SET {', '.join(sets)} WHERE id = $1"  # noqa: S608 - allow-listed
    return Write(sql, tuple(args), (table, key))


MEASURES = frozenset({"baseline", "target", "actual"})


def column_value(value: Any) -> object:
    if isinstance(value, (list, tuple)):
        return texts(value)
    return str(value) if isinstance(value, Enum) else value


def texts(values: Sequence[Any]) -> list[str]:
    return [str(v) for v in values]


def number(value: Any) -> float | None:
    # JSON gives 3 for 3.0; the column is double precision.
    return None if value is None else float(value)
