"""``export``: a region's case studies as a document, or its IATI 2.03 file, at a log position;
``--list-regions``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from rich.table import Table

from entrypoints.bootstrap import close_pool, open_pool, open_registry, prepare_read_model
from entrypoints.cli.common import CliError, Verb, Verbs, err, out, position, rate_bar
from entrypoints.cli.destinations import Destination, destination
from projections.exports import FORMATS, PositionBeyondHead, UnknownRegion, export_stream
from projections.iati.export import NoActivities, iati_stream
from projections.runner import status as projection_status
from registry import geography
from registry.progress import Progress
from registry.settings import Settings


def add_verbs(verbs: Verbs) -> None:
    p = verbs.add_parser("export", help="export a region's case studies, or its IATI file")
    p.add_argument(
        "--list-regions", action="store_true", help="list the UN M49 region codes and names"
    )
    p.set_defaults(run=_usage)
    kinds = p.add_subparsers(dest="export_kind", required=False)
    _area_export(
        kinds,
        "case-studies",
        "a region's figures and best-practice case studies, with sources",
        "case-studies-CODE-at-N.FORMAT",
        export_case_studies,
        formats=FORMATS,
    )
    _area_export(
        kinds,
        "iati",
        "a region's partnerships as IATI 2.03 activities, validated against the schema",
        "iati-CODE-at-N.xml",
        export_iati,
    )


def _area_export(
    kinds: Verbs,
    name: str,
    help: str,
    default_out: str,
    run: Verb,
    formats: Sequence[str] = (),
) -> None:
    """An export of one M49 area at a log position: the arguments every kind shares."""
    p = kinds.add_parser(name, help=help)
    p.add_argument("--region", required=True, metavar="CODE", help="a UN M49 code, e.g. 002")
    if formats:
        p.add_argument("--format", required=True, choices=formats, help="the document's format")
    p.add_argument(
        "--at-position",
        type=position,
        metavar="N",
        help="the log position to export at (default: the read model's head); same N, same bytes",
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="a file (in a directory that exists), a directory (ending in /: made if need be;"
        f" the export takes its own name, {default_out}), or - for standard output"
        " (default: the current directory)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def export_case_studies(args: argparse.Namespace, settings: Settings) -> int:
    """Write a region's case-study export at a log position (the read model's head by default)."""
    if geography.area(args.region) is None:  # before starting a database for nothing
        raise CliError(str(UnknownRegion(args.region)))
    with (
        destination(args.out) as target,  # a wrong --out fails before the export is built
        open_registry(settings) as (address, _registry),
    ):
        with rate_bar("exporting", quiet=args.quiet, unit="case studies") as bar:
            try:
                written = asyncio.run(_export(address.dsn(), args, bar, target))
            except PositionBeyondHead as error:
                raise CliError(str(error)) from None
        return _report(target, written)


def export_iati(args: argparse.Namespace, settings: Settings) -> int:
    """Write a region's IATI 2.03 file at a log position (the read model's head by default)."""
    if geography.area(args.region) is None:
        raise CliError(str(UnknownRegion(args.region)))
    with (
        destination(args.out) as target,
        open_registry(settings) as (address, _registry),
    ):
        with rate_bar("exporting", quiet=args.quiet, unit="partnerships") as bar:
            try:
                written = asyncio.run(_export_iati(address.dsn(), args, bar, target))
            except (PositionBeyondHead, NoActivities) as error:
                raise CliError(str(error)) from None
        return _report(target, written)


@dataclass(frozen=True)
class _Written:
    size: int  # bytes
    position: int  # the log position the export was made at
    lag: int  # events of the log the read model had not applied


def _report(target: Destination, written: _Written) -> int:
    if written.lag:
        err.print(
            f"note: {written.lag} event(s) of the log are not in the read model yet; run the"
            " projector (ppp-registry project, or serve) to include them"
        )
    if target.written is not None:
        # Unwrapped, so that the path stays whole when copied from a narrow terminal.
        message = (
            f"wrote {target.written} ({written.size:,} bytes) at log position {written.position}"
        )
        out.print(message, markup=False, highlight=False, soft_wrap=True)
    return 0


async def _stream_to(target: Destination, filename: str, chunks: AsyncIterator[bytes]) -> int:
    """Write the export into ``target`` as it streams; the bytes written."""
    with target.writing(filename) as sink:
        async for piece in chunks:
            sink.write(piece)
    return sink.size


async def _export(
    dsn: str, args: argparse.Namespace, progress: Progress, target: Destination
) -> _Written:
    """Stream the export into ``target``; what was written, and how many events the read model
    has not applied yet."""
    await prepare_read_model(dsn)  # before any projector ran: an empty read model
    pool = await open_pool(dsn, size=1)
    try:
        made = await export_stream(pool, args.region, args.format, args.at_position, progress)
        size = await _stream_to(target, made.filename, made.chunks)
        return _Written(size, made.position, (await projection_status(pool)).lag)
    finally:
        await close_pool(pool)


async def _export_iati(
    dsn: str, args: argparse.Namespace, progress: Progress, target: Destination
) -> _Written:
    await prepare_read_model(dsn)
    pool = await open_pool(dsn, size=1)
    try:
        made = await iati_stream(pool, args.region, args.at_position, progress=progress)
        size = await _stream_to(target, made.filename, made.chunks)
        return _Written(size, made.position, (await projection_status(pool)).lag)
    finally:
        await close_pool(pool)


def list_regions(_args: argparse.Namespace, _settings: Settings) -> int:
    table = Table("code", "name", "level", title="UN M49 areas (use the code)")
    for area in geography.areas():
        table.add_row(area.code, area.name, area.level.value)
    out.print(table)
    return 0


def _usage(args: argparse.Namespace, settings: Settings) -> int:
    if args.list_regions:
        return list_regions(args, settings)
    raise CliError(
        "say what to export: 'ppp-registry export case-studies --region CODE --format md'"
        " or 'ppp-registry export iati --region CODE'"
        " (or list the region codes with 'ppp-registry export --list-regions')"
    )
