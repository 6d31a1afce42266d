"""Typed reads over the read model: pages, batches for DataLoaders, region figures, the log.

Every statement names its tables through the schema it is given (the live one by default): a
rebuild swaps schemas by renaming them, so a qualified name always means the current model.
Pages are keyset-paginated: a cursor holds the sort value and id of a row, so a page costs an
index range scan however deep it is, and rows inserted meanwhile neither repeat nor vanish.
Batches take keys and answer in their order in one statement, as DataLoaders need.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeAlias, TypeVar
from uuid import UUID

import asyncpg

from projections.keysets import (
    ORGANISATION_KEYSET,
    PARTNERSHIP_KEYSETS,
    Keyset,
    decode_cursor,
    encode_cursor,
)
from projections.keysets import (
    BadCursor as BadCursor,
)
from projections.keysets import (
    PartnershipOrder as PartnershipOrder,
)
from projections.read_model import ALL, LIVE_SCHEMA, quoted

# Reads run on a pool, a connection, or a connection lent by a pool; all three fetch alike.
# (A string: asyncpg's classes are generic only in its stubs.)
Db: TypeAlias = (
    "asyncpg.Pool[asyncpg.Record] | asyncpg.Connection[asyncpg.Record]"
    " | asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"
)

MAX_PAGE = 100
_MAX_POSITION = 2**63 - 1  # bigint: a larger cursor value would fail in the driver, not here

T = TypeVar("T")
R = TypeVar("R")


# ---------------------------------------------------------------------------- records


@dataclass(frozen=True)
class PartnershipRecord:
    id: UUID
    version: int
    title: str
    summary: str
    objectives: str | None
    status: str
    best_practice: str
    practice_areas: tuple[str, ...]
    countries: tuple[str, ...]
    regions: tuple[str, ...]  # every M49 area (all levels) of its countries and declared regions
    start_date: date
    end_date: date | None
    created_at: datetime
    updated_at: datetime
    updated_position: int


@dataclass(frozen=True)
class MembershipRecord:
    partnership_id: UUID
    organisation_id: UUID
    role: str
    since: date | None
    until: date | None
    confirmed: bool
    # Read with the membership (one join), as nearly every reader of partners shows who they are.
    organisation: OrganisationRecord | None = None


@dataclass(frozen=True)
class OrganisationRecord:
    id: UUID
    version: int
    name: str
    org_type: str
    sector: str
    country: str
    website: str | None
    partnership_count: int
    updated_position: int


@dataclass(frozen=True)
class ActivityRecord:
    id: UUID
    partnership_id: UUID
    kind: str
    practice_area: str
    title: str
    description: str | None
    start_date: date
    end_date: date | None
    countries: tuple[str, ...]
    target_groups: tuple[str, ...]
    participants: int | None
    evidence_urls: tuple[str, ...]
    retracted: bool


@dataclass(frozen=True)
class OutcomeRecord:
    id: UUID
    partnership_id: UUID
    result_level: str
    indicator: str
    unit: str | None
    baseline: float | None
    target: float | None
    actual: float | None
    period_start: date | None
    period_end: date | None
    verification: str
    evidence_urls: tuple[str, ...]


@dataclass(frozen=True)
class LessonRecord:
    id: UUID
    partnership_id: UUID
    kind: str
    text: str


@dataclass(frozen=True)
class EventRecord:
    position: int
    event_id: UUID
    type: str
    stream_id: UUID
    stream_type: str
    version: int
    recorded_at: datetime
    actor: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class RegionFigures:
    area_code: str
    partnership_count: int
    active_count: int
    concluded_count: int
    by_practice_area: dict[str, int]  # only areas with partnerships; absent means 0
    by_sector: dict[str, int]  # partnerships with a current partner of the sector; absent means 0
    people_trained: int


@dataclass(frozen=True)
class PartnershipFilter:
    region: str | None = None  # any M49 code, at any level
    country: str | None = None
    practice_area: str | None = None
    sector: str | None = None  # of a current partner
    organisation_id: UUID | None = None  # a current or past partner
    status: str | None = None
    best_practice: str | None = None
    text: str | None = None  # web-search syntax over title, summary, objectives


@dataclass(frozen=True)
class OrganisationFilter:
    country: str | None = None
    sector: str | None = None
    org_type: str | None = None
    text: str | None = None  # web-search syntax over the name


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]  # one per item: where the next page starts if it ends there
    has_next_page: bool
    has_previous_page: bool
    total_count: int


# ---------------------------------------------------------------------------- columns

_PARTNERSHIP_COLUMNS = (
    "id, version, title, summary, objectives, status, best_practice, practice_areas, countries,"
    " regions, start_date, end_date, created_at, updated_at, updated_position"
)
_ORGANISATION_COLUMNS = (
    "id, version, name, org_type, sector, country, website, partnership_count, updated_position"
)
# For the query compiler, which reads the same columns of a page's rows.
PARTNERSHIP_COLUMNS = _PARTNERSHIP_COLUMNS
ORGANISATION_COLUMNS = _ORGANISATION_COLUMNS
_MEMBERSHIP_COLUMNS = "partnership_id, organisation_id, role, since, until, confirmed"
_ACTIVITY_COLUMNS = (
    "id, partnership_id, kind, practice_area, title, description, start_date, end_date,"
    " countries, target_groups, participants, evidence_urls, retracted"
)
_OUTCOME_COLUMNS = (
    "id, partnership_id, result_level, indicator, unit, baseline, target, actual,"
    " period_start, period_end, verification, evidence_urls"
)
_LESSON_COLUMNS = "id, partnership_id, kind, text"
_EVENT_COLUMNS = (
    "position, event_id, type, stream_id, stream_type, version, recorded_at, actor, data"
)


def _partnership(row: asyncpg.Record) -> PartnershipRecord:
    return PartnershipRecord(
        id=row["id"],
        version=row["version"],
        title=row["title"],
        summary=row["summary"],
        objectives=row["objectives"],
        status=row["status"],
        best_practice=row["best_practice"],
        practice_areas=tuple(row["practice_areas"]),
        countries=tuple(row["countries"]),
        regions=tuple(row["regions"]),
        start_date=row["start_date"],
        end_date=row["end_date"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        updated_position=row["updated_position"],
    )


def _organisation(row: asyncpg.Record) -> OrganisationRecord:
    return OrganisationRecord(
        id=row["id"],
        version=row["version"],
        name=row["name"],
        org_type=row["org_type"],
        sector=row["sector"],
        country=row["country"],
        website=row["website"],
        partnership_count=row["partnership_count"],
        updated_position=row["updated_position"],
    )


def _membership(row: asyncpg.Record) -> MembershipRecord:
    return MembershipRecord(
        partnership_id=row["partnership_id"],
        organisation_id=row["organisation_id"],
        role=row["role"],
        since=row["since"],
        until=row["until"],
        confirmed=row["confirmed"],
        organisation=_organisation(row) if row["id"] is not None else None,
    )


def _activity(row: asyncpg.Record) -> ActivityRecord:
    return ActivityRecord(
        id=row["id"],
        partnership_id=row["partnership_id"],
        kind=row["kind"],
        practice_area=row["practice_area"],
        title=row["title"],
        description=row["description"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        countries=tuple(row["countries"]),
        target_groups=tuple(row["target_groups"]),
        participants=row["participants"],
        evidence_urls=tuple(row["evidence_urls"]),
        retracted=row["retracted"],
    )


def _outcome(row: asyncpg.Record) -> OutcomeRecord:
    return OutcomeRecord(
        id=row["id"],
        partnership_id=row["partnership_id"],
        result_level=row["result_level"],
        indicator=row["indicator"],
        unit=row["unit"],
        baseline=row["baseline"],
        target=row["target"],
        actual=row["actual"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        verification=row["verification"],
        evidence_urls=tuple(row["evidence_urls"]),
    )


def _lesson(row: asyncpg.Record) -> LessonRecord:
    return LessonRecord(
        id=row["id"], partnership_id=row["partnership_id"], kind=row["kind"], text=row["text"]
    )


def _event(row: asyncpg.Record) -> EventRecord:
    # No jsonb codec is set on the pool's connections, so jsonb arrives as its text.
    return EventRecord(
        position=row["position"],
        event_id=row["event_id"],
        type=row["type"],
        stream_id=row["stream_id"],
        stream_type=row["stream_type"],
        version=row["version"],
        recorded_at=row["recorded_at"],
        actor=row["actor"],
        data=json.loads(row["data"]),
    )


_EVENTS = "EVENTS"


def event_cursor(position: int) -> str:
    """The cursor of the event at ``position`` in the audit log."""
    return encode_cursor(_EVENTS, position)


def decode_position(text: str) -> int:
    """A log position from an event cursor or from a position as the API prints it (digits)."""
    if text.isascii() and text.isdigit():
        position = int(text)
    else:
        (position,) = decode_cursor(text, _EVENTS, 2)
    # bool is an int to Python but never a position.
    if not isinstance(position, int) or isinstance(position, bool):
        raise BadCursor("not a log position")
    if not 0 <= position <= _MAX_POSITION:
        raise BadCursor("not a log position")
    return position


# ---------------------------------------------------------------------------- pages


class _Params:
    """Numbered placeholders, allocated as clauses are added, and their values."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _check_first(first: int) -> None:
    # The API clamps and rejects first; past it, a bad value is a bug, not a client's error.
    if not 1 <= first <= MAX_PAGE:
        raise ValueError(f"first must be between 1 and {MAX_PAGE}, not {first}")


