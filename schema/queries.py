"""Reads answered by the write side until the read model (projections) serves them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.context import Info
from schema.ids import BadGlobalId, from_global_id, parse_global_id
from schema.types import Node, Organisation, Partnership


async def _partnership(
    info: Info, id: strawberry.ID, as_of: datetime | None = None
) -> Partnership | None:
    try:
        uuid = from_global_id(id, "Partnership")
    except BadGlobalId:
        return None
    view = await info.context.gateway.partnership(uuid, as_of)
    return Partnership.of(view) if view is not None else None


async def _organisation(info: Info, id: strawberry.ID) -> Organisation | None:
    try:
        uuid = from_global_id(id, "Organisation")
    except BadGlobalId:
        return None
    organisation = await info.context.gateway.organisation(uuid)
    return Organisation.of(organisation) if organisation is not None else None


async def _node(info: Info, id: strawberry.ID) -> Node | None:
    try:
        type_name, _uuid = parse_global_id(id)
    except BadGlobalId:
        return None
    if type_name == "Partnership":
        return await _partnership(info, id)
    if type_name == "Organisation":
        return await _organisation(info, id)
    return None


@strawberry.type
class Query:
    node: Node | None = strawberry.field(resolver=_node, description="Any object by its global id.")
    partnership: Partnership | None = strawberry.field(
        resolver=_partnership,
        description="A partnership, or its state at a past moment with `asOf`.",
    )
    organisation: Organisation | None = strawberry.field(
        resolver=_organisation, description="An organisation by its global id."
    )
