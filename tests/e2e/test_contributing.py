"""Contributors submit every kind of partnership event through GraphQL over HTTP."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import ORGANISATION, PARTNERSHIP, World, partnership_input


def ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload
    assert payload["position"] is not None
    return payload


def test_registering_an_organisation_returns_it_with_its_position(world: World) -> None:
    payload = ok(
        world.api.mutate(
            "registerOrganisation",
            {
                "name": "Université de Lomé",
                "orgType": "ACADEMIC_TRAINING_AND_RESEARCH",
                "sector": "ACADEMIA",
                "country": "TG",
                "website": "https://univ-lome.tg",
            },
            world.admin,
            ORGANISATION,
        )
    )
    organisation = payload["organisation"]
    assert organisation["name"] == "Université de Lomé"
    assert organisation["country"] == {"code": "TG", "name": "Togo"}
    assert organisation["version"] == 1
    assert organisation["website"] == "https://univ-lome.tg"


def test_a_partnership_belongs_to_every_m49_area_of_its_countries(world: World) -> None:
    payload = world.api.post(
        "query($id: ID!) { partnership(id: $id) { regions { code level } } }",
        {"id": world.partnership_id},
    )
    codes = {r["code"] for r in payload["data"]["partnership"]["regions"]}
    assert {"001", "002", "202", "014"} <= codes  # World, Africa, Sub-Saharan, Eastern Africa


def test_revising_an_organisation_changes_only_the_given_fields(world: World) -> None:
    payload = ok(
        world.api.mutate(
            "reviseOrganisation",
            {
                "organisationId": world.ngo_id,
                "website": "https://kct.example.org",
                "reason": "new site",
            },
            world.ngo,
            ORGANISATION,
        )
    )
    assert payload["organisation"]["website"] == "https://kct.example.org"
    assert payload["organisation"]["name"] == "Kenya Cyber Trust"
    assert payload["organisation"]["version"] == 2


def test_the_whole_life_of_a_partnership(world: World) -> None:
    api, pid = world.api, world.partnership_id
    revised = ok(
        api.mutate(
            "revisePartnership",
            {
                "partnershipId": pid,
                "title": "Digital evidence training",
                "reason": "clearer title",
                "expectedVersion": 1,
            },
            world.ngo,
            PARTNERSHIP,
        )
    )
    assert revised["partnership"]["title"] == "Digital evidence training"

    joined = ok(
        api.mutate(
            "addPartner",
            {
                "partnershipId": pid,
                "organisationId": world.firm_id,
                "role": "FUNDER",
                "since": "2024-03-01",
            },
            world.ngo,
            PARTNERSHIP,
        )
    )
    roles = {m["organisation"]["name"]: m["role"] for m in joined["partnership"]["partners"]}
    assert roles == {"Kenya Cyber Trust": "LEAD", "SecureSoft SA": "FUNDER"}

    confirmed = ok(
        api.mutate(
            "confirmParticipation",
            {"partnershipId": pid, "organisationId": world.firm_id},
            world.firm,
            PARTNERSHIP,
        )
    )
    assert [m["confirmed"] for m in confirmed["partnership"]["partners"]] == [False, True]

    logged = ok(
        api.mutate(
            "logActivity",
            {
                "partnershipId": pid,
                "kind": "TRAINING",
                "practiceArea": "CAPACITY_BUILDING",
                "title": "Digital forensics for investigators",
                "startDate": "2024-04-02",
                "endDate": "2024-04-05",
                "countries": ["KE"],
                "targetGroups": ["LAW_ENFORCEMENT", "JUDGES"],
                "participants": 42,
                "evidenceUrls": ["https://example.org/report.pdf"],
            },
            world.firm,
            "activity { id title participants } " + PARTNERSHIP,
        )
    )
    activity = logged["activity"]
    assert activity["participants"] == 42
    assert activity["id"] in [a["id"] for a in logged["partnership"]["activities"]]

    corrected = ok(
        api.mutate(
            "correctActivity",
            {
                "partnershipId": pid,
                "activityId": activity["id"],
                "participants": 40,
                "reason": "two left early",
            },
            world.ngo,
            PARTNERSHIP,
        )
    )
    assert corrected["partnership"]["activities"][0]["participants"] == 40

    second = ok(
        api.mutate(
            "logActivity",
            {
                "partnershipId": pid,
                "kind": "CAMPAIGN",
                "practiceArea": "AWARENESS_RAISING",
                "title": "Phishing awareness week",
                "startDate": "2024-05-01",
            },
            world.ngo,
            "activity { id title }",
        )
    )
    # The payload's activity is the one just logged, not the partnership's first.
    assert second["activity"]["title"] == "Phishing awareness week"
    retracted = ok(
        api.mutate(
            "retractActivity",
            {
                "partnershipId": pid,
                "activityId": second["activity"]["id"],
                "reason": "entered twice",
            },
            world.reviewer,
            PARTNERSHIP,
        )
    )
    assert [a["retracted"] for a in retracted["partnership"]["activities"]] == [False, True]

    reported = ok(
        api.mutate(
            "reportOutcome",
            {
                "partnershipId": pid,
                "resultLevel": "OUTCOME",
                "indicator": "Cases prosecuted with digital evidence",
                "unit": "cases",
                "baseline": 3,
                "target": 20,
                "actual": 17,
                "periodStart": "2024-01-01",
                "periodEnd": "2024-12-31",
                "verification": "INDEPENDENT",
                "evidenceUrls": ["https://example.org/evaluation"],
            },
            world.ngo,
            "outcome { id actual verification }",
        )
    )
    assert reported["outcome"]["actual"] == 17.0

    corrected_outcome = ok(
        api.mutate(
            "correctOutcome",
            {
                "partnershipId": pid,
                "outcomeId": reported["outcome"]["id"],
                "actual": 18,
                "reason": "late report",
            },
            world.ngo,
            PARTNERSHIP,
        )
    )
    assert corrected_outcome["partnership"]["outcomes"][0]["actual"] == 18.0

    lesson = ok(
        api.mutate(
            "recordLesson",
            {
                "partnershipId": pid,
                "kind": "SUCCESS_FACTOR",
                "text": "Judges joined the police training.",
            },
            world.ngo,
            PARTNERSHIP,
        )
    )
    assert lesson["partnership"]["lessons"] == [
        {"kind": "SUCCESS_FACTOR", "text": "Judges joined the police training."}
    ]

    nominated = ok(
        api.mutate(
            "nominateBestPractice",
            {"partnershipId": pid, "rationale": "independent evaluation"},
            world.ngo,
            PARTNERSHIP,
        )
    )
    assert nominated["partnership"]["bestPractice"] == "NOMINATED"
    endorsed = ok(
        api.mutate(
            "endorseBestPractice",
            {"partnershipId": pid, "rationale": "evidence holds"},
            world.reviewer,
            PARTNERSHIP,
        )
    )
    assert endorsed["partnership"]["bestPractice"] == "ENDORSED"
    withdrawn = ok(
        api.mutate(
            "withdrawEndorsement",
            {"partnershipId": pid, "reason": "evaluation disputed"},
            world.reviewer,
            PARTNERSHIP,
        )
    )
    assert withdrawn["partnership"]["bestPractice"] == "WITHDRAWN"

    left = ok(
        api.mutate(
            "removePartner",
            {
                "partnershipId": pid,
                "organisationId": world.firm_id,
                "until": "2024-10-01",
                "reason": "funding ended",
            },
            world.ngo,
            PARTNERSHIP,
        )
    )
    firm = next(m for m in left["partnership"]["partners"] if m["role"] == "FUNDER")
    assert firm["until"] == "2024-10-01"

    concluded = ok(
        api.mutate(
            "concludePartnership",
            {"partnershipId": pid, "endDate": "2024-12-31", "summary": "Trained 40 officers."},
            world.ngo,
            PARTNERSHIP,
        )
    )
    assert concluded["partnership"]["status"] == "CONCLUDED"
    assert concluded["partnership"]["endDate"] == "2024-12-31"
    assert concluded["partnership"]["version"] == 16  # one event per step


def test_positions_grow_with_every_event(world: World) -> None:
    positions = [
        int(
            world.api.mutate(
                "recordLesson",
                {"partnershipId": world.partnership_id, "kind": "CHALLENGE", "text": f"lesson {n}"},
                world.ngo,
            )["position"]
        )
        for n in range(3)
    ]
    assert positions == sorted(positions) and len(set(positions)) == 3


def test_a_contributor_registers_a_partnership_that_includes_its_organisation(world: World) -> None:
    payload = ok(
        world.api.mutate(
            "registerPartnership",
            partnership_input(
                (world.ngo_id, "IMPLEMENTER"), (world.firm_id, "LEAD"), regions=["419"]
            ),
            world.firm,
            PARTNERSHIP,
        )
    )
    assert len(payload["partnership"]["partners"]) == 2
    assert "419" in {r["code"] for r in payload["partnership"]["regions"]}


def test_every_event_records_its_actor_and_server_time(world: World) -> None:
    import asyncio

    import asyncpg

    async def actors() -> list[str]:
        connection = await asyncpg.connect(world.api.address.dsn())
        try:
            rows = await connection.fetch(
                "SELECT convert_from(state, 'UTF8') AS state FROM registry_events"
                " WHERE topic NOT LIKE '%NameIndex%' ORDER BY notification_id"
            )
            return [r["state"] for r in rows]
        finally:
            await connection.close()

    states = asyncio.run(actors())
    assert states and all('"actor"' in s and '"timestamp"' in s for s in states)
    assert '"principal":"ngo"' in states[-1].replace(" ", "")
