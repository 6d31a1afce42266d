"""The IATI XML of partnerships built in memory: the mapping, hostile text, arbitrary unicode."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.iati import codes
from projections.iati.codes import EXTENSION_NAMESPACE, Publisher
from projections.iati.text import REPLACEMENT, number, xml_text
from projections.iati.validation import schema_errors
from tests.iati.samples import GENERATED, document, parse, participant, partnership, result

EXT = "{" + EXTENSION_NAMESPACE + "}"


def _only(data: bytes) -> Any:
    root = parse(data)
    (activity,) = root.findall("iati-activity")
    return activity


def _narratives(activity: Any, path: str) -> list[str]:
    return [n.text or "" for n in activity.findall(f"{path}/narrative")]


# ---------------------------------------------------------------------------- the mapping


def test_a_partnership_becomes_a_valid_activity_with_its_parts() -> None:
    data = document(partnership())
    assert schema_errors(data) == ()
    root = parse(data)
    assert root.get("version") == "2.03"
    assert root.get("generated-datetime") == "2024-06-01T12:00:00Z"
    activity = _only(data)
    assert activity.findtext("iati-identifier") == (
        "XX-PPP-REGISTRY-00000000-0000-0000-0000-000000000001"
    )
    reporting = activity.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type")) == ("XX-PPP-REGISTRY", "90")
    assert reporting.get("secondary-reporter") == "1"
    assert _narratives(activity, "title") == ["Cyber capacity for East Africa"]
    types = [d.get("type") for d in activity.findall("description")]
    assert types == ["1", "2", "3"]
    assert activity.get("last-updated-datetime") == "2024-05-01T09:30:00Z"
    assert [c.get("code") for c in activity.findall("recipient-country")] == ["KE", "TZ"]
    (region,) = activity.findall("recipient-region")
    assert (region.get("code"), region.get("vocabulary")) == ("014", "2")


def test_roles_types_and_refs_of_participating_organisations() -> None:
    members = (
        participant("LEAD", 1),
        participant("FUNDER", 2, org_type="GOVERNMENT", ref="XM-DAC-7"),
        participant("IMPLEMENTER", 3, org_type="PRIVATE_SECTOR"),
        participant("KNOWLEDGE_PARTNER", 4, org_type="ACADEMIC_TRAINING_AND_RESEARCH"),
        participant("BENEFICIARY", 5, org_type=None, sector="GOVERNMENT", until=date(2023, 1, 1)),
    )
    activity = _only(document(partnership(participants=members)))
    found = {
        org.get(EXT + "role"): (org.get("role"), org.get("type"), org.get("ref"))
        for org in activity.findall("participating-org")
    }
    assert found == {
        "FUNDER": ("1", "10", "XM-DAC-7"),
        "LEAD": ("2", "22", None),
        "IMPLEMENTER": ("4", "70", None),
        "KNOWLEDGE_PARTNER": ("4", "80", None),
        "BENEFICIARY": ("4", "10", None),  # no type of its own: from its sector
    }
    roles = [org.get("role") for org in activity.findall("participating-org")]
    assert roles == sorted(roles)  # by IATI role
    former = activity.find(f"participating-org[@{EXT}role='BENEFICIARY']")
    assert former.get(EXT + "until") == "2023-01-01"


def test_status_and_dates_follow_the_events_and_the_log_date() -> None:
    def status_and_dates(**changes: Any) -> tuple[str, list[tuple[str, str]]]:
        activity = _only(document(partnership(**changes)))
        dates = [(d.get("type"), d.get("iso-date")) for d in activity.findall("activity-date")]
        return activity.find("activity-status").get("code"), dates

    assert status_and_dates() == ("2", [("2", "2021-03-01"), ("3", "2025-12-31")])
    future = date(2030, 1, 1)
    assert status_and_dates(start_date=future, end_date=None) == ("1", [("1", "2030-01-01")])
    overdue = date(2024, 1, 31)
    assert status_and_dates(end_date=overdue)[0] == "3"
    closed = status_and_dates(concluded=True, end_date=overdue, conclusion="Handed over.")
    assert closed == ("4", [("2", "2021-03-01"), ("4", "2024-01-31")])
    assert GENERATED.date() > overdue


def test_practice_areas_are_our_vocabulary_and_dac_codes_only_where_they_are_true() -> None:
    publisher = Publisher(practice_area_vocabulary_uri="https://registry.example/areas")
    areas = ("RESEARCH", "OPERATIONAL_COOPERATION", "POLICY_DEVELOPMENT")
    activity = _only(document(partnership(practice_areas=areas), publisher=publisher))
    sectors = [
        (s.get("vocabulary"), s.get("code"), s.get("vocabulary-uri"))
        for s in activity.findall("sector")
    ]
    own = "https://registry.example/areas"
    assert sectors == [
        ("99", "POLICY_DEVELOPMENT", own),  # in codelist order
        ("99", "OPERATIONAL_COOPERATION", own),
        ("99", "RESEARCH", own),
        ("1", "15131", None),
        ("1", "15130", None),
    ]
    assert set(codes.DAC_PURPOSE_CODES) == {"POLICY_DEVELOPMENT", "OPERATIONAL_COOPERATION"}


def test_results_carry_baseline_period_target_actual_and_evidence() -> None:
    percent = result(
        outcome_id=UUID(int=7),
        result_level="OUTPUT",
        unit="%",
        baseline=12.5,
        target=None,
        actual=40.0,
        period_start=None,
        period_end=None,
        evidence_urls=(),
    )
    activity = _only(document(partnership(results=(result(), percent))))
    first, second = activity.findall("result")
    assert (first.get("type"), second.get("type")) == ("1", "2")  # outputs before outcomes
    assert first.get(EXT + "outcome-id") == str(UUID(int=7))
    indicator = first.find("indicator")
    assert indicator.get("measure") == "2"
    assert indicator.find("baseline").attrib == {"year": "2021", "value": "12.5"}
    period = indicator.find("period")
    # No period of its own and an end date: the partnership's start and end.
    assert period.find("period-start").get("iso-date") == "2021-03-01"
    assert period.find("period-end").get("iso-date") == "2025-12-31"
    assert period.find("target") is None and period.find("actual").get("value") == "40"
    outcome = second.find("indicator/period")
    assert [outcome.find(t).get("value") for t in ("target", "actual")] == ["120", "97"]
    links = [link.get("url") for link in activity.findall("document-link")]
    assert links == ["https://example.org/report", "https://example.org/evaluation.pdf"]
    formats = [link.get("format") for link in activity.findall("document-link")]
    assert formats == ["text/html", "application/pdf"]
    assert [link.get("url") for link in second.findall("document-link")] == [
        "https://example.org/evaluation.pdf"
    ]


def test_a_result_without_an_end_is_measured_by_the_day_it_was_reported() -> None:
    open_ended = result(period_start=date(2022, 5, 1), period_end=None)
    activity = _only(document(partnership(end_date=None, results=(open_ended,))))
    period = activity.find("result/indicator/period")
    assert period.find("period-end").get("iso-date") == "2023-02-01"


def test_a_stored_identifier_is_kept_and_the_publisher_is_configurable() -> None:
    publisher = Publisher(
        ref="XM-DAC-41122", name="UNODC", org_type=codes.OrganisationType.MULTILATERAL
    )
    activity = _only(document(partnership(iati_identifier="GB-GOV-1-300123"), publisher=publisher))
    assert activity.findtext("iati-identifier") == "GB-GOV-1-300123"
    reporting = activity.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type")) == ("XM-DAC-41122", "40")
    assert _narratives(activity, "reporting-org") == ["UNODC"]
    built = _only(document(partnership(), publisher=publisher)).findtext("iati-identifier")
    assert built == f"XM-DAC-41122-{UUID(int=1)}"


def test_organisation_refs_come_from_their_identifiers() -> None:
    assert codes.organisation_ref([{"scheme": "GB-COH", "id": "01234567"}]) == "GB-COH-01234567"
    assert codes.organisation_ref([{"ref": " XM-DAC-41122 "}]) == "XM-DAC-41122"
    assert codes.organisation_ref([{"scheme": "GB-COH"}, {"ref": "XI-1"}]) == "XI-1"
    assert codes.organisation_ref([]) is None and codes.organisation_ref(None) is None


def test_the_same_partnerships_give_the_same_bytes() -> None:
    assert document(partnership(), partnership(id=UUID(int=2))) == document(
        partnership(), partnership(id=UUID(int=2))
    )


# ---------------------------------------------------------------------------- hostile text


def test_markup_in_text_stays_text() -> None:
    title = '<script>alert("x")</script> & <![CDATA[ ]]> </narrative></title>'
    data = document(partnership(title=title, summary="<b>bold</b>"))
    assert schema_errors(data) == ()
    assert b"<script>" not in data and b"&lt;script&gt;" in data
    activity = _only(data)
    assert _narratives(activity, "title") == [title]
    assert activity.find(".//script") is None


def test_characters_xml_cannot_carry_are_replaced_not_dropped() -> None:
    hostile = "a\x00b\x1bc\x7f\ufffe\uffff\ud800d\te\nf\rg"
    members = (participant(name=hostile, org_type="OTHER"),)
    data = document(
        partnership(
            title=hostile,
            summary=hostile,
            participants=members,
            results=(result(indicator=hostile, unit=hostile),),
        )
    )
    assert schema_errors(data) == ()
    expected = f"a{REPLACEMENT}b{REPLACEMENT}c\x7f{REPLACEMENT * 3}d\te\nf\rg"
    assert xml_text(hostile) == expected
    activity = _only(data)
    assert _narratives(activity, "title") == [expected]
    assert _narratives(activity, "participating-org") == [expected]
    assert activity.find("result/indicator").get(EXT + "unit") is not None


def test_numbers_are_plain_decimals() -> None:
    assert [number(v) for v in (3.0, 2.5, 1e-7, 1.5e20, 7)] == [
        "3",
        "2.5",
        "0.0000001",
        "150000000000000000000",
        "7",
    ]


# ---------------------------------------------------------------------------- arbitrary unicode

# Every code point, lone surrogates and C0 controls included (the default leaves surrogates out).
_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=200)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_ANY_TEXT, summary=_ANY_TEXT, objectives=st.none() | _ANY_TEXT, name=_ANY_TEXT)
def test_arbitrary_unicode_titles_and_descriptions_give_valid_xml(
    title: str, summary: str, objectives: str | None, name: str
) -> None:
    members = (participant(name=name),)
    made = partnership(title=title, summary=summary, objectives=objectives, participants=members)
    data = document(made)
    assert schema_errors(data) == ()
    activity = _only(data)
    assert _narratives(activity, "title") == [xml_text(title)]
    general = activity.find("description[@type='1']/narrative")
    assert (general.text or "") == xml_text(summary)
