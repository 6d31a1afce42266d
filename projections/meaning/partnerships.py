"""What partnership events mean: summary, partners, best practice, conclusion."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from projections.decoding import RecordedEvent
from projections.meaning.core import Meaning, Write, areas_of_members, on, texts, update


@on("PartnershipRegistered")
def _partnership_registered(e: RecordedEvent) -> Meaning:
    d = e.data
    summary = Write(
        "INSERT INTO partnership_summary (id, version, title, summary, objectives, status,"
        " best_practice, practice_areas, countries, declared_regions, regions, start_date,"
        " end_date, created_at, updated_at, created_position, updated_position,"
        " iati_identifier)"
        " VALUES ($1, $2, $3, $4, $5, 'ACTIVE', 'NONE', $6, $7, $8, $9, $10, $11, $12, $12,"
        " $13, $13, $14)",
        (
            e.stream_id,
            e.version,
            d["title"],
            d["summary"],
            d["objectives"],
            texts(d["practice_areas"]),
            texts(d["countries"]),
            texts(d["regions"]),
            areas_of_members([*texts(d["countries"]), *texts(d["regions"])]),
            d["start_date"],
            d["end_date"],
            e.recorded_at,
            e.position,
            d.get("iati_identifier"),  # registrations recorded before it existed have none
        ),
        ("partnership_summary", e.stream_id),
    )
    partners = [p["organisation"] for p in d["partners"]]
    roles = [str(p["role"]) for p in d["partners"]]
    members = Write(
        "INSERT INTO partnership_partners (partnership_id, organisation_id, role, since)"
        " SELECT $1, o, r, $4 FROM unnest($2::uuid[], $3::text[]) AS p(o, r)",
        (e.stream_id, partners, roles, d["start_date"]),
        ("partnership_partners", e.stream_id),
    )
    return Meaning(
        writes=(summary, members),
        partnerships=frozenset({e.stream_id}),
        organisations=frozenset(partners),
    )


_PARTNERSHIP_COLUMNS = {
    "title": "title",
    "summary": "summary",
    "objectives": "objectives",
    "practice_areas": "practice_areas",
    "countries": "countries",
    "regions": "declared_regions",
    "start_date": "start_date",
    "end_date": "end_date",
    "iati_identifier": "iati_identifier",
}


@on("PartnershipRevised")
def _partnership_revised(e: RecordedEvent) -> Meaning:
    changes: Mapping[str, Any] = e.data["changes"]
    write = update("partnership_summary", e.stream_id, changes, _PARTNERSHIP_COLUMNS)
    return Meaning(writes=(write,), partnerships=frozenset({e.stream_id}))


@on("PartnerJoined")
def _partner_joined(e: RecordedEvent) -> Meaning:
    d = e.data
    # A returning partner starts afresh, as the aggregate replaces its membership.
    write = Write(
        "INSERT INTO partnership_partners (partnership_id, organisation_id, role, since)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (partnership_id, organisation_id) DO UPDATE"
        " SET role = excluded.role, since = excluded.since, until = NULL, confirmed = false",
        (e.stream_id, d["organisation"], str(d["role"]), d["since"]),
        ("partnership_partners", e.stream_id),
    )
    return _membership_change(e, write, d["organisation"])


@on("PartnerLeft")
def _partner_left(e: RecordedEvent) -> Meaning:
    d = e.data
    # As the aggregate does: an event without ``until`` ends the membership the day it is recorded.
    until: date = d["until"] or e.recorded_at.date()
    write = Write(
        "UPDATE partnership_partners SET until = $3"
        " WHERE partnership_id = $1 AND organisation_id = $2",
        (e.stream_id, d["organisation"], until),
        ("partnership_partners", e.stream_id),
    )
    return _membership_change(e, write, d["organisation"])


def _membership_change(e: RecordedEvent, write: Write, organisation: UUID) -> Meaning:
    return Meaning(
        writes=(write,),
        partnerships=frozenset({e.stream_id}),
        organisations=frozenset({organisation}),
    )


@on("ParticipationConfirmed")
def _participation_confirmed(e: RecordedEvent) -> Meaning:
    return Meaning(
        writes=(
            Write(
                "UPDATE partnership_partners SET confirmed = true"
                " WHERE partnership_id = $1 AND organisation_id = $2",
                (e.stream_id, e.data["organisation"]),
                ("partnership_partners", e.stream_id),
            ),
        )
    )


@on("BestPracticeNominated")
def _nominated(e: RecordedEvent) -> Meaning:
    return _best_practice(e, "NOMINATED")


@on("BestPracticeEndorsed")
def _endorsed(e: RecordedEvent) -> Meaning:
    return _best_practice(e, "ENDORSED")


@on("EndorsementWithdrawn")
def _withdrawn(e: RecordedEvent) -> Meaning:
    return _best_practice(e, "WITHDRAWN")


def _best_practice(e: RecordedEvent, status: str) -> Meaning:
    return Meaning(
        writes=(
            Write(
                "UPDATE partnership_summary SET best_practice = $2 WHERE id = $1",
                (e.stream_id, status),
                ("partnership_summary", e.stream_id),
            ),
        ),
        # region_stats counts partnerships by best-practice stage too.
        partnerships=frozenset({e.stream_id}),
    )


@on("PartnershipConcluded")
def _concluded(e: RecordedEvent) -> Meaning:
    write = Write(
        "UPDATE partnership_summary SET status = 'CONCLUDED', end_date = $2, conclusion = $3"
        " WHERE id = $1",
        (e.stream_id, e.data["end_date"], e.data["summary"]),
        ("partnership_summary", e.stream_id),
    )
    return Meaning(writes=(write,), partnerships=frozenset({e.stream_id}))
