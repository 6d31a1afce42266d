"""One ``iati-activity`` element read into what the registry can take from it.

Pure: an element in, an ``IatiActivity`` out, with a ``Note`` (element, line, why) for every
element or value that is not imported, so nothing is dropped silently. The inverse tables come
from ``projections.iati.codes``, the exporter's own, so the two directions cannot drift.
"""

from __future__ import annotations

from collections.abc import Mapping

from entrypoints.iati_import.leftovers import bounded, leftovers
from entrypoints.iati_import.records import Document, IatiActivity, Note, Org
from entrypoints.iati_import.results import read_result
from entrypoints.iati_import.values import (
    EXT,
    Element,
    iso_date,
    iso_datetime,
    line,
    narrative,
    tag,
    usable_url,
)
from projections.iati import codes
from registry import geography
from registry.domain.codelists import PartnerRole, PracticeArea

# The inverse tables. Roles: several of ours share Implementing, so ``ppp:role`` (written by the
# exporter) is trusted when it agrees with ``@role``; otherwise the role is IATI's alone.
# 3 Extending manages the funder's budget for it: it carries the work out on the funder's behalf,
# which is what an implementer does (it is not the lead: IATI says 2 Accountable for that).
ROLES_BY_CODE: Mapping[str, PartnerRole] = {
    "1": PartnerRole.FUNDER,
    "2": PartnerRole.LEAD,
    "3": PartnerRole.IMPLEMENTER,
    "4": PartnerRole.IMPLEMENTER,
}
# Only where the exporter's DAC mapping is true both ways: one practice area per code.
PRACTICE_AREAS_BY_DAC: Mapping[str, PracticeArea] = {
    code: PracticeArea(area) for area, (code, _name) in codes.DAC_PURPOSE_CODES.items()
}
# IATI's defaults when ``@vocabulary`` is left out: 1 (OECD DAC) for regions and sectors.
DEFAULT_VOCABULARY = "1"
CONCLUSION_PREFIX = "Conclusion: "
EVIDENCE_PREFIX = "Evidence: "


def read_activity(element: Element) -> IatiActivity:
    """What the registry can take from one ``iati-activity``; the rest as notes."""
    identifier = (element.findtext("iati-identifier") or "").strip()
    activity = IatiActivity(
        identifier=identifier,
        line=line(element),
        last_updated=(element.get("last-updated-datetime") or "").strip() or None,
    )
    activity.updated_at, problem = iso_datetime(activity.last_updated)
    if activity.last_updated is None:
        problem = (
            "no @last-updated-datetime: this version cannot be told older or newer than one "
            "imported before, so it is applied as what the registry lacks"
        )
    if problem is not None:
        activity.notes.append(Note("iati-activity", activity.line, problem))
    activity.title = narrative(element.find("title"))
    for child in element:
        kind = tag(child)
        if kind == "description":
            _description(activity, child)
        elif kind == "reporting-org":
            activity.reporting_org = _org(child, activity, role=PartnerRole.LEAD)
            activity.secondary_reporter = child.get("secondary-reporter") in ("1", "true")
        elif kind == "participating-org":
            org = _org(child, activity, role=None)
            if org is not None:
                activity.participants.append(org)
        elif kind == "activity-status":
            activity.status = child.get("code")
        elif kind == "activity-date":
            _activity_date(activity, child)
        elif kind == "recipient-country":
            _country(activity, child)
        elif kind == "recipient-region":
            _region(activity, child)
        elif kind == "sector":
            _sector(activity, child)
        elif kind == "document-link":
            _document(activity, child)
        elif kind == "result":
            read_result(activity, child)
    # Everything else (elements, attributes, texts in other languages), once per kind.
    activity.notes.extend(leftovers(element))
    activity.notes = bounded(activity.notes)
    activity.unmapped_sectors = bounded(activity.unmapped_sectors)
    return activity


def _description(activity: IatiActivity, element: Element) -> None:
    kind = element.get("type") or codes.DESCRIPTION_GENERAL  # IATI's default type is 1
    text = narrative(element)
    if text is None:
        activity.notes.append(Note("description", line(element), "no text: not imported"))
        return
    if kind == codes.DESCRIPTION_GENERAL and activity.summary is None:
        activity.summary = text
    elif kind == codes.DESCRIPTION_OBJECTIVES and activity.objectives is None:
        activity.objectives = text
    elif kind == codes.DESCRIPTION_OTHER and text.startswith(CONCLUSION_PREFIX):
        activity.conclusion = text.removeprefix(CONCLUSION_PREFIX).strip() or None
    else:
        reason = (
            "(Target Groups) the registry records target groups on its activities (trainings, "
            "workshops...), which IATI does not carry; a partnership has none of its own"
            if kind == codes.DESCRIPTION_TARGET_GROUPS
            else "the registry keeps one summary and one statement of objectives"
        )
        activity.notes.append(
            Note("description", line(element), f"type {kind} not imported: {reason}")
        )


