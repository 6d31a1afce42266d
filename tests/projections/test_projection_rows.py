"""Every event the write side records lands in the read-model rows that answer for it."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

import asyncpg
import pytest

from projections import figures
from projections.decoding import StoredRow, decode, registry_mapper
from projections.runner import Projector
from registry import commands as c
from registry import geography
from registry.application import Registry
from registry.domain.codelists import (
    ActivityKind,
    LessonKind,
    PartnerRole,
    PracticeArea,
    ResultLevel,
    Sector,
    TargetGroup,
    Verification,
)
from tests.projections.conftest import Scribe

pytestmark = pytest.mark.anyio

EVERY_EVENT_TYPE = {
    "OrganisationRegistered",
    "OrganisationRevised",
    "PartnershipRegistered",
    "PartnershipRevised",
    "PartnerJoined",
    "PartnerLeft",
    "ParticipationConfirmed",
    "ActivityLogged",
    "ActivityCorrected",
    "ActivityRetracted",
    "OutcomeReported",
    "OutcomeCorrected",
    "LessonRecorded",
    "BestPracticeNominated",
    "BestPracticeEndorsed",
    "EndorsementWithdrawn",
    "PartnershipConcluded",
}


def test_the_projector_decodes_with_the_same_transcodings_as_the_registry() -> None:
    app = Registry(
        env={"PERSISTENCE_MODULE": "eventsourcing.popo", "APPLICATION_RECORDER_TOPIC": ""}
    )
    ours = registry_mapper().transcoder
    theirs = app.mapper.transcoder
    assert set(ours.names) == set(theirs.names)  # type: ignore[attr-defined]


async def test_an_undecodable_row_names_its_position() -> None:
    row = StoredRow(7, UUID(int=1), 1, "registry.domain.partnership:Partnership.Nope", b"{}")
    with pytest.raises(Exception, match="position 7"):
        decode(row)


async def test_every_event_type_lands_in_its_rows(
    scribe: Scribe, dsn: str, connection: asyncpg.Connection
) -> None:
    acme = await scribe.organisation("ACME Security", Sector.PRIVATE_SECTOR, "KE")
    ministry = await scribe.organisation("Ministry of ICT", Sector.GOVERNMENT, "NG")
    institute = await scribe.organisation("Cyber Institute", Sector.CIVIL_SOCIETY, "FR")
    await scribe.submit(
        c.ReviseOrganisation(
            institute, {"sector": Sector.ACADEMIA, "website": "https://institute.example"}, "typo"
        )
    )
    p = await scribe.partnership(
        acme,
        practice_areas=(PracticeArea.CAPACITY_BUILDING, PracticeArea.POLICY_DEVELOPMENT),
        others=((ministry, PartnerRole.IMPLEMENTER),),
    )
    await scribe.submit(
        c.RevisePartnership(
            p, {"title": "Cyber capacity for Africa", "countries": ["KE", "NG"]}, "wider"
        )
    )
    await scribe.submit(c.AddPartner(p, institute, PartnerRole.KNOWLEDGE_PARTNER, date(2022, 1, 1)))
    await scribe.confirm(p, ministry)
    await scribe.submit(c.RemovePartner(p, institute, "moved on", date(2023, 1, 1)))
    training = (
        await scribe.submit(
            c.LogActivity(
                p,
                ActivityKind.TRAINING,
                PracticeArea.CAPACITY_BUILDING,
                "Evidence course",
                date(2021, 5, 1),
                countries=("KE",),
                target_groups=(TargetGroup.PROSECUTORS,),
                participants=40,
            )
        )
    ).entity_id
    campaign = (
        await scribe.submit(
            c.LogActivity(
                p,
                ActivityKind.CAMPAIGN,
                PracticeArea.CAPACITY_BUILDING,
                "Posters",
                date(2021, 6, 1),
                participants=1000,
            )
        )
    ).entity_id
    assert training is not None and campaign is not None
    await scribe.submit(c.CorrectActivity(p, training, {"participants": 45}, "recount"))
    await scribe.submit(c.RetractActivity(p, campaign, "duplicate"))
    outcome = (
        await scribe.submit(
            c.ReportOutcome(
                p,
                ResultLevel.OUTPUT,
                "Prosecutors trained",
                Verification.SELF_REPORTED,
                target=50,
            )
        )
    ).entity_id
    assert outcome is not None
    await scribe.submit(c.CorrectOutcome(p, outcome, {"actual": 45.0}, "final count"))
    await scribe.submit(c.RecordLesson(p, LessonKind.SUCCESS_FACTOR, "Local trainers"))
    await scribe.submit(c.NominateBestPractice(p, "worth copying"))
    await scribe.submit(c.EndorseBestPractice(p, "verified"))
    await scribe.submit(c.WithdrawEndorsement(p, "evidence disputed"))
    await scribe.submit(c.ConcludePartnership(p, date(2024, 12, 31), "Done"))

    head = await Projector(dsn).catch_up()

    summary = await connection.fetchrow(
        "SELECT * FROM read_model.partnership_summary WHERE id = $1", p
    )
    assert summary is not None
    assert summary["title"] == "Cyber capacity for Africa"
    assert summary["countries"] == ["KE", "NG"]
    assert summary["regions"] == [a.code for a in geography.areas_of(["KE", "NG"], [])]
    assert summary["practice_areas"] == ["CAPACITY_BUILDING", "POLICY_DEVELOPMENT"]
    assert (summary["status"], summary["best_practice"]) == ("CONCLUDED", "WITHDRAWN")
    assert (summary["end_date"], summary["conclusion"]) == (date(2024, 12, 31), "Done")
    assert summary["people_trained"] == 45  # the corrected training; the campaign is retracted
    assert summary["version"] == 16 and summary["updated_position"] == head

    partners = {
        r["organisation_id"]: r
        for r in await connection.fetch("SELECT * FROM read_model.partnership_partners")
    }
    assert partners[acme]["role"] == "LEAD" and partners[acme]["since"] == date(2021, 3, 1)
    assert partners[ministry]["confirmed"] is True
    assert partners[institute]["until"] == date(2023, 1, 1)

    orgs = {
        r["id"]: r for r in await connection.fetch("SELECT * FROM read_model.organisation_summary")
    }
    assert orgs[institute]["sector"] == "ACADEMIA"
    assert orgs[institute]["website"] == "https://institute.example"
    assert orgs[institute]["version"] == 2
    assert [orgs[o]["partnership_count"] for o in (acme, ministry, institute)] == [1, 1, 0]

    activities = {
        r["id"]: r
        for r in await connection.fetch("SELECT * FROM read_model.partnership_activities")
    }
    assert activities[training]["participants"] == 45
    assert activities[training]["target_groups"] == ["PROSECUTORS"]
    assert activities[campaign]["retracted"] is True

    outcome_row = await connection.fetchrow("SELECT * FROM read_model.partnership_outcomes")
    assert outcome_row is not None
    assert (outcome_row["target"], outcome_row["actual"]) == (50.0, 45.0)

    lesson = await connection.fetchrow("SELECT * FROM read_model.partnership_lessons")
    assert lesson is not None and lesson["kind"] == "SUCCESS_FACTOR"

    logged = await connection.fetch("SELECT * FROM read_model.event_log ORDER BY position")
    assert {r["type"] for r in logged} == EVERY_EVENT_TYPE
    assert {r["actor"] for r in logged} == {"projection-tests", "member"}
    registered = next(r for r in logged if r["type"] == "PartnershipRegistered")
    assert json.loads(registered["data"])["partners"][0]["organisation"] == str(acme)

    await connection.execute("SET search_path TO read_model")
    stats = {
        (r["area_code"], r["practice_area"], r["sector"]): r
        for r in await figures.region_stats_rows(connection)
    }
    # Eastern Africa, all practice areas, all sectors: one concluded partnership.
    total = stats[("014", "*", "*")]
    assert (total["partnership_count"], total["concluded_count"], total["people_trained"]) == (
        1,
        1,
        45,
    )
    assert ("014", "POLICY_DEVELOPMENT", "GOVERNMENT") in stats
    assert ("014", "*", "ACADEMIA") not in stats  # the institute left
    # The runner's figures equal a recomputation from the base tables.
    assert await figures.region_stats_rows(connection) == await figures.region_stats_from_scratch(
        connection
    )
