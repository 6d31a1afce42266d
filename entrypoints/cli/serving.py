"""``serve`` (the GraphQL API, optionally after seeding the demo) and ``seed``."""

from __future__ import annotations

import argparse
import time

from entrypoints import seeding
from entrypoints.bootstrap import open_registry
from entrypoints.cli.common import Verbs, err, out, positive, progress_bar
from entrypoints.cli.importing import print_rejections
from entrypoints.web import server
from entrypoints.web.app import create_app
from registry.settings import Settings


def add_serve_verb(verbs: Verbs) -> None:
    p = verbs.add_parser(
        "serve", help="run the web server: the GraphQL API, and GraphiQL at /graphql in a browser"
    )
    p.add_argument("--host", help="the address to listen on (default: PPP_HOST, 127.0.0.1)")
    p.add_argument(
        "--port", type=port, help="the port to listen on, 1 to 65535 (default: PPP_PORT, 8000)"
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="first seed a fictional demo dataset (300 partnerships) if the event store is empty",
    )
    p.set_defaults(run=serve)


def port(raw: str) -> int:
    """An argument type: a TCP port. A larger number is not silently wrapped (uvicorn bound
    99999 as 34463)."""
    try:
        number = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{raw}' is not a port number") from None
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is not a port: ports run from 1 to 65535")
    return number


def add_seed_verb(verbs: Verbs) -> None:
    p = verbs.add_parser(
        "seed", help="add a fictional demo dataset (idempotent: a second run appends nothing)"
    )
    p.add_argument(
        "--partnerships",
        type=positive,
        default=300,
        metavar="N",
        help="how many fictional partnerships (default: 300)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="S", help="another S, another dataset")
    p.add_argument(
        "--batch-size",
        type=positive,
        default=500,
        metavar="N",
        help="commands applied per transaction (default: 500)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=seed)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    if args.demo:
        _seed_demo(settings)
    server.run(  # uvicorn, with a stop bounded in time
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level.lower(),
        header_timeout=settings.header_timeout,
    )
    return 0


def _seed_demo(settings: Settings) -> None:
    """``serve --demo``: the demo dataset in an empty event store, before the server starts."""
    with open_registry(settings) as (address, registry):
        if not seeding.is_empty(registry):
            err.print("demo: the event store already holds events; not seeding the demo dataset")
            return
        err.print(f"demo: seeding {seeding.DEMO_PARTNERSHIPS} fictional partnerships (seed 0)...")
        with progress_bar("seeding") as progress:
            events = seeding.seed_if_empty(registry, address, progress=progress)
    err.print(f"demo: {events} events appended")


def seed(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    with (
        open_registry(settings) as (address, registry),
        progress_bar("seeding", quiet=args.quiet) as progress,
    ):
        report = seeding.seed_demo(
            registry,
            address,
            partnerships=args.partnerships,
            seed=args.seed,
            batch_size=args.batch_size,
            progress=progress,
        )
    out.print(
        f"{report.lines} lines: {report.applied} applied, {report.already_there} already there,"
        f" {report.rejected_lines} rejected; {report.events} events appended"
        f" in {time.perf_counter() - started:.1f}s"
    )
    if report.rejected:
        print_rejections(report.rejected)
        return 1
    return 0
