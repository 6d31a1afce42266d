"""Whatever a reader (or a crawler) puts in an address, the portal answers 200, 400 or 404 with
a page of its own: never a 500, a stack trace or a hang."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from registry.domain.codelists import BestPracticeStatus, PracticeArea, Sector

NAMES = ("region", "country", "practiceArea", "sector", "status", "bestPractice", "q", "after")
VALUES = st.one_of(
    st.sampled_from(["002", "014", "001", "KE", "gh", "ACTIVE", "ENDORSED", "", " "]),
    st.sampled_from([str(v) for v in (*PracticeArea, *Sector, *BestPracticeStatus)]),
    st.text(max_size=60),
    st.text(alphabet="-_=AQWxyz0189", max_size=80),  # cursor-like base64url
)
PARAMS = st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=6)
ANSWERS = {200, 400, 404}
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@QUICK
@given(params=PARAMS)
def test_any_search_parameters_get_a_page(http: TestClient, params: list[tuple[str, str]]) -> None:
    response = http.get("/partnerships", params=params)
    assert response.status_code in ANSWERS, (params, response.text[:500])
    assert response.headers["content-type"] == "text/html; charset=utf-8"


@QUICK
@given(
    kind=st.sampled_from(["partnerships", "organisations", "case-studies", "regions"]),
    id=st.text(min_size=1, max_size=80),
    as_of=st.one_of(st.none(), st.text(max_size=20), st.dates().map(str)),
)
def test_any_id_and_date_get_a_page(
    http: TestClient, kind: str, id: str, as_of: str | None
) -> None:
    path = f"/{kind}/{quote(id, safe='')}"
    response = http.get(path, params={"asOf": as_of} if as_of is not None else {})
    assert response.status_code in ANSWERS, (path, as_of, response.text[:500])
    assert response.headers["content-type"] == "text/html; charset=utf-8"
