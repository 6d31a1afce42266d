"""From mutation inputs to the application's submissions: ids resolved, options checked.

Used by the mutations and by the bulk importer alike, so a line of an import file means exactly
what the mutation of the same name means.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from strawberry import UNSET

from registry import commands as c
from registry.domain.errors import CommandRejected, ErrorCode, Problem
from registry.domain.identifiers import OrganisationIdentifier
from schema import inputs as i
from schema.ids import BadGlobalId, from_global_id

MAX_IDEMPOTENCY_KEY = 200


class _Ids:
    """Resolves global ids, collecting every bad one with its input path."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def get(self, global_id: str, type_name: str, *field: str) -> UUID:
        try:
            return from_global_id(global_id, type_name)
        except BadGlobalId:
            self.problems.append(
                Problem(ErrorCode.NOT_FOUND, field, f"no {type_name.lower()} with id '{global_id}'")
            )
            return UUID(int=0)


def _changes(source: object, names: Iterable[str]) -> dict[str, Any]:
    """The fields a revision names: UNSET means left out, None means cleared."""
    changes: dict[str, Any] = {}
    for name in names:
        value = getattr(source, name)
        if value is UNSET:
            continue
        changes[name] = tuple(value) if isinstance(value, list) else value
    return changes


def _submission(command: c.Command, source: Any, ids: _Ids) -> c.Submission:
    problems = list(ids.problems)
    key: str | None = getattr(source, "idempotency_key", None)
    version: int | None = getattr(source, "expected_version", None)
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        problems.append(
            Problem(
                ErrorCode.VALIDATION_FAILED,
                ("idempotency_key",),
                f"must be 1 to {MAX_IDEMPOTENCY_KEY} characters",
            )
        )
    if version is not None and version < 1:
        problems.append(
            Problem(ErrorCode.VALIDATION_FAILED, ("expected_version",), "versions start at 1")
        )
    if problems:
        raise CommandRejected(tuple(problems))
    return c.Submission(command, expected_version=version, idempotency_key=key)


def register_organisation(source: i.RegisterOrganisationInput) -> c.Submission:
    command = c.RegisterOrganisation(
        name=source.name,
        org_type=source.org_type,
        sector=source.sector,
        country=source.country,
        website=source.website,
        identifiers=tuple(
            OrganisationIdentifier(ref=x.ref, scheme=x.scheme, value=x.value)
            for x in source.identifiers or ()
        ),
    )
    return _submission(command, source, _Ids())


def revise_organisation(source: i.ReviseOrganisationInput) -> c.Submission:
    ids = _Ids()
    command = c.ReviseOrganisation(
        organisation_id=ids.get(source.organisation_id, "Organisation", "organisation_id"),
        changes=_changes(source, ("name", "org_type", "sector", "country", "website")),
        reason=source.reason,
    )
    return _submission(command, source, ids)


def register_partnership(source: i.RegisterPartnershipInput) -> c.Submission:
    ids = _Ids()
    partners = tuple(
        (ids.get(p.organisation_id, "Organisation", "partners", str(n), "organisation_id"), p.role)
        for n, p in enumerate(source.partners)
    )
    command = c.RegisterPartnership(
        title=source.title,
        summary=source.summary,
        objectives=source.objectives,
        practice_areas=tuple(source.practice_areas),
        countries=tuple(source.countries),
        regions=tuple(source.regions or ()),
        start_date=source.start_date,
        end_date=source.end_date,
        partners=partners,
        iati_identifier=source.iati_identifier,
    )
    return _submission(command, source, ids)


def revise_partnership(source: i.RevisePartnershipInput) -> c.Submission:
    ids = _Ids()
    names = ("title", "summary", "objectives", "practice_areas", "countries", "regions")
    command = c.RevisePartnership(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        changes=_changes(source, (*names, "start_date", "end_date")),
        reason=source.reason,
    )
    return _submission(command, source, ids)


def add_partner(source: i.AddPartnerInput) -> c.Submission:
    ids = _Ids()
    command = c.AddPartner(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        organisation_id=ids.get(source.organisation_id, "Organisation", "organisation_id"),
        role=source.role,
        since=source.since,
    )
    return _submission(command, source, ids)


def remove_partner(source: i.RemovePartnerInput) -> c.Submission:
    ids = _Ids()
    command = c.RemovePartner(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        organisation_id=ids.get(source.organisation_id, "Organisation", "organisation_id"),
        until=source.until,
        reason=source.reason,
    )
    return _submission(command, source, ids)


def confirm_participation(source: i.ConfirmParticipationInput) -> c.Submission:
    ids = _Ids()
    command = c.ConfirmParticipation(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        organisation_id=ids.get(source.organisation_id, "Organisation", "organisation_id"),
    )
    return _submission(command, source, ids)


