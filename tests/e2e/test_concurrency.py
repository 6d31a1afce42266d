"""Concurrent writers to one partnership: with ``expectedVersion`` exactly one wins each version
and every other gets VERSION_CONFLICT; without it, everyone's write lands. Never a lost update.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from entrypoints.web.app import CONSISTENCY_HEADER
from tests.e2e.conftest import Api, World

WRITERS = 8
ROUNDS = 4

FIELDS = "version lessons { kind text }"
PARTNERSHIP = f"partnership {{ {FIELDS} }}"


def read_partnership(api: Api, partnership_id: str, position: str | None) -> dict[str, Any]:
    """The partnership as the read model holds it once it has applied ``position``."""
    headers = {CONSISTENCY_HEADER: position} if position is not None else {}
    response = api.http.post(
        "/graphql",
        json={
            "query": f"query($id: ID!) {{ partnership(id: $id) {{ {FIELDS} }} }}",
            "variables": {"id": partnership_id},
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    partnership: dict[str, Any] = body["data"]["partnership"]
    return partnership


def lesson(world: World, text: str, **options: Any) -> dict[str, Any]:
    return {
        "partnershipId": world.partnership_id,
        "kind": "RECOMMENDATION",
        "text": text,
        **options,
    }


def all_at_once(api: Api, token: str, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``recordLesson`` with each input, each on its own thread, all released together."""
    barrier = threading.Barrier(len(inputs))

    def write(input: dict[str, Any]) -> dict[str, Any]:
        barrier.wait(timeout=10)
        return api.mutate("recordLesson", input, token, PARTNERSHIP)

    with ThreadPoolExecutor(max_workers=len(inputs)) as pool:
        return list(pool.map(write, inputs))


def test_of_writers_expecting_one_version_exactly_one_wins_and_the_rest_conflict(
    world: World,
) -> None:
    api = world.api
    position: str | None = None
    winners: list[str] = []
    for round_ in range(ROUNDS):
        version = read_partnership(api, world.partnership_id, position)["version"]
        assert version == 1 + len(winners)
        events = api.event_count()

        texts = [f"Round {round_}, writer {n}." for n in range(WRITERS)]
        payloads = all_at_once(
            api, world.ngo, [lesson(world, text, expectedVersion=version) for text in texts]
        )

        won = [(n, p) for n, p in enumerate(payloads) if not p["userErrors"]]
        lost = [p for p in payloads if p["userErrors"]]
        assert len(won) == 1, payloads
        ((n, payload),) = won
        assert payload["partnership"]["version"] == version + 1
        assert payload["position"] is not None
        for loser in lost:
            assert loser["position"] is None and loser["partnership"] is None
            (error,) = loser["userErrors"]
            assert error["code"] == "VERSION_CONFLICT", loser
            assert error["field"] == ["input", "expectedVersion"]
            assert f"current version is {version + 1}" in error["message"]
        assert api.event_count() == events + 1  # the losers appended nothing
        winners.append(texts[n])
        position = payload["position"]

    final = read_partnership(api, world.partnership_id, position)
    assert final["version"] == 1 + ROUNDS
    assert [x["text"] for x in final["lessons"]] == winners


def test_writers_without_an_expected_version_all_land(world: World) -> None:
    """The application retries a write that lost the race on top of the winner's: with as many
    writers as the server has write threads, one may lose to all the others in turn."""
    api = world.api
    version = read_partnership(api, world.partnership_id, None)["version"]
    written: list[str] = []
    for round_ in range(ROUNDS):
        events = api.event_count()

        texts = [f"Round {round_}, writer {n}." for n in range(WRITERS)]
        payloads = all_at_once(api, world.ngo, [lesson(world, text) for text in texts])

        assert [p["userErrors"] for p in payloads] == [[]] * WRITERS
        assert len({p["position"] for p in payloads}) == WRITERS
        assert api.event_count() == events + WRITERS
        written += texts
        head = max(payloads, key=lambda p: int(p["position"]))["position"]
        final = read_partnership(api, world.partnership_id, head)
        assert final["version"] == version + len(written)
        assert sorted(x["text"] for x in final["lessons"]) == sorted(written)
