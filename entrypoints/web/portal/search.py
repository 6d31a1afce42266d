"""``/partnerships``: a faceted search, with a count beside every value and keyset paging.

The page of results is ``partnerships_page`` (GraphQL's ``partnerships``), its cursors are the
connection's, and "Next" is a link carrying the last cursor: a page costs an index range scan
however deep it is, and the address of a page can be bookmarked or shared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.portal.errors import BadRequest, friendly
from entrypoints.web.portal.labels import country_name, label
from entrypoints.web.portal.params import Search, parse_search
from entrypoints.web.portal.rendering import page
from entrypoints.web.portal.state import remembered, services
from entrypoints.web.portal.tree import regions, sub_areas
from projections import queries as q
from projections.queries.facets import FacetCounts, partnership_facets
from registry import geography
from registry.domain.codelists import BestPracticeStatus, PartnershipStatus, PracticeArea, Sector
from registry.geography import Area

PAGE_SIZE = 20
TOP_COUNTRIES = 30


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    href: str  # the search with this value chosen (or, when chosen, without it)
    chosen: bool


@dataclass(frozen=True)
class Facet:
    name: str  # the query parameter
    title: str
    values: list[FacetValue]


def _facet(
    search: Search, field: str, name: str, title: str, options: list[tuple[str, str]],
    counts: FacetCounts,
) -> Facet:  # fmt: skip
    chosen = getattr(search, field)
    found = counts.of(field)
    values = [
        FacetValue(
            value,
            text,
            found.get(value, 0),
            search.query(**{field: None if value == chosen else value}),
            value == chosen,
        )
        for value, text in options
        # A chosen value stands alone (its count is the total): remove it to choose another.
        # Regions nest: the chosen one lists the areas inside it, to narrow further.
        if value == chosen or ((chosen is None or field == "region") and found.get(value, 0))
    ]
    return Facet(name, title, values)


def _facets(search: Search, counts: FacetCounts) -> list[Facet]:
    areas = _area_options(search)
    top = sorted(counts.of("country").items(), key=lambda item: (-item[1], item[0]))
    countries = [(code, country_name(code)) for code, _n in top[:TOP_COUNTRIES]]
    if search.country is not None and search.country not in dict(countries):
        countries.append((search.country, country_name(search.country)))
    return [
        _facet(search, "region", "region", "Region", [(a.code, a.name) for a in areas], counts),
        _facet(search, "country", "country", "Country", countries, counts),
        _facet(search, "practice_area", "practiceArea", "Practice area", PRACTICE, counts),
        _facet(search, "sector", "sector", "Partner sector", SECTORS, counts),
        _facet(search, "status", "status", "Status", STATUSES, counts),
        _facet(search, "best_practice", "bestPractice", "Best practice", STAGES, counts),
    ]


def _codes(codes: Iterable[StrEnum]) -> list[tuple[str, str]]:
    return [(str(c), label(str(c))) for c in codes]


PRACTICE = _codes(PracticeArea)
SECTORS = _codes(Sector)
STATUSES = _codes(PartnershipStatus)
STAGES = _codes(BestPracticeStatus)


def _area_options(search: Search) -> list[Area]:
    """The five regions, or the chosen area and the areas inside it."""
    if search.region is None:
        return list(regions())
    chosen = geography.area(search.region)
    return [chosen, *sub_areas(search.region)] if chosen is not None else []


@friendly
async def partnerships(request: Request) -> Response:
    search = parse_search(request.query_params)
    pool = services(request).pool
    criteria = search.filter()
    try:
        found = await q.partnerships_page(
            pool, criteria, q.PartnershipOrder.CREATED_AT_DESC, PAGE_SIZE, search.after
        )
    except q.BadCursor:
        raise BadRequest(
            "after: not a page of this search; start again from the first page"
        ) from None
    areas = [a.code for a in _area_options(search)]
    counts = await remembered(request).read(
        pool, ("facets", criteria, tuple(areas)), lambda: partnership_facets(pool, criteria, areas)
    )
    next_href = None
    if found.has_next_page:
        next_href = search.query() + ("&" if search.narrowed else "?") + _after(found.cursors[-1])
    context = {
        "search": search,
        "page": found,
        "facets": _facets(search, counts),
        "next_href": next_href,
        "first_href": search.query() if search.after is not None else None,
    }
    return page(request, "partnerships.html", context)


def _after(cursor: str) -> str:
    return urlencode({"after": cursor})
