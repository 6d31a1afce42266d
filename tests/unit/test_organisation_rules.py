"""Registering and revising organisations, and the index that keeps their names unique."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.codelists import OrganisationType, Sector
from registry.domain.errors import CommandRejected, ErrorCode
from registry.domain.organisation import Organisation, OrganisationNameIndex, name_key
from registry.domain.validation import MAX_NAME, MAX_REASON, MAX_URL

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import Refused

    from registry.domain.actor import Actor

FAILED = ErrorCode.VALIDATION_FAILED


def register(actor: Actor, **overrides: Any) -> Organisation:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "name": "Ghana Cyber Security Authority",
        "org_type": OrganisationType.GOVERNMENT,
        "sector": Sector.GOVERNMENT,
        "country": "GH",
        "website": "https://csa.gov.gh",
        "actor": actor,
        **overrides,
    }
    return Organisation.register(**fields)


@pytest.fixture
def organisation(actor: Actor) -> Organisation:
    return register(actor)


def case_id(value: object) -> str | None:
    """Readable ids for tables of commands: the changed fields and their (shortened) values."""
    if isinstance(value, dict):
        return ",".join(f"{key}={_short(item)}" for key, item in value.items())
    if isinstance(value, tuple):
        return ".".join(value)
    return None


def _short(value: object) -> str:
    text = str(value)
    if len(text) <= 24:
        return text
    return f"{len(value)}-items" if isinstance(value, list) else f"{len(text)}-chars"


def url_of_length(length: int) -> str:
    prefix = "https://example.org/"
    return prefix + "a" * (length - len(prefix))


# ---------------------------------------------------------------------- registering
def test_an_organisation_is_registered_with_what_it_was_given(actor: Actor) -> None:
    organisation = register(actor, name="  Acme Security Ltd ", org_type="PRIVATE_SECTOR")
    assert (organisation.name, organisation.country, organisation.website) == (
        "Acme Security Ltd",
        "GH",
        "https://csa.gov.gh",
    )
    assert organisation.org_type is OrganisationType.PRIVATE_SECTOR
    assert organisation.sector is Sector.GOVERNMENT
    assert [type(e).__name__ for e in organisation.pending_events] == ["OrganisationRegistered"]


def test_the_event_records_who_registered_the_organisation(actor: Actor) -> None:
    (registered,) = register(actor).pending_events
    assert registered.actor == actor.record()  # type: ignore[attr-defined]


def test_an_organisation_may_have_no_website(actor: Actor) -> None:
    assert register(actor, website=None).website is None


@pytest.mark.parametrize("name", ["", "   ", "\n"])
def test_an_organisation_needs_a_name(actor: Actor, refused: Refused, name: str) -> None:
    with refused(None, (FAILED, ("name",))):
        register(actor, name=name)


def test_an_organisation_name_may_be_as_long_as_its_limit(actor: Actor) -> None:
    assert register(actor, name="n" * MAX_NAME).name == "n" * MAX_NAME


def test_an_organisation_name_over_its_limit_is_refused(actor: Actor, refused: Refused) -> None:
    with refused(None, (FAILED, ("name",))):
        register(actor, name="n" * (MAX_NAME + 1))


def test_an_organisation_name_with_a_control_character_is_refused(
    actor: Actor, refused: Refused
) -> None:
    with refused(None, (FAILED, ("name",))):
        register(actor, name="Acme\x00Ltd")


@pytest.mark.parametrize("country", ["gh", "GHA", "XX", ""])
def test_an_organisation_country_must_be_an_iso_alpha_2_code(
    actor: Actor, refused: Refused, country: str
) -> None:
    with refused(None, (FAILED, ("country",))):
        register(actor, country=country)


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", "ftp://example.org", "https://", "https://exa mple.org"]
)
def test_an_organisation_website_must_be_an_http_url(
    actor: Actor, refused: Refused, website: str
) -> None:
    with refused(None, (FAILED, ("website",))):
        register(actor, website=website)


def test_an_organisation_website_may_be_as_long_as_its_limit(
    actor: Actor, refused: Refused
) -> None:
    assert register(actor, website=url_of_length(MAX_URL)).website == url_of_length(MAX_URL)
    with refused(None, (FAILED, ("website",))):
        register(actor, website=url_of_length(MAX_URL + 1))


def test_every_problem_of_a_registration_is_reported_at_once(
    actor: Actor, refused: Refused
) -> None:
    with refused(None, (FAILED, ("name",)), (FAILED, ("country",)), (FAILED, ("website",))):
        register(actor, name=" ", country="gha", website="ftp://x")


# ---------------------------------------------------------------------- revising
def test_an_organisation_is_revised_field_by_field(
    organisation: Organisation, actor: Actor
) -> None:
    organisation.revise(
        changes={"name": " Cyber Security Authority ", "country": "NG", "website": None},
        reason="Renamed and moved",
        actor=actor,
    )
    assert (organisation.name, organisation.country, organisation.website) == (
        "Cyber Security Authority",
        "NG",
        None,
    )
    assert organisation.org_type is OrganisationType.GOVERNMENT
    assert organisation.version == 2


def test_a_revision_records_only_the_fields_that_changed(
    organisation: Organisation, actor: Actor
) -> None:
    organisation.revise(
        changes={"country": "GH", "sector": "CIVIL_SOCIETY"}, reason="Sector fixed", actor=actor
    )
    revised = organisation.pending_events[-1]
    assert revised.changes == {"sector": "CIVIL_SOCIETY"}  # type: ignore[attr-defined]
    assert organisation.sector is Sector.CIVIL_SOCIETY


def test_an_organisation_revision_that_changes_nothing_is_refused(
    organisation: Organisation, actor: Actor, refused: Refused
) -> None:
    with refused(organisation, (FAILED, ())):
        organisation.revise(
            changes={"name": organisation.name, "country": "GH"}, reason="No-op", actor=actor
        )


def test_an_organisation_revision_that_only_pads_the_name_changes_nothing(
    organisation: Organisation, actor: Actor, refused: Refused
) -> None:
    with refused(organisation, (FAILED, ())):
        organisation.revise(changes={"name": f"  {organisation.name} "}, reason="Pad", actor=actor)


@pytest.mark.parametrize("reason", ["", "  "])
def test_an_organisation_revision_needs_a_reason(
    organisation: Organisation, actor: Actor, refused: Refused, reason: str
) -> None:
    with refused(organisation, (FAILED, ("reason",))):
        organisation.revise(changes={"country": "NG"}, reason=reason, actor=actor)


def test_an_organisation_revision_reason_may_be_as_long_as_its_limit(
    organisation: Organisation, actor: Actor, refused: Refused
) -> None:
    with refused(organisation, (FAILED, ("reason",))):
        organisation.revise(changes={"country": "NG"}, reason="r" * (MAX_REASON + 1), actor=actor)
    organisation.revise(changes={"country": "NG"}, reason="r" * MAX_REASON, actor=actor)
    assert organisation.country == "NG"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "n" * (MAX_NAME + 1)}, "name"),
        ({"name": "Bad\x1bname"}, "name"),
        ({"country": "ng"}, "country"),
        ({"country": "NGA"}, "country"),
        ({"country": "QQ"}, "country"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "http://"}, "website"),
    ],
    ids=case_id,
)
def test_an_organisation_revision_is_checked_like_a_registration(
    organisation: Organisation, actor: Actor, refused: Refused, changes: dict[str, Any], field: str
) -> None:
    with refused(organisation, (FAILED, (field,))):
        organisation.revise(changes=changes, reason="Fix", actor=actor)


@pytest.mark.parametrize("field", ["name", "org_type", "sector", "country"])
def test_an_organisation_revision_cannot_clear_a_required_field(
    organisation: Organisation, actor: Actor, refused: Refused, field: str
) -> None:
    with refused(organisation, (FAILED, (field,))):
        organisation.revise(changes={field: None}, reason="Clear", actor=actor)


# ---------------------------------------------------------------------- unique names
@pytest.mark.parametrize("variant", ["ACME  Ltd", " acme ltd ", "Acme\tLTD", "acme\nltd"])
def test_names_that_differ_only_in_case_or_spacing_are_the_same_name(variant: str) -> None:
    assert name_key(variant) == "acme ltd"
    assert OrganisationNameIndex.id_for(variant) == OrganisationNameIndex.id_for("Acme Ltd")


def test_different_names_have_different_index_entries() -> None:
    assert OrganisationNameIndex.id_for("Acme Ltd") != OrganisationNameIndex.id_for("Acme Inc")


def test_a_name_is_claimed_released_and_claimed_again() -> None:
    first, second = uuid4(), uuid4()
    index = OrganisationNameIndex.claim(" ACME  Ltd", first)
    assert (index.id, index.organisation_id) == (OrganisationNameIndex.id_for("acme ltd"), first)
    index.release()
    assert index.organisation_id is None
    index.reclaim(second)
    assert index.organisation_id == second


@given(st.text(max_size=40))
def test_any_name_and_its_normalised_key_claim_the_same_index_entry(name: str) -> None:
    assert OrganisationNameIndex.id_for(name) == OrganisationNameIndex.id_for(name_key(name))


# ---------------------------------------------------------------------- replay
def test_organisation_events_replay_to_the_same_state(
    organisation: Organisation, actor: Actor, replayed: Callable[[Organisation], Organisation]
) -> None:
    organisation.revise(
        changes={"name": "CSA Ghana", "org_type": "OTHER_PUBLIC_SECTOR", "website": None},
        reason="Rebrand",
        actor=actor,
    )
    organisation.revise(changes={"sector": Sector.INTERGOVERNMENTAL}, reason="Fix", actor=actor)
    copy = replayed(organisation)
    assert copy == organisation
    assert repr(copy) == repr(organisation)
    assert copy.org_type is OrganisationType.OTHER_PUBLIC_SECTOR
    assert copy.sector is Sector.INTERGOVERNMENTAL


def test_name_index_events_replay_to_the_same_state(
    replayed: Callable[[OrganisationNameIndex], OrganisationNameIndex],
) -> None:
    index = OrganisationNameIndex.claim("Acme Ltd", uuid4())
    index.release()
    index.reclaim(uuid4())
    assert replayed(index) == index


def test_a_refusal_names_the_field_and_what_is_wrong_with_it(
    organisation: Organisation, actor: Actor
) -> None:
    with pytest.raises(CommandRejected, match=r"^country: 'gh' is not an ISO 3166-1 alpha-2"):
        organisation.revise(changes={"country": "gh"}, reason="Fix", actor=actor)
