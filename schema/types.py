"""Output types, built from read-model records.

A node's lists (partners, activities...) load through the request's DataLoaders, one SQL
statement per list kind however many nodes a response holds. A node built from the write side
(``asOf``, or a payload whose event the projector has not reached in time) carries its lists
preloaded instead.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import strawberry

from projections import queries as q
from registry import geography
from registry.domain.errors import ErrorCode, Problem
from registry.geography import AreaLevel
from schema.context import Info
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
from schema.views import Preloaded


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

    @classmethod
    def all_of(cls, codes: tuple[str, ...]) -> list[Area]:
        return [cls.of(a) for a in (geography.area(code) for code in codes) if a is not None]


@strawberry.type(
    description="An identifier of an organisation: as published (ref alone), or a register's"
    " org-id.guide code (scheme) and the organisation's number in it (value)."
)
class OrganisationIdentifier:
    ref: str = strawberry.field(
        description='The IATI organisation identifier, e.g. "XM-DAC-41114": as given, else'
        " scheme and value joined by a dash."
    )
    scheme: str | None
    value: str | None

    @classmethod
    def of(cls, record: q.IdentifierRecord) -> OrganisationIdentifier:
        return cls(ref=record.iati_ref, scheme=record.scheme, value=record.value)


@strawberry.type(description="An NGO, ministry, firm, university or other body in PPPs.")
class Organisation(Node):
    id: strawberry.ID
    version: int
    name: str
    org_type: OrganisationType
    sector: Sector
    country: Country
    website: str | None
    identifiers: list[OrganisationIdentifier] = strawberry.field(
        description="Its identifiers in registers and in IATI, in the order they were given."
    )

    @classmethod
    def of(cls, record: q.OrganisationRecord) -> Organisation:
        return cls(
            id=strawberry.ID(to_global_id("Organisation", record.id)),
            version=record.version,
            name=record.name,
            org_type=OrganisationType(record.org_type),
            sector=Sector(record.sector),
            country=Country.of(record.country),
            website=record.website,
            identifiers=[OrganisationIdentifier.of(i) for i in record.identifiers],
        )


@strawberry.type(description="An organisation's part in a partnership.")
class Membership:
    role: PartnerRole
    since: date | None
    until: date | None
    confirmed: bool
    # Read with the membership rather than resolved per partner: a page of partnerships would
    # otherwise await one loader call per partner, most of a request's time.
    organisation: Organisation

    @classmethod
    def of(cls, record: q.MembershipRecord, preloaded: Preloaded | None) -> Membership:
        organisation = record.organisation
        if organisation is None and preloaded is not None:
            organisation = preloaded.organisations[record.organisation_id]
        assert organisation is not None, "a partner is always a registered organisation"
        return cls(
            role=PartnerRole(record.role),
            since=record.since,
            until=record.until,
            confirmed=record.confirmed,
            organisation=Organisation.of(organisation),
        )


@strawberry.type(description="Something a partnership did: a training, a campaign, a review...")
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
    def of(cls, record: q.ActivityRecord) -> Activity:
        return cls(
            id=strawberry.ID(to_global_id("Activity", record.id)),
            kind=ActivityKind(record.kind),
            practice_area=PracticeArea(record.practice_area),
            title=record.title,
            description=record.description,
            start_date=record.start_date,
            end_date=record.end_date,
            countries=[Country.of(code) for code in record.countries],
            target_groups=[TargetGroup(g) for g in record.target_groups],
            participants=record.participants,
            evidence_urls=list(record.evidence_urls),
            retracted=record.retracted,
        )


@strawberry.type(description="A measured result: an indicator with baseline, target and actual.")
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
    def of(cls, record: q.OutcomeRecord) -> Outcome:
        return cls(
            id=strawberry.ID(to_global_id("Outcome", record.id)),
            result_level=ResultLevel(record.result_level),
            indicator=record.indicator,
            unit=record.unit,
            baseline=record.baseline,
            target=record.target,
            actual=record.actual,
            period_start=record.period_start,
            period_end=record.period_end,
            verification=Verification(record.verification),
            evidence_urls=list(record.evidence_urls),
        )


@strawberry.type(description="A lesson learned: a success factor, a challenge or a recommendation.")
class Lesson:
    kind: LessonKind
    text: str


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
    best_practice: BestPracticeStatus
    created_at: datetime
    updated_at: datetime
    iati_identifier: str | None = strawberry.field(
        description="Its IATI activity identifier, when it was registered with one (an imported"
        " activity's); IATI exports build one for the others."
    )
    uuid: strawberry.Private[UUID]
    preloaded: strawberry.Private[Preloaded | None]

    @strawberry.field
    async def partners(self, info: Info) -> list[Membership]:
        records = (
            self.preloaded.memberships
            if self.preloaded is not None
            else await info.context.loaders.memberships.load(self.uuid)
        )
        return [Membership.of(r, self.preloaded) for r in records]

    @strawberry.field
    async def activities(self, info: Info) -> list[Activity]:
        records = (
            self.preloaded.activities
            if self.preloaded is not None
            else await info.context.loaders.activities.load(self.uuid)
        )
        return [Activity.of(r) for r in records]

    @strawberry.field
    async def outcomes(self, info: Info) -> list[Outcome]:
        records = (
            self.preloaded.outcomes
            if self.preloaded is not None
            else await info.context.loaders.outcomes.load(self.uuid)
        )
        return [Outcome.of(r) for r in records]

    @strawberry.field
    async def lessons(self, info: Info) -> list[Lesson]:
        records = (
            self.preloaded.lessons
            if self.preloaded is not None
            else await info.context.loaders.lessons.load(self.uuid)
        )
        return [Lesson(kind=LessonKind(r.kind), text=r.text) for r in records]

    @classmethod
    def of(cls, record: q.PartnershipRecord, preloaded: Preloaded | None = None) -> Partnership:
        return cls(
            id=strawberry.ID(to_global_id("Partnership", record.id)),
            version=record.version,
            title=record.title,
            summary=record.summary,
            objectives=record.objectives,
            status=PartnershipStatus(record.status),
            practice_areas=[PracticeArea(a) for a in record.practice_areas],
            countries=[Country.of(code) for code in record.countries],
            regions=Area.all_of(record.regions),
            start_date=record.start_date,
            end_date=record.end_date,
            best_practice=BestPracticeStatus(record.best_practice),
            created_at=record.created_at,
            updated_at=record.updated_at,
            iati_identifier=record.iati_identifier,
            uuid=record.id,
            preloaded=preloaded,
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
