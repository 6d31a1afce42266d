"""A reader browses the portal: every kind of page answers, shows what the read model holds,
and links to the next page by the ids GraphQL uses."""

from __future__ import annotations

import asyncio
import re

import asyncpg
import pytest
from starlette.testclient import TestClient

from entrypoints.web.portal.tree import regions, sub_areas
from projections import queries as q
from projections.queries.facets import FACETS, FacetCounts, partnership_facets
from registry.database import DatabaseAddress
from schema.ids import to_global_id
from tests.portal.conftest import FILLER, PortalWorld


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_home_shows_figures_regions_and_recent_events(http: TestClient) -> None:
    response = http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    for region in ("/regions/002", "/regions/019", "/regions/142", "/regions/150", "/regions/009"):
        assert region in hrefs(html)
    assert 'action="/partnerships"' in html
    assert "Recently recorded" in html


def smoke(http: TestClient, path: str) -> str:
    response = http.get(path)
    assert response.status_code == 200, response.text
    return response.text


def test_every_page_kind_renders(http: TestClient, portal_world: PortalWorld) -> None:
    cases = portal_world.cases
    smoke(http, "/partnerships")
    smoke(http, f"/partnerships/{to_global_id('Partnership', cases.judges)}")
    smoke(http, "/regions/002")
    smoke(http, "/regions/001")
    smoke(http, f"/case-studies/{to_global_id('CaseStudy', cases.judges)}")
    smoke(http, f"/organisations/{to_global_id('Organisation', cases.acme)}")
    smoke(http, f"/partnerships/{to_global_id('Partnership', cases.judges)}?asOf=2030-01-01")


CB = "CAPACITY_BUILDING"


def graphql_total(http: TestClient, filter: dict[str, str]) -> int:
    response = http.post(
        "/graphql",
        json={
            "query": "query($f: PartnershipFilter) { partnerships(filter: $f) { totalCount } }",
            "variables": {"f": filter},
        },
    )
    total: int = response.json()["data"]["partnerships"]["totalCount"]
    return total


def shown_total(html: str) -> int:
    found = re.search(r'<h2 id="found">([\d,]+) partnership', html)
    assert found is not None, html[:2000]
    return int(found.group(1).replace(",", ""))


@pytest.mark.parametrize(
    ("query", "filter"),
    [
        ("", {}),
        ("region=002", {"region": "002"}),
        ("region=014&practiceArea=CAPACITY_BUILDING", {"region": "014", "practiceArea": CB}),
        ("sector=PRIVATE_SECTOR", {"sector": "PRIVATE_SECTOR"}),
        ("country=gh&status=ACTIVE", {"country": "GH", "status": "ACTIVE"}),
        ("bestPractice=ENDORSED", {"bestPractice": "ENDORSED"}),
        ("q=filler", {"text": "filler"}),
    ],
)  # fmt: skip
def test_the_search_counts_what_graphql_counts(
    http: TestClient, query: str, filter: dict[str, str]
) -> None:
    assert shown_total(smoke(http, f"/partnerships?{query}")) == graphql_total(http, filter)


def facet_counts(html: str, facet: str) -> dict[str, int]:
    section = html.split(f'id="facet-{facet}"')[1].split("</section>")[0]
    value = r'<a href="[^"]*"[^>]*>\s*(?:<span[^>]*>Remove: </span>)?([^<]+)</a>\s*'
    pairs = re.findall(value + r'<span class="count">([\d,]+)', section)
    return {label.strip(): int(n.replace(",", "")) for label, n in pairs}


def test_each_facet_value_counts_the_hits_its_link_would_show(http: TestClient) -> None:
    html = smoke(http, "/partnerships?region=002")
    practice = facet_counts(html, "practiceArea")
    assert practice["Research"] == FILLER
    links = dict(re.findall(r'<a href="(/partnerships\?[^"]+)"[^>]*>\s*([^<]+)</a>', html))
    for href, label in links.items():
        if "practiceArea=" in href and label.strip() in practice:
            target = smoke(http, href.replace("&amp;", "&"))
            assert shown_total(target) == practice[label.strip()], href
    regions = facet_counts(html, "region")
    assert regions["Africa"] == shown_total(html)
    assert regions["Sub-Saharan Africa"] == shown_total(html)


def test_pages_follow_one_another_by_cursor_without_repeats(http: TestClient) -> None:
    first = smoke(http, "/partnerships?q=filler")
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert next_link is not None
    second = smoke(http, next_link.group(1).replace("&amp;", "&"))
    titles = re.compile(r'<h3><a href="/partnerships/[^"]+">([^<]+)</a></h3>')
    one, two = titles.findall(first), titles.findall(second)
    assert len(one) == 20 and len(two) == FILLER - 20
    assert not set(one) & set(two)
    assert 'rel="next"' not in second and 'rel="first"' in second


def test_a_partnership_shows_partners_activities_outcomes_lessons_and_timeline(
    http: TestClient, portal_world: PortalWorld
) -> None:
    html = smoke(http, f"/partnerships/{to_global_id('Partnership', portal_world.cases.judges)}")
    for text in (
        "ACME Security", "Ministry of ICT", "Knowledge partner", "Digital evidence course",
        "42 participants", "Judges trained", "Independent", "course_2022.pdf", "Success factor",
        "Partnership registered", "event&nbsp;#",
    ):  # fmt: skip
        assert text in html, text
    assert f"/case-studies/{to_global_id('CaseStudy', portal_world.cases.judges)}" in html
    assert html.index("<h3>Government</h3>") < html.index("<h3>Private sector</h3>")


