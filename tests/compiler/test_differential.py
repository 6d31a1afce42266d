"""One answer, two executors: compiled reads and the resolvers give the same responses."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.compiler.conftest import Apps
from tests.compiler.operations import operations


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_compiled_reads_answer_as_the_resolvers_do(apps: Apps, data: st.DataObject) -> None:
    document, variables = data.draw(operations(apps.samples))
    compiled, resolvers = apps.both(document, variables)
    assert _comparable(compiled) == _comparable(resolvers), document


def _comparable(response: tuple[int, Any]) -> tuple[int, Any]:
    """The response, but which item of a list raised first when several did: the resolvers
    run a list's items concurrently, so that index varies from run to run on their own."""
    status, body = response
    errors = body.get("errors")
    if errors is None:
        return status, body
    unordered = [
        {**e, "path": [p if isinstance(p, str) else "*" for p in e.get("path") or []]}
        for e in errors
    ]
    return status, {**body, "errors": unordered}


def test_the_dataset_covers_every_field(apps: Apps) -> None:
    """Nulls and values alike: a field the dataset leaves empty would compare nothing."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:  # pages of 10: a page of 100 with every list costs more than the limit
        (_status, body), _ = apps.both(
            "query($after: String) { partnerships(first: 10, after: $after) {"
            " pageInfo { hasNextPage endCursor } edges { node { objectives endDate iatiIdentifier"
            " partners { since until confirmed organisation { website identifiers { ref } } }"
            " activities { description endDate participants retracted evidenceUrls }"
            " outcomes { unit baseline target actual periodStart periodEnd evidenceUrls }"
            " lessons { kind } bestPractice status } } } }",
            {"after": after},
        )
        page = body["data"]["partnerships"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"] or len(nodes) >= 100:
            break
        after = page["pageInfo"]["endCursor"]

    def values(items: list[dict[str, Any]], name: str) -> set[bool]:
        return {item[name] in (None, [], False) for item in items}

    everything = {
        "partnership": (nodes, ["objectives", "endDate", "iatiIdentifier"]),
        "membership": ([m for n in nodes for m in n["partners"]], ["since", "until", "confirmed"]),
        "organisation": (
            [m["organisation"] for n in nodes for m in n["partners"]],
            ["website", "identifiers"],
        ),
        "activity": (
            [a for n in nodes for a in n["activities"]],
            ["description", "endDate", "participants", "retracted", "evidenceUrls"],
        ),
        "outcome": (
            [o for n in nodes for o in n["outcomes"]],
            ["unit", "baseline", "target", "actual", "periodStart", "periodEnd", "evidenceUrls"],
        ),
    }
    empty_and_not = {True, False}
    missing = [
        f"{kind}.{name}"
        for kind, (items, names) in everything.items()
        for name in names
        if values(items, name) != empty_and_not
    ]
    assert missing == [], missing
    assert {n["bestPractice"] for n in nodes} >= {"NONE", "ENDORSED"}
    assert {n["status"] for n in nodes} == {"ACTIVE", "CONCLUDED"}
