"""Each compiled field's GraphQL arguments as the planner's argument records.

The same readings the resolvers make (defaults, page sizes, ids of the wrong type, unknown
regions), from the arguments graphql-core coerced. A ``GraphQLError`` here is one the resolver
would raise: the request then runs on the resolvers, which report it in their words.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from graphql import GraphQLError

from projections import compiler as c
from projections import queries as q
from registry import geography
from schema.connections import area_codes
from schema.ids import BadGlobalId, from_global_id, parse_global_id
from schema.pages import page_size

Convert = Callable[[dict[str, Any]], c.Arguments]


def _value(member: Any) -> Any:
    return member.value if isinstance(member, Enum) else member


def _uuid(global_id: str, type_name: str) -> Any:
    try:
        return from_global_id(global_id, type_name)
    except BadGlobalId:
        return None


def partnerships(args: dict[str, Any]) -> c.PartnershipsArgs:
    given = args.get("filter")
    criteria: q.PartnershipFilter | None = q.PartnershipFilter()
    if given is not None:
        organisation_id = None
        if given.get("organisation") is not None:
            organisation_id = _uuid(given["organisation"], "Organisation")
        if given.get("organisation") is not None and organisation_id is None:
            criteria = None
        else:
            criteria = q.PartnershipFilter(
                region=given.get("region"),
                country=given.get("country"),
                practice_area=_value(given.get("practiceArea")),
                sector=_value(given.get("sector")),
                organisation_id=organisation_id,
                status=_value(given.get("status")),
                best_practice=_value(given.get("bestPractice")),
                text=given.get("text"),
                iati_identifier=given.get("iatiIdentifier"),
            )
    order = args.get("orderBy") or q.PartnershipOrder.CREATED_AT_DESC
    first = page_size(args.get("first"))
    return c.PartnershipsArgs(criteria, q.PartnershipOrder(_value(order)), first, args.get("after"))


def organisations(args: dict[str, Any]) -> c.OrganisationsArgs:
    given = args.get("filter") or {}
    criteria = q.OrganisationFilter(
        country=given.get("country"),
        sector=_value(given.get("sector")),
        org_type=_value(given.get("orgType")),
        text=given.get("text"),
    )
    return c.OrganisationsArgs(criteria, page_size(args.get("first")), args.get("after"))


def partnership(args: dict[str, Any]) -> c.IdArgs:
    return c.IdArgs(_uuid(args["id"], "Partnership"))


def organisation(args: dict[str, Any]) -> c.IdArgs:
    return c.IdArgs(_uuid(args["id"], "Organisation"))


def node(args: dict[str, Any]) -> c.NodeArgs:
    try:
        type_name, uuid = parse_global_id(args["id"])
    except BadGlobalId:
        return c.NodeArgs(None, None)
    if type_name in ("Partnership", "Organisation", "CaseStudy"):
        return c.NodeArgs(type_name, uuid)
    return c.NodeArgs(None, None)  # the resolver knows no other kind of node


def regions(args: dict[str, Any]) -> c.RegionsArgs:
    level = args.get("level")
    return c.RegionsArgs(tuple(area_codes(geography.AreaLevel(level) if level else None)))


def region(args: dict[str, Any]) -> c.RegionArgs:
    code = args["code"]
    return c.RegionArgs(code if geography.area(code) is not None else None)


def case_studies(args: dict[str, Any]) -> c.CaseStudiesArgs:
    region = args.get("region")
    if region is not None and geography.area(region) is None:
        raise GraphQLError("region: unknown region")  # the resolver words it
    return c.CaseStudiesArgs(
        region, _value(args.get("practiceArea")), page_size(args.get("first")), args.get("after")
    )


# (type, field) -> how its arguments read; a field with arguments not here is not compiled.
CONVERTERS: dict[tuple[str, str], Convert] = {
    ("Query", "partnerships"): partnerships,
    ("Query", "organisations"): organisations,
    ("Query", "partnership"): partnership,
    ("Query", "organisation"): organisation,
    ("Query", "node"): node,
    ("Query", "regions"): regions,
    ("Query", "region"): region,
    ("Query", "caseStudies"): case_studies,
    ("RegionSummary", "caseStudies"): case_studies,
}

# Arguments whose mere presence sends the operation to the resolvers: time travel.
RESOLVER_ARGUMENTS = frozenset({("Query", "partnership", "asOf")})
