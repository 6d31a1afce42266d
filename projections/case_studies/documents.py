"""What a case study and a regional report are: the documents the exports and GraphQL show.

Every statement carries a ``Citation``: the id, log position and type of the event it comes
from. Wall-clock timestamps (``recorded_at``) are never part of a document; dates are the
domain's own (start dates, periods, ``since``/``until``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Generic, NamedTuple, TypeVar
from uuid import UUID

from registry import geography

T = TypeVar("T")


class Citation(NamedTuple):
    """The event a statement comes from. Ordered by log position."""

    position: int
    event_id: UUID
    type: str  # past-tense event name, e.g. "ActivityLogged"
    stream_id: UUID  # the partnership or organisation it happened to


@dataclass(frozen=True, slots=True)
class Cited(Generic[T]):
    """A value and the event that last set it."""

    value: T
    source: Citation


@dataclass(frozen=True)
class PartnerEntry:
    organisation_id: UUID
    name: str
    sector: str
    country: str
    role: str
    since: date | None
    until: date | None  # set once the partner left
    confirmed: bool
    sources: tuple[Citation, ...]  # membership events, then the organisation's naming events

    @property
    def current(self) -> bool:
        return self.until is None


@dataclass(frozen=True)
class SectorGroup:
    sector: str
    partners: tuple[PartnerEntry, ...]


@dataclass(frozen=True)
class ActivityEntry:
    id: UUID
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
    sources: tuple[Citation, ...]  # logged, then each correction


@dataclass(frozen=True)
class PracticeAreaGroup:
    practice_area: str
    activity_count: int
    participants: int  # sum over activities that give a number
    people_trained: int  # participants of activities of a training kind
    countries: tuple[str, ...]
    target_groups: tuple[str, ...]
    activities: tuple[ActivityEntry, ...]


@dataclass(frozen=True)
class OutcomeEntry:
    id: UUID
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
    score: float  # what it adds to the evidence score
    sources: tuple[Citation, ...]  # reported, then each correction


@dataclass(frozen=True)
class LessonEntry:
    id: UUID
    kind: str
    text: str
    source: Citation


@dataclass(frozen=True)
class LessonGroup:
    kind: str
    lessons: tuple[LessonEntry, ...]


@dataclass(frozen=True)
class TimelineEntry:
    source: Citation
    date: date | None  # the domain date the event carries, if any
    text: str


@dataclass(frozen=True)
class ScoreBreakdown:
    outcomes: float
    activities: float
    partners: float

    @property
    def total(self) -> float:
        return self.outcomes + self.activities + self.partners


@dataclass(frozen=True)
class CaseStudyDocument:
    """A partnership endorsed as a best practice, as the log says at ``position``."""

    partnership_id: UUID
    version: int  # the partnership's version at ``position``
    position: int
    title: Cited[str]
    summary: Cited[str]
    objectives: Cited[str | None]
    status: Cited[str]
    conclusion: Cited[str] | None
    countries: Cited[tuple[str, ...]]
    declared_regions: Cited[tuple[str, ...]]
    regions: tuple[str, ...]  # every M49 area of its countries and declared regions
    practice_areas: Cited[tuple[str, ...]]
    start_date: Cited[date]
    end_date: Cited[date | None]
    nomination: Cited[str] | None
    endorsement: Cited[str]
    partners: tuple[SectorGroup, ...]
    approach: tuple[PracticeAreaGroup, ...]
    results: tuple[OutcomeEntry, ...]
    lessons: tuple[LessonGroup, ...]
    timeline: tuple[TimelineEntry, ...]
    score: ScoreBreakdown

    @property
    def id(self) -> UUID:
        return self.partnership_id

    @property
    def evidence_score(self) -> float:
        return self.score.total

    @property
    def citations(self) -> tuple[Citation, ...]:
        """Every event the document cites, once each, in log order."""
        found: set[Citation] = {e.source for e in self.timeline}
        for group in self.partners:
            for partner in group.partners:
                found.update(partner.sources)
        for cited in (
            self.title,
            self.summary,
            self.objectives,
            self.status,
            self.conclusion,
            self.countries,
            self.declared_regions,
            self.practice_areas,
            self.start_date,
            self.end_date,
            self.nomination,
            self.endorsement,
        ):
            if cited is not None:
                found.add(cited.source)
        for area in self.approach:
            for activity in area.activities:
                found.update(activity.sources)
        for outcome in self.results:
            found.update(outcome.sources)
        for kind in self.lessons:
            found.update(lesson.source for lesson in kind.lessons)
        return tuple(sorted(found))

    @property
    def partner_count(self) -> int:
        return sum(1 for g in self.partners for p in g.partners if p.current)

    @property
    def confirmed_partner_count(self) -> int:
        return sum(1 for g in self.partners for p in g.partners if p.current and p.confirmed)

    @property
    def activity_count(self) -> int:
        return sum(a.activity_count for a in self.approach)

    @property
    def participants(self) -> int:
        return sum(a.participants for a in self.approach)

    @property
    def people_trained(self) -> int:
        return sum(a.people_trained for a in self.approach)


@dataclass(frozen=True)
class CaseStudySummary:
    """A case study as a list shows it (GraphQL ``caseStudies``)."""

    partnership_id: UUID
    title: str
    regions: tuple[str, ...]
    practice_areas: tuple[str, ...]
    evidence_score: float

    @property
    def id(self) -> UUID:
        return self.partnership_id


@dataclass(frozen=True)
class RegionFiguresAt:
    """An area's figures at a log position; every codelist value is listed, zeros included."""

    partnership_count: int
    active_count: int
    concluded_count: int
    by_practice_area: tuple[tuple[str, int], ...]  # in codelist order
    by_sector: tuple[tuple[str, int], ...]  # in codelist order
    people_trained: int
    countries: tuple[tuple[str, int], ...]  # (alpha-2, partnerships naming it), by code


@dataclass(frozen=True)
class Subject:
    """What a cited stream is, for the list of sources: a partnership's title, a name."""

    stream_id: UUID
    kind: str  # "partnership" or "organisation"
    name: str


@dataclass(frozen=True)
class RegionReport:
    """Everything a regional export shows, at one log position."""

    area: geography.Area
    position: int
    figures: RegionFiguresAt
    case_studies: tuple[CaseStudyDocument, ...]  # ranked
    subjects: Mapping[UUID, Subject]  # every cited stream

    @property
    def citations(self) -> tuple[Citation, ...]:
        found: set[Citation] = set()
        for study in self.case_studies:
            found.update(study.citations)
        return tuple(sorted(found))
