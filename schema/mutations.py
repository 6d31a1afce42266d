"""The WRITE section: one mutation per command, each answering with a payload.

Expected failures (bad input, rights, conflicts) come back as ``userErrors``. The node in the
payload is the read model's once this submission's event is projected (a bounded wait), so it
may already include later writes by others; on an idempotent replay, or when the projector is
late, it is the write side's node at exactly this submission's version.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

import strawberry

from projections import queries as q
from projections.runner import wait_for_position
from registry.application import Receipt
from registry.domain.errors import CommandRejected, ErrorCode, Problem
from schema import inputs as i
from schema.context import Info
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


async def _write(info: Info, mutation: str, source: Any) -> Receipt | list[UserError]:
    context = info.context
    if context.actor is None:
        return user_errors((_UNAUTHENTICATED,))
    _input_class, build = BUILDERS[mutation]
    try:
        return await context.gateway.submit(context.actor, build(source))
    except CommandRejected as rejected:
        return user_errors(rejected.problems)


async def _projected(info: Info, receipt: Receipt) -> bool:
    """Wait (bounded) for the read model to show this write; a replay shows the first result."""
    if receipt.replayed:
        return False
    context = info.context
    return await wait_for_position(
        context.pool, receipt.position, context.consistency_timeout, advances=context.advances
    )


async def _organisation_node(info: Info, receipt: Receipt) -> Organisation:
    uuid = receipt.aggregate_id
    if await _projected(info, receipt):
        (record,) = await q.organisations_by_id(info.context.pool, [uuid])
        if record is not None:
            info.context.loaders.forget(uuid)
            return Organisation.of(record)
    # Only now rebuild it from the write side: most payloads never need to.
    written = await info.context.gateway.organisation(uuid, version=receipt.version)
    assert written is not None
    return Organisation.of(written)


async def _partnership_node(info: Info, receipt: Receipt) -> Partnership:
    uuid = receipt.aggregate_id
    if await _projected(info, receipt):
        (record,) = await q.partnerships_by_id(info.context.pool, [uuid])
        if record is not None:
            info.context.loaders.forget(uuid)  # lists loaded earlier in this request are stale
            return Partnership.of(record)
    view = await info.context.gateway.partnership(uuid, version=receipt.version)
    assert view is not None
    return Partnership.of(view.record, view.preloaded)


R = TypeVar("R")


# The entity a write created, by its own id: loading the partnership's whole list to pick it
# made each logActivity cost more than the one before (one partnership, thousands of them).
async def _activity(info: Info, node: Partnership, activity_id: UUID) -> Activity:
    if node.preloaded is not None:  # rebuilt from the write side: the list is at hand
        return Activity.of(next(r for r in node.preloaded.activities if r.id == activity_id))
    (record,) = await q.activities_by_id(info.context.pool, [activity_id])
    return Activity.of(_found(record, activity_id))


async def _outcome(info: Info, node: Partnership, outcome_id: UUID) -> Outcome:
    if node.preloaded is not None:
        return Outcome.of(next(r for r in node.preloaded.outcomes if r.id == outcome_id))
    (record,) = await q.outcomes_by_id(info.context.pool, [outcome_id])
    return Outcome.of(_found(record, outcome_id))


def _found(record: R | None, entity_id: UUID) -> R:
    # The partnership was read at or past the write, so the row is there.
    if record is None:
        raise LookupError(f"{entity_id} is not in the read model that shows its write")
    return record


async def _organisation_payload(info: Info, mutation: str, source: Any) -> OrganisationPayload:
    receipt = await _write(info, mutation, source)
    if isinstance(receipt, list):
        return OrganisationPayload(user_errors=receipt)
    return OrganisationPayload(
        organisation=await _organisation_node(info, receipt), position=str(receipt.position)
    )


async def _partnership_payload(info: Info, mutation: str, source: Any) -> PartnershipPayload:
    receipt = await _write(info, mutation, source)
    if isinstance(receipt, list):
        return PartnershipPayload(user_errors=receipt)
    return PartnershipPayload(
        partnership=await _partnership_node(info, receipt), position=str(receipt.position)
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
        receipt = await _write(info, "logActivity", input)
        if isinstance(receipt, list):
            return LogActivityPayload(user_errors=receipt)
        assert receipt.entity_id is not None
        partnership = await _partnership_node(info, receipt)
        return LogActivityPayload(
            partnership=partnership,
            activity=await _activity(info, partnership, receipt.entity_id),
            position=str(receipt.position),
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
        receipt = await _write(info, "reportOutcome", input)
        if isinstance(receipt, list):
            return ReportOutcomePayload(user_errors=receipt)
        assert receipt.entity_id is not None
        partnership = await _partnership_node(info, receipt)
        return ReportOutcomePayload(
            partnership=partnership,
            outcome=await _outcome(info, partnership, receipt.entity_id),
            position=str(receipt.position),
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