def test_as_recorded_on_a_date_shows_that_days_state(
    http: TestClient, portal_world: PortalWorld
) -> None:
    script = to_global_id("Partnership", portal_world.script_partnership)
    now = smoke(http, f"/partnerships/{script}")
    assert "Cases prosecuted" in now and "1,234.5" in now and "12,345 participants" in now
    later = smoke(http, f"/partnerships/{script}?asOf=2999-12-31")
    assert "As recorded on" in later and "Cases prosecuted" in later
    assert later.count('class="timeline"') == 1


def test_an_organisation_lists_its_partnerships_by_role(
    http: TestClient, portal_world: PortalWorld
) -> None:
    html = smoke(http, f"/organisations/{to_global_id('Organisation', portal_world.cases.acme)}")
    assert html.index("<h3>Lead</h3>") < html.index("<h3>Funder</h3>")
    assert "Digital evidence for Kenyan judges" in html
    _lead, funder = html.split("<h3>Funder</h3>")
    assert "Training &amp; more" in funder  # the script partnership, where ACME funds


def test_a_region_shows_its_case_studies_ranked_and_every_export(http: TestClient) -> None:
    html = smoke(http, "/regions/002")
    ranked = re.findall(r'<li><a href="/case-studies/[^"]+">([^<]+)</a>', html)
    assert ranked[0] == "Digital evidence for Kenyan judges"
    at = re.search(r"up to event #([\d,]+)", html)
    assert at is not None
    position = at.group(1).replace(",", "")
    for href in (
        "/exports/case-studies/002.html?position={}",
        "/exports/case-studies/002.html?position={}&download=1",
        "/exports/case-studies/002.md?position={}", "/exports/case-studies/002.csv?position={}",
        "/exports/case-studies/002.json?position={}", "/exports/iati/002.xml?position={}",
    ):  # fmt: skip
        assert f'href="{href.format(position)}"' in html.replace("&amp;", "&"), href
        assert http.get(href.format(position)).status_code == 200, href
    assert "Sub-Saharan Africa" in html and "Ghana" in html


def test_the_html_export_opens_in_the_browser_and_saves_when_asked(http: TestClient) -> None:
    shown = http.get("/exports/case-studies/002.html")
    assert shown.headers["content-disposition"].startswith("inline; ")
    saved = http.get("/exports/case-studies/002.html?download=1")
    assert saved.headers["content-disposition"].startswith("attachment; ")
    assert saved.content == shown.content
    assert (
        http.get("/exports/case-studies/002.md")
        .headers["content-disposition"]
        .startswith("attachment; ")
    )
    refused = http.get("/exports/case-studies/002.html?download=yes")
    assert refused.status_code == 400 and "download:" in refused.text


def test_numbers_have_thousands_separators_and_dates_do_not_break(
    http: TestClient, portal_world: PortalWorld
) -> None:
    html = smoke(http, "/regions/002")
    assert "12,399" in html or "12,3" in html
    page = smoke(http, f"/partnerships/{to_global_id('Partnership', portal_world.cases.judges)}")
    assert "2021\u201103\u201101" in page  # non-breaking hyphens


@pytest.mark.parametrize(
    "criteria",
    [
        {"region": "002"},
        {"region": "002", "practice_area": "CAPACITY_BUILDING"},
        {"region": "014", "sector": "PRIVATE_SECTOR"},
        {"region": "001", "status": "CONCLUDED"},
        {"region": "202", "practice_area": "RESEARCH", "sector": "CIVIL_SOCIETY"},
        {"region": "150", "status": "ACTIVE"},
        {"region": "001"},
        {},  # the unfiltered search: the rows of area '*'
        {"status": "ACTIVE"},
        {"practice_area": "RESEARCH"},
        {"sector": "GOVERNMENT", "status": "ACTIVE"},
    ],
)
def test_facets_read_from_region_stats_equal_those_counted_from_the_hits(
    portal_database: DatabaseAddress, portal_world: PortalWorld, criteria: dict[str, str]
) -> None:
    async def both() -> tuple[FacetCounts, FacetCounts]:
        connection = await asyncpg.connect(portal_database.dsn())
        try:
            f = q.PartnershipFilter(**criteria)
            if f.region is None:  # the search lists the five regions
                areas = [a.code for a in regions()]
            else:
                areas = [f.region, *(a.code for a in sub_areas(f.region))]
            stats = await partnership_facets(connection, f, areas)
            scanned = await partnership_facets(connection, f, areas, region_stats=False)
            return stats, scanned
        finally:
            await connection.close()

    stats, scanned = asyncio.run(both())
    assert stats.total == scanned.total > 0 or criteria.get("region") == "150"
    for facet in FACETS:
        chosen = {"practice_area": criteria.get("practice_area"), "sector": criteria.get("sector"),
                  "status": criteria.get("status")}.get(facet)  # fmt: skip
        if chosen is not None:  # a chosen value counts the total, whichever way
            assert stats.of(facet).get(chosen, 0) == scanned.of(facet).get(chosen, 0), facet
        else:
            assert dict(stats.of(facet)) == dict(scanned.of(facet)), facet
