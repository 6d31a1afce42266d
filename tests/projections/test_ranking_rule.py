"""The ranking rule, written once in ``ranking.RULE``, gives the same score in SQL and in Python.

A differential test: hypothesis draws partnerships (outcomes of every verification level, with
and without evidence; activities retracted or not; partners current or gone, confirmed or not),
the derived SQL scores them from tables with the read model's column names, and the derived
Python scores them from the same facts. The prose that cannot be derived is checked too.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.case_studies import ranking
from projections.case_studies.ranking import RULE, halves_sql, score_of
from registry.database import DatabaseAddress
from registry.domain.codelists import Verification

ROOT = Path(__file__).parents[2]
SCHEMA = "ranking rule"  # a name that needs quoting, as any schema might

Outcome = tuple[str, bool]  # verification, cites evidence URLs
Flags = tuple[bool, bool]  # activity: (retracted, cites evidence); partner: (current, confirmed)

verifications = st.sampled_from([*Verification, "UNHEARD_OF"])
partnerships = st.lists(
    st.tuples(
        st.lists(st.tuples(verifications, st.booleans()), max_size=6),
        st.lists(st.tuples(st.booleans(), st.booleans()), max_size=6),
        st.lists(st.tuples(st.booleans(), st.booleans()), max_size=6),
    ),
    min_size=1,
    max_size=8,
)

_TABLES = f"""
CREATE SCHEMA "{SCHEMA}";
CREATE TABLE "{SCHEMA}".partnership_summary (id uuid PRIMARY KEY);
CREATE TABLE "{SCHEMA}".partnership_outcomes (
    partnership_id uuid NOT NULL, verification text NOT NULL, evidence_urls text[] NOT NULL);
CREATE TABLE "{SCHEMA}".partnership_activities (
    partnership_id uuid NOT NULL, retracted boolean NOT NULL, evidence_urls text[] NOT NULL);
CREATE TABLE "{SCHEMA}".partnership_partners (
    partnership_id uuid NOT NULL, confirmed boolean NOT NULL, until date);
"""


def _urls(cites: bool) -> list[str]:
    return ["https://example.org/evidence"] if cites else []


async def _sql_halves(
    dsn: str, drawn: list[tuple[list[Outcome], list[Flags], list[Flags]]]
) -> tuple[list[UUID], dict[UUID, int]]:
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            await connection.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
            await connection.execute(_TABLES)
            s = f'"{SCHEMA}"'
            await connection.execute(f"SET LOCAL search_path TO {s}")
            ids = [uuid4() for _ in drawn]
            for id_, (outcomes, activities, partners) in zip(ids, drawn, strict=True):
                await connection.execute("INSERT INTO partnership_summary VALUES ($1)", id_)
                await connection.executemany(
                    "INSERT INTO partnership_outcomes VALUES ($1, $2, $3)",
                    [(id_, str(v), _urls(e)) for v, e in outcomes],
                )
                await connection.executemany(
                    "INSERT INTO partnership_activities VALUES ($1, $2, $3)",
                    [(id_, retracted, _urls(e)) for retracted, e in activities],
                )
                await connection.executemany(
                    "INSERT INTO partnership_partners VALUES ($1, $2, $3)",
                    [(id_, c, None if current else date(2024, 1, 1)) for current, c in partners],
                )
            rows = await connection.fetch(
                f"SELECT ps.id, {halves_sql(SCHEMA)} AS halves FROM {s}.partnership_summary ps"  # noqa: S608
            )
            return ids, {row["id"]: row["halves"] for row in rows}
    finally:
        await connection.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=partnerships)
def test_the_sql_and_the_python_score_agree(
    database: DatabaseAddress, drawn: list[tuple[list[Outcome], list[Flags], list[Flags]]]
) -> None:
    ids, found = asyncio.run(_sql_halves(database.dsn(), drawn))
    for id_, (outcomes, activities, partners) in zip(ids, drawn, strict=True):
        score = score_of(
            ({"verification": v, "evidence_urls": _urls(e)} for v, e in outcomes),
            activities,
            partners,
        )
        assert found[id_] / 2 == score.total, (outcomes, activities, partners)


def test_the_sentences_are_derived_from_the_rule() -> None:
    assert ranking.RANKING == (
        "Case studies are ranked by evidence score, highest first; ties by title, then by id. "
        "Each outcome scores its verification level (independent 3, partner-confirmed 2, "
        "self-reported 1), doubled when it cites evidence URLs; each activity citing evidence URLs "
        "scores 0.5 (retracted ones nothing); each current partner that confirmed its "
        "participation scores 0.5."
    )
    assert ranking.GRAPHQL_DESCRIPTION == (
        "The ranking score: each outcome 3 (independent), 2 (partner-confirmed) or 1"
        " (self-reported), doubled with evidence URLs; 0.5 per activity citing evidence and per"
        " current partner that confirmed its participation."
    )


def _points(points: float) -> str:
    return f"{points:g}"


def test_the_prose_states_the_rule() -> None:
    """The docstring and docs/case-studies.md are written by hand: they must say what RULE says."""
    levels = ", ".join(f"{code} {p}" for code, p in RULE.verification_points.items())
    assert RULE.evidence_multiplier == 2  # both say "doubled"
    docstring = " ".join((ranking.__doc__ or "").split())
    assert f"verification level: {levels}, doubled when" in docstring
    assert f"evidence URL scores {_points(RULE.activity_points)};" in docstring
    assert f"participation scores {_points(RULE.confirmed_partner_points)}." in docstring
    docs = (ROOT / "docs" / "case-studies.md").read_text(encoding="utf-8")
    assert f"| each outcome, by its verification level | {levels} |" in docs
    assert "| ... when the outcome cites at least one evidence URL | its points doubled |" in docs
    activity = "| each activity (not retracted) that cites at least one evidence URL |"
    assert f"{activity} {_points(RULE.activity_points)} |" in docs
    partner = "| each current partner that confirmed its participation |"
    assert f"{partner} {_points(RULE.confirmed_partner_points)} |" in docs
