"""What the planner reads: a selection already collected, and each field's arguments.

The GraphQL layer collects fields (fragments, aliases, ``@include``/``@skip``, merging) into
``Field`` trees and turns each field's arguments into one of the argument records below, as the
resolvers would read them; the planner never sees GraphQL syntax. A field's arguments live in
the request's list at ``slot``: the tree is the same for every request of a document, the
arguments are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from uuid import UUID

from projections.keysets import PartnershipOrder
from projections.queries import OrganisationFilter, PartnershipFilter
from projections.queries.filters import searched


class Uncovered(Exception):
    """The compiler does not answer this selection: the resolvers do."""


@dataclass(frozen=True)
class Field:
    key: str  # the response key: the alias, or the name
    name: str
    fields: tuple[Field, ...] = ()  # the sub-selection, for fields of an object type
    slot: int | None = None  # where its arguments are in the request's list
    # For a field of an abstract type (node): the sub-selection for each concrete type.
    variants: Mapping[str, tuple[Field, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class PartnershipsArgs:
    filter: (
        PartnershipFilter | None
    )  # None: it matches nothing (an organisation id of another kind)
    order: PartnershipOrder
    first: int
    after: str | None

    @property
    def shape(self) -> tuple[PartnershipOrder, tuple[str, ...], bool]:
        """The order, the criteria given and whether a cursor is: each its own statement.

        Each order has its own index. The statement holds only the criteria given (and the
        keyset range only after a cursor), instead of ``($n IS NULL OR ...)`` for all of them:
        PostgreSQL can then keep one plan for it, which it cannot for the catch-all form,
        whose every execution it plans again (milliseconds for a page's statement).
        """
        given = () if self.filter is None else given_criteria(self.filter)
        return self.order, given, self.after is not None and self.filter is not None


def given_criteria(f: PartnershipFilter) -> tuple[str, ...]:
    """The criteria of a filter that are set (a blank text is none, as ``searched`` says)."""
    names = [name for name in _CRITERIA if getattr(f, name) is not None]
    return tuple(n for n in names if n != "text" or searched(f.text) is not None)


# Every criterion of the filter, from the filter itself: a criterion added there must be given
# a condition in the planner (which fails on one it does not know), never silently left out.
_CRITERIA = tuple(f.name for f in fields(PartnershipFilter))


@dataclass(frozen=True)
class OrganisationsArgs:
    filter: OrganisationFilter
    first: int
    after: str | None
    shape = None


@dataclass(frozen=True)
class CaseStudiesArgs:
    region: str | None  # a known M49 code (the GraphQL layer refuses others before)
    practice_area: str | None
    first: int
    after: str | None
    shape = None


@dataclass(frozen=True)
class IdArgs:
    """``partnership(id:)``, ``organisation(id:)``: None when the id is not one of that type."""

    uuid: UUID | None
    shape = None


@dataclass(frozen=True)
class NodeArgs:
    """``node(id:)``: the type the id names decides which sub-selection is planned."""

    type_name: str | None  # None: no registry id, the answer is null
    uuid: UUID | None

    @property
    def shape(self) -> Any:
        return self.type_name


@dataclass(frozen=True)
class RegionsArgs:
    codes: tuple[str, ...]  # the areas, in the order the answer lists them
    shape = None


@dataclass(frozen=True)
class RegionArgs:
    code: str | None  # None: an unknown code, the answer is null
    shape = None


Arguments = (
    PartnershipsArgs
    | OrganisationsArgs
    | CaseStudiesArgs
    | IdArgs
    | NodeArgs
    | RegionsArgs
    | RegionArgs
)
