"""Subscriptions over graphql-transport-ws: the audit log, pushed as soon as it is projected.

``registryEvents(after:)`` resumes from a position (a client that reconnects passes the last
position it saw); without ``after`` it starts at the read model's current position. Each
connection may hold ``PPP_MAX_SUBSCRIPTIONS`` at once; pages on other web origins need
``PPP_ALLOWED_ORIGINS`` (both enforced by strawberry's view).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from projections import queries as q
from projections.advances import Advances
from projections.runner import status
from schema.connections import RegistryEvent
from schema.context import Info
from schema.queries import log_position, stream_uuid

BATCH = 100
IDLE_RECHECK = 1.0  # seconds; a lost notification delays an event by this much at most


async def _registry_events(
    info: Info, after: str | None = None, stream_id: strawberry.ID | None = None
) -> AsyncGenerator[RegistryEvent, None]:
    context = info.context
    position = log_position(after, "after")
    if position is None:
        position = (await status(context.pool)).position
    stream = stream_uuid(stream_id)
    while True:
        signal = context.advances.signal()  # before reading, so no advance slips by
        events = await q.events_after(context.pool, position, stream, BATCH)
        for event in events:
            yield RegistryEvent.of(event)
            position = event.position
        if not events:
            await Advances.wait(signal, IDLE_RECHECK)


@strawberry.type
class Subscription:
    registry_events: AsyncGenerator[RegistryEvent, None] = strawberry.subscription(
        resolver=_registry_events,
        description="Events of the log, in order, as they are projected.",
    )
