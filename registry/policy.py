"""Who may do what. Checked by the application once the target aggregate is loaded.

- admins may do everything except confirm another organisation's participation;
- reviewers curate: endorse, withdraw endorsements and retract wrong activities;
- contributors speak for one organisation: they register organisations and partnerships that
  include it, and write only to partnerships it currently belongs to;
- ``confirmParticipation`` is the confirming organisation's own word, so only its contributors.
"""

from __future__ import annotations

from registry import commands as c
from registry.domain.actor import Actor, Role
from registry.domain.errors import forbidden
from registry.domain.partnership import Partnership

_CURATION = (c.EndorseBestPractice, c.WithdrawEndorsement)


def authorize_organisation_command(actor: Actor, command: c.OrganisationCommand) -> None:
    if actor.role is Role.ADMIN:
        return
    if actor.role is Role.CONTRIBUTOR:
        if isinstance(command, c.RegisterOrganisation):
            return
        if command.organisation_id == actor.organisation_id:
            return
        raise forbidden("contributors may revise only their own organisation")
    raise forbidden(f"the {actor.role} role may not change organisations")


def authorize_registration(actor: Actor, command: c.RegisterPartnership) -> None:
    if actor.role is Role.ADMIN:
        return
    if actor.role is Role.CONTRIBUTOR:
        if any(org == actor.organisation_id for org, _role in command.partners):
            return
        raise forbidden("contributors may register only partnerships their organisation is part of")
    raise forbidden(f"the {actor.role} role may not register partnerships")


def authorize_partnership_command(
    actor: Actor, command: c.PartnershipCommand, partnership: Partnership
) -> None:
    if isinstance(command, c.ConfirmParticipation):
        if actor.role is Role.CONTRIBUTOR and actor.organisation_id == command.organisation_id:
            return
        raise forbidden("only the organisation itself may confirm its participation")
    if isinstance(command, _CURATION):
        if actor.role in (Role.REVIEWER, Role.ADMIN):
            return
        raise forbidden("only reviewers may endorse best practices or withdraw endorsements")
    if actor.role is Role.REVIEWER and isinstance(command, c.RetractActivity):
        return
    authorize_partnership_writing(actor, partnership)


def authorize_partnership_writing(actor: Actor, partnership: Partnership) -> None:
    """The rule for writing to a partnership (revising it, reporting on it): admins, and
    contributors of an organisation that is one of its current partners."""
    if actor.role is Role.ADMIN:
        return
    if actor.role is Role.CONTRIBUTOR:
        if actor.organisation_id is not None and partnership.is_partner(actor.organisation_id):
            return
        raise forbidden("your organisation is not a partner in this partnership")
    raise forbidden(f"the {actor.role} role may not do this")
