"""Subscriptions over graphql-transport-ws: events pushed as projected, resumable, bounded."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from tests.e2e.conftest import World

PROTOCOL = ["graphql-transport-ws"]
EVENTS = (
    "subscription($after: String, $s: ID) {"
    " registryEvents(after: $after, streamId: $s) { type position version } }"
)


def start(ws: WebSocketTestSession) -> None:
    ws.send_json({"type": "connection_init"})
    assert ws.receive_json()["type"] == "connection_ack"


def subscribe(ws: WebSocketTestSession, op: str, variables: dict[str, Any]) -> None:
    ws.send_json(
        {"id": op, "type": "subscribe", "payload": {"query": EVENTS, "variables": variables}}
    )


def next_event(ws: WebSocketTestSession) -> dict[str, Any]:
    message = ws.receive_json()
    assert message["type"] == "next", message
    event: dict[str, Any] = message["payload"]["data"]["registryEvents"]
    return event


def lesson(world: World, text: str) -> str:
    payload = world.api.mutate(
        "recordLesson",
        {"partnershipId": world.partnership_id, "kind": "CHALLENGE", "text": text},
        world.ngo,
    )
    position: str = payload["position"]
    return position


def test_new_events_are_pushed_as_they_are_projected(world: World) -> None:
    with world.api.http.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        start(ws)
        subscribe(ws, "1", {"s": world.partnership_id})
        # The server starts at the current position: only what happens from now on comes.
        position = lesson(world, "first after subscribing")
        event = next_event(ws)
        assert event == {"type": "LessonRecorded", "position": position, "version": 2}


def test_a_subscription_resumes_after_a_given_position(world: World) -> None:
    first = lesson(world, "one")
    second = lesson(world, "two")
    with world.api.http.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        start(ws)
        subscribe(ws, "1", {"after": first, "s": world.partnership_id})
        assert next_event(ws)["position"] == second


def test_pages_from_other_origins_are_refused(world: World) -> None:
    with (
        pytest.raises(WebSocketDisconnect),
        world.api.http.websocket_connect(
            "/graphql", subprotocols=PROTOCOL, headers={"origin": "https://elsewhere.example"}
        ) as ws,
    ):
        start(ws)


def test_a_connection_holds_a_bounded_number_of_subscriptions(world: World) -> None:
    limit = world.api.http.app.state.services.settings.max_subscriptions  # type: ignore[attr-defined]
    with world.api.http.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        start(ws)
        for n in range(limit):
            subscribe(ws, str(n), {})
        subscribe(ws, "one-too-many", {})
        message = ws.receive_json()
        assert message["type"] == "error" and message["id"] == "one-too-many", message
