"""The file checks before anything is appended: well-formed, no DTD, IATI 2.03 valid.

The whole file is validated first (a refused file appends nothing), but never held whole: it
is streamed with ``iterparse`` and each ``iati-activity`` is validated against the shipped
schema as it ends, then dropped. The first activity is kept so that the root element can be
validated at the end with its own attributes and one real child (libxml2 validates a detached
element as a document; ``iati-activity`` is a global element of the schema). Streaming
validation inside the parser would lose line numbers, which the report must give.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from projections.iati.validation import MAX_ERRORS, SchemaError, activities_schema

ROOT = "iati-activities"
ACTIVITY = "iati-activity"
Element = Any  # lxml's _Element; the stubs do not export its type under a public name


class FileRefused(ValueError):
    """The file itself is refused: nothing of it is applied."""

    def __init__(self, errors: tuple[SchemaError, ...]) -> None:
        shown = "; ".join(str(e) for e in errors[:3])
        super().__init__(f"not a valid IATI 2.03 activities file: {shown}")
        self.errors = errors


@contextmanager
def stream(
    path: Path, events: tuple[str, ...] = ("start", "end")
) -> Iterator[Iterator[tuple[str, Any]]]:
    """Parse events of ``path`` with the safe settings: no network, no DTD, no entities.

    The file is opened here, not by libxml2, so it is closed however the reading ends.
    """
    with path.open("rb") as file:
        context: Iterable[tuple[str, Any]] = etree.iterparse(
            file,
            events=events,
            no_network=True,
            resolve_entities=False,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        yield iter(context)


def _refuse_prolog(root: Element) -> None:
    tree: Any = root.getroottree()  # lxml-stubs 0.5 lacks DocInfo.doctype
    if tree.docinfo.doctype:
        # IATI files have none; a DTD is where external entities and entity bombs live.
        raise FileRefused((SchemaError(1, 1, _DOCTYPE_REFUSED),))
    if root.tag != ROOT:
        raise FileRefused(
            (
                SchemaError(
                    int(root.sourceline or 1),
                    0,
                    f"the root element is <{root.tag}>, not <{ROOT}>: not an IATI activities file",
                ),
            )
        )


def _errors_of(element: Element) -> list[SchemaError]:
    schema = activities_schema()
    try:
        if schema.validate(element):
            return []
    except etree.XMLSchemaValidateError as error:  # libxml2 gave up on the element
        return [SchemaError(int(element.sourceline or 1), 0, str(error))]
    entries: Iterable[Any] = schema.error_log  # type: ignore[assignment]  # not in the stubs
    return [SchemaError(e.line, e.column, e.message) for e in itertools.islice(entries, MAX_ERRORS)]


@dataclass(frozen=True)
class Screened:
    """A file that passed: how many activities it holds (for the progress bar)."""

    activities: int


_PROLOG_BYTES = 65536
# The first markup that is a document type declaration or an element's start.
_FIRST_MARKUP = re.compile(rb"<(?:!DOCTYPE|[A-Za-z_:])")
_DOCTYPE_REFUSED = "a document type declaration (DOCTYPE) is not allowed"


def _refuse_doctype(path: Path) -> None:
    """A DOCTYPE is refused before libxml2 reads it: its entities are never even declared.
    (The parsed document's ``docinfo`` is checked too, for a prolog this does not see.)"""
    with path.open("rb") as file:
        head = file.read(_PROLOG_BYTES)
    found = _FIRST_MARKUP.search(head)
    if found is not None and found.group().startswith(b"<!"):
        line = head.count(b"\n", 0, found.start()) + 1
        raise FileRefused((SchemaError(line, 1, _DOCTYPE_REFUSED),))


def screen(path: Path) -> Screened:
    """Raise ``FileRefused`` unless ``path`` is a valid IATI 2.03 activities file."""
    _refuse_doctype(path)
    errors: list[SchemaError] = []
    root: Element = None
    count = 0
    complete = False
    try:
        with stream(path) as events:
            for event, element in events:
                if root is None:
                    root = element
                    _refuse_prolog(root)
                    continue
                if event != "end" or element.getparent() is not root:
                    continue
                if element.tag == ACTIVITY:
                    count += 1
                    if count == 1:
                        continue  # validated with the root, below
                    errors.extend(_errors_of(element))
                    if len(errors) >= MAX_ERRORS:
                        break
                    element.clear()
                    root.remove(element)  # bounded memory: only the first activity stays
            else:
                complete = True
    except etree.XMLSyntaxError as error:
        line, column = error.position
        errors.append(SchemaError(line or 1, column or 0, str(error.msg)))
    if complete and root is not None:
        errors = _errors_of(root) + errors
    if errors:
        ordered = sorted(set(errors), key=lambda e: (e.line, e.column, e.message))
        raise FileRefused(tuple(ordered[:MAX_ERRORS]))
    return Screened(count)
