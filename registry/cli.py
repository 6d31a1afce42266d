"""``ppp-registry``: the command line. Each verb opens what it needs and closes it on exit."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

import asyncpg
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from registry import geography, tokens
from registry.application import Registry, load_organisation
from registry.database import DatabaseAddress, open_database
from registry.domain.actor import Role
from registry.settings import Settings

if TYPE_CHECKING:
    from projections.exports import Export
    from schema.bulk_import import Rejection

T = TypeVar("T")

out = Console()
err = Console(stderr=True)


class CliError(Exception):
    """A user's mistake on the command line: printed without a traceback, exit code 2."""


@contextmanager
def _registry(settings: Settings) -> Iterator[tuple[DatabaseAddress, Registry]]:
    with open_database(settings) as address:
        registry = Registry(env=address.eventsourcing_env())
        try:
            yield address, registry
        finally:
            registry.close()


def _with_tokens(address: DatabaseAddress, work: Callable[[tokens.Connection], Awaitable[T]]) -> T:
    """Run ``work`` on a fresh connection to the token store, from synchronous code."""

    async def run() -> T:
        connection = await asyncpg.connect(address.dsn())
        try:
            await tokens.ensure_schema(connection)
            return await work(connection)
        finally:
            await connection.close()

    return asyncio.run(run())


