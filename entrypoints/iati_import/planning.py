"""From a read activity and the partnership as it stands to the mutation inputs that make them
agree: a registration the first time, revisions and corrections when the file says something
new, nothing when it says nothing new.

Inputs are written as a client writes them (camelCase, global ids, ISO dates, enum names) and
go through the GraphQL input types like an NDJSON import's lines, so an import can do nothing a
contributor could not. Idempotency keys derive from the activity's identifier, its
``last-updated-datetime`` and the command: importing a file again replays, never appends. The
registration's key has no time in it, so the partnership's id (derived from the key) is the
same for every version of the activity: a newer file revises it, never registers a second one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from entrypoints.iati_import.records import IatiActivity, Note, OutcomeRecord
from registry.domain.codelists import ActivityKind, PartnerRole, PracticeArea
from registry.domain.organisation import name_key
from registry.domain.partnership import Partnership
from registry.domain.records import Outcome
from registry.domain.validation import MAX_PARTNERS
from schema.ids import to_global_id


def digest(text: str, size: int = 32) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def registration_key(identifier: str) -> str:
    """The key of an activity's registration: its identifier alone (see the module's doc)."""
    return f"iati:{digest(identifier)}:registerPartnership"


def version_key(activity: IatiActivity) -> str:
    """The key of recording that the registry says what this version of the activity says."""
    return (
        f"iati:{digest(activity.identifier)}:{digest(activity.last_updated or '', 16)}"
        ":recordIatiVersion"
    )


def organisation_key(ref: str | None, name: str) -> str:
    """The key of an organisation's registration: its ref, else its name as the registry
    compares names (case-folded, white space collapsed: ``name_key``)."""
    basis = f"ref:{ref}" if ref else f"name:{name_key(name)}"
    return f"iati:organisation:{digest(basis)}"


@dataclass(frozen=True)
class Step:
    """One mutation to send, and what it is for the report."""

    mutation: str
    input: dict[str, Any]
    what: str


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    refusal: Note | None = None  # why the activity cannot be imported at all
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class Partner:
    organisation_id: UUID
    role: PartnerRole
    since: date | None = None
    until: date | None = None  # a former partner


class _Keys:
    def __init__(self, activity: IatiActivity) -> None:
        self._prefix = (
            f"iati:{digest(activity.identifier)}:{digest(activity.last_updated or '', 16)}"
        )
        self._seen: dict[str, int] = {}

    def step(self, mutation: str, input: dict[str, Any], what: str) -> Step:
        """A step keyed by its content: the same command of the same version of the activity
        replays; another one (or the same one from a newer version) has another key."""
        content = digest(json.dumps({"command": mutation, "input": input}, sort_keys=True))
        self._seen[content] = self._seen.get(content, 0) + 1  # identical steps stay distinct
        key = f"{self._prefix}:{mutation}:{content}:{self._seen[content]}"
        return Step(mutation, {**input, "idempotencyKey": key}, what)


def _reason(activity: IatiActivity) -> str:
    return f"IATI activity updated at {activity.last_updated or 'an unknown time'}"


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def plan_activity(
    activity: IatiActivity,
    partnership_id: UUID,
    partners: Sequence[Partner],
    current: Partnership | None,
    default_area: PracticeArea | None,
) -> Plan:
    """The steps that bring ``current`` (``None``: not imported yet) to what ``activity`` says."""
    plan = Plan()
    refusal = _refusal(activity, partners, default_area, plan)
    if refusal is not None:
        plan.refusal = refusal
        return plan
    areas: list[PracticeArea] = list(activity.practice_areas)
    if not areas and default_area is not None:
        areas = [default_area]
    assert activity.start_date is not None and activity.title and activity.summary
    gid = to_global_id("Partnership", partnership_id)
    keys = _Keys(activity)
    facts: dict[str, Any] = {
        "title": activity.title,
        "summary": activity.summary,
        "objectives": activity.objectives,
        "practiceAreas": [str(a) for a in areas],
        "countries": list(activity.countries),
        "regions": list(activity.regions),
        "startDate": _iso(activity.start_date),
        "endDate": _iso(activity.end_date),
    }
    if current is None:
        founding, joining = _founding(partners, activity.start_date)
        plan.steps.append(
            Step(
                "registerPartnership",
                {
                    **facts,
                    "partners": [
                        {
                            "organisationId": to_global_id("Organisation", p.organisation_id),
                            "role": str(p.role),
                        }
                        for p in founding
                    ],
                    "iatiIdentifier": activity.identifier,
                    "idempotencyKey": registration_key(activity.identifier),
                },
                "the partnership",
            )
        )
        for partner in joining:
            plan.steps.append(_add_partner(partner, gid, keys))
        for partner in partners:
            if partner.until is not None:
                plan.steps.append(_remove_partner(activity, partner, gid, keys))
        existing_outcomes: list[Outcome] = []
        known_urls: set[str] = set()
    else:
        _revision(activity, current, facts, gid, keys, plan)
        _new_partners(activity, current, partners, gid, keys, plan)
        existing_outcomes = list(current.outcomes.values())
        known_urls = {
            url
            for record in current.activities.values()
            if not record.retracted
            for url in record.evidence_urls
        } | {url for outcome in existing_outcomes for url in outcome.evidence_urls}
    _outcomes(activity, existing_outcomes, gid, keys, plan)
    known_urls |= {url for outcome in activity.outcomes for url in outcome.evidence_urls}
    _documents(activity, areas[0], known_urls, gid, keys, plan)
    if activity.concluded and (current is None or not current.is_concluded):
        _conclusion(activity, gid, keys, plan)
    return plan


def _refusal(
    activity: IatiActivity,
    partners: Sequence[Partner],
    default_area: PracticeArea | None,
    plan: Plan,
) -> Note | None:
    line = activity.line
    if not activity.identifier:
        return Note("iati-identifier", line, "the identifier is empty")
    if len(partners) > MAX_PARTNERS:
        # Before any organisation of it is registered: the registration would be refused.
        return Note(
            "participating-org",
            line,
            f"{len(partners)} partners, over the registry's limit of {MAX_PARTNERS}",
        )
    if activity.title is None:
        return Note("title", line, "the title has no narrative")
    if activity.summary is None:
        return Note(
            "description", line, "no description of type 1 (General): the registry needs a summary"
        )
    if activity.start_date is None:
        return Note("activity-date", line, "no start date (activity-date of type 1 or 2)")
    if not activity.countries and not activity.regions:
        return Note(
            "recipient-country",
            line,
            "no recipient-country and no UN M49 recipient-region: a partnership names where it is",
        )
    if not activity.practice_areas:
        if default_area is None:
            found = "; ".join(str(n) for n in activity.unmapped_sectors) or "it has no sector"
            return Note(
                "sector",
                line,
                "no sector names a practice area (vocabulary 99 with the registry's codes, or "
                f"a DAC code of the documented mapping) and no --practice-area was given: {found}",
            )
        plan.notes.append(
            Note("sector", line, f"practice area {default_area} from --practice-area")
        )
    plan.notes.extend(activity.unmapped_sectors if activity.practice_areas else [])
    if PartnerRole.LEAD not in {p.role for p in partners}:
        return Note(
            "participating-org",
            line,
            "no organisation with @role 2 (Accountable) could be taken: the registry needs a "
            "LEAD partner",
        )
    return None


def _revision(
    activity: IatiActivity,
    current: Partnership,
    facts: dict[str, Any],
    gid: str,
    keys: _Keys,
    plan: Plan,
) -> None:
    now = {
        "title": current.title,
        "summary": current.summary,
        "objectives": current.objectives,
        "practiceAreas": [str(a) for a in current.practice_areas],
        "countries": list(current.countries),
        "regions": list(current.regions),
        "startDate": _iso(current.start_date),
        "endDate": _iso(current.end_date),
    }
    changes = {name: value for name, value in facts.items() if now[name] != value}
    if current.is_concluded:
        changes.pop("endDate", None)  # the conclusion's date stands
    if changes:
        plan.steps.append(
            keys.step(
                "revisePartnership",
                {
                    "partnershipId": gid,
                    "reason": _reason(activity),
                    **changes,
                },
                "a revision: " + ", ".join(changes),
            )
        )


def _founding(partners: Sequence[Partner], start: date) -> tuple[list[Partner], list[Partner]]:
    """Who registers the partnership (partners since its start, and every lead: the registry
    needs one from the first event) and who joins it later, on the day ``ppp:since`` says."""
    founding = [
        p for p in partners if p.since is None or p.since <= start or p.role is PartnerRole.LEAD
    ]
    joining = [p for p in partners if p not in founding]
    return founding, joining


def _add_partner(partner: Partner, gid: str, keys: _Keys) -> Step:
    return keys.step(
        "addPartner",
        {
            "partnershipId": gid,
            "organisationId": to_global_id("Organisation", partner.organisation_id),
            "role": str(partner.role),
            "since": _iso(partner.since),
        },
        f"a partner ({partner.role})",
    )


def _remove_partner(activity: IatiActivity, partner: Partner, gid: str, keys: _Keys) -> Step:
    return keys.step(
        "removePartner",
        {
            "partnershipId": gid,
            "organisationId": to_global_id("Organisation", partner.organisation_id),
            "until": _iso(partner.until),
            "reason": f"a former partner in IATI activity {activity.identifier} (ppp:until)",
        },
        f"a former partner ({partner.role}, until {partner.until})",
    )


def _new_partners(
    activity: IatiActivity,
    current: Partnership,
    partners: Sequence[Partner],
    gid: str,
    keys: _Keys,
    plan: Plan,
) -> None:
    for partner in partners:
        membership = current.memberships.get(partner.organisation_id)
        if membership is None or (not membership.is_current and partner.until is None):
            if partner.until is None or membership is None:
                plan.steps.append(_add_partner(partner, gid, keys))
            if partner.until is not None:
                plan.steps.append(_remove_partner(activity, partner, gid, keys))
            continue
        if membership.is_current and partner.until is not None:
            plan.steps.append(_remove_partner(activity, partner, gid, keys))
        elif membership.role is not partner.role:
            plan.notes.append(
                Note(
                    "participating-org",
                    activity.line,
                    f"a partner's role is now {partner.role}, was {membership.role}: "
                    "roles are not changed by an import",
                )
            )


def _outcome_fields(outcome: OutcomeRecord | Outcome) -> dict[str, Any]:
    """An outcome's correctable fields as the mutations take them: the same for one read from
    the file and one the registry holds, so the two compare equal when nothing changed."""
    return {
        "indicator": outcome.indicator,
        "unit": outcome.unit,
        "baseline": outcome.baseline,
        "target": outcome.target,
        "actual": outcome.actual,
        "periodStart": _iso(outcome.period_start),
        "periodEnd": _iso(outcome.period_end),
        "verification": str(outcome.verification),
        "evidenceUrls": list(outcome.evidence_urls),
    }


def _outcomes(
    activity: IatiActivity, existing: list[Outcome], gid: str, keys: _Keys, plan: Plan
) -> None:
    # An outcome is the same one when its level and indicator are, in order of appearance.
    unmatched = list(existing)
    for record in activity.outcomes:
        match = next(
            (
                o
                for o in unmatched
                if o.result_level is record.result_level and o.indicator == record.indicator
            ),
            None,
        )
        wanted = _outcome_fields(record)
        if match is None:
            plan.steps.append(
                keys.step(
                    "reportOutcome",
                    {
                        "partnershipId": gid,
                        "resultLevel": str(record.result_level),
                        **wanted,
                    },
                    f"outcome {record.indicator!r} (line {record.line})",
                )
            )
            continue
        unmatched.remove(match)
        stored = _outcome_fields(match)
        changes = {name: value for name, value in wanted.items() if stored[name] != value}
        if changes:
            plan.steps.append(
                keys.step(
                    "correctOutcome",
                    {
                        "partnershipId": gid,
                        "outcomeId": to_global_id("Outcome", match.id),
                        "reason": _reason(activity),
                        **changes,
                    },
                    f"a correction of outcome {record.indicator!r} (line {record.line})",
                )
            )
    for outcome in unmatched:
        plan.notes.append(
            Note(
                "result",
                activity.line,
                f"outcome {outcome.indicator!r} is no longer in the file: kept (the registry "
                "does not delete reported outcomes)",
            )
        )


def _documents(
    activity: IatiActivity,
    area: PracticeArea | None,
    known: set[str],
    gid: str,
    keys: _Keys,
    plan: Plan,
) -> None:
    """Each activity-level document no outcome carries becomes a publication of the partnership:
    the registry keeps evidence on its activities and outcomes only."""
    assert area is not None and activity.start_date is not None
    seen = set(known)
    for document in activity.documents:
        if document.url in seen:
            continue
        seen.add(document.url)
        plan.steps.append(
            keys.step(
                "logActivity",
                {
                    "partnershipId": gid,
                    "kind": str(ActivityKind.PUBLICATION),
                    "practiceArea": str(area),
                    "title": document.title,
                    "startDate": _iso(document.day or activity.start_date),
                    "evidenceUrls": [document.url],
                },
                f"the document {document.url} (line {document.line})",
            )
        )


def _conclusion(activity: IatiActivity, gid: str, keys: _Keys, plan: Plan) -> None:
    if activity.end_date is None:
        plan.notes.append(
            Note(
                "activity-status",
                activity.line,
                "closed (4) without an end date (activity-date 3 or 4): not concluded",
            )
        )
        return
    plan.steps.append(
        keys.step(
            "concludePartnership",
            {
                "partnershipId": gid,
                "endDate": _iso(activity.end_date),
                "summary": activity.conclusion or "Closed, as its IATI activity-status (4) says.",
            },
            "the conclusion",
        )
    )