def searched(text: str | None) -> str | None:
    # A blank search box means no text criterion, not "match nothing".
    return text if text is not None and text.strip() else None


def _partnership_conditions(f: PartnershipFilter, s: str, params: _Params) -> list[str]:
    """The filter as SQL over ``ps`` (partnership_summary); only the criteria that are set."""
    conditions = []
    # The array criteria are written as containment so the GIN indexes on the arrays apply.
    if f.region is not None:
        conditions.append(f"ps.regions @> ARRAY[{params.add(f.region)}::text]")
    if f.country is not None:
        conditions.append(f"ps.countries @> ARRAY[{params.add(f.country)}::text]")
    if f.practice_area is not None:
        conditions.append(f"ps.practice_areas @> ARRAY[{params.add(f.practice_area)}::text]")
    if f.sector is not None:
        conditions.append(
            f"EXISTS (SELECT 1 FROM {s}.partnership_partners pp"  # noqa: S608 - s is a name
            f" JOIN {s}.organisation_summary o ON o.id = pp.organisation_id"
            f" WHERE pp.partnership_id = ps.id AND pp.until IS NULL"
            f" AND o.sector = {params.add(f.sector)})"
        )
    if f.organisation_id is not None:
        conditions.append(
            f"EXISTS (SELECT 1 FROM {s}.partnership_partners pp"  # noqa: S608 - s is a name
            " WHERE pp.partnership_id = ps.id"
            f" AND pp.organisation_id = {params.add(f.organisation_id)})"
        )
    if f.status is not None:
        conditions.append(f"ps.status = {params.add(f.status)}")
    if f.best_practice is not None:
        conditions.append(f"ps.best_practice = {params.add(f.best_practice)}")
    text = searched(f.text)
    if text is not None:
        conditions.append(f"ps.search @@ websearch_to_tsquery('english', {params.add(text)})")
    return conditions


