"""A batch loads what its submissions read in one go, and still sees every other writer's events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from registry import commands as c
from registry.application import Receipt, Registry
from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.domain.codelists import (
    ActivityKind,
    OrganisationType,
    PartnerRole,
    PracticeArea,
    Sector,
)
from registry.domain.errors import CommandRejected, ErrorCode

ADMIN = Actor("batch-tests", Role.ADMIN)


@pytest.fixture
def two_registries(database: DatabaseAddress) -> Iterator[tuple[Registry, Registry]]:
    """Two applications on one store, as two server processes would be: each has its own cache."""
    first = Registry(env=database.eventsourcing_env())
    second = Registry(env=database.eventsourcing_env())
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def _organisation(name: str) -> c.RegisterOrganisation:
    return c.RegisterOrganisation(name, OrganisationType.NATIONAL_NGO, Sector.CIVIL_SOCIETY, "KE")


def _partnership(*partners: UUID) -> c.RegisterPartnership:
    return c.RegisterPartnership(
        title="Digital evidence for judges",
        summary="Judges trained in weighing digital evidence.",
        practice_areas=(PracticeArea.CAPACITY_BUILDING,),
        countries=("KE",),
        regions=(),
        start_date=date(2023, 1, 9),
        partners=tuple(
            (p, PartnerRole.LEAD if i == 0 else PartnerRole.FUNDER) for i, p in enumerate(partners)
        ),
    )


def _activity(partnership: UUID, title: str) -> c.LogActivity:
    return c.LogActivity(
        partnership, ActivityKind.TRAINING, PracticeArea.CAPACITY_BUILDING, title, date(2023, 3, 1)
    )


def _submitted(results: list[Receipt | CommandRejected]) -> list[Receipt]:
    assert all(isinstance(r, Receipt) for r in results), results
    return [r for r in results if isinstance(r, Receipt)]


def test_a_batch_applies_on_top_of_what_another_process_wrote_since_it_cached(
    two_registries: tuple[Registry, Registry], monkeypatch: pytest.MonkeyPatch
) -> None:
    importer, server = two_registries
    (lead,) = _submitted(importer.submit_batch(ADMIN, [c.Submission(_organisation("Lead NGO"))]))
    (pp,) = _submitted(
        importer.submit_batch(ADMIN, [c.Submission(_partnership(lead.aggregate_id))])
    )
    partnership = pp.aggregate_id
    _submitted(importer.submit_batch(ADMIN, [c.Submission(_activity(partnership, "first"))]))
    # The importer now holds version 2 in its cache; the server appends versions 3 and 4.
    server.submit(ADMIN, c.Submission(_activity(partnership, "by the server")))
    server.submit(ADMIN, c.Submission(_activity(partnership, "by the server again")))

    def no_fallback(*_args: Any) -> Any:
        raise AssertionError("the batch failed on a stale read and fell back to one by one")

    monkeypatch.setattr(Registry, "_submit_alone", no_fallback)
    receipts = _submitted(
        importer.submit_batch(
            ADMIN, [c.Submission(_activity(partnership, f"batch {i}")) for i in range(3)]
        )
    )
    assert [r.version for r in receipts] == [5, 6, 7]
    titles = [a.title for a in server.repository.get(partnership).activities.values()]
    assert titles == [
        "first",
        "by the server",
        "by the server again",
        *(f"batch {i}" for i in range(3)),
    ]


def test_what_a_batch_creates_is_found_by_its_later_submissions(
    two_registries: tuple[Registry, Registry],
) -> None:
    importer, _server = two_registries
    results = importer.submit_batch(
        ADMIN,
        [
            c.Submission(_organisation("Kenya Cyber Trust"), idempotency_key="org-1"),
            c.Submission(_organisation("kenya cyber trust"), idempotency_key="org-2"),
            c.Submission(_partnership(), idempotency_key="pp-empty"),
        ],
    )
    assert isinstance(results[0], Receipt)
    duplicate, no_partner = results[1], results[2]
    assert isinstance(duplicate, CommandRejected)
    assert [p.code for p in duplicate.problems] == [ErrorCode.DUPLICATE]
    assert isinstance(no_partner, CommandRejected)

    organisation = results[0].aggregate_id
    missing = UUID(int=7)
    later = importer.submit_batch(
        ADMIN,
        [
            c.Submission(_partnership(organisation)),
            c.Submission(_partnership(organisation, missing)),
        ],
    )
    assert isinstance(later[0], Receipt)
    assert isinstance(later[1], CommandRejected)
    assert [(p.code, p.field) for p in later[1].problems] == [
        (ErrorCode.NOT_FOUND, ("partners", "1", "organisation_id"))
    ]
