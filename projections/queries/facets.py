"""Facet counts for a filtered search of partnerships: how many of its hits have each value.

The portal's search shows, next to its results, how many of them are in each region, country,
practice area, sector, status and best-practice stage, so a reader narrows a search knowing what
each click leaves. The counts are over the filter's hits (what clicking a value would show), in
one statement and so from one snapshot; a partnership counts once per value it has (once per
sector of its current partners).

When the filter is made of ``region_stats``'s keys (a region or none, and a practice area, a
sector or a status), the counts are stored figures, which the projector keeps in the same
transactions as the summaries: reading them costs a few index lookups where counting the hits'
partners joins every one of them. Without a region the rows of area '*' (every partnership)
count. Countries come from ``area_country_stats`` (kept by area and status only: with a practice
area or a sector they are counted from the hits), best-practice stages from ``region_stats``
(not kept by status: with a status they are counted from the hits).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from projections.figures import BEST_PRACTICE_COUNTS
from projections.queries.db import Db
from projections.queries.filters import Params, PartnershipFilter, partnership_conditions, where
from projections.queries.partnerships import stats_row
from projections.read_model import ALL, LIVE_SCHEMA, quoted
from registry import geography

FACETS = ("region", "country", "practice_area", "sector", "status", "best_practice")


@dataclass(frozen=True)
class FacetCounts:
    total: int
    counts: Mapping[str, Mapping[str, int]]  # facet -> value -> hits; absent means 0

    def of(self, facet: str) -> Mapping[str, int]:
        return self.counts.get(facet, {})


def _facets_sql(f: PartnershipFilter, s: str, params: Params, areas: Sequence[str]) -> str:
    conditions = where(partnership_conditions(f, s, params))
    wanted = params.add(list(areas))
    # MATERIALIZED: the hits are filtered once and each facet groups the same rows. The arrays
    # are unnested in the select list (one ProjectSet per facet), several times cheaper than a
    # lateral unnest per row.
    return (
        "WITH hits AS MATERIALIZED (SELECT ps.id, ps.regions, ps.countries, ps.practice_areas,"  # noqa: S608
        f" ps.status, ps.best_practice FROM {s}.partnership_summary ps WHERE {conditions})"
        " SELECT 'total' AS facet, '' AS value, count(*) AS n FROM hits"
        " UNION ALL SELECT 'region', r, count(*) FROM (SELECT unnest(regions) AS r FROM hits) x"
        f" WHERE r = ANY({wanted}::text[]) GROUP BY r"
        " UNION ALL SELECT 'country', c, count(*)"
        " FROM (SELECT unnest(countries) AS c FROM hits) x GROUP BY c"
        " UNION ALL SELECT 'practice_area', a, count(*)"
        " FROM (SELECT unnest(practice_areas) AS a FROM hits) x GROUP BY a"
        " UNION ALL SELECT 'status', status, count(*) FROM hits GROUP BY status"
        " UNION ALL SELECT 'best_practice', best_practice, count(*) FROM hits"
        " GROUP BY best_practice"
        " UNION ALL SELECT 'sector', sector, count(*) FROM (SELECT DISTINCT hits.id, o.sector"
        f" FROM hits JOIN {s}.partnership_partners pp ON pp.partnership_id = hits.id"
        f" AND pp.until IS NULL JOIN {s}.organisation_summary o ON o.id = pp.organisation_id)"
        " AS sectors GROUP BY sector"
    )


_SCANNED = {
    "country": "SELECT 'country' AS facet, c AS value, count(*) AS n"
    " FROM (SELECT unnest(countries) AS c FROM hits) x GROUP BY c",
    "best_practice": "SELECT 'best_practice' AS facet, best_practice AS value, count(*) AS n"
    " FROM hits GROUP BY best_practice",
}


def _scanned_sql(f: PartnershipFilter, s: str, params: Params, facets: Sequence[str]) -> str:
    """Some of the countries and best-practice stages of the hits, counted from the hits."""
    conditions = where(partnership_conditions(f, s, params))
    return (
        "WITH hits AS MATERIALIZED (SELECT ps.countries, ps.best_practice"  # noqa: S608
        f" FROM {s}.partnership_summary ps WHERE {conditions}) "
        + " UNION ALL ".join(_SCANNED[facet] for facet in facets)
    )


async def _from_region_stats(
    db: Db, f: PartnershipFilter, area: str, column: str, areas: Sequence[str], schema: str
) -> FacetCounts:
    practice_area, sector = f.practice_area or ALL, f.sector or ALL
    s = quoted(schema)
    rows = await db.fetch(
        "SELECT area_code, practice_area, sector, partnership_count, active_count,"  # noqa: S608
        f" concluded_count, {', '.join(BEST_PRACTICE_COUNTS.values())}, {column} AS n"
        f" FROM {s}.region_stats"
        " WHERE area_code = ANY($1::text[]) AND (practice_area = $2 OR sector = $3)",
        list(dict.fromkeys([area, *areas])),
        practice_area,
        sector,
    )
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    total = 0
    # An area's row counts the hits in it only if it lies inside the region (its wider areas
    # hold partnerships outside the region too); every area lies inside '*'.
    inside = {
        a for a in areas if area == ALL or area in {x.code for x in geography.areas_of((), (a,))}
    }
    for row in rows:
        here, pa, sec, n = row["area_code"], row["practice_area"], row["sector"], row["n"]
        if pa == practice_area and sec == sector:
            if here == area:
                total = n
                if f.status is None:
                    counts["status"] = {
                        "ACTIVE": row["active_count"],
                        "CONCLUDED": row["concluded_count"],
                    }
                    counts["best_practice"] = {
                        stage: row[c] for stage, c in BEST_PRACTICE_COUNTS.items()
                    }
            if here in inside:
                counts["region"][here] = n
        elif here == area and sec == sector and pa != ALL:
            counts["practice_area"][pa] = n
        elif here == area and pa == practice_area and sec != ALL:
            counts["sector"][sec] = n
    # A chosen value counts the total (its rows count other values without it).
    for facet, chosen in (("practice_area", f.practice_area), ("sector", f.sector)):
        if chosen is not None:
            counts[facet] = {chosen: total}
    scanned = []
    if f.practice_area is None and f.sector is None:
        # area_country_stats has the status columns of region_stats, not its other keys.
        countries = await db.fetch(
            f"SELECT country, {column} AS n FROM {s}.area_country_stats"  # noqa: S608
            " WHERE area_code = $1",
            area,
        )
        counts["country"] = {row["country"]: row["n"] for row in countries}
    else:
        scanned.append("country")
    if f.status is not None:
        counts["status"] = {f.status: total}
        scanned.append("best_practice")
    if scanned:
        params = Params()
        for row in await db.fetch(_scanned_sql(f, s, params, scanned), *params.values):
            counts[row["facet"]][row["value"]] = row["n"]
    # As counted from the hits: a value no hit has is absent, not 0.
    found = {facet: {v: n for v, n in values.items() if n} for facet, values in counts.items()}
    return FacetCounts(total=total, counts=found)


async def partnership_facets(
    db: Db,
    filter: PartnershipFilter,
    areas: Sequence[str],
    *,
    schema: str = LIVE_SCHEMA,
    region_stats: bool = True,
) -> FacetCounts:
    """The filter's hits counted by each facet's values; regions only among ``areas``.

    A facet whose value the filter names counts only that value (its hits are the total);
    ``region_stats=False`` counts everything from the hits (the tests compare both ways).
    """
    stats = stats_row(filter) if region_stats else None
    if stats is not None:
        return await _from_region_stats(db, filter, *stats, areas, schema)
    params = Params()
    sql = _facets_sql(filter, quoted(schema), params, areas)
    total = 0
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    for row in await db.fetch(sql, *params.values):
        if row["facet"] == "total":
            total = row["n"]
        else:
            counts[row["facet"]][row["value"]] = row["n"]
    return FacetCounts(total=total, counts=counts)
