"""GraphQL clients list case studies ranked as the exports rank them, read one with its citations,
and follow a region's export link to the document it names."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from projections import exports
from registry.database import DatabaseAddress
from schema import export_urls
from schema.ids import from_global_id, to_global_id
from tests.e2e.case_studies.conftest import AFRICA, built, head_of
from tests.e2e.conftest import Api
from tests.e2e.test_reading import statements_for
from tests.projections.case_study_data import World

PAGE = """
query($region: String, $practiceArea: PracticeArea, $first: Int, $after: String) {
  caseStudies(region: $region, practiceArea: $practiceArea, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id title evidenceScore regions { code } partnership { id title } } }
  }
}
"""

CASE_STUDY = """
query($id: ID!) {
  caseStudy(id: $id) {
    id title evidenceScore regions { code }
    partnership { id bestPractice }
    citations { eventId position type }
  }
}
"""


def data(api: Api, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = api.post(query, variables)
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]
    return found


def exported(address: DatabaseAddress, region: str = AFRICA) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(built(address, "json", region=region).data)
    return document


def walk(api: Api, **variables: Any) -> list[dict[str, Any]]:
    """Every case study, one page of one at a time."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = data(api, PAGE, {**variables, "first": 1, "after": after})["caseStudies"]
        nodes += [edge["node"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("region", [AFRICA, "001", "014", "150"])
def test_pages_rank_case_studies_as_the_export_does(
    reader: Api, case_database: DatabaseAddress, region: str
) -> None:
    document = exported(case_database, region)
    nodes = walk(reader, region=region)
    assert [str(from_global_id(n["id"], "CaseStudy")) for n in nodes] == [
        cs["partnership_id"] for cs in document["case_studies"]
    ]
    assert [n["evidenceScore"] for n in nodes] == [
        cs["evidence_score"] for cs in document["case_studies"]
    ]
    assert [n["partnership"]["title"] for n in nodes] == [n["title"] for n in nodes]
    assert all(region in {r["code"] for r in n["regions"]} for n in nodes)
    total = data(reader, PAGE, {"region": region})["caseStudies"]["totalCount"]
    assert total == len(nodes) == document["figures"]["case_studies"]


def test_without_a_region_every_case_study_is_listed(
    reader: Api, case_database: DatabaseAddress
) -> None:
    world = exported(case_database, "001")
    assert [n["title"] for n in walk(reader)] == [
        cs["context"]["title"]["value"] for cs in world["case_studies"]
    ]


def test_pages_filter_on_practice_area(reader: Api, case_database: DatabaseAddress) -> None:
    document = exported(case_database)
    expected = [
        cs["context"]["title"]["value"]
        for cs in document["case_studies"]
        if "AWARENESS_RAISING" in cs["context"]["practice_areas"]["value"]
    ]
    assert expected  # the filter must have something to keep and something to drop
    assert len(expected) < len(document["case_studies"])
    nodes = walk(reader, region=AFRICA, practiceArea="AWARENESS_RAISING")
    assert [n["title"] for n in nodes] == expected


def test_a_case_study_carries_the_citations_of_its_document(
    reader: Api, case_world: World, case_database: DatabaseAddress
) -> None:
    document = exported(case_database)
    (judges,) = [
        cs for cs in document["case_studies"] if cs["partnership_id"] == str(case_world.judges)
    ]
    study = data(reader, CASE_STUDY, {"id": to_global_id("CaseStudy", case_world.judges)})[
        "caseStudy"
    ]
    assert study["title"] == judges["context"]["title"]["value"]
    assert study["evidenceScore"] == judges["evidence_score"]
    assert study["partnership"] == {
        "id": to_global_id("Partnership", case_world.judges),
        "bestPractice": "ENDORSED",
    }
    assert [
        (str(from_global_id(c["eventId"], "RegistryEvent")), int(c["position"]), c["type"])
        for c in study["citations"]
    ] == [(c["event_id"], c["position"], c["type"]) for c in judges["citations"]]
    # A citation's id is the event's id in the audit log.
    first = study["citations"][0]
    events = data(reader, "{ events(first: 100) { edges { node { id position type } } } }")
    assert {"id": first["eventId"], "position": first["position"], "type": first["type"]} in [
        e["node"] for e in events["events"]["edges"]
    ]


def test_a_case_study_is_found_by_its_own_id_its_partnerships_or_node(
    reader: Api, case_world: World
) -> None:
    own = to_global_id("CaseStudy", case_world.awareness)
    partnership = to_global_id("Partnership", case_world.awareness)
    assert data(reader, CASE_STUDY, {"id": partnership})["caseStudy"]["id"] == own
    node = data(
        reader,
        "query($id: ID!) { node(id: $id) { __typename id ... on CaseStudy { title } } }",
        {"id": own},
    )
    assert node["node"]["__typename"] == "CaseStudy" and node["node"]["id"] == own
    assert node["node"]["title"].startswith("Awareness <script>")  # JSON data, not markup


@pytest.mark.parametrize("name", ["victims", "hotline", "acme"])
def test_what_is_no_case_study_is_null(reader: Api, case_world: World, name: str) -> None:
    uuid = getattr(case_world, name)
    for id in (to_global_id("CaseStudy", uuid), to_global_id("Organisation", uuid), "garbage"):
        assert data(reader, CASE_STUDY, {"id": id})["caseStudy"] is None


def test_a_region_lists_its_case_studies(reader: Api, case_database: DatabaseAddress) -> None:
    found = data(
        reader,
        "{ regions(level: REGION) { area { code } caseStudies(first: 100) { totalCount"
        " edges { node { title } } } } }",
    )
    for region in found["regions"]:
        document = exported(case_database, region["area"]["code"])
        assert region["caseStudies"]["totalCount"] == document["figures"]["case_studies"]
        assert [e["node"]["title"] for e in region["caseStudies"]["edges"]] == [
            cs["context"]["title"]["value"] for cs in document["case_studies"]
        ]
    counts = {r["area"]["code"]: r["caseStudies"]["totalCount"] for r in found["regions"]}
    assert counts[AFRICA] > 0 and counts["150"] > 0  # Africa and Europe both have some


@pytest.mark.parametrize(("graphql_format", "fmt"), list(export_urls.GRAPHQL_FORMATS.items()))
def test_the_export_url_downloads_the_export_at_the_position_of_the_query(
    reader: Api, case_database: DatabaseAddress, graphql_format: str, fmt: exports.Format
) -> None:
    found = data(
        reader,
        'query($format: ExportFormat!) { region(code: "002") { exportUrl(format: $format) } }',
        {"format": graphql_format},
    )
    url = found["region"]["exportUrl"]
    parts = urlsplit(url)
    assert parts.path == f"/exports/case-studies/{AFRICA}.{fmt}"
    position = int(parse_qs(parts.query)["position"][0])
    assert position == head_of(case_database)
    response = reader.http.get(url)
    assert response.status_code == 200
    assert response.content == built(case_database, fmt, position).data


def test_bad_arguments_are_clear_errors(reader: Api) -> None:
    unknown = reader.post(PAGE, {"region": "999"})
    assert unknown["data"] is None
    assert "--list-regions" in unknown["errors"][0]["message"]
    assert "regions { area { code name } }" in unknown["errors"][0]["message"]
    foreign = reader.post(PAGE, {"after": "bm90IG91cnM"})
    assert "after:" in foreign["errors"][0]["message"]
    too_many = reader.post(PAGE, {"first": 101})
    assert "first must be between 1 and 100" in too_many["errors"][0]["message"]


NESTED = """{{ caseStudies(region: "001", first: {first}) {{
  edges {{ node {{ title evidenceScore
    partnership {{ title partners {{ role organisation {{ name }} }} }}
    citations {{ eventId type }} }} }} }} }}"""


def test_a_page_costs_the_same_statements_for_one_or_many_case_studies(reader: Api) -> None:
    # Two documents (the response cache would answer a repeated one without any statement).
    one = statements_for(reader, NESTED.format(first=1))
    many = statements_for(reader, NESTED.format(first=100))
    assert one == many
    # page, partnerships, partners, organisations; the log's head, case studies' and partners'
    # events for the citations.
    assert 0 < many <= 7
