"""Every page is navigable without seeing it: landmarks, one h1 and headings that never skip a
level, a label for every field, a language, and text for every chart."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from starlette.testclient import TestClient

from tests.portal.conftest import PortalWorld
from tests.portal.test_portal_safety import pages


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.landmarks: list[str] = []
        self.fields: list[str] = []  # ids of inputs a reader fills in
        self.labelled: set[str] = set()
        self.svgs_named = 0
        self.svgs = 0
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag in ("header", "nav", "main", "footer", "aside"):
            self.landmarks.append(tag)
        if tag == "input" and a.get("type") != "hidden":
            self.fields.append(a.get("id") or "")
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"] or "")
        if tag == "svg":
            self.svgs += 1
            self.svgs_named += bool(a.get("aria-labelledby")) and a.get("role") == "img"


def outline(html: str) -> Outline:
    found = Outline()
    found.feed(html)
    return found


def test_every_page_has_landmarks_one_h1_and_headings_in_order(
    http: TestClient, portal_world: PortalWorld
) -> None:
    for path in [*pages(portal_world), "/regions/999", "/partnerships?status=X"]:
        page = outline(http.get(path).text)
        assert page.lang == "en", path
        assert page.landmarks.count("main") == 1 and "nav" in page.landmarks, path
        assert page.headings[0] == 1 and page.headings.count(1) == 1, (path, page.headings)
        for before, after in zip(page.headings, page.headings[1:], strict=False):
            assert after <= before + 1, (path, page.headings)
        assert all(f and f in page.labelled for f in page.fields), (path, page.fields)
        assert page.svgs == page.svgs_named, path


def test_focus_is_visible_and_a_skip_link_leads_to_the_content(http: TestClient) -> None:
    css = http.get("/static/portal/portal.css").text
    assert ":focus-visible" in css and "outline: 3px solid" in css
    assert "@media print" in css and "@media (max-width" in css
    home = http.get("/").text
    assert '<a class="skip" href="#main">' in home and '<main id="main">' in home
