"""The fictional demo dataset: deterministic, covering, valid, and idempotent when seeded."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import asyncpg

from entrypoints import demo
from entrypoints.web.app import CONSISTENCY_HEADER
from registry import geography
from registry.database import DatabaseAddress
from registry.domain.codelists import (
    ActivityKind,
    LessonKind,
    OrganisationType,
    PracticeArea,
    Sector,
    TargetGroup,
    Verification,
)
from registry.idempotency import keyed_id
from schema.ids import to_global_id
from tests.e2e.conftest import Api

M49_REGIONS = {"002", "019", "142", "150", "009"}

# What each creating command creates: (global id type, keyed_id purpose).
CREATES = {
    "registerOrganisation": ("Organisation", "organisation"),
    "registerPartnership": ("Partnership", "partnership"),
    "logActivity": ("Activity", "activity"),
    "reportOutcome": ("Outcome", "outcome"),
    "recordLesson": ("Lesson", "lesson"),
}
REFERENCES = {
    "organisationId": "Organisation",
    "partnershipId": "Partnership",
    "activityId": "Activity",
    "outcomeId": "Outcome",
}


def _values(enum: Any) -> set[str]:
    return {member.value for member in enum}


def test_the_same_seed_gives_the_same_lines_and_another_seed_other_lines() -> None:
    first = list(demo.lines(40, seed=3))
    assert first == list(demo.lines(40, seed=3))
    other = list(demo.lines(40, seed=4))
    assert other != first
    assert not {line for line in first if "Fictional" in line} & set(other)  # names differ too


def test_the_dataset_covers_every_codelist_value_and_every_region() -> None:
    seen: dict[str, set[str]] = {}

    def saw(kind: str, *values: str) -> None:
        seen.setdefault(kind, set()).update(values)

    for line in demo.commands(30):
        command, input = line["command"], line["input"]
        if command == "registerOrganisation":
            saw("orgType", input["orgType"])
            saw("sector", input["sector"])
            saw("region", *(a.code for a in geography.areas_of_country(input["country"])))
        elif command == "registerPartnership":
            saw("practiceArea", *input["practiceAreas"])
            saw(
                "region",
                *(a.code for c in input["countries"] for a in geography.areas_of_country(c)),
            )
        elif command == "logActivity":
            saw("kind", input["kind"])
            saw("targetGroup", *input["targetGroups"])
        elif command == "reportOutcome":
            saw("verification", input["verification"])
            saw("resultLevel", input["resultLevel"])
        elif command == "recordLesson":
            saw("lessonKind", input["kind"])
        saw("command", command)
    assert seen["orgType"] == _values(OrganisationType)
    assert seen["sector"] == _values(Sector)
    assert seen["practiceArea"] == _values(PracticeArea)
    assert seen["kind"] == _values(ActivityKind)
    assert seen["targetGroup"] == _values(TargetGroup)
    assert seen["verification"] == _values(Verification)
    assert seen["lessonKind"] == _values(LessonKind)
    assert seen["resultLevel"] == {"OUTPUT", "OUTCOME", "IMPACT"}
    assert seen["region"] >= M49_REGIONS
    assert {
        "confirmParticipation",
        "correctActivity",
        "retractActivity",
        "correctOutcome",
        "revisePartnership",
        "nominateBestPractice",
        "endorseBestPractice",
        "withdrawEndorsement",
        "concludePartnership",
    } <= seen["command"]


def test_every_line_is_keyed_refers_only_to_earlier_lines_and_is_plainly_fictional() -> None:
    created: set[str] = set()
    keys: set[str] = set()
    concluded: set[str] = set()
    commands = Counter[str]()
    for line in demo.commands(60, seed=1):
        command, input = line["command"], line["input"]
        commands[command] += 1
        key = input["idempotencyKey"]
        assert key.startswith("demo-1-") and key not in keys
        keys.add(key)
        references = [input[field] for field in REFERENCES if field in input]
        references += [p["organisationId"] for p in input.get("partners", [])]
        assert all(r in created for r in references), line
        assert input.get("partnershipId") not in concluded, "nothing happens after a conclusion"
        if command in CREATES:
            type_name, purpose = CREATES[command]
            created.add(to_global_id(type_name, keyed_id(demo.SCOPE, key, purpose)))
        if command == "registerOrganisation":
            assert input["name"].startswith("Fictional ") and input["name"].endswith(")")
        if command == "registerPartnership":
            roles = [p["role"] for p in input["partners"]]
            assert roles.count("LEAD") == 1 and 1 <= len(roles) <= 4
            assert 1 <= len(input["countries"]) <= 3
            assert "2015-01-01" <= input["startDate"] <= "2024-12-31"
        if command == "concludePartnership":
            concluded.add(input["partnershipId"])
            assert input["endDate"] <= "2025-12-31"
        text = demo.encode(line)
        assert "@" not in text
        assert all(u.startswith("https://example.org/") for u in input.get("evidenceUrls", []))
    nominated = commands["nominateBestPractice"]
    assert 0.07 * 60 <= nominated <= 0.13 * 60
    assert commands["withdrawEndorsement"] < commands["endorseBestPractice"] <= nominated


def _head(address: DatabaseAddress) -> int:
    async def head() -> int:
        connection = await asyncpg.connect(address.dsn())
        try:
            value: int = await connection.fetchval(
                "SELECT coalesce(max(notification_id), 0) FROM registry_events"
            )
            return value
        finally:
            await connection.close()

    return asyncio.run(head())


def test_seeding_rejects_nothing_appends_nothing_twice_and_shows_through_graphql(
    cli: Any, api: Api
) -> None:
    lines = sum(1 for _ in demo.commands(30))
    code, out, _err = cli("seed", "--partnerships", "30", "--quiet")
    assert code == 0, out
    assert f"{lines} lines: {lines} applied, 0 already there, 0 rejected" in out
    events = api.event_count()
    assert events > lines  # an organisation is two events: itself and its name's claim

    code, out, _err = cli("seed", "--partnerships", "30", "--quiet")
    assert code == 0, out
    assert f"0 applied, {lines} already there, 0 rejected; 0 events appended" in out
    assert api.event_count() == events

    partnership = to_global_id("Partnership", keyed_id(demo.SCOPE, "demo-0-pp-0", "partnership"))
    response = api.http.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { partnership(id: $id) { title practiceAreas"
            " partners { role organisation { name } } activities { kind } } }",
            "variables": {"id": partnership},
        },
        headers={CONSISTENCY_HEADER: str(_head(api.address))},
    )
    found = response.json()["data"]["partnership"]
    assert found is not None, response.json()
    assert found["practiceAreas"][0] == "CAPACITY_BUILDING"
    assert [p["role"] for p in found["partners"]].count("LEAD") == 1
    assert all(p["organisation"]["name"].startswith("Fictional") for p in found["partners"])
    assert found["activities"]


def test_confirmations_are_made_with_the_organisations_own_tokens(cli: Any, api: Api) -> None:
    assert cli("seed", "--partnerships", "20", "--quiet")[0] == 0
    confirmation = next(
        line["input"] for line in demo.commands(20) if line["command"] == "confirmParticipation"
    )
    response = api.http.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { partnership(id: $id) {"
            " partners { confirmed organisation { id name } } } }",
            "variables": {"id": confirmation["partnershipId"]},
        },
        headers={CONSISTENCY_HEADER: str(_head(api.address))},
    )
    partners = response.json()["data"]["partnership"]["partners"]
    (confirmed,) = [
        p for p in partners if p["organisation"]["id"] == confirmation["organisationId"]
    ]
    assert confirmed["confirmed"] is True

    async def token_names() -> dict[str, str]:
        connection = await asyncpg.connect(api.address.dsn())
        try:
            rows = await connection.fetch("SELECT name, role FROM registry_tokens")
            return {row["name"]: row["role"] for row in rows}
        finally:
            await connection.close()

    names = asyncio.run(token_names())
    assert names["demo-seeder"] == "admin"
    assert names[f"demo-seeder for {confirmed['organisation']['name']}"] == "contributor"
