"""IATI 2.03 XML from partnerships: one ``iati-activity`` each, children in the schema's order.

A pure function of its input: the partnerships, the publisher, the log's time at the position
and the registry version give the bytes, so the same position gives the same file. The
document is written as it is built (``etree.xmlfile``), one activity at a time and handed out a
batch at a time (``activity_pieces``), so a large area never holds its whole tree or its bytes.
Each ``iati-activity`` declares the registry's extension namespace itself, so an activity cut
out of the file is still a whole, valid element.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from datetime import date, datetime
from typing import Any

from lxml import etree

from projections.iati import codes
from projections.iati.partnerships import Evidence, Participant, Partnership, Result
from projections.iati.text import iso_date, iso_datetime, number, xml_text
from registry import geography
from registry.domain.codelists import TargetGroup

_EXT = "{" + codes.EXTENSION_NAMESPACE + "}"
_NSMAP = {codes.EXTENSION_PREFIX: codes.EXTENSION_NAMESPACE}

Element = Any  # lxml's _Element; the stubs do not export its type under a public name


def _sub(parent: Element, tag: str, attributes: dict[str, str] | None = None) -> Element:
    element = etree.SubElement(parent, tag)
    for name, value in (attributes or {}).items():
        element.set(name, xml_text(value))
    return element


def _narrative(parent: Element, text: object) -> None:
    _sub(parent, "narrative").text = xml_text(text)


_TARGET_GROUP_ORDER = {str(g): i for i, g in enumerate(TargetGroup)}
_ACRONYMS = frozenset({"CSIRT", "NGO"})


def _label(code: str) -> str:
    """A codelist value as words: LAW_ENFORCEMENT -> Law enforcement, CSIRT stays CSIRT."""
    words = [w if w in _ACRONYMS else w.lower() for w in code.split("_")]
    if words and words[0] not in _ACRONYMS:
        words[0] = words[0].capitalize()
    return " ".join(words)


# ---------------------------------------------------------------------------- parts


def _descriptions(activity: Element, p: Partnership) -> None:
    texts = [(codes.DESCRIPTION_GENERAL, p.summary)]
    if p.objectives:
        texts.append((codes.DESCRIPTION_OBJECTIVES, p.objectives))
    if p.target_groups:
        ordered = sorted(p.target_groups, key=lambda g: (_TARGET_GROUP_ORDER.get(g, 99), g))
        groups = "; ".join(_label(g) for g in ordered)
        texts.append((codes.DESCRIPTION_TARGET_GROUPS, f"Target groups: {groups}"))
    if p.concluded and p.conclusion:
        texts.append((codes.DESCRIPTION_OTHER, f"Conclusion: {p.conclusion}"))
    for kind, text in texts:
        _narrative(_sub(activity, "description", {"type": kind}), text)


def _participant_order(p: Participant) -> tuple[int, int, str, str]:
    return (
        int(codes.ROLE_CODES.get(p.role, "9")),
        codes.ROLE_ORDER.get(p.role, len(codes.ROLE_ORDER)),
        p.name,
        str(p.organisation_id),
    )


def _participating_orgs(activity: Element, p: Partnership, publisher: codes.Publisher) -> None:
    participants = sorted(p.participants, key=_participant_order)
    if not participants:  # the domain requires a lead; a partnership without one says who reports
        org = _sub(activity, "participating-org", {"role": "2", "ref": publisher.ref})
        org.set("type", str(publisher.org_type.iati_code))
        _narrative(org, publisher.name)
        return
    for member in participants:
        attributes = {}
        if member.ref is not None:
            attributes["ref"] = member.ref
        attributes["type"] = codes.organisation_type_code(member.org_type, member.sector)
        attributes["role"] = codes.ROLE_CODES.get(member.role, "4")
        org = _sub(activity, "participating-org", attributes)
        org.set(_EXT + "role", xml_text(member.role))
        org.set(_EXT + "organisation-id", str(member.organisation_id))
        if member.since is not None:
            org.set(_EXT + "since", iso_date(member.since))
        if member.until is not None:
            org.set(_EXT + "until", iso_date(member.until))
        _narrative(org, member.name)


def _places(activity: Element, p: Partnership) -> None:
    for code in p.countries:
        country = _sub(activity, "recipient-country", {"code": code})
        known = geography.country(code)
        if known is not None:
            _narrative(country, known.name)
    for code in p.declared_regions:
        region = _sub(
            activity, "recipient-region", {"code": code, "vocabulary": codes.REGION_VOCABULARY_M49}
        )
        area = geography.area(code)
        if area is not None:
            _narrative(region, area.name)


def _sectors(activity: Element, p: Partnership, publisher: codes.Publisher) -> None:
    areas = sorted(
        p.practice_areas,
        key=lambda a: (codes.PRACTICE_AREA_ORDER.get(a, len(codes.PRACTICE_AREA_ORDER)), a),
    )
    for practice_area in areas:
        sector = _sub(
            activity,
            "sector",
            {
                "vocabulary": codes.SECTOR_VOCABULARY_OWN,
                "vocabulary-uri": publisher.practice_area_vocabulary_uri,
                "code": practice_area,
            },
        )
        _narrative(sector, _label(practice_area))
    dac: dict[str, str] = {}
    for practice_area in areas:
        if practice_area in codes.DAC_PURPOSE_CODES:
            code, name = codes.DAC_PURPOSE_CODES[practice_area]
            dac.setdefault(code, name)
    for code, name in dac.items():
        sector = _sub(
            activity, "sector", {"vocabulary": codes.SECTOR_VOCABULARY_DAC5, "code": code}
        )
        _narrative(sector, name)


def _document_link(parent: Element, url: str, title: str) -> None:
    link = _sub(parent, "document-link", {"url": url, "format": codes.document_format(url)})
    _narrative(_sub(link, "title"), title)
    _sub(link, "category", {"code": codes.DOCUMENT_CATEGORY_RESULTS})


def _evidence(p: Partnership) -> list[Evidence]:
    """Every evidence URL once: the activities' first, then the outcomes' not already given."""
    found: dict[str, Evidence] = {}
    for item in p.evidence:
        found.setdefault(item.url, Evidence(item.url, f"Evidence: {item.title}"))
    for result in p.results:
        for url in result.evidence_urls:
            found.setdefault(url, Evidence(url, f"Evidence of the result: {result.indicator}"))
    return list(found.values())


def _result_order(r: Result) -> int:
    return codes.RESULT_LEVEL_ORDER.get(r.result_level, len(codes.RESULT_LEVEL_ORDER))


def _period(r: Result, p: Partnership) -> tuple[date, date]:
    """The period a result's target and actual are for: its own, else the partnership's start
    and end; with no end known, the day the result was reported (it was measured by then)."""
    start = r.period_start or p.start_date
    end = r.period_end or (p.end_date if r.period_start is None else None) or r.reported_on
    return start, max(start, end)


def _result(activity: Element, r: Result, p: Partnership) -> None:
    result = _sub(
        activity,
        "result",
        {"type": codes.RESULT_TYPES.get(r.result_level, codes.RESULT_TYPE_OTHER)},
    )
    result.set(_EXT + "outcome-id", str(r.outcome_id))
    result.set(_EXT + "verification", xml_text(r.verification))
    _narrative(_sub(result, "title"), r.indicator)
    _narrative(_sub(result, "description"), f"Verification: {_label(r.verification).lower()}")
    for url in r.evidence_urls:
        _document_link(result, url, f"Evidence of the result: {r.indicator}")
    indicator = _sub(result, "indicator", {"measure": codes.indicator_measure(r.unit)})
    if r.unit is not None:
        indicator.set(_EXT + "unit", xml_text(r.unit))
    _narrative(_sub(indicator, "title"), r.indicator)
    if r.unit:
        _narrative(_sub(indicator, "description"), f"Unit: {r.unit}")
    if r.baseline is not None:
        year = (r.period_start or p.start_date).year
        _sub(indicator, "baseline", {"year": str(year), "value": number(r.baseline)})
    if r.target is not None or r.actual is not None:
        start, end = _period(r, p)
        period = _sub(indicator, "period")
        _sub(period, "period-start", {"iso-date": iso_date(start)})
        _sub(period, "period-end", {"iso-date": iso_date(end)})
        if r.target is not None:
            _sub(period, "target", {"value": number(r.target)})
        if r.actual is not None:
            _sub(period, "actual", {"value": number(r.actual)})


def activity_element(p: Partnership, publisher: codes.Publisher, as_of: date) -> Element:
    """The ``iati-activity`` of one partnership; ``as_of`` is the log's date at the position."""
    activity = etree.Element("iati-activity", nsmap=_NSMAP)
    activity.set("last-updated-datetime", iso_datetime(p.last_updated))
    identifier = p.iati_identifier or publisher.activity_identifier(p.id)
    _sub(activity, "iati-identifier").text = xml_text(identifier)
    reporting = _sub(
        activity,
        "reporting-org",
        # The registry republishes what its partners do: a secondary reporter, in IATI's terms.
        {
            "ref": publisher.ref,
            "type": str(publisher.org_type.iati_code),
            "secondary-reporter": "1",
        },
    )
    _narrative(reporting, publisher.name)
    _narrative(_sub(activity, "title"), p.title)
    _descriptions(activity, p)
    _participating_orgs(activity, p, publisher)
    status = codes.activity_status(p.concluded, p.start_date, p.end_date, as_of)
    _sub(activity, "activity-status", {"code": status})
    for kind, day in codes.activity_dates(p.concluded, p.start_date, p.end_date, as_of):
        _sub(activity, "activity-date", {"type": kind, "iso-date": iso_date(day)})
    _places(activity, p)
    _sectors(activity, p, publisher)
    for item in _evidence(p):
        _document_link(activity, item.url, item.title)
    for r in sorted(p.results, key=_result_order):  # sorted() is stable: log order within a level
        _result(activity, r, p)
    return activity


