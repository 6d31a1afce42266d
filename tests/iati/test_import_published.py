"""Real published IATI 2.03 files (``data/published``, see its README for publishers, sources
and licences): each imports with ``--practice-area`` (their sectors are DAC codes outside the
documented mapping), is rejected activity by activity with a reason without it, or, when the
publisher's file does not validate, is refused as a file with its errors and nothing appended.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from entrypoints.iati_import.applying import Status
from entrypoints.iati_import.planning import registration_key
from entrypoints.iati_import.screening import FileRefused
from registry.application import Registry, load_organisation, load_partnership
from registry.database import DatabaseAddress
from registry.domain.codelists import PartnerRole, PracticeArea
from registry.idempotency import keyed_id, scope_of
from tests.iati import iati_files as f

PUBLISHED = Path(__file__).parent / "data" / "published"
FCDO = PUBLISHED / "fcdo-activity.xml"
WORLD_BANK = PUBLISHED / "worldbank-activity.xml"
CANADA = PUBLISHED / "canada-activity.xml"


@pytest.fixture
def registry(database: DatabaseAddress) -> Iterator[Registry]:
    with f.registry_over(database) as registry:
        yield registry


def _events(registry: Registry) -> int:
    return int(registry.store.max_notification_id() or 0)


def test_the_excerpts_are_small() -> None:
    sizes = {p.name: p.stat().st_size for p in PUBLISHED.glob("*.xml")}
    assert len(sizes) >= 2 and sum(sizes.values()) < 200_000, sizes


@pytest.mark.parametrize("path", [FCDO, WORLD_BANK], ids=lambda p: p.stem)
def test_a_published_file_is_rejected_per_activity_without_a_practice_area(
    registry: Registry, path: Path
) -> None:
    report = f.import_file(registry, path)
    assert report.activities
    for activity in report.activities:
        assert activity.status is Status.REJECTED
        assert "--practice-area" in activity.refusals[0] and activity.line > 0
    assert _events(registry) == 0


@pytest.mark.parametrize("path", [FCDO, WORLD_BANK], ids=lambda p: p.stem)
def test_a_published_file_imports_with_a_practice_area_and_reports_what_it_left(
    registry: Registry, path: Path
) -> None:
    report = f.import_file(registry, path, area=PracticeArea.POLICY_DEVELOPMENT)
    for activity in report.activities:
        assert activity.status is Status.IMPORTED, activity
        left = {n.element for n in activity.notes}
        assert {"transaction", "iati-activity/@default-currency"} <= left, left
        assert all(n.line > 0 and n.reason for n in activity.notes)
        # Bounded: one note per kind of leftover, not one per transaction or budget.
        assert len(activity.notes) < 60
    before = _events(registry)
    again = f.import_file(registry, path, area=PracticeArea.POLICY_DEVELOPMENT)
    assert {a.status for a in again.activities} == {Status.SKIPPED}
    assert _events(registry) == before


def test_the_fcdo_activity_becomes_a_concluded_partnership_with_its_partners(
    registry: Registry,
) -> None:
    [activity] = f.import_file(registry, FCDO, area=PracticeArea.POLICY_DEVELOPMENT).activities
    pid = keyed_id(scope_of(f.ADMIN), registration_key("GB-1-103662-101"), "partnership")
    p = load_partnership(registry, pid)
    assert p is not None and p.countries == ("LR",) and p.is_concluded
    names = {
        load_organisation(registry, m).name: ms.role  # type: ignore[union-attr]
        for m, ms in p.memberships.items()
    }
    # FCDO is listed as funder (1) and accountable (2): one partner, the lead, and said so.
    assert names == {
        "Foreign, Commonwealth and Development Office": PartnerRole.LEAD,
        "Adam Smith International": PartnerRole.IMPLEMENTER,
    }
    assert any("listed again" in n.reason for n in activity.notes)


def test_a_published_file_that_fails_the_schema_is_refused_with_its_lines(
    registry: Registry,
) -> None:
    with pytest.raises(FileRefused) as refused:
        f.import_file(registry, CANADA, area=PracticeArea.POLICY_DEVELOPMENT)
    assert refused.value.errors and all(e.line > 1 for e in refused.value.errors)
    assert any("point" in e.message for e in refused.value.errors)
    assert _events(registry) == 0
