"""Regional case-study exports: one builder behind the CLI, the HTTP download and GraphQL.

``build_export(db, region, fmt)`` gives the bytes of one document (``export_stream`` the same
bytes as they are written, for files and downloads): Markdown, HTML, CSV or JSON
(see ``docs/case-studies.md`` for each format's shape). Each names its region, the log position
it was made at and the registry version, and holds no wall-clock time, so the same position
always gives the same bytes. Markdown and HTML come from Jinja2 templates in
``projections/templates``; HTML is autoescaped, Markdown escaped by the ``md`` filter, CSV
cells that a spreadsheet would read as a formula are quoted with a leading apostrophe.

The parts: ``builder`` (the entry), a writer per format (``to_markdown``, ``to_html``,
``to_csv``, ``to_json``), the ``templates`` they share, ``text`` (how values are shown),
``charts`` and ``ticker`` (progress); this module names what callers use.
"""

from __future__ import annotations

from projections.case_studies import PositionBeyondHead, UnknownRegion
from projections.exports.builder import (
    FORMATS,
    Export,
    ExportStream,
    Format,
    build_export,
    export,
    export_filename,
    export_stream,
    format_of_extension,
)
from projections.exports.to_csv import CSV_COLUMNS
from projections.exports.to_json import JSON_SCHEMA_VERSION

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "JSON_SCHEMA_VERSION",
    "Export",
    "ExportStream",
    "Format",
    "PositionBeyondHead",
    "UnknownRegion",
    "build_export",
    "export",
    "export_filename",
    "export_stream",
    "format_of_extension",
]
