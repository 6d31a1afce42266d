"""``/``: what the registry is, its headline figures, the five regions, the latest events."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.portal.errors import friendly
from entrypoints.web.portal.rendering import page
from entrypoints.web.portal.state import remembered, services
from entrypoints.web.portal.tree import regions
from projections import queries as q
from projections.queries.recent import latest_events
from registry.geography import WORLD
from schema.ids import to_global_id

RECENT = 8


@dataclass(frozen=True)
class Happening:
    """A recent event and what it happened to, for the "latest" list."""

    event: q.EventRecord
    subject: str  # the partnership's title or the organisation's name
    href: str | None  # its page, if it still has one


async def happenings(pool: q.Db, events: list[q.EventRecord]) -> list[Happening]:
    ids = list(dict.fromkeys(e.stream_id for e in events))
    names: dict[UUID, tuple[str, str]] = {}
    for p in await q.partnerships_by_id(pool, ids):
        if p is not None:
            names[p.id] = (p.title, f"/partnerships/{to_global_id('Partnership', p.id)}")
    for o in await q.organisations_by_id(pool, ids):
        if o is not None:
            names[o.id] = (o.name, f"/organisations/{to_global_id('Organisation', o.id)}")
    return [
        Happening(e, *names.get(e.stream_id, ("(no longer in the read model)", None)))
        for e in events
    ]


@friendly
async def home(request: Request) -> Response:
    pool = services(request).pool
    areas = regions()
    world, *figures = await q.region_figures(pool, [WORLD, *(a.code for a in areas)])
    organisations = await remembered(request).read(
        pool,
        ("organisations",),
        lambda: q.organisations_page(pool, q.OrganisationFilter(), 1, None),
    )
    # A case study is an endorsed partnership: counted as GraphQL's partnerships(filter:
    # {bestPractice: ENDORSED}) counts them, without ranking them all as caseStudies would.
    endorsed = q.PartnershipFilter(best_practice="ENDORSED")
    studies = await remembered(request).read(
        pool,
        ("endorsed",),
        lambda: q.partnerships_page(pool, endorsed, q.PartnershipOrder.CREATED_AT_DESC, 1, None),
    )
    recent = await happenings(pool, await latest_events(pool, RECENT))
    context = {
        "world": world,
        "regions": list(zip(areas, figures, strict=True)),
        "organisation_count": organisations.total_count,
        "case_study_count": studies.total_count,
        "recent": recent,
    }
    return page(request, "home.html", context)
