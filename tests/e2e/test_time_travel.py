"""``partnership(asOf:)`` is right at every version: the state a partnership had at the moment
its event of that version was recorded is exactly the state the mutation answered with then.

On timestamps: an event's ``recordedAt`` is the write side's clock when the event was triggered,
to the microsecond, and ``asOf`` includes every event up to and including that instant. Two
versions recorded within one microsecond would make the earlier unreachable by ``asOf``; here
each version is its own HTTP round trip, milliseconds apart, so that cannot happen, and the test
asserts strictly increasing instants so that a clock stepping back would show as that, not as a
wrong state.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from entrypoints.web.app import CONSISTENCY_HEADER
from tests.e2e.conftest import Api, World, partnership_input

# Everything a version can change, as the read model (payloads) and the write side (asOf) show it.
STATE = (
    "id version title summary status bestPractice practiceAreas countries { code }"
    " startDate endDate createdAt updatedAt"
    " partners { organisation { id } role since until confirmed }"
    " activities { id kind practiceArea title startDate endDate countries { code }"
    " targetGroups participants evidenceUrls retracted }"
    " outcomes { id resultLevel indicator unit baseline target actual periodStart periodEnd"
    " verification evidenceUrls }"
    " lessons { kind text }"
)


def at(api: Api, partnership_id: str, moment: datetime | str) -> dict[str, Any] | None:
    as_of = moment if isinstance(moment, str) else moment.isoformat()
    body = api.post(
        f"query($id: ID!, $at: DateTime) {{ partnership(id: $id, asOf: $at) {{ {STATE} }} }}",
        {"id": partnership_id, "at": as_of},
    )
    assert "errors" not in body, body
    state: dict[str, Any] | None = body["data"]["partnership"]
    return state


def recorded_at(api: Api, partnership_id: str, position: str) -> dict[int, str]:
    """``recordedAt`` of each version of the partnership, from the audit log."""
    response = api.http.post(
        "/graphql",
        json={
            "query": "query($s: ID) { events(streamId: $s, first: 100) {"
            " edges { node { version recordedAt } } } }",
            "variables": {"s": partnership_id},
        },
        headers={CONSISTENCY_HEADER: position},  # the log as far as the last write, at least
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    nodes = [edge["node"] for edge in body["data"]["events"]["edges"]]
    return {node["version"]: node["recordedAt"] for node in nodes}


def test_as_of_the_moment_of_each_version_is_the_state_that_version_left(world: World) -> None:
    api = world.api
    registered = api.mutate(
        "registerPartnership",
        partnership_input((world.ngo_id, "LEAD"), countries=["KE", "UG"]),
        world.ngo,
        f"partnership {{ {STATE} }}",
    )
    assert registered["userErrors"] == [], registered
    pid = registered["partnership"]["id"]
    states = {1: registered["partnership"]}
    last = {"position": registered["position"]}
    activity: dict[str, Any] = {}

    def write(mutation: str, input: dict[str, Any], token: str, extra: str = "") -> None:
        payload = api.mutate(
            mutation, {"partnershipId": pid, **input}, token, f"{extra} partnership {{ {STATE} }}"
        )
        assert payload["userErrors"] == [], payload
        state = payload["partnership"]
        assert state["version"] == len(states) + 1, (mutation, state["version"])
        states[state["version"]] = state
        last["position"] = payload["position"]
        if "activity" in payload:
            activity.update(payload["activity"])

    write(
        "revisePartnership",
        {"title": "Digital evidence for East Africa", "countries": ["KE"], "reason": "focus"},
        world.ngo,
    )
    write(
        "addPartner",
        {"organisationId": world.firm_id, "role": "FUNDER", "since": "2024-03-01"},
        world.ngo,
    )
    write("confirmParticipation", {"organisationId": world.firm_id}, world.firm)
    write(
        "logActivity",
        {
            "kind": "TRAINING",
            "practiceArea": "CAPACITY_BUILDING",
            "title": "Digital forensics for investigators",
            "startDate": "2024-04-02",
            "countries": ["KE"],
            "targetGroups": ["LAW_ENFORCEMENT"],
            "participants": 42,
        },
        world.firm,
        "activity { id }",
    )
    write(
        "correctActivity",
        {"activityId": activity["id"], "participants": 40, "reason": "two left early"},
        world.ngo,
    )
    write(
        "reportOutcome",
        {
            "resultLevel": "OUTCOME",
            "indicator": "Cases prosecuted with digital evidence",
            "baseline": 3,
            "target": 20,
            "actual": 17,
            "verification": "INDEPENDENT",
        },
        world.ngo,
    )
    write("recordLesson", {"kind": "SUCCESS_FACTOR", "text": "Prosecutors came early."}, world.ngo)
    write("nominateBestPractice", {"rationale": "Replicable."}, world.ngo)
    write("endorseBestPractice", {"rationale": "Verified."}, world.reviewer)
    write(
        "concludePartnership",
        {"endDate": "2025-06-30", "summary": "Trained 40 investigators."},
        world.ngo,
    )
    versions = len(states)
    assert versions == 11
    assert states[versions]["status"] == "CONCLUDED"

    moments = recorded_at(api, pid, last["position"])
    assert sorted(moments) == list(range(1, versions + 1))
    times = {v: datetime.fromisoformat(moments[v]) for v in moments}
    # Distinct instants, or asOf could not tell two versions apart (see the module's docstring).
    assert all(times[v] < times[v + 1] for v in range(1, versions)), times

    for version in range(1, versions + 1):
        # At the exact recordedAt, as the audit log prints it: that version, included.
        assert at(api, pid, moments[version]) == states[version], version
        # And until the next version was recorded.
        if version < versions:
            assert at(api, pid, times[version + 1] - timedelta(microseconds=1)) == states[version]

    assert at(api, pid, times[1] - timedelta(microseconds=1)) is None
    assert at(api, pid, times[versions] + timedelta(days=1)) == states[versions]


def test_a_moment_without_an_offset_is_read_as_utc(world: World) -> None:
    body = world.api.post(
        'query($id: ID!) { partnership(id: $id, asOf: "2999-01-01T00:00:00") { version } }',
        {"id": world.partnership_id},
    )
    assert "errors" not in body, body
    assert body["data"]["partnership"]["version"] == 1
