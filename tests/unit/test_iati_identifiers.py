"""IATI identifiers in the domain: a partnership's activity identifier, an organisation's own.

Both follow IATI's format rule (no ``/``, ``&``, ``|`` or ``?``) and the registry's (not empty,
bounded, no whitespace or control characters); a partnership registered before the field
existed still rebuilds, without one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, is_dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from registry import commands as c
from registry.domain.codelists import OrganisationType, PartnerRole, PracticeArea, Sector
from registry.domain.errors import ErrorCode
from registry.domain.identifiers import (
    FORBIDDEN_CHARACTERS,
    MAX_IATI_IDENTIFIER,
    MAX_IDENTIFIERS,
    OrganisationIdentifier,
    identifier_problem,
)
from registry.domain.organisation import Organisation
from registry.domain.partnership import Partnership
from registry.idempotency import fingerprint

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import Build, Refused

    from registry.domain.actor import Actor

FAILED = ErrorCode.VALIDATION_FAILED

# What IATI identifiers are made of in published files: a publisher's ref, a dash, its own code.
_ALLOWED = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"),
    exclude_characters=FORBIDDEN_CHARACTERS + "\x85\x1c\x1d\x1e\x1f",
)
_VALID = st.text(_ALLOWED, min_size=1, max_size=MAX_IATI_IDENTIFIER).filter(
    lambda s: not any(ch.isspace() for ch in s)
)


@given(_VALID)
def test_identifiers_of_allowed_characters_are_valid(value: str) -> None:
    assert identifier_problem(value) is None


@given(
    _VALID,
    st.sampled_from([*FORBIDDEN_CHARACTERS, " ", "\t", "\n", "\u00a0", "\u200b", "\x00", "\x7f"]),
    st.integers(min_value=0),
)
def test_one_forbidden_character_anywhere_makes_an_identifier_invalid(
    value: str, bad: str, where: int
) -> None:
    at = where % (len(value) + 1)
    problem = identifier_problem((value[:at] + bad + value[at:])[:MAX_IATI_IDENTIFIER])
    assert problem is not None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "must not be empty"),
        ("x" * (MAX_IATI_IDENTIFIER + 1), "at most"),
        ("GB-1 202481", "spaces"),
        ("GB-1-202481/1", "'/'"),
        ("XM-DAC-41114&2", "'&'"),
    ],
)
def test_each_rule_says_what_is_wrong(value: str, reason: str) -> None:
    problem = identifier_problem(value)
    assert problem is not None and reason in problem


def test_a_partnership_keeps_the_iati_identifier_it_was_registered_with(
    build: Build, replayed: Callable[[Partnership], Partnership]
) -> None:
    partnership = build.partnership(iati_identifier="XM-DAC-41114-PROJ-0042")
    assert partnership.iati_identifier == "XM-DAC-41114-PROJ-0042"
    assert replayed(partnership).iati_identifier == "XM-DAC-41114-PROJ-0042"


def test_a_partnership_needs_no_iati_identifier(build: Build) -> None:
    assert build.partnership().iati_identifier is None


@pytest.mark.parametrize("bad", ["", " GB-1-1", "GB-1-1?x=1", "a|b", "GB\u00001"])
def test_a_bad_iati_identifier_refuses_the_registration(
    build: Build, refused: Refused, bad: str
) -> None:
    with refused(None, (FAILED, ("iati_identifier",))):
        build.partnership(iati_identifier=bad)


def test_a_registration_stored_before_iati_identifiers_existed_still_rebuilds(
    build: Build, new_registry: Callable[[], Application[UUID]]
) -> None:
    app = new_registry()
    partnership = build.partnership()
    app.save(partnership)
    recorder: Any = app.recorder
    (stored,) = recorder.select_events(partnership.id)
    state = json.loads(stored.state)
    del state["iati_identifier"]  # what an event recorded by an older registry holds
    old = StoredEvent(stored.originator_id, 1, stored.topic, json.dumps(state).encode())
    other = new_registry()
    other.recorder.insert_events([old])
    rebuilt = other.repository.get(partnership.id)
    assert isinstance(rebuilt, Partnership)
    assert rebuilt.iati_identifier is None
    assert rebuilt.title == partnership.title


def test_a_snapshot_taken_before_iati_identifiers_existed_still_restores(build: Build) -> None:
    from registry.snapshots import PartnershipSnapshot

    partnership = build.partnership()
    snapshot = PartnershipSnapshot.take(partnership)
    encoded = snapshot.state["state"]["_dict"]  # the state's (key, value) pairs, encoded
    # What an older registry's snapshot holds: no such key.
    snapshot.state["state"]["_dict"] = [kv for kv in encoded if kv[0] != "iati_identifier"]
    assert len(snapshot.state["state"]["_dict"]) == len(encoded) - 1
    restored = snapshot.mutate(None)
    assert isinstance(restored, Partnership)
    assert restored.iati_identifier is None  # time travel's views read it (was AttributeError)
    assert restored.title == partnership.title


# ---------------------------------------------------------------------- organisations


def _register(actor: Actor, identifiers: list[OrganisationIdentifier]) -> Organisation:
    return Organisation.register(
        id=uuid4(),
        name="UNODC",
        org_type=OrganisationType.MULTILATERAL,
        sector=Sector.INTERGOVERNMENTAL,
        country="AT",
        website=None,
        actor=actor,
        identifiers=identifiers,
    )


def test_an_organisation_keeps_its_identifiers_in_both_forms(
    actor: Actor, replayed: Callable[[Organisation], Organisation]
) -> None:
    identifiers = [
        OrganisationIdentifier(ref="XM-DAC-41114"),
        OrganisationIdentifier(scheme="GB-COH", value="01234567"),
    ]
    organisation = replayed(_register(actor, identifiers))
    assert organisation.identifiers == tuple(identifiers)
    assert [i.iati_ref for i in organisation.identifiers] == ["XM-DAC-41114", "GB-COH-01234567"]


def test_identifiers_are_recorded_as_the_iati_export_reads_them(actor: Actor) -> None:
    organisation = _register(actor, [OrganisationIdentifier(ref="XM-DAC-41114")])
    (event,) = organisation.collect_events()
    assert event.__dict__["identifiers"] == [{"ref": "XM-DAC-41114"}]
    assert OrganisationIdentifier(scheme="GB-COH", value="1").recorded() == {
        "scheme": "GB-COH",
        "id": "1",
    }


@pytest.mark.parametrize(
    ("identifiers", "fields"),
    [
        ([OrganisationIdentifier()], [("identifiers", "0")]),
        ([OrganisationIdentifier(ref="A", scheme="B", value="C")], [("identifiers", "0")]),
        ([OrganisationIdentifier(scheme="GB-COH")], [("identifiers", "0", "value")]),
        ([OrganisationIdentifier(value="123")], [("identifiers", "0", "scheme")]),
        ([OrganisationIdentifier(ref="XM DAC")], [("identifiers", "0", "ref")]),
        ([OrganisationIdentifier(scheme="S" * 150, value="V" * 50)], [("identifiers", "0")]),
        (
            [OrganisationIdentifier(scheme="GB/COH", value="1&2")],
            [("identifiers", "0", "scheme"), ("identifiers", "0", "value")],
        ),
        (
            [
                OrganisationIdentifier(ref="GB-COH-1"),
                OrganisationIdentifier(scheme="GB-COH", value="1"),
            ],
            [("identifiers", "1")],
        ),
        (
            [OrganisationIdentifier(ref=f"XI-IATI-{n}") for n in range(MAX_IDENTIFIERS + 1)],
            [("identifiers",)],
        ),
    ],
)
def test_bad_identifiers_refuse_the_registration_at_their_field(
    actor: Actor,
    refused: Refused,
    identifiers: list[OrganisationIdentifier],
    fields: list[tuple[str, ...]],
) -> None:
    with refused(None, *[(FAILED, f) for f in fields]):
        _register(actor, identifiers)


# ---------------------------------------------------------------------- idempotency keys


def _first_release_fingerprint(actor: Actor, command: object, leave_out: str) -> str:
    """The fingerprint a keyed submission of ``command`` stored before ``leave_out`` existed."""
    assert is_dataclass(command) and not isinstance(command, type)
    fields = {k: v for k, v in asdict(command).items() if k != leave_out}
    canonical = json.dumps(
        {
            "command": type(command).__name__,
            "input": fields,
            "expected_version": None,
            "principal": actor.principal,
        },
        default=str,
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_keyed_registrations_stored_before_the_identifiers_still_match_their_retries(
    actor: Actor,
) -> None:
    partnership = c.RegisterPartnership(
        title="T",
        summary="S",
        practice_areas=(PracticeArea.RESEARCH,),
        countries=("KE",),
        start_date=date(2024, 1, 1),
        partners=((uuid4(), PartnerRole.LEAD),),
    )
    organisation = c.RegisterOrganisation(
        "N", OrganisationType.NATIONAL_NGO, Sector.CIVIL_SOCIETY, "KE"
    )
    for command, added in ((partnership, "iati_identifier"), (organisation, "identifiers")):
        stored = _first_release_fingerprint(actor, command, added)
        assert fingerprint(actor, c.Submission(command)) == stored
    # Given, the new field is part of what the key stands for.
    with_identifier = replace(partnership, iati_identifier="XI-IATI-1")
    assert fingerprint(actor, c.Submission(with_identifier)) != fingerprint(
        actor, c.Submission(partnership)
    )
    identified = replace(organisation, identifiers=(OrganisationIdentifier(ref="XI-IATI-1"),))
    assert fingerprint(actor, c.Submission(identified)) != fingerprint(
        actor, c.Submission(organisation)
    )
