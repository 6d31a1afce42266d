"""The GraphQL endpoint: strawberry's ASGI app with the registry's cache, limits and context.

Per request it authenticates the bearer token, waits (bounded) for ``Registry-Consistent-With``,
answers repeated queries at an unchanged read-model position from the byte-bounded response
cache, cuts reads short at the query deadline and caps the bytes sent.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from entrypoints.bootstrap import Services
from entrypoints.web.security_headers import graphiql_policy
from projections.runner import wait_for_position
from schema.context import Context
from schema.deadline import QUERY_DEADLINE_S, is_mutation, within_deadline
from schema.graphiql import graphiql_html
from schema.loaders import Loaders
from schema.positions import BadPosition, parse_position
from schema.response_cache import MAX_BYTES as CACHE_BYTES
from schema.response_cache import EncodedData, ResponseCache
from schema.response_size import capped
from schema.storable_input import invalid_text_status
from schema.unavailable import RETRY_AFTER_S, unavailable_status

MAX_RESPONSE_BYTES = 8_388_608  # the default of PPP_MAX_RESPONSE_BYTES

CONSISTENCY_HEADER = "registry-consistent-with"
CONSISTENCY_OUTCOME_HEADER = "Registry-Consistency"


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
        reached = await wait_for_consistency(services, request.headers.get(CONSISTENCY_HEADER))
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
            generic_read_pool=services.generic_read_pool,
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


async def wait_for_consistency(services: Services, header: str | None) -> bool | None:
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
