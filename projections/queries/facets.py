"""Facet counts for a filtered search of partnerships: how many of its hits have each value.

The portal's search shows, next to its results, how many of them are in each region, country,
practice area, sector, status and best-practice stage, so a reader narrows a search knowing what
each click leaves. The counts are over the filter's hits (what clicking a value would show), in
one statement and so from one snapshot; a partnership counts once per value it has (once per
sector of its current partners).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from projections.queries.db import Db
from projections.queries.filters import Params, PartnershipFilter, partnership_conditions, where
from projections.read_model import LIVE_SCHEMA, quoted

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
    # MATERIALIZED: the hits are filtered once, and each facet groups the same rows.
    return (
        "WITH hits AS MATERIALIZED (SELECT ps.id, ps.regions, ps.countries, ps.practice_areas,"  # noqa: S608
        f" ps.status, ps.best_practice FROM {s}.partnership_summary ps WHERE {conditions})"
        " SELECT 'total' AS facet, '' AS value, count(*) AS n FROM hits"
        " UNION ALL SELECT 'region', r, count(*) FROM hits, unnest(hits.regions) AS r"
        f" WHERE r = ANY({wanted}::text[]) GROUP BY r"
        " UNION ALL SELECT 'country', c, count(*) FROM hits, unnest(hits.countries) AS c"
        " GROUP BY c"
        " UNION ALL SELECT 'practice_area', a, count(*) FROM hits,"
        " unnest(hits.practice_areas) AS a GROUP BY a"
        " UNION ALL SELECT 'status', status, count(*) FROM hits GROUP BY status"
        " UNION ALL SELECT 'best_practice', best_practice, count(*) FROM hits"
        " GROUP BY best_practice"
        " UNION ALL SELECT 'sector', sector, count(*) FROM (SELECT DISTINCT hits.id, o.sector"
        f" FROM hits JOIN {s}.partnership_partners pp ON pp.partnership_id = hits.id"
        f" AND pp.until IS NULL JOIN {s}.organisation_summary o ON o.id = pp.organisation_id)"
        " AS sectors GROUP BY sector"
    )


async def partnership_facets(
    db: Db, filter: PartnershipFilter, areas: Sequence[str], *, schema: str = LIVE_SCHEMA
) -> FacetCounts:
    """The filter's hits counted by each facet's values; regions only among ``areas``."""
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
