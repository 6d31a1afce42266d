"""The portal's remembered facet counts follow the log: a new event, and the next page counts
it (the counts are kept per read-model position, never past it)."""

from __future__ import annotations

import re

from tests.e2e.conftest import PARTNERSHIP, Api, World, partnership_input


def practice_count(client: Api, value: str) -> int:
    html = client.http.get("/partnerships").text
    section = html.split('id="facet-practiceArea"')[1].split("</section>")[0]
    link = r"practiceArea=" + value + r'"[^>]*>\s*[^<]+</a>\s*'
    found = re.search(link + r'<span class="count">(\d+)', section)
    return int(found.group(1)) if found else 0


def test_a_new_partnership_is_counted_by_the_next_search(world: World) -> None:
    client = world.api
    before = practice_count(client, "RESEARCH")  # the world has none: 0 however far projected
    assert practice_count(client, "RESEARCH") == before  # the same position: the kept counts
    payload = client.mutate(
        "registerPartnership",
        partnership_input((world.ngo_id, "LEAD"), practiceAreas=["RESEARCH"], title="New work"),
        world.ngo,
        PARTNERSHIP,
    )
    assert payload["userErrors"] == []
    waited = client.http.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Registry-Consistent-With": payload["position"]},
    )
    assert waited.headers["registry-consistency"] == "reached"
    assert practice_count(client, "RESEARCH") == before + 1
