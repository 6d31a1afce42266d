"""Case studies: partnerships endorsed as best practice, as documents that cite their events.

A partnership is a **case study** while it is endorsed as a best practice: its last best-practice
event is ``BestPracticeEndorsed`` (a nomination alone is not enough; a withdrawal ends it until a
new nomination is endorsed).

Documents are always folded from the audit log (``event_log``) up to a log position: the head the
read model has reached, or an earlier position for a reproducible export. The read model holds
only the latest state, while the log up to a position never changes, so the same position always
gives the same document, and a document at the head equals what the read-model tables show (a
test keeps them equal). Every statement carries a ``Citation``: the id, log position and type of
the event it comes from. Wall-clock timestamps (``recorded_at``) are never part of a document;
dates are the domain's own (start dates, periods, ``since``/``until``).

**Ranking: the evidence score.** Case studies are ranked by ``evidence_score``, highest first,
ties broken by title (code-point order), then by partnership id:

- each outcome scores its verification level: INDEPENDENT 3, PARTNER_CONFIRMED 2,
  SELF_REPORTED 1, doubled when the outcome cites at least one evidence URL;
- each activity that is not retracted and cites at least one evidence URL scores 0.5;
- each current partner that has confirmed its participation scores 0.5.

The score only grows as evidence is added (more outcomes, stronger verification, evidence URLs,
confirmations); corrections and retractions change it as they change the facts. It is a multiple
of 0.5, so it is exact in floating point and in SQL alike: ``case_studies_page`` computes it from
the read-model tables and pages on (score desc, title, id).

**Regional figures** at a position, over the partnerships whose countries and declared regions
(at that position) fall in the area: partnerships, active and concluded; partnerships per
practice area; partnerships with a current partner of each sector (a partnership counts once per
sector); people trained (participants of activities of a training kind that are not retracted);
countries covered (the partnerships' countries inside the area, with how many partnerships name
each). These are the definitions ``region_stats`` uses, so at the head they equal
``queries.region_figures``.
"""

from __future__ import annotations

import base64
import binascii
import gc
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar
from uuid import UUID

import asyncpg

from projections.figures import TRAINING_KINDS
from projections.queries import MAX_PAGE, BadCursor, Db, Page
from projections.read_model import LIVE_SCHEMA, PROJECTION_NAME, quoted
from registry import geography
from registry.domain.codelists import (
    LessonKind,
    PartnerRole,
    PracticeArea,
    ResultLevel,
    Sector,
    Verification,
)

T = TypeVar("T")

# ---------------------------------------------------------------------------- the ranking

VERIFICATION_WEIGHTS: Mapping[str, int] = {
    Verification.INDEPENDENT: 3,
    Verification.PARTNER_CONFIRMED: 2,
    Verification.SELF_REPORTED: 1,
}
EVIDENCE_MULTIPLIER = 2  # an outcome citing evidence URLs counts this many times its weight
ACTIVITY_POINTS = 0.5  # per activity (not retracted) citing evidence URLs
CONFIRMED_PARTNER_POINTS = 0.5  # per current partner that confirmed its participation

RANKING = (
    "Case studies are ranked by evidence score, highest first; ties by title, then by id. "
    "Each outcome scores its verification level (independent 3, partner-confirmed 2, "
    "self-reported 1), doubled when it cites evidence URLs; each activity citing evidence URLs "
    "scores 0.5 (retracted ones nothing); each current partner that confirmed its "
    "participation scores 0.5."
)


