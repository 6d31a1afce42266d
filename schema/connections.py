"""Relay connections with keyset cursors, the audit log, region figures and projection status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from projections import queries as q
from projections.runner import ProjectionStatus as Status
from registry import geography
from registry.geography import AreaLevel
from schema.enums import PracticeArea, Sector
from schema.ids import to_global_id
from schema.types import Area, Node, Organisation, Partnership

DEFAULT_PAGE = 20
MAX_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, page: q.Page[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        )


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


@strawberry.type(description="What the registry holds for one UN M49 area.")
class RegionSummary:
    area: Area
    partnership_count: int
    active_count: int
    concluded_count: int
    by_practice_area: list[PracticeAreaCount]
    by_sector: list[SectorCount]
    people_trained: int

    @classmethod
    def of(cls, figures: q.RegionFigures) -> RegionSummary:
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
