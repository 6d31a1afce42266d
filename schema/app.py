"""The composition root: ``create_app`` wires everything inside the Starlette lifespan.

Nothing connects at import time; the database (embedded or ``DATABASE_URL``), the write side,
the asyncpg pool and the worker-thread gateway are made when the app starts and closed when it
stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
import asyncpg
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from entrypoints.web.downloads import ROUTE as DOWNLOAD_ROUTE
from entrypoints.web.downloads import Downloads
from projections.advances import Advances
from projections.read_model import ensure_read_model
from projections.runner import Projector, wait_for_position
from projections.runner import status as projection_status
from registry import tokens
from registry.application import Registry
from registry.database import DatabaseAddress, open_database
from registry.domain.actor import Actor
from registry.history import HistoryRegistry
from registry.settings import Settings
from registry.supervisor import EmbeddedSupervisor
from schema.connection_limits import WebSocketLimits
from schema.context import Context
from schema.deadline import QUERY_DEADLINE_S, is_mutation, within_deadline
from schema.gateway import WriteGateway
from schema.graphiql import graphiql_html, static_files
from schema.loaders import Loaders
from schema.log_bounds import bound_access_log
from schema.positions import BadPosition, parse_position
from schema.response_cache import MAX_BYTES as CACHE_BYTES
from schema.response_cache import EncodedData, ResponseCache
from schema.response_size import capped
from schema.schema import build_schema
from schema.security_headers import SecurityHeaders, graphiql_policy
from schema.storable_input import StorableHeaders, invalid_text_status
from schema.time_travel import TimeTravel, TimeTravelLimits
from schema.unavailable import (
    RETRY_AFTER_S,
    DatabaseOutage,
    is_database_unavailable,
    unavailable_status,
)

log = logging.getLogger("ppp_registry.app")

MAX_RESPONSE_BYTES = 8_388_608  # the default of PPP_MAX_RESPONSE_BYTES


CONSISTENCY_HEADER = "registry-consistent-with"
CONSISTENCY_OUTCOME_HEADER = "Registry-Consistency"


@dataclass
class Services:
    settings: Settings
    address: DatabaseAddress
    registry: Registry
    pool: asyncpg.Pool
    gateway: WriteGateway
    advances: Advances
    downloads: Downloads
    time_travel: TimeTravel
    read_pool: asyncpg.Pool | None  # compiled reads' pool; None when they are off

    async def actor_for(self, authorization: str | None) -> Actor | None:
        if not authorization:
            return None
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        return await tokens.authenticate(self.pool, secret.strip())


class RegistryGraphQL(GraphQL[Context, None]):
    def __init__(
        self,
        *args: Any,
        cache_bytes: int = CACHE_BYTES,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        query_deadline: float = QUERY_DEADLINE_S,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # One per app: positions mean nothing across databases.
        self.cache = ResponseCache(max_bytes=cache_bytes)
        self.max_response_bytes = max_response_bytes
        self.query_deadline = query_deadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            send = capped(send, self.max_response_bytes)  # on the bytes sent, however made
        await super().__call__(scope, receive, send)

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: Any,
    ) -> ExecutionResult:
        """Answer a repeated query at an unchanged read-model position from the cache."""
        key = None
        if not request.headers.get(CONSISTENCY_HEADER):  # that one waits on the database itself
            key = self.cache.key(
                request_data.query,
                request_data.variables,
                request_data.operation_name,
                context.advances.position,
            )
        if key is not None and (cached := self.cache.get(key)) is not None:
            result: ExecutionResult = cached
            return result
        execution = super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if is_mutation(request_data.query, request_data.operation_name):
            return await execution  # a write is never cut short: its retry is the client's
        result = await within_deadline(execution, self.query_deadline)
        if key is not None and not result.errors:
            encoded = ExecutionResult(
                data=EncodedData.of(result.data),  # type: ignore[arg-type] # see encode_json
                errors=None,
                extensions=result.extensions,
            )
            self.cache.put(key, encoded)
            return encoded
        return result

    def encode_json(self, data: object) -> str | bytes:
        """Splice a cached response's encoded ``data`` in rather than encoding it again."""
        if isinstance(data, dict) and isinstance(encoded := data.get("data"), EncodedData):
            # The one place a response's encoded bytes pass, compiled or cached.
            rest = {k: v for k, v in data.items() if k != "data"}
            tail = json.dumps(rest, separators=(",", ":"))[1:] if rest else "}"
            return b'{"data":' + encoded.body + (b"," + tail.encode() if rest else tail.encode())
        return super().encode_json(data)

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if (status := unavailable_status(response_data)) is not None:  # the database is down
            response.status_code = status
            response.headers["Retry-After"] = RETRY_AFTER_S
        elif (status := invalid_text_status(response_data)) is not None:
            response.status_code = status
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        # GraphiQL from the package's own copies of its assets: it works offline.
        html = graphiql_html()
        return HTMLResponse(html, headers={"Content-Security-Policy": graphiql_policy(html)})

    async def get_context(self, request: Request | WebSocket, response: Response | None) -> Context:  # type: ignore[override]
        services: Services = request.app.state.services
        actor = await services.actor_for(request.headers.get("authorization"))
        reached = await _wait_for_consistency(services, request.headers.get(CONSISTENCY_HEADER))
        if reached is not None and response is not None:
            # A wait that timed out answers what the read model has: it says so.
            response.headers[CONSISTENCY_OUTCOME_HEADER] = "reached" if reached else "timed-out"
        return Context(
            request=request,
            response=response,
            actor=actor,
            gateway=services.gateway,
            pool=services.pool,
            loaders=Loaders.over(services.pool),
            read_pool=services.read_pool,
            consistency_timeout=services.settings.consistency_timeout,
            advances=services.advances,
            time_travel=services.time_travel,
        )

    def parse_json(self, data: str | bytes) -> Any:
        """A body (or GET ``variables``) that is not a JSON object is a 400, never a 500.

        Strawberry only turns a ``JSONDecodeError`` into a 400: a body that is not UTF-8, nested
        too deeply, or a bare string or number would fail inside it. A ``"\\ud800"`` escape
        decodes to a lone surrogate that no event store, hash or database can encode.
        """
        try:
            parsed = self.decode_json(data)
            json.dumps(parsed, ensure_ascii=False).encode()
        except UnicodeError as error:
            raise HTTPException(400, "The JSON is not valid UTF-8 text") from error
        except ValueError as error:
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        except RecursionError as error:
            raise HTTPException(400, "The JSON is nested too deeply") from error
        if not isinstance(parsed, dict | list):  # a list is a batch, refused by strawberry
            raise HTTPException(400, "Expected a JSON object")
        return parsed