class UnknownRegion(ValueError):
    """A code that is no UN M49 area."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"unknown region code {code!r}: a region is a UN M49 area code such as '002' (Africa)"
            " or '014' (Eastern Africa); list them with the GraphQL query"
            " `{ regions { area { code name } } }` or `ppp-registry export --list-regions`"
        )
        self.code = code


class PositionBeyondHead(ValueError):
    """A log position the read model has not reached (or that the log will never have)."""

    def __init__(self, position: int, head: int) -> None:
        super().__init__(
            f"log position {position} is beyond the head of the read model ({head}):"
            f" give a position from 0 to {head}, or leave it out to use the head"
        )
        self.position = position
        self.head = head


# ---------------------------------------------------------------------------- documents


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


# ---------------------------------------------------------------------------- the log


class _Event(NamedTuple):
    citation: Citation
    recorded_at: datetime  # only for PartnerLeft without ``until``, as the projector does
    data: dict[str, Any]

    @property
    def type(self) -> str:
        return self.citation.type

    @property
    def position(self) -> int:
        return self.citation.position

    @property
    def stream_id(self) -> UUID:
        return self.citation.stream_id


def _event(row: asyncpg.Record) -> _Event:
    return _Event(
        Citation(row["position"], row["event_id"], row["type"], row["stream_id"]),
        row["recorded_at"],
        json.loads(row["data"]),
    )


@lru_cache(maxsize=1 << 16)
def _uuid(text: str) -> UUID:
    """An id from event data; organisations recur across partnerships, so parse each once."""
    return UUID(text)


def _table(schema: str, name: str) -> str:
    return f"{quoted(schema)}.{name}"


async def head_position(db: Db, *, schema: str = LIVE_SCHEMA) -> int:
    """How far the read model (and so the audit log it holds) has applied the log."""
    position = await db.fetchval(
        f"SELECT position FROM {_table(schema, 'projection_tracking')}"  # noqa: S608
        " WHERE projection = $1",
        PROJECTION_NAME,
    )
    return int(position or 0)


async def resolve_position(db: Db, at_position: int | None, *, schema: str = LIVE_SCHEMA) -> int:
    """The position to build at: ``at_position`` if the read model has reached it, else the head."""
    head = await head_position(db, schema=schema)
    if at_position is None:
        return head
    if isinstance(at_position, bool) or not isinstance(at_position, int) or at_position < 0:
        raise ValueError(f"a log position is a whole number from 0, not {at_position!r}")
    if at_position > head:
        raise PositionBeyondHead(at_position, head)
    return at_position


def area_or_error(code: str) -> geography.Area:
    found = geography.area(code) if isinstance(code, str) else None
    if found is None:
        raise UnknownRegion(code)
    return found


# What the first pass reads of each event that shapes the regional figures or says whether a
# partnership is a case study: only the fields it needs, so the log's long texts stay in the
# database. (The fold reads the fields it finds; the second pass reads whole events.)
_SHAPES = {
    "PartnershipRegistered": ("practice_areas", "countries", "regions", "partners", "start_date"),
    "PartnershipRevised": ("changes",),
    "PartnershipConcluded": ("end_date",),
    "PartnerJoined": ("organisation", "role", "since"),
    "PartnerLeft": ("organisation", "until"),
    "ActivityLogged": ("activity_id", "kind", "participants"),
    "ActivityCorrected": ("activity_id", "changes"),
    "ActivityRetracted": ("activity_id",),
    "BestPracticeNominated": (),
    "BestPracticeEndorsed": (),
    "EndorsementWithdrawn": (),
}


def _shape_sql() -> str:
    cases = []
    for event_type, names in _SHAPES.items():
        pairs = ", ".join(f"'{n}', e.data->'{n}'" for n in names)
        cases.append(f"WHEN '{event_type}' THEN jsonb_build_object({pairs})")
    return f"(CASE e.type {' '.join(cases)} END)::text"


def _candidates_sql(schema: str) -> str:
    """Partnerships that may be in area $1 at position $2.

    Those in it now, plus those whose countries or regions were revised after $2 (they may
    have been in it then). One statement, so one snapshot: a revision the summary does not show
    yet is in the log the statement sees. Registration after $2 is ruled out by the fold.
    """
    summary, log = _table(schema, "partnership_summary"), _table(schema, "event_log")
    return (
        f"SELECT id FROM {summary} WHERE regions @> ARRAY[$1::text]"  # noqa: S608
        f" UNION SELECT stream_id FROM {log}"
        " WHERE position > $2 AND type = 'PartnershipRevised'"
        " AND data->'changes' ?| ARRAY['countries', 'regions']"
    )


async def _shape_events(db: Db, area_code: str, position: int, schema: str) -> Iterator[_Event]:
    log = _table(schema, "event_log")
    rows = await db.fetch(
        f"WITH c AS ({_candidates_sql(schema)})"  # noqa: S608
        " SELECT e.position, e.event_id, e.type, e.stream_id, e.recorded_at,"
        f" {_shape_sql()} AS data"
        f" FROM {log} e JOIN c ON c.id = e.stream_id"
        " WHERE e.position <= $2 AND e.type = ANY($3::text[]) ORDER BY e.position",
        area_code,
        position,
        list(_SHAPES),
    )
    return map(_event, rows)  # decoded one at a time as the fold consumes them


async def _stream_events(
    db: Db, stream_ids: Sequence[UUID], position: int, schema: str
) -> Iterator[_Event]:
    """Every event of these streams up to ``position``, in log order."""
    if not stream_ids:
        return iter(())
    rows = await db.fetch(
        "SELECT position, event_id, type, stream_id, recorded_at, data::text AS data"  # noqa: S608
        f" FROM {_table(schema, 'event_log')}"
        " WHERE stream_id = ANY($1::uuid[]) AND position <= $2 ORDER BY position",
        list(stream_ids),
        position,
    )
    return map(_event, rows)


# ---------------------------------------------------------------------------- folding


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(value or ())


_PARTNERSHIP_FIELDS = (
    "title",
    "summary",
    "objectives",
    "practice_areas",
    "countries",
    "regions",
    "start_date",
    "end_date",
)
_LIST_FIELDS = frozenset(
    {"practice_areas", "countries", "regions", "target_groups", "evidence_urls"}
)
_DATE_FIELDS = frozenset({"start_date", "end_date", "period_start", "period_end"})
_NUMBER_FIELDS = frozenset({"baseline", "target", "actual"})


def _value(name: str, value: Any) -> Any:
    if name in _LIST_FIELDS:
        return _tuple(value)
    if name in _DATE_FIELDS:
        return _day(value)
    if name in _NUMBER_FIELDS:
        return _number(value)
    return value


@dataclass(slots=True)
class _Member:
    role: str
    since: date | None
    until: date | None = None
    confirmed: bool = False
    sources: list[Citation] = field(default_factory=list)


@dataclass(slots=True)
class _Record:
    """An activity or an outcome: its current fields and the events that set them."""

    fields: dict[str, Any]
    sources: list[Citation]
    position: int  # where it was logged or reported
    retracted: bool = False


@dataclass(slots=True)
class _Pending:
    """A timeline entry whose text may need an organisation's name."""

    source: Citation
    date: date | None
    text: str  # may hold "{org}"
    organisation: UUID | None = None


