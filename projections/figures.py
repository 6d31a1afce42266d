"""Figures derived from several rows: people trained, partnership counts, region statistics
(``region_stats``, and ``area_country_stats`` for the countries of an area).

They are refreshed once per batch, inside the batch's transaction, for the keys its events
touched; a rebuild's bulk load skips that and recounts them all once at the end (``recount``).
Region statistics are kept exact by subtracting the touched partnerships' contributions
(computed from the base tables before the batch's writes) and adding them back afterwards: every
(partnership, area, practice area, sector) combination counts exactly once, so sums stay exact
whatever the order of events.
"""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

import asyncpg

from projections.read_model import ALL, Connection
from registry.domain.codelists import BestPracticeStatus

# Activity kinds whose participants count as people trained (capacity building by teaching).
TRAINING_KINDS = ("TRAINING", "WORKSHOP", "MENTORING", "EXERCISE")

# The sectors of a partnership's current partners (one that left no longer counts), each once
# however many partners share it, plus the '*' total.
_SECTORS = f"""
    ARRAY(SELECT DISTINCT o.sector
          FROM partnership_partners pp
          JOIN organisation_summary o ON o.id = pp.organisation_id
          WHERE pp.partnership_id = ps.id AND pp.until IS NULL) || '{{{ALL}}}'::text[]
"""  # noqa: S608 - ALL is a constant

# The areas a partnership counts in: its M49 areas and '*', the total over every partnership.
_AREAS = f"ps.regions || '{{{ALL}}}'::text[]"

# The region_stats column counting the partnerships at each best-practice stage.
BEST_PRACTICE_COUNTS = {stage: f"best_{stage.lower()}_count" for stage in BestPracticeStatus}
_STAGE_COUNTS = ", ".join(
    f"(count(*) FILTER (WHERE best_practice = '{stage}'))::int AS {column}"
    for stage, column in BEST_PRACTICE_COUNTS.items()
)
_STAGE_COLUMNS = ", ".join(BEST_PRACTICE_COUNTS.values())

# The region_stats keys of the partnerships in p: every (area, practice area or '*', sector or
# '*'), each exactly once per partnership.
_KEYS = """
FROM p, unnest(p.regions) AS area_code, unnest(p.practice_areas) AS practice_area,
     unnest(p.sectors) AS sector
GROUP BY area_code, practice_area, sector
"""

_STATUS_COUNTS = """count(*)::int AS partnership_count,
       (count(*) FILTER (WHERE status = 'ACTIVE'))::int AS active_count,
       (count(*) FILTER (WHERE status = 'CONCLUDED'))::int AS concluded_count"""

# What the partnerships in $1 (all of them when $1 is NULL) add to region_stats.
_CONTRIBUTIONS = f"""
WITH p AS MATERIALIZED (  -- once per partnership, not once per unnested row
    SELECT {_AREAS} AS regions, ps.practice_areas || '{{{ALL}}}'::text[] AS practice_areas,
           {_SECTORS} AS sectors, ps.status, ps.best_practice, ps.people_trained
    FROM partnership_summary ps
    WHERE $1::uuid[] IS NULL OR ps.id = ANY($1::uuid[])
)
SELECT area_code, practice_area, sector, {_STATUS_COUNTS},
       sum(people_trained)::bigint AS people_trained, {_STAGE_COUNTS}
{_KEYS}
"""  # noqa: S608 - composed of constants

