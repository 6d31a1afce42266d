"""Output types of the WRITE section, built from the write side's aggregates.

A ``PartnershipView`` carries a partnership together with the organisations it names, gathered
in the same worker-thread call that loaded it, so resolving a payload does no further I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import strawberry

from registry import geography
from registry.domain.errors import ErrorCode, Problem
from registry.domain.organisation import Organisation as OrganisationAggregate
from registry.domain.partnership import Partnership as PartnershipAggregate
from registry.domain.records import Activity as ActivityRecord
from registry.domain.records import Outcome as OutcomeRecord
from registry.geography import AreaLevel
from schema.enums import (
    ActivityKind,
    BestPracticeStatus,
    LessonKind,
    OrganisationType,
    PartnerRole,
    PartnershipStatus,
    PracticeArea,
    ResultLevel,
    Sector,
    TargetGroup,
    Verification,
)
from schema.ids import to_global_id


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.type(description="A problem with the submitted input; nothing was appended.")
class UserError:
    code: ErrorCode
    field: list[str] | None = strawberry.field(
        description='Path of the input field at fault, e.g. ["input", "countries", "0"].'
    )
    message: str


@strawberry.type(description="A country by its ISO 3166-1 alpha-2 code.")
class Country:
    code: str
    name: str

    @classmethod
    def of(cls, code: str) -> Country:
        found = geography.country(code)
        return cls(code=code, name=found.name if found else code)


@strawberry.type(description='A UN M49 area, e.g. "002" Africa.')
class Area:
    code: str
    name: str
    level: AreaLevel

    @classmethod
    def of(cls, area: geography.Area) -> Area:
        return cls(code=area.code, name=area.name, level=area.level)


@strawberry.type(
    description="An NGO, ministry, firm, university or other body that takes part in PPPs."
)
class Organisation(Node):
    id: strawberry.ID
    version: int
    name: str
    org_type: OrganisationType
    sector: Sector
    country: Country
    website: str | None

    @classmethod
    def of(cls, organisation: OrganisationAggregate) -> Organisation:
        return cls(
            id=strawberry.ID(to_global_id("Organisation", organisation.id)),
            version=organisation.version,
            name=organisation.name,
            org_type=organisation.org_type,
            sector=organisation.sector,
            country=Country.of(organisation.country),
            website=organisation.website,
        )


@strawberry.type(description="An organisation's part in a partnership.")
class Membership:
    organisation: Organisation
    role: PartnerRole
    since: date | None
    until: date | None
    confirmed: bool


@strawberry.type(
    description="Something a partnership did: a training, a campaign, a legislative review..."
)
class Activity:
    id: strawberry.ID
    kind: ActivityKind
    practice_area: PracticeArea
    title: str
    description: str | None
    start_date: date
    end_date: date | None
    countries: list[Country]
    target_groups: list[TargetGroup]
    participants: int | None
    evidence_urls: list[str]
    retracted: bool

    @classmethod
    def of(cls, activity: ActivityRecord) -> Activity:
        return cls(
            id=strawberry.ID(to_global_id("Activity", activity.id)),
            kind=activity.kind,
            practice_area=activity.practice_area,
            title=activity.title,
            description=activity.description,
            start_date=activity.start_date,
            end_date=activity.end_date,
            countries=[Country.of(code) for code in activity.countries],
            target_groups=list(activity.target_groups),
            participants=activity.participants,
            evidence_urls=list(activity.evidence_urls),
            retracted=activity.retracted,
        )


@strawberry.type(
    description="A measured result: an indicator with baseline, target and actual value."
)
class Outcome:
    id: strawberry.ID
    result_level: ResultLevel
    indicator: str
    unit: str | None
    baseline: float | None
    target: float | None
    actual: float | None
    period_start: date | None
    period_end: date | None
    verification: Verification
    evidence_urls: list[str]

    @classmethod
    def of(cls, outcome: OutcomeRecord) -> Outcome:
        return cls(
            id=strawberry.ID(to_global_id("Outcome", outcome.id)),
            result_level=outcome.result_level,
            indicator=outcome.indicator,
            unit=outcome.unit,
            baseline=outcome.baseline,
            target=outcome.target,
            actual=outcome.actual,
            period_start=outcome.period_start,
            period_end=outcome.period_end,
            verification=outcome.verification,
            evidence_urls=list(outcome.evidence_urls),
        )


@strawberry.type(description="A lesson learned: a success factor, a challenge or a recommendation.")
class Lesson:
    kind: LessonKind
    text: str


@dataclass(frozen=True)
class PartnershipView:
    partnership: PartnershipAggregate
    organisations: Mapping[UUID, OrganisationAggregate]


@strawberry.type(description="A public-private partnership against cybercrime.")
class Partnership(Node):
    id: strawberry.ID
    version: int
    title: str
    summary: str
    objectives: str | None
    status: PartnershipStatus
    practice_areas: list[PracticeArea]
    countries: list[Country]
    regions: list[Area] = strawberry.field(
        description="Every M49 area the partnership belongs to, at all levels."
    )
    start_date: date
    end_date: date | None
    partners: list[Membership]
    activities: list[Activity]
    outcomes: list[Outcome]
    lessons: list[Lesson]
    best_practice: BestPracticeStatus
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: PartnershipView) -> Partnership:
        p = view.partnership
        return cls(
            id=strawberry.ID(to_global_id("Partnership", p.id)),
            version=p.version,
            title=p.title,
            summary=p.summary,
            objectives=p.objectives,
            status=p.status,
            practice_areas=list(p.practice_areas),
            countries=[Country.of(code) for code in p.countries],
            regions=[Area.of(a) for a in geography.areas_of(p.countries, p.regions)],
            start_date=p.start_date,
            end_date=p.end_date,
            partners=[
                Membership(
                    organisation=Organisation.of(view.organisations[m.organisation_id]),
                    role=m.role,
                    since=m.since,
                    until=m.until,
                    confirmed=m.confirmed,
                )
                for m in p.memberships.values()
            ],
            activities=[Activity.of(a) for a in p.activities.values()],
            outcomes=[Outcome.of(o) for o in p.outcomes.values()],
            lessons=[Lesson(kind=lesson.kind, text=lesson.text) for lesson in p.lessons],
            best_practice=p.best_practice,
            created_at=p.created_on,
            updated_at=p.modified_on,
        )


def user_errors(problems: tuple[Problem, ...]) -> list[UserError]:
    return [UserError(code=p.code, field=_field_path(p), message=p.message) for p in problems]


def _field_path(problem: Problem) -> list[str] | None:
    # Who may act is not a property of any one field.
    if problem.code in (ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED):
        return None
    return ["input", *(camel(part) for part in problem.field)]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