class _Partnership:
    """A partnership folded from its events, in log order."""

    def __init__(self, stream_id: UUID, *, timeline: bool) -> None:
        self.id = stream_id
        self.registered = False
        self.version = 0
        self.fields: dict[str, Any] = {}
        self.sources: dict[str, Citation] = {}
        self.status = "ACTIVE"
        self.conclusion: Cited[str] | None = None
        self.best_practice = "NONE"
        self.nomination: Cited[str] | None = None
        self.endorsement: Cited[str] | None = None
        self.members: dict[UUID, _Member] = {}
        self.activities: dict[str, _Record] = {}  # by id, as the events give it
        self.outcomes: dict[str, _Record] = {}
        self.lessons: list[LessonEntry] = []
        self.keep_timeline = timeline
        self.timeline: list[_Pending] = []

    # -- the fold
    def apply(self, e: _Event) -> None:
        self.version += 1
        handler = _PARTNERSHIP_HANDLERS.get(e.type)
        if handler is not None:
            handler(self, e)
        elif self.keep_timeline:
            self._note(e, None, e.type)

    def _note(self, e: _Event, day: date | None, text: str, org: UUID | None = None) -> None:
        if self.keep_timeline:
            self.timeline.append(_Pending(e.citation, day, text, org))

    def on_registered(self, e: _Event) -> None:
        d = e.data
        self.registered = True
        for name in _PARTNERSHIP_FIELDS:
            self.fields[name] = _value(name, d.get(name))
            self.sources[name] = e.citation
        self.sources["status"] = e.citation
        since = self.fields["start_date"]
        for p in d["partners"]:
            self.members[_uuid(p["organisation"])] = _Member(p["role"], since, sources=[e.citation])
        self._note(e, since, "Partnership registered")

    def on_revised(self, e: _Event) -> None:
        changes: Mapping[str, Any] = e.data["changes"]
        for name, value in changes.items():
            self.fields[name] = _value(name, value)
            self.sources[name] = e.citation
        names = ", ".join(n.replace("_", " ") for n in sorted(changes))
        self._note(e, None, _with_reason(f"Revised: {names}", e.data.get("reason")))

    def on_concluded(self, e: _Event) -> None:
        self.status = "CONCLUDED"
        self.sources["status"] = e.citation
        self.fields["end_date"] = _day(e.data["end_date"])
        self.sources["end_date"] = e.citation
        if "summary" in e.data:
            self.conclusion = Cited(e.data["summary"], e.citation)
        self._note(e, self.fields["end_date"], "Partnership concluded")

    def on_joined(self, e: _Event) -> None:
        org = _uuid(e.data["organisation"])
        since = _day(e.data.get("since"))
        # A returning partner starts afresh, as the aggregate replaces its membership.
        self.members[org] = _Member(e.data["role"], since, sources=[e.citation])
        self._note(e, since, f"{{org}} joined as {_label(e.data['role'])}", org)

    def on_left(self, e: _Event) -> None:
        org = _uuid(e.data["organisation"])
        until = _day(e.data.get("until")) or e.recorded_at.date()
        member = self.members.get(org)
        if member is not None:
            member.until = until
            member.sources.append(e.citation)
        self._note(e, until, _with_reason("{org} left", e.data.get("reason")), org)

    def on_confirmed(self, e: _Event) -> None:
        org = _uuid(e.data["organisation"])
        member = self.members.get(org)
        if member is not None:
            member.confirmed = True
            member.sources.append(e.citation)
        self._note(e, None, "{org} confirmed its participation", org)

    def on_activity_logged(self, e: _Event) -> None:
        d = e.data
        fields = {k: _value(k, v) for k, v in d.items() if k not in ("actor", "activity_id")}
        self.activities[d["activity_id"]] = _Record(fields, [e.citation], e.position)
        if self.keep_timeline:
            self._note(e, fields["start_date"], _titled("Activity logged", fields["title"]))

    def on_activity_corrected(self, e: _Event) -> None:
        self._correct(e, self.activities.get(e.data["activity_id"]), "Activity", "title")

    def _correct(self, e: _Event, record: _Record | None, kind: str, title_field: str) -> None:
        """A correction of an activity or an outcome: new values, cited, and a timeline line."""
        if record is None:
            return
        changes: Mapping[str, Any] = e.data["changes"]
        record.fields.update((k, _value(k, v)) for k, v in changes.items())
        record.sources.append(e.citation)
        names = ", ".join(n.replace("_", " ") for n in sorted(changes))
        text = _titled(f"{kind} corrected", record.fields.get(title_field)) + f" ({names})"
        self._note(e, None, _with_reason(text, e.data.get("reason")))

    def on_activity_retracted(self, e: _Event) -> None:
        record = self.activities.get(e.data["activity_id"])
        if record is None:
            return
        record.retracted = True
        record.sources.append(e.citation)
        text = _titled("Activity retracted", record.fields.get("title"))
        self._note(e, None, _with_reason(text, e.data.get("reason")))

    def on_outcome_reported(self, e: _Event) -> None:
        d = e.data
        fields = {k: _value(k, v) for k, v in d.items() if k not in ("actor", "outcome_id")}
        self.outcomes[d["outcome_id"]] = _Record(fields, [e.citation], e.position)
        day = fields.get("period_end") or fields.get("period_start")
        self._note(e, day, _titled("Outcome reported", fields.get("indicator")))

    def on_outcome_corrected(self, e: _Event) -> None:
        self._correct(e, self.outcomes.get(e.data["outcome_id"]), "Outcome", "indicator")

    def on_lesson_recorded(self, e: _Event) -> None:
        d = e.data
        lesson = LessonEntry(UUID(d["lesson_id"]), d["kind"], d["text"], e.citation)
        self.lessons.append(lesson)
        self._note(e, None, f"Lesson recorded ({_label(d['kind'])})")

    def on_nominated(self, e: _Event) -> None:
        self.best_practice = "NOMINATED"
        self.nomination = Cited(e.data.get("rationale", ""), e.citation)
        self._note(e, None, "Nominated as a best practice")

    def on_endorsed(self, e: _Event) -> None:
        self.best_practice = "ENDORSED"
        self.endorsement = Cited(e.data.get("rationale", ""), e.citation)
        self._note(e, None, "Endorsed as a best practice")

    def on_withdrawn(self, e: _Event) -> None:
        self.best_practice = "WITHDRAWN"
        self.endorsement = None
        self._note(e, None, _with_reason("Endorsement withdrawn", e.data.get("reason")))

    # -- what it is at the end of the fold
    @property
    def is_case_study(self) -> bool:
        return self.registered and self.best_practice == "ENDORSED"

    def areas(self) -> tuple[str, ...]:
        found = geography.areas_of(self.fields["countries"], self.fields["regions"])
        return tuple(a.code for a in found)

    def current_members(self) -> list[UUID]:
        return [org for org, m in self.members.items() if m.until is None]

    def live_activities(self) -> list[_Record]:
        return [a for a in self.activities.values() if not a.retracted]

    def people_trained(self) -> int:
        return sum(
            a.fields.get("participants") or 0
            for a in self.live_activities()
            if a.fields.get("kind") in TRAINING_KINDS
        )