def _organisation_conditions(f: OrganisationFilter, params: _Params) -> list[str]:
    conditions = []
    if f.country is not None:
        conditions.append(f"os.country = {params.add(f.country)}")
    if f.sector is not None:
        conditions.append(f"os.sector = {params.add(f.sector)}")
    if f.org_type is not None:
        conditions.append(f"os.org_type = {params.add(f.org_type)}")
    text = searched(f.text)
    if text is not None:
        # 'simple', as the column is built: names are proper nouns, not English to stem.
        conditions.append(f"os.search @@ websearch_to_tsquery('simple', {params.add(text)})")
    return conditions


def _where(conditions: Sequence[str]) -> str:
    return " AND ".join(conditions) if conditions else "true"


@dataclass(frozen=True)
class _Listing(Generic[R]):
    """A paginated list: which table, which columns become which record, in which order."""

    table: str  # unqualified: the schema is the caller's
    alias: str  # the name the filter's conditions use for the table
    columns: str
    keyset: Keyset
    make: Callable[[asyncpg.Record], R]


_PARTNERSHIP_LISTINGS = {
    order: _Listing("partnership_summary", "ps", _PARTNERSHIP_COLUMNS, keyset, _partnership)
    for order, keyset in PARTNERSHIP_KEYSETS.items()
}
_ORGANISATION_LISTING = _Listing(
    "organisation_summary", "os", _ORGANISATION_COLUMNS, ORGANISATION_KEYSET, _organisation
)


