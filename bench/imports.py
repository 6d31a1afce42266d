"""Bulk import (part ``import``): an NDJSON file through ``run_import``, then the same file again.

Each run, on an empty database, measures the raw baselines first (single-row inserts and a COPY
of as many rows as the file makes events), then imports the file in-process (only the import is
timed; events are counted in ``registry_events``), then imports it again, which must append
nothing.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import strawberry

from bench import baselines
from bench.common import (
    Figure,
    Options,
    Target,
    bench_database,
    console,
    load_average,
    machine_facts,
    report,
    reset_database,
)
from bench.dataset import event_count
from bench.import_file import IMPORTER, FileSizes, ImportPlan, write_import_file
from bench.measure import Rate, step
from entrypoints.bulk_import import DEFAULT_BATCH_SIZE, ImportReport, run_import
from registry.application import Registry
from registry.database import DatabaseAddress
from schema.schema import build_schema

PART = "import"
ADMIN = IMPORTER


@dataclass(frozen=True)
class Sizes:
    file: FileSizes
    single_rows: int  # the single-row insert baseline's rows


FULL = Sizes(FileSizes(events=100_000, partnerships=5_000, organisations=500), single_rows=2_000)
QUICK = Sizes(FileSizes(events=5_000, partnerships=250, organisations=50), single_rows=200)


@dataclass(frozen=True)
class ImportOutcome:
    lines: int
    expected_events: int
    first: Rate  # events appended by the first import, and its time
    again: Rate  # events appended by the second import of the same file (0), and its time
    report: dict[str, int]
    again_report: dict[str, int]

    def describe(self) -> str:
        return (
            f"{self.first.describe()}; again: {self.again.count} events"
            f" in {self.again.seconds:.2f} s"
        )

    def summary(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "expected_events": self.expected_events,
            "first": self.first.summary(),
            "first_report": self.report,
            "again": self.again.summary(),
            "again_report": self.again_report,
        }


# ---------------------------------------------------------------------- the part
def run(options: Options) -> None:
    sizes = QUICK if options.quick else FULL
    figures = _Figures(sizes)
    details: dict[str, Any] = {"sizes": asdict(sizes), "batch_size": DEFAULT_BATCH_SIZE}
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    with bench_database() as address, tempfile.TemporaryDirectory() as directory:
        facts = machine_facts(address)
        console.print(f"[bold]import[/bold] on {address!r}: {facts['postgres']}")
        plan = write_import_file(Path(directory) / "import.ndjson", sizes.file)
        for number in range(1, options.runs + 1):
            console.rule(f"import: run {number} of {options.runs}")
            runs.append(_one_run(address, sizes, plan, figures))
    details["runs"] = runs
    details["seconds"] = round(time.perf_counter() - started, 1)
    loads = ", ".join(str(r["load_average_before"]) for r in runs)
    caption = f"{details['seconds']:.0f} s in all; load average before each run: {loads}"
    report(PART, options, facts, figures.all, details, caption)


def _one_run(
    address: DatabaseAddress, sizes: Sizes, plan: ImportPlan, figures: _Figures
) -> dict[str, Any]:
    dsn = address.dsn()
    started, load_before = time.perf_counter(), load_average()
    reset_database(address)
    single_row = step("baseline: single-row inserts", baselines.single_row, dsn, sizes.single_rows)
    copy = step("baseline: COPY", baselines.copy, dsn, sizes.file.events)
    reset_database(address)
    bulk = step("bulk import, then again", bulk_import, address, plan)
    figures.record(single_row, copy, bulk)
    return {
        "baseline_single_row": single_row.summary(),
        "baseline_copy": copy.summary(),
        "c_import": bulk.summary(),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "seconds": round(time.perf_counter() - started, 1),
    }


# Issue 14 (events a second through the bulk import, from one NDJSON file).
IMPORT_TARGET = 10_000


class _Figures:
    def __init__(self, sizes: Sizes) -> None:
        base = "baseline"
        self.single_row = Figure(base, "single-row inserts, 1 conn", "rows/s")
        self.copy = Figure(base, f"COPY {sizes.file.events:,} rows", "rows/s")
        c = f"bulk import {sizes.file.events:,} events"
        self.bulk = Figure(
            c, "events/s", "events/s", Target(IMPORT_TARGET, True), baseline_name="COPY"
        )
        self.bulk_vs_inserts = Figure(
            c, "events/s", "events/s", Target(IMPORT_TARGET, True), baseline_name="1-row inserts"
        )
        self.bulk_seconds = Figure(c, "import time", "s")
        self.again_events = Figure(c, "re-import: events appended", "count", Target(0, False))
        self.again_seconds = Figure(c, "re-import: time", "s", baseline_name="first import s")
        self.all = [
            self.single_row,
            self.copy,
            self.bulk,
            self.bulk_vs_inserts,
            self.bulk_seconds,
            self.again_events,
            self.again_seconds,
        ]

    def record(self, single_row: Rate, copy: Rate, bulk: ImportOutcome) -> None:
        self.single_row.add(single_row.per_second)
        self.copy.add(copy.per_second)
        self.bulk.add(bulk.first.per_second, baseline=copy.per_second)
        self.bulk_vs_inserts.add(bulk.first.per_second, baseline=single_row.per_second)
        self.bulk_seconds.add(bulk.first.seconds)
        self.again_events.add(bulk.again.count)
        self.again_seconds.add(bulk.again.seconds, baseline=bulk.first.seconds)


# ---------------------------------------------------------------------- the import
def bulk_import(address: DatabaseAddress, plan: ImportPlan) -> ImportOutcome:
    registry = Registry(env=address.eventsourcing_env())
    try:
        schema = build_schema()
        first, report = import_once(address, registry, schema, plan)
        again, again_report = import_once(address, registry, schema, plan)
    finally:
        registry.close()
    return ImportOutcome(plan.lines, plan.expected_events, first, again, report, again_report)


def import_once(
    address: DatabaseAddress, registry: Registry, schema: strawberry.Schema, plan: ImportPlan
) -> tuple[Rate, dict[str, int]]:
    before = event_count(address)
    with plan.path.open(encoding="utf-8") as lines:
        started = time.perf_counter()
        report = run_import(registry, ADMIN, schema, lines)
        seconds = time.perf_counter() - started
    if report.rejected:
        shown = "\n".join(str(r) for r in report.rejected[:5])
        raise RuntimeError(f"the import rejected {report.rejected_lines} lines:\n{shown}")
    return Rate(event_count(address) - before, seconds), _report(report)


def _report(report: ImportReport) -> dict[str, int]:
    return {
        "lines": report.lines,
        "appended": report.appended,
        "already_imported": report.already_imported,
        "rejected_lines": report.rejected_lines,
    }
