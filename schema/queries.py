"""The READ section: resolvers of a few lines over ``projections.queries``.

Reads come from the read model; ``partnership(asOf:)`` alone rebuilds a past state from the
write side's events.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import strawberry
from graphql import GraphQLError

from projections import queries as q
from projections.runner import status
from registry import geography
from registry.geography import AreaLevel
from schema.case_studies import CaseStudy, CaseStudyConnection, case_studies, case_study
from schema.connections import (
    OrganisationConnection,
    PartnershipConnection,
    ProjectionStatus,
    RegionSummary,
    RegistryEventConnection,
    area_codes,
)
from schema.context import Info
from schema.enums import (
    BestPracticeStatus,
    OrganisationType,
    PartnershipStatus,
    PracticeArea,
    Sector,
)
from schema.ids import BadGlobalId, from_global_id, parse_global_id
from schema.pages import PageInfo, page_size
from schema.types import Node, Organisation, Partnership

PartnershipOrder = strawberry.enum(q.PartnershipOrder, name="PartnershipOrder")


@strawberry.input
class PartnershipFilter:
    region: str | None = strawberry.field(
        default=None,
        description='Any M49 code: "002" Africa, "014" Eastern Africa, "202" Sub-Saharan Africa.',
    )
    country: str | None = None
    practice_area: PracticeArea | None = None
    sector: Sector | None = None
    organisation: strawberry.ID | None = None
    status: PartnershipStatus | None = None
    best_practice: BestPracticeStatus | None = None
    text: str | None = None
    iati_identifier: str | None = strawberry.field(
        default=None, description="Exactly this IATI activity identifier."
    )


@strawberry.input
class OrganisationFilter:
    country: str | None = None
    sector: Sector | None = None
    org_type: OrganisationType | None = None
    text: str | None = None


def _uuid(global_id: str, type_name: str) -> UUID | None:
    try:
        return from_global_id(global_id, type_name)
    except BadGlobalId:
        return None


async def _partnership(
    info: Info, id: strawberry.ID, as_of: datetime | None = None
) -> Partnership | None:
    uuid = _uuid(id, "Partnership")
    if uuid is None:
        return None
    if as_of is not None:
        if as_of.tzinfo is None:  # events carry UTC times; a moment without an offset is UTC
            as_of = as_of.replace(tzinfo=UTC)
        client = info.context.request.client
        view = await info.context.time_travel.partnership(
            client.host if client is not None else "", uuid, as_of
        )
        return Partnership.of(view.record, view.preloaded) if view is not None else None
    record = await info.context.loaders.partnerships.load(uuid)
    return Partnership.of(record) if record is not None else None


async def _organisation(info: Info, id: strawberry.ID) -> Organisation | None:
    uuid = _uuid(id, "Organisation")
    if uuid is None:
        return None
    record = await info.context.loaders.organisations.load(uuid)
    return Organisation.of(record) if record is not None else None


async def _node(info: Info, id: strawberry.ID) -> Node | None:
    try:
        type_name, _uuid_value = parse_global_id(id)
    except BadGlobalId:
        return None
    if type_name == "Partnership":
        return await _partnership(info, id)
    if type_name == "Organisation":
        return await _organisation(info, id)
    if type_name == "CaseStudy":
        return await case_study(info, id)
    return None


async def _partnerships(
    info: Info,
    filter: PartnershipFilter | None = None,
    order_by: q.PartnershipOrder | None = None,
    first: int | None = None,
    after: str | None = None,
) -> PartnershipConnection:
    criteria = _partnership_filter(filter)
    if criteria is None:
        return PartnershipConnection(edges=[], page_info=_empty_page(), total_count=0)
    order = order_by or q.PartnershipOrder.CREATED_AT_DESC
    try:
        page = await q.partnerships_page(
            info.context.pool, criteria, order, page_size(first), after
        )
    except q.BadCursor as error:
        raise GraphQLError(f"after: {error}") from None
    return PartnershipConnection.of(page)


def _partnership_filter(given: PartnershipFilter | None) -> q.PartnershipFilter | None:
    """The filter for the read model; None when it can match nothing (an id of another kind)."""
    if given is None:
        return q.PartnershipFilter()
    organisation_id = None
    if given.organisation is not None:
        organisation_id = _uuid(given.organisation, "Organisation")
        if organisation_id is None:
            return None
    return q.PartnershipFilter(
        region=given.region,
        country=given.country,
        practice_area=given.practice_area.value if given.practice_area else None,
        sector=given.sector.value if given.sector else None,
        organisation_id=organisation_id,
        status=given.status.value if given.status else None,
        best_practice=given.best_practice.value if given.best_practice else None,
        text=given.text,
        iati_identifier=given.iati_identifier,
    )


def _empty_page() -> PageInfo:
    return PageInfo(
        has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None
    )


async def _organisations(
    info: Info,
    filter: OrganisationFilter | None = None,
    first: int | None = None,
    after: str | None = None,
) -> OrganisationConnection:
    given = filter or OrganisationFilter()
    criteria = q.OrganisationFilter(
        country=given.country,
        sector=given.sector.value if given.sector else None,
        org_type=given.org_type.value if given.org_type else None,
        text=given.text,
    )
    try:
        page = await q.organisations_page(info.context.pool, criteria, page_size(first), after)
    except q.BadCursor as error:
        raise GraphQLError(f"after: {error}") from None
    return OrganisationConnection.of(page)


async def _regions(info: Info, level: AreaLevel | None = None) -> list[RegionSummary]:
    figures = await q.region_figures(info.context.pool, area_codes(level))
    return [RegionSummary.of(f) for f in figures]


async def _region(info: Info, code: str) -> RegionSummary | None:
    if geography.area(code) is None:
        return None
    (figures,) = await q.region_figures(info.context.pool, [code])
    return RegionSummary.of(figures)


async def _events(
    info: Info,
    after: str | None = None,
    first: int | None = None,
    stream_id: strawberry.ID | None = None,
) -> RegistryEventConnection:
    position = log_position(after, "after")
    stream = stream_uuid(stream_id)
    page = await q.events_page(info.context.pool, position, page_size(first), stream)
    return RegistryEventConnection.of(page)


def stream_uuid(stream_id: strawberry.ID | None) -> UUID | None:
    if stream_id is None:
        return None
    try:
        _type, uuid = parse_global_id(stream_id)
    except BadGlobalId:
        raise GraphQLError(f"streamId: '{stream_id}' is not a registry id") from None
    return uuid


def log_position(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    try:
        return q.decode_position(text)
    except q.BadCursor:
        raise GraphQLError(f"{name}: '{text}' is not a log position or event cursor") from None


async def _projection_status(info: Info) -> ProjectionStatus:
    return ProjectionStatus.of(await status(info.context.pool))


@strawberry.type
class Query:
    node: Node | None = strawberry.field(resolver=_node, description="Any object by its global id.")
    partnership: Partnership | None = strawberry.field(
        resolver=_partnership, description="A partnership, or its state at a past moment (asOf)."
    )
    partnerships: PartnershipConnection = strawberry.field(
        resolver=_partnerships, description="Partnerships, filtered, in keyset-paginated pages."
    )
    organisation: Organisation | None = strawberry.field(
        resolver=_organisation, description="An organisation by its global id."
    )
    organisations: OrganisationConnection = strawberry.field(resolver=_organisations)
    regions: list[RegionSummary] = strawberry.field(
        resolver=_regions, description="Figures for every M49 area, or those of one level."
    )
    region: RegionSummary | None = strawberry.field(
        resolver=_region, description="Figures for one M49 area; null for an unknown code."
    )
    events: RegistryEventConnection = strawberry.field(
        resolver=_events, description="The audit log: every event, in log order."
    )
    projection_status: ProjectionStatus = strawberry.field(
        resolver=_projection_status, description="How far the read model has applied the log."
    )
    case_studies: CaseStudyConnection = strawberry.field(
        resolver=case_studies,
        description="Partnerships endorsed as best practice, ranked by evidence score; region is"
        " any M49 code.",
    )
    case_study: CaseStudy | None = strawberry.field(
        resolver=case_study,
        description="A case study with its citations, by its id (or its partnership's id).",
    )
