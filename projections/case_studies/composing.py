"""A case-study document composed from a folded partnership and its partners' organisations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from projections.case_studies.documents import (
    ActivityEntry,
    CaseStudyDocument,
    CaseStudySummary,
    Cited,
    LessonEntry,
    LessonGroup,
    OutcomeEntry,
    PartnerEntry,
    PracticeAreaGroup,
    ScoreBreakdown,
    SectorGroup,
    Subject,
    TimelineEntry,
)
from projections.case_studies.fold import FoldedRecord, OrganisationState, PartnershipState, strings
from projections.case_studies.ranking import outcome_halves, score_of
from projections.figures import TRAINING_KINDS
from registry.domain.codelists import LessonKind, PartnerRole, PracticeArea, ResultLevel, Sector


def _order(codes: Iterable[str]) -> dict[str, int]:
    return {code: i for i, code in enumerate(codes)}


_SECTOR_ORDER = _order(Sector)
_ROLE_ORDER = _order(PartnerRole)
_AREA_ORDER = _order(PracticeArea)
_LEVEL_ORDER = _order(ResultLevel)
_LESSON_ORDER = _order(LessonKind)
_UNKNOWN_NAME = "(unknown organisation)"


def document_of(
    state: PartnershipState, organisations: Mapping[UUID, OrganisationState], position: int
) -> CaseStudyDocument:
    assert state.endorsement is not None  # only case studies become documents
    f, s = state.fields, state.sources

    def cited(name: str) -> Cited[Any]:
        return Cited(f[name], s[name])

    return CaseStudyDocument(
        partnership_id=state.id,
        version=state.version,
        position=position,
        title=cited("title"),
        summary=cited("summary"),
        objectives=cited("objectives"),
        status=Cited(state.status, s["status"]),
        conclusion=state.conclusion,
        countries=cited("countries"),
        declared_regions=cited("regions"),
        regions=state.areas(),
        practice_areas=cited("practice_areas"),
        start_date=cited("start_date"),
        end_date=cited("end_date"),
        nomination=state.nomination,
        endorsement=state.endorsement,
        partners=_partners(state, organisations),
        approach=_approach(state),
        results=_results(state),
        lessons=_lessons(state),
        timeline=_timeline(state, organisations),
        score=score_of_state(state),
    )


def score_of_state(state: PartnershipState) -> ScoreBreakdown:
    """The evidence score of a folded partnership: the first pass ranks case studies by it,
    from the shaping fields alone, as their documents will."""
    return score_of(
        (o.fields for o in state.outcomes.values()),
        ((a.retracted, bool(a.fields.get("evidence_urls"))) for a in state.activities.values()),
        ((m.until is None, m.confirmed) for m in state.members.values()),
    )


def summary_of(state: PartnershipState) -> CaseStudySummary:
    """What ranks a case study (and a list shows of it), from its folded state."""
    return CaseStudySummary(
        partnership_id=state.id,
        title=state.fields["title"],
        regions=state.areas(),
        practice_areas=state.fields["practice_areas"],
        evidence_score=score_of_state(state).total,
    )


def _partners(
    state: PartnershipState, organisations: Mapping[UUID, OrganisationState]
) -> tuple[SectorGroup, ...]:
    entries = []
    for org_id, m in state.members.items():
        org = organisations.get(org_id) or OrganisationState(org_id)
        entries.append(
            PartnerEntry(
                organisation_id=org_id,
                name=org.get("name", _UNKNOWN_NAME),
                sector=org.get("sector", Sector.OTHER),
                country=org.get("country", ""),
                role=m.role,
                since=m.since,
                until=m.until,
                confirmed=m.confirmed,
                sources=tuple(sorted({*m.sources, *org.sources("name", "sector", "country")})),
            )
        )
    entries.sort(
        key=lambda p: (
            _SECTOR_ORDER.get(p.sector, len(_SECTOR_ORDER)),
            p.sector,
            p.until is not None,  # current partners first
            _ROLE_ORDER.get(p.role, len(_ROLE_ORDER)),
            p.name,
            p.organisation_id,
        )
    )
    groups: dict[str, list[PartnerEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.sector, []).append(entry)
    return tuple(SectorGroup(sector, tuple(members)) for sector, members in groups.items())


def _activity(activity_id: str, record: FoldedRecord) -> ActivityEntry:
    f = record.fields
    return ActivityEntry(
        id=UUID(activity_id),
        kind=str(f.get("kind")),
        practice_area=str(f.get("practice_area")),
        title=str(f.get("title") or ""),
        description=f.get("description"),
        start_date=f["start_date"],
        end_date=f.get("end_date"),
        countries=strings(f.get("countries")),
        target_groups=strings(f.get("target_groups")),
        participants=f.get("participants"),
        evidence_urls=strings(f.get("evidence_urls")),
        sources=tuple(record.sources),
    )


def _approach(state: PartnershipState) -> tuple[PracticeAreaGroup, ...]:
    live = sorted(
        ((i, r) for i, r in state.activities.items() if not r.retracted),
        key=lambda item: (item[1].fields["start_date"], item[1].position),
    )
    by_area: dict[str, list[ActivityEntry]] = {}
    for activity_id, record in live:
        entry = _activity(activity_id, record)
        by_area.setdefault(entry.practice_area, []).append(entry)
    groups = []
    for area in sorted(by_area, key=lambda a: (_AREA_ORDER.get(a, len(_AREA_ORDER)), a)):
        activities = by_area[area]
        groups.append(
            PracticeAreaGroup(
                practice_area=area,
                activity_count=len(activities),
                participants=sum(a.participants or 0 for a in activities),
                people_trained=sum(
                    a.participants or 0 for a in activities if a.kind in TRAINING_KINDS
                ),
                countries=tuple(sorted({c for a in activities for c in a.countries})),
                target_groups=tuple(sorted({g for a in activities for g in a.target_groups})),
                activities=tuple(activities),
            )
        )
    return tuple(groups)


def _results(state: PartnershipState) -> tuple[OutcomeEntry, ...]:
    entries = []
    for outcome_id, record in state.outcomes.items():
        f = record.fields
        entries.append(
            (
                (_LEVEL_ORDER.get(str(f.get("result_level")), len(_LEVEL_ORDER)), record.position),
                OutcomeEntry(
                    id=UUID(outcome_id),
                    result_level=str(f.get("result_level")),
                    indicator=str(f.get("indicator") or ""),
                    unit=f.get("unit"),
                    baseline=f.get("baseline"),
                    target=f.get("target"),
                    actual=f.get("actual"),
                    period_start=f.get("period_start"),
                    period_end=f.get("period_end"),
                    verification=str(f.get("verification")),
                    evidence_urls=strings(f.get("evidence_urls")),
                    score=outcome_halves(f) / 2,
                    sources=tuple(record.sources),
                ),
            )
        )
    entries.sort(key=lambda item: item[0])
    return tuple(entry for _key, entry in entries)


def _lessons(state: PartnershipState) -> tuple[LessonGroup, ...]:
    by_kind: dict[str, list[LessonEntry]] = {}
    for lesson in state.lessons:
        by_kind.setdefault(lesson.kind, []).append(lesson)
    kinds = sorted(by_kind, key=lambda k: (_LESSON_ORDER.get(k, len(_LESSON_ORDER)), k))
    return tuple(LessonGroup(kind, tuple(by_kind[kind])) for kind in kinds)


def _timeline(
    state: PartnershipState, organisations: Mapping[UUID, OrganisationState]
) -> tuple[TimelineEntry, ...]:
    entries = []
    for pending in state.timeline:
        text = pending.text
        if pending.organisation is not None:
            org = organisations.get(pending.organisation)
            name = org.get("name", _UNKNOWN_NAME) if org is not None else _UNKNOWN_NAME
            text = text.replace("{org}", name)
        entries.append(TimelineEntry(pending.source, pending.date, text))
    return tuple(entries)


def subjects_of(
    studies: Iterable[CaseStudyDocument], organisations: Mapping[UUID, OrganisationState]
) -> dict[UUID, Subject]:
    subjects: dict[UUID, Subject] = {}
    for study in studies:
        subjects[study.partnership_id] = Subject(
            study.partnership_id, "partnership", study.title.value
        )
    for org_id, org in organisations.items():
        subjects[org_id] = Subject(org_id, "organisation", org.get("name", _UNKNOWN_NAME))
    return subjects
