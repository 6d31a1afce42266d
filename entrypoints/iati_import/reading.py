"""One ``iati-activity`` element read into what the registry can take from it.

Pure: an element in, an ``IatiActivity`` out, with a ``Note`` (element, line, why) for every
element or value that is not imported, so nothing is dropped silently. The inverse tables come
from ``projections.iati.codes``, the exporter's own, so the two directions cannot drift.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from projections.iati import codes
from registry import geography
from registry.domain.codelists import PartnerRole, PracticeArea, ResultLevel, Verification
from registry.domain.validation import MAX_URLS, Checks

Element = Any  # lxml's _Element; the stubs do not export its type under a public name
_EXT = "{" + codes.EXTENSION_NAMESPACE + "}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

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
RESULT_LEVELS_BY_TYPE: Mapping[str, ResultLevel] = {
    code: ResultLevel(level) for level, code in codes.RESULT_TYPES.items()
}
# Only where the exporter's DAC mapping is true both ways: one practice area per code.
PRACTICE_AREAS_BY_DAC: Mapping[str, PracticeArea] = {
    code: PracticeArea(area) for area, (code, _name) in codes.DAC_PURPOSE_CODES.items()
}
# IATI's defaults when ``@vocabulary`` is left out: 1 (OECD DAC) for regions and sectors.
DEFAULT_VOCABULARY = "1"
CONCLUSION_PREFIX = "Conclusion: "
EVIDENCE_PREFIX = "Evidence: "
UNIT_PREFIX = "Unit: "

# What the registry takes from an activity; every other child is reported as not imported.
_READ = frozenset(
    {
        "iati-identifier",
        "reporting-org",
        "title",
        "description",
        "participating-org",
        "activity-status",
        "activity-date",
        "recipient-country",
        "recipient-region",
        "sector",
        "document-link",
        "result",
    }
)
# Why the registry has no place for the rest: said once per kind of element.
_NO_PLACE: Mapping[str, str] = {
    "budget": "the registry holds no money flows",
    "planned-disbursement": "the registry holds no money flows",
    "transaction": "the registry holds no money flows",
    "capital-spend": "the registry holds no money flows",
    "crs-add": "the registry holds no money flows",
    "fss": "the registry holds no money flows",
    "country-budget-items": "the registry holds no money flows",
    "default-aid-type": "the registry holds no money flows",
    "default-finance-type": "the registry holds no money flows",
    "default-flow-type": "the registry holds no money flows",
    "default-tied-status": "the registry holds no money flows",
    "contact-info": "the registry keeps no contact details",
    "location": "the registry records countries and regions, not locations",
}


@dataclass(frozen=True)
class Note:
    """Something of the activity that was not imported (or not as written), and why."""

    element: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, <{self.element}>: {self.reason}"


@dataclass(frozen=True)
class Org:
    """A ``participating-org`` (or the ``reporting-org``) as the file names it."""

    name: str
    ref: str | None
    type_code: str | None
    role: PartnerRole
    line: int
    # The registry's own ``ppp:since``/``ppp:until``: IATI's element has no dates.
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class OutcomeRecord:
    """One indicator's period (or the indicator alone when it has none): one outcome."""

    result_level: ResultLevel
    indicator: str
    unit: str | None
    baseline: float | None
    target: float | None
    actual: float | None
    period_start: date | None
    period_end: date | None
    verification: Verification
    evidence_urls: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Document:
    url: str
    title: str
    day: date | None
    line: int


@dataclass
class IatiActivity:
    identifier: str
    line: int
    last_updated: str | None
    title: str | None = None
    summary: str | None = None
    objectives: str | None = None
    conclusion: str | None = None
    reporting_org: Org | None = None
    secondary_reporter: bool = False
    participants: list[Org] = field(default_factory=list)
    status: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    practice_areas: list[PracticeArea] = field(default_factory=list)
    unmapped_sectors: list[Note] = field(default_factory=list)
    outcomes: list[OutcomeRecord] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def concluded(self) -> bool:
        return self.status == codes.STATUS_CLOSED


def _line(element: Element) -> int:
    return int(element.sourceline or 0)


def _tag(element: Element) -> str:
    tag = element.tag
    return tag if isinstance(tag, str) else str(tag)


def narrative(element: Element | None) -> str | None:
    """The element's text: its first narrative without ``xml:lang`` (the activity's default
    language), else its first narrative; ``None`` when there is no text."""
    if element is None:
        return None
    narratives = element.findall("narrative")
    plain = [n for n in narratives if n.get(_XML_LANG) is None]
    for candidate in plain + narratives:
        text = (candidate.text or "").strip()
        if text:
            return text
    return None


