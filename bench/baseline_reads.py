"""The baseline of the ``queries`` part: plain Starlette and asyncpg, no GraphQL.

``python -m uvicorn --factory bench.baseline_reads:app`` serves ``POST /graphql`` for one
request shape only: "a page of 20 partnerships of a region, with their partners' names"
(``bench.queries.REGION_PAGE``). It reads ``region`` and ``after`` from the body's variables,
ignores the document, sends the statements our server sends for that request and answers the
same JSON. The statements are copied from ``projections/queries.py`` as of commit 0a7c713: the
count and the keyset page in one statement, then the page's memberships joined with their
organisations, as the DataLoader batches them. The pool is made like
``entrypoints/bootstrap.py``'s. So the gap to our server is what GraphQL, strawberry and our
layers add over the same SQL. When those statements change, change these with them: the part
checks that both apps answer alike, not that they send the same SQL.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FIRST = 20

_PAGE_COLUMNS = (
    "id, version, title, summary, objectives, status, best_practice, practice_areas, countries,"
    " regions, start_date, end_date, created_at, updated_at, updated_position"
)
# $1 region, $2-$4 the region_stats row (area, practice area '*', sector '*'), then the cursor's
# created_at and id when there is one, then the LIMIT (one more row than the page).
_COUNT = (
    'SELECT coalesce((SELECT partnership_count FROM "read_model".region_stats'
    " WHERE area_code = $2 AND practice_area = $3 AND sector = $4), 0) AS n"
)
_FIRST_PAGE = (
    f"SELECT total.n AS total_count, page.* FROM ({_COUNT}) AS total"  # noqa: S608 - constants
    f' LEFT JOIN (SELECT {_PAGE_COLUMNS} FROM "read_model".partnership_summary ps'
    " WHERE ps.regions @> ARRAY[$1::text]"
    " ORDER BY ps.created_at DESC, ps.id DESC LIMIT $5) AS page ON true"
    " ORDER BY page.created_at DESC, page.id DESC"
)
_NEXT_PAGE = (
    f"SELECT total.n AS total_count, page.* FROM ({_COUNT}) AS total"  # noqa: S608 - constants
    f' LEFT JOIN (SELECT {_PAGE_COLUMNS} FROM "read_model".partnership_summary ps'
    " WHERE ps.regions @> ARRAY[$1::text] AND (ps.created_at, ps.id) < ($5, $6)"
    " ORDER BY ps.created_at DESC, ps.id DESC LIMIT $7) AS page ON true"
    " ORDER BY page.created_at DESC, page.id DESC"
)
_MEMBERSHIPS = (
    "SELECT m.partnership_id, m.organisation_id, m.role, m.since, m.until, m.confirmed,"
    " o.id, o.version, o.name, o.org_type, o.sector, o.country, o.website,"
    " o.partnership_count, o.updated_position"
    ' FROM "read_model".partnership_partners m'
    ' LEFT JOIN "read_model".organisation_summary o ON o.id = m.organisation_id'
    " WHERE m.partnership_id = ANY($1::uuid[])"
    " ORDER BY m.partnership_id, m.role <> 'LEAD', m.role, m.since, m.organisation_id"
)


def app() -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The pool our server makes (entrypoints/bootstrap.py): at most 10 connections, released
        # without asyncpg's reset statement.
        dsn = os.environ["DATABASE_URL"]
        async with asyncpg.create_pool(dsn, min_size=1, max_size=10, reset=_keep_session) as pool:
            app.state.pool = pool
            yield

    return Starlette(
        routes=[Route("/graphql", region_page, methods=["POST"]), Route("/readyz", ready)],
        lifespan=lifespan,
    )


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """Nothing to reset: these reads leave no session state behind."""


async def ready(_request: Request) -> Response:
    return JSONResponse({"status": "ready"})


async def region_page(request: Request) -> Response:
    variables = (await request.json()).get("variables") or {}
    region, after = variables["region"], variables.get("after")
    pool: asyncpg.Pool = request.app.state.pool
    try:
        page = await _page(pool, region, after)
    except ValueError:
        return JSONResponse({"data": None, "errors": [{"message": "after: not a cursor"}]})
    return JSONResponse({"data": {"partnerships": page}})


async def _page(pool: asyncpg.Pool, region: str, after: str | None) -> dict[str, Any]:
    if after is None:
        rows = await pool.fetch(_FIRST_PAGE, region, region, "*", "*", FIRST + 1)
    else:
        created_at, id_ = _cursor_values(after)
        rows = await pool.fetch(_NEXT_PAGE, region, region, "*", "*", created_at, id_, FIRST + 1)
    found = [row for row in rows if row["id"] is not None]
    shown = found[:FIRST]
    partners = await _partners(pool, [row["id"] for row in shown])
    cursors = [_cursor(row["created_at"], row["id"]) for row in shown]
    edges = [
        {
            "cursor": cursor,
            "node": {
                "id": _global_id("Partnership", row["id"]),
                "title": row["title"],
                "partners": partners.get(row["id"], []),
            },
        }
        for row, cursor in zip(shown, cursors, strict=True)
    ]
    return {
        "totalCount": rows[0]["total_count"],
        "edges": edges,
        "pageInfo": {
            "hasNextPage": len(found) > FIRST,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


async def _partners(pool: asyncpg.Pool, ids: list[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    """Each partnership's partners with their organisations' names, in one statement."""
    if not ids:
        return {}
    partners: dict[UUID, list[dict[str, Any]]] = {}
    for row in await pool.fetch(_MEMBERSHIPS, ids):
        partners.setdefault(row["partnership_id"], []).append(
            {"role": row["role"], "organisation": {"name": row["name"]}}
        )
    return partners


def _global_id(type_name: str, uuid: UUID) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{uuid}".encode()).decode().rstrip("=")


def _cursor(created_at: datetime, id_: UUID) -> str:
    text = json.dumps(["CREATED_AT_DESC", created_at.isoformat(), str(id_)], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode("ascii")


def _cursor_values(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, created_at, id_ = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise ValueError("not a cursor") from None
    if kind != "CREATED_AT_DESC":
        raise ValueError("not a cursor")
    return datetime.fromisoformat(created_at), UUID(id_)
