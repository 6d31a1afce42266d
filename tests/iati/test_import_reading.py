"""Reading and planning without a database: what any activity becomes, and hostile bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from entrypoints.cli.importing import sniff_format
from entrypoints.iati_import.planning import Partner, plan_activity
from entrypoints.iati_import.reading import read_activity
from entrypoints.iati_import.screening import FileRefused, screen
from projections.iati import codes
from registry.domain.codelists import PartnerRole, PracticeArea, ResultLevel
from tests.iati import iati_files as f

LEAD = Partner(UUID(int=1), PartnerRole.LEAD)


def _element(text: str) -> object:
    return etree.fromstring(text.encode())


def test_the_exporters_tables_read_backwards() -> None:
    activity = read_activity(
        _element(
            f.activity(
                sectors='<sector vocabulary="1" code="15130"/><sector code="15131"/>'
                '<sector vocabulary="99" code="RESEARCH"/><sector vocabulary="99" code="NOPE"/>',
                results=f.result().replace('type="2"', 'type="3"'),
            )
        )
    )
    assert activity.practice_areas == [
        PracticeArea(a) for a in ("OPERATIONAL_COOPERATION", "POLICY_DEVELOPMENT", "RESEARCH")
    ]
    assert [n.reason for n in activity.unmapped_sectors] == [
        "sector 'NOPE' of vocabulary 99 names no practice area"
    ]
    [outcome] = activity.outcomes
    assert outcome.result_level is ResultLevel.IMPACT
    assert {codes.RESULT_TYPES[level] for level in ResultLevel} == {"1", "2", "3"}


def test_ppp_role_restores_the_registrys_role_only_when_it_agrees_with_iatis() -> None:
    participants = (
        f'<participating-org role="4" xmlns:ppp="{codes.EXTENSION_NAMESPACE}" '
        'ppp:role="KNOWLEDGE_PARTNER"><narrative>A</narrative></participating-org>'
        f'<participating-org role="1" xmlns:ppp="{codes.EXTENSION_NAMESPACE}" '
        'ppp:role="BENEFICIARY"><narrative>B</narrative></participating-org>'
        '<participating-org role="3"><narrative>C</narrative></participating-org>'
        '<participating-org role="7"><narrative>D</narrative></participating-org>'
    )
    activity = read_activity(_element(f.activity(participants=participants)))
    assert [(o.name, o.role) for o in activity.participants] == [
        ("A", PartnerRole.KNOWLEDGE_PARTNER),
        ("B", PartnerRole.FUNDER),
        ("C", PartnerRole.IMPLEMENTER),
    ]
    assert any("'7'" in n.reason for n in activity.notes)


def test_elements_without_a_place_are_reported_once_per_kind_with_their_first_line() -> None:
    extra = "<budget><period-start iso-date='2022-01-01'/></budget>" * 3
    activity = read_activity(_element(f.activity(extra=extra)))
    [note] = [n for n in activity.notes if n.element == "budget"]
    assert "3 of them" in note.reason and "money" in note.reason and note.line > 1


def test_a_closed_activity_is_concluded_at_its_end_date() -> None:
    activity = read_activity(_element(f.activity(status="4", end="2023-06-30")))
    plan = plan_activity(activity, UUID(int=9), [LEAD], None, None)
    assert plan.refusal is None
    [conclusion] = [s for s in plan.steps if s.mutation == "concludePartnership"]
    assert conclusion.input["endDate"] == date(2023, 6, 30).isoformat()


# What XML can carry: no control characters, surrogates, U+FFFE or U+FFFF.
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=40,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_TEXT,
    summary=_TEXT,
    code=_TEXT,
    value=_TEXT,
    day=_TEXT,
    role=st.sampled_from(["1", "2", "3", "4", "", "x"]),
)
def test_any_values_are_read_and_planned_or_refused_never_a_crash(
    title: str, summary: str, code: str, value: str, day: str, role: str
) -> None:
    element = etree.Element("iati-activity")
    etree.SubElement(element, "iati-identifier").text = "X-1"
    etree.SubElement(etree.SubElement(element, "title"), "narrative").text = title
    described = etree.SubElement(element, "description", type="1")
    etree.SubElement(described, "narrative").text = summary
    org = etree.SubElement(element, "participating-org", role=role, ref=code)
    etree.SubElement(org, "narrative").text = title
    etree.SubElement(element, "activity-date", type="2", **{"iso-date": day})
    etree.SubElement(element, "recipient-country", code=code)
    etree.SubElement(element, "recipient-region", code=code, vocabulary="2")
    etree.SubElement(element, "sector", code=code, vocabulary="99")
    etree.SubElement(element, "document-link", url=value)
    result = etree.SubElement(element, "result", type=role)
    indicator = etree.SubElement(result, "indicator")
    etree.SubElement(etree.SubElement(indicator, "title"), "narrative").text = title
    etree.SubElement(indicator, "baseline", value=value)
    activity = read_activity(element)
    plan = plan_activity(activity, UUID(int=9), [LEAD], None, PracticeArea.RESEARCH)
    assert (plan.refusal is None) == bool(plan.steps)
    if plan.refusal is not None:
        assert plan.refusal.reason


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_any_bytes_are_screened_or_refused_never_a_crash(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "any.xml"
    path.write_bytes(data)
    try:
        screen(path)
    except FileRefused as refused:
        assert refused.errors and all(e.line >= 1 for e in refused.errors)
    assert sniff_format(path) in ("iati", "ndjson")


@pytest.mark.parametrize(
    ("head", "told"),
    [
        (b"\xef\xbb\xbf  <iati-activities/>", "iati"),
        ("<iati-activities/>".encode("utf-16"), "iati"),
        (b'{"command": "x"}\n', "ndjson"),
        (b"", "ndjson"),
    ],
)
def test_the_format_is_told_by_the_content(tmp_path: Path, head: bytes, told: str) -> None:
    path = tmp_path / "file"
    path.write_bytes(head)
    assert sniff_format(path) == told
