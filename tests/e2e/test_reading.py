"""GraphQL clients read partnerships from the read model: filtered, paginated, consistent."""

from __future__ import annotations

from typing import Any

import pytest

from schema.response_cache import EncodedData
from tests.e2e.conftest import Api, World, partnership_input, register_organisation

PAGE = """
query($filter: PartnershipFilter, $order: PartnershipOrder, $first: Int, $after: String) {
  partnerships(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id title countries { code } } }
  }
}
"""


def register(world: World, title: str, countries: list[str], **fields: Any) -> str:
    payload = world.api.mutate(
        "registerPartnership",
        partnership_input((world.ngo_id, "LEAD"), title=title, countries=countries, **fields),
        world.admin,
        "partnership { id }",
    )
    assert payload["userErrors"] == [], payload
    partnership_id: str = payload["partnership"]["id"]
    return partnership_id


def titles(api: Api, **variables: Any) -> list[str]:
    body = api.post(PAGE, variables)
    assert "errors" not in body, body
    return [e["node"]["title"] for e in body["data"]["partnerships"]["edges"]]


@pytest.fixture
def atlas(world: World) -> World:
    """Partnerships in Kenya (from the world), Nigeria, France and Brazil."""
    register(world, "Nigeria awareness", ["NG"], practiceAreas=["AWARENESS_RAISING"])
    register(world, "France policy", ["FR"], practiceAreas=["POLICY_DEVELOPMENT"])
    register(world, "Brazil research", ["BR"], practiceAreas=["RESEARCH"])
    return world


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (
            "001",
            {
                "Cybercrime training for Kenyan police",
                "Nigeria awareness",
                "France policy",
                "Brazil research",
            },
        ),
        ("002", {"Cybercrime training for Kenyan police", "Nigeria awareness"}),
        ("202", {"Cybercrime training for Kenyan police", "Nigeria awareness"}),
        ("014", {"Cybercrime training for Kenyan police"}),
        ("011", {"Nigeria awareness"}),
        ("150", {"France policy"}),
        ("419", {"Brazil research"}),
        ("142", set()),
    ],
)
def test_the_region_filter_matches_any_m49_level(
    atlas: World, region: str, expected: set[str]
) -> None:
    assert set(titles(atlas.api, filter={"region": region})) == expected


def test_filters_combine(atlas: World) -> None:
    api = atlas.api
    assert titles(api, filter={"country": "FR"}) == ["France policy"]
    assert titles(api, filter={"practiceArea": "RESEARCH"}) == ["Brazil research"]
    assert titles(api, filter={"region": "002", "practiceArea": "AWARENESS_RAISING"}) == [
        "Nigeria awareness"
    ]
    assert titles(api, filter={"text": "policy"}) == ["France policy"]
    assert titles(api, filter={"status": "CONCLUDED"}) == []
    assert len(titles(api, filter={"organisation": atlas.ngo_id})) == 4
    assert titles(api, filter={"organisation": atlas.firm_id}) == []
    assert titles(api, filter={"sector": "PRIVATE_SECTOR"}) == []
    assert len(titles(api, filter={"sector": "CIVIL_SOCIETY"})) == 4


def test_keyset_pages_walk_every_partnership_once_in_each_order(atlas: World) -> None:
    for order in ("CREATED_AT_DESC", "CREATED_AT_ASC", "UPDATED_AT_DESC", "TITLE_ASC"):
        seen: list[str] = []
        after = None
        while True:
            page = atlas.api.post(PAGE, {"order": order, "first": 3, "after": after})["data"]
            connection = page["partnerships"]
            assert connection["totalCount"] == 4
            seen += [e["node"]["title"] for e in connection["edges"]]
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
        assert len(seen) == 4 and len(set(seen)) == 4, order
        if order == "TITLE_ASC":
            assert seen == sorted(seen)


def test_bad_page_arguments_are_clear_errors(atlas: World) -> None:
    for variables, fragment in [
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"after": "garbage"}, "after"),
    ]:
        body = atlas.api.post(PAGE, variables)
        assert body["data"] is None and fragment in body["errors"][0]["message"]


def test_organisations_are_listed_and_filtered(world: World) -> None:
    body = world.api.post(
        '{ organisations(filter: {country: "FR"}) { totalCount edges { node { name } } } }'
    )
    assert body["data"]["organisations"] == {
        "totalCount": 1,
        "edges": [{"node": {"name": "SecureSoft SA"}}],
    }


def test_region_figures_count_partnerships_practice_areas_and_sectors(atlas: World) -> None:
    atlas.api.mutate(
        "logActivity",
        {
            "partnershipId": atlas.partnership_id,
            "kind": "TRAINING",
            "practiceArea": "CAPACITY_BUILDING",
            "title": "Forensics",
            "startDate": "2024-02-01",
            "participants": 25,
        },
        atlas.ngo,
    )
    body = atlas.api.post(
        '{ region(code: "002") { area { name level } partnershipCount activeCount'
        " concludedCount peopleTrained byPracticeArea { practiceArea count }"
        " bySector { sector count } } }"
    )
    region = body["data"]["region"]
    assert region["area"] == {"name": "Africa", "level": "REGION"}
    assert (region["partnershipCount"], region["activeCount"], region["concludedCount"]) == (
        2,
        2,
        0,
    )
    assert region["peopleTrained"] == 25
    areas = {c["practiceArea"]: c["count"] for c in region["byPracticeArea"]}
    assert areas["CAPACITY_BUILDING"] == 1 and areas["AWARENESS_RAISING"] == 1
    assert {c["sector"]: c["count"] for c in region["bySector"]}["CIVIL_SOCIETY"] == 2
    assert atlas.api.post('{ region(code: "999") { partnershipCount } }')["data"]["region"] is None
    levels = atlas.api.post("{ regions(level: REGION) { area { code } } }")["data"]["regions"]
    assert {r["area"]["code"] for r in levels} == {"002", "019", "142", "150", "009"}


