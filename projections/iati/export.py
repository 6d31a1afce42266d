"""The IATI 2.03 export of an M49 area at a log position: what the CLI, HTTP and GraphQL serve.

``iati_export(db, region)`` gives one ``iati-activities`` document holding an ``iati-activity``
per partnership of the area at the position (the read model's head by default), checked
against the official schema before it is handed out, so no invalid file leaves the registry.
Its ``generated-datetime`` is the time the log recorded the position's last event, never the
wall clock: the same position gives the same bytes. See ``docs/iati.md`` for the mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from projections.case_studies import resolve_position
from projections.exports import PositionBeyondHead, UnknownRegion
from projections.iati.building import write_activities
from projections.iati.codes import Publisher
from projections.iati.partnerships import log_time, partnerships_in_area
from projections.iati.validation import validate
from projections.queries import Db
from projections.read_model import LIVE_SCHEMA
from registry import geography
from registry.progress import Progress, ignore

__all__ = [
    "IatiExport",
    "NoActivities",
    "PositionBeyondHead",
    "UnknownRegion",
    "iati_export",
    "iati_filename",
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
    ``progress(examined, candidates)`` counts the partnerships looked at.
    """
    area = geography.area(region_code) if isinstance(region_code, str) else None
    if area is None:
        raise UnknownRegion(region_code)
    position = await resolve_position(db, at_position, schema=schema)
    generated = await log_time(db, position, schema=schema)
    if generated is None:  # an empty log holds no partnership
        raise NoActivities(area.code, position)
    count = 0

    def counted() -> None:
        nonlocal count
        count += 1

    batches = partnerships_in_area(db, area.code, position, schema=schema, progress=progress)
    publisher = publisher or Publisher()
    data = await write_activities(batches, publisher, generated, counted)
    if count == 0:
        raise NoActivities(area.code, position)
    validate(data)
    return IatiExport(
        data=data,
        region=area.code,
        position=position,
        activity_count=count,
        filename=iati_filename(area.code, position),
    )
