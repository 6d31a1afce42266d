"""Where a region's case-study export is downloaded: the route, and the path GraphQL's
``exportUrl`` answers with (``/exports/case-studies/002.md?position=123``)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from projections.exports import Format

EXPORT_ROUTE = "/exports/case-studies"

# GraphQL's ExportFormat values, by format.
GRAPHQL_FORMATS: Mapping[str, Format] = {
    "MARKDOWN": "md",
    "HTML": "html",
    "CSV": "csv",
    "JSON": "json",
}


def export_path(region: str, fmt: Format, at_position: int | None = None) -> str:
    """The download path of an export: ``/exports/case-studies/002.md?position=123``."""
    path = f"{EXPORT_ROUTE}/{quote(region, safe='')}.{fmt}"
    return path if at_position is None else f"{path}?position={at_position}"
