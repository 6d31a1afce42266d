"""Hostile text stays text, every page carries a strict policy, and a reader's mistake gets a
friendly page (404 for what does not exist, 400 for what cannot be read), never a 500."""

from __future__ import annotations

from html.parser import HTMLParser
from uuid import UUID

import pytest
from markupsafe import escape
from starlette.testclient import TestClient

from entrypoints.web.security_headers import DEFAULT_POLICY
from schema.ids import to_global_id
from tests.portal.conftest import HOSTILE_NAME, SCRIPT_TITLE, PortalWorld


class Markup(HTMLParser):
    """Every element and attribute of a page, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def parsed(text: str) -> Markup:
    markup = Markup()
    markup.feed(text)
    return markup


def pages(world: PortalWorld) -> list[str]:
    cases = world.cases
    return [
        "/",
        "/partnerships",
        "/partnerships?q=script",
        "/regions/002",
        "/regions/011",
        f"/partnerships/{to_global_id('Partnership', world.script_partnership)}",
        f"/partnerships/{to_global_id('Partnership', world.script_partnership)}?asOf=2100-01-01",
        f"/organisations/{to_global_id('Organisation', world.hostile_org)}",
        f"/case-studies/{to_global_id('CaseStudy', cases.awareness)}",
        f"/case-studies/{to_global_id('CaseStudy', cases.judges)}",
    ]


def test_no_page_holds_a_script_an_event_handler_or_an_inline_style(
    http: TestClient, portal_world: PortalWorld
) -> None:
    for path in pages(portal_world):
        response = http.get(path)
        assert response.status_code == 200, (path, response.text)
        markup = parsed(response.text)
        assert "script" not in markup.tags and "style" not in markup.tags, path
        names = {name for name, _value in markup.attributes}
        assert not [n for n in names if n.startswith("on")], path
        assert "style" not in names, path  # the CSP would block it: the look must not need it
        hrefs = [v for n, v in markup.attributes if n in ("href", "src", "action")]
        assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))], path


def test_a_script_title_and_an_attribute_breaking_name_are_shown_as_text(
    http: TestClient, portal_world: PortalWorld
) -> None:
    partnership = http.get(
        f"/partnerships/{to_global_id('Partnership', portal_world.script_partnership)}"
    ).text
    assert SCRIPT_TITLE not in partnership
    assert str(escape(SCRIPT_TITLE)) in partnership
    assert str(escape(HOSTILE_NAME)) in partnership  # the lead partner's name
    assert HOSTILE_NAME not in partnership
    organisation = http.get(
        f"/organisations/{to_global_id('Organisation', portal_world.hostile_org)}"
    ).text
    assert str(escape(HOSTILE_NAME)) in organisation
    assert parsed(organisation).tags.count("b") == 0  # its <b> stayed text
    search = http.get("/partnerships", params={"q": "<script>alert(1)</script>"}).text
    assert "<script>alert(1)</script>" not in search
    study = http.get(f"/case-studies/{to_global_id('CaseStudy', portal_world.cases.awareness)}")
    assert "<script>alert('x')</script>" not in study.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in study.text


def test_every_page_carries_a_strict_policy_nosniff_and_frame_protection(
    http: TestClient, portal_world: PortalWorld
) -> None:
    for path in [*pages(portal_world), "/regions/999", "/partnerships?region=x"]:
        headers = http.get(path).headers
        assert headers["content-security-policy"] == DEFAULT_POLICY, path
        assert "script-src" not in DEFAULT_POLICY and "unsafe-inline" not in DEFAULT_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
    css = http.get("/static/portal/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_graphiql_keeps_its_own_policy(http: TestClient) -> None:
    response = http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "'sha256-" in policy and policy != DEFAULT_POLICY


def _friendly(http: TestClient, path: str, status: int) -> str:
    response = http.get(path)
    assert response.status_code == status, (path, response.status_code, response.text[:300])
    assert response.headers["content-type"] == "text/html; charset=utf-8", path
    assert 'href="/"' in response.text and "Traceback" not in response.text
    return response.text


@pytest.mark.parametrize(
    "path",
    [
        "/partnerships/nonsense",
        "/partnerships/" + to_global_id("Organisation", UUID(int=1)),
        "/partnerships/" + to_global_id("Partnership", UUID(int=1)),
        "/organisations/%00%01",
        "/organisations/" + to_global_id("Organisation", UUID(int=2)),
        "/case-studies/" + to_global_id("CaseStudy", UUID(int=3)),
        "/case-studies/!!!",
        "/regions/999",
        "/regions/FR",
        "/regions/%3Cscript%3E",
        "/regions/",
        "/partnerships/a%2Fb",
        "/no-such-page",
    ],
)
def test_what_does_not_exist_is_a_friendly_404(http: TestClient, path: str) -> None:
    text = _friendly(http, path, 404)
    assert "<script>" not in text


def test_a_partnership_that_is_no_case_study_has_no_case_study_page(
    http: TestClient, portal_world: PortalWorld
) -> None:
    _friendly(http, f"/case-studies/{to_global_id('CaseStudy', portal_world.cases.victims)}", 404)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("region=2", "region"),
        ("region=%3Cscript%3E", "region"),
        ("country=ZZ", "country"),
        ("practiceArea=capacity_building", "practiceArea"),
        ("sector=EVIL", "sector"),
        ("status=OPEN", "status"),
        ("bestPractice=YES", "bestPractice"),
        ("q=" + "x" * 201, "q"),
        ("q=a%00b", "q"),
        ("after=garbage", "after"),
        ("after=" + "A" * 2000, "after"),
    ],
)
def test_a_parameter_that_cannot_be_read_is_a_friendly_400(
    http: TestClient, query: str, named: str
) -> None:
    text = _friendly(http, f"/partnerships?{query}", 400)
    assert f"{named}:" in text


def test_a_bad_date_or_cursor_elsewhere_is_a_400_too(
    http: TestClient, portal_world: PortalWorld
) -> None:
    judges = to_global_id("Partnership", portal_world.cases.judges)
    assert "asOf:" in _friendly(http, f"/partnerships/{judges}?asOf=yesterday", 400)
    assert "asOf:" in _friendly(http, f"/partnerships/{judges}?asOf=0001-01-01", 400)
    acme = to_global_id("Organisation", portal_world.cases.acme)
    _friendly(http, f"/organisations/{acme}?after=nope", 400)


def test_before_it_was_recorded_a_partnership_is_not_found_on_that_date(
    http: TestClient, portal_world: PortalWorld
) -> None:
    judges = to_global_id("Partnership", portal_world.cases.judges)
    text = _friendly(http, f"/partnerships/{judges}?asOf=1999-12-31", 404)
    assert "had not been recorded by 1999-12-31" in text


def test_head_answers_like_get_on_every_page(http: TestClient, portal_world: PortalWorld) -> None:
    for path in [*pages(portal_world), "/regions/999", "/partnerships?sector=EVIL"]:
        got, head = http.get(path), http.head(path)
        assert head.status_code == got.status_code, path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-security-policy"] == got.headers["content-security-policy"]
        assert head.content == b"", path


def test_head_on_graphiql_answers_like_get(http: TestClient) -> None:
    html = {"accept": "text/html"}
    got, head = http.get("/graphql", headers=html), http.head("/graphql", headers=html)
    assert head.status_code == got.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-security-policy"] == got.headers["content-security-policy"]
    assert head.content == b""
