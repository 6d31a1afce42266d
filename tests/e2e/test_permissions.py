"""Who may do what, through HTTP: every mutation for every kind of caller.

The matrix below is the rule book of ``registry/policy.py`` written out: a row per mutation, a
column per caller. Each cell is one test that prepares what the mutation needs (with the admin
token), sends it as that caller, and checks the payload and the event log: a success appends
its events, a refusal appends nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from entrypoints.cli import main
from registry import tokens
from registry.domain.actor import Role
from schema.ids import from_global_id
from tests.e2e.conftest import Api, World, partnership_input, register_organisation

OK = "OK"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"

# anonymous: no token; member/outsider: a contributor of the partnership's (LEAD) organisation
# and of an organisation outside it; revoked: a revoked token that would otherwise be allowed.
ROLES = ("anonymous", "admin", "reviewer", "member", "outsider", "revoked")
UN, NO = UNAUTHENTICATED, FORBIDDEN

# fmt: off
MATRIX: dict[str, tuple[str, str, str, str, str, str]] = {
    #                       anonymous admin reviewer member outsider revoked
    "registerOrganisation": (UN,      OK,   NO,      OK,    OK,      UN),
    "reviseOrganisation":   (UN,      OK,   NO,      OK,    NO,      UN),
    "registerPartnership":  (UN,      OK,   NO,      OK,    NO,      UN),
    "revisePartnership":    (UN,      OK,   NO,      OK,    NO,      UN),
    "addPartner":           (UN,      OK,   NO,      OK,    NO,      UN),
    "removePartner":        (UN,      OK,   NO,      OK,    NO,      UN),
    "confirmParticipation": (UN,      NO,   NO,      OK,    NO,      UN),
    "logActivity":          (UN,      OK,   NO,      OK,    NO,      UN),
    "correctActivity":      (UN,      OK,   NO,      OK,    NO,      UN),
    "retractActivity":      (UN,      OK,   OK,      OK,    NO,      UN),
    "reportOutcome":        (UN,      OK,   NO,      OK,    NO,      UN),
    "correctOutcome":       (UN,      OK,   NO,      OK,    NO,      UN),
    "recordLesson":         (UN,      OK,   NO,      OK,    NO,      UN),
    "nominateBestPractice": (UN,      OK,   NO,      OK,    NO,      UN),
    "endorseBestPractice":  (UN,      OK,   OK,      NO,    NO,      UN),
    "withdrawEndorsement":  (UN,      OK,   OK,      NO,    NO,      UN),
    "concludePartnership":  (UN,      OK,   NO,      OK,    NO,      UN),
}
# fmt: on

CASES = [
    pytest.param(mutation, role, expected, id=f"{mutation}-{role}")
    for mutation, row in MATRIX.items()
    for role, expected in zip(ROLES, row, strict=True)
]

# Events a successful submission appends: registering an organisation also claims its name.
EVENTS = {"registerOrganisation": 2}


# ---------------------------------------------------------------------- preparation (as admin)
def _ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload
    return payload


def _log_activity(world: World) -> str:
    payload = world.api.mutate(
        "logActivity",
        {
            "partnershipId": world.partnership_id,
            "kind": "TRAINING",
            "practiceArea": "CAPACITY_BUILDING",
            "title": "Digital forensics for investigators",
            "startDate": "2024-04-02",
            "participants": 42,
        },
        world.admin,
        "activity { id }",
    )
    activity_id: str = _ok(payload)["activity"]["id"]
    return activity_id


def _report_outcome(world: World) -> str:
    payload = world.api.mutate(
        "reportOutcome",
        {
            "partnershipId": world.partnership_id,
            "resultLevel": "OUTPUT",
            "indicator": "Officers trained",
            "verification": "SELF_REPORTED",
            "actual": 40,
        },
        world.admin,
        "outcome { id }",
    )
    outcome_id: str = _ok(payload)["outcome"]["id"]
    return outcome_id


def _admin(world: World, mutation: str, **input: Any) -> None:
    _ok(world.api.mutate(mutation, {"partnershipId": world.partnership_id, **input}, world.admin))


def _second_partner(world: World) -> str:
    organisation_id = register_organisation(world.api, world.admin, "Cyber Academy Nairobi")
    _admin(world, "addPartner", organisationId=organisation_id, role="IMPLEMENTER")
    return organisation_id


def _endorse(world: World) -> dict[str, Any]:
    _admin(world, "nominateBestPractice", rationale="independent evaluation")
    return {"rationale": "evidence holds"}


def _withdraw(world: World) -> dict[str, Any]:
    _admin(world, "endorseBestPractice", **_endorse(world))
    return {"reason": "evaluation disputed"}


Prepare = Callable[[World], dict[str, Any]]

# mutation -> prepares the state it needs and returns the input to send (partnershipId added).
PREPARE: dict[str, Prepare] = {
    "registerOrganisation": lambda w: {
        "name": "Université de Lomé",
        "orgType": "ACADEMIC_TRAINING_AND_RESEARCH",
        "sector": "ACADEMIA",
        "country": "TG",
    },
    "reviseOrganisation": lambda w: {
        "organisationId": w.ngo_id,
        "website": "https://kct.example.org",
        "reason": "new site",
    },
    "registerPartnership": lambda w: partnership_input(
        (w.ngo_id, "LEAD"), title="Phishing awareness in Nairobi schools"
    ),
    "revisePartnership": lambda w: {"title": "Digital evidence training", "reason": "clearer"},
    "addPartner": lambda w: {"organisationId": w.firm_id, "role": "FUNDER"},
    "removePartner": lambda w: {"organisationId": _second_partner(w), "reason": "funding ended"},
    "confirmParticipation": lambda w: {"organisationId": w.ngo_id},
    "logActivity": lambda w: {
        "kind": "WORKSHOP",
        "practiceArea": "POLICY_DEVELOPMENT",
        "title": "Drafting a cybercrime bill",
        "startDate": "2024-05-02",
    },
    "correctActivity": lambda w: {
        "activityId": _log_activity(w),
        "participants": 40,
        "reason": "two left early",
    },
    "retractActivity": lambda w: {"activityId": _log_activity(w), "reason": "entered twice"},
    "reportOutcome": lambda w: {
        "resultLevel": "OUTCOME",
        "indicator": "Cases prosecuted with digital evidence",
        "verification": "INDEPENDENT",
        "actual": 17,
    },
    "correctOutcome": lambda w: {
        "outcomeId": _report_outcome(w),
        "actual": 41,
        "reason": "late report",
    },
    "recordLesson": lambda w: {"kind": "CHALLENGE", "text": "Judges joined late."},
    "nominateBestPractice": lambda w: {"rationale": "independent evaluation"},
    "endorseBestPractice": _endorse,
    "withdrawEndorsement": _withdraw,
    "concludePartnership": lambda w: {"endDate": "2024-12-31", "summary": "Trained 40 officers."},
}

_NO_PARTNERSHIP_ID = ("registerOrganisation", "reviseOrganisation", "registerPartnership")


def prepare(world: World, mutation: str) -> dict[str, Any]:
    input = PREPARE[mutation](world)
    if mutation in _NO_PARTNERSHIP_ID:
        return input
    return {"partnershipId": world.partnership_id, **input}


# ---------------------------------------------------------------------- tokens
async def _connect(api: Api) -> asyncpg.Connection[Any]:
    connection: asyncpg.Connection[Any] = await asyncpg.connect(api.address.dsn())
    await tokens.ensure_schema(connection)
    return connection


def create_token(api: Api, role: str, organisation: str | None = None) -> tuple[UUID, str]:
    """A live token's id and secret (``Api.token`` gives the secret only)."""
    organisation_id = from_global_id(organisation, "Organisation") if organisation else None

    async def create() -> tuple[UUID, str]:
        connection = await _connect(api)
        try:
            record, secret = await tokens.create_token(
                connection,
                name=f"{role}-to-revoke",
                role=Role(role),
                organisation_id=organisation_id,
            )
            return record.id, secret
        finally:
            await connection.close()

    return asyncio.run(create())


