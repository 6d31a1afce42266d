"""``regions`` and ``region``: each area's figures from ONE pass over ``region_stats``.

An area's figures are 4 totals (its ``('*', '*')`` row) and a count per practice area and per
sector (its ``(value, '*')`` and ``('*', value)`` rows). Read as one correlated lookup per
figure, ``regions`` made 31 areas x 18 figures = 558 index scans a request, and PostgreSQL's
time went there. Here the rows of the areas asked for are read once and folded per area by a
``GROUP BY`` with one ``FILTER``ed aggregate per figure; each area's lists are then written as
constant text around those columns (the practice areas and sectors are the codelists', known
when the statement is planned). An area without a row counts 0, as the resolvers' reads do.
"""

# ruff: noqa: S608 - every value is a placeholder or a constant of this package

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from projections.compiler.objects import typename
from projections.compiler.text import json_literal, obj
from projections.compiler.tree import Field, Uncovered
from projections.read_model import ALL
from registry.domain.codelists import PracticeArea, Sector

TOTALS = {
    "partnershipCount": "partnership_count",
    "activeCount": "active_count",
    "concludedCount": "concluded_count",
    "peopleTrained": "people_trained",
}


@dataclass(frozen=True)
class _Breakdown:
    """One list of counts: by practice area or by sector."""

    field: str  # RegionSummary's field
    key: str  # the item's field naming the value
    type_name: str
    by: str  # region_stats' column holding the value; the other one is ALL
    other: str
    values: tuple[str, ...]
    prefix: str  # of the aggregated columns: prefix0, prefix1...

    def column(self, index: int) -> str:
        return f"{self.prefix}{index}"


BREAKDOWNS = (
    _Breakdown(
        "byPracticeArea",
        "practiceArea",
        "PracticeAreaCount",
        "practice_area",
        "sector",
        tuple(a.value for a in PracticeArea),
        "pa",
    ),
    _Breakdown(
        "bySector",
        "sector",
        "SectorCount",
        "sector",
        "practice_area",
        tuple(s.value for s in Sector),
        "se",
    ),
)
_BY_FIELD = {b.field: b for b in BREAKDOWNS}


def reads_stats(fields: Sequence[Field]) -> bool:
    """Whether a selection of RegionSummary needs the area's row of figures."""
    return any(f.name in TOTALS or f.name in _BY_FIELD for f in fields)


def stats_join(schema: str, codes: str, area: str, stats: str) -> str:
    """``LEFT JOIN`` the figures of the areas in the text[] ``codes`` as ``stats``, on the
    code of ``area``: one row per area, a column per figure (null where no row was kept)."""
    both = f"practice_area = '{ALL}' AND sector = '{ALL}'"
    columns = [f"max({column}) FILTER (WHERE {both}) AS {column}" for column in TOTALS.values()]
    for breakdown in BREAKDOWNS:
        for index, value in enumerate(breakdown.values):
            matched = f"{breakdown.by} = '{value}' AND {breakdown.other} = '{ALL}'"
            columns.append(
                f"max(partnership_count) FILTER (WHERE {matched}) AS {breakdown.column(index)}"
            )
    return (
        f" LEFT JOIN (SELECT area_code, {', '.join(columns)} FROM {schema}.region_stats"
        f" WHERE area_code = ANY({codes}) AND (practice_area = '{ALL}' OR sector = '{ALL}')"
        f" GROUP BY area_code) {stats} ON {stats}.area_code = {area}.code"
    )


def total(field: Field, stats: str) -> str:
    return f"coalesce({stats}.{TOTALS[field.name]}, 0)::text"


def breakdown(field: Field, stats: str) -> str:
    """The list of counts ``field`` selects (byPracticeArea, bySector), in codelist order."""
    by = _BY_FIELD[field.name]
    items = []
    for index, value in enumerate(by.values):
        parts = []
        for f in field.fields:
            if f.name == "__typename":
                parts.append((f.key, typename(by.type_name)))
            elif f.name == by.key:
                parts.append((f.key, json_literal(value)))
            elif f.name == "count":
                parts.append((f.key, f"coalesce({stats}.{by.column(index)}, 0)::text"))
            else:
                raise Uncovered(f"{by.type_name}.{f.name}")
        items.append(obj(parts))
    return "('[' || " + " || ',' || ".join(items) + " || ']')"


def is_breakdown(field: Field) -> bool:
    return field.name in _BY_FIELD
