"""The composition root: what the command line and the web app open, and in which order.

Nothing connects at import time. ``open_registry`` gives the CLI's verbs the database (embedded
or ``DATABASE_URL``) and the write side; ``start_services`` gives the web app all of that plus
the asyncpg pools, the projector, the worker-thread gateway and time travel, each closed (in
reverse order, with timeouts) when the app stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
import asyncpg

from entrypoints.web.downloads import Downloads
from entrypoints.web.iati_downloads import IatiDownloads
from projections.advances import Advances
from projections.read_model import ensure_read_model
from projections.runner import Projector
from registry import tokens
from registry.application import Registry
from registry.database import DatabaseAddress, open_database
from registry.domain.actor import Actor
from registry.history import HistoryRegistry
from registry.settings import Settings
from registry.supervisor import EmbeddedSupervisor
from schema.gateway import WriteGateway
from schema.time_travel import TimeTravel, TimeTravelLimits

log = logging.getLogger("ppp_registry.app")

# Stopping must not wait on a database that went away (SIGTERM ends serve within 10 s).
CLOSE_TIMEOUT_S = 2.0

# The compiled statements test each criterion with "$n IS NULL OR ...": planned with the
# request's values every time, PostgreSQL drops what does not apply and uses the indexes; a
# generic plan would scan. JIT compilation costs more than these short statements run.
READ_POOL_SETTINGS = {"plan_cache_mode": "force_custom_plan", "jit": "off", "TimeZone": "UTC"}
# For statements whose only parameters are ids every execution gives (a node by its id): one
# plan serves every execution, and planning was most of such a statement's time.
GENERIC_READ_POOL_SETTINGS = {**READ_POOL_SETTINGS, "plan_cache_mode": "force_generic_plan"}


# ---------------------------------------------------------------------- for the command line
@contextlib.contextmanager
def open_registry(settings: Settings) -> Iterator[tuple[DatabaseAddress, Registry]]:
    """The database the settings name (started if embedded) and the write side over it."""
    with open_database(settings) as address:
        registry = registry_over(address)
        try:
            yield address, registry
        finally:
            registry.close()


def registry_over(address: DatabaseAddress) -> Registry:
    """The write side over a database (it creates the event store's tables if they are new)."""
    env: dict[str, Any] = address.eventsourcing_env()
    return Registry(env=env)


async def open_pool(dsn: str, *, size: int = 10, **options: Any) -> asyncpg.Pool:
    """A pool of up to ``size`` connections, released without asyncpg's reset statement."""
    pool: asyncpg.Pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=size, reset=keep_session, **options
    )
    return pool


async def close_pool(pool: asyncpg.Pool) -> None:
    """Close a pool, or terminate it when the database does not answer in time."""
    try:
        await asyncio.wait_for(pool.close(), CLOSE_TIMEOUT_S)
    except TimeoutError:
        pool.terminate()


async def prepare_read_model(dsn: str) -> None:
    """Create the read model's tables when no projector has yet (an empty read model)."""
    connection = await asyncpg.connect(dsn)
    try:
        await ensure_read_model(connection)
    finally:
        await connection.close()


async def keep_session(_connection: asyncpg.Connection) -> None:
    """Release a pooled connection without asyncpg's reset statement.

    The default sends advisory-unlock-all, CLOSE ALL, UNLISTEN * and RESET ALL on every release:
    a round trip per statement a request runs, a sixth of a cold query's time. Nothing run
    through these pools leaves session state behind: reads qualify their schema, settings are
    SET LOCAL, locks are transaction-scoped and listeners have connections of their own. asyncpg
    still rolls back a transaction left open before calling this.
    """


# ---------------------------------------------------------------------- for the web app
@dataclass
class Services:
    """What a request may use; made once when the app starts."""

    settings: Settings
    address: DatabaseAddress
    registry: Registry
    pool: asyncpg.Pool
    gateway: WriteGateway
    advances: Advances
    downloads: Downloads
    iati_downloads: IatiDownloads
    time_travel: TimeTravel
    read_pool: asyncpg.Pool | None  # compiled reads' pool; None when they are off
    generic_read_pool: asyncpg.Pool | None  # compiled reads planned once (``Plan.generic``)

    async def actor_for(self, authorization: str | None) -> Actor | None:
        if not authorization:
            return None
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        return await tokens.authenticate(self.pool, secret.strip())


async def start_services(settings: Settings, stack: contextlib.AsyncExitStack) -> Services:
    """Open everything the web app serves with; ``stack`` closes it all, last opened first."""
    sync_stack = contextlib.ExitStack()
    stack.push_async_callback(anyio.to_thread.run_sync, sync_stack.close)
    address = await anyio.to_thread.run_sync(sync_stack.enter_context, open_database(settings))
    if settings.database_url is None:  # ours to keep running; left before the server is
        sync_stack.enter_context(EmbeddedSupervisor(settings))
    registry = await anyio.to_thread.run_sync(registry_over, address)
    sync_stack.callback(registry.close)
    pool = await open_pool(address.dsn())
    stack.push_async_callback(close_pool, pool)
    read_pool = generic_read_pool = None
    if settings.compiled_reads:
        read_pool = await open_pool(address.dsn(), server_settings=READ_POOL_SETTINGS)
        stack.push_async_callback(close_pool, read_pool)
        generic_read_pool = await open_pool(
            address.dsn(), server_settings=GENERIC_READ_POOL_SETTINGS
        )
        stack.push_async_callback(close_pool, generic_read_pool)
    await tokens.ensure_schema(pool)
    await prepare_read_model(address.dsn())
    if settings.run_projector:
        stop = asyncio.Event()
        task = asyncio.create_task(Projector(address.dsn()).run(stop), name="projector")
        stack.push_async_callback(_stop_projector, stop, task)
    advances = Advances(address.dsn())
    await advances.start()
    stack.push_async_callback(advances.close)
    gateway = WriteGateway(registry, settings.write_threads, group_commit=settings.group_commit)
    stack.push_async_callback(anyio.to_thread.run_sync, gateway.close)
    downloads = Downloads(address.dsn(), pool)
    iati_downloads = IatiDownloads(address.dsn(), pool)
    history = await anyio.to_thread.run_sync(_open_history, address, settings)
    sync_stack.callback(history.close)
    time_travel = TimeTravel(history, _time_travel_limits(settings))
    return Services(
        settings=settings,
        address=address,
        registry=registry,
        pool=pool,
        gateway=gateway,
        advances=advances,
        downloads=downloads,
        iati_downloads=iati_downloads,
        time_travel=time_travel,
        read_pool=read_pool,
        generic_read_pool=generic_read_pool,
    )


async def _stop_projector(stop: asyncio.Event, task: asyncio.Task[None]) -> None:
    stop.set()
    try:
        await asyncio.wait_for(task, CLOSE_TIMEOUT_S)  # cancelled when it does not stop in time
    except TimeoutError:
        log.warning("the projector did not stop within %s s; cancelled it", CLOSE_TIMEOUT_S)


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
