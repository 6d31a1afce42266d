"""Apply an IATI 2.03 file: screen it whole, then stream its activities into commands.

Each activity's organisations are resolved first (matched by ``@ref``, else by case-folded
name, else registered), then its plan is submitted as one batch through the application, with
the token's rights. Every input goes through the GraphQL schema's input types (the NDJSON
importer's ``LineReader``), so what an import may do is what a contributor may do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from uuid import UUID

import strawberry
from eventsourcing.application import AggregateNotFoundError

from entrypoints.bulk_import import LineReader
from entrypoints.iati_import.planning import (
    Partner,
    Plan,
    Step,
    organisation_key,
    plan_activity,
    registration_key,
    version_key,
)
from entrypoints.iati_import.reading import read_activity
from entrypoints.iati_import.records import IatiActivity, Note, Org
from entrypoints.iati_import.screening import ACTIVITY, screen, stream
from registry import geography
from registry.application import Receipt, Registry, load_organisation, load_partnership
from registry.commands import RecordIatiVersion, Submission
from registry.domain.actor import Actor
from registry.domain.codelists import OrganisationType, PartnerRole, PracticeArea, Sector
from registry.domain.errors import CommandRejected, Problem
from registry.domain.identifiers import IatiActivityIndex, identifier_problem
from registry.domain.organisation import OrganisationNameIndex, name_key
from registry.domain.partnership import Partnership
from registry.idempotency import keyed_id, scope_of

# IATI says an organisation's type, never its sector: the registry's sector of each type.
SECTORS_BY_TYPE: dict[OrganisationType, Sector] = {
    OrganisationType.GOVERNMENT: Sector.GOVERNMENT,
    OrganisationType.LOCAL_GOVERNMENT: Sector.GOVERNMENT,
    OrganisationType.OTHER_PUBLIC_SECTOR: Sector.GOVERNMENT,
    OrganisationType.INTERNATIONAL_NGO: Sector.CIVIL_SOCIETY,
    OrganisationType.NATIONAL_NGO: Sector.CIVIL_SOCIETY,
    OrganisationType.REGIONAL_NGO: Sector.CIVIL_SOCIETY,
    OrganisationType.PARTNER_COUNTRY_BASED_NGO: Sector.CIVIL_SOCIETY,
    OrganisationType.PUBLIC_PRIVATE_PARTNERSHIP: Sector.OTHER,
    OrganisationType.MULTILATERAL: Sector.INTERGOVERNMENTAL,
    OrganisationType.FOUNDATION: Sector.CIVIL_SOCIETY,
    OrganisationType.PRIVATE_SECTOR: Sector.PRIVATE_SECTOR,
    OrganisationType.PRIVATE_SECTOR_IN_PROVIDER_COUNTRY: Sector.PRIVATE_SECTOR,
    OrganisationType.PRIVATE_SECTOR_IN_AID_RECIPIENT_COUNTRY: Sector.PRIVATE_SECTOR,
    OrganisationType.PRIVATE_SECTOR_IN_THIRD_COUNTRY: Sector.PRIVATE_SECTOR,
    OrganisationType.ACADEMIC_TRAINING_AND_RESEARCH: Sector.ACADEMIA,
    OrganisationType.OTHER: Sector.OTHER,
}
TYPES_BY_CODE: dict[str, OrganisationType] = {str(t.iati_code): t for t in OrganisationType}
# Activities applied together: two batches (one transaction each) per chunk, not per activity.
CHUNK = 50


class Status(StrEnum):
    IMPORTED = "imported"  # something was appended
    SKIPPED = "skipped"  # nothing new: already imported as the file says it
    REJECTED = "rejected"  # not imported at all, or some of its commands were refused


@dataclass
class ActivityReport:
    identifier: str
    line: int
    status: Status = Status.SKIPPED
    appended: int = 0
    replayed: int = 0
    notes: list[Note] = field(default_factory=list)  # what was not imported, and why
    refusals: list[str] = field(default_factory=list)  # commands the registry refused


@dataclass
class IatiImportReport:
    activities: list[ActivityReport] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for a in self.activities if a.status is status)

    @property
    def appended(self) -> int:
        return sum(a.appended for a in self.activities)


class _Organisations:
    """Finds or registers the organisations of the file, remembering them across activities."""

    def __init__(self, registry: Registry, actor: Actor, refs: Mapping[str, UUID]) -> None:
        self._registry = registry
        self._scope = scope_of(actor)
        self._known: dict[str, UUID] = {f"ref:{ref}": found for ref, found in refs.items()}

    def find(self, org: Org) -> UUID | None:
        for basis in self._bases(org):
            if basis in self._known:
                return self._known[basis]
        found = self._by_key(org) or self._by_name(org.name)
        if found is not None:
            self.remember(org, found)
        return found

    def remember(self, org: Org, organisation_id: UUID) -> None:
        for basis in self._bases(org):
            self._known[basis] = organisation_id

    def forget(self, orgs: list[Org]) -> None:
        for org in orgs:
            for basis in self._bases(org):
                self._known.pop(basis, None)

    def keyed_id(self, org: Org) -> UUID:
        return keyed_id(self._scope, organisation_key(org.ref, org.name), "organisation")

    @staticmethod
    def _bases(org: Org) -> list[str]:
        return ([f"ref:{org.ref}"] if org.ref else []) + [f"name:{name_key(org.name)}"]

    def _by_key(self, org: Org) -> UUID | None:
        # An organisation this importer registered under the same ref (or name) before.
        keys = [organisation_key(org.ref, org.name)] if org.ref else []
        keys.append(organisation_key(None, org.name))
        for key in keys:
            candidate = keyed_id(self._scope, key, "organisation")
            if load_organisation(self._registry, candidate) is not None:
                return candidate
        return None

    def _by_name(self, name: str) -> UUID | None:
        try:
            index: Any = self._registry.repository.get(OrganisationNameIndex.id_for(name))
        except AggregateNotFoundError:
            return None
        found = getattr(index, "organisation_id", None)
        return found if isinstance(found, UUID) else None


def _country_of(org: Org, activity: IatiActivity) -> tuple[str | None, Note | None]:
    """Where a new organisation is: IATI does not say. The jurisdiction of its org-id ref
    (``GB-COH-...`` is British) when it names a country, else the activity's first recipient
    country, reported as such."""
    prefix = (org.ref or "").split("-", 1)[0].upper()
    if org.ref and geography.is_country(prefix):
        return prefix, None
    if activity.countries:
        country = activity.countries[0]
        return country, Note(
            "participating-org",
            org.line,
            f"{org.name!r} registered with country {country}, the activity's first "
            "recipient-country: IATI does not say where an organisation is",
        )
    return None, Note(
        "participating-org", org.line, f"{org.name!r} not registered: no country is known for it"
    )


class IatiImporter:
    def __init__(
        self,
        registry: Registry,
        actor: Actor,
        schema: strawberry.Schema,
        default_area: PracticeArea | None = None,
        refs: Mapping[str, UUID] | None = None,
    ) -> None:
        """``refs``: the organisations the registry knows by IATI ref (``known.py``)."""
        self._registry = registry
        self._actor = actor
        self._reader = LineReader(schema)
        self._organisations = _Organisations(registry, actor, refs or {})
        self._scope = scope_of(actor)
        self._default_area = default_area

    def run(self, path: Path, on_activity: Callable[[int, int], None]) -> IatiImportReport:
        """Screen ``path`` whole (``FileRefused``: nothing is applied), then apply it."""
        total = screen(path).activities
        report = IatiImportReport()
        chunk: list[IatiActivity] = []
        for activity in _activities(path):
            # A chunk is planned against the registry as it was before the chunk: an activity
            # named twice waits for the next chunk, so that it sees its first version applied.
            if len(chunk) >= CHUNK or any(a.identifier == activity.identifier for a in chunk):
                report.activities.extend(self.apply(chunk))
                on_activity(len(report.activities), total)
                chunk = []
            chunk.append(activity)
        if chunk:
            report.activities.extend(self.apply(chunk))
            on_activity(len(report.activities), total)
        return report

    def apply(self, activities: list[IatiActivity]) -> list[ActivityReport]:
        """Apply activities of distinct identifiers: their new organisations in one batch,
        then all their plans in another (one transaction each, not one per activity)."""
        staged: list[_Staged] = []
        reports: list[ActivityReport] = []
        for activity in activities:
            result = ActivityReport(activity.identifier, activity.line, notes=list(activity.notes))
            reports.append(result)
            index = self._index(activity.identifier)
            if _not_newer(activity, index, result):
                continue  # before its organisations are looked for: nothing of it is applied
            partners, registrations, registered_notes = self._partners(activity, result)
            partnership_id = (index.partnership_id if index is not None else None) or keyed_id(
                self._scope, registration_key(activity.identifier), "partnership"
            )
            current = load_partnership(self._registry, partnership_id)
            # Planned before any organisation is registered: a rejected activity appends nothing.
            plan = plan_activity(activity, partnership_id, partners, current, self._default_area)
            if plan.refusal is not None:
                self._organisations.forget([org for org, _step in registrations])
                _reject(result, plan)
                continue
            result.notes.extend(registered_notes)
            staged.append(
                _Staged(activity, result, partners, registrations, partnership_id, current, plan)
            )
        refused = self._register(staged)
        steps: list[tuple[_Staged, Step]] = []
        for item in staged:
            if refused & {p.organisation_id for p in item.partners}:
                item.partners = [p for p in item.partners if p.organisation_id not in refused]
                item.plan = plan_activity(
                    item.activity,
                    item.partnership_id,
                    item.partners,
                    item.current,
                    self._default_area,
                )
            if item.plan.refusal is not None:
                _reject(item.result, item.plan)
                continue
            item.result.notes.extend(item.plan.notes)
            steps.extend((item, step) for step in item.plan.steps)
        applied = self._send([(item.result, step) for item, step in steps])
        for (item, _step), ok in zip(steps, applied, strict=True):
            if not ok:
                item.result.status = Status.REJECTED
        self._record_versions(
            [i for i in staged if i.plan.refusal is None and i.result.status is not Status.REJECTED]
        )
        for item in staged:
            if item.result.status is not Status.REJECTED and item.result.appended:
                item.result.status = Status.IMPORTED
        return reports

    def _index(self, identifier: str) -> IatiActivityIndex | None:
        """The write side's index of this IATI identifier, whoever registered it (one
        partnership per identifier, and the version of the activity it last said)."""
        try:
            index: Any = self._registry.repository.get(IatiActivityIndex.id_for(identifier))
        except AggregateNotFoundError:
            return None
        return index if isinstance(index, IatiActivityIndex) else None

    def _record_versions(self, applied: list[_Staged]) -> None:
        """Record the version of each activity whose every command applied: an older version
        is then skipped. Not when some were refused, so that importing the file again tries
        those again (and reports them again) rather than skipping the activity."""
        recorded = [item for item in applied if item.activity.updated_at is not None]
        submissions = [
            Submission(
                RecordIatiVersion(item.activity.identifier, item.activity.updated_at),
                idempotency_key=version_key(item.activity),
            )
            for item in recorded
            if item.activity.updated_at is not None
        ]
        if not submissions:
            return
        receipts = self._registry.submit_batch(self._actor, submissions)
        for item, receipt in zip(recorded, receipts, strict=True):
            if isinstance(receipt, CommandRejected):
                # Another import recorded a newer version meanwhile: this one's commands applied
                # (they are what this version says), but the newer version stands.
                item.result.notes.append(
                    Note(
                        "iati-activity",
                        item.activity.line,
                        "its version was not recorded: "
                        + "; ".join(p.message for p in receipt.problems),
                    )
                )
            elif not receipt.replayed:
                item.result.appended += 1

    def _partners(
        self, activity: IatiActivity, result: ActivityReport
    ) -> tuple[list[Partner], list[tuple[Org, Step]], list[Note]]:
        """The partners (found or to be registered) and the registrations they need."""
        orgs = list(activity.participants)
        roles = {o.role for o in orgs}
        # A reporting-org that reports for itself (not a secondary reporter) answers for the
        # activity: it is the lead when no participating-org is Accountable.
        if (
            PartnerRole.LEAD not in roles
            and activity.reporting_org is not None
            and not activity.secondary_reporter
        ):
            orgs.append(activity.reporting_org)
            result.notes.append(
                Note(
                    "reporting-org",
                    activity.reporting_org.line,
                    "no participating-org is Accountable (2): the reporting organisation is "
                    "taken as the LEAD",
                )
            )
        partners: list[Partner] = []
        registrations: list[tuple[Org, Step]] = []
        # Said of organisations to register: reported only if the activity is applied.
        registered_notes: list[Note] = []
        seen: set[UUID] = set()
        for org in orgs:
            found = self._organisations.find(org)
            if found is None:
                found = self._organisations.keyed_id(org)
                if found not in seen:
                    step = self._registration(org, activity, registered_notes)
                    if step is None:
                        continue
                    registrations.append((org, step))
                    # Later activities of the chunk name it by this id; forgotten if refused.
                    self._organisations.remember(org, found)
            if found in seen:
                _listed_again(partners, found, org, result)
                continue
            seen.add(found)
            partners.append(Partner(found, org.role, org.since, org.until))
        return partners, registrations, registered_notes

    def _register(self, staged: list[_Staged]) -> set[UUID]:
        """Register the chunk's new organisations; the ids of those the registry refused."""
        registrations = [
            (item.result, org, step) for item in staged for org, step in item.registrations
        ]
        applied = self._send([(result, step) for result, _org, step in registrations])
        refused: set[UUID] = set()
        for (_result, org, _step), ok in zip(registrations, applied, strict=True):
            if not ok:
                refused.add(self._organisations.keyed_id(org))
                self._organisations.forget([org])
        return refused

    def _registration(self, org: Org, activity: IatiActivity, notes: list[Note]) -> Step | None:
        country, note = _country_of(org, activity)
        if note is not None:
            notes.append(note)
        if country is None:
            return None
        org_type = TYPES_BY_CODE.get(org.type_code or "", OrganisationType.OTHER)
        if org.type_code is not None and org.type_code not in TYPES_BY_CODE:
            notes.append(
                Note(
                    "participating-org",
                    org.line,
                    f"@type {org.type_code!r} is not an IATI OrganisationType: OTHER",
                )
            )
        identifiers: list[dict[str, str]] = []
        if org.ref is not None:
            problem = identifier_problem(org.ref)
            if problem is None:
                identifiers.append({"ref": org.ref})
            else:
                notes.append(
                    Note("participating-org", org.line, f"@ref {org.ref!r} not kept: it {problem}")
                )
        return Step(
            "registerOrganisation",
            {
                "name": org.name,
                "orgType": str(org_type),
                "sector": str(SECTORS_BY_TYPE[org_type]),
                "country": country,
                "identifiers": identifiers,
                "idempotencyKey": organisation_key(org.ref, org.name),
            },
            f"the organisation {org.name!r} (line {org.line})",
        )

    def _send(self, steps: list[tuple[ActivityReport, Step]]) -> list[bool]:
        """Submit ``steps`` in one batch; True for each that applied (or had applied)."""
        submissions: list[Submission | None] = []
        done: list[bool] = []
        for result, step in steps:
            read = self._reader.read(json.dumps({"command": step.mutation, "input": step.input}))
            if isinstance(read, Submission):
                submissions.append(read)
            else:
                submissions.append(None)
                result.refusals.append(_refusal(step, read))
        ready = [s for s in submissions if s is not None]
        receipts = iter(self._registry.submit_batch(self._actor, ready) if ready else [])
        for (result, step), submission in zip(steps, submissions, strict=True):
            if submission is None:
                done.append(False)
                continue
            receipt: Receipt | CommandRejected = next(receipts)
            if isinstance(receipt, CommandRejected):
                result.refusals.append(_refusal(step, list(receipt.problems)))
                done.append(False)
            else:
                if receipt.replayed:
                    result.replayed += 1
                else:
                    result.appended += 1
                done.append(True)
        return done