def revoked_token(api: Api, role: str, organisation: str | None = None) -> str:
    token_id, secret = create_token(api, role, organisation)

    async def revoke() -> None:
        connection = await _connect(api)
        try:
            assert await tokens.revoke_token(connection, token_id)
        finally:
            await connection.close()

    asyncio.run(revoke())
    return secret


def token_for(world: World, role: str, mutation: str) -> str | None:
    if role == "revoked":
        # Revoke a token that would be allowed, so only the revocation can refuse it.
        if mutation == "confirmParticipation":
            return revoked_token(world.api, "contributor", world.ngo_id)
        return revoked_token(world.api, "admin")
    tokens_by_role = {
        "anonymous": None,
        "admin": world.admin,
        "reviewer": world.reviewer,
        "member": world.ngo,
        "outsider": world.firm,
    }
    return tokens_by_role[role]


# ---------------------------------------------------------------------- checks
def assert_outcome(payload: dict[str, Any], expected: str) -> None:
    """``payload`` ended as ``expected``, and appended events only on success."""
    if expected == OK:
        assert payload["userErrors"] == [], payload
        assert payload["position"] is not None
    else:
        assert [e["code"] for e in payload["userErrors"]] == [expected], payload
        assert payload["userErrors"][0]["field"] is None  # who may act is no field's fault
        assert payload["userErrors"][0]["message"]
        assert payload["position"] is None


