"""A partnership rebuilt from its stored events is the partnership that triggered them.

Event bodies re-run on every replay, where enums, tuples and dates arrive as plain JSON; saving
into the library's in-memory application and getting the aggregate back checks they rebuild the
same state, value for value and type for type (compared by ``==`` and by ``repr``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.domain.codelists import (
    BestPracticeStatus,
    LessonKind,
    PartnerRole,
    PartnershipStatus,
    PracticeArea,
    TargetGroup,
)
from registry.domain.errors import CommandRejected
from registry.domain.partnership import Partnership

if TYPE_CHECKING:
    from conftest import Build

    from registry.domain.actor import Actor

Replay = Callable[[Partnership], Partnership]
Step = Callable[[Partnership, "Build", "Actor"], None]


def _revise(p: Partnership, _b: Build, a: Actor) -> None:
    p.revise(
        changes={
            "title": "Phase two",
            "objectives": "Prosecutions",
            "practice_areas": [PracticeArea.RESEARCH, "POLICY_DEVELOPMENT"],
            "countries": ["SN", "CI"],
            "regions": ["011"],
            "start_date": date(2020, 2, 1),
            "end_date": date(2025, 1, 31),
        },
        reason="New phase",
        actor=a,
    )


def _join(p: Partnership, _b: Build, a: Actor) -> None:
    p.add_partner(organisation_id=uuid4(), role=PartnerRole.FUNDER, since=None, actor=a)
    p.add_partner(
        organisation_id=uuid4(), role=PartnerRole.KNOWLEDGE_PARTNER, since=date(2021, 1, 1), actor=a
    )


def _leave(p: Partnership, b: Build, a: Actor) -> None:
    p.remove_partner(organisation_id=b.implementer, until=date(2022, 3, 1), reason="Ended", actor=a)


def _leave_without_a_day(p: Partnership, b: Build, a: Actor) -> None:
    p.remove_partner(organisation_id=b.implementer, until=None, reason="Ended", actor=a)


def _confirm(p: Partnership, b: Build, a: Actor) -> None:
    p.confirm_participation(organisation_id=b.implementer, actor=a)


def _log(p: Partnership, b: Build, _a: Actor) -> None:
    b.activity(p)
    b.activity(p, description=None, end_date=None, participants=None, countries=[])


def _correct_activity(p: Partnership, b: Build, a: Actor) -> None:
    activity_id = b.activity(p)
    p.correct_activity(
        activity_id=activity_id,
        changes={
            "kind": "WORKSHOP",
            "practice_area": PracticeArea.AWARENESS_RAISING,
            "title": "Awareness week",
            "description": None,
            "start_date": date(2021, 2, 1),
            "end_date": date(2021, 2, 7),
            "countries": ["NG", "GH"],
            "target_groups": [TargetGroup.GENERAL_PUBLIC],
            "participants": 1200,
            "evidence_urls": ["https://example.org/week", "http://example.org/photos"],
        },
        reason="Was a campaign",
        actor=a,
    )


def _retract(p: Partnership, b: Build, a: Actor) -> None:
    p.retract_activity(activity_id=b.activity(p), reason="Never happened", actor=a)


def _report(p: Partnership, b: Build, _a: Actor) -> None:
    b.outcome(p)
    b.outcome(
        p, unit=None, baseline=None, target=7, actual=None, period_start=None, period_end=None
    )


def _correct_outcome(p: Partnership, b: Build, a: Actor) -> None:
    outcome_id = b.outcome(p)
    p.correct_outcome(
        outcome_id=outcome_id,
        changes={
            "indicator": "Convictions",
            "unit": None,
            "baseline": 0,
            "actual": 14.5,
            "period_start": date(2022, 1, 1),
            "period_end": date(2022, 12, 31),
            "verification": "INDEPENDENT",
            "evidence_urls": [],
        },
        reason="Audited",
        actor=a,
    )


def _lesson(p: Partnership, b: Build, a: Actor) -> None:
    b.lesson(p)
    p.record_lesson(lesson_id=uuid4(), kind=LessonKind.CHALLENGE, text="Turnover.", actor=a)


def _nominate(p: Partnership, _b: Build, a: Actor) -> None:
    p.nominate_best_practice(rationale="Replicable", actor=a)


def _endorse(p: Partnership, b: Build, a: Actor) -> None:
    _nominate(p, b, a)
    p.endorse_best_practice(rationale="Evaluated", actor=a)


def _withdraw(p: Partnership, b: Build, a: Actor) -> None:
    _endorse(p, b, a)
    p.withdraw_endorsement(reason="Evaluation retracted", actor=a)


def _conclude(p: Partnership, _b: Build, a: Actor) -> None:
    p.conclude(end_date=date(2023, 12, 31), summary="Handed over to the national academy.", actor=a)


def _registered(_p: Partnership, _b: Build, _a: Actor) -> None:
    return None


# Each event type and a step that triggers it (after whatever it needs first).
STEPS: dict[str, Step] = {
    "PartnershipRegistered": _registered,
    "PartnershipRevised": _revise,
    "PartnerJoined": _join,
    "ParticipationConfirmed": _confirm,
    "PartnerLeft": _leave,
    "ActivityLogged": _log,
    "ActivityCorrected": _correct_activity,
    "ActivityRetracted": _retract,
    "OutcomeReported": _report,
    "OutcomeCorrected": _correct_outcome,
    "LessonRecorded": _lesson,
    "BestPracticeNominated": _nominate,
    "BestPracticeEndorsed": _endorse,
    "EndorsementWithdrawn": _withdraw,
    "PartnershipConcluded": _conclude,
}


def assert_same_state(copy_: Aggregate, original: Aggregate) -> None:
    # ``==`` compares every attribute; ``repr`` also tells an enum from its name, a tuple
    # from a list and a date from its ISO string, which ``==`` alone would let through.
    assert copy_ == original
    assert repr(copy_) == repr(original)


def test_every_partnership_event_type_has_a_replay_step() -> None:
    event_types = {
        name
        for name, value in vars(Partnership).items()
        if isinstance(value, type) and issubclass(value, Aggregate.Event)
    } - set(vars(Aggregate))  # the library's own base classes, Event and Created
    assert event_types == set(STEPS)


@pytest.mark.parametrize("event_type", list(STEPS))
def test_each_event_type_replays_to_the_same_state(
    event_type: str, build: Build, actor: Actor, replayed: Replay
) -> None:
    partnership = build.partnership(objectives="Investigations", end_date=date(2024, 1, 1))
    STEPS[event_type](partnership, build, actor)
    assert event_type in {type(e).__name__ for e in partnership.pending_events}
    assert_same_state(replayed(partnership), partnership)


def test_a_whole_history_replays_to_the_same_state(
    build: Build, actor: Actor, replayed: Replay
) -> None:
    partnership = build.partnership()
    for event_type, step in STEPS.items():
        # Withdrawing an endorsement nominates and endorses first.
        if event_type not in ("BestPracticeNominated", "BestPracticeEndorsed"):
            step(partnership, build, actor)
    copy_ = replayed(partnership)
    assert_same_state(copy_, partnership)
    assert copy_.status is PartnershipStatus.CONCLUDED
    assert copy_.best_practice is BestPracticeStatus.WITHDRAWN
    assert (copy_.start_date, copy_.end_date) == (date(2020, 2, 1), date(2023, 12, 31))
    assert copy_.memberships == partnership.memberships
    assert copy_.activities == partnership.activities
    assert copy_.outcomes == partnership.outcomes
    assert copy_.lessons == partnership.lessons


def test_a_partner_leaving_without_a_day_replays_to_the_same_day(
    build: Build, actor: Actor, replayed: Replay
) -> None:
    partnership = build.partnership()
    _leave_without_a_day(partnership, build, actor)
    copy_ = replayed(partnership)
    assert (
        copy_.memberships[build.implementer].until
        == partnership.memberships[build.implementer].until
    )
    assert_same_state(copy_, partnership)


# ---------------------------------------------------------------------- random histories
# Each move tries one command with drawn arguments, which may well make it invalid.
Move = Callable[[Partnership, "Build", "Actor", st.DataObject], None]
ORGANISATIONS = [UUID(int=n) for n in range(1, 5)]
days = st.dates(date(2019, 6, 1), date(2026, 6, 1))
maybe_days = st.none() | days
short_text = st.sampled_from(["A", "B", " ", "Lessons learnt"])


def _partner(b: Build, data: st.DataObject) -> UUID:
    organisation: UUID = data.draw(st.sampled_from([*ORGANISATIONS, b.lead, b.implementer]))
    return organisation


def _some_activity(p: Partnership, data: st.DataObject) -> UUID:
    activity_id: UUID = data.draw(st.sampled_from([*p.activities, uuid4()]))
    return activity_id


def _revise_at_random(p: Partnership, _b: Build, a: Actor, data: st.DataObject) -> None:
    changes = {"title": data.draw(short_text), "end_date": data.draw(maybe_days)}
    p.revise(changes=changes, reason="r", actor=a)


def _join_at_random(p: Partnership, b: Build, a: Actor, data: st.DataObject) -> None:
    role = data.draw(st.sampled_from(PartnerRole))
    p.add_partner(
        organisation_id=_partner(b, data), role=role, since=data.draw(maybe_days), actor=a
    )


def _leave_at_random(p: Partnership, b: Build, a: Actor, data: st.DataObject) -> None:
    until = data.draw(maybe_days)
    p.remove_partner(organisation_id=_partner(b, data), until=until, reason="r", actor=a)


def _confirm_at_random(p: Partnership, b: Build, a: Actor, data: st.DataObject) -> None:
    p.confirm_participation(organisation_id=_partner(b, data), actor=a)


def _log_at_random(p: Partnership, b: Build, _a: Actor, data: st.DataObject) -> None:
    participants = data.draw(st.none() | st.integers(-1, 100))
    b.activity(
        p, start_date=data.draw(days), end_date=data.draw(maybe_days), participants=participants
    )


def _correct_activity_at_random(p: Partnership, _b: Build, a: Actor, data: st.DataObject) -> None:
    changes = {"participants": data.draw(st.integers(-1, 100)), "end_date": data.draw(maybe_days)}
    p.correct_activity(activity_id=_some_activity(p, data), changes=changes, reason="r", actor=a)


def _retract_at_random(p: Partnership, _b: Build, a: Actor, data: st.DataObject) -> None:
    p.retract_activity(activity_id=_some_activity(p, data), reason="r", actor=a)


def _report_at_random(p: Partnership, b: Build, _a: Actor, data: st.DataObject) -> None:
    b.outcome(p, actual=data.draw(st.none() | st.floats(-10, 1e3) | st.just(float("nan"))))


def _correct_outcome_at_random(p: Partnership, _b: Build, a: Actor, data: st.DataObject) -> None:
    outcome_id = data.draw(st.sampled_from([*p.outcomes, uuid4()]))
    changes = {"actual": data.draw(st.floats(0, 100)), "period_end": data.draw(maybe_days)}
    p.correct_outcome(outcome_id=outcome_id, changes=changes, reason="r", actor=a)


def _learn_at_random(p: Partnership, b: Build, _a: Actor, data: st.DataObject) -> None:
    b.lesson(p, text=data.draw(short_text))


def _nominate_at_random(p: Partnership, _b: Build, a: Actor, data: st.DataObject) -> None:
    p.nominate_best_practice(rationale=data.draw(short_text), actor=a)


def _endorse_at_random(p: Partnership, _b: Build, a: Actor, data: st.DataObject) -> None:
    p.endorse_best_practice(rationale=data.draw(short_text), actor=a)


def _withdraw_at_random(p: Partnership, _b: Build, a: Actor, data: st.DataObject) -> None:
    p.withdraw_endorsement(reason=data.draw(short_text), actor=a)


def _conclude_at_random(p: Partnership, _b: Build, a: Actor, data: st.DataObject) -> None:
    p.conclude(end_date=data.draw(days), summary=data.draw(short_text), actor=a)


MOVES: list[Move] = [
    _revise_at_random,
    _join_at_random,
    _leave_at_random,
    _confirm_at_random,
    _log_at_random,
    _correct_activity_at_random,
    _retract_at_random,
    _report_at_random,
    _correct_outcome_at_random,
    _learn_at_random,
    _nominate_at_random,
    _endorse_at_random,
    _withdraw_at_random,
    _conclude_at_random,
]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_history_of_commands_replays_to_the_same_state_and_refusals_change_nothing(
    build: Build, actor: Actor, replayed: Replay, data: st.DataObject
) -> None:
    partnership = build.partnership()
    for _ in range(data.draw(st.integers(0, 25), label="length")):
        move = data.draw(st.sampled_from(MOVES), label="move")
        before = copy.deepcopy(partnership)
        try:
            move(partnership, build, actor, data)
        except CommandRejected:
            assert partnership == before
    assert_same_state(replayed(partnership), partnership)


def test_a_deep_copy_of_a_partnership_shares_no_mutable_state(partnership: Partnership) -> None:
    from registry.domain.codelists import LessonKind
    from tests.unit.conftest import ACTOR

    clone = copy.deepcopy(partnership)
    clone.record_lesson(lesson_id=uuid4(), kind=LessonKind.CHALLENGE, text="copy only", actor=ACTOR)
    assert clone.lessons and not partnership.lessons
    assert len(clone.pending_events) == len(partnership.pending_events) + 1
    assert clone.memberships == partnership.memberships
    assert clone.memberships is not partnership.memberships
