"""Peak resident memory (part ``memory``) of the rebuild, the API under query load, and exports.

On a clone of the projected demo dataset of 87,500 partnerships (the size the world's export
target is set at), each run measures:

- **rebuild**: ``projections.rebuild.rebuild`` of the whole log in a fresh spawned process
  (``bench.peaks``), beside the same process decoding the same log without projecting it, and
  the same process doing nothing (the floor of its imports);
- **serve**: the API in a uvicorn subprocess (``bench.server``) under the ``queries`` part's
  cold load (a walk over the pages of every region, from a load generator in another process);
  its peak (``VmHWM``) beside its peak once ready, before any request;
- **export**: ``projections.exports.export_stream`` of the world (``001``, every partnership)
  and of the region below it with the most partnerships, in each format, and
  ``projections.iati.export.iati_stream`` (``iati``), each in a fresh spawned process, written
  as it streams (as the CLI and the HTTP route write it), beside the idle floor.

PostgreSQL's own memory is not counted: these are the registry's processes only.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bench import peaks
from bench.common import (
    Figure,
    Options,
    Target,
    console,
    load_average,
    machine_facts,
    report,
)
from bench.dataset import event_count, seeded_database
from bench.load import LoadPlan, RegionWalk, run_load
from bench.queries import REGION_PAGE, regions_with_partnerships
from bench.rebuild import QUICK as REBUILD_QUICK
from bench.server import serving
from projections.exports import FORMATS, Format
from registry.database import DatabaseAddress

PART = "memory"
# Every format of the case-study export, and the area's IATI 2.03 file.
Exported = Format | Literal["iati"]
EXPORTED: tuple[Exported, ...] = (*FORMATS, "iati")
EXPORT_TARGET_MB = 300
WORLD = "001"


@dataclass(frozen=True)
class Sizes:
    partnerships: int  # of the demo dataset (the world's export target is at 87,500)
    clients: int  # of the query load
    seconds: float  # the query load runs this long at most
    pages: int  # pages of a region each client follows before the next region


FULL = Sizes(87_500, clients=8, seconds=20.0, pages=25)
QUICK = Sizes(REBUILD_QUICK.partnerships, clients=8, seconds=5.0, pages=5)


def run(options: Options) -> None:
    sizes = QUICK if options.quick else FULL
    figures = _Figures()
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    with seeded_database(sizes.partnerships) as address:
        facts = machine_facts(address)
        events = event_count(address)
        regions = regions_with_partnerships(address)
        # The world holds every partnership: the worst case. Below it, the largest region.
        areas = (WORLD, next(code for code in regions if code != WORLD))
        console.print(
            f"[bold]memory[/bold] on {events:,} events; exports of {', '.join(areas)}: {address!r}"
        )
        for number in range(1, options.runs + 1):
            console.rule(f"memory: run {number} of {options.runs}")
            runs.append(_one_run(address, sizes, regions, areas, figures))
    details = {
        "sizes": asdict(sizes),
        "events": events,
        "export_areas": areas,
        "runs": runs,
        "seconds": round(time.perf_counter() - started, 1),
    }
    loads = ", ".join(str(r["load_average_before"]) for r in runs)
    caption = f"{events:,} events; {details['seconds']:.0f} s in all; load average: {loads}"
    report(PART, options, facts, figures.all, details, caption)


def _one_run(
    address: DatabaseAddress,
    sizes: Sizes,
    regions: tuple[str, ...],
    areas: tuple[str, ...],
    figures: _Figures,
) -> dict[str, Any]:
    dsn = address.dsn()
    load_before = load_average()
    idle = _child("idle process", peaks.idle)
    decoded = _child("decode the log", peaks.decode_log, dsn)
    rebuilt = _child("rebuild", peaks.rebuild_read_model, dsn)
    exported = {
        (area, fmt): _child(f"export {area} {fmt}", peaks.export_region, dsn, area, fmt)
        for area in areas
        for fmt in EXPORTED
    }
    ready, served, requests = _serve(address, sizes, regions)
    figures.record(idle, decoded, rebuilt, ready, served, exported)
    return {
        "idle": asdict(idle),
        "decode_only": asdict(decoded),
        "rebuild": asdict(rebuilt),
        "export": {f"{area} {fmt}": asdict(peak) for (area, fmt), peak in exported.items()},
        "serve": {"ready_mb": ready, "peak_mb": served, "requests": requests},
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }


def _child(title: str, work: Any, *args: Any) -> peaks.Peak:
    peak = peaks.in_child(work, *args)
    console.log(f"{title}: peak {peak.mb:,.0f} MB in {peak.seconds:.1f} s ({peak.result})")
    return peak


def _serve(
    address: DatabaseAddress, sizes: Sizes, regions: tuple[str, ...]
) -> tuple[float, float, int]:
    walk = RegionWalk(REGION_PAGE, regions, sizes.pages, sizes.clients)
    spawn = multiprocessing.get_context("spawn")
    with serving("bench.server:app", address.dsn()) as server:
        ready = peaks.process_peak_mb(server.pid) or 0.0
        plan = LoadPlan(server.url, walk, requests=10**9, seconds=sizes.seconds)
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as generator:
            load = generator.submit(run_load, plan).result()
        peak = peaks.process_peak_mb(server.pid) or 0.0
    console.log(
        f"serve: ready at {ready:,.0f} MB, peak {peak:,.0f} MB after {load.completed} requests"
        f" ({load.failures} failures)"
    )
    return ready, peak, load.completed


class _Figures:
    def __init__(self) -> None:
        self.idle = Figure("baseline", "idle child process", "MB")
        self.decode = Figure("baseline", "decode the whole log", "MB", baseline_name="idle")
        self.rebuild = Figure("rebuild", "peak RSS", "MB", baseline_name="decode only")
        self.ready = Figure("baseline", "API ready, before requests", "MB")
        self.serve = Figure("serve", "peak RSS under query load", "MB", baseline_name="ready")
        self.exports: dict[tuple[str, Exported], Figure] = {}

    @property
    def all(self) -> list[Figure]:
        return [
            self.idle,
            self.decode,
            self.rebuild,
            self.ready,
            self.serve,
            *self.exports.values(),
        ]

    def record(
        self,
        idle: peaks.Peak,
        decoded: peaks.Peak,
        rebuilt: peaks.Peak,
        ready: float,
        served: float,
        exported: dict[tuple[str, Exported], peaks.Peak],
    ) -> None:
        self.idle.add(idle.mb)
        self.decode.add(decoded.mb, baseline=idle.mb)
        self.rebuild.add(rebuilt.mb, baseline=decoded.mb)
        self.ready.add(ready)
        self.serve.add(served, baseline=ready)
        for (area, fmt), peak in exported.items():
            name = f"{'world' if area == WORLD else 'largest region'} {area}, {fmt}"
            target = Target(EXPORT_TARGET_MB, at_least=False)
            figure = self.exports.setdefault(
                (area, fmt), Figure("export", name, "MB", target, "idle")
            )
            figure.add(peak.mb, baseline=idle.mb)