def test_the_audit_log_lists_a_partnerships_events_in_order(world: World) -> None:
    world.api.mutate(
        "recordLesson",
        {
            "partnershipId": world.partnership_id,
            "kind": "CHALLENGE",
            "text": "Turnover of trained staff.",
        },
        world.ngo,
    )
    body = world.api.post(
        "query($s: ID) { events(streamId: $s) {"
        " edges { node { type version actor streamId data } } } }",
        {"s": world.partnership_id},
    )
    nodes = [e["node"] for e in body["data"]["events"]["edges"]]
    assert [n["type"] for n in nodes] == ["PartnershipRegistered", "LessonRecorded"]
    assert [n["version"] for n in nodes] == [1, 2]
    assert nodes[1]["actor"] == "ngo" and nodes[1]["streamId"] == world.partnership_id
    assert nodes[1]["data"]["text"] == "Turnover of trained staff."


def test_projection_status_shows_the_read_model_caught_up(world: World) -> None:
    status = world.api.post("{ projectionStatus { position head lag rebuilding lastError } }")
    assert status["data"]["projectionStatus"]["lastError"] is None
    assert status["data"]["projectionStatus"]["rebuilding"] is False


def test_a_read_waits_for_the_position_a_client_has_written(world: World) -> None:
    payload = world.api.mutate(
        "revisePartnership",
        {"partnershipId": world.partnership_id, "title": "Renamed", "reason": "r"},
        world.ngo,
    )
    response = world.api.http.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { partnership(id: $id) { title version } }",
            "variables": {"id": world.partnership_id},
        },
        headers={"Registry-Consistent-With": payload["position"]},
    )
    assert response.json()["data"]["partnership"] == {"title": "Renamed", "version": 2}
    bad = world.api.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Registry-Consistent-With": "soon"}
    )
    assert bad.status_code == 400


class CountingPool:
    """The app's pool, counting the statements requests send through it."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.statements = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.pool, name)
        if name not in {"fetch", "fetchrow", "fetchval", "execute"}:
            return attribute

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.statements += 1
            return await attribute(*args, **kwargs)

        return counted


NESTED = """{ partnerships(first: 20) { edges { node { title
  partners { role organisation { name country { code } } }
  activities { title } outcomes { indicator } lessons { text } } } } }"""


def statements_for(api: Api, query: str) -> int:
    services = api.http.app.state.services  # type: ignore[attr-defined]
    counting = CountingPool(services.pool)
    services.pool = counting
    try:
        body = api.post(query)
        assert "errors" not in body, body
    finally:
        services.pool = counting.pool
    return counting.statements


def test_a_nested_page_costs_the_same_statements_for_two_or_twelve_partnerships(
    world: World,
) -> None:
    small = statements_for(world.api, NESTED)
    for n in range(10):
        other = register_organisation(world.api, world.admin, f"Partner {n}")
        register(
            world,
            f"Partnership {n}",
            ["KE"],
            partners=[
                {"organisationId": world.ngo_id, "role": "LEAD"},
                {"organisationId": other, "role": "FUNDER"},
            ],
        )
    large = statements_for(world.api, NESTED)
    assert large == small
    # The page (one statement) + partners with their organisations, activities, outcomes, lessons.
    assert large <= 5


def test_a_cached_response_is_the_same_bytes_and_kept_as_one_encoded_object(
    world: World,
) -> None:
    routes = world.api.http.app.routes  # type: ignore[attr-defined]
    graphql = next(r.endpoint for r in routes if getattr(r, "path", "") == "/graphql")
    body = {
        "query": "query($first: Int) { partnerships(first: $first) { totalCount"
        " edges { cursor node { title partners { role organisation { name } } } } } }",
        "variables": {"first": 5},
    }
    misses, hits = graphql.cache.misses, graphql.cache.hits
    fresh = world.api.http.post("/graphql", json=body)
    cached = world.api.http.post("/graphql", json=body)
    assert (graphql.cache.misses, graphql.cache.hits) == (misses + 1, hits + 1)
    assert cached.content == fresh.content
    assert cached.headers["content-type"] == fresh.headers["content-type"]
    assert fresh.json()["data"]["partnerships"]["edges"]
    entries = list(graphql.cache._entries.values())
    assert entries and all(isinstance(result.data, EncodedData) for _, result in entries)


def test_repeated_queries_are_answered_from_the_cache_until_the_read_model_moves(
    world: World,
) -> None:
    routes = world.api.http.app.routes  # type: ignore[attr-defined]
    graphql = next(r.endpoint for r in routes if getattr(r, "path", "") == "/graphql")
    query = "query($id: ID!) { partnership(id: $id) { title } }"
    first = world.api.post(query, {"id": world.partnership_id})
    hits = graphql.cache.hits
    assert world.api.post(query, {"id": world.partnership_id}) == first
    assert graphql.cache.hits == hits + 1
    payload = world.api.mutate(
        "revisePartnership",
        {"partnershipId": world.partnership_id, "title": "Fresh", "reason": "r"},
        world.ngo,
    )
    assert payload["userErrors"] == []
    # The payload waited for the projector and moved the cache's position past the write.
    after = world.api.post(query, {"id": world.partnership_id})
    assert after["data"]["partnership"]["title"] == "Fresh"
