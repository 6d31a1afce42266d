"""Mutation inputs of the WRITE section, exactly as the contract names them.

Optional fields of revisions and corrections default to UNSET, so "left out" (no change)
differs from an explicit null (clear the value).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry import UNSET

from schema.enums import (
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

_KEY = "Retrying with the same key and input returns the first result and appends nothing."
_VERSION = "Refuse with VERSION_CONFLICT unless the target is at this version."


def key_field() -> Any:
    return strawberry.field(default=None, description=_KEY)


def version_field() -> Any:
    return strawberry.field(default=None, description=_VERSION)


@strawberry.input(
    description="An identifier of the organisation: an IATI organisation identifier as"
    ' published (ref, e.g. "XM-DAC-41114"), or a register\'s org-id.guide code (scheme, e.g.'
    ' "GB-COH") and the organisation\'s number in it (value). Either ref, or scheme and value.'
)
class OrganisationIdentifierInput:
    ref: str | None = None
    scheme: str | None = None
    value: str | None = None


@strawberry.input
class RegisterOrganisationInput:
    name: str
    org_type: OrganisationType
    sector: Sector
    country: str
    website: str | None = None
    identifiers: list[OrganisationIdentifierInput] | None = None
    idempotency_key: str | None = key_field()


@strawberry.input
class ReviseOrganisationInput:
    organisation_id: strawberry.ID
    reason: str
    name: str | None = UNSET
    org_type: OrganisationType | None = UNSET
    sector: Sector | None = UNSET
    country: str | None = UNSET
    website: str | None = UNSET
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class PartnerInput:
    organisation_id: strawberry.ID
    role: PartnerRole


@strawberry.input
class RegisterPartnershipInput:
    title: str
    summary: str
    practice_areas: list[PracticeArea]
    countries: list[str]
    start_date: date
    partners: list[PartnerInput]
    objectives: str | None = None
    regions: list[str] | None = None
    end_date: date | None = None
    iati_identifier: str | None = strawberry.field(
        default=None,
        description='Its IATI activity identifier, e.g. "XM-DAC-41114-PROJ-0042" (an imported'
        " activity's); without one, IATI exports build one from the publisher's ref.",
    )
    idempotency_key: str | None = key_field()


@strawberry.input
class RevisePartnershipInput:
    partnership_id: strawberry.ID
    reason: str
    title: str | None = UNSET
    summary: str | None = UNSET
    objectives: str | None = UNSET
    practice_areas: list[PracticeArea] | None = UNSET
    countries: list[str] | None = UNSET
    regions: list[str] | None = UNSET
    start_date: date | None = UNSET
    end_date: date | None = UNSET
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class AddPartnerInput:
    partnership_id: strawberry.ID
    organisation_id: strawberry.ID
    role: PartnerRole
    since: date | None = None
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class RemovePartnerInput:
    partnership_id: strawberry.ID
    organisation_id: strawberry.ID
    reason: str
    until: date | None = None
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class ConfirmParticipationInput:
    partnership_id: strawberry.ID
    organisation_id: strawberry.ID
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class LogActivityInput:
    partnership_id: strawberry.ID
    kind: ActivityKind
    practice_area: PracticeArea
    title: str
    start_date: date
    description: str | None = None
    end_date: date | None = None
    countries: list[str] | None = None
    target_groups: list[TargetGroup] | None = None
    participants: int | None = None
    evidence_urls: list[str] | None = None
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class CorrectActivityInput:
    partnership_id: strawberry.ID
    activity_id: strawberry.ID
    reason: str
    kind: ActivityKind | None = UNSET
    practice_area: PracticeArea | None = UNSET
    title: str | None = UNSET
    description: str | None = UNSET
    start_date: date | None = UNSET
    end_date: date | None = UNSET
    countries: list[str] | None = UNSET
    target_groups: list[TargetGroup] | None = UNSET
    participants: int | None = UNSET
    evidence_urls: list[str] | None = UNSET
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class RetractActivityInput:
    partnership_id: strawberry.ID
    activity_id: strawberry.ID
    reason: str
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class ReportOutcomeInput:
    partnership_id: strawberry.ID
    result_level: ResultLevel
    indicator: str
    verification: Verification
    unit: str | None = None
    baseline: float | None = None
    target: float | None = None
    actual: float | None = None
    period_start: date | None = None
    period_end: date | None = None
    evidence_urls: list[str] | None = None
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class CorrectOutcomeInput:
    partnership_id: strawberry.ID
    outcome_id: strawberry.ID
    reason: str
    indicator: str | None = UNSET
    unit: str | None = UNSET
    baseline: float | None = UNSET
    target: float | None = UNSET
    actual: float | None = UNSET
    period_start: date | None = UNSET
    period_end: date | None = UNSET
    verification: Verification | None = UNSET
    evidence_urls: list[str] | None = UNSET
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class RecordLessonInput:
    partnership_id: strawberry.ID
    kind: LessonKind
    text: str
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class NominateBestPracticeInput:
    partnership_id: strawberry.ID
    rationale: str
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class EndorseBestPracticeInput:
    partnership_id: strawberry.ID
    rationale: str
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class WithdrawEndorsementInput:
    partnership_id: strawberry.ID
    reason: str
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()


@strawberry.input
class ConcludePartnershipInput:
    partnership_id: strawberry.ID
    end_date: date
    summary: str
    expected_version: int | None = version_field()
    idempotency_key: str | None = key_field()
