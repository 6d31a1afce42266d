"""IATI exports of the demo dataset: every region validates, a position always gives the same
bytes, hostile text from real events still gives valid XML, bad input is refused clearly."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import anyio.to_thread
import asyncpg
import pytest

from entrypoints.web.iati_downloads import iati_etag
from projections.iati.codes import Publisher
from projections.iati.export import (
    NoActivities,
    PositionBeyondHead,
    UnknownRegion,
    iati_export,
    iati_filename,
)
from projections.iati.text import iso_datetime
from projections.iati.validation import schema_errors
from projections.runner import Projector
from registry import commands as c
from registry import geography
from registry.application import Registry
from registry.domain.actor import Actor, Role
from registry.domain.codelists import OrganisationType, PartnerRole, PracticeArea, Sector
from registry.domain.identifiers import OrganisationIdentifier
from schema.export_urls import iati_path
from tests.iati.conftest import Seeded
from tests.iati.samples import parse

pytestmark = pytest.mark.anyio

ADMIN = Actor("iati-tests", Role.ADMIN)
AFRICA = "002"


async def _areas_with_partnerships(db: asyncpg.Pool) -> list[str]:
    rows = await db.fetch(
        "SELECT DISTINCT unnest(regions) AS code FROM read_model.partnership_summary ORDER BY 1"
    )
    return [row["code"] for row in rows]


async def _ids_in(db: asyncpg.Pool, area: str) -> set[UUID]:
    rows = await db.fetch(
        "SELECT id FROM read_model.partnership_summary WHERE regions @> ARRAY[$1::text]", area
    )
    return {row["id"] for row in rows}


def _identifiers(data: bytes) -> list[str]:
    return [a.findtext("iati-identifier") for a in parse(data).findall("iati-activity")]


async def test_every_region_of_the_demo_dataset_exports_a_valid_file(
    seeded: Seeded, db: asyncpg.Pool
) -> None:
    areas = await _areas_with_partnerships(db)
    assert {geography.WORLD, AFRICA, "019", "142", "150", "009"} <= set(areas)
    for area in areas:
        made = await iati_export(db, area, seeded.position)
        assert schema_errors(made.data) == (), area
        identifiers = _identifiers(made.data)
        assert len(identifiers) == len(set(identifiers)) == made.activity_count
        # At the head, the activities are the read model's partnerships of the area.
        expected = {f"XX-PPP-REGISTRY-{i}" for i in await _ids_in(db, area)}
        assert set(identifiers) == expected, area
        assert (made.region, made.position) == (area, seeded.position)


async def test_an_export_has_what_a_download_needs(seeded: Seeded, db: asyncpg.Pool) -> None:
    made = await iati_export(db, AFRICA, seeded.position)
    assert made.filename == iati_filename(AFRICA, seeded.position)
    assert made.filename == f"iati-002-at-{seeded.position}.xml"
    assert iati_path(AFRICA, 12) == "/exports/iati/002.xml?position=12"
    etag = iati_etag(AFRICA, seeded.position)
    assert etag.startswith(f'"iati-002-{seeded.position}-')
    other_publisher = Publisher(ref="XM-DAC-1")
    other = await iati_export(db, AFRICA, seeded.position, publisher=other_publisher)
    assert iati_etag(AFRICA, seeded.position, other_publisher) != etag
    assert other.data != made.data
    assert made.data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<iati-activities")
    # No wall clock: the file's time is the log's at the position.
    generated = parse(made.data).get("generated-datetime")
    recorded = await db.fetchval(
        "SELECT recorded_at FROM read_model.event_log WHERE position = $1", seeded.position
    )
    assert generated == iso_datetime(recorded)


async def test_progress_counts_the_partnerships_looked_at(seeded: Seeded, db: asyncpg.Pool) -> None:
    calls: list[tuple[int, int]] = []
    await iati_export(
        db, geography.WORLD, seeded.position, progress=lambda d, t: calls.append((d, t))
    )
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1] > 0
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


async def test_bad_input_is_refused_clearly(seeded: Seeded, db: asyncpg.Pool) -> None:
    with pytest.raises(UnknownRegion):
        await iati_export(db, "999", seeded.position)
    with pytest.raises(UnknownRegion):
        await iati_export(db, "KE")  # a country, not an M49 area
    with pytest.raises(PositionBeyondHead):
        await iati_export(db, AFRICA, 10**12)
    with pytest.raises(ValueError, match="whole number"):
        await iati_export(db, AFRICA, -1)
    with pytest.raises(NoActivities, match="nothing to export"):
        await iati_export(db, AFRICA, 0)
    areas = set(await _areas_with_partnerships(db))
    empty = next(a.code for a in geography.areas() if a.code not in areas)
    with pytest.raises(NoActivities):
        await iati_export(db, empty, seeded.position)


# ---------------------------------------------------------------------------- more events


async def _submit(registry: Registry, command: c.Command) -> UUID:
    receipt = await anyio.to_thread.run_sync(registry.submit, ADMIN, c.Submission(command))
    return receipt.aggregate_id


async def _an_african_partnership(db: asyncpg.Pool) -> tuple[UUID, UUID]:
    row = await db.fetchrow(
        "SELECT s.id, p.organisation_id FROM read_model.partnership_summary s"
        " JOIN read_model.partnership_partners p ON p.partnership_id = s.id"
        " WHERE s.regions @> ARRAY['002'] AND s.status = 'ACTIVE' ORDER BY s.id, p.organisation_id"
        " LIMIT 1"
    )
    return row["id"], row["organisation_id"]


async def test_the_same_position_gives_the_same_bytes_after_more_events(
    seeded: Seeded, db: asyncpg.Pool
) -> None:
    before = {
        area: (await iati_export(db, area, seeded.position)).data
        for area in (geography.WORLD, AFRICA, "150")
    }
    moved, partner = await _an_african_partnership(db)
    registry = Registry(env=seeded.address.eventsourcing_env())
    try:
        # Hostile text through the real write side: markup, and non-characters XML 1.0 cannot
        # carry (the domain refuses C0 controls but not U+FFFE or U+FFFF).
        hostile = '<script>alert("iati")</script> \ufffe & \uffff'
        organisation = await _submit(
            registry,
            c.RegisterOrganisation(
                f"Org {hostile}", OrganisationType.NATIONAL_NGO, Sector.CIVIL_SOCIETY, "KE"
            ),
        )
        await _submit(
            registry,
            c.RegisterPartnership(
                title=f"Title {hostile}",
                summary=f"Summary {hostile}",
                objectives=f"Objectives {hostile}",
                practice_areas=(PracticeArea.POLICY_DEVELOPMENT,),
                countries=("KE",),
                start_date=date(2022, 1, 1),
                partners=((organisation, PartnerRole.LEAD),),
            ),
        )
        # One African partnership moves to Europe; one of its partners is renamed.
        await _submit(
            registry,
            c.RevisePartnership(moved, {"countries": ["FR"], "regions": []}, "moved"),
        )
        await _submit(
            registry, c.ReviseOrganisation(partner, {"name": "Renamed partner"}, "renamed")
        )
    finally:
        registry.close()
    await Projector(seeded.address.dsn()).catch_up()

    for area, data in before.items():
        assert (await iati_export(db, area, seeded.position)).data == data, area
    moved_id = f"XX-PPP-REGISTRY-{moved}"
    assert moved_id in _identifiers(before[AFRICA])
    now = await iati_export(db, AFRICA)
    assert now.position > seeded.position
    assert schema_errors(now.data) == ()
    assert moved_id not in _identifiers(now.data)
    assert moved_id in _identifiers((await iati_export(db, "150")).data)
    activities = {
        a.findtext("iati-identifier"): a for a in parse(now.data).findall("iati-activity")
    }
    titles = [a.findtext("title/narrative") for a in activities.values()]
    assert 'Title <script>alert("iati")</script> \ufffd & \ufffd' in titles
    assert b"<script>" not in now.data


async def test_an_imported_partnership_keeps_its_stored_identifier(
    seeded: Seeded, db: asyncpg.Pool
) -> None:
    registry = Registry(env=seeded.address.eventsourcing_env())
    try:
        funder = await _submit(
            registry,
            c.RegisterOrganisation(
                "UN Office on Drugs and Crime (imported)",
                OrganisationType.MULTILATERAL,
                Sector.INTERGOVERNMENTAL,
                "AT",
                identifiers=(OrganisationIdentifier(ref="XM-DAC-41114"),),
            ),
        )
        lead = await _submit(
            registry,
            c.RegisterOrganisation(
                "Kenya Cyber Lab (imported)",
                OrganisationType.NATIONAL_NGO,
                Sector.CIVIL_SOCIETY,
                "KE",
                identifiers=(OrganisationIdentifier(scheme="KE-NGO", value="OP.218-051-9"),),
            ),
        )
        imported = await _submit(
            registry,
            c.RegisterPartnership(
                title="An imported activity",
                summary="Brought in from a donor's IATI file.",
                practice_areas=(PracticeArea.CAPACITY_BUILDING,),
                countries=("KE",),
                start_date=date(2023, 3, 1),
                partners=((lead, PartnerRole.LEAD), (funder, PartnerRole.FUNDER)),
                iati_identifier="XM-DAC-41114-KEN-2023-07",
            ),
        )
    finally:
        registry.close()
    await Projector(seeded.address.dsn()).catch_up()

    made = await iati_export(db, AFRICA)
    assert schema_errors(made.data) == ()
    identifiers = _identifiers(made.data)
    assert "XM-DAC-41114-KEN-2023-07" in identifiers
    assert f"XX-PPP-REGISTRY-{imported}" not in identifiers
    # The others still get the identifier built from the publisher's ref.
    others = [i for i in identifiers if i != "XM-DAC-41114-KEN-2023-07"]
    assert others and all(i.startswith("XX-PPP-REGISTRY-") for i in others)
    (activity,) = [
        a
        for a in parse(made.data).findall("iati-activity")
        if a.findtext("iati-identifier") == "XM-DAC-41114-KEN-2023-07"
    ]
    refs = {o.findtext("narrative"): o.get("ref") for o in activity.findall("participating-org")}
    assert refs["UN Office on Drugs and Crime (imported)"] == "XM-DAC-41114"
    assert refs["Kenya Cyber Lab (imported)"] == "KE-NGO-OP.218-051-9"
