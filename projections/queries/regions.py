"""Region figures: partnership counts by status, practice area and sector, and people trained."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from projections.queries.db import Db
from projections.queries.records import RegionStats
from projections.read_model import ALL, LIVE_SCHEMA, quoted


async def region_figures(
    db: Db, area_codes: Sequence[str], *, schema: str = LIVE_SCHEMA
) -> list[RegionStats]:
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
    return [_stats(code, by_area.get(code, [])) for code in area_codes]


def _stats(code: str, rows: Sequence[asyncpg.Record]) -> RegionStats:
    total = next((r for r in rows if r["practice_area"] == ALL and r["sector"] == ALL), None)
    return RegionStats(
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
