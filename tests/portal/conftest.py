"""The portal over a fixed world: the case-study tests' dataset, plus hostile names and enough
partnerships for a second page, written once through the write side and projected; the real
app serves it over HTTP. The tests only read, so one world serves the whole session."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

import pytest
from starlette.testclient import TestClient

from entrypoints.web.app import create_app
from projections.runner import Projector
from registry import commands as c
from registry.application import Registry
from registry.database import DatabaseAddress
from registry.domain.codelists import (
    ActivityKind,
    OrganisationType,
    PartnerRole,
    PracticeArea,
    ResultLevel,
    Sector,
    Verification,
)
from registry.settings import Settings
from schema.ids import to_global_id
from tests.e2e.conftest import api, settings, world  # noqa: F401 - fresh worlds, for writes
from tests.postgres import scratch_database
from tests.projections.case_study_data import World, Writer, build_world

SCRIPT_TITLE = "<script>alert('title')</script> Training & more"
HOSTILE_NAME = '"onmouseover="alert(1)" x=\'<b>Evil & Co</b>'
FILLER = 25  # more partnerships than a page of results holds


@dataclass(frozen=True)
class PortalWorld:
    cases: World
    hostile_org: UUID
    script_partnership: UUID
    filler: tuple[UUID, ...]

    def partnership_id(self, uuid: UUID) -> str:
        return to_global_id("Partnership", uuid)


async def _write(registry: Registry) -> PortalWorld:
    cases = await build_world(registry)
    w = Writer(registry)
    receipt = await w(
        "org-hostile",
        c.RegisterOrganisation(
            HOSTILE_NAME,
            OrganisationType.PRIVATE_SECTOR,
            Sector.PRIVATE_SECTOR,
            "GH",
            website="https://example.org/?a=1&b=<2>",
        ),
    )
    hostile = receipt.aggregate_id
    script = await w.partnership(
        "p-script",
        SCRIPT_TITLE,
        ("GH",),
        (PracticeArea.CAPACITY_BUILDING,),
        ((hostile, PartnerRole.LEAD), (cases.acme, PartnerRole.FUNDER)),
        summary="<img src=x onerror=alert(2)> summary",
    )
    await w(
        "script-activity",
        c.LogActivity(
            script,
            ActivityKind.TRAINING,
            PracticeArea.CAPACITY_BUILDING,
            "<i>Course</i>",
            date(2023, 1, 9),
            participants=12345,
            evidence_urls=("https://example.org/a?x=<y>",),
        ),
    )
    await w(
        "script-outcome",
        c.ReportOutcome(
            script,
            ResultLevel.OUTCOME,
            "Cases prosecuted",
            Verification.INDEPENDENT,
            baseline=10,
            target=1500,
            actual=1234.5,
            evidence_urls=("https://example.org/evidence",),
        ),
    )
    filler = []
    for i in range(FILLER):
        filler.append(
            await w.partnership(
                f"p-filler-{i}",
                f"Filler partnership {i:02d}",
                ("GH",),
                (PracticeArea.RESEARCH,),
                ((cases.ngo, PartnerRole.LEAD),),
            )
        )
    return PortalWorld(cases, hostile, script, tuple(filler))


@pytest.fixture(scope="session")
def portal_database(postgres_server: DatabaseAddress) -> Iterator[DatabaseAddress]:
    with scratch_database(postgres_server) as address:
        yield address


@pytest.fixture(scope="session")
def portal_world(portal_database: DatabaseAddress) -> PortalWorld:
    app = Registry(env=portal_database.eventsourcing_env())
    try:
        world = asyncio.run(_write(app))
    finally:
        app.close()
    asyncio.run(Projector(portal_database.dsn()).catch_up())
    return world


@pytest.fixture(scope="session")
def portal_settings(
    portal_database: DatabaseAddress, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return replace(
        Settings.from_env({}),
        database_url=portal_database.dsn(),
        data_dir=tmp_path_factory.mktemp("portal"),
    )


# Per module, not per session: the app holds pools of connections while it runs, and the tests
# after the portal's (two servers at once, say) need the server's connections back.
@pytest.fixture(scope="module")
def http(portal_world: PortalWorld, portal_settings: Settings) -> Iterator[TestClient]:
    """A reader without a token, over the app's HTTP interface."""
    with TestClient(create_app(portal_settings)) as client:
        yield client
