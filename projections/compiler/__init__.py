"""The query compiler: a collected GraphQL selection becomes one SQL statement over the read
model that returns the response's ``data`` as JSON text. Pure planning: no GraphQL library, no
connection; ``schema.compiled`` collects the selection, binds the arguments and runs it."""

from projections.compiler.planner import Plan, plan
from projections.compiler.tree import (
    Arguments,
    CaseStudiesArgs,
    Field,
    IdArgs,
    NodeArgs,
    OrganisationsArgs,
    PartnershipsArgs,
    RegionArgs,
    RegionsArgs,
    Uncovered,
)

__all__ = [
    "Arguments",
    "CaseStudiesArgs",
    "Field",
    "IdArgs",
    "NodeArgs",
    "OrganisationsArgs",
    "PartnershipsArgs",
    "Plan",
    "RegionArgs",
    "RegionsArgs",
    "Uncovered",
    "plan",
]