_PARTNERSHIP_HANDLERS: dict[str, Callable[[_Partnership, _Event], None]] = {
    "PartnershipRegistered": _Partnership.on_registered,
    "PartnershipRevised": _Partnership.on_revised,
    "PartnershipConcluded": _Partnership.on_concluded,
    "PartnerJoined": _Partnership.on_joined,
    "PartnerLeft": _Partnership.on_left,
    "ParticipationConfirmed": _Partnership.on_confirmed,
    "ActivityLogged": _Partnership.on_activity_logged,
    "ActivityCorrected": _Partnership.on_activity_corrected,
    "ActivityRetracted": _Partnership.on_activity_retracted,
    "OutcomeReported": _Partnership.on_outcome_reported,
    "OutcomeCorrected": _Partnership.on_outcome_corrected,
    "LessonRecorded": _Partnership.on_lesson_recorded,
    "BestPracticeNominated": _Partnership.on_nominated,
    "BestPracticeEndorsed": _Partnership.on_endorsed,
    "EndorsementWithdrawn": _Partnership.on_withdrawn,
}


def _label(code: str) -> str:
    return code.replace("_", " ").lower()


def _titled(text: str, title: Any) -> str:
    return f"{text}: {title}" if title else text


def _with_reason(text: str, reason: Any) -> str:
    return f"{text} (reason: {reason})" if reason else text