def _iso_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def read_activity(element: Element) -> IatiActivity:
    """What the registry can take from one ``iati-activity``; the rest as notes."""
    identifier = (element.findtext("iati-identifier") or "").strip()
    activity = IatiActivity(
        identifier=identifier,
        line=_line(element),
        last_updated=(element.get("last-updated-datetime") or "").strip() or None,
    )
    activity.title = narrative(element.find("title"))
    not_imported: dict[str, list[int]] = {}
    for child in element:
        tag = _tag(child)
        if tag == "description":
            _description(activity, child)
        elif tag == "reporting-org":
            activity.reporting_org = _org(child, activity, role=PartnerRole.LEAD)
            activity.secondary_reporter = child.get("secondary-reporter") in ("1", "true")
        elif tag == "participating-org":
            org = _org(child, activity, role=None)
            if org is not None:
                activity.participants.append(org)
        elif tag == "activity-status":
            activity.status = child.get("code")
        elif tag == "activity-date":
            _activity_date(activity, child)
        elif tag == "recipient-country":
            _country(activity, child)
        elif tag == "recipient-region":
            _region(activity, child)
        elif tag == "sector":
            _sector(activity, child)
        elif tag == "document-link":
            _document(activity, child)
        elif tag == "result":
            _result(activity, child)
        elif tag not in _READ:
            not_imported.setdefault(tag, []).append(_line(child))
    for tag, lines in not_imported.items():
        reason = _NO_PLACE.get(tag, "the registry has no place for it")
        count = f" ({len(lines)} elements)" if len(lines) > 1 else ""
        activity.notes.append(Note(tag, lines[0], f"not imported{count}: {reason}"))
    return activity


def _description(activity: IatiActivity, element: Element) -> None:
    kind = element.get("type") or codes.DESCRIPTION_GENERAL  # IATI's default type is 1
    text = narrative(element)
    if text is None:
        activity.notes.append(Note("description", _line(element), "no text: not imported"))
        return
    if kind == codes.DESCRIPTION_GENERAL and activity.summary is None:
        activity.summary = text
    elif kind == codes.DESCRIPTION_OBJECTIVES and activity.objectives is None:
        activity.objectives = text
    elif kind == codes.DESCRIPTION_OTHER and text.startswith(CONCLUSION_PREFIX):
        activity.conclusion = text.removeprefix(CONCLUSION_PREFIX).strip() or None
    else:
        reason = (
            "target groups belong to the registry's activities, which IATI does not carry"
            if kind == codes.DESCRIPTION_TARGET_GROUPS
            else "the registry keeps one summary and one statement of objectives"
        )
        activity.notes.append(
            Note("description", _line(element), f"type {kind} not imported: {reason}")
        )


def _org(element: Element, activity: IatiActivity, role: PartnerRole | None) -> Org | None:
    tag = _tag(element)
    name = narrative(element)
    ref = (element.get("ref") or "").strip() or None
    if name is None and ref is None:
        activity.notes.append(Note(tag, _line(element), "no name and no @ref: not imported"))
        return None
    if role is None:
        code = element.get("role") or ""
        ours = element.get(_EXT + "role")
        if ours in PartnerRole.__members__ and codes.ROLE_CODES.get(ours) == code:
            role = PartnerRole(ours)
        elif code in ROLES_BY_CODE:
            role = ROLES_BY_CODE[code]
        else:
            activity.notes.append(
                Note(tag, _line(element), f"@role {code!r} is not an IATI OrganisationRole")
            )
            return None
    return Org(
        name=name or ref or "",
        ref=ref,
        type_code=(element.get("type") or "").strip() or None,
        role=role,
        line=_line(element),
        since=_iso_date(element.get(_EXT + "since")),
        until=_iso_date(element.get(_EXT + "until")),
    )


def _activity_date(activity: IatiActivity, element: Element) -> None:
    kind, day = element.get("type"), _iso_date(element.get("iso-date"))
    if day is None:
        activity.notes.append(Note("activity-date", _line(element), "no valid @iso-date"))
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
            Note("recipient-country", _line(element), f"{code!r} is not an ISO 3166-1 country")
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
                _line(element),
                f"region {code!r} of vocabulary {vocabulary} not imported: "
                "the registry's regions are UN M49 (vocabulary 2), and another vocabulary's "
                "region is not translated to one",
            )
        )
    elif not geography.is_area(code):
        activity.notes.append(
            Note("recipient-region", _line(element), f"{code!r} is not a UN M49 area")
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
                _line(element),
                f"sector {code!r} of vocabulary {vocabulary} names no practice area",
            )
        )
    elif area not in activity.practice_areas:
        activity.practice_areas.append(area)