def _listed_again(partners: list[Partner], found: UUID, org: Org, result: ActivityReport) -> None:
    """An organisation listed twice, under two roles (a funder that is also accountable, as
    publishers often say): a partner has one role in the registry. The first role stands,
    except that Accountable (LEAD) wins, since a partnership needs a lead; the other is
    reported."""
    index = next(i for i, p in enumerate(partners) if p.organisation_id == found)
    first = partners[index]
    if first.role is org.role:
        return
    kept, dropped = first.role, org.role
    if org.role is PartnerRole.LEAD:
        partners[index] = replace(first, role=PartnerRole.LEAD)
        kept, dropped = PartnerRole.LEAD, first.role
    result.notes.append(
        Note(
            "participating-org",
            org.line,
            f"{org.name!r} is listed again, as {org.role}: a partner has one role in the "
            f"registry, {kept} kept ({dropped} not imported)",
        )
    )


def _not_newer(
    activity: IatiActivity, index: IatiActivityIndex | None, result: ActivityReport
) -> bool:
    """Whether the registry already says a version of the activity at least as new as this
    one: then this one is skipped, with why. Versions are told apart by their
    ``last-updated-datetime``; without one on either side, the activity is planned as ever."""
    if index is None or index.last_updated is None or activity.updated_at is None:
        return False
    imported = index.last_updated
    if activity.updated_at > imported:
        return False
    if activity.updated_at == imported:
        reason = (
            f"this version is already imported (last-updated {_moment(activity.updated_at)}): "
            "nothing applied"
        )
    else:
        reason = (
            "older than the imported version, last-updated "
            f"{_moment(activity.updated_at)} < {_moment(imported)}: nothing applied"
        )
    result.notes.append(Note("iati-activity", activity.line, reason))
    result.status = Status.SKIPPED
    return True


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _reject(result: ActivityReport, plan: Plan) -> None:
    result.notes.extend(plan.notes)
    result.status = Status.REJECTED
    assert plan.refusal is not None
    result.refusals.append(str(plan.refusal))


def _activities(path: Path) -> Iterator[IatiActivity]:
    """The file's activities, read one by one; each element is dropped once read."""
    root: Any = None
    with stream(path) as events:
        for event, element in events:
            if root is None:
                root = element
                continue
            if event != "end" or element.tag != ACTIVITY or element.getparent() is not root:
                continue
            activity = read_activity(element)
            element.clear()
            root.remove(element)  # bounded memory
            yield activity


@dataclass
class _Staged:
    """An activity of a chunk whose plan is ready, with what it was planned from."""

    activity: IatiActivity
    result: ActivityReport
    partners: list[Partner]
    registrations: list[tuple[Org, Step]]
    partnership_id: UUID
    current: Partnership | None
    plan: Plan


def _refusal(step: Step, problems: list[Problem]) -> str:
    reasons = "; ".join(
        f"{'.'.join(p.field) + ': ' if p.field else ''}{p.message} ({p.code.value})"
        for p in problems
    )
    return f"{step.mutation} for {step.what}: {reasons}"