class BodySizeLimit:
    """Refuse request bodies over the limit with 413 before the app reads any of them, and
    bodies that take longer than ``timeout`` seconds to arrive with 408 (a half-sent request
    held its connection and this task for ever)."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        with anyio.move_on_after(self.timeout) as deadline:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_bytes:
                    await self._refuse(scope, receive, send)
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        if deadline.cancelled_caught:
            late = {"errors": [{"message": f"the request body took over {self.timeout} s"}]}
            await JSONResponse(late, status_code=408, headers={"Connection": "close"})(
                scope, receive, send
            )
            return
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"errors": [{"message": f"request body exceeds {self.max_bytes} bytes"}]},
            status_code=413,
        )
        await response(scope, receive, send)


async def download(request: Request) -> Response:
    services: Services = request.app.state.services
    return await services.downloads(request)


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _wait_for_consistency(services: Services, header: str | None) -> bool | None:
    """Read your writes: wait (bounded) until the read model reaches the position asked for.

    Whether it did; None without the header. The wait wakes on the projector's notifications
    rather than polling, so waits for a position past the head cost PostgreSQL next to nothing.
    """
    if header is None:
        return None
    try:
        position = parse_position(header, "Registry-Consistent-With")
    except BadPosition as error:
        raise HTTPException(400, str(error)) from None
    if services.advances.position >= position:
        return True
    timeout = services.settings.consistency_timeout
    return await wait_for_position(services.pool, position, timeout, advances=services.advances)


async def readyz(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        projection = await projection_status(services.pool)
    except Exception as error:
        if not is_database_unavailable(error):
            raise
        # Which socket or errno is the operators' business (logged), not every prober's.
        return JSONResponse(
            {"status": "unavailable", "reason": "database unavailable"}, status_code=503
        )
    figures = {"position": projection.position, "head": projection.head, "lag": projection.lag}
    if projection.last_error is not None:
        # A poison event stopped the read model: it will not catch up by itself.
        reason = f"projection stopped at {projection.failed_position}: {projection.last_error}"
        return JSONResponse({"status": "degraded", "reason": reason, **figures}, status_code=503)
    return JSONResponse({"status": "ready", **figures})


def create_app(settings: Settings) -> Starlette:
    graphql = RegistryGraphQL(
        build_schema(),
        allow_queries_via_get=True,
        max_subscriptions_per_connection=settings.max_subscriptions,
        allowed_origins=settings.allowed_origins,
        cache_bytes=settings.response_cache_bytes,
        max_response_bytes=settings.max_response_bytes,
        query_deadline=settings.query_deadline,
    )
    bound_access_log()
    graphiql_html()  # a strawberry upgrade that changes the IDE's assets fails here, not later

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            app.state.services = await _start_services(settings, stack)
            _tune_collector()
            yield

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Mount("/static/graphiql", app=static_files(), name="graphiql-static"),
            Route(DOWNLOAD_ROUTE, download, methods=["GET"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(DatabaseOutage)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout
    )
    app.add_middleware(StorableHeaders)
    app.add_middleware(
        WebSocketLimits,
        total=settings.max_websockets,
        per_client=settings.max_websockets_per_client,
    )
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, refusals included
    return app


def _tune_collector() -> None:
    """Collect less often, and never walk what startup made again.

    A request allocates thousands of containers that live across awaits while other requests
    run, so many survive into the old generations; with the default thresholds full
    collections ran twice a second and each stalled every request in flight (the cold query
    bench's whole p99 tail). What startup made (modules, the schema, caches) lives as long as
    the process: frozen, collections skip it.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# Generation 0 every 20,000 allocations net of frees, instead of 700 (the bench's experiments).
GC_THRESHOLDS = (20_000, 50, 100)


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """Release a pooled connection without asyncpg's reset statement.

    The default sends advisory-unlock-all, CLOSE ALL, UNLISTEN * and RESET ALL on every release:
    a round trip per statement a request runs, a sixth of a cold query's time. Nothing run
    through this pool leaves session state behind: reads qualify their schema, settings are
    SET LOCAL, locks are transaction-scoped and listeners have connections of their own. asyncpg
    still rolls back a transaction left open before calling this.
    """


async def _start_services(settings: Settings, stack: contextlib.AsyncExitStack) -> Services:
    sync_stack = contextlib.ExitStack()
    stack.push_async_callback(anyio.to_thread.run_sync, sync_stack.close)
    address = await anyio.to_thread.run_sync(sync_stack.enter_context, open_database(settings))
    if settings.database_url is None:  # ours to keep running; left before the server is
        sync_stack.enter_context(EmbeddedSupervisor(settings))
    registry = await anyio.to_thread.run_sync(_open_registry, address)
    sync_stack.callback(registry.close)
    pool: asyncpg.Pool = await asyncpg.create_pool(
        address.dsn(), min_size=1, max_size=10, reset=_keep_session
    )
    stack.push_async_callback(_close_pool, pool)
    read_pool = None
    if settings.compiled_reads:
        read_pool = await _read_pool(address.dsn())
        stack.push_async_callback(_close_pool, read_pool)
    await tokens.ensure_schema(pool)
    connection = await asyncpg.connect(address.dsn())
    try:
        await ensure_read_model(connection)
    finally:
        await connection.close()
    if settings.run_projector:
        stop = asyncio.Event()
        task = asyncio.create_task(Projector(address.dsn()).run(stop), name="projector")
        stack.push_async_callback(_stop_projector, stop, task)
    advances = Advances(address.dsn())
    await advances.start()
    stack.push_async_callback(advances.close)
    gateway = WriteGateway(registry, settings.write_threads)
    downloads = Downloads(address.dsn(), pool)
    history = await anyio.to_thread.run_sync(_open_history, address, settings)
    sync_stack.callback(history.close)
    time_travel = TimeTravel(history, _time_travel_limits(settings))
    return Services(
        settings, address, registry, pool, gateway, advances, downloads, time_travel, read_pool
    )


# The compiled statements test each criterion with "$n IS NULL OR ...": planned with the
# request's values every time, PostgreSQL drops what does not apply and uses the indexes; a
# generic plan would scan. JIT compilation costs more than these short statements run.
READ_POOL_SETTINGS = {"plan_cache_mode": "force_custom_plan", "jit": "off", "TimeZone": "UTC"}


async def _read_pool(dsn: str) -> asyncpg.Pool:
    pool: asyncpg.Pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=10, reset=_keep_session, server_settings=READ_POOL_SETTINGS
    )
    return pool


