"""Two apps over one seeded read model: compiled reads on, and off (the resolver path)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
import pytest
from starlette.testclient import TestClient

from entrypoints import seeding
from entrypoints.web.app import create_app
from projections.rebuild import rebuild
from registry import tokens
from registry.application import Registry
from registry.database import DatabaseAddress
from registry.domain.actor import Role
from registry.settings import Settings
from tests.postgres import scratch_database

PARTNERSHIPS = 40
# Titles whose cursors and JSON need escaping: quotes, backslashes, control characters,
# characters outside the BMP, and one long enough for base64's line breaks.
ODD_TITLES = (
    'Quotes " and \\ backslashes, a tab\there and a new\nline',
    "Ünïcödé — 𝄞 ☃ title in \u2018curly\u2019 quotes " + "long " * 30,
)


@dataclass
class Apps:
    compiled: TestClient
    resolvers: TestClient
    address: DatabaseAddress
    samples: dict[str, list[Any]]  # ids, cursors... the generator draws arguments from

    def both(self, query: str, variables: dict[str, Any] | None = None) -> tuple[Any, Any]:
        body = {"query": query, "variables": variables or {}}
        one = self.compiled.post("/graphql", json=body)
        two = self.resolvers.post("/graphql", json=body)
        return (one.status_code, one.json()), (two.status_code, two.json())


def _seed(address: DatabaseAddress) -> None:
    registry = Registry(env=address.eventsourcing_env())
    try:
        report = seeding.seed_demo(registry, address, partnerships=PARTNERSHIPS)
    finally:
        registry.close()
    assert not report.rejected, report.rejected[:3]
    asyncio.run(rebuild(address.dsn()))


def _admin_token(address: DatabaseAddress) -> str:
    async def create() -> str:
        connection = await asyncpg.connect(address.dsn())
        try:
            await tokens.ensure_schema(connection)
            _record, secret = await tokens.create_token(
                connection, name="compiler tests", role=Role.ADMIN, organisation_id=None
            )
            return secret
        finally:
            await connection.close()

    return asyncio.run(create())


def _mutate(
    http: TestClient,
    token: str,
    name: str,
    input: dict[str, Any],
    selection: str = "partnership { id }",
) -> dict[str, Any]:
    input_type = name[0].upper() + name[1:] + "Input"
    body = http.post(
        "/graphql",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "query": f"mutation($in: {input_type}!) {{ {name}(input: $in)"
            f" {{ position userErrors {{ message }} {selection} }} }}",
            "variables": {"in": input},
        },
    ).json()
    payload: dict[str, Any] = body["data"][name]
    assert payload["userErrors"] == [], payload
    # Read your writes: the next read waits for the projector to reach it.
    http.post(
        "/graphql",
        headers={"Registry-Consistent-With": payload["position"]},
        json={"query": "{ __typename }"},
    )
    return payload


def _add_odd_partnerships(http: TestClient, token: str) -> None:
    """Partnerships with what the demo data lacks: odd titles, a country outside M49, a
    partner with a start date, outcomes with every optional field and with none, IATI
    activity identifiers, and a partner with identifiers of both forms."""
    edges = http.post(
        "/graphql", json={"query": "{ organisations(first: 3) { edges { node { id } } } }"}
    ).json()["data"]["organisations"]["edges"]
    lead, other, _third = (e["node"]["id"] for e in edges)
    identified = _mutate(
        http,
        token,
        "registerOrganisation",
        {
            "name": "Identified Fund",
            "orgType": "FOUNDATION",
            "sector": "CIVIL_SOCIETY",
            "country": "CH",
            "identifiers": [{"ref": "XI-IATI-IDF"}, {"scheme": "CH-FDJP", "value": "12'3"}],
        },
        "organisation { id }",
    )["organisation"]["id"]
    for number, title in enumerate(ODD_TITLES, start=1):
        payload = _mutate(
            http,
            token,
            "registerPartnership",
            {
                "title": title,
                "summary": "An odd title.",
                "practiceAreas": ["RESEARCH"],
                "countries": ["TW" if "Quotes" in title else "KE"],
                "startDate": "2024-01-15",
                "partners": [{"organisationId": lead, "role": "LEAD"}],
                "iatiIdentifier": f"XM-DAC-41114-ODD-{number}",
            },
        )
    partnership = payload["partnership"]["id"]
    _mutate(
        http,
        token,
        "addPartner",
        {
            "partnershipId": partnership,
            "organisationId": other,
            "role": "FUNDER",
            "since": "2024-02-01",
        },
    )
    _mutate(
        http,
        token,
        "addPartner",
        {"partnershipId": partnership, "organisationId": identified, "role": "BENEFICIARY"},
    )
    _mutate(
        http,
        token,
        "reportOutcome",
        {
            "partnershipId": partnership,
            "resultLevel": "OUTCOME",
            "indicator": "Trained",
            "verification": "INDEPENDENT",
            "unit": "people",
            "baseline": 0,
            "target": 120.5,
            "actual": 99,
            "periodStart": "2024-01-01",
            "periodEnd": "2024-06-30",
            "evidenceUrls": ["https://example.org/report"],
        },
    )
    _mutate(
        http,
        token,
        "reportOutcome",
        {
            "partnershipId": partnership,
            "resultLevel": "OUTPUT",
            "indicator": "Bare",
            "verification": "SELF_REPORTED",
        },
    )


_SAMPLES = """{
  partnerships(first: 100) { edges { node { id partners { organisation { id } } } } }
  byTitle: partnerships(first: 7, orderBy: TITLE_ASC) { edges { cursor } }
  byCreated: partnerships(first: 7, orderBy: CREATED_AT_ASC) { edges { cursor } }
  byUpdated: partnerships(first: 7, orderBy: UPDATED_AT_DESC) { edges { cursor } }
  newest: partnerships(first: 7) { edges { cursor } }
  organisations(first: 9) { edges { cursor node { id } } }
  caseStudies(first: 5) { edges { cursor node { id } } }
}"""


def _samples(http: TestClient) -> dict[str, list[Any]]:
    data = http.post("/graphql", json={"query": _SAMPLES}).json()["data"]
    cursors = [
        e["cursor"]
        for key in ("byTitle", "byCreated", "byUpdated", "newest", "organisations", "caseStudies")
        for e in data[key]["edges"]
    ]
    partnerships = [e["node"]["id"] for e in data["partnerships"]["edges"]]
    organisations = [e["node"]["id"] for e in data["organisations"]["edges"]]
    organisations += [
        p["organisation"]["id"]
        for e in data["partnerships"]["edges"][:10]
        for p in e["node"]["partners"]
    ]
    case_studies = [e["node"]["id"] for e in data["caseStudies"]["edges"]]
    return {
        "partnerships": partnerships,
        "organisations": organisations,
        "case_studies": case_studies,
        "cursors": cursors,
    }


@pytest.fixture(scope="package")
def apps(
    postgres_server: DatabaseAddress, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Apps]:
    with scratch_database(postgres_server) as address:
        _seed(address)
        base = Settings.from_env({})
        settings = replace(
            base, database_url=address.dsn(), data_dir=tmp_path_factory.mktemp("compiler")
        )
        token = _admin_token(address)
        with (
            TestClient(create_app(settings)) as compiled,
            TestClient(
                create_app(replace(settings, compiled_reads=False, run_projector=False))
            ) as resolvers,
        ):
            _add_odd_partnerships(compiled, token)
            yield Apps(compiled, resolvers, address, _samples(resolvers))
