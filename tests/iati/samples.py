"""Partnerships built in memory, for the IATI tests that need no database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from lxml import etree

from projections.iati.building import write_activities
from projections.iati.codes import Publisher
from projections.iati.partnerships import Evidence, Participant, Partnership, Result

GENERATED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def participant(role: str = "LEAD", number: int = 1, **changes: Any) -> Participant:
    made = Participant(
        organisation_id=UUID(int=number),
        name=f"Organisation {number}",
        org_type="NATIONAL_NGO",
        sector="CIVIL_SOCIETY",
        ref=None,
        role=role,
        since=date(2021, 3, 1),
        until=None,
    )
    return replace(made, **changes)


def result(**changes: Any) -> Result:
    made = Result(
        outcome_id=UUID(int=100),
        result_level="OUTCOME",
        indicator="Prosecutors trained in digital evidence",
        unit="people",
        baseline=0.0,
        target=120.0,
        actual=97.0,
        period_start=date(2022, 1, 1),
        period_end=date(2022, 12, 31),
        verification="INDEPENDENT",
        evidence_urls=("https://example.org/evaluation.pdf",),
        reported_on=date(2023, 2, 1),
    )
    return replace(made, **changes)


def partnership(**changes: Any) -> Partnership:
    made = Partnership(
        id=UUID(int=1),
        iati_identifier=None,
        title="Cyber capacity for East Africa",
        summary="Training prosecutors and police in digital evidence.",
        objectives="Every country of the region can prosecute cybercrime.",
        concluded=False,
        conclusion=None,
        start_date=date(2021, 3, 1),
        end_date=date(2025, 12, 31),
        countries=("KE", "TZ"),
        declared_regions=("014",),
        practice_areas=("CAPACITY_BUILDING", "POLICY_DEVELOPMENT"),
        participants=(
            participant("LEAD", 1),
            participant("FUNDER", 2, org_type="GOVERNMENT", ref="XM-DAC-7"),
            participant("BENEFICIARY", 3, until=date(2023, 1, 1)),
        ),
        target_groups=("PROSECUTORS", "LAW_ENFORCEMENT"),
        evidence=(Evidence("https://example.org/report", "Regional workshop"),),
        results=(result(),),
        last_updated=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
    )
    return replace(made, **changes)


async def _batches(items: Iterable[Partnership]) -> AsyncIterator[list[Partnership]]:
    yield list(items)


def document(*partnerships: Partnership, publisher: Publisher | None = None) -> bytes:
    """The IATI file of these partnerships, as the exporter writes it."""
    made = write_activities(_batches(partnerships), publisher or Publisher(), GENERATED)
    return asyncio.run(made)


def parse(data: bytes) -> Any:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
