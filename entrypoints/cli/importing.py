"""``import``: apply a file of commands under a token's rights, with a report of what was not."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from rich.table import Table

from entrypoints.bootstrap import open_registry
from entrypoints.bulk_import import Rejection, run_import
from entrypoints.cli.common import CliError, Verbs, out, progress_bar, with_tokens
from registry import tokens
from registry.settings import Settings
from schema.schema import build_schema


def add_verbs(verbs: Verbs) -> None:
    p = verbs.add_parser("import", help="apply an NDJSON file of commands")
    p.add_argument("file", help="the NDJSON file: one command per line, as the README shows")
    p.add_argument("--token", required=True, help="the API token whose rights the lines use")
    p.add_argument(
        "--batch-size", type=int, default=500, help="lines applied per transaction (default: 500)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=import_file)


def import_file(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    with path.open(encoding="utf-8") as counted:
        total = sum(1 for line in counted if line.strip())
    with open_registry(settings) as (address, registry):
        actor = with_tokens(address, partial(tokens.authenticate, secret=args.token))
        if actor is None:
            raise CliError("the token is unknown or revoked (UNAUTHENTICATED)")
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


def print_rejections(rejected: Sequence[Rejection]) -> None:
    table = Table("line", "code", "field", "reason", title="rejected lines")
    for r in rejected:
        table.add_row(str(r.line), r.code.value, ".".join(r.field or []), r.reason)
    out.print(table)
