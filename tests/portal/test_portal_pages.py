"""A reader browses the portal: every kind of page answers, shows what the read model holds,
and links to the next page by the ids GraphQL uses."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from schema.ids import to_global_id
from tests.portal.conftest import PortalWorld


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