@contextmanager
def _progress_bar(label: str, *, quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, shown from the first report of (lines done, total lines)."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, disable=quiet) as progress:
        tasks: list[TaskID] = []

        def advance(done: int, total: int) -> None:
            if not tasks:
                tasks.append(progress.add_task(label, total=total))
            progress.advance(tasks[0], done)

        yield advance


# ---------------------------------------------------------------------- read model
def project(_args: argparse.Namespace, settings: Settings) -> int:
    """Run the projector alone until interrupted (SIGINT or SIGTERM)."""
    from projections.runner import Projector

    async def run(dsn: str) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        out.print("projector running; it leads when it holds the lock, else waits as a standby")
        await Projector(dsn).run(stop)

    # Opening the registry creates the event store's tables if this is the first process.
    with _registry(settings) as (address, _registry_app):
        asyncio.run(run(address.dsn()))
    return 0


def rebuild(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild the read model from the log into a shadow schema, then switch to it."""
    from projections.rebuild import RebuildInProgress
    from projections.rebuild import rebuild as rebuild_read_model

    with open_database(settings) as address, _rate_bar("rebuilding", quiet=args.quiet) as bar:
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
    from projections.runner import ProjectionStatus
    from projections.runner import status as projection_status

    async def read(dsn: str) -> ProjectionStatus:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
        try:
            return await projection_status(pool)
        finally:
            await pool.close()

    with _registry(settings) as (address, _registry_app):
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


@contextmanager
def _rate_bar(
    label: str, *, quiet: bool = False, unit: str = "events"
) -> Iterator[Callable[[int, int], None]]:
    """A bar fed (done, total) so far, with the rate and the time left."""
    columns = (
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(f"{{task.fields[rate]}} {unit}/s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, disable=quiet) as progress:
        task = progress.add_task(label, total=None, rate="-")
        started = time.monotonic()

        def report(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-6)
            progress.update(task, completed=done, total=total, rate=f"{rate:,.0f}")

        yield report


# ---------------------------------------------------------------------- export
def export_case_studies(args: argparse.Namespace, settings: Settings) -> int:
    """Write a region's case-study export at a log position (the read model's head by default)."""
    from projections.exports import PositionBeyondHead, UnknownRegion

    if geography.area(args.region) is None:  # before starting a database for nothing
        raise CliError(str(UnknownRegion(args.region)))
    with (
        _registry(settings) as (address, _registry_app),
        _rate_bar("exporting", quiet=args.quiet, unit="case studies") as bar,
    ):
        try:
            made, lag = asyncio.run(_export(address.dsn(), args, bar))
        except PositionBeyondHead as error:
            raise CliError(str(error)) from None
    if lag:
        err.print(
            f"note: {lag} event(s) of the log are not in the read model yet; run the projector"
            " (ppp-registry project, or serve) to include them"
        )
    target = _export_target(args.out, made.filename)
    if target is None:
        sys.stdout.buffer.write(made.data)
        sys.stdout.flush()
        return 0
    try:
        target.write_bytes(made.data)
    except OSError as error:
        raise CliError(f"cannot write {target}: {error.strerror}") from None
    out.print(f"wrote {target} ({len(made.data):,} bytes) at log position {made.position}")
    return 0


async def _export(
    dsn: str, args: argparse.Namespace, progress: Callable[[int, int], None]
) -> tuple[Export, int]:
    """The export and how many events the read model has not applied yet."""
    from projections.exports import export
    from projections.read_model import ensure_read_model
    from projections.runner import status as projection_status

    connection = await asyncpg.connect(dsn)
    try:
        await ensure_read_model(connection)  # before any projector ran: an empty read model
    finally:
        await connection.close()
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
    try:
        made = await export(pool, args.region, args.format, args.at_position, progress)
        return made, (await projection_status(pool)).lag
    finally:
        await pool.close()


def _export_target(out_option: str | None, filename: str) -> Path | None:
    """Where ``--out`` says to write: a file, a directory (the export's own name in it), or
    ``-`` for standard output; without it, the export's own name in the current directory."""
    if out_option == "-":
        return None
    if out_option is None:
        return Path(filename)
    target = Path(out_option)
    meant_a_directory = out_option.endswith(("/", os.sep))  # even if it does not exist yet
    return target / filename if meant_a_directory or target.is_dir() else target


def list_regions(_args: argparse.Namespace, _settings: Settings) -> int:
    table = Table("code", "name", "level", title="UN M49 areas (use the code)")
    for area in geography.areas():
        table.add_row(area.code, area.name, area.level.value)
    out.print(table)
    return 0


def _export_usage(args: argparse.Namespace, _settings: Settings) -> int:
    if args.list_regions:
        return list_regions(args, _settings)
    raise CliError(
        "say what to export: 'ppp-registry export case-studies --region CODE --format md'"
        " (or list the region codes with 'ppp-registry export --list-regions')"
    )


# ---------------------------------------------------------------------- serve
def serve(args: argparse.Namespace, settings: Settings) -> int:
    from registry import serving
    from schema.app import create_app

    if args.demo:
        _seed_demo(settings)
    serving.run(  # uvicorn, with a stop bounded in time
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level.lower(),
        header_timeout=settings.header_timeout,
    )
    return 0


def _seed_demo(settings: Settings) -> None:
    """``serve --demo``: the demo dataset in an empty event store, before the server starts."""
    from registry import seeding

    with _registry(settings) as (address, registry):
        if not seeding.is_empty(registry):
            err.print("demo: the event store already holds events; not seeding the demo dataset")
            return
        err.print(f"demo: seeding {seeding.DEMO_PARTNERSHIPS} fictional partnerships (seed 0)...")
        with _progress_bar("seeding") as progress:
            events = seeding.seed_if_empty(registry, address, progress=progress)
    err.print(f"demo: {events} events appended")


# ---------------------------------------------------------------------- seed
def seed(args: argparse.Namespace, settings: Settings) -> int:
    from registry import seeding

    started = time.perf_counter()
    with (
        _registry(settings) as (address, registry),
        _progress_bar("seeding", quiet=args.quiet) as progress,
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
        _print_rejections(report.rejected)
        return 1
    return 0


# ---------------------------------------------------------------------- tokens
def token_create(args: argparse.Namespace, settings: Settings) -> int:
    from schema.ids import BadGlobalId, from_global_id

    role = Role(args.role)
    organisation_id: UUID | None = None
    if args.organisation:
        try:
            organisation_id = from_global_id(args.organisation, "Organisation")
        except BadGlobalId as error:
            raise CliError(str(error)) from None
    elif role is Role.CONTRIBUTOR:
        raise CliError("a contributor token needs --organisation ID (the organisation's id)")
    with _registry(settings) as (address, registry):
        if organisation_id is not None and load_organisation(registry, organisation_id) is None:
            raise CliError(f"no organisation with id {args.organisation}")

        create = partial(
            tokens.create_token, name=args.name, role=role, organisation_id=organisation_id
        )
        record, secret = _with_tokens(address, create)
    out.print(
        f"created {record.role} token '{record.name}' (id {record.id}); it is shown only once:"
    )
    print(
        secret
    )  # alone on the last line, for scripts: TOKEN=$(ppp-registry token create ... | tail -1)
    return 0


def token_list(_args: argparse.Namespace, settings: Settings) -> int:
    with open_database(settings) as address:
        records = _with_tokens(address, tokens.list_tokens)
    table = Table("id", "name", "role", "organisation", "created", "revoked")
    for r in records:
        table.add_row(
            str(r.id),
            r.name,
            r.role.value,
            str(r.organisation_id or ""),
            f"{r.created_at:%Y-%m-%d %H:%M}",
            f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "",
        )
    out.print(table)
    return 0


def token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    try:
        token_id = UUID(args.id)
    except ValueError:
        raise CliError(f"'{args.id}' is not a token id; see 'ppp-registry token list'") from None
    with open_database(settings) as address:
        revoked = _with_tokens(address, partial(tokens.revoke_token, token_id=token_id))
    if not revoked:
        raise CliError(f"no live token with id {token_id}")
    out.print(f"revoked token {token_id}")
    return 0


# ---------------------------------------------------------------------- import
def import_file(args: argparse.Namespace, settings: Settings) -> int:
    from schema.bulk_import import run_import
    from schema.schema import build_schema

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    with path.open(encoding="utf-8") as counted:
        total = sum(1 for line in counted if line.strip())
    with _registry(settings) as (address, registry):
        actor = _with_tokens(address, partial(tokens.authenticate, secret=args.token))
        if actor is None:
            raise CliError("the token is unknown or revoked (UNAUTHENTICATED)")
        columns = (
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with (
            Progress(*columns, console=err, disable=args.quiet) as progress,
            path.open(encoding="utf-8") as lines,
        ):
            task = progress.add_task("import", total=total)
            report = run_import(
                registry,
                actor,
                build_schema(),
                lines,
                batch_size=args.batch_size,
                on_batch=lambda n: progress.advance(task, n),
            )
    out.print(
        f"{report.lines} lines: {report.appended} applied, "
        f"{report.already_imported} already imported, {report.rejected_lines} rejected"
    )
    if report.rejected:
        _print_rejections(report.rejected)
        return 1
    return 0


def _print_rejections(rejected: Sequence[Rejection]) -> None:
    table = Table("line", "code", "field", "reason", title="rejected lines")
    for r in rejected:
        table.add_row(str(r.line), r.code.value, ".".join(r.field or []), r.reason)
    out.print(table)


# ---------------------------------------------------------------------- parser
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ppp-registry", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)

    p = verbs.add_parser("serve", help="run the GraphQL API")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument(
        "--demo",
        action="store_true",
        help="first seed a fictional demo dataset (300 partnerships) if the event store is empty",
    )
    p.set_defaults(run=serve)

    token = verbs.add_parser("token", help="create, list and revoke API tokens").add_subparsers(
        dest="token_verb", required=True
    )
    p = token.add_parser("create", help="create a token; it is printed once, on the last line")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument(
        "--organisation", metavar="ID", help="the organisation's id, as the API returns it"
    )
    p.add_argument(
        "--name", required=True, help="who holds it; recorded as the actor of its events"
    )
    p.set_defaults(run=token_create)
    p = token.add_parser("list", help="list tokens (never their secrets)")
    p.set_defaults(run=token_list)
    p = token.add_parser("revoke", help="revoke a token by id")
    p.add_argument("id")
    p.set_defaults(run=token_revoke)

    p = verbs.add_parser("project", help="run the projector alone (docker compose's projector)")
    p.set_defaults(run=project)
    p = verbs.add_parser("rebuild", help="rebuild the read model from the log, without downtime")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=rebuild)
    p = verbs.add_parser("status", help="how far the read model has applied the log")
    p.set_defaults(run=status)

    p = verbs.add_parser("import", help="apply an NDJSON file of commands")
    p.add_argument("file")
    p.add_argument("--token", required=True)
    p.add_argument("--batch-size", type=int, default=500)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=import_file)

    p = verbs.add_parser(
        "seed", help="add a fictional demo dataset (idempotent: a second run appends nothing)"
    )
    p.add_argument("--partnerships", type=_positive, default=300, metavar="N")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="another S, another dataset")
    p.add_argument("--batch-size", type=_positive, default=500)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=seed)

    _export_parser(verbs)
    return parser


def _export_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from projections.exports import FORMATS

    p = verbs.add_parser("export", help="export documents: a region's case studies")
    p.add_argument(
        "--list-regions", action="store_true", help="list the UN M49 region codes and names"
    )
    p.set_defaults(run=_export_usage)
    kinds = p.add_subparsers(dest="export_kind", required=False)
    p = kinds.add_parser(
        "case-studies", help="a region's figures and best-practice case studies, with sources"
    )
    p.add_argument("--region", required=True, metavar="CODE", help="a UN M49 code, e.g. 002")
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument(
        "--at-position",
        type=_position,
        metavar="N",
        help="the log position to export at (default: the read model's head); same N, same bytes",
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="a file, a directory, or - for standard output"
        " (default: case-studies-CODE-at-N.FORMAT in the current directory)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=export_case_studies)


def _positive(raw: str) -> int:
    try:
        number = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{raw}' is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _position(raw: str) -> int:
    try:
        number = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{raw}' is not a log position (a number)") from None
    if number < 0:
        raise argparse.ArgumentTypeError("a log position is 0 or more")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        result: int = args.run(args, settings)
        return result
    except CliError as error:
        err.print(f"[red]error:[/red] {error}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
