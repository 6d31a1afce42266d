"""What a page of partnerships or organisations is filtered by, as SQL conditions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class PartnershipFilter:
    region: str | None = None  # any M49 code, at any level
    country: str | None = None
    practice_area: str | None = None
    sector: str | None = None  # of a current partner
    organisation_id: UUID | None = None  # a current or past partner
    status: str | None = None
    best_practice: str | None = None
    text: str | None = None  # web-search syntax over title, summary, objectives
    iati_identifier: str | None = None  # exactly this IATI activity identifier


@dataclass(frozen=True)
class OrganisationFilter:
    country: str | None = None
    sector: str | None = None
    org_type: str | None = None
    text: str | None = None  # web-search syntax over the name


class Params:
    """Numbered placeholders, allocated as clauses are added, and their values."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def searched(text: str | None) -> str | None:
    # A blank search box means no text criterion, not "match nothing".
    return text if text is not None and text.strip() else None


def partnership_conditions(f: PartnershipFilter, s: str, params: Params) -> list[str]:
    """The filter as SQL over ``ps`` (partnership_summary); only the criteria that are set."""
    conditions = []
    # The array criteria are written as containment so the GIN indexes on the arrays apply.
    if f.region is not None:
        conditions.append(f"ps.regions @> ARRAY[{params.add(f.region)}::text]")
    if f.country is not None:
        conditions.append(f"ps.countries @> ARRAY[{params.add(f.country)}::text]")
    if f.practice_area is not None:
        conditions.append(f"ps.practice_areas @> ARRAY[{params.add(f.practice_area)}::text]")
    if f.sector is not None:
        conditions.append(
            f"EXISTS (SELECT 1 FROM {s}.partnership_partners pp"  # noqa: S608 - s is a name
            f" JOIN {s}.organisation_summary o ON o.id = pp.organisation_id"
            f" WHERE pp.partnership_id = ps.id AND pp.until IS NULL"
            f" AND o.sector = {params.add(f.sector)})"
        )
    if f.organisation_id is not None:
        conditions.append(
            f"EXISTS (SELECT 1 FROM {s}.partnership_partners pp"  # noqa: S608 - s is a name
            " WHERE pp.partnership_id = ps.id"
            f" AND pp.organisation_id = {params.add(f.organisation_id)})"
        )
    if f.status is not None:
        conditions.append(f"ps.status = {params.add(f.status)}")
    if f.best_practice is not None:
        conditions.append(f"ps.best_practice = {params.add(f.best_practice)}")
    text = searched(f.text)
    if text is not None:
        conditions.append(f"ps.search @@ websearch_to_tsquery('english', {params.add(text)})")
    if f.iati_identifier is not None:
        conditions.append(f"ps.iati_identifier = {params.add(f.iati_identifier)}")
    return conditions


def organisation_conditions(f: OrganisationFilter, params: Params) -> list[str]:
    conditions = []
    if f.country is not None:
        conditions.append(f"os.country = {params.add(f.country)}")
    if f.sector is not None:
        conditions.append(f"os.sector = {params.add(f.sector)}")
    if f.org_type is not None:
        conditions.append(f"os.org_type = {params.add(f.org_type)}")
    text = searched(f.text)
    if text is not None:
        # 'simple', as the column is built: names are proper nouns, not English to stem.
        conditions.append(f"os.search @@ websearch_to_tsquery('simple', {params.add(text)})")
    return conditions


def where(conditions: Sequence[str]) -> str:
    return " AND ".join(conditions) if conditions else "true"
