"""The stored evidence score: ``partnership_summary.evidence_halves``, kept by the projector.

Ranking case studies by a score computed per request means three correlated counts for every
endorsed partnership of the area before the first row is known. Stored, the ranking is a walk
of an index (best_practice, -evidence_halves, title, id). The value is always ``halves_sql``,
the ranking rule's one SQL form, evaluated over the partnership's rows after a batch's writes:
a batch refreshes every partnership it has an event of (outcomes, activities, partners and
their confirmations are all written by the partnership's own events), and a rebuild computes
them all once, after its indexes are made (the correlated counts use them).
"""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from projections.case_studies.ranking import halves_sql
from projections.read_model import Connection, quoted


def _refresh_sql(schema: str) -> str:
    # Only rows whose score moves are written: most events leave it alone.
    s = quoted(schema)
    return (
        f"UPDATE {s}.partnership_summary t SET evidence_halves = n.halves"  # noqa: S608
        f" FROM (SELECT ps.id, {halves_sql(schema)} AS halves FROM {s}.partnership_summary ps"
        "       WHERE $1::uuid[] IS NULL OR ps.id = ANY($1::uuid[])) AS n"
        " WHERE t.id = n.id AND t.evidence_halves <> n.halves"
    )


async def refresh_scores(
    connection: Connection, schema: str, partnerships: Collection[UUID]
) -> None:
    """Recompute the stored score of these partnerships from their rows."""
    if partnerships:
        await connection.execute(_refresh_sql(schema), list(partnerships))


async def recount_scores(connection: Connection, schema: str) -> None:
    """Recompute every stored score, as a rebuild does once after loading the log."""
    await connection.execute(_refresh_sql(schema), None)


async def scores_from_scratch(connection: Connection, schema: str) -> dict[UUID, int]:
    """Every partnership's score as the rule computes it now (for tests to compare)."""
    rows = await connection.fetch(
        f"SELECT ps.id, {halves_sql(schema)} AS halves"  # noqa: S608
        f" FROM {quoted(schema)}.partnership_summary ps"
    )
    return {row["id"]: row["halves"] for row in rows}


async def stored_scores(connection: Connection, schema: str) -> dict[UUID, int]:
    rows = await connection.fetch(
        f"SELECT id, evidence_halves FROM {quoted(schema)}.partnership_summary"  # noqa: S608
    )
    return {row["id"]: row["evidence_halves"] for row in rows}
