"""A reader walks the portal in a real browser (Debian's chromium, driven by Playwright):
home, a region, a case study, its export, a faceted search and its next page; no console
errors, no failed requests, nothing fetched from another origin, and pages that are not blank
at a phone's width and a desktop's."""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, sync_playwright

from entrypoints.web.app import create_app
from registry.settings import Settings
from tests.portal.conftest import PortalWorld

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)",
    ),
]
PHONE, DESKTOP = 375, 1280


@pytest.fixture(scope="module")
def base_url(portal_world: PortalWorld, portal_settings: Settings) -> Iterator[str]:
    """The real app under uvicorn on 127.0.0.1, in a thread, with its lifespan."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(portal_settings), lifespan="on", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@dataclass
class Watch:
    """What the browser did that a reader should never see."""

    base: str
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    statuses: list[tuple[int, str]] = field(default_factory=list)

    def request_failed(self, url: str, failure: str | None) -> None:
        # The browser fetches the icon at low priority and cancels it when the page is left
        # first: a click, not a failure. Anything else failing counts.
        if not (url.endswith("/favicon.svg") and failure == "net::ERR_ABORTED"):
            self.failed.append(f"{url} {failure}")

    def clean(self) -> bool:
        bad = [s for s in self.statuses if s[0] >= 400]
        return not (self.console_errors or self.failed or self.external or bad)


def distinct_pixels(png: bytes) -> int:
    """How many different byte values the image's decoded rows hold: 1-3 for a blank page."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    data, offset = b"", 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        if kind == b"IDAT":
            data += png[offset + 8 : offset + 8 + length]
        offset += 12 + length
    return len(set(zlib.decompress(data)))


@pytest.fixture
def browser_page(base_url: str) -> Iterator[tuple[Page, Watch]]:
    watch = Watch(base_url)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            page = browser.new_page(viewport={"width": DESKTOP, "height": 900})
            page.on(
                "console",
                lambda m: watch.console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on("requestfailed", lambda r: watch.request_failed(r.url, r.failure))
            page.on(
                "request",
                lambda r: None if r.url.startswith(base_url) else watch.external.append(r.url),
            )
            page.on("response", lambda r: watch.statuses.append((r.status, r.url)))
            yield page, watch
        finally:
            browser.close()


def looks(page: Page, name: str, shots: Path) -> None:
    """Screenshots at a phone's and a desktop's width, each with something drawn on it."""
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": 900})
        png = page.screenshot(full_page=True, path=str(shots / f"{name}-{width}.png"))
        assert distinct_pixels(png) > 20, f"{name} at {width}px looks blank"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} scrolls sideways at {width}px"


def test_a_reader_walks_from_home_to_a_region_a_case_study_and_its_export(
    browser_page: tuple[Page, Watch], tmp_path: Path
) -> None:
    page, watch = browser_page
    page.goto(watch.base + "/")
    assert page.locator("h1").inner_text() == "What works against cybercrime, and where"
    looks(page, "home", tmp_path)

    page.get_by_role("link", name="Africa").first.click()
    page.wait_for_url("**/regions/002")
    assert page.locator("h1").inner_text() == "Africa"
    assert page.locator("svg.bars").count() == 2
    looks(page, "region", tmp_path)

    page.locator("ol.ranked a").first.click()
    page.wait_for_url("**/case-studies/*")
    assert page.locator("h1").inner_text() == "Digital evidence for Kenyan judges"
    looks(page, "case-study", tmp_path)

    page.get_by_role("link", name="the partnership's page and history").click()
    page.wait_for_url("**/partnerships/*")
    assert page.locator("#timeline").count() == 1
    looks(page, "partnership", tmp_path)
    page.get_by_label("As recorded on").fill("2099-12-31")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**asOf=2099-12-31")
    assert "As recorded on" in page.locator("[role=status]").inner_text()

    page.get_by_role("link", name="ACME Security").first.click()
    page.wait_for_url("**/organisations/*")
    assert page.locator("h1").inner_text() == "ACME Security"
    looks(page, "organisation", tmp_path)
    page.go_back()
    page.go_back()
    page.go_back()
    page.wait_for_url("**/case-studies/*")

    page.get_by_role("link", name="HTML", exact=True).first.click()
    page.wait_for_url("**/exports/case-studies/002.html?position=*")  # shown, not downloaded
    assert "Digital evidence for Kenyan judges" in page.content()
    assert watch.clean(), watch


def test_a_reader_narrows_a_search_and_pages_through_it(
    browser_page: tuple[Page, Watch], tmp_path: Path
) -> None:
    page, watch = browser_page
    page.goto(watch.base + "/")
    page.get_by_label("Search partnerships").fill("filler")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/partnerships?q=filler")
    looks(page, "search", tmp_path)

    page.locator("#facet-practiceArea + ul a", has_text="Research").click()
    page.wait_for_url("**practiceArea=RESEARCH**")
    assert page.locator("#found").inner_text().startswith("25 partnerships")
    first = page.locator("ol.cards h3").all_inner_texts()
    assert len(first) == 20

    page.get_by_role("link", name="Next page").click()
    page.wait_for_url("**after=**")
    second = page.locator("ol.cards h3").all_inner_texts()
    assert len(second) == 5 and not set(first) & set(second)
    assert page.get_by_role("link", name="Next page").count() == 0
    looks(page, "search-page-2", tmp_path)
    assert watch.clean(), watch
