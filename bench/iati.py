"""IATI 2.03: the export of the World, and the import of the file it gives.

On a clone of the seeded demo dataset (read model at head), the World (M49 ``001``) is
exported with ``iati_export``: one ``iati-activity`` per partnership, so the 10,000-partnership
dataset gives a 10,000-activity file. That file is then imported into an empty database with
``IatiImporter`` (screening, then streaming, as ``ppp-registry import FILE.xml`` runs it), by
an admin actor. Beside the import, lxml's own streaming parse of the same file (``iterparse``,
each activity cleared as it ends, nothing else): the floor any streaming import sits on.

Each piece runs in a fresh spawned process, so its peak resident set (``VmHWM``) is its own;
times are of the work alone (after imports and connecting).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    Figure,
    Options,
    Target,
    bench_database,
    console,
    load_average,
    machine_facts,
    report,
)
from bench.dataset import seeded_database
from registry.database import DatabaseAddress

PART = "iati"
WORLD = "001"
FULL_PARTNERSHIPS = 10_000
QUICK_PARTNERSHIPS = 200
# The bound: a 50 MB file imports within 300 MB of memory.
MEMORY_TARGET_MB = 300.0


@dataclass(frozen=True)
class Measured:
    what: str
    seconds: float
    peak_rss_mb: float
    rss_before_mb: float
    count: int  # activities exported, parsed or imported
    size_bytes: int = 0

    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        return (
            f"{self.what}: {self.count} activities in {self.seconds:.2f} s "
            f"({self.per_second():,.0f}/s), peak RSS {self.peak_rss_mb:.0f} MB "
            f"(from {self.rss_before_mb:.0f} MB)"
        )


def _rss_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


# ---------------------------------------------------------------------- in the child processes
def export_in_child(dsn: str, out: str) -> Measured:
    return asyncio.run(_export(dsn, Path(out)))


async def _export(dsn: str, out: Path) -> Measured:
    import asyncpg

    from projections.iati.export import iati_export

    async with asyncpg.create_pool(dsn, min_size=1, max_size=2) as db:
        before = _rss_mb("VmRSS")
        counted: list[int] = []
        started = time.perf_counter()
        made = await iati_export(db, WORLD, progress=lambda done, _total: counted.append(done))
        seconds = time.perf_counter() - started
    out.write_bytes(made.data)
    activities = made.data.count(b"<iati-activity ")
    return Measured("export", seconds, _rss_mb("VmHWM"), before, activities, len(made.data))


def parse_in_child(path: str) -> Measured:
    from lxml import etree

    before = _rss_mb("VmRSS")
    started = time.perf_counter()
    count = 0
    root: Any = None
    for event, element in etree.iterparse(path, events=("start", "end")):
        if root is None:
            root = element
        elif event == "end" and element.tag == "iati-activity":
            count += 1
            element.clear()
            root.remove(element)
    seconds = time.perf_counter() - started
    return Measured("lxml iterparse", seconds, _rss_mb("VmHWM"), before, count)


def import_in_child(address: DatabaseAddress, path: str) -> Measured:
    from entrypoints.bootstrap import registry_over
    from entrypoints.iati_import.applying import IatiImporter, Status
    from registry.domain.actor import Actor, Role
    from schema.schema import build_schema

    registry = registry_over(address)
    try:
        importer = IatiImporter(registry, Actor("bench-iati", Role.ADMIN), build_schema())
        before = _rss_mb("VmRSS")
        started = time.perf_counter()
        imported = importer.run(Path(path), on_activity=lambda _done, _total: None)
        seconds = time.perf_counter() - started
    finally:
        registry.close()
    rejected = imported.count(Status.REJECTED)
    if rejected:
        raise RuntimeError(f"{rejected} activities were rejected: the figures would be wrong")
    return Measured("import", seconds, _rss_mb("VmHWM"), before, len(imported.activities))


def _in_child(work: Any, *args: Any) -> Measured:
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
        measured: Measured = child.submit(work, *args).result()
    console.log(measured.describe())
    return measured


# ---------------------------------------------------------------------- the part
def run(options: Options) -> None:
    partnerships = QUICK_PARTNERSHIPS if options.quick else FULL_PARTNERSHIPS
    figures = {
        "export_s": Figure(PART, f"export of the World ({partnerships} partnerships)", "s"),
        # For information: the issue sets no bound on the export's memory.
        "export_mb": Figure(PART, "export peak RSS", "MB"),
        "import_rate": Figure(
            PART,
            "import",
            "activities/s",
            baseline_name="lxml iterparse",
        ),
        "import_mb": Figure(
            PART,
            "import peak RSS",
            "MB",
            Target(MEMORY_TARGET_MB, False),
            baseline_name="lxml iterparse",
        ),
    }
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as directory, seeded_database(partnerships) as seeded:
        facts = machine_facts(seeded)
        path = Path(directory) / "world.xml"
        for _run in range(options.runs):
            load = load_average()
            exported = _in_child(export_in_child, seeded.dsn(), str(path))
            parsed = _in_child(parse_in_child, str(path))
            with bench_database() as empty:
                imported = _in_child(import_in_child, empty, str(path))
            figures["export_s"].add(exported.seconds)
            figures["export_mb"].add(exported.peak_rss_mb)
            figures["import_rate"].add(imported.per_second(), baseline=parsed.per_second())
            figures["import_mb"].add(imported.peak_rss_mb, baseline=parsed.peak_rss_mb)
            runs.append(
                {
                    "load_average": load,
                    "file_bytes": exported.size_bytes,
                    **{m.what: asdict(m) for m in (exported, parsed, imported)},
                }
            )
    report(
        PART,
        options,
        facts,
        list(figures.values()),
        {"partnerships": partnerships, "runs": runs},
        caption=(
            f"file: {runs[-1]['file_bytes'] / 1e6:.1f} MB; load average "
            + ", ".join(str(r["load_average"]) for r in runs)
        ),
        subject="IATI export and import",
    )
