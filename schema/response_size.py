"""A hard cap on the bytes of a GraphQL response, on the body as it is sent.

The cost limit estimates a response before it runs; this backs it up on what is really sent,
however it was made (encoded by strawberry, spliced from the response cache or produced as JSON
by the database): a JSON body over the cap is replaced by an error with the code
``RESPONSE_TOO_LARGE``. Bodies of other types (GraphiQL's page) pass unchanged.
"""

from __future__ import annotations

import json

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Send

CODE = "RESPONSE_TOO_LARGE"


def too_large_body(max_bytes: int) -> bytes:
    message = (
        f"The response is larger than {max_bytes} bytes, the limit: ask for fewer fields,"
        " smaller pages (first) or fewer aliases."
    )
    error = {"message": message, "extensions": {"code": CODE}}
    return json.dumps({"data": None, "errors": [error]}).encode()


def capped(send: Send, max_bytes: int) -> Send:
    """``send`` with every JSON response body over ``max_bytes`` replaced by the error."""
    start: Message | None = None
    chunks: list[bytes] = []
    size = 0
    done = False

    async def send_capped(message: Message) -> None:
        nonlocal start, size, done
        if done:
            return  # the rest of a body already replaced
        if message["type"] == "http.response.start":
            if _is_json(message):
                start = message
                return
            await send(message)
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        body = message.get("body", b"")
        size += len(body)
        if size > max_bytes:
            done = True
            await _send_error(send, start, max_bytes)
            return
        chunks.append(body)
        if not message.get("more_body", False):
            await send(start)
            await send({"type": "http.response.body", "body": b"".join(chunks)})

    return send_capped


def _is_json(start: Message) -> bool:
    for name, value in start.get("headers", ()):
        if name.lower() == b"content-type":
            return bool(value.split(b";")[0].strip().lower() == b"application/json")
    return False


async def _send_error(send: Send, start: Message, max_bytes: int) -> None:
    body = too_large_body(max_bytes)
    headers = MutableHeaders(raw=list(start.get("headers", ())))
    headers["content-length"] = str(len(body))
    await send({**start, "headers": headers.raw})
    await send({"type": "http.response.body", "body": body})
