"""Pages of case studies for GraphQL: ranked from the read-model tables, keyset cursors.

The ranking reads the stored score (``partnership_summary.evidence_halves``, see
``projections.scores``) through the index in its order, and the total from ``region_stats``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from uuid import UUID

from projections.case_studies.documents import CaseStudySummary
from projections.case_studies.log import table
from projections.case_studies.positions import area_or_error
from projections.queries import MAX_PAGE, BadCursor, Db, Page
from projections.read_model import ALL, LIVE_SCHEMA

_CASE_STUDIES = "CASE_STUDIES"


def _cursor(halves: int, title: str, partnership_id: UUID) -> str:
    text = json.dumps([_CASE_STUDIES, halves, title, str(partnership_id)], ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode("ascii")


def decode_after(cursor: str) -> tuple[int, str, UUID]:
    """The (halves, title, id) in a case-study cursor; ``BadCursor`` unless it is one."""
    return _after(cursor)


def _after(cursor: str) -> tuple[int, str, UUID]:
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        parts = json.loads(raw.decode())
        kind, halves, title, id_ = parts
        if kind != _CASE_STUDIES or type(halves) is not int or not isinstance(title, str):
            raise ValueError("not ours")
        if "\x00" in title:
            raise ValueError("NUL")
        title.encode()  # a lone surrogate cannot be sent to PostgreSQL
        return halves, title, UUID(id_)
    except (binascii.Error, UnicodeError, ValueError, TypeError):
        raise BadCursor("not a case-study cursor") from None


# The order of partnership_summary_by_evidence: score desc, title (code points), id.
_ORDER = '-ps.evidence_halves, ps.title COLLATE "C", ps.id'


def _total_sql(schema: str, area: str, practice_area: str) -> str:
    """How many case studies the filter has: region_stats's count of endorsed partnerships.

    ``area`` and ``practice_area`` are SQL (a parameter, or '*' for every one). The row counts
    exactly the filter's partnerships (area '*' is every partnership) and is written in the
    transactions that change them.
    """
    return (
        "SELECT coalesce((SELECT best_endorsed_count"  # noqa: S608
        f" FROM {table(schema, 'region_stats')} WHERE area_code = {area}"
        f" AND practice_area = {practice_area} AND sector = '{ALL}'), 0)"
    )


def _counted_sql(schema: str, conditions: list[str]) -> str:
    return (
        f"SELECT count(*) FROM {table(schema, 'partnership_summary')} ps"  # noqa: S608
        f" WHERE {' AND '.join(conditions)}"
    )


async def case_studies_page(
    db: Db,
    region: str | None,
    practice_area: str | None,
    first: int,
    after: str | None,
    *,
    schema: str = LIVE_SCHEMA,
) -> Page[CaseStudySummary]:
    """Case studies at the read model's head, ranked (score desc, title, id), keyset-paginated.

    ``region`` is any M49 area code (``UnknownRegion`` otherwise); ``practice_area`` filters on
    the partnership's declared practice areas. Titles compare in code-point order (COLLATE "C"),
    as Python compares them, so pages and exports rank alike.
    """
    if not 1 <= first <= MAX_PAGE:
        raise ValueError(f"first must be between 1 and {MAX_PAGE}, not {first}")
    args: list[Any] = []
    conditions = ["ps.best_practice = 'ENDORSED'"]
    area = pa = f"'{ALL}'"
    if region is not None:
        area_or_error(region)
        args.append(region)
        area = f"${len(args)}"
        conditions.append(f"ps.regions @> ARRAY[{area}::text]")
    if practice_area is not None:
        args.append(practice_area)
        pa = f"${len(args)}"
        conditions.append(f"ps.practice_areas @> ARRAY[{pa}::text]")
    # A practice area '*' is a total in region_stats, not a value a partnership has: that
    # filter (which no partnership matches) is counted from the rows.
    total = (
        _counted_sql(schema, conditions) if practice_area == ALL else _total_sql(schema, area, pa)
    )
    if after is not None:
        halves, title, id_ = _after(after)
        args += [halves, title, id_]
        h, t, i = f"${len(args) - 2}", f"${len(args) - 1}", f"${len(args)}"
        # The index's order as one row comparison, so a later page starts with an index seek.
        conditions.append(
            f'(-ps.evidence_halves, ps.title COLLATE "C", ps.id)'
            f' > (-{h}::bigint, {t} COLLATE "C", {i}::uuid)'
        )
    args.append(first + 1)
    sql = (
        f"SELECT ({total}) AS total_count, page.* FROM (SELECT 1) AS one"  # noqa: S608
        " LEFT JOIN (SELECT ps.id, ps.title, ps.regions, ps.practice_areas,"
        f" ps.evidence_halves AS halves FROM {table(schema, 'partnership_summary')} ps"
        f" WHERE {' AND '.join(conditions)} ORDER BY {_ORDER} LIMIT ${len(args)})"
        f' AS page ON true ORDER BY -page.halves, page.title COLLATE "C", page.id'
    )
    rows = await db.fetch(sql, *args)
    found = [row for row in rows if row["id"] is not None]
    shown = found[:first]
    return Page(
        items=[
            CaseStudySummary(
                partnership_id=row["id"],
                title=row["title"],
                regions=tuple(row["regions"]),
                practice_areas=tuple(row["practice_areas"]),
                evidence_score=row["halves"] / 2,
            )
            for row in shown
        ],
        cursors=[_cursor(row["halves"], row["title"], row["id"]) for row in shown],
        has_next_page=len(found) > first,
        has_previous_page=after is not None,
        total_count=rows[0]["total_count"],
    )
