"""Organisations: pages of them by name, and batches of them by id."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from projections.keysets import ORGANISATION_KEYSET
from projections.queries.db import Db
from projections.queries.filters import OrganisationFilter, Params, organisation_conditions
from projections.queries.keyed import rows_by_id
from projections.queries.pages import Listing, Page, page_of
from projections.queries.records import (
    ORGANISATION_COLUMNS,
    OrganisationRecord,
    organisation_record,
)
from projections.read_model import LIVE_SCHEMA

_ORGANISATION_LISTING = Listing(
    "organisation_summary", "os", ORGANISATION_COLUMNS, ORGANISATION_KEYSET, organisation_record
)


async def organisations_page(
    db: Db,
    filter: OrganisationFilter,
    first: int,
    after: str | None,
    *,
    schema: str = LIVE_SCHEMA,
) -> Page[OrganisationRecord]:
    """Organisations by name, then id."""
    params = Params()
    conditions = organisation_conditions(filter, params)
    return await page_of(db, _ORGANISATION_LISTING, schema, conditions, params, first, after)


async def organisations_by_id(
    db: Db, ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[OrganisationRecord | None]:
    return await rows_by_id(
        db, schema, "organisation_summary", ORGANISATION_COLUMNS, ids, organisation_record
    )
