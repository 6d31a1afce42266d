"""A cap on WebSocket connections, in all and per client address.

Each connection may hold ``PPP_MAX_SUBSCRIPTIONS`` subscriptions, and nothing bounded the
connections: 30 idle connections of 10 subscriptions each kept PostgreSQL at 296 transactions a
second. A connection over a cap is accepted only to be closed at once with code 1013 ("try
again later") and a reason, which a browser's ``CloseEvent`` shows; a refusal of the handshake
itself would reach a script only as a bare failure.
"""

from __future__ import annotations

from collections import Counter

from starlette.types import ASGIApp, Receive, Scope, Send

TRY_AGAIN_LATER = 1013


class WebSocketLimits:
    def __init__(self, app: ASGIApp, total: int, per_client: int) -> None:
        self.app = app
        self.total = total
        self.per_client = per_client
        self.open: Counter[str] = Counter()  # connections open, by client address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else ""
        reason = self._over(client)
        if reason is not None:
            await _close(scope, receive, send, reason)
            return
        self.open[client] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open[client] -= 1
            if not self.open[client]:
                del self.open[client]  # only addresses with connections are kept

    def _over(self, client: str) -> str | None:
        if self.open.total() >= self.total:
            return f"the server holds its limit of {self.total} WebSocket connections"
        if self.open[client] >= self.per_client:
            return f"at most {self.per_client} WebSocket connections per client address"
        return None


async def _close(scope: Scope, receive: Receive, send: Send, reason: str) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    offered = scope.get("subprotocols") or []
    # The close must follow an accepted handshake to carry a code; the subprotocol is echoed
    # so that clients which insist on one see the close rather than a protocol error.
    await send({"type": "websocket.accept", "subprotocol": offered[0] if offered else None})
    await send({"type": "websocket.close", "code": TRY_AGAIN_LATER, "reason": reason})
