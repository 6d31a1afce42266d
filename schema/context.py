"""What every resolver gets: the caller and the services, built once per request."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from projections.advances import Advances
from registry.domain.actor import Actor
from schema.gateway import WriteGateway
from schema.loaders import Loaders
from schema.time_travel import TimeTravel


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | None
    actor: Actor | None
    gateway: WriteGateway
    pool: asyncpg.Pool
    loaders: Loaders
    consistency_timeout: float
    advances: Advances
    time_travel: TimeTravel
    read_pool: asyncpg.Pool | None = None  # compiled reads run here; None: resolvers only
    generic_read_pool: asyncpg.Pool | None = None  # those whose plans are ``generic``


Info = strawberry.Info[Context, None]
