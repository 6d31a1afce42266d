"""Verbs of the read model: ``project`` (the projector alone), ``rebuild`` and ``status``."""

from __future__ import annotations

import argparse
import asyncio
import signal

from rich.table import Table

from entrypoints.bootstrap import close_pool, open_pool, open_registry
from entrypoints.cli.common import CliError, Verbs, err, out, rate_bar
from projections.rebuild import RebuildInProgress
from projections.rebuild import rebuild as rebuild_read_model
from projections.runner import ProjectionStatus, Projector
from projections.runner import status as projection_status
from registry.database import open_database
from registry.settings import Settings


def add_verbs(verbs: Verbs) -> None:
    p = verbs.add_parser("project", help="run the projector alone (docker compose's projector)")
    p.set_defaults(run=project)
    p = verbs.add_parser("rebuild", help="rebuild the read model from the log, without downtime")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=rebuild)
    p = verbs.add_parser("status", help="how far the read model has applied the log")
    p.set_defaults(run=status)


def project(_args: argparse.Namespace, settings: Settings) -> int:
    """Run the projector alone until interrupted (SIGINT or SIGTERM)."""

    async def run(dsn: str) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        out.print("projector running; it leads when it holds the lock, else waits as a standby")
        await Projector(dsn).run(stop)

    # Opening the registry creates the event store's tables if this is the first process.
    with open_registry(settings) as (address, _registry):
        asyncio.run(run(address.dsn()))
    return 0


def rebuild(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild the read model from the log into a shadow schema, then switch to it."""
    with open_database(settings) as address, rate_bar("rebuilding", quiet=args.quiet) as bar:
        try:
            position = asyncio.run(rebuild_read_model(address.dsn(), progress=bar))
        except RebuildInProgress as error:
            raise CliError(str(error)) from None
        except KeyboardInterrupt:
            err.print("rebuild cancelled; the live read model is untouched")
            return 130
    out.print(f"read model rebuilt up to position {position} and switched in")
    return 0


def status(_args: argparse.Namespace, settings: Settings) -> int:
    """Print how far the read model has applied the log; exit 1 when a poison event stopped it."""

    async def read(dsn: str) -> ProjectionStatus:
        pool = await open_pool(dsn, size=1)
        try:
            return await projection_status(pool)
        finally:
            await close_pool(pool)

    with open_registry(settings) as (address, _registry):
        current = asyncio.run(read(address.dsn()))
    table = Table("position", "head", "lag", "rebuilding", "last error")
    table.add_row(
        str(current.position),
        str(current.head),
        str(current.lag),
        str(current.rebuilding),
        current.last_error or "",
    )
    out.print(table)
    return 1 if current.last_error else 0
