"""Value objects held inside the Partnership aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from registry.domain.codelists import (
    ActivityKind,
    LessonKind,
    PartnerRole,
    PracticeArea,
    ResultLevel,
    TargetGroup,
    Verification,
)


@dataclass(frozen=True)
class Membership:
    organisation_id: UUID
    role: PartnerRole
    since: date | None
    until: date | None = None
    confirmed: bool = False

    @property
    def is_current(self) -> bool:
        return self.until is None


@dataclass(frozen=True)
class Activity:
    id: UUID
    kind: ActivityKind
    practice_area: PracticeArea
    title: str
    description: str | None
    start_date: date
    end_date: date | None
    countries: tuple[str, ...]
    target_groups: tuple[TargetGroup, ...]
    participants: int | None
    evidence_urls: tuple[str, ...]
    retracted: bool = False


@dataclass(frozen=True)
class Outcome:
    id: UUID
    result_level: ResultLevel
    indicator: str
    unit: str | None
    baseline: float | None
    target: float | None
    actual: float | None
    period_start: date | None
    period_end: date | None
    verification: Verification
    evidence_urls: tuple[str, ...]


@dataclass(frozen=True)
class Lesson:
    id: UUID
    kind: LessonKind
    text: str
