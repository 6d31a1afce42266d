"""Values as an IATI file carries them: narratives, dates, numbers, lines, usable URLs."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from entrypoints.iati_import.records import IatiActivity, Note
from projections.iati import codes
from registry.domain.validation import Checks

Element = Any  # lxml's _Element; the stubs do not export its type under a public name
EXT = "{" + codes.EXTENSION_NAMESPACE + "}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def line(element: Element) -> int:
    return int(element.sourceline or 0)


def tag(element: Element) -> str:
    tag = element.tag
    return tag if isinstance(tag, str) else str(tag)


def narrative(element: Element | None) -> str | None:
    """The element's text: its first narrative without ``xml:lang`` (the activity's default
    language), else its first narrative; ``None`` when there is no text."""
    if element is None:
        return None
    narratives = element.findall("narrative")
    plain = [n for n in narratives if n.get(XML_LANG) is None]
    for candidate in plain + narratives:
        text = (candidate.text or "").strip()
        if text:
            return text
    return None


def iso_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def iso_datetime(value: str | None) -> tuple[datetime | None, str | None]:
    """An ``xsd:dateTime`` as an aware time, and what to report about it: a time without a
    zone is taken as UTC (IATI asks for one); one Python cannot read is None."""
    if value is None:
        return None, None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None, (
            f"{value!r} is not a date and time that can be compared: this version cannot be "
            "told older or newer than one imported before, so it is applied as what the "
            "registry lacks"
        )
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC), f"{value!r} has no time zone: taken as UTC"
    return moment.astimezone(UTC), None


def number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def usable_url(activity: IatiActivity, element: Element) -> str | None:
    """A document link's URL when the registry can keep it as evidence; else a note."""
    url = (element.get("url") or "").strip()
    checks = Checks()
    checks.url(("url",), url)
    if checks.problems:
        reason = checks.problems[0].message
        activity.notes.append(
            Note("document-link", line(element), f"{url!r} not imported: the URL {reason}")
        )
        return None
    return url