def _count_sql(listing: _Listing[R], schema: str, filtered: str) -> str:
    table = f"{quoted(schema)}.{listing.table}"
    return f"SELECT count(*) AS n FROM {table} {listing.alias} WHERE {filtered}"  # noqa: S608


def _page_sql(listing: _Listing[R], schema: str, count: str, ranged: str, limit: str) -> str:
    """The filter's total and one page of it, in one statement and so from one snapshot.

    The count is the outer row, so it comes back even when the page is empty; the page is a
    LIMITed range of the sort index, in the same order once joined.
    """
    table, alias, keyset = f"{quoted(schema)}.{listing.table}", listing.alias, listing.keyset
    return (
        f"SELECT total.n AS total_count, page.* FROM ({count}) AS total"  # noqa: S608
        f" LEFT JOIN (SELECT {listing.columns} FROM {table} {alias} WHERE {ranged}"
        f" ORDER BY {keyset.order_by(alias)} LIMIT {limit}) AS page ON true"
        f" ORDER BY {keyset.order_by('page')}"
    )


async def _page(
    db: Db,
    listing: _Listing[R],
    schema: str,
    conditions: list[str],
    params: _Params,
    first: int,
    after: str | None,
    count: str | None = None,
) -> Page[R]:
    """A page; ``count`` is a cheaper statement for the filter's total than counting its rows."""
    _check_first(first)
    count = count or _count_sql(listing, schema, _where(conditions))
    ranged = _where(conditions)
    if after is not None:
        ranged = _where([*conditions, listing.keyset.after(after, params, listing.alias)])
    # One row more than asked for says whether another page follows.
    limit = params.add(first + 1)
    rows = await db.fetch(_page_sql(listing, schema, count, ranged, limit), *params.values)
    found = [row for row in rows if row["id"] is not None]  # only the count's row when none match
    shown = found[:first]
    return Page(
        items=[listing.make(row) for row in shown],
        cursors=[listing.keyset.cursor(row) for row in shown],
        has_next_page=len(found) > first,
        has_previous_page=after is not None,
        total_count=rows[0]["total_count"],
    )


# Which region_stats column counts the partnerships of a status (None: all of them).
_STATUS_COUNTS = {
    None: "partnership_count",
    "ACTIVE": "active_count",
    "CONCLUDED": "concluded_count",
}


def _partnership_count_sql(f: PartnershipFilter, s: str, params: _Params) -> str | None:
    """The filter's total as one region_stats row, when the filter is made of that table's keys.

    Counting the rows of a region means scanning a good part of the table (tens of ms at 50k
    partnerships); region_stats already holds the number. It counts exactly what the filter
    matches (a partnership once per area, practice area and sector of a current partner), and
    the projector writes it in the same transactions as the summaries, so one statement sees
    both alike. Without a region there is no row to read: a country outside M49 has no areas.
    """
    column = region_stats_column(f)
    if column is None:
        return None
    return (
        f"SELECT coalesce((SELECT {column} FROM {s}.region_stats"  # noqa: S608 - names
        f" WHERE area_code = {params.add(f.region)}"
        f" AND practice_area = {params.add(f.practice_area or ALL)}"
        f" AND sector = {params.add(f.sector or ALL)}), 0) AS n"
    )