# Stopping must not wait on a database that went away (SIGTERM ends serve within 10 s).
CLOSE_TIMEOUT_S = 2.0


async def _stop_projector(stop: asyncio.Event, task: asyncio.Task[None]) -> None:
    stop.set()
    try:
        await asyncio.wait_for(task, CLOSE_TIMEOUT_S)  # cancelled when it does not stop in time
    except TimeoutError:
        log.warning("the projector did not stop within %s s; cancelled it", CLOSE_TIMEOUT_S)


async def _close_pool(pool: asyncpg.Pool) -> None:
    try:
        await asyncio.wait_for(pool.close(), CLOSE_TIMEOUT_S)
    except TimeoutError:
        pool.terminate()


def _open_registry(address: DatabaseAddress) -> Registry:
    env: dict[str, Any] = address.eventsourcing_env()
    return Registry(env=env)


def _open_history(address: DatabaseAddress, settings: Settings) -> HistoryRegistry:
    # Connections of its own, one a thread: time travel never takes the writes'. (And one
    # more: creating the tables at start holds a lock on one connection and works on another.)
    env = {
        **address.eventsourcing_env(),
        "POSTGRES_POOL_SIZE": str(settings.time_travel_threads + 1),
        "POSTGRES_MAX_OVERFLOW": "0",
    }
    return HistoryRegistry(env=env)


def _time_travel_limits(settings: Settings) -> TimeTravelLimits:
    return TimeTravelLimits(
        threads=settings.time_travel_threads,
        per_client=settings.time_travel_per_client,
        max_events=settings.time_travel_max_events,
        snapshot_interval=settings.snapshot_interval,
    )
