"""The Partnership aggregate: a PPP against cybercrime and everything that happens to it.

Public methods validate a command and then call an ``@event`` method; event bodies only assign
state because they re-run on every replay, where enum values and lists arrive as plain JSON.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, datetime_now_with_tzinfo, event

from registry.domain.actor import Actor
from registry.domain.codelists import (
    ActivityKind,
    BestPracticeStatus,
    LessonKind,
    PartnerRole,
    PartnershipStatus,
    PracticeArea,
    ResultLevel,
    TargetGroup,
    Verification,
)
from registry.domain.errors import ErrorCode, duplicate, invalid, not_found
from registry.domain.records import Activity, Lesson, Membership, Outcome
from registry.domain.validation import (
    MAX_INDICATOR,
    MAX_LONG_TEXT,
    MAX_PARTNERS,
    MAX_REASON,
    MAX_TITLE,
    MAX_UNIT,
    Checks,
)

ActorRecord = dict[str, str | None]
Changes = dict[str, Any]


# How a corrected field's JSON value becomes the value a record holds.
_COERCE: dict[str, Any] = {
    "kind": ActivityKind,
    "practice_area": PracticeArea,
    "result_level": ResultLevel,
    "verification": Verification,
    "countries": tuple,
    "regions": tuple,
    "evidence_urls": tuple,
    "target_groups": lambda groups: tuple(TargetGroup(g) for g in groups),
    "practice_areas": lambda areas: tuple(PracticeArea(a) for a in areas),
}


def _coerced(changes: Mapping[str, Any]) -> Changes:
    return {
        k: _COERCE.get(k, lambda v: v)(v) if v is not None else None for k, v in changes.items()
    }


def _check_activity(checks: Checks, fields: Mapping[str, Any]) -> None:
    """Rules for the activity fields present in ``fields`` (all of them when logging)."""
    if "title" in fields:
        checks.text(("title",), fields["title"], MAX_TITLE)
    if "description" in fields:
        checks.text(("description",), fields["description"], MAX_LONG_TEXT, required=False)
    if fields.get("countries") is not None:
        checks.countries(("countries",), fields["countries"])
    if fields.get("target_groups") is not None:
        checks.unique(("target_groups",), fields["target_groups"])
    if "participants" in fields:
        checks.count(("participants",), fields["participants"])
    if fields.get("evidence_urls") is not None:
        checks.urls(("evidence_urls",), fields["evidence_urls"])


def _check_outcome(checks: Checks, fields: Mapping[str, Any]) -> None:
    if "indicator" in fields:
        checks.text(("indicator",), fields["indicator"], MAX_INDICATOR)
    if "unit" in fields:
        checks.text(("unit",), fields["unit"], MAX_UNIT, required=False)
    for measure in ("baseline", "target", "actual"):
        if measure in fields:
            checks.measure((measure,), fields[measure])
    if fields.get("evidence_urls") is not None:
        checks.urls(("evidence_urls",), fields["evidence_urls"])


class Partnership(Aggregate):
    # ------------------------------------------------------------------ registration
    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        title: str,
        summary: str,
        objectives: str | None,
        practice_areas: Sequence[PracticeArea],
        countries: Sequence[str],
        regions: Sequence[str],
        start_date: date,
        end_date: date | None,
        partners: Sequence[tuple[UUID, PartnerRole]],
        actor: Actor,
    ) -> Partnership:
        checks = Checks()
        checks.text(("title",), title, MAX_TITLE)
        checks.text(("summary",), summary, MAX_LONG_TEXT)
        checks.text(("objectives",), objectives, MAX_LONG_TEXT, required=False)
        checks.non_empty(("practice_areas",), practice_areas, "practice area")
        checks.unique(("practice_areas",), practice_areas)
        checks.countries(("countries",), countries)
        checks.regions(("regions",), regions)
        if not countries and not regions:
            checks.fail(("countries",), "name at least one country or region")
        checks.in_order(("start_date",), start_date, ("end_date",), end_date)
        _check_partners(checks, partners)
        checks.raise_if_any()
        return cls(
            id=id,
            title=title.strip(),
            summary=summary,
            objectives=objectives,
            practice_areas=[str(a) for a in practice_areas],
            countries=list(countries),
            regions=list(regions),
            start_date=start_date,
            end_date=end_date,
            partners=[{"organisation": org, "role": str(role)} for org, role in partners],
            actor=actor.record(),
        )

    @event("PartnershipRegistered")
    def __init__(
        self,
        id: UUID,
        title: str,
        summary: str,
        objectives: str | None,
        practice_areas: list[str],
        countries: list[str],
        regions: list[str],
        start_date: date,
        end_date: date | None,
        partners: list[dict[str, Any]],
        actor: ActorRecord,
    ) -> None:
        self.title: str = title
        self.summary: str = summary
        self.objectives: str | None = objectives
        self.practice_areas: tuple[PracticeArea, ...] = tuple(
            PracticeArea(a) for a in practice_areas
        )
        self.countries: tuple[str, ...] = tuple(countries)
        self.regions: tuple[str, ...] = tuple(regions)
        self.start_date: date = start_date
        self.end_date: date | None = end_date
        self.status = PartnershipStatus.ACTIVE
        self.conclusion: str | None = None
        self.best_practice = BestPracticeStatus.NONE
        self.memberships: dict[UUID, Membership] = {
            p["organisation"]: Membership(p["organisation"], PartnerRole(p["role"]), start_date)
            for p in partners
        }
        self.activities: dict[UUID, Activity] = {}
        self.outcomes: dict[UUID, Outcome] = {}
        self.lessons: list[Lesson] = []

    def __deepcopy__(self, memo: dict[int, Any]) -> Partnership:
        # The repository's cache hands out deep copies. State is immutable records held in
        # dicts and lists, so copying those containers is a complete copy, at a fraction of
        # copy.deepcopy's cost on a partnership with hundreds of activities.
        clone = copy.copy(self)
        clone.__dict__.update(
            memberships=dict(self.memberships),
            activities=dict(self.activities),
            outcomes=dict(self.outcomes),
            lessons=list(self.lessons),
            _pending_events=list(self.pending_events),
        )
        return clone

    # ------------------------------------------------------------------ queries on state
    @property
    def is_concluded(self) -> bool:
        return self.status is PartnershipStatus.CONCLUDED

    def is_partner(self, organisation_id: UUID) -> bool:
        membership = self.memberships.get(organisation_id)
        return membership is not None and membership.is_current

    def current_partners(self) -> list[Membership]:
        return [m for m in self.memberships.values() if m.is_current]

    # ------------------------------------------------------------------ revision
    def revise(self, *, changes: Changes, reason: str, actor: Actor) -> None:
        checks = Checks()
        checks.text(("reason",), reason, MAX_REASON)
        if "title" in changes:
            checks.text(("title",), changes["title"], MAX_TITLE)
        if "summary" in changes:
            checks.text(("summary",), changes["summary"], MAX_LONG_TEXT)
        if "objectives" in changes:
            checks.text(("objectives",), changes["objectives"], MAX_LONG_TEXT, required=False)
        for required in ("practice_areas", "countries", "regions", "start_date"):
            if required in changes and changes[required] is None:
                checks.fail((required,), "must not be null")
        if changes.get("practice_areas") is not None:
            checks.non_empty(("practice_areas",), changes["practice_areas"], "practice area")
            checks.unique(("practice_areas",), changes["practice_areas"])
        if changes.get("countries") is not None:
            checks.countries(("countries",), changes["countries"])
        if changes.get("regions") is not None:
            checks.regions(("regions",), changes["regions"])
        areas = [changes.get("countries", self.countries), changes.get("regions", self.regions)]
        if None not in areas and not any(areas):
            checks.fail(("countries",), "name at least one country or region")
        start = changes.get("start_date", self.start_date)
        end = changes.get("end_date", self.end_date)
        field = ("end_date",) if "end_date" in changes else ("start_date",)
        if start is not None and end is not None and end < start:
            checks.fail(field, f"the partnership would end ({end}) before it starts ({start})")
        if self.is_concluded and "end_date" in changes and end is None:
            checks.fail(("end_date",), "a concluded partnership keeps its end date")
        # The order is checked above; checking it again would report the same problem twice.
        checks.day(("start_date",), changes.get("start_date"))
        checks.day(("end_date",), changes.get("end_date"))
        checks.raise_if_any()
        changed = _changed(self, changes)
        self._revise(changes=_jsonable(changed), reason=reason, actor=actor.record())

    @event("PartnershipRevised")
    def _revise(self, changes: Changes, reason: str, actor: ActorRecord) -> None:
        for field, value in _coerced(changes).items():
            setattr(self, field, value)

    # ------------------------------------------------------------------ partners
    def add_partner(
        self, *, organisation_id: UUID, role: PartnerRole, since: date | None, actor: Actor
    ) -> None:
        self._require_active(("partnership_id",))
        if self.is_partner(organisation_id):
            raise duplicate(("organisation_id",), "the organisation is already a partner")
        if len(self.current_partners()) >= MAX_PARTNERS:
            raise invalid(
                ("organisation_id",), f"a partnership has at most {MAX_PARTNERS} partners"
            )
        checks = Checks()
        checks.day(("since",), since)
        checks.raise_if_any()
        self._add_partner(
            organisation=organisation_id, role=str(role), since=since, actor=actor.record()
        )

    @event("PartnerJoined")
    def _add_partner(
        self, organisation: UUID, role: str, since: date | None, actor: ActorRecord
    ) -> None:
        self.memberships[organisation] = Membership(organisation, PartnerRole(role), since)

    def remove_partner(
        self, *, organisation_id: UUID, until: date | None, reason: str, actor: Actor
    ) -> None:
        membership = self.memberships.get(organisation_id)
        if membership is None or not membership.is_current:
            raise not_found(("organisation_id",), "the organisation is not a current partner")
        # An unknown ``until`` is the day the event is recorded (the clock its timestamp uses).
        until = until or datetime_now_with_tzinfo().date()
        checks = Checks()
        checks.text(("reason",), reason, MAX_REASON)
        checks.in_order(("since",), membership.since, ("until",), until)
        leads = [m for m in self.current_partners() if m.role is PartnerRole.LEAD]
        if membership.role is PartnerRole.LEAD and len(leads) == 1:
            checks.fail(
                ("organisation_id",), "the only LEAD partner cannot leave; add another LEAD first"
            )
        if len(self.current_partners()) == 1:
            checks.fail(("organisation_id",), "a partnership keeps at least one partner")
        checks.raise_if_any()
        self._remove_partner(
            organisation=organisation_id, until=until, reason=reason, actor=actor.record()
        )

    @event("PartnerLeft")
    def _remove_partner(
        self, organisation: UUID, until: date | None, reason: str, actor: ActorRecord
    ) -> None:
        # ``remove_partner`` resolves an unknown ``until``; should an event lack one, the
        # membership still ends.
        ended = until or self.modified_on.date()
        self.memberships[organisation] = replace(self.memberships[organisation], until=ended)

    def confirm_participation(self, *, organisation_id: UUID, actor: Actor) -> None:
        membership = self.memberships.get(organisation_id)
        if membership is None or not membership.is_current:
            raise not_found(("organisation_id",), "the organisation is not a current partner")
        if membership.confirmed:
            raise duplicate(("organisation_id",), "the organisation has already confirmed")
        self._confirm_participation(organisation=organisation_id, actor=actor.record())

    @event("ParticipationConfirmed")
    def _confirm_participation(self, organisation: UUID, actor: ActorRecord) -> None:
        self.memberships[organisation] = replace(self.memberships[organisation], confirmed=True)

    # ------------------------------------------------------------------ activities
    def log_activity(
        self,
        *,
        activity_id: UUID,
        kind: ActivityKind,
        practice_area: PracticeArea,
        title: str,
        description: str | None,
        start_date: date,
        end_date: date | None,
        countries: Sequence[str],
        target_groups: Sequence[TargetGroup],
        participants: int | None,
        evidence_urls: Sequence[str],
        actor: Actor,
    ) -> None:
        self._require_active(("partnership_id",))
        checks = Checks()
        _check_activity(
            checks,
            {
                "title": title,
                "description": description,
                "countries": countries,
                "target_groups": target_groups,
                "participants": participants,
                "evidence_urls": evidence_urls,
            },
        )
        checks.in_order(("start_date",), start_date, ("end_date",), end_date)
        checks.raise_if_any()
        self._log_activity(
            activity_id=activity_id,
            kind=str(kind),
            practice_area=str(practice_area),
            title=title.strip(),
            description=description,
            start_date=start_date,
            end_date=end_date,
            countries=list(countries),
            target_groups=[str(g) for g in target_groups],
            participants=participants,
            evidence_urls=list(evidence_urls),
            actor=actor.record(),
        )

    @event("ActivityLogged")
    def _log_activity(
        self,
        activity_id: UUID,
        kind: str,
        practice_area: str,
        title: str,
        description: str | None,
        start_date: date,
        end_date: date | None,
        countries: list[str],
        target_groups: list[str],
        participants: int | None,
        evidence_urls: list[str],
        actor: ActorRecord,
    ) -> None:
        self.activities[activity_id] = Activity(
            id=activity_id,
            kind=ActivityKind(kind),
            practice_area=PracticeArea(practice_area),
            title=title,
            description=description,
            start_date=start_date,
            end_date=end_date,
            countries=tuple(countries),
            target_groups=tuple(TargetGroup(g) for g in target_groups),
            participants=participants,
            evidence_urls=tuple(evidence_urls),
        )

    def correct_activity(
        self, *, activity_id: UUID, changes: Changes, reason: str, actor: Actor
    ) -> None:
        activity = self._activity(activity_id)
        checks = Checks()
        checks.text(("reason",), reason, MAX_REASON)
        for required in (
            "kind",
            "practice_area",
            "title",
            "start_date",
            "countries",
            "target_groups",
            "evidence_urls",
        ):
            if required in changes and changes[required] is None:
                checks.fail((required,), "must not be null")
        _check_activity(checks, changes)
        start = changes.get("start_date", activity.start_date) or activity.start_date
        end = changes.get("end_date", activity.end_date)
        if end is not None and end < start:
            checks.fail(
                ("end_date",) if "end_date" in changes else ("start_date",),
                "the activity would end before it starts",
            )
        checks.day(("start_date",), changes.get("start_date"))
        checks.day(("end_date",), changes.get("end_date"))
        checks.raise_if_any()
        changed = _changed(activity, changes)
        self._correct_activity(
            activity_id=activity_id, changes=_jsonable(changed), reason=reason, actor=actor.record()
        )

    @event("ActivityCorrected")
    def _correct_activity(
        self, activity_id: UUID, changes: Changes, reason: str, actor: ActorRecord
    ) -> None:
        self.activities[activity_id] = replace(self.activities[activity_id], **_coerced(changes))

    def retract_activity(self, *, activity_id: UUID, reason: str, actor: Actor) -> None:
        self._activity(activity_id)
        checks = Checks()
        checks.text(("reason",), reason, MAX_REASON)
        checks.raise_if_any()
        self._retract_activity(activity_id=activity_id, reason=reason, actor=actor.record())

    @event("ActivityRetracted")
    def _retract_activity(self, activity_id: UUID, reason: str, actor: ActorRecord) -> None:
        self.activities[activity_id] = replace(self.activities[activity_id], retracted=True)

    def _activity(self, activity_id: UUID) -> Activity:
        activity = self.activities.get(activity_id)
        if activity is None:
            raise not_found(("activity_id",), "no such activity in this partnership")
        if activity.retracted:
            raise invalid(("activity_id",), "the activity has been retracted")
        return activity

    # ------------------------------------------------------------------ outcomes
    def report_outcome(
        self,
        *,
        outcome_id: UUID,
        result_level: ResultLevel,
        indicator: str,
        unit: str | None,
        baseline: float | None,
        target: float | None,
        actual: float | None,
        period_start: date | None,
        period_end: date | None,
        verification: Verification,
        evidence_urls: Sequence[str],
        actor: Actor,
    ) -> None:
        checks = Checks()
        _check_outcome(
            checks,
            {
                "indicator": indicator,
                "unit": unit,
                "baseline": baseline,
                "target": target,
                "actual": actual,
                "evidence_urls": evidence_urls,
            },
        )
        checks.in_order(("period_start",), period_start, ("period_end",), period_end)
        checks.raise_if_any()
        self._report_outcome(
            outcome_id=outcome_id,
            result_level=str(result_level),
            indicator=indicator.strip(),
            unit=unit,
            baseline=baseline,
            target=target,
            actual=actual,
            period_start=period_start,
            period_end=period_end,
            verification=str(verification),
            evidence_urls=list(evidence_urls),
            actor=actor.record(),
        )

    @event("OutcomeReported")
    def _report_outcome(
        self,
        outcome_id: UUID,
        result_level: str,
        indicator: str,
        unit: str | None,
        baseline: float | None,
        target: float | None,
        actual: float | None,
        period_start: date | None,
        period_end: date | None,
        verification: str,
        evidence_urls: list[str],
        actor: ActorRecord,
    ) -> None:
        self.outcomes[outcome_id] = Outcome(
            id=outcome_id,
            result_level=ResultLevel(result_level),
            indicator=indicator,
            unit=unit,
            baseline=baseline,
            target=target,
            actual=actual,
            period_start=period_start,
            period_end=period_end,
            verification=Verification(verification),
            evidence_urls=tuple(evidence_urls),
        )

    def correct_outcome(
        self, *, outcome_id: UUID, changes: Changes, reason: str, actor: Actor
    ) -> None:
        outcome = self.outcomes.get(outcome_id)
        if outcome is None:
            raise not_found(("outcome_id",), "no such outcome in this partnership")
        checks = Checks()
        checks.text(("reason",), reason, MAX_REASON)
        for required in ("result_level", "indicator", "verification", "evidence_urls"):
            if required in changes and changes[required] is None:
                checks.fail((required,), "must not be null")
        _check_outcome(checks, changes)
        start = changes.get("period_start", outcome.period_start)
        end = changes.get("period_end", outcome.period_end)
        if start is not None and end is not None and end < start:
            checks.fail(
                ("period_end",) if "period_end" in changes else ("period_start",),
                "the period would end before it starts",
            )
        checks.day(("period_start",), changes.get("period_start"))
        checks.day(("period_end",), changes.get("period_end"))
        checks.raise_if_any()
        changed = _changed(outcome, changes)
        self._correct_outcome(
            outcome_id=outcome_id, changes=_jsonable(changed), reason=reason, actor=actor.record()
        )

    @event("OutcomeCorrected")
    def _correct_outcome(
        self, outcome_id: UUID, changes: Changes, reason: str, actor: ActorRecord
    ) -> None:
        self.outcomes[outcome_id] = replace(self.outcomes[outcome_id], **_coerced(changes))

    # ------------------------------------------------------------------ lessons
    def record_lesson(self, *, lesson_id: UUID, kind: LessonKind, text: str, actor: Actor) -> None:
        checks = Checks()
        checks.text(("text",), text, MAX_LONG_TEXT)
        checks.raise_if_any()
        self._record_lesson(lesson_id=lesson_id, kind=str(kind), text=text, actor=actor.record())

    @event("LessonRecorded")
    def _record_lesson(self, lesson_id: UUID, kind: str, text: str, actor: ActorRecord) -> None:
        self.lessons.append(Lesson(lesson_id, LessonKind(kind), text))

    # ------------------------------------------------------------------ best practice
    def nominate_best_practice(self, *, rationale: str, actor: Actor) -> None:
        if self.best_practice in (BestPracticeStatus.NOMINATED, BestPracticeStatus.ENDORSED):
            raise duplicate(
                ("partnership_id",), f"the partnership is already {self.best_practice.lower()}"
            )
        _require_text(("rationale",), rationale, MAX_LONG_TEXT)
        self._nominate(rationale=rationale, actor=actor.record())

    @event("BestPracticeNominated")
    def _nominate(self, rationale: str, actor: ActorRecord) -> None:
        self.best_practice = BestPracticeStatus.NOMINATED

    def endorse_best_practice(self, *, rationale: str, actor: Actor) -> None:
        if self.best_practice is BestPracticeStatus.ENDORSED:
            raise duplicate(("partnership_id",), "the partnership is already endorsed")
        if self.best_practice is not BestPracticeStatus.NOMINATED:
            raise invalid(
                ("partnership_id",), "a partnership must be nominated before it is endorsed"
            )
        _require_text(("rationale",), rationale, MAX_LONG_TEXT)
        self._endorse(rationale=rationale, actor=actor.record())

    @event("BestPracticeEndorsed")
    def _endorse(self, rationale: str, actor: ActorRecord) -> None:
        self.best_practice = BestPracticeStatus.ENDORSED

    def withdraw_endorsement(self, *, reason: str, actor: Actor) -> None:
        if self.best_practice is not BestPracticeStatus.ENDORSED:
            raise invalid(("partnership_id",), "the partnership is not endorsed")
        _require_text(("reason",), reason, MAX_REASON)
        self._withdraw_endorsement(reason=reason, actor=actor.record())

    @event("EndorsementWithdrawn")
    def _withdraw_endorsement(self, reason: str, actor: ActorRecord) -> None:
        self.best_practice = BestPracticeStatus.WITHDRAWN

    # ------------------------------------------------------------------ conclusion
    def conclude(self, *, end_date: date, summary: str, actor: Actor) -> None:
        self._require_active(("partnership_id",))
        checks = Checks()
        checks.text(("summary",), summary, MAX_LONG_TEXT)
        checks.in_order(("start_date",), self.start_date, ("end_date",), end_date)
        checks.raise_if_any()
        self._conclude(end_date=end_date, summary=summary, actor=actor.record())

    @event("PartnershipConcluded")
    def _conclude(self, end_date: date, summary: str, actor: ActorRecord) -> None:
        self.status = PartnershipStatus.CONCLUDED
        self.end_date = end_date
        self.conclusion = summary

    def _require_active(self, field: tuple[str, ...]) -> None:
        if self.is_concluded:
            raise invalid(field, "the partnership is concluded; nothing more can happen in it")


def _check_partners(checks: Checks, partners: Sequence[tuple[UUID, PartnerRole]]) -> None:
    checks.non_empty(("partners",), partners, "partner")
    checks.size(("partners",), partners, MAX_PARTNERS)
    seen: set[UUID] = set()
    for index, (organisation_id, _role) in enumerate(partners):
        if organisation_id in seen:
            checks.fail(
                ("partners", str(index), "organisation_id"),
                "the organisation is listed twice",
                ErrorCode.DUPLICATE,
            )
        seen.add(organisation_id)
    if partners and PartnerRole.LEAD not in {role for _org, role in partners}:
        checks.fail(("partners",), "one partner must have the LEAD role")


def _require_text(field: tuple[str, ...], value: str, limit: int) -> None:
    checks = Checks()
    checks.text(field, value, limit)
    checks.raise_if_any()


def _changed(current: object, changes: Changes) -> Changes:
    """The changes that differ from ``current``; a correction that changes nothing is refused."""
    changed = {k: v for k, v in changes.items() if _coerced({k: v})[k] != getattr(current, k)}
    if not changed:
        raise invalid((), "the correction changes nothing")
    return changed


def _jsonable(changes: Changes) -> Changes:
    """Enums become their names and tuples lists, so the stored event is plain JSON."""

    def plain(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, str):
            return str(value)
        return value

    return {k: plain(v) for k, v in changes.items()}