def region_stats_column(f: PartnershipFilter) -> str | None:
    """The region_stats column that holds the filter's total, or None if no row does."""
    column = _STATUS_COUNTS.get(f.status)
    others = (f.country, f.organisation_id, f.best_practice, searched(f.text))
    if f.region is None or column is None or any(v is not None for v in others):
        return None
    if ALL in (f.practice_area, f.sector):  # '*' is a total there, but no value in the filter
        return None
    return column


async def partnerships_page(
    db: Db,
    filter: PartnershipFilter,
    order: PartnershipOrder,
    first: int,
    after: str | None,
    *,
    schema: str = LIVE_SCHEMA,
) -> Page[PartnershipRecord]:
    params = _Params()
    conditions = _partnership_conditions(filter, quoted(schema), params)
    count = _partnership_count_sql(filter, quoted(schema), params)
    listing = _PARTNERSHIP_LISTINGS[order]
    return await _page(db, listing, schema, conditions, params, first, after, count)


async def organisations_page(
    db: Db,
    filter: OrganisationFilter,
    first: int,
    after: str | None,
    *,
    schema: str = LIVE_SCHEMA,
) -> Page[OrganisationRecord]:
    """Organisations by name, then id."""
    params = _Params()
    conditions = _organisation_conditions(filter, params)
    return await _page(db, _ORGANISATION_LISTING, schema, conditions, params, first, after)


# ---------------------------------------------------------------------------- batches


async def _by_id(
    db: Db, sql: str, ids: Sequence[UUID], make: Callable[[asyncpg.Record], R]
) -> list[R | None]:
    if not ids:
        return []
    found = {row["id"]: make(row) for row in await db.fetch(sql, list(ids))}
    return [found.get(i) for i in ids]