class _Organisation:
    def __init__(self, stream_id: UUID) -> None:
        self.id = stream_id
        self.fields: dict[str, Cited[Any]] = {}

    def apply(self, e: _Event) -> None:
        if e.type == "OrganisationRegistered":
            for name in ("name", "sector", "country", "org_type", "website"):
                self.fields[name] = Cited(e.data.get(name), e.citation)
        elif e.type == "OrganisationRevised":
            for name, value in e.data["changes"].items():
                self.fields[name] = Cited(value, e.citation)

    def get(self, name: str, default: str) -> str:
        cited = self.fields.get(name)
        return default if cited is None or cited.value is None else str(cited.value)

    def sources(self, *names: str) -> list[Citation]:
        return [self.fields[n].source for n in names if n in self.fields]


def _fold_partnerships(events: Iterable[_Event], *, timeline: bool) -> dict[UUID, _Partnership]:
    folded: dict[UUID, _Partnership] = {}
    for e in events:
        state = folded.get(e.stream_id)
        if state is None:
            state = folded[e.stream_id] = _Partnership(e.stream_id, timeline=timeline)
        state.apply(e)
    return {k: v for k, v in folded.items() if v.registered}


def _fold_organisations(events: Iterable[_Event]) -> dict[UUID, _Organisation]:
    folded: dict[UUID, _Organisation] = {}
    for e in events:
        if e.type.startswith("Organisation"):
            folded.setdefault(e.stream_id, _Organisation(e.stream_id)).apply(e)
    return folded


# ---------------------------------------------------------------------------- scores


def _outcome_halves(fields: Mapping[str, Any]) -> int:
    """An outcome's points, in halves (so every score is an exact integer of halves)."""
    weight = VERIFICATION_WEIGHTS.get(str(fields.get("verification")), 0)
    return 2 * weight * (EVIDENCE_MULTIPLIER if fields.get("evidence_urls") else 1)


def _score(state: _Partnership) -> ScoreBreakdown:
    outcomes = sum(_outcome_halves(o.fields) for o in state.outcomes.values())
    activities = sum(1 for a in state.live_activities() if a.fields.get("evidence_urls"))
    partners = sum(1 for m in state.members.values() if m.until is None and m.confirmed)
    return ScoreBreakdown(
        outcomes=outcomes / 2,
        activities=activities * ACTIVITY_POINTS,
        partners=partners * CONFIRMED_PARTNER_POINTS,
    )


def ranking_key(study: CaseStudyDocument | CaseStudySummary) -> tuple[float, str, UUID]:
    """Highest score first, then title (code-point order), then id."""
    title = study.title.value if isinstance(study, CaseStudyDocument) else study.title
    return (-study.evidence_score, title, study.partnership_id)


# ---------------------------------------------------------------------------- documents


def _order(codes: Iterable[str]) -> dict[str, int]:
    return {code: i for i, code in enumerate(codes)}


