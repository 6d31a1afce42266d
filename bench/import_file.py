"""The NDJSON file the ``import`` part imports: organisations, partnerships, then their records.

Ids are ``keyed_id``s given as global ids, so the file names its own partnerships and lines can
refer to them before they exist; every registration has an idempotency key. Keyed ids belong to
whoever applies the keys: the file is for ``IMPORTER``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.domain.actor import Actor, Role
from registry.domain.codelists import ActivityKind, OrganisationType, Sector
from registry.idempotency import keyed_id, scope_of
from schema.ids import to_global_id

IMPORTER = Actor(principal="bench", role=Role.ADMIN)
_SCOPE = scope_of(IMPORTER)


@dataclass(frozen=True)
class FileSizes:
    events: int  # events the file makes
    partnerships: int
    organisations: int


@dataclass(frozen=True)
class ImportPlan:
    path: Path
    lines: int
    expected_events: int


_COUNTRIES = ("KE", "NG", "GH", "SN", "FR", "DE", "BR", "IN", "PH", "ZA")
_SECTORS = (
    (OrganisationType.NATIONAL_NGO, Sector.CIVIL_SOCIETY),
    (OrganisationType.GOVERNMENT, Sector.GOVERNMENT),
    (OrganisationType.PRIVATE_SECTOR, Sector.PRIVATE_SECTOR),
    (OrganisationType.ACADEMIC_TRAINING_AND_RESEARCH, Sector.ACADEMIA),
)


def write_import_file(path: Path, sizes: FileSizes) -> ImportPlan:
    """Organisations (2 events each: the organisation and its name index), partnerships, then
    activities, outcomes and lessons spread at random over the partnerships, one event each."""
    lines = 0
    with path.open("w", encoding="utf-8") as file:
        for line in _import_lines(sizes):
            file.write(json.dumps(line, separators=(",", ":")) + "\n")
            lines += 1
    return ImportPlan(path, lines, sizes.events)


def _import_lines(sizes: FileSizes) -> Iterator[dict[str, Any]]:
    rng = random.Random(20261123)  # noqa: S311 - reproducible data, not secrets
    organisations = [
        _global("Organisation", f"bench-org-{n}", "organisation")
        for n in range(sizes.organisations)
    ]
    for n, _id in enumerate(organisations):
        org_type, sector = _SECTORS[n % len(_SECTORS)]
        yield _line(
            "registerOrganisation",
            name=f"Bench organisation {n:05d}",
            orgType=org_type.value,
            sector=sector.value,
            country=_COUNTRIES[n % len(_COUNTRIES)],
            idempotencyKey=f"bench-org-{n}",
        )
    partnerships = [
        _global("Partnership", f"bench-partnership-{n}", "partnership")
        for n in range(sizes.partnerships)
    ]
    count, half = len(organisations), len(organisations) // 2
    for n, _id in enumerate(partnerships):
        lead, funder = organisations[n % count], organisations[(n + half) % count]
        yield _line(
            "registerPartnership",
            title=f"Cybercrime partnership {n}",
            summary="Police, prosecutors and a CSIRT trained in handling digital evidence.",
            practiceAreas=["CAPACITY_BUILDING", "INFORMATION_SHARING"],
            countries=[_COUNTRIES[n % len(_COUNTRIES)]],
            startDate="2023-01-01",
            partners=[
                {"organisationId": lead, "role": "LEAD"},
                {"organisationId": funder, "role": "FUNDER"},
            ],
            idempotencyKey=f"bench-partnership-{n}",
        )
    rest = sizes.events - 2 * len(organisations) - len(partnerships)
    kinds = [k.value for k in ActivityKind]
    for n in range(rest):
        partnership = rng.choice(partnerships)
        draw = rng.random()
        if draw < 0.7:
            yield _line(
                "logActivity",
                partnershipId=partnership,
                kind=rng.choice(kinds),
                practiceArea="CAPACITY_BUILDING",
                title=f"Digital evidence training {n}",
                startDate="2024-03-01",
                countries=[rng.choice(_COUNTRIES)],
                targetGroups=["LAW_ENFORCEMENT", "PROSECUTORS"],
                participants=rng.randint(5, 200),
            )
        elif draw < 0.9:
            yield _line(
                "reportOutcome",
                partnershipId=partnership,
                resultLevel="OUTPUT",
                indicator=f"Officers trained in evidence handling ({n})",
                verification="SELF_REPORTED",
                unit="people",
                baseline=0,
                target=100,
                actual=rng.randint(0, 150),
            )
        else:
            yield _line(
                "recordLesson",
                partnershipId=partnership,
                kind="SUCCESS_FACTOR",
                text=f"Lesson {n}: joint training built trust between police and the CSIRT.",
            )


def _global(type_name: str, key: str, purpose: str) -> str:
    return to_global_id(type_name, keyed_id(_SCOPE, key, purpose))


def _line(command: str, **input: Any) -> dict[str, Any]:
    return {"command": command, "input": input}
