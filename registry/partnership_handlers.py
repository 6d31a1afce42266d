"""The partnership commands: load what each needs, check, let the aggregate decide.

Each handler works on a ``UnitOfWork`` that the application saves in one transaction. A
command on an existing partnership loads it, checks the caller's rights on it and the expected
version, then calls the one aggregate method the command names.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, assert_never
from uuid import UUID

from registry import commands as c
from registry import policy
from registry.domain.actor import Actor
from registry.domain.errors import CommandRejected, ErrorCode, Problem
from registry.domain.identifiers import IatiActivityIndex
from registry.domain.organisation import Organisation
from registry.domain.partnership import Partnership
from registry.unit_of_work import Change, NewId, UnitOfWork, check_version


def register_partnership(
    uow: UnitOfWork, actor: Actor, command: c.RegisterPartnership, new_id: NewId
) -> Change:
    policy.authorize_registration(actor, command)
    problems = [
        Problem(
            ErrorCode.NOT_FOUND,
            ("partners", str(i), "organisation_id"),
            "no organisation with this id",
        )
        for i, (org, _role) in enumerate(command.partners)
        if uow.find(org, Organisation) is None
    ]
    identifier = command.iati_identifier
    # One partnership per IATI activity: an activity imported again is no new partnership.
    if (
        identifier is not None
        and uow.find(IatiActivityIndex.id_for(identifier), IatiActivityIndex) is not None
    ):
        problems.append(
            Problem(
                ErrorCode.DUPLICATE,
                ("iati_identifier",),
                "a partnership with this IATI identifier is already registered",
            )
        )
    if problems:
        raise CommandRejected(tuple(problems))
    partnership = Partnership.register(
        id=new_id("partnership"),
        title=command.title,
        summary=command.summary,
        objectives=command.objectives,
        practice_areas=command.practice_areas,
        countries=command.countries,
        regions=command.regions,
        start_date=command.start_date,
        end_date=command.end_date,
        partners=command.partners,
        actor=actor,
        iati_identifier=command.iati_identifier,
    )
    uow.add(partnership)
    if identifier is not None:
        uow.add(IatiActivityIndex.claim(identifier, partnership.id))
    return Change(partnership.id)


def record_iati_version(uow: UnitOfWork, actor: Actor, command: c.RecordIatiVersion) -> Change:
    """Record the version of an IATI activity its partnership now says: writing to the
    partnership, with the rights a revision of it needs."""
    index = uow.get(
        IatiActivityIndex.id_for(command.iati_identifier), IatiActivityIndex, ("iati_identifier",)
    )
    partnership = uow.get(index.partnership_id, Partnership, ("iati_identifier",))
    policy.authorize_partnership_writing(actor, partnership)
    index.record_version(command.last_updated)
    return Change(index.id)


def change_partnership(
    uow: UnitOfWork,
    actor: Actor,
    command: c.PartnershipCommand,
    expected_version: int | None,
    new_id: NewId,
) -> Change:
    partnership = uow.get(command.partnership_id, Partnership, ("partnership_id",))
    policy.authorize_partnership_command(actor, command, partnership)
    check_version(partnership, expected_version)
    entity_id = _decide(uow, partnership, command, actor, new_id)
    return Change(partnership.id, entity_id)


def _decide(
    uow: UnitOfWork,
    p: Partnership,
    command: c.PartnershipCommand,
    actor: Actor,
    new_id: NewId,
) -> UUID | None:
    """Apply ``command`` to ``p``; the id of the entity it creates or names, if it has one."""
    match command:
        case c.RevisePartnership():
            p.revise(changes=dict(command.changes), reason=command.reason, actor=actor)
        case c.AddPartner():
            uow.get(command.organisation_id, Organisation, ("organisation_id",))
            p.add_partner(
                organisation_id=command.organisation_id,
                role=command.role,
                since=command.since,
                actor=actor,
            )
        case c.RemovePartner():
            p.remove_partner(
                organisation_id=command.organisation_id,
                until=command.until,
                reason=command.reason,
                actor=actor,
            )
        case c.ConfirmParticipation():
            p.confirm_participation(organisation_id=command.organisation_id, actor=actor)
        case c.LogActivity():
            activity_id = new_id("activity")
            p.log_activity(activity_id=activity_id, actor=actor, **_values_of(command))
            return activity_id
        case c.CorrectActivity():
            p.correct_activity(
                activity_id=command.activity_id,
                changes=dict(command.changes),
                reason=command.reason,
                actor=actor,
            )
            return command.activity_id
        case c.RetractActivity():
            p.retract_activity(activity_id=command.activity_id, reason=command.reason, actor=actor)
            return command.activity_id
        case c.ReportOutcome():
            outcome_id = new_id("outcome")
            p.report_outcome(outcome_id=outcome_id, actor=actor, **_values_of(command))
            return outcome_id
        case c.CorrectOutcome():
            p.correct_outcome(
                outcome_id=command.outcome_id,
                changes=dict(command.changes),
                reason=command.reason,
                actor=actor,
            )
            return command.outcome_id
        case c.RecordLesson():
            lesson_id = new_id("lesson")
            p.record_lesson(lesson_id=lesson_id, kind=command.kind, text=command.text, actor=actor)
            return lesson_id
        case c.NominateBestPractice():
            p.nominate_best_practice(rationale=command.rationale, actor=actor)
        case c.EndorseBestPractice():
            p.endorse_best_practice(rationale=command.rationale, actor=actor)
        case c.WithdrawEndorsement():
            p.withdraw_endorsement(reason=command.reason, actor=actor)
        case c.ConcludePartnership():
            p.conclude(end_date=command.end_date, summary=command.summary, actor=actor)
        case _:
            assert_never(command)
    return None


def _values_of(command: c.LogActivity | c.ReportOutcome) -> dict[str, Any]:
    """A new entity's fields from its command: all but the partnership's id.

    Shallow, as commands are frozen and hold immutable values.
    """
    return {f.name: getattr(command, f.name) for f in fields(command) if f.name != "partnership_id"}