_SECTOR_ORDER = _order(Sector)
_ROLE_ORDER = _order(PartnerRole)
_AREA_ORDER = _order(PracticeArea)
_LEVEL_ORDER = _order(ResultLevel)
_LESSON_ORDER = _order(LessonKind)
_UNKNOWN_NAME = "(unknown organisation)"


def _document(
    state: _Partnership, organisations: Mapping[UUID, _Organisation], position: int
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
        score=_score(state),
    )


def _partners(
    state: _Partnership, organisations: Mapping[UUID, _Organisation]
) -> tuple[SectorGroup, ...]:
    entries = []
    for org_id, m in state.members.items():
        org = organisations.get(org_id) or _Organisation(org_id)
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


def _activity(activity_id: str, record: _Record) -> ActivityEntry:
    f = record.fields
    return ActivityEntry(
        id=UUID(activity_id),
        kind=str(f.get("kind")),
        practice_area=str(f.get("practice_area")),
        title=str(f.get("title") or ""),
        description=f.get("description"),
        start_date=f["start_date"],
        end_date=f.get("end_date"),
        countries=_tuple(f.get("countries")),
        target_groups=_tuple(f.get("target_groups")),
        participants=f.get("participants"),
        evidence_urls=_tuple(f.get("evidence_urls")),
        sources=tuple(record.sources),
    )


def _approach(state: _Partnership) -> tuple[PracticeAreaGroup, ...]:
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


def _results(state: _Partnership) -> tuple[OutcomeEntry, ...]:
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
                    evidence_urls=_tuple(f.get("evidence_urls")),
                    score=_outcome_halves(f) / 2,
                    sources=tuple(record.sources),
                ),
            )
        )
    entries.sort(key=lambda item: item[0])
    return tuple(entry for _key, entry in entries)


def _lessons(state: _Partnership) -> tuple[LessonGroup, ...]:
    by_kind: dict[str, list[LessonEntry]] = {}
    for lesson in state.lessons:
        by_kind.setdefault(lesson.kind, []).append(lesson)
    kinds = sorted(by_kind, key=lambda k: (_LESSON_ORDER.get(k, len(_LESSON_ORDER)), k))
    return tuple(LessonGroup(kind, tuple(by_kind[kind])) for kind in kinds)


