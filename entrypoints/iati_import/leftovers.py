"""What an ``iati-activity`` carries that the registry does not keep, found by walking it
against the table of what the reader takes (``KEPT``), so nothing is dropped silently.

Bounded: one note per kind of leftover (an element's path, an attribute, the narratives of a
field in other languages), with how many there were and the first one's line, never one
note per element: a file with a thousand transactions gives one line about transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from entrypoints.iati_import.records import Note
from entrypoints.iati_import.values import EXT, XML_LANG, Element, line, narrative, tag

_ROOT = "iati-activity"
_NARRATIVE = "narrative"
# Notes of one element kept whole (each says something of its own, e.g. a region's code and
# vocabulary); past these, one more note says how many more there were.
NOTES_PER_ELEMENT = 3

_Leave = Callable[[str, int, str], None]


@dataclass(frozen=True)
class Kept:
    """Of one element (by its path from the activity): the attributes and children read."""

    attributes: frozenset[str] = frozenset()
    children: frozenset[str] = frozenset()


def _kept(attributes: str = "", children: str = "") -> Kept:
    return Kept(frozenset(attributes.split()), frozenset(children.split()))


_TEXT = _kept(children=_NARRATIVE)
# A link whose URL becomes evidence: of an outcome, its title is not kept (outcomes keep URLs).
_EVIDENCE = _kept("url")

# What ``reading.py`` and ``results.py`` read, element by element; the names of codes
# (country, region, sector narratives) count as read: the registry names its codes itself.
KEPT: Mapping[str, Kept] = {
    _ROOT: _kept(
        f"last-updated-datetime {XML_LANG}",
        "iati-identifier reporting-org title description participating-org activity-status "
        "activity-date recipient-country recipient-region sector document-link result",
    ),
    "iati-identifier": Kept(),
    "reporting-org": _kept("ref type secondary-reporter", _NARRATIVE),
    "title": _TEXT,
    "description": _kept("type", _NARRATIVE),
    "participating-org": _kept(f"ref type role {EXT}role {EXT}since {EXT}until", _NARRATIVE),
    "activity-status": _kept("code"),
    "activity-date": _kept("type iso-date"),
    "recipient-country": _kept("code", _NARRATIVE),
    "recipient-region": _kept("code vocabulary", _NARRATIVE),
    "sector": _kept("code vocabulary vocabulary-uri", _NARRATIVE),
    "document-link": _kept("url", "title document-date"),
    "document-link/title": _TEXT,
    "document-link/document-date": _kept("iso-date"),
    "result": _kept(f"type {EXT}verification", "title document-link indicator"),
    "result/title": _TEXT,
    "result/document-link": _EVIDENCE,
    "result/indicator": _kept(f"{EXT}unit", "title description baseline period document-link"),
    "result/indicator/title": _TEXT,
    "result/indicator/description": _TEXT,
    "result/indicator/document-link": _EVIDENCE,
    "result/indicator/baseline": _kept("value", "document-link"),
    "result/indicator/baseline/document-link": _EVIDENCE,
    "result/indicator/period": _kept(children="period-start period-end target actual"),
    "result/indicator/period/period-start": _kept("iso-date"),
    "result/indicator/period/period-end": _kept("iso-date"),
    "result/indicator/period/target": _kept("value", "document-link"),
    "result/indicator/period/target/document-link": _EVIDENCE,
    "result/indicator/period/actual": _kept("value", "document-link"),
    "result/indicator/period/actual/document-link": _EVIDENCE,
}

_MONEY = "the registry holds no money flows"
# Why the registry has no place for an element or attribute, by its name; else _ELSE.
REASONS: Mapping[str, str] = {
    "budget": _MONEY,
    "planned-disbursement": _MONEY,
    "transaction": _MONEY,
    "capital-spend": _MONEY,
    "crs-add": _MONEY,
    "fss": _MONEY,
    "country-budget-items": _MONEY,
    "default-aid-type": _MONEY,
    "default-finance-type": _MONEY,
    "default-flow-type": _MONEY,
    "default-tied-status": _MONEY,
    "@default-currency": _MONEY,
    "@budget-not-provided": _MONEY,
    "@crs-channel-code": _MONEY,
    "contact-info": "the registry keeps no contact details",
    "location": "the registry records countries and regions, not locations",
    "@percentage": "the registry records no split between countries, regions or sectors",
    "related-activity": "the registry does not link partnerships to other activities",
    "@hierarchy": "the registry does not link partnerships to other activities",
    "@activity-id": "the registry does not link partnerships to other activities",
    "humanitarian-scope": "the registry does not record humanitarian scopes",
    "@humanitarian": "the registry does not record humanitarian scopes",
    "policy-marker": "the registry does not record policy markers",
    "tag": "the registry does not record tags",
    "conditions": "the registry does not record conditions",
    "collaboration-type": "the registry does not record collaboration types",
    "activity-scope": "the registry's countries and regions say where a partnership is",
    "other-identifier": "the registry keeps one IATI identifier per partnership",
    "legacy-data": "the registry does not keep legacy data",
    "@linked-data-uri": "the registry does not keep linked-data URIs",
    "reference": "the registry does not keep indicator references",
    "dimension": "the registry does not keep disaggregations",
    "comment": "the registry does not keep comments on values",
    "@year": "the registry keeps the baseline's value, not its year",
    "@iso-date": "the registry keeps the baseline's value, not its date",
    "@measure": "the registry keeps an outcome's unit, not IATI's measure",
    "@ascending": "the registry does not record which direction is better",
    "@aggregation-status": "the registry does not record whether results may be aggregated",
    "@format": "the registry keeps a document's URL, not its format",
    "category": "the registry keeps a document's URL and title, not its category",
    "language": "the registry keeps a document's URL and title, not its language",
    "title": "an outcome keeps the URLs of its evidence, not their titles",
    "description": "the registry has no place for it",
    "document-date": "an outcome keeps the URLs of its evidence, not their dates",
    "@vocabulary-uri": "the registry keeps UN M49 regions, not another vocabulary's address",
}
_ELSE = "the registry has no place for it"
_ELSE_NAMESPACE = "an extension the registry does not read"


def leftovers(activity: Element) -> list[Note]:
    """One note per kind of leftover of ``activity``, in the order they are first met."""
    found: dict[str, tuple[int, int, str]] = {}  # path -> (count, first line, reason)

    def leave(path: str, at: int, reason: str) -> None:
        count, first, first_reason = found.get(path, (0, at, reason))
        found[path] = (count + 1, first, first_reason)  # the first one's line and reason

    _walk(activity, "", leave)
    notes: list[Note] = []
    for path, (count, first, reason) in found.items():
        many = f" ({count} of them)" if count > 1 else ""
        notes.append(Note(path, first, f"not imported{many}: {reason}"))
    return notes


def _walk(element: Element, path: str, leave: _Leave) -> None:
    """Leave what ``element`` (at ``path``) has that is not kept, keyed by the element's own
    name (not its path): a ``document-link``'s category is one kind wherever the link is."""
    kept = KEPT.get(path or _ROOT)
    if kept is None:
        return
    name = tag(element)
    for attribute in element.attrib:
        if attribute not in kept.attributes:
            shown = _shown(attribute)
            leave(f"{name}/@{shown}", line(element), _reason(f"@{shown}", attribute))
    chosen = narrative(element) if _NARRATIVE in kept.children else None
    for child in element:
        if not isinstance(child.tag, str):
            continue  # a comment or processing instruction: no content
        kind = tag(child)
        child_path = f"{path}/{kind}" if path else kind
        if kind not in kept.children:
            leave(f"{name}/{kind}" if path else kind, line(child), _reason(kind, kind))
        elif kind == _NARRATIVE:
            text = (child.text or "").strip()
            if text and text != chosen:
                language = child.get(XML_LANG) or "the default language"
                leave(
                    f"{name}/narrative",
                    line(child),
                    f"a text in another language ({language}): the registry keeps one text "
                    "a field, the first in the activity's default language",
                )
        else:
            _walk(child, child_path, leave)


def _shown(name: str) -> str:
    if name == XML_LANG:
        return "xml:lang"
    if name.startswith(EXT):
        return "ppp:" + name.removeprefix(EXT)
    return name


def _reason(key: str, name: str) -> str:
    if key in REASONS:
        return REASONS[key]
    return _ELSE_NAMESPACE if name.startswith("{") else _ELSE


def bounded(notes: Sequence[Note]) -> list[Note]:
    """``notes`` with at most ``NOTES_PER_ELEMENT`` of each element, then one note saying how
    many more of it there were and where the first of those is."""
    kept: list[Note] = []
    more: dict[str, list[Note]] = {}
    seen: dict[str, int] = {}
    for note in notes:
        seen[note.element] = seen.get(note.element, 0) + 1
        if seen[note.element] <= NOTES_PER_ELEMENT:
            kept.append(note)
        else:
            more.setdefault(note.element, []).append(note)
    for element, rest in more.items():
        kept.append(
            Note(
                element,
                rest[0].line,
                f"{len(rest)} more notes of <{element}> like the ones above, from this line on",
            )
        )
    return kept
