"""The Organisation aggregate and the index that keeps organisation names unique."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from registry.domain.actor import Actor
from registry.domain.codelists import OrganisationType, Sector
from registry.domain.errors import invalid
from registry.domain.identifiers import OrganisationIdentifier, check_organisation_identifiers
from registry.domain.validation import MAX_NAME, MAX_REASON, Checks

ActorRecord = dict[str, str | None]

_NAME_NAMESPACE = UUID("5b0f9d7e-3c41-4a53-9a53-6f1f1f0e8c11")


def name_key(name: str) -> str:
    """Names compare case-folded with runs of whitespace collapsed: 'ACME  Ltd' == 'acme ltd'."""
    return re.sub(r"\s+", " ", name).strip().casefold()


class Organisation(Aggregate):
    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        name: str,
        org_type: OrganisationType,
        sector: Sector,
        country: str,
        website: str | None,
        actor: Actor,
        identifiers: Sequence[OrganisationIdentifier] = (),
    ) -> Organisation:
        checks = Checks()
        checks.text(("name",), name, MAX_NAME)
        checks.country(("country",), country)
        checks.url(("website",), website)
        check_organisation_identifiers(checks, ("identifiers",), identifiers)
        checks.raise_if_any()
        return cls(
            id=id,
            name=name.strip(),
            org_type=org_type,
            sector=sector,
            country=country,
            website=website,
            identifiers=[i.recorded() for i in identifiers],
            actor=actor.record(),
        )

    @event("OrganisationRegistered")
    def __init__(
        self,
        id: UUID,
        name: str,
        org_type: OrganisationType,
        sector: Sector,
        country: str,
        website: str | None,
        identifiers: list[dict[str, str]],
        actor: ActorRecord,
    ) -> None:
        self.name: str = name
        self.org_type: OrganisationType = OrganisationType(org_type)
        self.sector: Sector = Sector(sector)
        self.country: str = country
        self.website: str | None = website
        self.identifiers: tuple[OrganisationIdentifier, ...] = tuple(
            OrganisationIdentifier.of_record(i) for i in identifiers
        )

    def revise(self, *, changes: dict[str, Any], reason: str, actor: Actor) -> None:
        """Change some fields; ``changes`` holds only the fields given, by their event names."""
        checks = Checks()
        checks.text(("reason",), reason, MAX_REASON)
        if "name" in changes:
            checks.text(("name",), changes["name"], MAX_NAME)
        for required in ("org_type", "sector", "country"):
            if required in changes and changes[required] is None:
                checks.fail((required,), "must not be null")
        if changes.get("country") is not None:
            checks.country(("country",), changes["country"])
        if "website" in changes:
            checks.url(("website",), changes["website"])
        checks.raise_if_any()
        if "name" in changes:
            # Strip before comparing, so that padding the current name is no change.
            changes = {**changes, "name": changes["name"].strip()}
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not changed:
            raise invalid((), "the revision changes nothing")
        self._revise(changes=changed, reason=reason, actor=actor.record())

    @event("OrganisationRevised")
    def _revise(self, changes: dict[str, Any], reason: str, actor: ActorRecord) -> None:
        for field, value in changes.items():
            if field == "org_type":
                value = OrganisationType(value)
            elif field == "sector":
                value = Sector(value)
            setattr(self, field, value)


class OrganisationNameIndex(Aggregate):
    """One per case-folded name; saved with the organisation, so a taken name fails the append.

    Its id derives from the name, so two concurrent registrations of one name collide on the
    event store's (originator_id, version) key and exactly one wins.
    """

    @staticmethod
    def id_for(name: str) -> UUID:
        return uuid5(_NAME_NAMESPACE, name_key(name))

    @classmethod
    def claim(cls, name: str, organisation_id: UUID) -> OrganisationNameIndex:
        return cls(id=cls.id_for(name), name=name_key(name), organisation_id=organisation_id)

    @event("OrganisationNameClaimed")
    def __init__(self, id: UUID, name: str, organisation_id: UUID) -> None:
        self.organisation_id: UUID | None = organisation_id

    def reclaim(self, organisation_id: UUID) -> None:
        self._reclaim(organisation_id=organisation_id)

    @event("OrganisationNameReclaimed")
    def _reclaim(self, organisation_id: UUID) -> None:
        self.organisation_id = organisation_id

    def release(self) -> None:
        self._release()

    @event("OrganisationNameReleased")
    def _release(self) -> None:
        self.organisation_id = None
