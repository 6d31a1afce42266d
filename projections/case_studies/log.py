"""Reading the audit log (``event_log``) up to a position: whole streams, or the shaping fields."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import asyncpg

from projections.case_studies.documents import Citation
from projections.queries import Db
from projections.read_model import quoted


class LoggedEvent(NamedTuple):
    citation: Citation
    recorded_at: datetime  # only for PartnerLeft without ``until``, as the projector does
    data: dict[str, Any]

    @property
    def type(self) -> str:
        return self.citation.type

    @property
    def position(self) -> int:
        return self.citation.position

    @property
    def stream_id(self) -> UUID:
        return self.citation.stream_id


def logged_event(row: asyncpg.Record) -> LoggedEvent:
    return LoggedEvent(
        Citation(row["position"], row["event_id"], row["type"], row["stream_id"]),
        row["recorded_at"],
        json.loads(row["data"]),
    )


def table(schema: str, name: str) -> str:
    return f"{quoted(schema)}.{name}"


# What the first pass reads of each event that shapes the regional figures, says whether a
# partnership is a case study or ranks it (title and evidence score): only the fields it needs,
# so the log's long texts stay in the database. (The fold reads the fields it finds; the second
# pass reads whole events.)
SHAPES = {
    "PartnershipRegistered": (
        "title",
        "practice_areas",
        "countries",
        "regions",
        "partners",
        "start_date",
    ),
    "PartnershipRevised": ("changes",),
    "PartnershipConcluded": ("end_date",),
    "PartnerJoined": ("organisation", "role", "since"),
    "PartnerLeft": ("organisation", "until"),
    "ParticipationConfirmed": ("organisation",),
    "ActivityLogged": ("activity_id", "kind", "participants", "evidence_urls"),
    "ActivityCorrected": ("activity_id", "changes"),
    "ActivityRetracted": ("activity_id",),
    "OutcomeReported": ("outcome_id", "verification", "evidence_urls"),
    "OutcomeCorrected": ("outcome_id", "changes"),
    "BestPracticeNominated": (),
    "BestPracticeEndorsed": (),
    "EndorsementWithdrawn": (),
}


def _shape_sql() -> str:
    cases = []
    for event_type, names in SHAPES.items():
        pairs = ", ".join(f"'{n}', e.data->'{n}'" for n in names)
        cases.append(f"WHEN '{event_type}' THEN jsonb_build_object({pairs})")
    return f"(CASE e.type {' '.join(cases)} END)::text"


async def candidates(db: Db, area_code: str, position: int, schema: str) -> list[UUID]:
    """Partnerships registered by ``position`` that may be in area ``area_code`` then, in the
    order they were registered.

    Those in it now, plus those whose countries or regions were revised after ``position`` (they
    may have been in it then). One statement, so one snapshot: a revision the summary does not
    show yet is in the log the statement sees. The fold says which are in the area at
    ``position``; the log up to it never changes, so later statements read the same events.
    """
    summary, log = table(schema, "partnership_summary"), table(schema, "event_log")
    rows = await db.fetch(
        f"WITH c AS (SELECT id FROM {summary} WHERE regions @> ARRAY[$1::text]"  # noqa: S608
        f" UNION SELECT stream_id FROM {log} WHERE position > $2"
        " AND type = 'PartnershipRevised' AND data->'changes' ?| ARRAY['countries', 'regions'])"
        f" SELECT e.stream_id FROM {log} e JOIN c ON c.id = e.stream_id"
        " WHERE e.type = 'PartnershipRegistered' AND e.position <= $2 ORDER BY e.position",
        area_code,
        position,
    )
    return [row["stream_id"] for row in rows]


async def shape_events(
    db: Db, stream_ids: Sequence[UUID], position: int, schema: str
) -> Iterator[LoggedEvent]:
    """The shaping fields (``SHAPES``) of these partnerships' events up to ``position``."""
    if not stream_ids:
        return iter(())
    rows = await db.fetch(
        f"SELECT e.position, e.event_id, e.type, e.stream_id, e.recorded_at, {_shape_sql()} AS data"  # noqa: S608
        f" FROM unnest($1::uuid[]) AS c(id) JOIN {table(schema, 'event_log')} e"
        " ON e.stream_id = c.id"  # by stream: the planner would otherwise scan the whole log
        " WHERE e.position <= $2 AND e.type = ANY($3::text[]) ORDER BY e.position",
        list(stream_ids),
        position,
        list(SHAPES),
    )
    return map(logged_event, rows)  # decoded one at a time as the fold consumes them


async def stream_events(
    db: Db, stream_ids: Sequence[UUID], position: int, schema: str, *, stream_type: str
) -> Iterator[LoggedEvent]:
    """Every event of these streams up to ``position``, in log order.

    Only streams of ``stream_type`` ("Partnership", "Organisation"): an id of another kind (a
    GraphQL caller may send any) finds nothing, rather than events the fold has no meaning for.
    """
    if not stream_ids:
        return iter(())
    rows = await db.fetch(
        "SELECT e.position, e.event_id, e.type, e.stream_id, e.recorded_at,"  # noqa: S608
        " e.data::text AS data"
        f" FROM unnest($1::uuid[]) AS c(id) JOIN {table(schema, 'event_log')} e"
        " ON e.stream_id = c.id"  # by stream: the planner would otherwise scan the whole log
        " WHERE e.position <= $2 AND e.stream_type = $3 ORDER BY e.position",
        list(stream_ids),
        position,
        stream_type,
    )
    return map(logged_event, rows)
