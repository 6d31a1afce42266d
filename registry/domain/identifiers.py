"""Identifiers the IATI standard gives: of an activity (a partnership) and of an organisation.

IATI's own rule for both kinds (the IATI Rulesets' "valid format" rule, regex
``^[^/&|?]+$``) forbids ``/``, ``&``, ``|`` and ``?``; the registry also refuses whitespace
and control characters, which would make an identifier differ from itself once an XML
file, a URL or a spreadsheet has trimmed or wrapped it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from registry.domain.errors import CommandRejected, ErrorCode
from registry.domain.validation import Checks, Path

_ACTIVITY_NAMESPACE = UUID("0c6f2e0a-51a4-4d2b-8f44-2b5b8c1e7a93")

MAX_IATI_IDENTIFIER = 200
MAX_IDENTIFIERS = 20
# Characters IATI's format rule forbids in an identifier.
FORBIDDEN_CHARACTERS = "/&|?"


def identifier_problem(value: str, limit: int = MAX_IATI_IDENTIFIER) -> str | None:
    """Why ``value`` is no IATI identifier, or None when it is one."""
    if not value:
        return "must not be empty"
    if len(value) > limit:
        return f"must be at most {limit} characters (got {len(value)})"
    for ch in value:
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return f"must not contain spaces or control characters (found {ch!r})"
        if ch in FORBIDDEN_CHARACTERS:
            return f"must not contain {ch!r}: IATI identifiers exclude / & | and ?"
    return None


def check_identifier(checks: Checks, field: Path, value: str | None) -> None:
    if value is None:
        return
    problem = identifier_problem(value)
    if problem is not None:
        checks.fail(field, problem)


@dataclass(frozen=True)
class OrganisationIdentifier:
    """An organisation's identifier: an IATI organisation identifier as published (``ref``), or
    a register's code from org-id.guide (``scheme``, e.g. "XM-DAC" or "GB-COH") and the
    organisation's ``value`` in it. Either ``ref`` alone or ``scheme`` and ``value``.

    Recorded in events as ``{"ref": ...}`` or ``{"scheme": ..., "id": ...}``.
    """

    ref: str | None = None
    scheme: str | None = None
    value: str | None = None

    @property
    def iati_ref(self) -> str:
        """The IATI organisation identifier: ``ref``, else ``{scheme}-{value}``."""
        if self.ref is not None:
            return self.ref
        return f"{self.scheme}-{self.value}"

    def recorded(self) -> dict[str, str]:
        if self.ref is not None:
            return {"ref": self.ref}
        assert self.scheme is not None and self.value is not None
        return {"scheme": self.scheme, "id": self.value}

    @classmethod
    def of_record(cls, record: Mapping[str, str]) -> OrganisationIdentifier:
        if "ref" in record:
            return cls(ref=record["ref"])
        return cls(scheme=record.get("scheme"), value=record.get("id"))


def check_organisation_identifiers(
    checks: Checks, field: Path, identifiers: Sequence[OrganisationIdentifier]
) -> None:
    checks.size(field, identifiers, MAX_IDENTIFIERS)
    refs: set[str] = set()
    for index, identifier in enumerate(identifiers):
        at = (*field, str(index))
        if identifier.ref is not None:
            if identifier.scheme is not None or identifier.value is not None:
                checks.fail(at, "give either ref, or scheme and value, not both")
                continue
            check_identifier(checks, (*at, "ref"), identifier.ref)
        elif identifier.scheme is None or identifier.value is None:
            missing = "value" if identifier.scheme is not None else "scheme"
            if identifier.scheme is None and identifier.value is None:
                checks.fail(at, "give either ref, or scheme and value")
            else:
                checks.fail((*at, missing), "is required with " + _other(missing))
            continue
        else:
            check_identifier(checks, (*at, "scheme"), identifier.scheme)
            check_identifier(checks, (*at, "value"), identifier.value)
            if len(identifier.iati_ref) > MAX_IATI_IDENTIFIER:
                checks.fail(
                    at, f"scheme and value must be at most {MAX_IATI_IDENTIFIER} characters"
                )
        ref = identifier.iati_ref
        if ref in refs:
            checks.fail(at, f"'{ref}' is listed twice")
        refs.add(ref)


def _other(missing: str) -> str:
    return "scheme" if missing == "value" else "value"


class IatiActivityIndex(Aggregate):
    """One per IATI activity identifier, saved with the partnership registered with it, so an
    activity imported twice cannot become two partnerships.

    Its id derives from the identifier (exactly: IATI identifiers are compared as given), so
    two concurrent registrations with one identifier collide on the event store's
    (originator_id, version) key and exactly one wins.

    It also keeps the ``last-updated-datetime`` of the version of the activity the partnership
    was last brought in line with (``last_updated``, None until an import records one), so an
    older version of the activity is never applied over a newer one.
    """

    @staticmethod
    def id_for(iati_identifier: str) -> UUID:
        return uuid5(_ACTIVITY_NAMESPACE, iati_identifier)

    @classmethod
    def claim(cls, iati_identifier: str, partnership_id: UUID) -> IatiActivityIndex:
        return cls(
            id=cls.id_for(iati_identifier),
            iati_identifier=iati_identifier,
            partnership_id=partnership_id,
        )

    @event("IatiActivityIdentifierClaimed")
    def __init__(self, id: UUID, iati_identifier: str, partnership_id: UUID) -> None:
        self.partnership_id: UUID = partnership_id
        self.last_updated: datetime | None = None

    def record_version(self, last_updated: datetime) -> None:
        """The partnership now says what the activity's version of ``last_updated`` says.

        Only forwards: a version no newer than the one recorded is refused, so that two imports
        racing with two versions cannot leave the older one recorded as the newer.
        """
        if last_updated.tzinfo is None:
            raise CommandRejected.one(
                ErrorCode.VALIDATION_FAILED, ("last_updated",), "must have a time zone"
            )
        if self.last_updated is not None and last_updated <= self.last_updated:
            raise CommandRejected.one(
                ErrorCode.VERSION_CONFLICT,
                ("last_updated",),
                f"version {last_updated.isoformat()} is not newer than the one recorded, "
                f"{self.last_updated.isoformat()}",
            )
        self._version_recorded(last_updated=last_updated)

    @event("IatiActivityVersionRecorded")
    def _version_recorded(self, last_updated: datetime) -> None:
        self.last_updated = last_updated
