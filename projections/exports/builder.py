"""The one builder of exports: a region at a log position, written in a format as it streams."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, get_args
from uuid import UUID

from projections.case_studies import (
    CaseStudyDocument,
    CaseStudySummary,
    Citation,
    RegionPlan,
    Subject,
    ranked_documents,
    region_plan,
)
from projections.case_studies.regional import CASE_STUDY_BATCH
from projections.exports.ticker import Ticker
from projections.exports.to_csv import CsvWriter
from projections.exports.to_html import html_writer
from projections.exports.to_json import JsonWriter
from projections.exports.to_markdown import markdown_writer
from projections.queries import Db
from projections.read_model import LIVE_SCHEMA
from registry import collector
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


class Writer(Protocol):
    """A format, written a piece at a time (``to_markdown``, ``to_html``, ``to_csv``,
    ``to_json``): the same pieces, joined, are the same bytes whatever the batches."""

    def head(self, ranked: Sequence[CaseStudySummary]) -> bytes: ...

    def studies(
        self, first_rank: int, batch: Sequence[CaseStudyDocument], tick: Ticker
    ) -> bytes: ...

    def tail(self, sources: Sequence[tuple[Citation, Subject | None]]) -> Iterator[bytes]: ...


_WRITERS: Mapping[Format, Callable[[RegionPlan], Writer]] = {
    "md": markdown_writer,
    "html": html_writer,
    "csv": CsvWriter,
    "json": JsonWriter,
}


@dataclass(frozen=True)
class ExportStream:
    """An export as it is written: what names it, known before the first byte, and its bytes
    as an async iterator of pieces (each case study is folded, written and let go in turn)."""

    chunks: AsyncIterator[bytes]
    region: str
    format: Format
    position: int
    filename: str


async def export_stream(
    db: Db,
    region_code: str,
    fmt: Format,
    at_position: int | None = None,
    progress: Progress | None = None,
    *,
    schema: str = LIVE_SCHEMA,
    batch: int = CASE_STUDY_BATCH,
) -> ExportStream:
    """The export of one region at a log position (the read model's head when not given), as
    a stream. The first pass (figures, ranking) runs before this returns, so a bad region or
    position raises here: ``UnknownRegion``, ``PositionBeyondHead``, or ``ValueError`` for an
    unknown format or a negative position. ``progress(done, total)`` is called as case studies
    are written. The stream reads ``db`` as it goes: keep it open until the last piece.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    with collector.paused():
        plan = await region_plan(db, region_code, at_position, schema=schema)
    chunks = _pieces(
        db, plan, _WRITERS[fmt](plan), Ticker(len(plan.ranked), progress), schema, batch
    )
    return ExportStream(
        chunks=chunks,
        region=plan.area.code,
        format=fmt,
        position=plan.position,
        filename=export_filename(plan.area.code, fmt, plan.position),
    )


async def _pieces(
    db: Db, plan: RegionPlan, writer: Writer, tick: Ticker, schema: str, batch: int
) -> AsyncIterator[bytes]:
    yield writer.head(plan.ranked)
    cited: set[Citation] = set()  # what the sources list: kept small, as citations, not text
    subjects: dict[UUID, Subject] = {}
    rank = 1
    async for documents, named in ranked_documents(db, plan, schema=schema, batch=batch):
        with collector.paused():
            data = writer.studies(rank, documents, tick)
        rank += len(documents)
        for study in documents:
            cited.update(study.citations)
        subjects.update(named)
        del documents
        yield data
    tick.done()
    sources = [(c, subjects.get(c.stream_id)) for c in sorted(cited)]
    del cited, subjects
    for piece in writer.tail(sources):
        yield piece


async def export(
    db: Db,
    region_code: str,
    fmt: Format,
    at_position: int | None = None,
    progress: Progress | None = None,
    *,
    schema: str = LIVE_SCHEMA,
) -> Export:
    """The export of one region at a log position (the read model's head when not given), whole.

    Raises ``UnknownRegion``, ``PositionBeyondHead``, or ``ValueError`` for an unknown format or
    a negative position. ``progress(done, total)`` is called as case studies are written. A
    large export is better written as it streams: ``export_stream``.
    """
    made = await export_stream(db, region_code, fmt, at_position, progress, schema=schema)
    data = b"".join([piece async for piece in made.chunks])
    return Export(
        data=data,
        region=made.region,
        format=fmt,
        position=made.position,
        filename=made.filename,
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
