"""How an export shows values: codelist labels, numbers, dates, places, links.

Template filters of both formats and helpers of the CSV; none escapes (the Markdown and HTML
renderers do, each its own way).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from registry import geography

_ACRONYMS = frozenset({"CSIRT", "NGO"})


def label(code: Any) -> str:
    """A codelist value as words: CAPACITY_BUILDING -> Capacity building."""
    words = str(code).split("_")
    shown = [w if w in _ACRONYMS else w.lower() for w in words]
    if shown and shown[0] not in _ACRONYMS:
        shown[0] = shown[0].capitalize()
    return " ".join(shown)


def number(value: float | int | None) -> str:
    """Integral values without a decimal point; others as their shortest exact form."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def day(value: date | None) -> str:
    return "—" if value is None else value.isoformat()


def period(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return "—"
    if end is None:
        return f"from {day(start)}"
    if start is None:
        return f"until {day(end)}"
    return f"{day(start)} to {day(end)}"


def country_name(code: str) -> str:
    found = geography.country(code)
    return f"{found.name} ({code})" if found is not None else code


def area_name(code: str) -> str:
    found = geography.area(code)
    return f"{found.name} ({code})" if found is not None else code


def safe_url(url: str) -> str | None:
    """An evidence URL fit for a link (http or https), or None to show it as text only."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def url_host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url
