"""Keyset pagination: one page of a filtered listing and its total, from one snapshot.

A cursor holds the sort value and id of a row, so a page costs an index range scan however deep
it is, and rows inserted meanwhile neither repeat nor vanish.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import asyncpg

from projections.keysets import Keyset
from projections.queries.db import Db
from projections.queries.filters import Params, where
from projections.read_model import quoted

MAX_PAGE = 100

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]  # one per item: where the next page starts if it ends there
    has_next_page: bool
    has_previous_page: bool
    total_count: int


def check_first(first: int) -> None:
    # The API clamps and rejects first; past it, a bad value is a bug, not a client's error.
    if not 1 <= first <= MAX_PAGE:
        raise ValueError(f"first must be between 1 and {MAX_PAGE}, not {first}")


@dataclass(frozen=True)
class Listing(Generic[R]):
    """A paginated list: which table, which columns become which record, in which order."""

    table: str  # unqualified: the schema is the caller's
    alias: str  # the name the filter's conditions use for the table
    columns: str
    keyset: Keyset
    make: Callable[[asyncpg.Record], R]


def _count_sql(listing: Listing[R], schema: str, filtered: str) -> str:
    table = f"{quoted(schema)}.{listing.table}"
    return f"SELECT count(*) AS n FROM {table} {listing.alias} WHERE {filtered}"  # noqa: S608


def _page_sql(listing: Listing[R], schema: str, count: str, ranged: str, limit: str) -> str:
    """The filter's total and one page of it, in one statement and so from one snapshot.

    The count is the outer row, so it comes back even when the page is empty; the page is a
    LIMITed range of the sort index, in the same order once joined.
    """
    table, alias, keyset = f"{quoted(schema)}.{listing.table}", listing.alias, listing.keyset
    return (
        f"SELECT total.n AS total_count, page.* FROM ({count}) AS total"  # noqa: S608
        f" LEFT JOIN (SELECT {listing.columns} FROM {table} {alias} WHERE {ranged}"
        f" ORDER BY {keyset.order_by(alias)} LIMIT {limit}) AS page ON true"
        f" ORDER BY {keyset.order_by('page')}"
    )


async def page_of(
    db: Db,
    listing: Listing[R],
    schema: str,
    conditions: list[str],
    params: Params,
    first: int,
    after: str | None,
    count: str | None = None,
) -> Page[R]:
    """A page; ``count`` is a cheaper statement for the filter's total than counting its rows."""
    check_first(first)
    count = count or _count_sql(listing, schema, where(conditions))
    ranged = where(conditions)
    if after is not None:
        ranged = where([*conditions, listing.keyset.after(after, params, listing.alias)])
    # One row more than asked for says whether another page follows.
    limit = params.add(first + 1)
    rows = await db.fetch(_page_sql(listing, schema, count, ranged, limit), *params.values)
    found = [row for row in rows if row["id"] is not None]  # only the count's row when none match
    shown = found[:first]
    return Page(
        items=[listing.make(row) for row in shown],
        cursors=[listing.keyset.cursor(row) for row in shown],
        has_next_page=len(found) > first,
        has_previous_page=after is not None,
        total_count=rows[0]["total_count"],
    )