# ---------------------------------------------------------------------------- the document


class _Pieces:
    """What ``etree.xmlfile`` writes, kept until it is taken: the file a stream writes into."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self._parts.append(bytes(data))

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _no_check(_activity: bytes, _opening: bytes) -> None:
    """No check of each activity (``write_activities``: the caller validates the file)."""


async def activity_pieces(
    batches: AsyncIterable[Iterable[Partnership]],
    publisher: codes.Publisher,
    generated: datetime,
    tick: Callable[[], None] = lambda: None,
    check: Callable[[bytes, bytes], None] = _no_check,
) -> AsyncIterator[bytes]:
    """The ``iati-activities`` document of every partnership in ``batches``, as UTF-8 bytes, a
    batch of activities at a time: the whole document is never held, nor its tree.

    ``generated`` is the log's time at the position (``generated-datetime``): never the wall
    clock, so the same position gives the same bytes. ``tick`` is called once per activity.
    ``check(activity, opening)`` is given each ``iati-activity`` as it is written and the
    document's opening tag (``<iati-activities ...>``), to validate it as a file of its own.
    """
    out = _Pieces()
    as_of = generated.date()
    attributes = {"version": codes.IATI_VERSION, "generated-datetime": iso_datetime(generated)}
    opening = etree.tostring(etree.Element("iati-activities", attributes))
    opening = opening.removesuffix(b"/>") + b">"
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("iati-activities", attributes):
            xf.write("\n")
            async for batch in batches:
                for partnership in batch:
                    activity = activity_element(partnership, publisher, as_of)
                    if check is not _no_check:
                        check(etree.tostring(activity), opening)
                    xf.write(activity, pretty_print=True)
                    tick()
                xf.flush()
                yield out.take()
    out.write(b"\n")
    yield out.take()


async def write_activities(
    batches: AsyncIterable[Iterable[Partnership]],
    publisher: codes.Publisher,
    generated: datetime,
    tick: Callable[[], None] = lambda: None,
) -> bytes:
    """The ``iati-activities`` document of every partnership in ``batches``, as UTF-8 bytes.

    ``generated`` is the log's time at the position (``generated-datetime``): never the wall
    clock, so the same position gives the same bytes. ``tick`` is called once per activity.
    """
    return b"".join([p async for p in activity_pieces(batches, publisher, generated, tick)])
