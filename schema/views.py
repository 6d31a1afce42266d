"""The write side's aggregates as read-model records, for nodes not served by the read model:
a partnership ``asOf`` a past moment, or a payload whose event the projector has not reached in
time. The same records, so a client cannot tell where a node came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from projections import queries as q
from registry import geography
from registry.domain.organisation import Organisation
from registry.domain.partnership import Partnership


@dataclass(frozen=True)
class Preloaded:
    """A partnership's lists, when they come from the write side rather than the read model."""

    memberships: list[q.MembershipRecord]
    activities: list[q.ActivityRecord]
    outcomes: list[q.OutcomeRecord]
    lessons: list[q.LessonRecord]
    organisations: dict[UUID, q.OrganisationRecord] = field(default_factory=dict)


@dataclass(frozen=True)
class PartnershipView:
    record: q.PartnershipRecord
    preloaded: Preloaded


def organisation_record(organisation: Organisation) -> q.OrganisationRecord:
    return q.OrganisationRecord(
        id=organisation.id,
        version=organisation.version,
        name=organisation.name,
        org_type=str(organisation.org_type),
        sector=str(organisation.sector),
        country=organisation.country,
        website=organisation.website,
        partnership_count=0,  # not known to the write side; not exposed by the API either
        updated_position=0,
        identifiers=tuple(organisation.identifiers),
    )


def partnership_view(
    partnership: Partnership, organisations: Mapping[UUID, Organisation]
) -> PartnershipView:
    p = partnership
    record = q.PartnershipRecord(
        id=p.id,
        version=p.version,
        title=p.title,
        summary=p.summary,
        objectives=p.objectives,
        status=str(p.status),
        best_practice=str(p.best_practice),
        practice_areas=tuple(str(a) for a in p.practice_areas),
        countries=p.countries,
        regions=tuple(a.code for a in geography.areas_of(p.countries, p.regions)),
        start_date=p.start_date,
        end_date=p.end_date,
        created_at=p.created_on,
        updated_at=p.modified_on,
        updated_position=0,
        iati_identifier=p.iati_identifier,
    )
    preloaded = Preloaded(
        memberships=[
            q.MembershipRecord(p.id, m.organisation_id, str(m.role), m.since, m.until, m.confirmed)
            for m in p.memberships.values()
        ],
        activities=[
            q.ActivityRecord(
                id=a.id,
                partnership_id=p.id,
                kind=str(a.kind),
                practice_area=str(a.practice_area),
                title=a.title,
                description=a.description,
                start_date=a.start_date,
                end_date=a.end_date,
                countries=a.countries,
                target_groups=tuple(str(g) for g in a.target_groups),
                participants=a.participants,
                evidence_urls=a.evidence_urls,
                retracted=a.retracted,
            )
            for a in p.activities.values()
        ],
        outcomes=[
            q.OutcomeRecord(
                id=o.id,
                partnership_id=p.id,
                result_level=str(o.result_level),
                indicator=o.indicator,
                unit=o.unit,
                baseline=o.baseline,
                target=o.target,
                actual=o.actual,
                period_start=o.period_start,
                period_end=o.period_end,
                verification=str(o.verification),
                evidence_urls=o.evidence_urls,
            )
            for o in p.outcomes.values()
        ],
        lessons=[q.LessonRecord(x.id, p.id, str(x.kind), x.text) for x in p.lessons],
        organisations={i: organisation_record(o) for i, o in organisations.items()},
    )
    return PartnershipView(record, preloaded)