async def _grouped(
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


async def partnerships_by_id(
    db: Db, ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[PartnershipRecord | None]:
    sql = (
        f"SELECT {_PARTNERSHIP_COLUMNS} FROM {quoted(schema)}.partnership_summary"  # noqa: S608
        " WHERE id = ANY($1::uuid[])"
    )
    return await _by_id(db, sql, ids, _partnership)


async def organisations_by_id(
    db: Db, ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[OrganisationRecord | None]:
    sql = (
        f"SELECT {_ORGANISATION_COLUMNS} FROM {quoted(schema)}.organisation_summary"  # noqa: S608
        " WHERE id = ANY($1::uuid[])"
    )
    return await _by_id(db, sql, ids, _organisation)


async def memberships_of(
    db: Db, partnership_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[list[MembershipRecord]]:
    """Each partnership's partners, past ones included: the lead first, then by role, since."""
    organisation = ", ".join(f"o.{c.strip()}" for c in _ORGANISATION_COLUMNS.split(","))
    membership = ", ".join(f"m.{c.strip()}" for c in _MEMBERSHIP_COLUMNS.split(","))
    sql = (
        f"SELECT {membership}, {organisation}"  # noqa: S608
        f" FROM {quoted(schema)}.partnership_partners m"
        f" LEFT JOIN {quoted(schema)}.organisation_summary o ON o.id = m.organisation_id"
        " WHERE m.partnership_id = ANY($1::uuid[])"
        " ORDER BY m.partnership_id, m.role <> 'LEAD', m.role, m.since, m.organisation_id"
    )
    return await _grouped(db, sql, partnership_ids, _membership)


async def activities_of(
    db: Db, partnership_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[list[ActivityRecord]]:
    """Each partnership's activities, retracted ones included (flagged), in logged order."""
    sql = (
        f"SELECT {_ACTIVITY_COLUMNS} FROM {quoted(schema)}.partnership_activities"  # noqa: S608
        " WHERE partnership_id = ANY($1::uuid[]) ORDER BY partnership_id, logged_position"
    )
    return await _grouped(db, sql, partnership_ids, _activity)


async def outcomes_of(
    db: Db, partnership_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[list[OutcomeRecord]]:
    """Each partnership's outcomes, in reported order."""
    sql = (
        f"SELECT {_OUTCOME_COLUMNS} FROM {quoted(schema)}.partnership_outcomes"  # noqa: S608
        " WHERE partnership_id = ANY($1::uuid[]) ORDER BY partnership_id, reported_position"
    )
    return await _grouped(db, sql, partnership_ids, _outcome)


async def lessons_of(
    db: Db, partnership_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[list[LessonRecord]]:
    """Each partnership's lessons, in recorded order."""
    sql = (
        f"SELECT {_LESSON_COLUMNS} FROM {quoted(schema)}.partnership_lessons"  # noqa: S608
        " WHERE partnership_id = ANY($1::uuid[]) ORDER BY partnership_id, position"
    )
    return await _grouped(db, sql, partnership_ids, _lesson)


# ---------------------------------------------------------------------------- figures


async def region_figures(
    db: Db, area_codes: Sequence[str], *, schema: str = LIVE_SCHEMA
) -> list[RegionFigures]:
    """One figure set per code, in order; zeros for an area without partnerships.

    Only the rows that total over sectors or over practice areas are read: the '*'/'*' row
    holds the area's totals, counted once per partnership however many areas it has.
    """
    if not area_codes:
        return []
    rows = await db.fetch(
        "SELECT area_code, practice_area, sector, partnership_count, active_count,"  # noqa: S608
        f" concluded_count, people_trained FROM {quoted(schema)}.region_stats"
        " WHERE area_code = ANY($1::text[]) AND (practice_area = $2 OR sector = $2)",
        list(dict.fromkeys(area_codes)),
        ALL,
    )
    by_area: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        by_area.setdefault(row["area_code"], []).append(row)
    return [_figures(code, by_area.get(code, [])) for code in area_codes]


def _figures(code: str, rows: Sequence[asyncpg.Record]) -> RegionFigures:
    total = next((r for r in rows if r["practice_area"] == ALL and r["sector"] == ALL), None)
    return RegionFigures(
        area_code=code,
        partnership_count=total["partnership_count"] if total else 0,
        active_count=total["active_count"] if total else 0,
        concluded_count=total["concluded_count"] if total else 0,
        by_practice_area={
            r["practice_area"]: r["partnership_count"]
            for r in rows
            if r["sector"] == ALL and r["practice_area"] != ALL
        },
        by_sector={
            r["sector"]: r["partnership_count"]
            for r in rows
            if r["practice_area"] == ALL and r["sector"] != ALL
        },
        people_trained=total["people_trained"] if total else 0,
    )


# ---------------------------------------------------------------------------- the log


def _events_sql(schema: str, stream_id: UUID | None) -> str:
    # Two texts rather than "$2 IS NULL OR stream_id = $2": a prepared statement's generic plan
    # could then use neither the position key nor the (stream_id, position) index.
    stream = " AND stream_id = $3" if stream_id is not None else ""
    return (
        f"SELECT {_EVENT_COLUMNS} FROM {quoted(schema)}.event_log"  # noqa: S608
        f" WHERE position > $1{stream} ORDER BY position LIMIT $2"
    )


async def events_after(
    db: Db, after: int, stream_id: UUID | None, limit: int, *, schema: str = LIVE_SCHEMA
) -> list[EventRecord]:
    """Up to ``limit`` events past ``after``, of one stream or all, in log order."""
    if limit < 1:  # LIMIT 0 would make a subscription's polling loop spin on nothing
        raise ValueError(f"limit must be positive, not {limit}")
    args: list[Any] = [after, limit] + ([stream_id] if stream_id is not None else [])
    rows = await db.fetch(_events_sql(schema, stream_id), *args)
    return [_event(row) for row in rows]


async def events_page(
    db: Db, after: int | None, first: int, stream_id: UUID | None, *, schema: str = LIVE_SCHEMA
) -> Page[EventRecord]:
    """A page of the audit log; positions are the keyset, so no count is needed to page.

    ``total_count`` is the page's own length: the contract's event connection has no total, and
    counting a whole log per page would cost a scan of it.
    """
    _check_first(first)
    found = await events_after(db, after or 0, stream_id, first + 1, schema=schema)
    shown = found[:first]
    return Page(
        items=shown,
        cursors=[event_cursor(e.position) for e in shown],
        has_next_page=len(found) > first,
        has_previous_page=after is not None,
        total_count=len(shown),
    )
