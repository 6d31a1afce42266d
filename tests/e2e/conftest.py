"""End-to-end fixtures: the real ASGI app over HTTP, on a fresh PostgreSQL database per test."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from starlette.testclient import TestClient

from entrypoints.cli import main
from entrypoints.web.app import create_app
from registry import tokens
from registry.database import DatabaseAddress
from registry.domain.actor import Role
from registry.settings import Settings
from schema.ids import from_global_id


@dataclass
class Api:
    """A GraphQL client over the app's HTTP interface, as a contributor's program would be."""

    http: TestClient
    address: DatabaseAddress

    def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def mutate(
        self, name: str, input: dict[str, Any], token: str | None, selection: str = ""
    ) -> dict[str, Any]:
        """Run mutation ``name`` and return its payload (top-level errors fail the test)."""
        input_type = name[0].upper() + name[1:] + "Input"
        body = self.post(
            f"mutation($input: {input_type}!) {{ {name}(input: $input) {{"
            f" position userErrors {{ code field message }} {selection} }} }}",
            {"input": input},
            token,
        )
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"][name]
        return payload

    def token(self, role: str, organisation: str | None = None, name: str = "someone") -> str:
        organisation_id: UUID | None = (
            from_global_id(organisation, "Organisation") if organisation else None
        )

        async def create() -> str:
            connection = await asyncpg.connect(self.address.dsn())
            try:
                await tokens.ensure_schema(connection)
                _record, secret = await tokens.create_token(
                    connection, name=name, role=Role(role), organisation_id=organisation_id
                )
                return secret
            finally:
                await connection.close()

        return asyncio.run(create())

    def event_count(self) -> int:
        async def count() -> int:
            connection = await asyncpg.connect(self.address.dsn())
            try:
                value: int = await connection.fetchval("SELECT count(*) FROM registry_events")
                return value
            finally:
                await connection.close()

        return asyncio.run(count())


@pytest.fixture
def settings(database: DatabaseAddress, tmp_path: Path) -> Settings:
    base = Settings.from_env({})
    return replace(base, database_url=database.dsn(), data_dir=tmp_path, max_body_bytes=64 * 1024)


@pytest.fixture
def api(settings: Settings, database: DatabaseAddress) -> Iterator[Api]:
    with TestClient(create_app(settings)) as http:
        yield Api(http, database)


@dataclass
class World:
    """A small registry: two organisations, a partnership led by the first, and a token each."""

    api: Api
    admin: str
    reviewer: str
    ngo: str  # contributor token of the NGO (the LEAD partner)
    firm: str  # contributor token of the firm (not a partner)
    ngo_id: str
    firm_id: str
    partnership_id: str


ORGANISATION = "organisation { id version name orgType sector country { code name } website }"
PARTNERSHIP = (
    "partnership { id version title status bestPractice practiceAreas countries { code }"
    " regions { code level } startDate endDate"
    " partners { organisation { id name } role since until confirmed }"
    " activities { id kind title participants retracted countries { code }"
    " targetGroups evidenceUrls }"
    " outcomes { id indicator actual verification } lessons { kind text } }"
)


def register_organisation(api: Api, token: str, name: str, **fields: Any) -> str:
    input = {"name": name, "orgType": "NATIONAL_NGO", "sector": "CIVIL_SOCIETY", "country": "KE"}
    payload = api.mutate("registerOrganisation", {**input, **fields}, token, ORGANISATION)
    assert payload["userErrors"] == [], payload
    organisation_id: str = payload["organisation"]["id"]
    return organisation_id


def partnership_input(*partners: tuple[str, str], **fields: Any) -> dict[str, Any]:
    return {
        "title": "Cybercrime training for Kenyan police",
        "summary": "Judges and police officers trained in digital evidence.",
        "practiceAreas": ["CAPACITY_BUILDING"],
        "countries": ["KE"],
        "startDate": "2024-01-15",
        "partners": [{"organisationId": org, "role": role} for org, role in partners],
        **fields,
    }


@pytest.fixture
def world(api: Api) -> World:
    admin = api.token("admin", name="admin")
    ngo_id = register_organisation(api, admin, "Kenya Cyber Trust")
    firm_id = register_organisation(
        api, admin, "SecureSoft SA", orgType="PRIVATE_SECTOR", sector="PRIVATE_SECTOR", country="FR"
    )
    ngo = api.token("contributor", ngo_id, name="ngo")
    payload = api.mutate(
        "registerPartnership", partnership_input((ngo_id, "LEAD")), ngo, PARTNERSHIP
    )
    assert payload["userErrors"] == [], payload
    return World(
        api=api,
        admin=admin,
        reviewer=api.token("reviewer", name="reviewer"),
        ngo=ngo,
        firm=api.token("contributor", firm_id, name="firm"),
        ngo_id=ngo_id,
        firm_id=firm_id,
        partnership_id=payload["partnership"]["id"],
    )


@pytest.fixture
def cli(
    database: DatabaseAddress, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    """``ppp-registry ARGS...`` in this process, on a fresh database: (exit code, stdout,
    stderr)."""
    monkeypatch.setenv("DATABASE_URL", database.dsn())

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
