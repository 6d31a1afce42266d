"""Finding 12 of the hardening issue: a consistency wait says whether it was reached, WebSocket
connections are capped, slow requests time out, and every response carries CSP, ``nosniff`` and
frame protection."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import uvicorn
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from entrypoints.web.app import CONSISTENCY_HEADER, BodySizeLimit, create_app
from entrypoints.web.connection_limits import TRY_AGAIN_LATER
from entrypoints.web.slow_clients import with_header_timeout
from registry.settings import Settings
from tests.e2e.conftest import Api

PROTOCOL = ["graphql-transport-ws"]


@pytest.mark.parametrize("path", ["/graphql?query=%7B__typename%7D", "/healthz", "/graphql"])
def test_every_response_carries_the_security_headers(api: Api, path: str) -> None:
    response = api.http.get(path, headers={"accept": "text/html"} if path == "/graphql" else {})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    if "text/html" in response.headers["content-type"]:  # GraphiQL: its inline script by hash
        assert "'sha256-" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]


def test_a_refusal_carries_them_too(api: Api) -> None:
    response = api.http.post("/graphql", content=b"{", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_consistency_wait_says_whether_it_was_reached(settings: Settings) -> None:
    quick = replace(settings, consistency_timeout=0.3)
    with TestClient(create_app(quick)) as http:
        reached = http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={CONSISTENCY_HEADER: "0"}
        )
        late = http.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={CONSISTENCY_HEADER: str(10**18)},
        )
        plain = http.post("/graphql", json={"query": "{ __typename }"})
    assert reached.headers["registry-consistency"] == "reached"
    assert late.status_code == 200 and late.headers["registry-consistency"] == "timed-out"
    assert "registry-consistency" not in plain.headers


def test_websocket_connections_over_the_cap_are_closed_with_1013(settings: Settings) -> None:
    capped = replace(settings, max_websockets=5, max_websockets_per_client=1)
    with TestClient(create_app(capped)) as http:
        with http.websocket_connect("/graphql", subprotocols=PROTOCOL) as first:
            first.send_json({"type": "connection_init"})
            assert first.receive_json()["type"] == "connection_ack"
            with (
                http.websocket_connect("/graphql", subprotocols=PROTOCOL) as second,
                pytest.raises(WebSocketDisconnect) as closed,
            ):
                second.receive_json()
            assert closed.value.code == TRY_AGAIN_LATER
            assert "per client" in closed.value.reason
        # The first one gone, its address may connect again.
        with http.websocket_connect("/graphql", subprotocols=PROTOCOL) as again:
            again.send_json({"type": "connection_init"})
            assert again.receive_json()["type"] == "connection_ack"


def test_a_body_that_stalls_is_answered_408() -> None:
    async def never_reached(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("the app ran on a body that never finished")

    sent: list[Message] = []
    parts: list[Message] = [{"type": "http.request", "body": b'{"query":', "more_body": True}]

    async def receive() -> Message:
        if parts:
            return parts.pop()
        await asyncio.sleep(60)  # a client that stopped sending
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": "/graphql", "headers": []}
    limit = BodySizeLimit(never_reached, max_bytes=1_000, timeout=0.2)
    started = time.monotonic()
    asyncio.run(limit(scope, receive, send))
    assert time.monotonic() - started < 5
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 408


@pytest.fixture
def slow_header_server() -> Iterator[int]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("ok")(scope, receive, send)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="error", http=with_header_timeout(0.5)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def test_headers_sent_a_byte_at_a_time_are_cut_off_with_408(slow_header_server: int) -> None:
    with socket.create_connection(("127.0.0.1", slow_header_server), timeout=10) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        started = time.monotonic()
        answer = client.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 5
    with socket.create_connection(("127.0.0.1", slow_header_server), timeout=10) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 200")
