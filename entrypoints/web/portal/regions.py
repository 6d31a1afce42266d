"""``/regions/{code}``: an M49 area's figures and charts, what is inside it, its best case
studies and every export of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.portal.errors import NotFound, friendly
from entrypoints.web.portal.labels import label
from entrypoints.web.portal.rendering import page
from entrypoints.web.portal.state import remembered, services
from entrypoints.web.portal.tree import ancestry, sub_areas
from projections import case_studies as cs
from projections import queries as q
from projections.queries.facets import partnership_facets
from registry import geography
from registry.domain.codelists import PracticeArea, Sector
from schema.export_urls import export_path, iati_path

CASE_STUDIES = 20
CHART_WIDTH = 100  # the bars' viewBox width: a bar's width is its share of the largest


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: float  # 0..CHART_WIDTH
    href: str  # the search this bar counts


@dataclass(frozen=True)
class Export:
    name: str
    href: str
    note: str


def bars(counts: Iterable[tuple[str, str, int, str]]) -> list[Bar]:
    rows = list(counts)
    top = max((n for _c, _l, n, _h in rows), default=0) or 1
    return [Bar(text, n, round(CHART_WIDTH * n / top, 2), href) for _c, text, n, href in rows]


def exports(code: str, position: int) -> list[Export]:
    """The area's exports pinned at ``position``, as GraphQL's ``exportUrl`` pins them: the
    figures a page shows and the files it links to are of one log position."""
    html = export_path(code, "html", position)
    return [
        Export("HTML", html, "opens in the browser, ready to print"),
        Export("HTML (download)", f"{html}&download=1", "saves the file"),
        Export("Markdown", export_path(code, "md", position), "for reports and wikis"),
        Export("CSV", export_path(code, "csv", position), "one row per case study"),
        Export("JSON", export_path(code, "json", position), "every statement with its source"),
        Export(
            "IATI 2.03", iati_path(code, position), "the area's partnerships as IATI activities"
        ),
    ]


@friendly
async def region(request: Request) -> Response:
    code = request.path_params["code"]
    area = geography.area(code)
    if area is None:
        raise NotFound(f"{code[:20]!r} is not an M49 area code (three digits, e.g. 002 Africa).")
    pool = services(request).pool
    inside = sub_areas(code)
    # Read first, so the figures below are at least this recent: the export links are pinned
    # to it.
    position = await cs.head_position(pool)
    figures, *sub_figures = await q.region_figures(pool, [code, *(a.code for a in inside)])
    criteria = q.PartnershipFilter(region=code)
    cache = remembered(request)
    counts = await cache.read(
        pool, ("facets", criteria, ()), lambda: partnership_facets(pool, criteria, [])
    )
    within = set(geography.countries_in(code))
    countries = sorted(
        ((c, n) for c, n in counts.of("country").items() if c in within),
        key=lambda item: (-item[1], item[0]),
    )
    studies = await cache.read(
        pool,
        ("case studies", code),
        lambda: cs.case_studies_page(pool, code, None, CASE_STUDIES, None),
    )
    search = f"/partnerships?region={code}"
    context = {
        "area": area,
        "path": ancestry(code)[:-1],
        "figures": figures,
        "sub_areas": [(a, f) for a, f in zip(inside, sub_figures, strict=True)],
        "countries": countries,
        "studies": studies,
        "practice_bars": bars(
            (str(a), label(a), figures.by_practice_area.get(a, 0), f"{search}&practiceArea={a}")
            for a in PracticeArea
        ),
        "sector_bars": bars(
            (str(s), label(s), figures.by_sector.get(s, 0), f"{search}&sector={s}") for s in Sector
        ),
        "exports": exports(code, position),
        "search": search,
        "position": position,
    }
    return page(request, "region.html", context)
