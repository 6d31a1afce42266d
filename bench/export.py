"""Regional case-study exports: time and peak memory of ``build_export`` per format.

On a clone of the seeded demo dataset (read model at head), each format of one region's export
is built in a fresh spawned process, so its memory is its own: the time is that of the
``build_export`` call alone (after imports and the connection), the memory is the process's
peak resident set (``VmHWM`` in ``/proc/self/status``: the high-water mark of its own address
space, imports included; ``getrusage``'s ``ru_maxrss`` is not used because a process started by
fork and exec may report its parent's peak).

The baseline, in the same run and measured the same way: the rows of ``read_model.event_log``
the export reads, read with asyncpg (four statements, one per set of streams the export reads)
and written out as one JSON array with ``json.dumps``, with no folding, ranking or rendering.
Its rows are whole events where the export's first pass reads a few fields of each (in SQL).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Literal

import psycopg

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
from registry.database import DatabaseAddress

PART = "export"
Made = Literal["md", "html", "csv", "json", "baseline"]
FORMATS: tuple[Made, ...] = ("md", "html", "csv", "json")
TARGETED = ("md", "html")  # the formats the targets are for; csv and json are for information


@dataclass(frozen=True)
class Sizes:
    partnerships: int  # in the whole dataset
    region: str  # the M49 area exported


# At the demo dataset's rate (about 1 partnership in 15 ends up an endorsed case study), Africa
# of the 50,000-partnership dataset (the one ``queries`` uses) is the closest region to 1,000
# case studies; the partnerships it holds are counted and reported with every run.
FULL = Sizes(50_000, "002")
QUICK = Sizes(1_000, "001")

SECONDS_TARGET = 2.0  # issue 14, for md and html
MEMORY_TARGET_MB = 300.0


@dataclass(frozen=True)
class Built:
    """One format built in its own process."""

    made: Made
    seconds: float
    output_bytes: int
    rss_before_mb: float  # after imports and connecting, before the export
    peak_rss_mb: float  # VmHWM at the end
    case_studies: int | None  # as the export's progress counted them (None for the baseline)

    def summary(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}

    def describe(self) -> str:
        return (
            f"{self.made}: {self.seconds:.2f} s, {self.output_bytes / 1e6:.1f} MB out,"
            f" peak RSS {self.peak_rss_mb:.0f} MB (from {self.rss_before_mb:.0f} MB)"
        )


# ---------------------------------------------------------------------- in the child process
def build_in_child(dsn: str, region: str, made: Made) -> Built:
    """Runs in a fresh spawned process: one export (or the baseline), timed and measured."""
    return asyncio.run(_build(dsn, region, made))


async def _build(dsn: str, region: str, made: Made) -> Built:
    import asyncpg

    from projections.exports import build_export

    connection = await asyncpg.connect(dsn)
    try:
        before = _rss_mb("VmRSS")
        counted: list[int] = []
        started = time.perf_counter()
        if made == "baseline":
            data = await raw_events_as_json(connection, region)
        else:
            data = await build_export(
                connection, region, made, progress=lambda _done, total: counted.append(total)
            )
        seconds = time.perf_counter() - started
    finally:
        await connection.close()
    studies = counted[0] if counted else None
    return Built(made, seconds, len(data), before, _rss_mb("VmHWM"), studies)


# The event types the export's first pass reads of every partnership in the area (its figures and
# whether a partnership is a case study): those of ``projections.case_studies.log.SHAPES``.
SHAPE_TYPES = (
    "PartnershipRegistered",
    "PartnershipRevised",
    "PartnershipConcluded",
    "PartnerJoined",
    "PartnerLeft",
    "ActivityLogged",
    "ActivityCorrected",
    "ActivityRetracted",
    "BestPracticeNominated",
    "BestPracticeEndorsed",
    "EndorsementWithdrawn",
)
_EVENTS = (
    "SELECT position, event_id, type, stream_id, version, data::text AS data"
    " FROM read_model.event_log WHERE stream_id IN ({streams}) {also} ORDER BY position"
)
_IN_AREA = "SELECT id FROM read_model.partnership_summary WHERE regions @> ARRAY[$1::text]"
_CASE_STUDIES = _IN_AREA + " AND best_practice = 'ENDORSED'"
# The rows the export reads, statement by statement: pass 1, the shaping events of the area's
# partnerships and every event of their current partners; pass 2, every event of the case
# studies and of all their partners, past ones included.
_STATEMENTS = (
    _EVENTS.format(streams=_IN_AREA, also="AND type = ANY($2::text[])"),
    _EVENTS.format(
        streams="SELECT organisation_id FROM read_model.partnership_partners"  # noqa: S608
        f" WHERE until IS NULL AND partnership_id IN ({_IN_AREA})",
        also="",
    ),
    _EVENTS.format(streams=_CASE_STUDIES, also=""),
    _EVENTS.format(
        streams="SELECT organisation_id FROM read_model.partnership_partners"  # noqa: S608
        f" WHERE partnership_id IN ({_CASE_STUDIES})",
        also="",
    ),
)


async def raw_events_as_json(connection: Any, region: str) -> bytes:
    """The baseline: the rows the export reads, whole, as one JSON array."""
    events = []
    for statement in _STATEMENTS:
        arguments = (region, list(SHAPE_TYPES)) if "$2" in statement else (region,)
        for row in await connection.fetch(statement, *arguments):
            events.append(
                {
                    "position": row["position"],
                    "event_id": str(row["event_id"]),
                    "type": row["type"],
                    "stream_id": str(row["stream_id"]),
                    "version": row["version"],
                    "data": json.loads(row["data"]),
                }
            )
    return json.dumps(events, ensure_ascii=False).encode()


def _rss_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


# ---------------------------------------------------------------------- the part
def run(options: Options) -> None:
    sizes = QUICK if options.quick else FULL
    figures = _Figures()
    details: dict[str, Any] = {"sizes": asdict(sizes)}
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    with seeded_database(sizes.partnerships) as address:
        facts = machine_facts(address)
        details |= {"events": event_count(address), **region_contents(address, sizes.region)}
        console.print(
            f"[bold]export[/bold] of region {sizes.region} on {address!r}:"
            f" {details['region_partnerships']:,} of {sizes.partnerships:,} partnerships,"
            f" {details['events']:,} events in the log"
        )
        for number in range(1, options.runs + 1):
            console.rule(f"run {number} of {options.runs}")
            load_before = load_average()
            built = [_build_once(address, sizes.region, made) for made in (*FORMATS, "baseline")]
            figures.record(built)
            runs.append(
                {
                    "load_average_before": load_before,
                    "load_average_after": load_average(),
                    **{b.made: b.summary() for b in built},
                }
            )
    details["case_studies"] = runs[-1]["md"]["case_studies"]
    details["runs"] = runs
    details["seconds"] = round(time.perf_counter() - started, 1)
    subject = (
        f"export of {sizes.region}: {details['region_partnerships']:,} partnerships,"
        f" {details['case_studies']:,} case studies"
    )
    loads = ", ".join(str(r["load_average_before"]) for r in runs)
    caption = f"{details['seconds']:.0f} s in all; load average before each run: {loads}"
    report(PART, options, facts, figures.all, details, caption, subject)


def region_contents(address: DatabaseAddress, region: str) -> dict[str, int]:
    """How many partnerships the region holds at the head."""
    with psycopg.connect(address.dsn(), autocommit=True) as connection:
        row = connection.execute(
            "SELECT partnership_count FROM read_model.region_stats"
            " WHERE area_code = %s AND practice_area = '*' AND sector = '*'",
            (region,),
        ).fetchone()
    return {"region_partnerships": int(row[0]) if row else 0}


def _build_once(address: DatabaseAddress, region: str, made: Made) -> Built:
    # A new process per build: its peak memory is this build's alone.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
        built = child.submit(build_in_child, address.dsn(), region, made).result()
    console.log(built.describe())
    return built


class _Figures:
    def __init__(self) -> None:
        self.seconds: dict[Made, Figure] = {}
        self.memory: dict[Made, Figure] = {}
        for made in FORMATS:
            targeted = made in TARGETED
            self.seconds[made] = Figure(
                made,
                "build time",
                "s",
                Target(SECONDS_TARGET, False) if targeted else None,
                "raw events as JSON",
            )
            self.memory[made] = Figure(
                made,
                "peak RSS of its process",
                "MB",
                Target(MEMORY_TARGET_MB, False) if targeted else None,
                "raw events as JSON",
            )
        self.output = {made: Figure(made, "output size", "MB") for made in FORMATS}
        self.baseline_seconds = Figure("baseline", "raw events as JSON: time", "s")
        self.baseline_memory = Figure("baseline", "raw events as JSON: peak RSS", "MB")
        self.all = [
            *(f for made in FORMATS for f in (self.seconds[made], self.memory[made])),
            *self.output.values(),
            self.baseline_seconds,
            self.baseline_memory,
        ]

    def record(self, built: Sequence[Built]) -> None:
        by_made = {b.made: b for b in built}
        base = by_made["baseline"]
        for made in FORMATS:
            b = by_made[made]
            self.seconds[made].add(b.seconds, baseline=base.seconds)
            self.memory[made].add(b.peak_rss_mb, baseline=base.peak_rss_mb)
            self.output[made].add(b.output_bytes / 1e6)
        self.baseline_seconds.add(base.seconds)
        self.baseline_memory.add(base.peak_rss_mb)
