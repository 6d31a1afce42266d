"""Typed reads over the read model: pages, batches for DataLoaders, region figures, the log.

Every statement names its tables through the schema it is given (the live one by default): a
rebuild swaps schemas by renaming them, so a qualified name always means the current model.
Pages are keyset-paginated: a cursor holds the sort value and id of a row, so a page costs an
index range scan however deep it is, and rows inserted meanwhile neither repeat nor vanish.
Batches take keys and answer in their order in one statement, as DataLoaders need.

The parts: ``records`` (what reads return), ``filters``, ``pages`` (keyset pagination),
``partnerships``, ``organisations``, ``regions`` and ``log``; this module names them all.
"""

from __future__ import annotations

from projections.keysets import BadCursor, PartnershipOrder
from projections.queries.db import Db
from projections.queries.filters import OrganisationFilter, PartnershipFilter, searched
from projections.queries.log import decode_position, event_cursor, events_after, events_page
from projections.queries.organisations import organisations_by_id, organisations_page
from projections.queries.pages import MAX_PAGE, Page
from projections.queries.partnerships import (
    activities_by_id,
    activities_of,
    lessons_of,
    memberships_of,
    outcomes_by_id,
    outcomes_of,
    partnerships_by_id,
    partnerships_page,
    region_stats_column,
)
from projections.queries.records import (
    ORGANISATION_COLUMNS,
    PARTNERSHIP_COLUMNS,
    ActivityRecord,
    EventRecord,
    IdentifierRecord,
    LessonRecord,
    MembershipRecord,
    OrganisationRecord,
    OutcomeRecord,
    PartnershipRecord,
    RegionStats,
)
from projections.queries.regions import region_figures

__all__ = [
    "MAX_PAGE",
    "ORGANISATION_COLUMNS",
    "PARTNERSHIP_COLUMNS",
    "ActivityRecord",
    "BadCursor",
    "Db",
    "EventRecord",
    "IdentifierRecord",
    "LessonRecord",
    "MembershipRecord",
    "OrganisationFilter",
    "OrganisationRecord",
    "OutcomeRecord",
    "Page",
    "PartnershipFilter",
    "PartnershipOrder",
    "PartnershipRecord",
    "RegionStats",
    "activities_by_id",
    "activities_of",
    "decode_position",
    "event_cursor",
    "events_after",
    "events_page",
    "lessons_of",
    "memberships_of",
    "organisations_by_id",
    "organisations_page",
    "outcomes_by_id",
    "outcomes_of",
    "partnerships_by_id",
    "partnerships_page",
    "region_figures",
    "region_stats_column",
    "searched",
]
