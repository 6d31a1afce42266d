"""The ASGI app: ``create_app`` routes GraphQL, GraphiQL, downloads, health checks and the
public portal's pages (``entrypoints.web.portal``), wraps
them in the middleware every answer passes, and opens the services in the Starlette lifespan
(``entrypoints.bootstrap``). Nothing connects at import time.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.bootstrap import Services, start_services
from entrypoints.web.body_limit import BodySizeLimit
from entrypoints.web.connection_limits import WebSocketLimits
from entrypoints.web.downloads import ROUTE as DOWNLOAD_ROUTE
from entrypoints.web.graphql_endpoint import (
    CONSISTENCY_HEADER,
    CONSISTENCY_OUTCOME_HEADER,
    MAX_RESPONSE_BYTES,
    RegistryGraphQL,
)
from entrypoints.web.iati_downloads import ROUTE as IATI_ROUTE
from entrypoints.web.portal import not_found
from entrypoints.web.portal import routes as portal_routes
from entrypoints.web.portal.position_cache import PositionCache
from entrypoints.web.security_headers import SecurityHeaders
from projections.runner import status as projection_status
from registry import collector
from registry.settings import Settings
from schema.graphiql import graphiql_html, static_files
from schema.log_bounds import bound_access_log
from schema.schema import build_schema
from schema.storable_input import StorableHeaders
from schema.unavailable import DatabaseOutage, is_database_unavailable

__all__ = [
    "CONSISTENCY_HEADER",
    "CONSISTENCY_OUTCOME_HEADER",
    "MAX_RESPONSE_BYTES",
    "BodySizeLimit",
    "RegistryGraphQL",
    "Services",
    "create_app",
]


class HeadAsGet:
    """``HEAD /graphql`` answered as ``GET`` without its body: strawberry's view refuses
    ``HEAD`` (405), so a link checker or ``curl -I`` on GraphiQL saw an error where a browser
    sees a page. (Starlette's own routes answer ``HEAD`` already.)"""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}  # Content-Length stays the GET's
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


async def download(request: Request) -> Response:
    services: Services = request.app.state.services
    return await services.downloads(request)


async def iati_download(request: Request) -> Response:
    services: Services = request.app.state.services
    return await services.iati_downloads(request)


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


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
            app.state.services = await start_services(settings, stack)
            collector.tune_for_serving()
            yield

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Mount("/static/graphiql", app=static_files(), name="graphiql-static"),
            Route(DOWNLOAD_ROUTE, download, methods=["GET"]),
            Route(IATI_ROUTE, iati_download, methods=["GET"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *portal_routes(),
        ],
        lifespan=lifespan,
        exception_handlers={404: not_found},
    )
    app.state.position_cache = PositionCache()
    app.add_middleware(HeadAsGet, path="/graphql")
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
