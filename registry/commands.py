"""Commands: what a contributor asks the registry to do, one dataclass per mutation.

Ids are already resolved to UUIDs. ``changes`` holds only the fields a revision or correction
names (a field given as null is a change to null; a field left out is no change).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from registry.domain.codelists import (
    ActivityKind,
    LessonKind,
    OrganisationType,
    PartnerRole,
    PracticeArea,
    ResultLevel,
    Sector,
    TargetGroup,
    Verification,
)
from registry.domain.identifiers import OrganisationIdentifier

# Marks a field added after keyed submissions were stored: at its default it is left out of
# the idempotency fingerprint (registry/idempotency.py), so retrying an earlier submission with
# its key still matches what was stored.
ADDED_LATER = "added_later"


def added_later(default: Any) -> Any:
    return field(default=default, metadata={ADDED_LATER: True})


@dataclass(frozen=True)
class RegisterOrganisation:
    name: str
    org_type: OrganisationType
    sector: Sector
    country: str
    website: str | None = None
    identifiers: tuple[OrganisationIdentifier, ...] = added_later(())


@dataclass(frozen=True)
class ReviseOrganisation:
    organisation_id: UUID
    changes: Mapping[str, Any]
    reason: str


@dataclass(frozen=True)
class RegisterPartnership:
    title: str
    summary: str
    practice_areas: tuple[PracticeArea, ...]
    countries: tuple[str, ...]
    start_date: date
    partners: tuple[tuple[UUID, PartnerRole], ...]
    objectives: str | None = None
    regions: tuple[str, ...] = ()
    end_date: date | None = None
    iati_identifier: str | None = added_later(None)  # an IATI activity identifier


@dataclass(frozen=True)
class RevisePartnership:
    partnership_id: UUID
    changes: Mapping[str, Any]
    reason: str


@dataclass(frozen=True)
class AddPartner:
    partnership_id: UUID
    organisation_id: UUID
    role: PartnerRole
    since: date | None = None


@dataclass(frozen=True)
class RemovePartner:
    partnership_id: UUID
    organisation_id: UUID
    reason: str
    until: date | None = None


@dataclass(frozen=True)
class ConfirmParticipation:
    partnership_id: UUID
    organisation_id: UUID


@dataclass(frozen=True)
class LogActivity:
    partnership_id: UUID
    kind: ActivityKind
    practice_area: PracticeArea
    title: str
    start_date: date
    description: str | None = None
    end_date: date | None = None
    countries: tuple[str, ...] = ()
    target_groups: tuple[TargetGroup, ...] = ()
    participants: int | None = None
    evidence_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorrectActivity:
    partnership_id: UUID
    activity_id: UUID
    changes: Mapping[str, Any]
    reason: str


@dataclass(frozen=True)
class RetractActivity:
    partnership_id: UUID
    activity_id: UUID
    reason: str


@dataclass(frozen=True)
class ReportOutcome:
    partnership_id: UUID
    result_level: ResultLevel
    indicator: str
    verification: Verification
    unit: str | None = None
    baseline: float | None = None
    target: float | None = None
    actual: float | None = None
    period_start: date | None = None
    period_end: date | None = None
    evidence_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorrectOutcome:
    partnership_id: UUID
    outcome_id: UUID
    changes: Mapping[str, Any]
    reason: str


@dataclass(frozen=True)
class RecordLesson:
    partnership_id: UUID
    kind: LessonKind
    text: str


@dataclass(frozen=True)
class NominateBestPractice:
    partnership_id: UUID
    rationale: str


@dataclass(frozen=True)
class EndorseBestPractice:
    partnership_id: UUID
    rationale: str


@dataclass(frozen=True)
class WithdrawEndorsement:
    partnership_id: UUID
    reason: str


@dataclass(frozen=True)
class ConcludePartnership:
    partnership_id: UUID
    end_date: date
    summary: str


@dataclass(frozen=True)
class RecordIatiVersion:
    """That a partnership now says what version ``last_updated`` (its ``last-updated-datetime``)
    of its IATI activity says: the importer's, once every command of that version applied."""

    iati_identifier: str
    last_updated: datetime


OrganisationCommand = RegisterOrganisation | ReviseOrganisation
PartnershipCommand = (
    RevisePartnership
    | AddPartner
    | RemovePartner
    | ConfirmParticipation
    | LogActivity
    | CorrectActivity
    | RetractActivity
    | ReportOutcome
    | CorrectOutcome
    | RecordLesson
    | NominateBestPractice
    | EndorseBestPractice
    | WithdrawEndorsement
    | ConcludePartnership
)
Command = OrganisationCommand | RegisterPartnership | PartnershipCommand | RecordIatiVersion


@dataclass(frozen=True)
class Submission:
    """A command with its caller's options, as the API and the importer hand it over."""

    command: Command
    expected_version: int | None = None
    idempotency_key: str | None = None
