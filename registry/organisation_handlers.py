"""The organisation commands: load what each needs, check, let the aggregate decide.

Each handler works on a ``UnitOfWork`` that the application saves in one transaction. A
name is unique through its ``OrganisationNameIndex``, saved with the organisation it names.
"""

from __future__ import annotations

from uuid import UUID

from registry import commands as c
from registry import policy
from registry.domain.actor import Actor
from registry.domain.errors import duplicate
from registry.domain.organisation import Organisation, OrganisationNameIndex, name_key
from registry.unit_of_work import Change, NewId, UnitOfWork, check_version


def register_organisation(
    uow: UnitOfWork, actor: Actor, command: c.RegisterOrganisation, new_id: NewId
) -> Change:
    policy.authorize_organisation_command(actor, command)
    index = uow.find(OrganisationNameIndex.id_for(command.name), OrganisationNameIndex)
    if index is not None and index.organisation_id is not None:
        raise duplicate(("name",), "an organisation with this name is already registered")
    organisation = Organisation.register(
        id=new_id("organisation"),
        name=command.name,
        org_type=command.org_type,
        sector=command.sector,
        country=command.country,
        website=command.website,
        actor=actor,
        identifiers=command.identifiers,
    )
    _claim_name(uow, index, command.name, organisation.id)
    uow.add(organisation)
    return Change(organisation.id)


def revise_organisation(
    uow: UnitOfWork, actor: Actor, command: c.ReviseOrganisation, expected_version: int | None
) -> Change:
    organisation = uow.get(command.organisation_id, Organisation, ("organisation_id",))
    policy.authorize_organisation_command(actor, command)
    check_version(organisation, expected_version)
    new_name = command.changes.get("name")
    renamed = new_name is not None and name_key(new_name) != name_key(organisation.name)
    new_index = None
    if renamed:
        assert new_name is not None
        new_index = uow.find(OrganisationNameIndex.id_for(new_name), OrganisationNameIndex)
        if new_index is not None and new_index.organisation_id is not None:
            raise duplicate(("name",), "an organisation with this name is already registered")
    old_name = organisation.name
    organisation.revise(changes=dict(command.changes), reason=command.reason, actor=actor)
    if renamed:
        assert new_name is not None
        old_index = uow.get(
            OrganisationNameIndex.id_for(old_name), OrganisationNameIndex, ("name",)
        )
        old_index.release()
        _claim_name(uow, new_index, new_name, organisation.id)
    return Change(organisation.id)


def _claim_name(
    uow: UnitOfWork, index: OrganisationNameIndex | None, name: str, organisation_id: UUID
) -> None:
    if index is None:
        uow.add(OrganisationNameIndex.claim(name, organisation_id))
    else:
        index.reclaim(organisation_id)
