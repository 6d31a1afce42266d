"""The Partnership aggregate: a PPP against cybercrime and everything that happens to it.

Public methods validate a command and then call an ``@event`` method; event bodies only assign
state because they re-run on every replay, where enum values and lists arrive as plain JSON.
Input rules are in ``partnership_checks``, changes' encoding in ``partnership_changes``; the
events stay here, as stored events name their class (``registry.domain.partnership:...``).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, datetime_now_with_tzinfo, event

from registry.domain import partnership_checks
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
from registry.domain.errors import duplicate, invalid, not_found
from registry.domain.identifiers import check_identifier
from registry.domain.partnership_changes import Changes, coerced, effective_changes, jsonable
from registry.domain.partnership_checks import (
    check_activity_correction,
    check_outcome_correction,
    check_revision,
    check_text,
)
from registry.domain.records import Activity, Lesson, Membership, Outcome
from registry.domain.validation import MAX_LONG_TEXT, MAX_PARTNERS, MAX_REASON, MAX_TITLE, Checks

ActorRecord = dict[str, str | None]


class Partnership(Aggregate):
    # A snapshot stored before partnerships had an IATI identifier restores its state without
    # one (the library sets the instance's __dict__ from it): the class keeps the default.
    iati_identifier: str | None = None

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
        iati_identifier: str | None = None,
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
        partnership_checks.partners(checks, partners)
        check_identifier(checks, ("iati_identifier",), iati_identifier)
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
            iati_identifier=iati_identifier,
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
        # Added after events were stored: registrations recorded before it have none.
        iati_identifier: str | None = None,
    ) -> None:
        self.title: str = title
        self.iati_identifier: str | None = iati_identifier
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
        check_revision(self, changes, reason)
        changed = effective_changes(self, changes)
        self._revise(changes=jsonable(changed), reason=reason, actor=actor.record())

    @event("PartnershipRevised")
    def _revise(self, changes: Changes, reason: str, actor: ActorRecord) -> None:
        for field, value in coerced(changes).items():
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
        partnership_checks.activity_fields(
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
        check_activity_correction(activity, changes, reason)
        changed = effective_changes(activity, changes)
        self._correct_activity(
            activity_id=activity_id, changes=jsonable(changed), reason=reason, actor=actor.record()
        )

    @event("ActivityCorrected")
    def _correct_activity(
        self, activity_id: UUID, changes: Changes, reason: str, actor: ActorRecord
    ) -> None:
        self.activities[activity_id] = replace(self.activities[activity_id], **coerced(changes))

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
        partnership_checks.outcome_fields(
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
        check_outcome_correction(outcome, changes, reason)
        changed = effective_changes(outcome, changes)
        self._correct_outcome(
            outcome_id=outcome_id, changes=jsonable(changed), reason=reason, actor=actor.record()
        )

    @event("OutcomeCorrected")
    def _correct_outcome(
        self, outcome_id: UUID, changes: Changes, reason: str, actor: ActorRecord
    ) -> None:
        self.outcomes[outcome_id] = replace(self.outcomes[outcome_id], **coerced(changes))

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
        check_text(("rationale",), rationale, MAX_LONG_TEXT)
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
        check_text(("rationale",), rationale, MAX_LONG_TEXT)
        self._endorse(rationale=rationale, actor=actor.record())

    @event("BestPracticeEndorsed")
    def _endorse(self, rationale: str, actor: ActorRecord) -> None:
        self.best_practice = BestPracticeStatus.ENDORSED

    def withdraw_endorsement(self, *, reason: str, actor: Actor) -> None:
        if self.best_practice is not BestPracticeStatus.ENDORSED:
            raise invalid(("partnership_id",), "the partnership is not endorsed")
        check_text(("reason",), reason, MAX_REASON)
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
