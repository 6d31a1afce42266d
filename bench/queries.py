"""Read throughput: four questions over HTTP, our server beside PostGraphile and a plain baseline.

The questions (``bench.questions``): a page of a region's partnerships with their partners'
names, a partnership's page, ``regions`` with their figures, a page of a region's case studies.
The contenders, each one process on a clone of the seeded demo dataset:

- **ours compiled**: ``bench.server:app`` as ``serve`` runs it (compiled reads on);
- **resolver path**: the same with ``PPP_COMPILED_READS=false``, every field resolved;
- **PostGraphile** 4 over views of the same read model (``bench.peer``), when node and npm exist
  (a quick run only with ``--peer`` or when it is installed already);
- **baseline**: plain Starlette + asyncpg sending the region page's SQL (``bench.baseline_reads``),
  for the region page only.

8 clients in a separate process (``bench.load``) send each load for a fixed time. Two loads:

- **warm**: one document and its variables, again and again: the read model does not change, so
  our response cache answers nearly every request;
- **cold**: a walk through every M49 area that holds partnerships (following each page's end
  cursor) or through a list of partnerships, each client from its own place; each request
  carries a variable the document does not declare, which makes its cache key unique, so no
  request is answered from our cache.

The contenders are interleaved: each load runs on every contender in turn, in an order that
rotates with each run, so a change in the machine's load falls on all of them. Before the
first run's loads, every contender's answer to every request of the cold loads is checked
equal to ours (``bench.answers``); a difference stops the part.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

import httpx
import psycopg

from bench import peer
from bench.answers import check_all
from bench.common import (
    REPOSITORY,
    RESULTS_DIR,
    Options,
    console,
    load_average,
    machine_facts,
    report,
)
from bench.dataset import event_count, seeded_database
from bench.load import LoadPlan, run_load
from bench.query_figures import COLD, WARM, QueryFigures, RunLoads, Served, describe
from bench.questions import (
    BASELINE,
    OURS,
    PEER,
    QUESTIONS,
    REGION_PAGE,
    RESOLVERS,
    TITLES,
    Inputs,
    Load,
)
from bench.server import Running, serving
from projections.read_model import ALL
from registry.database import DatabaseAddress

__all__ = ["REGION_PAGE", "regions_with_partnerships", "run"]

PART = "queries"
APPS = {
    OURS: "bench.server:app",
    RESOLVERS: "bench.server:app",
    BASELINE: "bench.baseline_reads:app",
}
# Our server with compiled reads off: every field through the resolvers.
SETTINGS = {RESOLVERS: {"PPP_COMPILED_READS": "false"}}
POOL_SIZE = 10  # PostGraphile's pool, as large as ours (entrypoints/bootstrap.py)


@dataclass(frozen=True)
class Sizes:
    partnerships: int
    clients: int
    seconds: float  # each load of the region page runs this long at most
    other_seconds: float  # ... and each load of the other questions
    requests: int  # ... or stops after this many requests
    pages: int  # the cold walk follows at most this many pages of a region
    ids: int  # the partnership page's cold load cycles through this many partnerships


FULL = Sizes(50_000, 8, 20.0, 10.0, 200_000, 25, 400)
QUICK = Sizes(1_000, 8, 4.0, 2.0, 50_000, 5, 40)

# Set to a py-spy binary to record our server during the first run's cold region-page load.
PY_SPY = os.environ.get("BENCH_PY_SPY")
# The demo dataset's seed: another dataset of the same size and shape when seed 0's template is
# being built by another process (each template is built under a lock of its own).
SEED = int(os.environ.get("BENCH_QUERIES_SEED", "0"))


# ---------------------------------------------------------------------- the part
def run(options: Options) -> None:
    sizes = QUICK if options.quick else FULL
    skipped = peer.wanted(options)
    if skipped:
        console.print(skipped)
    contenders = [OURS, RESOLVERS, *([] if skipped else [PEER]), BASELINE]
    figures = QueryFigures(QUESTIONS, contenders)
    details: dict[str, Any] = {
        "sizes": asdict(sizes),
        "seed": SEED,
        "contenders": [TITLES[c] for c in contenders],
        "peer_skipped": skipped,
        "documents": {q.key: {"ours": q.ours, "PostGraphile": q.peer} for q in QUESTIONS},
    }
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    with seeded_database(sizes.partnerships, seed=SEED) as address:
        facts = machine_facts(address)
        inputs = Inputs(
            regions_with_partnerships(address),
            partnership_ids(address, sizes.ids),
            sizes.pages,
            sizes.clients,
        )
        details |= {"events": event_count(address), "regions_walked": len(inputs.regions)}
        console.print(
            f"[bold]queries[/bold] on {address!r}: {sizes.partnerships:,} partnerships,"
            f" {details['events']:,} events, {len(inputs.regions)} areas with partnerships;"
            f" contenders: {', '.join(TITLES[c] for c in contenders)}"
        )
        if not skipped:
            peer.install()
            peer.prepare(address.dsn())
        for number in range(1, options.runs + 1):
            console.rule(f"run {number} of {options.runs}")
            loads, notes = _one_run(address, sizes, inputs, contenders, number)
            figures.record(loads)
            runs.append(notes)
    details["runs"] = runs
    details["seconds"] = round(time.perf_counter() - started, 1)
    loads_before = ", ".join(str(r["load_average_before"]) for r in runs)
    caption = f"{details['seconds']:.0f} s in all; load average before each run: {loads_before}"
    if skipped:
        caption += f"; {skipped}"
    report(PART, options, facts, figures.all, details, caption)


def regions_with_partnerships(address: DatabaseAddress) -> tuple[str, ...]:
    """Every M49 area that holds a partnership, the largest first (ties by code).

    The read model's total over every partnership (area ``ALL``) is no M49 area: no client can
    ask for it by code, so it is no question to put to the contenders.
    """
    with psycopg.connect(address.dsn(), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT area_code FROM read_model.region_stats"
            " WHERE practice_area = %(all)s AND sector = %(all)s AND area_code <> %(all)s"
            " AND partnership_count > 0 ORDER BY partnership_count DESC, area_code",
            {"all": ALL},
        ).fetchall()
    return tuple(str(code) for (code,) in rows)


def partnership_ids(address: DatabaseAddress, count: int) -> tuple[UUID, ...]:
    """The ids of ``count`` partnerships, in the (random) order of their uuids."""
    with psycopg.connect(address.dsn(), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT id FROM read_model.partnership_summary ORDER BY id LIMIT %s", (count,)
        ).fetchall()
    return tuple(UUID(str(id_)) for (id_,) in rows)


def _one_run(
    address: DatabaseAddress, sizes: Sizes, inputs: Inputs, contenders: list[str], number: int
) -> tuple[RunLoads, dict[str, Any]]:
    started, load_before = time.perf_counter(), load_average()
    if load_before > 1.0:
        console.print(f"[yellow]the machine is busy: load average {load_before}[/yellow]")
    loads: dict[tuple[str, str, str], Served] = {}
    notes: dict[str, Any] = {"load_average_before": load_before}
    with ExitStack() as stack:
        running = {c: _start(stack, c, address.dsn()) for c in contenders}
        if number == 1:
            checked = check_all({c: r.url for c, r in running.items()}, QUESTIONS, inputs)
            console.log(f"answers compared with ours, all equal: {checked}")
            notes["answers_compared"] = checked
        # Each run starts with the next contender, so none is always first after a pause.
        shift = (number - 1) % len(contenders)
        order = contenders[shift:] + contenders[:shift]
        for question in QUESTIONS:
            seconds = sizes.seconds if question.baseline else sizes.other_seconds
            for temperature in (COLD, WARM):
                for contender in order:
                    if contender == BASELINE and not question.baseline:
                        continue
                    workload = (
                        question.cold(contender, inputs)
                        if temperature == COLD
                        else question.warm(contender, inputs)
                    )
                    profile = (
                        number == 1
                        and contender == OURS
                        and temperature == COLD
                        and question.baseline
                    )
                    title = f"{question.title}, {temperature}, {TITLES[contender]}"
                    served, stats = _measure(
                        title, running[contender], workload, sizes, seconds, profile=profile
                    )
                    loads[(question.key, temperature, contender)] = served
                    if stats is not None:
                        notes[f"{question.key} {temperature} {contender} server"] = stats
    notes |= {
        "load_average_after": load_average(),
        "seconds": round(time.perf_counter() - started, 1),
        "loads": {" ".join(k): _summary(s) for k, s in loads.items()},
    }
    return loads, notes


def _start(stack: ExitStack, contender: str, dsn: str) -> Running:
    if contender == PEER:
        return stack.enter_context(peer.serving(dsn, POOL_SIZE))
    return stack.enter_context(serving(APPS[contender], dsn, settings=SETTINGS.get(contender)))


def _summary(served: Served) -> dict[str, Any]:
    load = served.load
    return {
        "completed": load.completed,
        "seconds": round(load.elapsed_s, 3),
        "per_second": round(load.per_second, 1),
        "latency_ms": {f"p{q}": round(served.latency(q), 3) for q in (50, 90, 99)},
        "failures": load.failures,
        "first_failure": load.first_failure,
        "mean_response_bytes": round(load.response_bytes / max(1, load.completed)),
        "server_cpu_ms_per_request": round(served.cpu_ms_per_request, 3),
    }


def _measure(
    title: str,
    server: Running,
    workload: Load,
    sizes: Sizes,
    seconds: float,
    *,
    profile: bool = False,
) -> tuple[Served, dict[str, Any] | None]:
    plan = LoadPlan(server.url, workload, sizes.requests, seconds)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as generator:
        generator.submit(len, ()).result()  # the spawned interpreter is up before the clock
        stats_before = _server_stats(server)
        before = cpu_seconds(server.pid)
        recorder = _record_profile(server.pid, seconds) if profile and PY_SPY else None
        load = generator.submit(run_load, plan).result()
        after = cpu_seconds(server.pid)
        stats_after = _server_stats(server)
    if recorder is not None:
        recorder.wait()
    during = None
    if stats_before is not None and stats_after is not None:
        during = _difference(stats_before, stats_after)
    # Warm-up requests are in the CPU time too: 5 per client, against thousands measured.
    served = Served(load, after - before)
    console.log(f"{title}: {describe(served)}" + (f", server {during}" if during else ""))
    if load.first_failure:
        console.print(f"[red]first failure:[/red] {load.first_failure}")
    return served, during


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        # The fields after the command name, which is in parentheses and may hold spaces.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_stats(server: Running) -> dict[str, Any] | None:
    """Our server's counters (``bench.server.stats``); None for a baseline, which has none."""
    response = httpx.get(f"{server.url}/bench/stats", timeout=10)
    return response.json() if response.status_code == 200 else None


def _difference(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What happened between two readings of the counters (warm-up requests included)."""
    return {
        "cache_hits": after["hits"] - before["hits"],
        "cache_misses": after["misses"] - before["misses"],
        "collections": [a - b for a, b in zip(after["gc_count"], before["gc_count"], strict=True)],
        "collection_ms": [
            round(1000 * (a - b), 1)
            for a, b in zip(after["gc_seconds"], before["gc_seconds"], strict=True)
        ],
        "longest_collection_ms_so_far": round(after["gc_longest_ms"], 1),
        "tracked_objects_after": after["tracked_objects"],
        "cache_entries_after": after["cache_entries"],
    }


def _record_profile(pid: int, seconds: float) -> subprocess.Popen[bytes] | None:
    """py-spy on the server for the load's duration; collapsed stacks in bench/results/."""
    assert PY_SPY is not None
    binary = shutil.which(PY_SPY) or PY_SPY
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"queries-cold-profile-{time.strftime('%Y%m%dT%H%M%S')}.txt"
    console.log(f"profiling the server with py-spy into {out.relative_to(REPOSITORY)}")
    command = [binary, "record", "--pid", str(pid), "--duration", str(int(seconds))]
    command += ["--rate", "250", "--format", "raw", "--output", str(out), "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