@pytest.mark.parametrize(("mutation", "role", "expected"), CASES)
def test_the_permission_matrix(world: World, mutation: str, role: str, expected: str) -> None:
    input = prepare(world, mutation)
    token = token_for(world, role, mutation)
    before = world.api.event_count()

    payload = world.api.mutate(mutation, input, token)

    assert_outcome(payload, expected)
    appended = EVENTS.get(mutation, 1) if expected == OK else 0
    assert world.api.event_count() == before + appended


def test_the_matrix_covers_every_mutation_of_the_contract() -> None:
    from schema.submissions import BUILDERS

    assert set(MATRIX) == set(BUILDERS) == set(PREPARE)
    assert len(CASES) == 17 * 6


# ---------------------------------------------------------------------- beyond the matrix
def test_a_contributor_revises_its_own_organisation_but_no_other(world: World) -> None:
    own = {"organisationId": world.firm_id, "website": "https://securesoft.fr", "reason": "site"}
    assert world.api.mutate("reviseOrganisation", own, world.firm)["userErrors"] == []
    other = {**own, "organisationId": world.ngo_id}
    before = world.api.event_count()
    payload = world.api.mutate("reviseOrganisation", other, world.firm)
    assert payload["userErrors"][0]["code"] == FORBIDDEN
    assert world.api.event_count() == before


def test_only_the_confirming_organisation_may_confirm_even_among_partners(world: World) -> None:
    _admin(world, "addPartner", organisationId=world.firm_id, role="FUNDER")
    confirm = {"partnershipId": world.partnership_id, "organisationId": world.firm_id}
    before = world.api.event_count()
    for other in (world.ngo, world.admin, world.reviewer):  # a fellow partner, then the curators
        payload = world.api.mutate("confirmParticipation", confirm, other)
        assert payload["userErrors"][0]["code"] == FORBIDDEN, payload
    assert world.api.event_count() == before
    assert world.api.mutate("confirmParticipation", confirm, world.firm)["userErrors"] == []
    assert world.api.event_count() == before + 1


def test_a_former_partner_may_no_longer_write(world: World) -> None:
    _admin(world, "addPartner", organisationId=world.firm_id, role="FUNDER", since="2024-02-01")
    lesson = {"partnershipId": world.partnership_id, "kind": "CHALLENGE", "text": "Slow start."}
    assert world.api.mutate("recordLesson", lesson, world.firm)["userErrors"] == []
    _admin(world, "removePartner", organisationId=world.firm_id, reason="funding ended")
    before = world.api.event_count()
    payload = world.api.mutate("recordLesson", lesson, world.firm)
    assert payload["userErrors"][0]["code"] == FORBIDDEN
    assert world.api.event_count() == before


def test_a_contributor_may_not_register_a_partnership_of_others_only(world: World) -> None:
    input = partnership_input((world.ngo_id, "LEAD"), (world.firm_id, "FUNDER"))
    assert world.api.mutate("registerPartnership", input, world.firm)["userErrors"] == []
    third = register_organisation(world.api, world.admin, "Cyber Academy Nairobi")
    before = world.api.event_count()
    payload = world.api.mutate(
        "registerPartnership", partnership_input((third, "LEAD")), world.firm
    )
    assert payload["userErrors"][0]["code"] == FORBIDDEN
    assert world.api.event_count() == before


def test_a_token_revoked_through_the_cli_stops_working_at_once(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token_id, secret = create_token(world.api, "contributor", world.ngo_id)
    lesson = {"partnershipId": world.partnership_id, "kind": "CHALLENGE", "text": "One."}
    assert world.api.mutate("recordLesson", lesson, secret)["userErrors"] == []

    monkeypatch.setenv("DATABASE_URL", world.api.address.dsn())
    assert main(["token", "revoke", str(token_id)]) == 0
    assert f"revoked token {token_id}" in capsys.readouterr().out

    before = world.api.event_count()
    payload = world.api.mutate("recordLesson", {**lesson, "text": "Two."}, secret)
    assert payload["userErrors"][0]["code"] == UNAUTHENTICATED
    assert world.api.event_count() == before
