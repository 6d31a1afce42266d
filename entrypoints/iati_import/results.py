"""An activity's ``result`` elements read into outcomes: one per indicator period."""

from __future__ import annotations

from entrypoints.iati_import.records import IatiActivity, Note, OutcomeRecord
from entrypoints.iati_import.values import (
    EXT,
    Element,
    iso_date,
    line,
    narrative,
    number,
    usable_url,
)
from projections.iati import codes
from registry.domain.codelists import ResultLevel, Verification
from registry.domain.validation import MAX_URLS

RESULT_LEVELS_BY_TYPE = {code: ResultLevel(level) for level, code in codes.RESULT_TYPES.items()}
UNIT_PREFIX = "Unit: "


def evidence_urls(activity: IatiActivity, links: list[Element]) -> tuple[str, ...]:
    """The usable URLs of ``links``, once each, as many as an outcome keeps."""
    found: list[str] = []
    for link in links:
        url = usable_url(activity, link)
        if url is None or url in found:
            continue
        if len(found) == MAX_URLS:
            activity.notes.append(
                Note(
                    "document-link",
                    line(link),
                    f"{url!r} not imported: an outcome keeps at most {MAX_URLS} evidence URLs",
                )
            )
            continue
        found.append(url)
    return tuple(found)


def read_result(activity: IatiActivity, element: Element) -> None:
    kind = element.get("type") or ""
    level = RESULT_LEVELS_BY_TYPE.get(kind)
    if level is None:
        activity.notes.append(
            Note("result", line(element), f"@type {kind!r} is not output, outcome or impact")
        )
        return
    verification_code = element.get(EXT + "verification") or ""
    # A publisher's own report of its results is, to the registry, self-reported, unless the
    # registry's own attribute says otherwise.
    verification = (
        Verification(verification_code)
        if verification_code in Verification.__members__
        else Verification.SELF_REPORTED
    )
    result_title = narrative(element.find("title"))
    result_urls = evidence_urls(activity, element.findall("document-link"))
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
        activity.notes.append(Note("indicator", line(element), "no title: not imported"))
        return
    unit = element.get(EXT + "unit")
    described = narrative(element.find("description"))
    if unit is None and described is not None and described.startswith(UNIT_PREFIX):
        unit = described.removeprefix(UNIT_PREFIX).strip() or None
    elif described is not None and not described.startswith(UNIT_PREFIX):
        activity.notes.append(
            Note(
                "indicator/description",
                line(element.find("description")),
                "not imported: the registry keeps an indicator's unit ('Unit: ...'), "
                "not a description of it",
            )
        )
    baseline_element = element.find("baseline")
    baseline = None
    if baseline_element is not None:
        baseline = number(baseline_element.get("value"))
        if baseline is None and baseline_element.get("value") is not None:
            activity.notes.append(
                Note("baseline", line(baseline_element), "@value is not a number: not imported")
            )
    own = evidence_urls(activity, list(element.iterfind(".//document-link")))
    urls = tuple(dict.fromkeys((*result_urls, *own)))
    if len(urls) > MAX_URLS:
        activity.notes.append(
            Note(
                "document-link",
                line(element),
                f"{len(urls)} evidence links for one indicator: the first {MAX_URLS} imported,"
                f" {len(urls) - MAX_URLS} not (the registry keeps at most {MAX_URLS})",
            )
        )
        urls = urls[:MAX_URLS]
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
                line(element),
            )
        )
        return
    for period in periods:
        values: dict[str, float | None] = {}
        for kind in ("target", "actual"):
            found = period.find(kind)
            values[kind] = None if found is None else number(found.get("value"))
            if found is not None and values[kind] is None and found.get("value") is not None:
                activity.notes.append(
                    Note(kind, line(found), "@value is not a number: not imported")
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
                iso_date(start.get("iso-date")) if start is not None else None,
                iso_date(end.get("iso-date")) if end is not None else None,
                verification,
                urls,
                line(period),
            )
        )