_STAGE_SHIFTS = ", ".join(f"{c} = r.{c} + excluded.{c}" for c in BEST_PRACTICE_COUNTS.values())
_SHIFT = f"""
INSERT INTO region_stats AS r (area_code, practice_area, sector, partnership_count,
                               active_count, concluded_count, people_trained, {_STAGE_COLUMNS})
SELECT area_code, practice_area, sector, $2 * partnership_count, $2 * active_count,
       $2 * concluded_count, $2 * people_trained,
       {", ".join(f"$2 * {c}" for c in BEST_PRACTICE_COUNTS.values())}
FROM ({_CONTRIBUTIONS}) AS c
ON CONFLICT (area_code, practice_area, sector) DO UPDATE SET
    partnership_count = r.partnership_count + excluded.partnership_count,
    active_count = r.active_count + excluded.active_count,
    concluded_count = r.concluded_count + excluded.concluded_count,
    people_trained = r.people_trained + excluded.people_trained,
    {_STAGE_SHIFTS}
"""  # noqa: S608 - composed of constants

# What the partnerships in $1 (all when NULL) add to area_country_stats: each (area, country)
# once per partnership.
_COUNTRY_CONTRIBUTIONS = f"""
SELECT area_code, country, {_STATUS_COUNTS}
FROM partnership_summary ps, unnest({_AREAS}) AS area_code, unnest(ps.countries) AS country
WHERE $1::uuid[] IS NULL OR ps.id = ANY($1::uuid[])
GROUP BY area_code, country
"""  # noqa: S608 - composed of constants

_COUNTRY_SHIFT = f"""
INSERT INTO area_country_stats AS r (area_code, country, partnership_count, active_count,
                                     concluded_count)
SELECT area_code, country, $2 * partnership_count, $2 * active_count, $2 * concluded_count
FROM ({_COUNTRY_CONTRIBUTIONS}) AS c
ON CONFLICT (area_code, country) DO UPDATE SET
    partnership_count = r.partnership_count + excluded.partnership_count,
    active_count = r.active_count + excluded.active_count,
    concluded_count = r.concluded_count + excluded.concluded_count
"""  # noqa: S608 - composed of constants

# Recount people trained ($1 the partnerships, $2 the training kinds) and add the changes to the
# rows they count in, except for the partnerships $3. Those rows exist: the partnerships were
# counted when they last changed shape. The summaries' areas, practice areas and sectors are
# read as they stood before the recount, which changes none of them.
_REFRESH_TRAINED = f"""
WITH d AS (
    UPDATE partnership_summary ps SET people_trained = n.total
    FROM (SELECT id, people_trained AS before, coalesce((
            SELECT sum(a.participants) FROM partnership_activities a
            WHERE a.partnership_id = s.id AND NOT a.retracted AND a.kind = ANY($2)), 0) AS total
          FROM partnership_summary s WHERE s.id = ANY($1)) AS n
    WHERE ps.id = n.id AND ps.people_trained <> n.total
    RETURNING ps.id, n.total - n.before AS difference
), p AS MATERIALIZED (
    SELECT {_AREAS} AS regions, ps.practice_areas || '{{{ALL}}}'::text[] AS practice_areas,
           {_SECTORS} AS sectors, d.difference
    FROM d JOIN partnership_summary ps ON ps.id = d.id
    WHERE NOT (d.id = ANY($3::uuid[]))
)
UPDATE region_stats r SET people_trained = r.people_trained + c.difference
FROM (SELECT area_code, practice_area, sector, sum(difference) AS difference {_KEYS}) AS c
WHERE (r.area_code, r.practice_area, r.sector) = (c.area_code, c.practice_area, c.sector)
"""  # noqa: S608 - composed of constants


async def partnerships_of(connection: Connection, organisations: Collection[UUID]) -> set[UUID]:
    """Every partnership the organisations ever took part in (a superset is harmless)."""
    if not organisations:
        return set()
    rows = await connection.fetch(
        "SELECT DISTINCT partnership_id FROM partnership_partners WHERE organisation_id = ANY($1)",
        list(organisations),
    )
    return {row["partnership_id"] for row in rows}


async def shift_region_stats(
    connection: Connection, partnerships: Collection[UUID], sign: int
) -> None:
    """Add (sign 1) or remove (sign -1) what these partnerships contribute to region_stats
    and area_country_stats."""
    if partnerships:
        await connection.execute(_SHIFT, list(partnerships), sign)
        await connection.execute(_COUNTRY_SHIFT, list(partnerships), sign)


