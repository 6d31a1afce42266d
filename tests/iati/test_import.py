"""The IATI import over a real database: what an activity becomes, re-imports, revisions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from entrypoints.iati_import import applying
from entrypoints.iati_import.applying import Status
from entrypoints.iati_import.planning import registration_key
from registry.application import Registry, load_organisation, load_partnership
from registry.database import DatabaseAddress
from registry.domain.codelists import PartnerRole, PracticeArea, ResultLevel
from registry.domain.validation import MAX_PARTNERS, MAX_URLS
from registry.idempotency import keyed_id, scope_of
from tests.iati import iati_files as f


@pytest.fixture
def registry(database: DatabaseAddress) -> Iterator[Registry]:
    with f.registry_over(database) as registry:
        yield registry


def _event_count(registry: Registry) -> int:
    return int(registry.store.max_notification_id() or 0)


def _partnership(registry: Registry, identifier: str = "XM-DAC-41122-CYBER-1") -> object:
    pid = keyed_id(scope_of(f.ADMIN), registration_key(identifier), "partnership")
    return load_partnership(registry, pid)


def test_an_activity_becomes_a_partnership_with_partners_outcomes_and_evidence(
    registry: Registry, tmp_path: Path
) -> None:
    path = f.write(tmp_path, f.activities(f.activity(results=f.result(), documents=f.document())))
    report = f.import_file(registry, path)
    [activity] = report.activities
    assert activity.status is Status.IMPORTED, activity
    p = _partnership(registry)
    assert p is not None
    assert p.title == "Cyber capacity for East Africa"  # type: ignore[attr-defined]
    assert p.iati_identifier == "XM-DAC-41122-CYBER-1"  # type: ignore[attr-defined]
    assert p.countries == ("KE", "TZ")  # type: ignore[attr-defined]
    assert p.regions == ("014",)  # type: ignore[attr-defined]
    assert p.practice_areas == (PracticeArea.CAPACITY_BUILDING,)  # type: ignore[attr-defined]
    roles = sorted(m.role for m in p.memberships.values())  # type: ignore[attr-defined]
    assert roles == sorted([PartnerRole.LEAD, PartnerRole.IMPLEMENTER, PartnerRole.FUNDER])
    [outcome] = p.outcomes.values()  # type: ignore[attr-defined]
    assert outcome.result_level is ResultLevel.OUTCOME
    assert (outcome.baseline, outcome.target, outcome.actual) == (0.0, 120.0, 97.0)
    assert outcome.unit == "people"
    assert outcome.evidence_urls == ("https://example.org/evaluation.pdf",)
    [published] = p.activities.values()  # type: ignore[attr-defined]
    assert published.evidence_urls == ("https://example.org/workshop.html",)
    assert published.title == "Workshop report"
    # What could not be mapped is reported with its line, never dropped silently.
    assert any(n.element == "recipient-region" and n.line > 0 for n in activity.notes)
    # A new organisation's country: its ref's jurisdiction, else the first recipient-country.
    countries = {
        load_organisation(registry, m).country  # type: ignore[union-attr]
        for m in p.memberships  # type: ignore[attr-defined]
    }
    assert countries == {"GB", "KE"}
    refs = {
        i.iati_ref
        for m in p.memberships  # type: ignore[attr-defined]
        for i in load_organisation(registry, m).identifiers  # type: ignore[union-attr]
    }
    assert refs == {"XM-DAC-41122", "GB-COH-123456"}


def test_importing_the_same_file_again_appends_nothing(registry: Registry, tmp_path: Path) -> None:
    path = f.write(tmp_path, f.activities(f.activity(results=f.result(), documents=f.document())))
    f.import_file(registry, path)
    before = _event_count(registry)
    again = f.import_file(registry, path)
    assert [a.status for a in again.activities] == [Status.SKIPPED]
    assert _event_count(registry) == before


def test_a_newer_version_revises_the_partnership_never_a_second_one(
    registry: Registry, tmp_path: Path
) -> None:
    first = f.activities(f.activity(results=f.result()))
    newer = f.activities(
        f.activity(
            updated="2024-09-01T10:00:00Z",
            title="Cyber capacity for East Africa, phase 1",
            results=f.result(actual="118"),
            status="4",
        )
    )
    f.import_file(registry, f.write(tmp_path, first, "first.xml"))
    report = f.import_file(registry, f.write(tmp_path, newer, "newer.xml"))
    assert [a.status for a in report.activities] == [Status.IMPORTED], report
    p = _partnership(registry)
    assert p.title == "Cyber capacity for East Africa, phase 1"  # type: ignore[attr-defined]
    assert p.is_concluded  # type: ignore[attr-defined]
    [outcome] = p.outcomes.values()  # type: ignore[attr-defined]
    assert outcome.actual == 118.0
    names = [type(e).__name__ for e in registry.events.get(p.id)]  # type: ignore[attr-defined]
    assert names.count("Registered") == 1 or names.count("PartnershipRegistered") <= 1
    assert "PartnershipRevised" in names and "OutcomeCorrected" in names, names


def test_an_activity_without_a_practice_area_is_rejected_unless_one_is_given(
    registry: Registry, tmp_path: Path
) -> None:
    path = f.write(tmp_path, f.activities(f.activity(sectors='<sector code="11110"/>')))
    before = _event_count(registry)
    [rejected] = f.import_file(registry, path).activities
    assert rejected.status is Status.REJECTED
    assert "practice area" in rejected.refusals[0] and "11110" in rejected.refusals[0]
    assert _event_count(registry) == before
    [imported] = f.import_file(registry, path, area=PracticeArea.RESEARCH).activities
    assert imported.status is Status.IMPORTED, imported
    assert _partnership(registry).practice_areas == (PracticeArea.RESEARCH,)  # type: ignore[attr-defined]


def test_the_dac_mapping_gives_a_practice_area(registry: Registry, tmp_path: Path) -> None:
    path = f.write(tmp_path, f.activities(f.activity(sectors='<sector code="15131"/>')))
    [imported] = f.import_file(registry, path).activities
    assert imported.status is Status.IMPORTED, imported
    assert _partnership(registry).practice_areas == (PracticeArea.POLICY_DEVELOPMENT,)  # type: ignore[attr-defined]


def test_organisations_are_matched_by_ref_then_by_case_folded_name(
    registry: Registry, tmp_path: Path
) -> None:
    one = f.activity("A-1")
    two = f.activity(
        "A-2",
        participants=(
            '<participating-org ref="XM-DAC-41122" role="2"><narrative>U.N.O.D.C.</narrative>'
            '</participating-org><participating-org role="4"><narrative>SECURE LTD</narrative>'
            "</participating-org>"
        ),
    )
    f.import_file(registry, f.write(tmp_path, f.activities(one, two)))
    first, second = _partnership(registry, "A-1"), _partnership(registry, "A-2")
    assert set(second.memberships) <= set(first.memberships)  # type: ignore[attr-defined]


def test_one_file_with_two_versions_of_an_activity_gives_one_revised_partnership(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(applying, "CHUNK", 2)  # chunks end inside the file too
    others = [f.activity(f"OTHER-{n}") for n in range(3)]
    newer = f.activity(updated="2024-09-01T10:00:00Z", title="Phase 2")
    path = f.write(tmp_path, f.activities(f.activity(), others[0], newer, *others[1:]))
    report = f.import_file(registry, path)
    assert [a.status for a in report.activities] == [Status.IMPORTED] * 5, report
    assert _partnership(registry).title == "Phase 2"  # type: ignore[attr-defined]
    assert all(_partnership(registry, f"OTHER-{n}") is not None for n in range(3))


def test_a_rejected_activity_registers_none_of_its_organisations(
    registry: Registry, tmp_path: Path
) -> None:
    no_summary = f.activity().replace('<description type="1">', '<description type="2">')
    before = _event_count(registry)
    [rejected] = f.import_file(registry, f.write(tmp_path, f.activities(no_summary))).activities
    assert rejected.status is Status.REJECTED and "summary" in rejected.refusals[0]
    assert _event_count(registry) == before


EXAMPLE = (
    Path(__file__).parent / "data" / "iati-example" / "activity-standard-example-annotated.xml"
)


def test_the_official_annotated_example_imports_with_a_practice_area_and_says_what_it_left(
    registry: Registry,
) -> None:
    [without] = f.import_file(registry, EXAMPLE).activities
    assert without.status is Status.REJECTED and "--practice-area" in without.refusals[0]
    [activity] = f.import_file(registry, EXAMPLE, area=PracticeArea.CAPACITY_BUILDING).activities
    assert activity.status is Status.IMPORTED, activity
    p = _partnership(registry, "AA-AAA-123456789-ABC123")
    assert p is not None
    assert p.countries == ("AF", "AG")  # type: ignore[attr-defined]
    assert p.outcomes  # type: ignore[attr-defined]
    left = {n.element for n in activity.notes}
    # Money, places and contacts have no place in the registry; other vocabularies are not guessed.
    assert {"budget", "transaction", "location", "contact-info"} <= left
    assert "recipient-region" in left and "sector" in left
    assert all(n.line > 0 for n in activity.notes)


def test_a_refused_command_is_refused_again_for_its_own_reason_on_reimport(
    registry: Registry, tmp_path: Path
) -> None:
    backwards = f.result().replace("Prosecutors trained in digital evidence", "Backwards")
    backwards = backwards.replace(
        'period-end iso-date="2022-12-31"', 'period-end iso-date="2021-01-01"'
    )
    path = f.write(tmp_path, f.activities(f.activity(results=f.result() + backwards)))
    [first] = f.import_file(registry, path).activities
    assert first.status is Status.REJECTED and first.appended > 0
    [refusal] = first.refusals
    assert "Backwards" in refusal
    before = _event_count(registry)
    [again] = f.import_file(registry, path).activities
    assert again.refusals == [refusal]  # not IDEMPOTENCY_KEY_REUSED: keys follow the content
    assert _event_count(registry) == before


def test_an_activity_with_more_partners_than_the_registry_allows_registers_none_of_them(
    registry: Registry, tmp_path: Path
) -> None:
    many = "".join(
        f'<participating-org type="22" role="{2 if n == 0 else 4}">'
        f"<narrative>Partner {n}</narrative></participating-org>"
        for n in range(MAX_PARTNERS + 1)
    )
    path = f.write(tmp_path, f.activities(f.activity(participants=many)))
    [rejected] = f.import_file(registry, path).activities
    assert rejected.status is Status.REJECTED
    assert "limit" in rejected.refusals[0] and str(MAX_PARTNERS) in rejected.refusals[0]
    assert _event_count(registry) == 0  # no organisation registered for a refused activity


def test_one_organisation_named_with_other_spacing_and_case_is_registered_once(
    registry: Registry, tmp_path: Path
) -> None:
    def named(name: str) -> str:
        return (
            '<participating-org type="22" role="2">'
            f"<narrative>{name}</narrative></participating-org>"
        )

    first = f.activity("XM-TEST-ONE", participants=named("Acme  Cyber Ltd"))
    second = f.activity("XM-TEST-TWO", participants=named("acme cyber LTD"))
    report = f.import_file(registry, f.write(tmp_path, f.activities(first, second)))
    assert [a.status for a in report.activities] == [Status.IMPORTED, Status.IMPORTED], report
    leads = {
        m
        for identifier in ("XM-TEST-ONE", "XM-TEST-TWO")
        for m in _partnership(registry, identifier).memberships  # type: ignore[attr-defined]
    }
    assert len(leads) == 1  # the registry compares names so: one organisation, not a duplicate


def test_evidence_links_past_the_registrys_limit_are_reported_not_dropped_silently(
    registry: Registry, tmp_path: Path
) -> None:
    def links(prefix: str, count: int) -> str:
        return "".join(
            f'<document-link url="https://example.org/{prefix}{n}.pdf" format="application/pdf">'
            '<title><narrative>Evaluation</narrative></title><category code="A08"/>'
            "</document-link>"
            for n in range(count)
        )

    # Within the limit on each level, over it once the result's and the indicator's are merged.
    many = (
        f.result()
        .replace('<indicator measure="1">', f'{links("r", 15)}<indicator measure="1">', 1)
        .replace("<baseline ", f"{links('i', 10)}<baseline ", 1)
    )
    [activity] = f.import_file(
        registry, f.write(tmp_path, f.activities(f.activity(results=many)))
    ).activities
    assert activity.status is Status.IMPORTED, activity
    [outcome] = _partnership(registry).outcomes.values()  # type: ignore[attr-defined]
    assert len(outcome.evidence_urls) == MAX_URLS
    [note] = [n for n in activity.notes if "evidence links" in n.reason]
    assert "26 evidence links" in note.reason and note.line > 0  # 15 + 10 + the result's own
