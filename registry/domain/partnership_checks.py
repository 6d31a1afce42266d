"""The input rules of a partnership's commands, checked before the aggregate triggers an event.

Each function collects every problem of one command in a ``Checks`` (so a contributor sees all
of them at once), in the order the fields are reported; the ``check_*`` functions that take a
command's whole input also refuse it if there was any.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from registry.domain.codelists import PartnerRole
from registry.domain.errors import ErrorCode
from registry.domain.records import Activity, Outcome
from registry.domain.validation import (
    MAX_INDICATOR,
    MAX_LONG_TEXT,
    MAX_PARTNERS,
    MAX_REASON,
    MAX_TITLE,
    MAX_UNIT,
    Checks,
)

if TYPE_CHECKING:  # the aggregate imports this module
    from registry.domain.partnership import Partnership
    from registry.domain.partnership_changes import Changes


def activity_fields(checks: Checks, fields: Mapping[str, Any]) -> None:
    """Rules for the activity fields present in ``fields`` (all of them when logging)."""
    if "title" in fields:
        checks.text(("title",), fields["title"], MAX_TITLE)
    if "description" in fields:
        checks.text(("description",), fields["description"], MAX_LONG_TEXT, required=False)
    if fields.get("countries") is not None:
        checks.countries(("countries",), fields["countries"])
    if fields.get("target_groups") is not None:
        checks.unique(("target_groups",), fields["target_groups"])
    if "participants" in fields:
        checks.count(("participants",), fields["participants"])
    if fields.get("evidence_urls") is not None:
        checks.urls(("evidence_urls",), fields["evidence_urls"])


def outcome_fields(checks: Checks, fields: Mapping[str, Any]) -> None:
    if "indicator" in fields:
        checks.text(("indicator",), fields["indicator"], MAX_INDICATOR)
    if "unit" in fields:
        checks.text(("unit",), fields["unit"], MAX_UNIT, required=False)
    for measure in ("baseline", "target", "actual"):
        if measure in fields:
            checks.measure((measure,), fields[measure])
    if fields.get("evidence_urls") is not None:
        checks.urls(("evidence_urls",), fields["evidence_urls"])


def partners(checks: Checks, partners: Sequence[tuple[UUID, PartnerRole]]) -> None:
    checks.non_empty(("partners",), partners, "partner")
    checks.size(("partners",), partners, MAX_PARTNERS)
    seen: set[UUID] = set()
    for index, (organisation_id, _role) in enumerate(partners):
        if organisation_id in seen:
            checks.fail(
                ("partners", str(index), "organisation_id"),
                "the organisation is listed twice",
                ErrorCode.DUPLICATE,
            )
        seen.add(organisation_id)
    if partners and PartnerRole.LEAD not in {role for _org, role in partners}:
        checks.fail(("partners",), "one partner must have the LEAD role")


def check_revision(partnership: Partnership, changes: Changes, reason: str) -> None:
    """A revision's changes, against the partnership they would change."""
    checks = Checks()
    checks.text(("reason",), reason, MAX_REASON)
    if "title" in changes:
        checks.text(("title",), changes["title"], MAX_TITLE)
    if "summary" in changes:
        checks.text(("summary",), changes["summary"], MAX_LONG_TEXT)
    if "objectives" in changes:
        checks.text(("objectives",), changes["objectives"], MAX_LONG_TEXT, required=False)
    for required in ("practice_areas", "countries", "regions", "start_date"):
        if required in changes and changes[required] is None:
            checks.fail((required,), "must not be null")
    if changes.get("practice_areas") is not None:
        checks.non_empty(("practice_areas",), changes["practice_areas"], "practice area")
        checks.unique(("practice_areas",), changes["practice_areas"])
    if changes.get("countries") is not None:
        checks.countries(("countries",), changes["countries"])
    if changes.get("regions") is not None:
        checks.regions(("regions",), changes["regions"])
    areas = [
        changes.get("countries", partnership.countries),
        changes.get("regions", partnership.regions),
    ]
    if None not in areas and not any(areas):
        checks.fail(("countries",), "name at least one country or region")
    start = changes.get("start_date", partnership.start_date)
    end = changes.get("end_date", partnership.end_date)
    field = ("end_date",) if "end_date" in changes else ("start_date",)
    if start is not None and end is not None and end < start:
        checks.fail(field, f"the partnership would end ({end}) before it starts ({start})")
    if partnership.is_concluded and "end_date" in changes and end is None:
        checks.fail(("end_date",), "a concluded partnership keeps its end date")
    # The order is checked above; checking it again would report the same problem twice.
    checks.day(("start_date",), changes.get("start_date"))
    checks.day(("end_date",), changes.get("end_date"))
    checks.raise_if_any()


def check_activity_correction(activity: Activity, changes: Changes, reason: str) -> None:
    """A correction's changes, against the activity they would correct."""
    checks = Checks()
    checks.text(("reason",), reason, MAX_REASON)
    for required in (
        "kind",
        "practice_area",
        "title",
        "start_date",
        "countries",
        "target_groups",
        "evidence_urls",
    ):
        if required in changes and changes[required] is None:
            checks.fail((required,), "must not be null")
    activity_fields(checks, changes)
    start = changes.get("start_date", activity.start_date) or activity.start_date
    end = changes.get("end_date", activity.end_date)
    if end is not None and end < start:
        checks.fail(
            ("end_date",) if "end_date" in changes else ("start_date",),
            "the activity would end before it starts",
        )
    checks.day(("start_date",), changes.get("start_date"))
    checks.day(("end_date",), changes.get("end_date"))
    checks.raise_if_any()


def check_outcome_correction(outcome: Outcome, changes: Changes, reason: str) -> None:
    """A correction's changes, against the outcome they would correct."""
    checks = Checks()
    checks.text(("reason",), reason, MAX_REASON)
    for required in ("result_level", "indicator", "verification", "evidence_urls"):
        if required in changes and changes[required] is None:
            checks.fail((required,), "must not be null")
    outcome_fields(checks, changes)
    start = changes.get("period_start", outcome.period_start)
    end = changes.get("period_end", outcome.period_end)
    if start is not None and end is not None and end < start:
        checks.fail(
            ("period_end",) if "period_end" in changes else ("period_start",),
            "the period would end before it starts",
        )
    checks.day(("period_start",), changes.get("period_start"))
    checks.day(("period_end",), changes.get("period_end"))
    checks.raise_if_any()


def check_text(field: tuple[str, ...], value: str, limit: int) -> None:
    checks = Checks()
    checks.text(field, value, limit)
    checks.raise_if_any()
