"""IATI identifiers over GraphQL: a partnership's activity identifier, an organisation's own.

Registered through the mutations, read back from the read model, found by the filter; a bad
identifier is a userError at its field, and nothing is appended.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from registry import commands as c
from registry.application import Registry
from registry.domain.actor import Actor, Role
from registry.domain.codelists import PartnerRole, PracticeArea
from registry.domain.errors import CommandRejected, ErrorCode
from schema.ids import from_global_id
from tests.e2e.conftest import PARTNERSHIP, World, partnership_input

IDENTIFIED = "organisation { id name identifiers { ref scheme value } }"
FIND = (
    "query($id: String) { partnerships(filter: {iatiIdentifier: $id}) {"
    " totalCount edges { node { id iatiIdentifier title } } } }"
)


def _register_activity(world: World, identifier: str | None, **fields: Any) -> dict[str, Any]:
    return world.api.mutate(
        "registerPartnership",
        partnership_input((world.ngo_id, "LEAD"), iatiIdentifier=identifier, **fields),
        world.ngo,
        "partnership { id iatiIdentifier }",
    )


def test_an_organisation_registered_with_identifiers_reads_them_back(world: World) -> None:
    payload = world.api.mutate(
        "registerOrganisation",
        {
            "name": "UNODC",
            "orgType": "MULTILATERAL",
            "sector": "INTERGOVERNMENTAL",
            "country": "AT",
            "identifiers": [{"ref": "XM-DAC-41114"}, {"scheme": "GB-COH", "value": "01234567"}],
        },
        world.admin,
        IDENTIFIED,
    )
    assert payload["userErrors"] == []
    expected = [
        {"ref": "XM-DAC-41114", "scheme": None, "value": None},
        {"ref": "GB-COH-01234567", "scheme": "GB-COH", "value": "01234567"},
    ]
    assert payload["organisation"]["identifiers"] == expected
    read = world.api.post(
        "query($id: ID!) { organisation(id: $id) { identifiers { ref scheme value } } }",
        {"id": payload["organisation"]["id"]},
    )
    assert read["data"]["organisation"]["identifiers"] == expected


def test_an_organisation_without_identifiers_has_an_empty_list(world: World) -> None:
    read = world.api.post(
        "query($id: ID!) { organisation(id: $id) { identifiers { ref } } }", {"id": world.ngo_id}
    )
    assert read["data"]["organisation"]["identifiers"] == []


def test_a_partners_identifiers_read_with_the_partnership(world: World) -> None:
    identified = world.api.mutate(
        "registerOrganisation",
        {
            "name": "Global Cyber Fund",
            "orgType": "FOUNDATION",
            "sector": "CIVIL_SOCIETY",
            "country": "CH",
            "identifiers": [{"ref": "XI-IATI-GCF"}],
        },
        world.admin,
        IDENTIFIED,
    )["organisation"]
    payload = world.api.mutate(
        "registerPartnership",
        partnership_input((world.ngo_id, "LEAD"), (identified["id"], "FUNDER")),
        world.ngo,
        "partnership { partners { role organisation { identifiers { ref } } } }",
    )
    partners = payload["partnership"]["partners"]
    assert {"role": "FUNDER", "organisation": {"identifiers": [{"ref": "XI-IATI-GCF"}]}} in partners


def test_a_partnership_registered_with_an_iati_identifier_is_found_by_it(world: World) -> None:
    registered = _register_activity(world, "XM-DAC-41114-PROJ-0042", title="Imported activity")
    assert registered["userErrors"] == []
    assert registered["partnership"]["iatiIdentifier"] == "XM-DAC-41114-PROJ-0042"
    _register_activity(world, "XM-DAC-41114-PROJ-0043")

    found = world.api.post(FIND, {"id": "XM-DAC-41114-PROJ-0042"})["data"]["partnerships"]
    assert found["totalCount"] == 1
    (edge,) = found["edges"]
    assert edge["node"] == {
        "id": registered["partnership"]["id"],
        "iatiIdentifier": "XM-DAC-41114-PROJ-0042",
        "title": "Imported activity",
    }
    read = world.api.post(
        "query($id: ID!) { partnership(id: $id) { iatiIdentifier } }",
        {"id": registered["partnership"]["id"]},
    )
    assert read["data"]["partnership"] == {"iatiIdentifier": "XM-DAC-41114-PROJ-0042"}


def test_the_filter_matches_exactly(world: World) -> None:
    _register_activity(world, "XM-DAC-41114-PROJ-0042")
    for other in ("XM-DAC-41114-PROJ-004", "xm-dac-41114-proj-0042", "XM-DAC-41114-PROJ-00421"):
        found = world.api.post(FIND, {"id": other})["data"]["partnerships"]
        assert found == {"totalCount": 0, "edges": []}, other
    # Without the criterion, every partnership: the world's and the new one.
    assert world.api.post(FIND, {"id": None})["data"]["partnerships"]["totalCount"] == 2


def test_a_partnership_registered_without_one_has_none(world: World) -> None:
    read = world.api.post(
        "query($id: ID!) { partnership(id: $id) { iatiIdentifier } }", {"id": world.partnership_id}
    )
    assert read["data"]["partnership"] == {"iatiIdentifier": None}


@pytest.mark.parametrize("bad", ["", "XM-DAC 41114", "GB-1-2/3", "A&B", "a|b", "why?", "x" * 201])
def test_a_bad_iati_identifier_is_a_user_error_and_appends_nothing(world: World, bad: str) -> None:
    before = world.api.event_count()
    payload = _register_activity(world, bad)
    assert payload["partnership"] is None
    (error,) = payload["userErrors"]
    assert error["code"] == "VALIDATION_FAILED"
    assert error["field"] == ["input", "iatiIdentifier"]
    assert world.api.event_count() == before


@pytest.mark.parametrize(
    ("identifiers", "field"),
    [
        ([{}], ["input", "identifiers", "0"]),
        ([{"ref": "XM-DAC-1", "scheme": "XM-DAC", "value": "1"}], ["input", "identifiers", "0"]),
        ([{"scheme": "GB-COH"}], ["input", "identifiers", "0", "value"]),
        ([{"ref": "XM DAC 1"}], ["input", "identifiers", "0", "ref"]),
        ([{"ref": "XM-DAC-1"}, {"ref": "XM-DAC-1"}], ["input", "identifiers", "1"]),
    ],
)
def test_bad_organisation_identifiers_are_user_errors_at_their_field(
    world: World, identifiers: list[dict[str, str]], field: list[str]
) -> None:
    before = world.api.event_count()
    payload = world.api.mutate(
        "registerOrganisation",
        {
            "name": "Someone new",
            "orgType": "NATIONAL_NGO",
            "sector": "CIVIL_SOCIETY",
            "country": "KE",
            "identifiers": identifiers,
        },
        world.admin,
        IDENTIFIED,
    )
    assert payload["organisation"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("VALIDATION_FAILED", field)
    ]
    assert world.api.event_count() == before


def test_the_whole_partnership_selection_still_reads_with_an_identifier(world: World) -> None:
    payload = world.api.mutate(
        "registerPartnership",
        partnership_input((world.ngo_id, "LEAD"), iatiIdentifier="XI-IATI-EX-1"),
        world.ngo,
        PARTNERSHIP,
    )
    assert payload["userErrors"] == []
    assert payload["partnership"]["partners"][0]["organisation"]["name"] == "Kenya Cyber Trust"


def test_an_iati_identifier_names_one_partnership_only(world: World) -> None:
    first = _register_activity(world, "XM-DAC-41114-PROJ-0042")
    assert first["userErrors"] == []
    before = world.api.event_count()
    again = _register_activity(world, "XM-DAC-41114-PROJ-0042", title="The same, imported again")
    assert again["partnership"] is None
    assert [(e["code"], e["field"]) for e in again["userErrors"]] == [
        ("DUPLICATE", ["input", "iatiIdentifier"])
    ]
    assert world.api.event_count() == before
    found = world.api.post(FIND, {"id": "XM-DAC-41114-PROJ-0042"})["data"]["partnerships"]
    assert found["totalCount"] == 1
    # Identifiers are compared exactly, as IATI does: another case is another activity.
    assert _register_activity(world, "xm-dac-41114-proj-0042")["userErrors"] == []


def test_one_batch_registers_an_activity_once(world: World) -> None:
    """The importer's way in: a batch of commands, as one transaction."""
    lead = from_global_id(world.ngo_id, "Organisation")
    command = c.RegisterPartnership(
        title="Imported twice in one file",
        summary="The same activity listed twice.",
        practice_areas=(PracticeArea.RESEARCH,),
        countries=("KE",),
        start_date=date(2024, 1, 1),
        partners=((lead, PartnerRole.LEAD),),
        iati_identifier="XI-IATI-EX-TWICE",
    )
    registry = Registry(env=world.api.address.eventsourcing_env())
    try:
        first, second = registry.submit_batch(
            Actor("importer", Role.ADMIN), [c.Submission(command), c.Submission(command)]
        )
    finally:
        registry.close()
    assert not isinstance(first, CommandRejected)
    assert isinstance(second, CommandRejected)
    assert [(p.code, p.field) for p in second.problems] == [
        (ErrorCode.DUPLICATE, ("iati_identifier",))
    ]
