"""What reads return: one frozen record per read-model row, and the columns each is read from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from registry.domain.identifiers import OrganisationIdentifier


@dataclass(frozen=True)
class PartnershipRecord:
    id: UUID
    version: int
    title: str
    summary: str
    objectives: str | None
    status: str
    best_practice: str
    practice_areas: tuple[str, ...]
    countries: tuple[str, ...]
    regions: tuple[str, ...]  # every M49 area (all levels) of its countries and declared regions
    start_date: date
    end_date: date | None
    created_at: datetime
    updated_at: datetime
    updated_position: int
    iati_identifier: str | None = None


# An organisation's identifier in the read model is the domain's own value (ref, or scheme and
# value), read back from the same recorded form.
IdentifierRecord = OrganisationIdentifier


@dataclass(frozen=True)
class MembershipRecord:
    partnership_id: UUID
    organisation_id: UUID
    role: str
    since: date | None
    until: date | None
    confirmed: bool
    # Read with the membership (one join), as nearly every reader of partners shows who they are.
    organisation: OrganisationRecord | None = None


@dataclass(frozen=True)
class OrganisationRecord:
    id: UUID
    version: int
    name: str
    org_type: str
    sector: str
    country: str
    website: str | None
    partnership_count: int
    updated_position: int
    identifiers: tuple[IdentifierRecord, ...] = ()


@dataclass(frozen=True)
class ActivityRecord:
    id: UUID
    partnership_id: UUID
    kind: str
    practice_area: str
    title: str
    description: str | None
    start_date: date
    end_date: date | None
    countries: tuple[str, ...]
    target_groups: tuple[str, ...]
    participants: int | None
    evidence_urls: tuple[str, ...]
    retracted: bool


@dataclass(frozen=True)
class OutcomeRecord:
    id: UUID
    partnership_id: UUID
    result_level: str
    indicator: str
    unit: str | None
    baseline: float | None
    target: float | None
    actual: float | None
    period_start: date | None
    period_end: date | None
    verification: str
    evidence_urls: tuple[str, ...]


@dataclass(frozen=True)
class LessonRecord:
    id: UUID
    partnership_id: UUID
    kind: str
    text: str


@dataclass(frozen=True)
class EventRecord:
    position: int
    event_id: UUID
    type: str
    stream_id: UUID
    stream_type: str
    version: int
    recorded_at: datetime
    actor: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class RegionStats:
    area_code: str
    partnership_count: int
    active_count: int
    concluded_count: int
    by_practice_area: dict[str, int]  # only areas with partnerships; absent means 0
    by_sector: dict[str, int]  # partnerships with a current partner of the sector; absent means 0
    people_trained: int


# The columns each record is read from, in its fields' order. The query compiler reads the same
# columns of a page's rows.
PARTNERSHIP_COLUMNS = (
    "id, version, title, summary, objectives, status, best_practice, practice_areas, countries,"
    " regions, start_date, end_date, created_at, updated_at, updated_position, iati_identifier"
)
ORGANISATION_COLUMNS = (
    "id, version, name, org_type, sector, country, website, partnership_count, updated_position,"
    " identifiers"
)
MEMBERSHIP_COLUMNS = "partnership_id, organisation_id, role, since, until, confirmed"
ACTIVITY_COLUMNS = (
    "id, partnership_id, kind, practice_area, title, description, start_date, end_date,"
    " countries, target_groups, participants, evidence_urls, retracted"
)
OUTCOME_COLUMNS = (
    "id, partnership_id, result_level, indicator, unit, baseline, target, actual,"
    " period_start, period_end, verification, evidence_urls"
)
LESSON_COLUMNS = "id, partnership_id, kind, text"
EVENT_COLUMNS = (
    "position, event_id, type, stream_id, stream_type, version, recorded_at, actor, data"
)


def partnership_record(row: asyncpg.Record) -> PartnershipRecord:
    return PartnershipRecord(
        id=row["id"],
        version=row["version"],
        title=row["title"],
        summary=row["summary"],
        objectives=row["objectives"],
        status=row["status"],
        best_practice=row["best_practice"],
        practice_areas=tuple(row["practice_areas"]),
        countries=tuple(row["countries"]),
        regions=tuple(row["regions"]),
        start_date=row["start_date"],
        end_date=row["end_date"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        updated_position=row["updated_position"],
        iati_identifier=row["iati_identifier"],
    )


def organisation_record(row: asyncpg.Record) -> OrganisationRecord:
    return OrganisationRecord(
        id=row["id"],
        version=row["version"],
        name=row["name"],
        org_type=row["org_type"],
        sector=row["sector"],
        country=row["country"],
        website=row["website"],
        partnership_count=row["partnership_count"],
        updated_position=row["updated_position"],
        identifiers=identifier_records(row["identifiers"]),
    )


def identifier_records(text: str) -> tuple[IdentifierRecord, ...]:
    # No jsonb codec is set on the pool's connections, so jsonb arrives as its text.
    return tuple(OrganisationIdentifier.of_record(i) for i in json.loads(text))


def membership_record(row: asyncpg.Record) -> MembershipRecord:
    return MembershipRecord(
        partnership_id=row["partnership_id"],
        organisation_id=row["organisation_id"],
        role=row["role"],
        since=row["since"],
        until=row["until"],
        confirmed=row["confirmed"],
        organisation=organisation_record(row) if row["id"] is not None else None,
    )


def activity_record(row: asyncpg.Record) -> ActivityRecord:
    return ActivityRecord(
        id=row["id"],
        partnership_id=row["partnership_id"],
        kind=row["kind"],
        practice_area=row["practice_area"],
        title=row["title"],
        description=row["description"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        countries=tuple(row["countries"]),
        target_groups=tuple(row["target_groups"]),
        participants=row["participants"],
        evidence_urls=tuple(row["evidence_urls"]),
        retracted=row["retracted"],
    )


def outcome_record(row: asyncpg.Record) -> OutcomeRecord:
    return OutcomeRecord(
        id=row["id"],
        partnership_id=row["partnership_id"],
        result_level=row["result_level"],
        indicator=row["indicator"],
        unit=row["unit"],
        baseline=row["baseline"],
        target=row["target"],
        actual=row["actual"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        verification=row["verification"],
        evidence_urls=tuple(row["evidence_urls"]),
    )


def lesson_record(row: asyncpg.Record) -> LessonRecord:
    return LessonRecord(
        id=row["id"], partnership_id=row["partnership_id"], kind=row["kind"], text=row["text"]
    )


def event_record(row: asyncpg.Record) -> EventRecord:
    # No jsonb codec is set on the pool's connections, so jsonb arrives as its text.
    return EventRecord(
        position=row["position"],
        event_id=row["event_id"],
        type=row["type"],
        stream_id=row["stream_id"],
        stream_type=row["stream_type"],
        version=row["version"],
        recorded_at=row["recorded_at"],
        actor=row["actor"],
        data=json.loads(row["data"]),
    )
