"""``import``: apply a file under a token's rights, with a report of what was not applied.

Two formats, told by the content (``--format`` forces one): an NDJSON file of commands
(``entrypoints/bulk_import.py``) or an IATI 2.03 activities file (``entrypoints/iati_import``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from rich.table import Table
from rich.text import Text

from entrypoints.bootstrap import open_registry
from entrypoints.bulk_import import Rejection, run_import
from entrypoints.cli.common import CliError, Verbs, err, out, progress_bar, with_tokens
from entrypoints.iati_import.applying import IatiImporter, IatiImportReport, Status
from entrypoints.iati_import.known import organisations_by_ref
from entrypoints.iati_import.screening import FileRefused
from registry import tokens
from registry.database import DatabaseAddress
from registry.domain.actor import Actor
from registry.domain.codelists import PracticeArea
from registry.settings import Settings
from schema.schema import build_schema

FORMATS = ("iati", "ndjson")
_SNIFF_BYTES = 4096
_BOM = b"\xef\xbb\xbf"
# UTF-16 byte order marks: only an XML document (which may be UTF-16) starts with one here.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def add_verbs(verbs: Verbs) -> None:
    p = verbs.add_parser(
        "import", help="apply an NDJSON file of commands or an IATI 2.03 activities file"
    )
    p.add_argument(
        "file", help="an NDJSON file (one command per line, as the README shows) or IATI 2.03 XML"
    )
    p.add_argument("--token", required=True, help="the API token whose rights the file uses")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="the file's format (default: told by its content)",
    )
    p.add_argument(
        "--practice-area",
        choices=[str(a) for a in PracticeArea],
        default=None,
        help="IATI: the practice area of activities whose sectors name none",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=500,
        help="NDJSON lines applied per transaction (default: 500)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=import_file)


def sniff_format(path: Path) -> str:
    """``iati`` when the file starts (after a BOM and white space) with markup, else ``ndjson``:
    an NDJSON line starts with ``{``, an XML document with ``<``."""
    with path.open("rb") as file:
        head = file.read(_SNIFF_BYTES)
    if head.startswith(_UTF16_BOMS):
        return "iati"
    return "iati" if head.removeprefix(_BOM).lstrip().startswith(b"<") else "ndjson"


def import_file(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    file_format = args.format or sniff_format(path)
    if file_format == "iati":
        return _import_iati(args, settings, path)
    if args.practice_area is not None:
        raise CliError("--practice-area is for IATI files")
    return _import_ndjson(args, settings, path)


def _actor(address: DatabaseAddress, secret: str) -> Actor:
    actor = with_tokens(address, partial(tokens.authenticate, secret=secret))
    if actor is None:
        raise CliError("the token is unknown or revoked (UNAUTHENTICATED)")
    return actor


def _import_ndjson(args: argparse.Namespace, settings: Settings, path: Path) -> int:
    with path.open(encoding="utf-8") as counted:
        total = sum(1 for line in counted if line.strip())
    with open_registry(settings) as (address, registry):
        actor = _actor(address, args.token)
        done = 0
        with (
            progress_bar("importing", quiet=args.quiet) as progress,
            path.open(encoding="utf-8") as lines,
        ):

            def applied(batch: int) -> None:
                nonlocal done
                done += batch
                progress(done, total)

            report = run_import(
                registry, actor, build_schema(), lines, batch_size=args.batch_size, on_batch=applied
            )
    out.print(
        f"{report.lines} lines: {report.appended} applied, "
        f"{report.already_imported} already imported, {report.rejected_lines} rejected"
    )
    if report.rejected:
        print_rejections(report.rejected)
        return 1
    return 0


def _import_iati(args: argparse.Namespace, settings: Settings, path: Path) -> int:
    area = PracticeArea(args.practice_area) if args.practice_area else None
    with open_registry(settings) as (address, registry):
        actor = _actor(address, args.token)
        refs = with_tokens(address, organisations_by_ref)
        importer = IatiImporter(registry, actor, build_schema(), default_area=area, refs=refs)
        try:
            with progress_bar("importing", quiet=args.quiet) as progress:
                report = importer.run(path, on_activity=progress)
        except FileRefused as refused:
            err.print(f"[red]refused:[/red] {path} is not a valid IATI 2.03 activities file")
            for error in refused.errors:
                err.print(f"  {error}", markup=False, highlight=False)
            err.print("nothing was applied")
            return 2
    print_iati_report(report)
    return 1 if report.count(Status.REJECTED) else 0


def print_iati_report(report: IatiImportReport) -> None:
    table = Table("line", "iati-identifier", "status", "details", title="activities")
    for activity in report.activities:
        details = [*activity.refusals, *(str(n) for n in activity.notes)]
        counts = f"{activity.appended} events appended" if activity.appended else ""
        # Text, not markup: identifiers and names come from the file.
        table.add_row(
            str(activity.line),
            Text(activity.identifier),
            activity.status.value,
            Text("\n".join(filter(None, [counts, *details]))),
        )
    out.print(table)
    out.print(
        f"{len(report.activities)} activities: {report.count(Status.IMPORTED)} imported, "
        f"{report.count(Status.SKIPPED)} already imported, "
        f"{report.count(Status.REJECTED)} rejected"
    )


def print_rejections(rejected: Sequence[Rejection]) -> None:
    table = Table("line", "code", "field", "reason", title="rejected lines")
    for r in rejected:
        table.add_row(str(r.line), r.code.value, ".".join(r.field or []), r.reason)
    out.print(table)
