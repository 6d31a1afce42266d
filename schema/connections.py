"""Relay connections with keyset cursors, the audit log, region figures and projection status."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from projections import queries as q
from projections.runner import ProjectionStatus as Status
from registry import geography
from registry.geography import AreaLevel
from schema.case_studies import CaseStudyConnection, ExportFormat, case_studies, export_url
from schema.context import Info
from schema.enums import PracticeArea, Sector
from schema.ids import to_global_id
from schema.pages import PageInfo
from schema.types import Area, Node, Organisation, Partnership


@strawberry.type
class PartnershipEdge:
    cursor: str
    node: Partnership


@strawberry.type
class PartnershipConnection:
    edges: list[PartnershipEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def of(cls, page: q.Page[q.PartnershipRecord]) -> PartnershipConnection:
        edges = [
            PartnershipEdge(cursor=c, node=Partnership.of(r))
            for r, c in zip(page.items, page.cursors, strict=True)
        ]
        return cls(edges=edges, page_info=PageInfo.of(page), total_count=page.total_count)


@strawberry.type
class OrganisationEdge:
    cursor: str
    node: Organisation


@strawberry.type
class OrganisationConnection:
    edges: list[OrganisationEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def of(cls, page: q.Page[q.OrganisationRecord]) -> OrganisationConnection:
        edges = [
            OrganisationEdge(cursor=c, node=Organisation.of(r))
            for r, c in zip(page.items, page.cursors, strict=True)
        ]
        return cls(edges=edges, page_info=PageInfo.of(page), total_count=page.total_count)


@strawberry.type(description="One event of the log, as recorded: the audit trail.")
class RegistryEvent(Node):
    id: strawberry.ID
    position: str
    type: str = strawberry.field(description='Past-tense event name, e.g. "ActivityLogged".')
    stream_id: strawberry.ID = strawberry.field(
        description="Global id of the organisation or partnership."
    )
    version: int
    recorded_at: datetime
    actor: str | None
    data: JSON

    @classmethod
    def of(cls, record: q.EventRecord) -> RegistryEvent:
        return cls(
            id=strawberry.ID(to_global_id("RegistryEvent", record.event_id)),
            position=str(record.position),
            type=record.type,
            stream_id=strawberry.ID(to_global_id(record.stream_type, record.stream_id)),
            version=record.version,
            recorded_at=record.recorded_at,
            actor=record.actor,
            data=JSON(record.data),
        )


@strawberry.type
class RegistryEventEdge:
    cursor: str
    node: RegistryEvent


@strawberry.type
class RegistryEventConnection:
    edges: list[RegistryEventEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, page: q.Page[q.EventRecord]) -> RegistryEventConnection:
        edges = [
            RegistryEventEdge(cursor=c, node=RegistryEvent.of(r))
            for r, c in zip(page.items, page.cursors, strict=True)
        ]
        return cls(edges=edges, page_info=PageInfo.of(page))


@strawberry.type
class ProjectionStatus:
    position: str
    head: str
    lag: int
    rebuilding: bool
    last_error: str | None

    @classmethod
    def of(cls, status: Status) -> ProjectionStatus:
        error = status.last_error
        if error is not None and status.failed_position is not None:
            error = f"stopped at position {status.failed_position}: {error}"
        return cls(
            position=str(status.position),
            head=str(status.head),
            lag=status.lag,
            rebuilding=status.rebuilding,
            last_error=error,
        )


@strawberry.type
class PracticeAreaCount:
    practice_area: PracticeArea
    count: int


@strawberry.type
class SectorCount:
    sector: Sector
    count: int


async def _case_studies(
    root: RegionSummary,
    info: Info,
    practice_area: PracticeArea | None = None,
    first: int | None = None,
    after: str | None = None,
) -> CaseStudyConnection:
    return await case_studies(info, root.area.code, practice_area, first, after)


async def _export_url(root: RegionSummary, info: Info, format: ExportFormat) -> str:
    return await export_url(info, root.area.code, format)


@strawberry.type(description="What the registry holds for one UN M49 area.")
class RegionSummary:
    area: Area
    partnership_count: int
    active_count: int
    concluded_count: int
    by_practice_area: list[PracticeAreaCount]
    by_sector: list[SectorCount]
    people_trained: int
    case_studies: CaseStudyConnection = strawberry.field(
        resolver=_case_studies,
        description="The area's case studies, ranked by evidence score (as its export ranks them).",
    )
    export_url: str = strawberry.field(
        resolver=_export_url,
        description="The path of the area's case-study export, pinned to the log position the"
        " read model had when the request read it: fetching it later gives the same bytes.",
    )

    @classmethod
    def of(cls, figures: q.RegionStats) -> RegionSummary:
        area = geography.area(figures.area_code)
        assert area is not None
        return cls(
            area=Area.of(area),
            partnership_count=figures.partnership_count,
            active_count=figures.active_count,
            concluded_count=figures.concluded_count,
            by_practice_area=[
                PracticeAreaCount(
                    practice_area=PracticeArea(a), count=figures.by_practice_area.get(a, 0)
                )
                for a in PracticeArea
            ],
            by_sector=[
                SectorCount(sector=Sector(s), count=figures.by_sector.get(s, 0)) for s in Sector
            ],
            people_trained=figures.people_trained,
        )


def area_codes(level: AreaLevel | None) -> list[str]:
    return [a.code for a in geography.areas(level)]