def _org(element: Element, activity: IatiActivity, role: PartnerRole | None) -> Org | None:
    name_of = tag(element)
    name = narrative(element)
    ref = (element.get("ref") or "").strip() or None
    if name is None and ref is None:
        activity.notes.append(Note(name_of, line(element), "no name and no @ref: not imported"))
        return None
    if role is None:
        code = element.get("role") or ""
        ours = element.get(EXT + "role")
        if ours in PartnerRole.__members__ and codes.ROLE_CODES.get(ours) == code:
            role = PartnerRole(ours)
        elif code in ROLES_BY_CODE:
            role = ROLES_BY_CODE[code]
        else:
            activity.notes.append(
                Note(name_of, line(element), f"@role {code!r} is not an IATI OrganisationRole")
            )
            return None
    return Org(
        name=name or ref or "",
        ref=ref,
        type_code=(element.get("type") or "").strip() or None,
        role=role,
        line=line(element),
        since=iso_date(element.get(EXT + "since")),
        until=iso_date(element.get(EXT + "until")),
    )


def _activity_date(activity: IatiActivity, element: Element) -> None:
    kind, day = element.get("type"), iso_date(element.get("iso-date"))
    if day is None:
        activity.notes.append(Note("activity-date", line(element), "no valid @iso-date"))
        return
    # An actual date wins over a planned one, whatever their order in the file.
    if kind == codes.DATE_ACTUAL_START or (
        kind == codes.DATE_PLANNED_START and activity.start_date is None
    ):
        activity.start_date = day
    elif kind == codes.DATE_ACTUAL_END or (
        kind == codes.DATE_PLANNED_END and activity.end_date is None
    ):
        activity.end_date = day


def _country(activity: IatiActivity, element: Element) -> None:
    code = (element.get("code") or "").strip().upper()
    if not geography.is_country(code):
        activity.notes.append(
            Note("recipient-country", line(element), f"{code!r} is not an ISO 3166-1 country")
        )
    elif code not in activity.countries:
        activity.countries.append(code)


def _region(activity: IatiActivity, element: Element) -> None:
    vocabulary = element.get("vocabulary") or DEFAULT_VOCABULARY
    code = (element.get("code") or "").strip()
    if vocabulary != codes.REGION_VOCABULARY_M49:
        activity.notes.append(
            Note(
                "recipient-region",
                line(element),
                f"region {code!r} of vocabulary {vocabulary} not imported: "
                "the registry's regions are UN M49 (vocabulary 2), and another vocabulary's "
                "region is not translated to one",
            )
        )
    elif not geography.is_area(code):
        activity.notes.append(
            Note("recipient-region", line(element), f"{code!r} is not a UN M49 area")
        )
    elif code not in activity.regions:
        activity.regions.append(code)


def _sector(activity: IatiActivity, element: Element) -> None:
    vocabulary = element.get("vocabulary") or DEFAULT_VOCABULARY
    code = (element.get("code") or "").strip()
    area: PracticeArea | None = None
    if vocabulary == codes.SECTOR_VOCABULARY_OWN and code in PracticeArea.__members__:
        area = PracticeArea(code)
    elif vocabulary == codes.SECTOR_VOCABULARY_DAC5 and code in PRACTICE_AREAS_BY_DAC:
        area = PRACTICE_AREAS_BY_DAC[code]
    if area is None:
        activity.unmapped_sectors.append(
            Note(
                "sector",
                line(element),
                f"sector {code!r} of vocabulary {vocabulary} names no practice area",
            )
        )
    elif area not in activity.practice_areas:
        activity.practice_areas.append(area)


def _document(activity: IatiActivity, element: Element) -> None:
    url = usable_url(activity, element)
    if url is None:
        return
    title = (narrative(element.find("title")) or "").removeprefix(EVIDENCE_PREFIX).strip()
    dated = element.find("document-date")
    day = iso_date(dated.get("iso-date")) if dated is not None else None
    activity.documents.append(Document(url, title or url, day, line(element)))
