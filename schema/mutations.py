"""The WRITE section: one mutation per command, each answering with a payload.

Expected failures (bad input, rights, conflicts) come back as ``userErrors``. The node in the
payload is the read model's once this submission's event is projected (a bounded wait), so it
may already include later writes by others; on an idempotent replay, or when the projector is
late, it is the write side's node at exactly this submission's version.
"""

from __future__ import annotations

from typing import Any

import strawberry

from projections import queries as q
from projections.runner import wait_for_position
from registry.domain.errors import CommandRejected, ErrorCode, Problem
from schema import inputs as i
from schema.context import Info
from schema.gateway import Written
from schema.submissions import BUILDERS
from schema.types import Activity, Organisation, Outcome, Partnership, UserError, user_errors


@strawberry.type
class OrganisationPayload:
    organisation: Organisation | None = None
    position: str | None = strawberry.field(default=None, description="Log position of the event.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PartnershipPayload:
    partnership: Partnership | None = None
    position: str | None = strawberry.field(default=None, description="Log position of the event.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogActivityPayload:
    partnership: Partnership | None = None
    activity: Activity | None = None
    position: str | None = strawberry.field(default=None, description="Log position of the event.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReportOutcomePayload:
    partnership: Partnership | None = None
    outcome: Outcome | None = None
    position: str | None = strawberry.field(default=None, description="Log position of the event.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


_UNAUTHENTICATED = Problem(
    ErrorCode.UNAUTHENTICATED, (), "send 'Authorization: Bearer <token>' to write"
)


async def _write(info: Info, mutation: str, source: Any) -> Written | list[UserError]:
    context = info.context
    if context.actor is None:
        return user_errors((_UNAUTHENTICATED,))
    _input_class, build = BUILDERS[mutation]
    try:
        return await context.gateway.submit(context.actor, build(source))
    except CommandRejected as rejected:
        return user_errors(rejected.problems)


async def _projected(info: Info, written: Written) -> bool:
    """Wait (bounded) for the read model to show this write; a replay shows the first result."""
    if written.receipt.replayed:
        return False
    context = info.context
    return await wait_for_position(
        context.pool,
        written.receipt.position,
        context.consistency_timeout,
        advances=context.advances,
    )


async def _organisation_node(info: Info, written: Written) -> Organisation:
    uuid = written.receipt.aggregate_id
    if await _projected(info, written):
        (record,) = await q.organisations_by_id(info.context.pool, [uuid])
        if record is not None:
            info.context.loaders.forget(uuid)
            return Organisation.of(record)
    assert written.organisation is not None
    return Organisation.of(written.organisation)


async def _partnership_node(info: Info, written: Written) -> Partnership:
    uuid = written.receipt.aggregate_id
    if await _projected(info, written):
        (record,) = await q.partnerships_by_id(info.context.pool, [uuid])
        if record is not None:
            info.context.loaders.forget(uuid)  # lists loaded earlier in this request are stale
            return Partnership.of(record)
    assert written.partnership is not None
    return Partnership.of(written.partnership.record, written.partnership.preloaded)


async def _organisation_payload(info: Info, mutation: str, source: Any) -> OrganisationPayload:
    written = await _write(info, mutation, source)
    if isinstance(written, list):
        return OrganisationPayload(user_errors=written)
    return OrganisationPayload(
        organisation=await _organisation_node(info, written),
        position=str(written.receipt.position),
    )


async def _partnership_payload(info: Info, mutation: str, source: Any) -> PartnershipPayload:
    written = await _write(info, mutation, source)
    if isinstance(written, list):
        return PartnershipPayload(user_errors=written)
    return PartnershipPayload(
        partnership=await _partnership_node(info, written),
        position=str(written.receipt.position),
    )


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def register_organisation(
        self, info: Info, input: i.RegisterOrganisationInput
    ) -> OrganisationPayload:
        return await _organisation_payload(info, "registerOrganisation", input)

    @strawberry.mutation
    async def revise_organisation(
        self, info: Info, input: i.ReviseOrganisationInput
    ) -> OrganisationPayload:
        return await _organisation_payload(info, "reviseOrganisation", input)

    @strawberry.mutation
    async def register_partnership(
        self, info: Info, input: i.RegisterPartnershipInput
    ) -> PartnershipPayload:
        return await _partnership_payload(info, "registerPartnership", input)

    @strawberry.mutation
    async def revise_partnership(
        self, info: Info, input: i.RevisePartnershipInput
    ) -> PartnershipPayload:
        return await _partnership_payload(info, "revisePartnership", input)

    @strawberry.mutation
    async def add_partner(self, info: Info, input: i.AddPartnerInput) -> PartnershipPayload:
        return await _partnership_payload(info, "addPartner", input)

    @strawberry.mutation
    async def remove_partner(self, info: Info, input: i.RemovePartnerInput) -> PartnershipPayload:
        return await _partnership_payload(info, "removePartner", input)

    @strawberry.mutation
    async def confirm_participation(
        self, info: Info, input: i.ConfirmParticipationInput
    ) -> PartnershipPayload:
        return await _partnership_payload(info, "confirmParticipation", input)

    @strawberry.mutation
    async def log_activity(self, info: Info, input: i.LogActivityInput) -> LogActivityPayload:
        written = await _write(info, "logActivity", input)
        if isinstance(written, list):
            return LogActivityPayload(user_errors=written)
        assert written.partnership is not None and written.receipt.entity_id is not None
        activity_id = written.receipt.entity_id
        activity = next(a for a in written.partnership.preloaded.activities if a.id == activity_id)
        return LogActivityPayload(
            partnership=await _partnership_node(info, written),
            activity=Activity.of(activity),
            position=str(written.receipt.position),
        )

    @strawberry.mutation
    async def correct_activity(
        self, info: Info, input: i.CorrectActivityInput
    ) -> PartnershipPayload:
        return await _partnership_payload(info, "correctActivity", input)

    @strawberry.mutation
    async def retract_activity(
        self, info: Info, input: i.RetractActivityInput
    ) -> PartnershipPayload:
        return await _partnership_payload(info, "retractActivity", input)

    @strawberry.mutation
    async def report_outcome(self, info: Info, input: i.ReportOutcomeInput) -> ReportOutcomePayload:
        written = await _write(info, "reportOutcome", input)
        if isinstance(written, list):
            return ReportOutcomePayload(user_errors=written)
        assert written.partnership is not None and written.receipt.entity_id is not None
        outcome_id = written.receipt.entity_id
        outcome = next(o for o in written.partnership.preloaded.outcomes if o.id == outcome_id)
        return ReportOutcomePayload(
            partnership=await _partnership_node(info, written),
            outcome=Outcome.of(outcome),
            position=str(written.receipt.position),
        )

    @strawberry.mutation
    async def correct_outcome(self, info: Info, input: i.CorrectOutcomeInput) -> PartnershipPayload:
        return await _partnership_payload(info, "correctOutcome", input)

    @strawberry.mutation
    async def record_lesson(self, info: Info, input: i.RecordLessonInput) -> PartnershipPayload:
        return await _partnership_payload(info, "recordLesson", input)

    @strawberry.mutation
    async def nominate_best_practice(
        self, info: Info, input: i.NominateBestPracticeInput
    ) -> PartnershipPayload:
        return await _partnership_payload(info, "nominateBestPractice", input)

    @strawberry.mutation
    async def endorse_best_practice(
        self, info: Info, input: i.EndorseBestPracticeInput
    ) -> PartnershipPayload:
        return await _partnership_payload(info, "endorseBestPractice", input)

    @strawberry.mutation
    async def withdraw_endorsement(
        self, info: Info, input: i.WithdrawEndorsementInput
    ) -> PartnershipPayload:
        return await _partnership_payload(info, "withdrawEndorsement", input)

    @strawberry.mutation
    async def conclude_partnership(
        self, info: Info, input: i.ConcludePartnershipInput
    ) -> PartnershipPayload:
        return await _partnership_payload(info, "concludePartnership", input)
