"""The one builder of exports: a region's report at a log position, rendered in a format."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from projections.case_studies import RegionReport, paused_gc, region_report
from projections.exports.ticker import Ticker
from projections.exports.to_csv import render_csv
from projections.exports.to_html import render_html
from projections.exports.to_json import render_json
from projections.exports.to_markdown import render_markdown
from projections.queries import Db
from projections.read_model import LIVE_SCHEMA
from registry.progress import Progress

Format = Literal["md", "html", "csv", "json"]
FORMATS: tuple[Format, ...] = get_args(Format)


def format_of_extension(extension: str) -> Format:
    """``md``, ``html``, ``csv`` or ``json`` (as a file extension); ``ValueError`` otherwise."""
    for fmt in FORMATS:
        if extension == fmt:
            return fmt
    raise ValueError(f"unknown export format {extension!r}: use one of {', '.join(FORMATS)}")


def export_filename(region: str, fmt: Format, position: int) -> str:
    """A file name that says what the file holds: ``case-studies-002-at-123.md``."""
    safe = re.sub(r"[^0-9A-Za-z]", "_", region)
    return f"case-studies-{safe}-at-{position}.{fmt}"


@dataclass(frozen=True)
class Export:
    """An export's bytes and what a download or a file needs to name them."""

    data: bytes
    region: str
    format: Format
    position: int  # the log position it was made at
    filename: str  # e.g. case-studies-002-at-1234.md


async def export(
    db: Db,
    region_code: str,
    fmt: Format,
    at_position: int | None = None,
    progress: Progress | None = None,
    *,
    schema: str = LIVE_SCHEMA,
) -> Export:
    """The export of one region at a log position (the read model's head when not given).

    Raises ``UnknownRegion``, ``PositionBeyondHead``, or ``ValueError`` for an unknown format or
    a negative position. ``progress(done, total)`` is called as case studies are written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    with paused_gc():
        report = await region_report(db, region_code, at_position, schema=schema)
        data = render(report, fmt, progress)
    return Export(
        data=data,
        region=report.area.code,
        format=fmt,
        position=report.position,
        filename=export_filename(report.area.code, fmt, report.position),
    )


async def build_export(
    db: Db,
    region_code: str,
    fmt: Format,
    at_position: int | None = None,
    progress: Progress | None = None,
    *,
    schema: str = LIVE_SCHEMA,
) -> bytes:
    """The bytes of ``export(...)``: the same builder, for callers that need nothing else."""
    made = await export(db, region_code, fmt, at_position, progress, schema=schema)
    return made.data


_RENDERERS: Mapping[Format, Callable[[RegionReport, Ticker], bytes]] = {
    "md": render_markdown,
    "html": render_html,
    "csv": render_csv,
    "json": render_json,
}


def render(report: RegionReport, fmt: Format, progress: Progress | None = None) -> bytes:
    """The bytes of ``report`` in ``fmt``; a pure function of the report and the version."""
    return _RENDERERS[fmt](report, Ticker(len(report.case_studies), progress))
