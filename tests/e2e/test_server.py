"""The HTTP surface: health, readiness, GET for queries only, bounded bodies, masked errors."""

from __future__ import annotations

from tests.e2e.conftest import Api, World


def test_healthz_answers_without_touching_the_database(api: Api) -> None:
    response = api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_ready_when_the_database_answers(api: Api) -> None:
    response = api.http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_queries_may_use_get(world: World) -> None:
    response = world.api.http.get(
        "/graphql", params={"query": f'{{ organisation(id: "{world.ngo_id}") {{ name }} }}'}
    )
    assert response.status_code == 200
    assert response.json()["data"]["organisation"]["name"] == "Kenya Cyber Trust"


def test_mutations_never_run_over_get(world: World) -> None:
    events = world.api.event_count()
    query = (
        f'mutation {{ recordLesson(input: {{partnershipId: "{world.partnership_id}",'
        ' kind: CHALLENGE, text: "x"}) { position } }'
    )
    response = world.api.http.get(
        "/graphql", params={"query": query}, headers={"Authorization": f"Bearer {world.ngo}"}
    )
    assert 400 <= response.status_code < 500
    assert world.api.event_count() == events


def test_a_body_over_the_limit_is_refused_with_413(api: Api) -> None:
    response = api.http.post(
        "/graphql",
        content=b'{"query": "' + b"x" * 70_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert "exceeds" in response.json()["errors"][0]["message"]


def test_the_state_of_a_partnership_at_a_past_moment(world: World) -> None:
    before = world.api.post(
        "query($id: ID!) { partnership(id: $id) { version updatedAt } }",
        {"id": world.partnership_id},
    )["data"]["partnership"]
    world.api.mutate(
        "revisePartnership",
        {"partnershipId": world.partnership_id, "title": "Renamed", "reason": "test"},
        world.ngo,
    )
    past = world.api.post(
        "query($id: ID!, $at: DateTime) { partnership(id: $id, asOf: $at) { version title } }",
        {"id": world.partnership_id, "at": before["updatedAt"]},
    )["data"]["partnership"]
    assert past == {"version": 1, "title": "Cybercrime training for Kenyan police"}


def test_the_graphiql_page_is_served_with_no_external_urls(api: Api) -> None:
    page = api.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "unpkg.com" not in page.text and "https://" not in page.text
    assert api.http.get("/static/graphiql/graphiql@3.8.3/graphiql.min.js").status_code == 200
