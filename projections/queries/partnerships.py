"""Partnerships: filtered pages of them, and batches of them and of their partners,
activities, outcomes and lessons.

A page of a region's (or every) partnerships takes its total from ``region_stats`` when it can.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from projections.keysets import PARTNERSHIP_KEYSETS, PartnershipOrder
from projections.queries.db import Db
from projections.queries.filters import Params, PartnershipFilter, partnership_conditions, searched
from projections.queries.keyed import grouped, rows_by_id
from projections.queries.pages import Listing, Page, page_of
from projections.queries.records import (
    ACTIVITY_COLUMNS,
    LESSON_COLUMNS,
    MEMBERSHIP_COLUMNS,
    ORGANISATION_COLUMNS,
    OUTCOME_COLUMNS,
    PARTNERSHIP_COLUMNS,
    ActivityRecord,
    LessonRecord,
    MembershipRecord,
    OutcomeRecord,
    PartnershipRecord,
    activity_record,
    lesson_record,
    membership_record,
    outcome_record,
    partnership_record,
)
from projections.read_model import ALL, LIVE_SCHEMA, quoted

_PARTNERSHIP_LISTINGS = {
    order: Listing("partnership_summary", "ps", PARTNERSHIP_COLUMNS, keyset, partnership_record)
    for order, keyset in PARTNERSHIP_KEYSETS.items()
}


# Which region_stats column counts the partnerships of a status (None: all of them).
_STATUS_COUNTS = {
    None: "partnership_count",
    "ACTIVE": "active_count",
    "CONCLUDED": "concluded_count",
}


def _partnership_count_sql(f: PartnershipFilter, s: str, params: Params) -> str | None:
    """The filter's total as one region_stats row, when the filter is made of that table's keys.

    Counting the rows of a region means scanning a good part of the table (tens of ms at 50k
    partnerships); region_stats already holds the number. It counts exactly what the filter
    matches (a partnership once per area, practice area and sector of a current partner), and
    the projector writes it in the same transactions as the summaries, so one statement sees
    both alike. Without a region the row of area '*' counts every partnership.
    """
    stats = stats_row(f)
    if stats is None:
        return None
    area, column = stats
    return (
        f"SELECT coalesce((SELECT {column} FROM {s}.region_stats"  # noqa: S608 - names
        f" WHERE area_code = {params.add(area)}"
        f" AND practice_area = {params.add(f.practice_area or ALL)}"
        f" AND sector = {params.add(f.sector or ALL)}), 0) AS n"
    )


def region_stats_column(f: PartnershipFilter) -> str | None:
    """The region_stats column that holds the filter's total, or None if no row does.

    Only for a filter with a region (the compiled statements read the row of that region).
    """
    stats = stats_row(f)
    return stats[1] if stats is not None and f.region is not None else None


def stats_row(f: PartnershipFilter) -> tuple[str, str] | None:
    """(area_code, column) of the region_stats row that holds the filter's total, if one does:
    the filter's region, or '*' (every partnership) without one."""
    column = _STATUS_COUNTS.get(f.status)
    others = (f.country, f.organisation_id, f.best_practice, searched(f.text), f.iati_identifier)
    if column is None or any(v is not None for v in others):
        return None
    # '*' is a total there, but no value in the filter (no partnership has it).
    if ALL in (f.region, f.practice_area, f.sector):
        return None
    return (f.region if f.region is not None else ALL), column


async def partnerships_page(
    db: Db,
    filter: PartnershipFilter,
    order: PartnershipOrder,
    first: int,
    after: str | None,
    *,
    schema: str = LIVE_SCHEMA,
) -> Page[PartnershipRecord]:
    params = Params()
    conditions = partnership_conditions(filter, quoted(schema), params)
    count = _partnership_count_sql(filter, quoted(schema), params)
    listing = _PARTNERSHIP_LISTINGS[order]
    return await page_of(db, listing, schema, conditions, params, first, after, count)


async def partnerships_by_id(
    db: Db, ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[PartnershipRecord | None]:
    return await rows_by_id(
        db, schema, "partnership_summary", PARTNERSHIP_COLUMNS, ids, partnership_record
    )


async def memberships_of(
    db: Db, partnership_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[list[MembershipRecord]]:
    """Each partnership's partners, past ones included: the lead first, then by role, since."""
    organisation = ", ".join(f"o.{c.strip()}" for c in ORGANISATION_COLUMNS.split(","))
    membership = ", ".join(f"m.{c.strip()}" for c in MEMBERSHIP_COLUMNS.split(","))
    sql = (
        f"SELECT {membership}, {organisation}"  # noqa: S608
        f" FROM {quoted(schema)}.partnership_partners m"
        f" LEFT JOIN {quoted(schema)}.organisation_summary o ON o.id = m.organisation_id"
        " WHERE m.partnership_id = ANY($1::uuid[])"
        " ORDER BY m.partnership_id, m.role <> 'LEAD', m.role, m.since, m.organisation_id"
    )
    return await grouped(db, sql, partnership_ids, membership_record)


async def activities_of(
    db: Db, partnership_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[list[ActivityRecord]]:
    """Each partnership's activities, retracted ones included (flagged), in logged order."""
    sql = (
        f"SELECT {ACTIVITY_COLUMNS} FROM {quoted(schema)}.partnership_activities"  # noqa: S608
        " WHERE partnership_id = ANY($1::uuid[]) ORDER BY partnership_id, logged_position"
    )
    return await grouped(db, sql, partnership_ids, activity_record)


async def activities_by_id(
    db: Db, activity_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[ActivityRecord | None]:
    """Activities by their own ids (a write's payload names one among thousands)."""
    return await rows_by_id(
        db, schema, "partnership_activities", ACTIVITY_COLUMNS, activity_ids, activity_record
    )


async def outcomes_by_id(
    db: Db, outcome_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[OutcomeRecord | None]:
    """Outcomes by their own ids."""
    return await rows_by_id(
        db, schema, "partnership_outcomes", OUTCOME_COLUMNS, outcome_ids, outcome_record
    )


async def outcomes_of(
    db: Db, partnership_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[list[OutcomeRecord]]:
    """Each partnership's outcomes, in reported order."""
    sql = (
        f"SELECT {OUTCOME_COLUMNS} FROM {quoted(schema)}.partnership_outcomes"  # noqa: S608
        " WHERE partnership_id = ANY($1::uuid[]) ORDER BY partnership_id, reported_position"
    )
    return await grouped(db, sql, partnership_ids, outcome_record)


async def lessons_of(
    db: Db, partnership_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[list[LessonRecord]]:
    """Each partnership's lessons, in recorded order."""
    sql = (
        f"SELECT {LESSON_COLUMNS} FROM {quoted(schema)}.partnership_lessons"  # noqa: S608
        " WHERE partnership_id = ANY($1::uuid[]) ORDER BY partnership_id, position"
    )
    return await grouped(db, sql, partnership_ids, lesson_record)
