"""The IATI 2.03 export of an M49 area at a log position: what the CLI, HTTP and GraphQL serve.

``iati_export(db, region)`` gives one ``iati-activities`` document holding an ``iati-activity``
per partnership of the area at the position (the read model's head by default), each activity
checked against the official schema as it is written (``iati_stream`` hands the file out in
pieces), so no invalid file leaves the registry whole.
Its ``generated-datetime`` is the time the log recorded the position's last event, never the
wall clock: the same position gives the same bytes. See ``docs/iati.md`` for the mapping.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from projections.case_studies import resolve_position
from projections.exports import PositionBeyondHead, UnknownRegion
from projections.iati.building import activity_pieces
from projections.iati.codes import Publisher
from projections.iati.partnerships import Partnership, log_time, partnerships_in_area
from projections.iati.validation import validate_activity
from projections.queries import Db
from projections.read_model import LIVE_SCHEMA
from registry import geography
from registry.progress import Progress, ignore

__all__ = [
    "IatiExport",
    "IatiStream",
    "NoActivities",
    "PositionBeyondHead",
    "UnknownRegion",
    "iati_export",
    "iati_filename",
    "iati_stream",
]


class NoActivities(ValueError):
    """An area with no partnership at the position: IATI has no empty ``iati-activities``."""

    def __init__(self, region: str, position: int) -> None:
        super().__init__(
            f"no partnership in region {region!r} at log position {position}: an IATI file holds"
            " at least one activity, so there is nothing to export"
        )
        self.region = region
        self.position = position


@dataclass(frozen=True)
class IatiExport:
    """An IATI file's bytes, what they hold and the name to save them under."""

    data: bytes
    region: str
    position: int  # the log position it was made at
    activity_count: int
    filename: str  # e.g. iati-002-at-1234.xml


def iati_filename(region: str, position: int) -> str:
    """A file name that says what the file holds: ``iati-002-at-123.xml``."""
    safe = re.sub(r"[^0-9A-Za-z]", "_", region)
    return f"iati-{safe}-at-{position}.xml"


@dataclass(frozen=True)
class IatiStream:
    """An IATI file as it is written: what names it, known before the first byte, and its
    bytes as an async iterator of pieces, each activity validated as it is written."""

    chunks: AsyncIterator[bytes]
    region: str
    position: int
    filename: str
    counted: list[int]  # the activities written so far, as one number

    @property
    def activity_count(self) -> int:
        return self.counted[0]


async def iati_stream(
    db: Db,
    region_code: str,
    at_position: int | None = None,
    *,
    publisher: Publisher | None = None,
    progress: Progress = ignore,
    schema: str = LIVE_SCHEMA,
) -> IatiStream:
    """The IATI 2.03 file of one M49 area at a log position (the read model's head if not
    given), as a stream: the errors of ``iati_export`` before it returns (the first batch of
    partnerships is folded first, so ``NoActivities`` too), except ``InvalidIati``, which the
    stream raises at the activity that fails (a bug, never the data's fault)."""
    area = geography.area(region_code) if isinstance(region_code, str) else None
    if area is None:
        raise UnknownRegion(region_code)
    position = await resolve_position(db, at_position, schema=schema)
    generated = await log_time(db, position, schema=schema)
    if generated is None:  # an empty log holds no partnership
        raise NoActivities(area.code, position)
    batches = partnerships_in_area(db, area.code, position, schema=schema, progress=progress)
    first = await anext(batches, None)  # the generator yields only batches with a partnership
    if first is None:
        raise NoActivities(area.code, position)
    counted = [0]

    def tick() -> None:
        counted[0] += 1

    async def every_batch() -> AsyncIterator[list[Partnership]]:
        assert first is not None
        yield first
        async for batch in batches:
            yield batch

    chunks = activity_pieces(
        every_batch(), publisher or Publisher(), generated, tick, validate_activity
    )
    return IatiStream(chunks, area.code, position, iati_filename(area.code, position), counted)


async def iati_export(
    db: Db,
    region_code: str,
    at_position: int | None = None,
    *,
    publisher: Publisher | None = None,
    progress: Progress = ignore,
    schema: str = LIVE_SCHEMA,
) -> IatiExport:
    """The IATI 2.03 file of one M49 area at a log position (the read model's head if not given).

    Raises ``UnknownRegion``, ``PositionBeyondHead``, ``ValueError`` for a negative position,
    ``NoActivities`` when no partnership is in the area then, and ``InvalidIati`` if the file
    would not validate (a bug, never the data's fault: text is made safe for XML first).
    ``progress(examined, candidates)`` counts the partnerships looked at. Every activity is
    validated against the schema as it is written; a large file is better written as it
    streams: ``iati_stream``.
    """
    made = await iati_stream(
        db, region_code, at_position, publisher=publisher, progress=progress, schema=schema
    )
    data = b"".join([piece async for piece in made.chunks])
    return IatiExport(
        data=data,
        region=made.region,
        position=made.position,
        activity_count=made.activity_count,
        filename=made.filename,
    )
