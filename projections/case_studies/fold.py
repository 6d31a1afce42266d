"""The fold of the log: a partnership's or an organisation's events, in log order, to its state.

Event types are the domain's; one the fold has no handler for raises ``UnknownEvent``, as the
projector does: a document that silently left an event out would cite less than happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID

from projections.case_studies.documents import Citation, Cited, LessonEntry
from projections.case_studies.log import LoggedEvent
from projections.figures import TRAINING_KINDS
from projections.meaning import UnknownEvent
from registry import geography


@lru_cache(maxsize=1 << 16)
def _uuid(text: str) -> UUID:
    """An id from event data; organisations recur across partnerships, so parse each once."""
    return UUID(text)


def day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def strings(value: Any) -> tuple[str, ...]:
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


def event_value(name: str, value: Any) -> Any:
    """An event attribute as the folds hold it: lists as tuples, days as dates, numbers as
    floats."""
    if name in _LIST_FIELDS:
        return strings(value)
    if name in _DATE_FIELDS:
        return day(value)
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
class FoldedRecord:
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


class PartnershipState:
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
        self.activities: dict[str, FoldedRecord] = {}  # by id, as the events give it
        self.outcomes: dict[str, FoldedRecord] = {}
        self.lessons: list[LessonEntry] = []
        self.keep_timeline = timeline
        self.timeline: list[_Pending] = []

    # -- the fold
    def apply(self, e: LoggedEvent) -> None:
        self.version += 1
        handler = _PARTNERSHIP_HANDLERS.get(e.type)
        if handler is None:
            raise UnknownEvent(f"no case-study fold for Partnership.{e.type}")
        handler(self, e)

    def _note(self, e: LoggedEvent, day: date | None, text: str, org: UUID | None = None) -> None:
        if self.keep_timeline:
            self.timeline.append(_Pending(e.citation, day, text, org))

    def on_registered(self, e: LoggedEvent) -> None:
        d = e.data
        self.registered = True
        for name in _PARTNERSHIP_FIELDS:
            self.fields[name] = event_value(name, d.get(name))
            self.sources[name] = e.citation
        self.sources["status"] = e.citation
        since = self.fields["start_date"]
        for p in d["partners"]:
            self.members[_uuid(p["organisation"])] = _Member(p["role"], since, sources=[e.citation])
        self._note(e, since, "Partnership registered")

    def on_revised(self, e: LoggedEvent) -> None:
        changes: Mapping[str, Any] = e.data["changes"]
        for name, value in changes.items():
            self.fields[name] = event_value(name, value)
            self.sources[name] = e.citation
        names = ", ".join(n.replace("_", " ") for n in sorted(changes))
        self._note(e, None, _with_reason(f"Revised: {names}", e.data.get("reason")))

    def on_concluded(self, e: LoggedEvent) -> None:
        self.status = "CONCLUDED"
        self.sources["status"] = e.citation
        self.fields["end_date"] = day(e.data["end_date"])
        self.sources["end_date"] = e.citation
        if "summary" in e.data:
            self.conclusion = Cited(e.data["summary"], e.citation)
        self._note(e, self.fields["end_date"], "Partnership concluded")

    def on_joined(self, e: LoggedEvent) -> None:
        org = _uuid(e.data["organisation"])
        since = day(e.data.get("since"))
        # A returning partner starts afresh, as the aggregate replaces its membership.
        self.members[org] = _Member(e.data["role"], since, sources=[e.citation])
        self._note(e, since, f"{{org}} joined as {_label(e.data['role'])}", org)

    def on_left(self, e: LoggedEvent) -> None:
        org = _uuid(e.data["organisation"])
        until = day(e.data.get("until")) or e.recorded_at.date()
        member = self.members.get(org)
        if member is not None:
            member.until = until
            member.sources.append(e.citation)
        self._note(e, until, _with_reason("{org} left", e.data.get("reason")), org)

    def on_confirmed(self, e: LoggedEvent) -> None:
        org = _uuid(e.data["organisation"])
        member = self.members.get(org)
        if member is not None:
            member.confirmed = True
            member.sources.append(e.citation)
        self._note(e, None, "{org} confirmed its participation", org)

    def on_activity_logged(self, e: LoggedEvent) -> None:
        d = e.data
        fields = {k: event_value(k, v) for k, v in d.items() if k not in ("actor", "activity_id")}
        self.activities[d["activity_id"]] = FoldedRecord(fields, [e.citation], e.position)
        if self.keep_timeline:
            self._note(e, fields["start_date"], _titled("Activity logged", fields["title"]))

    def on_activity_corrected(self, e: LoggedEvent) -> None:
        self._correct(e, self.activities.get(e.data["activity_id"]), "Activity", "title")

    def _correct(
        self, e: LoggedEvent, record: FoldedRecord | None, kind: str, title_field: str
    ) -> None:
        """A correction of an activity or an outcome: new values, cited, and a timeline line."""
        if record is None:
            return
        changes: Mapping[str, Any] = e.data["changes"]
        record.fields.update((k, event_value(k, v)) for k, v in changes.items())
        record.sources.append(e.citation)
        names = ", ".join(n.replace("_", " ") for n in sorted(changes))
        text = _titled(f"{kind} corrected", record.fields.get(title_field)) + f" ({names})"
        self._note(e, None, _with_reason(text, e.data.get("reason")))

    def on_activity_retracted(self, e: LoggedEvent) -> None:
        record = self.activities.get(e.data["activity_id"])
        if record is None:
            return
        record.retracted = True
        record.sources.append(e.citation)
        text = _titled("Activity retracted", record.fields.get("title"))
        self._note(e, None, _with_reason(text, e.data.get("reason")))

    def on_outcome_reported(self, e: LoggedEvent) -> None:
        d = e.data
        fields = {k: event_value(k, v) for k, v in d.items() if k not in ("actor", "outcome_id")}
        self.outcomes[d["outcome_id"]] = FoldedRecord(fields, [e.citation], e.position)
        day = fields.get("period_end") or fields.get("period_start")
        self._note(e, day, _titled("Outcome reported", fields.get("indicator")))

    def on_outcome_corrected(self, e: LoggedEvent) -> None:
        self._correct(e, self.outcomes.get(e.data["outcome_id"]), "Outcome", "indicator")

    def on_lesson_recorded(self, e: LoggedEvent) -> None:
        d = e.data
        lesson = LessonEntry(UUID(d["lesson_id"]), d["kind"], d["text"], e.citation)
        self.lessons.append(lesson)
        self._note(e, None, f"Lesson recorded ({_label(d['kind'])})")

    def on_nominated(self, e: LoggedEvent) -> None:
        self.best_practice = "NOMINATED"
        self.nomination = Cited(e.data.get("rationale", ""), e.citation)
        self._note(e, None, "Nominated as a best practice")

    def on_endorsed(self, e: LoggedEvent) -> None:
        self.best_practice = "ENDORSED"
        self.endorsement = Cited(e.data.get("rationale", ""), e.citation)
        self._note(e, None, "Endorsed as a best practice")

    def on_withdrawn(self, e: LoggedEvent) -> None:
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

    def live_activities(self) -> list[FoldedRecord]:
        return [a for a in self.activities.values() if not a.retracted]

    def people_trained(self) -> int:
        return sum(
            a.fields.get("participants") or 0
            for a in self.live_activities()
            if a.fields.get("kind") in TRAINING_KINDS
        )


_PARTNERSHIP_HANDLERS: dict[str, Callable[[PartnershipState, LoggedEvent], None]] = {
    "PartnershipRegistered": PartnershipState.on_registered,
    "PartnershipRevised": PartnershipState.on_revised,
    "PartnershipConcluded": PartnershipState.on_concluded,
    "PartnerJoined": PartnershipState.on_joined,
    "PartnerLeft": PartnershipState.on_left,
    "ParticipationConfirmed": PartnershipState.on_confirmed,
    "ActivityLogged": PartnershipState.on_activity_logged,
    "ActivityCorrected": PartnershipState.on_activity_corrected,
    "ActivityRetracted": PartnershipState.on_activity_retracted,
    "OutcomeReported": PartnershipState.on_outcome_reported,
    "OutcomeCorrected": PartnershipState.on_outcome_corrected,
    "LessonRecorded": PartnershipState.on_lesson_recorded,
    "BestPracticeNominated": PartnershipState.on_nominated,
    "BestPracticeEndorsed": PartnershipState.on_endorsed,
    "EndorsementWithdrawn": PartnershipState.on_withdrawn,
}


def _label(code: str) -> str:
    return code.replace("_", " ").lower()


def _titled(text: str, title: Any) -> str:
    return f"{text}: {title}" if title else text


def _with_reason(text: str, reason: Any) -> str:
    return f"{text} (reason: {reason})" if reason else text


class OrganisationState:
    def __init__(self, stream_id: UUID) -> None:
        self.id = stream_id
        self.fields: dict[str, Cited[Any]] = {}

    def apply(self, e: LoggedEvent) -> None:
        if e.type == "OrganisationRegistered":
            for name in ("name", "sector", "country", "org_type", "website"):
                self.fields[name] = Cited(e.data.get(name), e.citation)
        elif e.type == "OrganisationRevised":
            for name, value in e.data["changes"].items():
                self.fields[name] = Cited(value, e.citation)
        else:
            raise UnknownEvent(f"no case-study fold for Organisation.{e.type}")

    def get(self, name: str, default: str) -> str:
        cited = self.fields.get(name)
        return default if cited is None or cited.value is None else str(cited.value)

    def sources(self, *names: str) -> list[Citation]:
        return [self.fields[n].source for n in names if n in self.fields]


def fold_partnerships(
    events: Iterable[LoggedEvent], *, timeline: bool
) -> dict[UUID, PartnershipState]:
    folded: dict[UUID, PartnershipState] = {}
    for e in events:
        state = folded.get(e.stream_id)
        if state is None:
            state = folded[e.stream_id] = PartnershipState(e.stream_id, timeline=timeline)
        state.apply(e)
    return {k: v for k, v in folded.items() if v.registered}


def fold_organisations(events: Iterable[LoggedEvent]) -> dict[UUID, OrganisationState]:
    folded: dict[UUID, OrganisationState] = {}
    for e in events:
        folded.setdefault(e.stream_id, OrganisationState(e.stream_id)).apply(e)
    return folded


ORGANISATION_EVENTS = frozenset({"OrganisationRegistered", "OrganisationRevised"})


def handled_event_types() -> frozenset[str]:
    """Every event type the fold gives a meaning; any other raises ``UnknownEvent``."""
    return frozenset(_PARTNERSHIP_HANDLERS) | ORGANISATION_EVENTS