async def drop_empty_region_stats(connection: Connection) -> None:
    # A from-scratch computation has no rows for nothing; neither should the running one.
    await connection.execute("DELETE FROM region_stats WHERE partnership_count = 0")
    await connection.execute("DELETE FROM area_country_stats WHERE partnership_count = 0")


async def refresh_people_trained(
    connection: Connection, partnerships: Collection[UUID], *, counted_elsewhere: Collection[UUID]
) -> None:
    """Recount the people trained of ``partnerships``; add what changed to region_stats.

    Except for the partnerships ``counted_elsewhere``: those leave and re-enter region_stats
    whole in the same batch. One statement: this runs in every live batch that logs training.
    """
    if partnerships:
        await connection.execute(
            _REFRESH_TRAINED,
            list(partnerships),
            list(TRAINING_KINDS),
            list(counted_elsewhere),
        )


async def refresh_partnership_counts(
    connection: Connection, organisations: Collection[UUID]
) -> None:
    if organisations:
        await connection.execute(
            "UPDATE organisation_summary o SET partnership_count = ("
            " SELECT count(*) FROM partnership_partners p"
            " WHERE p.organisation_id = o.id AND p.until IS NULL)"
            " WHERE o.id = ANY($1)",
            list(organisations),
        )


async def recount(connection: Connection) -> None:
    """Compute every figure from the base tables, as a rebuild does once after loading the log.

    Equal to maintaining them batch by batch (a test compares the two), in three set-based
    statements instead of several per batch.
    """
    await connection.execute(
        "UPDATE partnership_summary ps SET people_trained = t.total"
        " FROM (SELECT partnership_id, sum(participants) AS total FROM partnership_activities"
        "       WHERE NOT retracted AND kind = ANY($1) GROUP BY partnership_id) AS t"
        " WHERE ps.id = t.partnership_id AND ps.people_trained <> t.total",
        list(TRAINING_KINDS),
    )
    await connection.execute(
        "UPDATE organisation_summary o SET partnership_count = c.n"
        " FROM (SELECT organisation_id, count(*) AS n FROM partnership_partners"
        "       WHERE until IS NULL GROUP BY organisation_id) AS c"
        " WHERE o.id = c.organisation_id AND o.partnership_count <> c.n"
    )
    await connection.execute("DELETE FROM region_stats")
    await connection.execute(_SHIFT, None, 1)
    await connection.execute("DELETE FROM area_country_stats")
    await connection.execute(_COUNTRY_SHIFT, None, 1)


async def region_stats_from_scratch(connection: Connection) -> list[asyncpg.Record]:
    """region_stats as a full recomputation gives it, ordered as ``region_stats_rows``."""
    return await connection.fetch(f"SELECT * FROM ({_CONTRIBUTIONS}) AS c ORDER BY 1, 2, 3", None)  # noqa: S608


async def region_stats_rows(connection: Connection) -> list[asyncpg.Record]:
    return await connection.fetch(
        "SELECT area_code, practice_area, sector, partnership_count, active_count,"  # noqa: S608
        f" concluded_count, people_trained, {_STAGE_COLUMNS} FROM region_stats ORDER BY 1, 2, 3"
    )


async def area_country_stats_from_scratch(connection: Connection) -> list[asyncpg.Record]:
    """area_country_stats as a full recomputation gives it, ordered as its rows below."""
    sql = f"SELECT * FROM ({_COUNTRY_CONTRIBUTIONS}) AS c ORDER BY 1, 2"  # noqa: S608
    return await connection.fetch(sql, None)


async def area_country_stats_rows(connection: Connection) -> list[asyncpg.Record]:
    return await connection.fetch(
        "SELECT area_code, country, partnership_count, active_count, concluded_count"
        " FROM area_country_stats ORDER BY 1, 2"
    )