def log_activity(source: i.LogActivityInput) -> c.Submission:
    ids = _Ids()
    command = c.LogActivity(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        kind=source.kind,
        practice_area=source.practice_area,
        title=source.title,
        description=source.description,
        start_date=source.start_date,
        end_date=source.end_date,
        countries=tuple(source.countries or ()),
        target_groups=tuple(source.target_groups or ()),
        participants=source.participants,
        evidence_urls=tuple(source.evidence_urls or ()),
    )
    return _submission(command, source, ids)


def correct_activity(source: i.CorrectActivityInput) -> c.Submission:
    ids = _Ids()
    names = ("kind", "practice_area", "title", "description", "start_date", "end_date")
    command = c.CorrectActivity(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        activity_id=ids.get(source.activity_id, "Activity", "activity_id"),
        changes=_changes(
            source, (*names, "countries", "target_groups", "participants", "evidence_urls")
        ),
        reason=source.reason,
    )
    return _submission(command, source, ids)


def retract_activity(source: i.RetractActivityInput) -> c.Submission:
    ids = _Ids()
    command = c.RetractActivity(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        activity_id=ids.get(source.activity_id, "Activity", "activity_id"),
        reason=source.reason,
    )
    return _submission(command, source, ids)


def report_outcome(source: i.ReportOutcomeInput) -> c.Submission:
    ids = _Ids()
    command = c.ReportOutcome(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        result_level=source.result_level,
        indicator=source.indicator,
        unit=source.unit,
        baseline=source.baseline,
        target=source.target,
        actual=source.actual,
        period_start=source.period_start,
        period_end=source.period_end,
        verification=source.verification,
        evidence_urls=tuple(source.evidence_urls or ()),
    )
    return _submission(command, source, ids)


def correct_outcome(source: i.CorrectOutcomeInput) -> c.Submission:
    ids = _Ids()
    names = ("indicator", "unit", "baseline", "target", "actual", "period_start", "period_end")
    command = c.CorrectOutcome(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        outcome_id=ids.get(source.outcome_id, "Outcome", "outcome_id"),
        changes=_changes(source, (*names, "verification", "evidence_urls")),
        reason=source.reason,
    )
    return _submission(command, source, ids)


def record_lesson(source: i.RecordLessonInput) -> c.Submission:
    ids = _Ids()
    command = c.RecordLesson(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        kind=source.kind,
        text=source.text,
    )
    return _submission(command, source, ids)


def nominate_best_practice(source: i.NominateBestPracticeInput) -> c.Submission:
    ids = _Ids()
    command = c.NominateBestPractice(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        rationale=source.rationale,
    )
    return _submission(command, source, ids)


def endorse_best_practice(source: i.EndorseBestPracticeInput) -> c.Submission:
    ids = _Ids()
    command = c.EndorseBestPractice(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        rationale=source.rationale,
    )
    return _submission(command, source, ids)


def withdraw_endorsement(source: i.WithdrawEndorsementInput) -> c.Submission:
    ids = _Ids()
    command = c.WithdrawEndorsement(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        reason=source.reason,
    )
    return _submission(command, source, ids)


def conclude_partnership(source: i.ConcludePartnershipInput) -> c.Submission:
    ids = _Ids()
    command = c.ConcludePartnership(
        partnership_id=ids.get(source.partnership_id, "Partnership", "partnership_id"),
        end_date=source.end_date,
        summary=source.summary,
    )
    return _submission(command, source, ids)


Builder = Callable[[Any], c.Submission]

# mutation name -> (input class, builder): the one table the mutations and the importer share.
BUILDERS: dict[str, tuple[type[Any], Builder]] = {
    "registerOrganisation": (i.RegisterOrganisationInput, register_organisation),
    "reviseOrganisation": (i.ReviseOrganisationInput, revise_organisation),
    "registerPartnership": (i.RegisterPartnershipInput, register_partnership),
    "revisePartnership": (i.RevisePartnershipInput, revise_partnership),
    "addPartner": (i.AddPartnerInput, add_partner),
    "removePartner": (i.RemovePartnerInput, remove_partner),
    "confirmParticipation": (i.ConfirmParticipationInput, confirm_participation),
    "logActivity": (i.LogActivityInput, log_activity),
    "correctActivity": (i.CorrectActivityInput, correct_activity),
    "retractActivity": (i.RetractActivityInput, retract_activity),
    "reportOutcome": (i.ReportOutcomeInput, report_outcome),
    "correctOutcome": (i.CorrectOutcomeInput, correct_outcome),
    "recordLesson": (i.RecordLessonInput, record_lesson),
    "nominateBestPractice": (i.NominateBestPracticeInput, nominate_best_practice),
    "endorseBestPractice": (i.EndorseBestPracticeInput, endorse_best_practice),
    "withdrawEndorsement": (i.WithdrawEndorsementInput, withdraw_endorsement),
    "concludePartnership": (i.ConcludePartnershipInput, conclude_partnership),
}