def _usable_url(activity: IatiActivity, element: Element) -> str | None:
    """A document link's URL when the registry can keep it as evidence; else a note."""
    url = (element.get("url") or "").strip()
    checks = Checks()
    checks.url(("url",), url)
    if checks.problems:
        reason = checks.problems[0].message
        activity.notes.append(
            Note("document-link", _line(element), f"{url!r} not imported: the URL {reason}")
        )
        return None
    return url


def _document(activity: IatiActivity, element: Element) -> None:
    url = _usable_url(activity, element)
    if url is None:
        return
    title = (narrative(element.find("title")) or "").removeprefix(EVIDENCE_PREFIX).strip()
    dated = element.find("document-date")
    day = _iso_date(dated.get("iso-date")) if dated is not None else None
    activity.documents.append(Document(url, title or url, day, _line(element)))


def _urls(activity: IatiActivity, links: list[Element]) -> tuple[str, ...]:
    """The usable URLs of ``links``, once each, as many as an outcome keeps."""
    found: list[str] = []
    for link in links:
        url = _usable_url(activity, link)
        if url is None or url in found:
            continue
        if len(found) == MAX_URLS:
            activity.notes.append(
                Note(
                    "document-link",
                    _line(link),
                    f"{url!r} not imported: an outcome keeps at most {MAX_URLS} evidence URLs",
                )
            )
            continue
        found.append(url)
    return tuple(found)


def _result(activity: IatiActivity, element: Element) -> None:
    kind = element.get("type") or ""
    level = RESULT_LEVELS_BY_TYPE.get(kind)
    if level is None:
        activity.notes.append(
            Note("result", _line(element), f"@type {kind!r} is not output, outcome or impact")
        )
        return
    verification_code = element.get(_EXT + "verification") or ""
    # A publisher's own report of its results is, to the registry, self-reported, unless the
    # registry's own attribute says otherwise.
    verification = (
        Verification(verification_code)
        if verification_code in Verification.__members__
        else Verification.SELF_REPORTED
    )
    result_title = narrative(element.find("title"))
    result_urls = _urls(activity, element.findall("document-link"))
    for indicator in element.findall("indicator"):
        _indicator(activity, indicator, level, verification, result_title, result_urls)


def _indicator(
    activity: IatiActivity,
    element: Element,
    level: ResultLevel,
    verification: Verification,
    result_title: str | None,
    result_urls: tuple[str, ...],
) -> None:
    name = narrative(element.find("title")) or result_title
    if name is None:
        activity.notes.append(Note("indicator", _line(element), "no title: not imported"))
        return
    unit = element.get(_EXT + "unit")
    if unit is None:
        described = narrative(element.find("description"))
        if described is not None and described.startswith(UNIT_PREFIX):
            unit = described.removeprefix(UNIT_PREFIX).strip() or None
    baseline_element = element.find("baseline")
    baseline = None
    if baseline_element is not None:
        baseline = _number(baseline_element.get("value"))
        if baseline is None and baseline_element.get("value") is not None:
            activity.notes.append(
                Note("baseline", _line(baseline_element), "@value is not a number: not imported")
            )
    own = _urls(activity, list(element.iterfind(".//document-link")))
    urls = tuple(dict.fromkeys((*result_urls, *own)))[:MAX_URLS]
    periods = element.findall("period")
    if not periods:
        activity.outcomes.append(
            OutcomeRecord(
                level,
                name,
                unit,
                baseline,
                None,
                None,
                None,
                None,
                verification,
                urls,
                _line(element),
            )
        )
        return
    for period in periods:
        values: dict[str, float | None] = {}
        for kind in ("target", "actual"):
            found = period.find(kind)
            values[kind] = None if found is None else _number(found.get("value"))
            if found is not None and values[kind] is None and found.get("value") is not None:
                activity.notes.append(
                    Note(kind, _line(found), "@value is not a number: not imported")
                )
        start = period.find("period-start")
        end = period.find("period-end")
        activity.outcomes.append(
            OutcomeRecord(
                level,
                name,
                unit,
                baseline,
                values["target"],
                values["actual"],
                _iso_date(start.get("iso-date")) if start is not None else None,
                _iso_date(end.get("iso-date")) if end is not None else None,
                verification,
                urls,
                _line(period),
            )
        )