def _timeline(
    state: _Partnership, organisations: Mapping[UUID, _Organisation]
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


def _subjects(
    studies: Iterable[CaseStudyDocument], organisations: Mapping[UUID, _Organisation]
) -> dict[UUID, Subject]:
    subjects: dict[UUID, Subject] = {}
    for study in studies:
        subjects[study.partnership_id] = Subject(
            study.partnership_id, "partnership", study.title.value
        )
    for org_id, org in organisations.items():
        subjects[org_id] = Subject(org_id, "organisation", org.get("name", _UNKNOWN_NAME))
    return subjects


# ---------------------------------------------------------------------------- building


Progress = Callable[[int, int], None]

_pauses = 0  # builds running with the cyclic garbage collector paused
_paused_gc = False  # whether the first of them paused it
_pauses_lock = threading.Lock()  # the HTTP route builds exports on worker threads


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large document is built.

    A regional export creates hundreds of thousands of small, long-lived, acyclic objects (events,
    records, rows of text); the collector would traverse them again and again as they pile up,
    which more than doubles the time of a large export. Reference counting still frees
    everything; the collector resumes when the last concurrent build ends.
    """
    global _pauses, _paused_gc
    with _pauses_lock:
        if _pauses == 0:
            _paused_gc = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0 and _paused_gc:
                gc.enable()


async def _documents(
    db: Db, ids: Sequence[UUID], position: int, schema: str
) -> tuple[list[CaseStudyDocument], dict[UUID, _Organisation]]:
    """The case studies among ``ids`` at ``position``, unranked, and their partners."""
    states = _fold_partnerships(await _stream_events(db, ids, position, schema), timeline=True)
    studies = [s for s in states.values() if s.is_case_study]
    partner_ids = sorted({org for s in studies for org in s.members})
    organisations = _fold_organisations(await _stream_events(db, partner_ids, position, schema))
    return [_document(s, organisations, position) for s in studies], organisations


async def region_report(
    db: Db,
    area_code: str,
    at_position: int | None = None,
    *,
    schema: str = LIVE_SCHEMA,
) -> RegionReport:
    """An area's figures and ranked case studies at a log position (the head by default).

    Raises ``UnknownRegion`` for a code that is no M49 area and ``PositionBeyondHead`` for a
    position the read model has not reached.
    """
    area = area_or_error(area_code)
    position = await resolve_position(db, at_position, schema=schema)
    with paused_gc():
        # Pass 1: which partnerships are in the area then, their figures, the case studies.
        shapes = _fold_partnerships(
            await _shape_events(db, area.code, position, schema), timeline=False
        )
        inside = [s for s in shapes.values() if area.code in s.areas()]
        member_ids = sorted({org for s in inside for org in s.current_members()})
        sectors = _fold_organisations(await _stream_events(db, member_ids, position, schema))
        figures = _figures(area, inside, sectors)
        chosen = sorted(s.id for s in inside if s.is_case_study)
        del shapes, inside, sectors  # pass 2 needs none of it
        # Pass 2: the case studies in full, from all their events.
        studies, organisations = await _documents(db, chosen, position, schema)
        studies.sort(key=ranking_key)
        return RegionReport(
            area=area,
            position=position,
            figures=figures,
            case_studies=tuple(studies),
            subjects=_subjects(studies, organisations),
        )


def _figures(
    area: geography.Area,
    inside: Sequence[_Partnership],
    organisations: Mapping[UUID, _Organisation],
) -> RegionFiguresAt:
    by_area: dict[str, int] = {str(a): 0 for a in PracticeArea}
    by_sector: dict[str, int] = {str(s): 0 for s in Sector}
    countries: dict[str, int] = {}
    within = set(geography.countries_in(area.code))
    for p in inside:
        for practice_area in p.fields["practice_areas"]:
            by_area[practice_area] = by_area.get(practice_area, 0) + 1
        sectors = set()
        for org_id in p.current_members():
            org = organisations.get(org_id)
            if org is not None:
                sectors.add(org.get("sector", Sector.OTHER))
        for sector in sectors:
            by_sector[sector] = by_sector.get(sector, 0) + 1
        for country in set(p.fields["countries"]) & within:
            countries[country] = countries.get(country, 0) + 1
    return RegionFiguresAt(
        partnership_count=len(inside),
        active_count=sum(1 for p in inside if p.status == "ACTIVE"),
        concluded_count=sum(1 for p in inside if p.status == "CONCLUDED"),
        by_practice_area=tuple(by_area.items()),
        by_sector=tuple(by_sector.items()),
        people_trained=sum(p.people_trained() for p in inside),
        countries=tuple(sorted(countries.items())),
    )


# ---------------------------------------------------------------------------- for GraphQL


async def case_studies_by_id(
    db: Db, partnership_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[CaseStudyDocument | None]:
    """Each id's case study at the head, in order (None: not a case study); for DataLoaders."""
    if not partnership_ids:
        return []
    position = await head_position(db, schema=schema)
    with paused_gc():
        studies, _ = await _documents(db, sorted(set(partnership_ids)), position, schema)
    found = {s.partnership_id: s for s in studies}
    return [found.get(i) for i in partnership_ids]


async def case_study(
    db: Db, partnership_id: UUID, *, schema: str = LIVE_SCHEMA
) -> CaseStudyDocument | None:
    """The partnership's case study at the head, with its citations; None if it is none."""
    (found,) = await case_studies_by_id(db, [partnership_id], schema=schema)
    return found


_CASE_STUDIES = "CASE_STUDIES"

# The evidence score, in halves, from the read-model tables: the same rules as ``_score``.
_HALVES = """
    (coalesce((SELECT sum(CASE o.verification WHEN 'INDEPENDENT' THEN {independent}
                                              WHEN 'PARTNER_CONFIRMED' THEN {confirmed}
                                              WHEN 'SELF_REPORTED' THEN {self_reported}
                                              ELSE 0 END
                          * CASE WHEN cardinality(o.evidence_urls) > 0 THEN {multiplier}
                                 ELSE 1 END)
               FROM {schema}.partnership_outcomes o WHERE o.partnership_id = ps.id), 0) * 2
     + (SELECT count(*) FROM {schema}.partnership_activities a
        WHERE a.partnership_id = ps.id AND NOT a.retracted
          AND cardinality(a.evidence_urls) > 0) * {activity_halves}
     + (SELECT count(*) FROM {schema}.partnership_partners pp
        WHERE pp.partnership_id = ps.id AND pp.confirmed AND pp.until IS NULL) * {partner_halves}
    )::bigint
"""


def _halves_sql(schema: str) -> str:
    return _HALVES.format(
        schema=quoted(schema),
        independent=VERIFICATION_WEIGHTS[Verification.INDEPENDENT],
        confirmed=VERIFICATION_WEIGHTS[Verification.PARTNER_CONFIRMED],
        self_reported=VERIFICATION_WEIGHTS[Verification.SELF_REPORTED],
        multiplier=EVIDENCE_MULTIPLIER,
        activity_halves=int(ACTIVITY_POINTS * 2),
        partner_halves=int(CONFIRMED_PARTNER_POINTS * 2),
    )


def _cursor(halves: int, title: str, partnership_id: UUID) -> str:
    text = json.dumps([_CASE_STUDIES, halves, title, str(partnership_id)], ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode("ascii")


def decode_after(cursor: str) -> tuple[int, str, UUID]:
    """The (halves, title, id) in a case-study cursor; ``BadCursor`` unless it is one."""
    return _after(cursor)


def halves_sql(schema: str) -> str:
    """SQL for a case study's evidence score in halves, over ``ps`` (partnership_summary)."""
    return _halves_sql(schema)


def _after(cursor: str) -> tuple[int, str, UUID]:
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        parts = json.loads(raw.decode())
        kind, halves, title, id_ = parts
        if kind != _CASE_STUDIES or type(halves) is not int or not isinstance(title, str):
            raise ValueError("not ours")
        if "\x00" in title:
            raise ValueError("NUL")
        title.encode()  # a lone surrogate cannot be sent to PostgreSQL
        return halves, title, UUID(id_)
    except (binascii.Error, UnicodeError, ValueError, TypeError):
        raise BadCursor("not a case-study cursor") from None


async def case_studies_page(
    db: Db,
    region: str | None,
    practice_area: str | None,
    first: int,
    after: str | None,
    *,
    schema: str = LIVE_SCHEMA,
) -> Page[CaseStudySummary]:
    """Case studies at the read model's head, ranked (score desc, title, id), keyset-paginated.

    ``region`` is any M49 area code (``UnknownRegion`` otherwise); ``practice_area`` filters on
    the partnership's declared practice areas. Titles compare in code-point order (COLLATE "C"),
    as Python compares them, so pages and exports rank alike.
    """
    if not 1 <= first <= MAX_PAGE:
        raise ValueError(f"first must be between 1 and {MAX_PAGE}, not {first}")
    args: list[Any] = []
    conditions = ["ps.best_practice = 'ENDORSED'"]
    if region is not None:
        area_or_error(region)
        args.append(region)
        conditions.append(f"ps.regions @> ARRAY[${len(args)}::text]")
    if practice_area is not None:
        args.append(practice_area)
        conditions.append(f"ps.practice_areas @> ARRAY[${len(args)}::text]")
    ranged = "true"
    if after is not None:
        halves, title, id_ = _after(after)
        args += [halves, title, id_]
        h, t, i = f"${len(args) - 2}", f"${len(args) - 1}", f"${len(args)}"
        ranged = (
            f'(cs.halves < {h} OR (cs.halves = {h} AND (cs.title COLLATE "C", cs.id)'
            f' > ({t} COLLATE "C", {i}::uuid)))'
        )
    args.append(first + 1)
    order = 'halves DESC, title COLLATE "C", id'
    sql = (
        f"WITH cs AS MATERIALIZED (SELECT ps.id, ps.title, ps.regions, ps.practice_areas,"  # noqa: S608
        f" {_halves_sql(schema)} AS halves FROM {_table(schema, 'partnership_summary')} ps"
        f" WHERE {' AND '.join(conditions)})"
        f" SELECT total.n AS total_count, page.* FROM (SELECT count(*) AS n FROM cs) AS total"
        f" LEFT JOIN (SELECT * FROM cs WHERE {ranged} ORDER BY {order} LIMIT ${len(args)})"
        f" AS page ON true ORDER BY page.{order.replace(', ', ', page.')}"
    )
    rows = await db.fetch(sql, *args)
    found = [row for row in rows if row["id"] is not None]
    shown = found[:first]
    return Page(
        items=[
            CaseStudySummary(
                partnership_id=row["id"],
                title=row["title"],
                regions=tuple(row["regions"]),
                practice_areas=tuple(row["practice_areas"]),
                evidence_score=row["halves"] / 2,
            )
            for row in shown
        ],
        cursors=[_cursor(row["halves"], row["title"], row["id"]) for row in shown],
        has_next_page=len(found) > first,
        has_previous_page=after is not None,
        total_count=rows[0]["total_count"],
    )
