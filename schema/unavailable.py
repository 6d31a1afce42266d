"""While PostgreSQL is away: a masked ``SERVICE_UNAVAILABLE`` error with HTTP 503, never a 500.

A killed or restarting server surfaces as many exception types from three drivers (asyncpg for
reads and tokens, psycopg under the eventsourcing library for writes, the library's own
wrappers around those) at any point of a request: authenticating the token, resolving a field,
appending, waiting for the projector. ``is_database_unavailable`` recognises them all, through
their chains of causes; the GraphQL error masking turns such a resolver error into the error
below, ``unavailable_status`` gives the response 503, and ``DatabaseOutage`` answers the same for
anything that escapes a route (a token lookup, a download). Clients get a code to retry on and
nothing of the server's insides: no errno, no socket path, no traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import eventsourcing.persistence as es
import psycopg
from graphql import GraphQLError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("ppp_registry.outage")

CODE = "SERVICE_UNAVAILABLE"
MESSAGE = "The registry's database is unavailable; retry in a few seconds."
STOPPING = "The registry is restarting; retry in a few seconds."
RETRY_AFTER_S = "2"
# SQLSTATEs of a server that is going away or not there yet: connection exceptions (class 08),
# shutdown and "cannot connect now" (57P01-57P03, not 57014, a cancelled statement), and too
# many connections (53300).
_SERVER_GONE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})
_LOG_EVERY_S = 1.0  # while down, every request fails alike: one line a second says it all


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error``, or anything that caused it, means PostgreSQL could not be reached."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _is_outage(error):
            return True
        if isinstance(error, GraphQLError):
            error = error.original_error
            continue
        error = error.__cause__ or error.__context__
    return False


def _is_outage(error: BaseException) -> bool:
    # The network (or unix socket) to PostgreSQL is the only I/O a request does: refused,
    # reset, missing socket file, timeouts.
    if isinstance(error, OSError):
        return True
    if isinstance(error, asyncpg.PostgresConnectionError):
        return True
    if isinstance(error, asyncpg.PostgresError):
        return _server_gone(error.sqlstate)
    if isinstance(error, asyncpg.InterfaceError):
        return "connection is closed" in str(error)
    if isinstance(error, asyncpg.exceptions.InternalClientError):
        # "cannot switch to state ...": a connection whose server vanished mid-operation.
        return True
    if isinstance(error, psycopg.OperationalError):
        # No SQLSTATE: the client never got an answer (connection failed, pool timed out).
        return error.sqlstate is None or _server_gone(error.sqlstate)
    # The library wraps psycopg's errors in its own; without a cause, it lost the details.
    return isinstance(error, es.OperationalError | es.InterfaceError) and error.__cause__ is None


def _server_gone(sqlstate: str | None) -> bool:
    return sqlstate is not None and (sqlstate.startswith("08") or sqlstate in _SERVER_GONE_STATES)


def masked_error(error: GraphQLError) -> GraphQLError:
    """The error a client sees in place of a resolver's outage error."""
    _note(error.original_error)
    return GraphQLError(
        MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": CODE},
    )


def unavailable_status(response_data: Mapping[str, Any] | Sequence[Any]) -> int | None:
    """503 for a GraphQL response carrying the outage error, else None (the view decides)."""
    responses = [response_data] if isinstance(response_data, Mapping) else response_data
    for response in responses:
        for error in response.get("errors") or ():
            extensions = error.get("extensions") if isinstance(error, Mapping) else None
            if isinstance(extensions, Mapping) and extensions.get("code") == CODE:
                return 503
    return None


def unavailable_response(message: str = MESSAGE) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": CODE}}]}
    return JSONResponse(body, status_code=503, headers={"Retry-After": RETRY_AFTER_S})


class DatabaseOutage:
    """Answer 503 with the masked error when the database fails a request outside GraphQL's
    own error handling (authentication, the consistency wait, downloads, any route), and
    when a stopping server cancels a request it gave up waiting for (uvicorn would send a
    plain-text 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except asyncio.CancelledError:
            if not started:
                # Its outcome is unknown to the client either way: a retry with its
                # idempotency key tells. A client already gone must not hide the cancellation.
                with contextlib.suppress(Exception):
                    await unavailable_response(STOPPING)(scope, receive, send)
            raise
        except Exception as error:
            if started or not is_database_unavailable(error):
                raise
            _note(error)
            await unavailable_response()(scope, receive, send)


_last_noted = 0.0


def _note(error: BaseException | None) -> None:
    global _last_noted
    now = time.monotonic()
    if now - _last_noted >= _LOG_EVERY_S:
        _last_noted = now
        log.warning("database unavailable: %s: %s", type(error).__name__, error)
