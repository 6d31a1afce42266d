"""Read throughput: "the first 20 partnerships of a region with their partners' names" over HTTP.

One uvicorn process serves the API (``bench.server:app``, projector in-process, as ``serve`` runs
it) on a clone of the seeded demo dataset; 8 clients in a separate process send the query on
loopback. Two loads, each beside the same load on a plain Starlette + asyncpg app that sends the
same SQL (``bench.baseline_reads``), in the same run:

- **warm**: one document and its variables, again and again: the read model does not change, so
  our response cache answers nearly every request;
- **cold**: a walk through every M49 area that holds partnerships, following each page's end
  cursor, each client from its own place in the list; each request carries a variable the
  document does not declare, which makes its cache key unique, so every one runs the
  resolvers and the SQL (``bench.load.RegionWalk``).

Before measuring, both apps answer a few of the requests and must give equal data.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import httpx
import psycopg

from bench.common import (
    REPOSITORY,
    RESULTS_DIR,
    Figure,
    Options,
    Target,
    console,
    load_average,
    machine_facts,
    percentile,
    report,
)
from bench.dataset import event_count, seeded_database
from bench.load import LoadPlan, LoadResult, RegionWalk, SameQuery, run_load
from bench.server import Running, serving
from registry.database import DatabaseAddress

PART = "queries"
OURS = "bench.server:app"
# Our server with compiled reads off: every field through the resolvers.
RESOLVER_PATH = {"PPP_COMPILED_READS": "false"}
BASELINE = "bench.baseline_reads:app"

REGION_PAGE = """query RegionPage($region: String!, $after: String) {
  partnerships(filter: {region: $region}, first: 20, after: $after) {
    totalCount
    edges { cursor node { id title partners { role organisation { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
WARM_REGION = "002"  # Africa: a first page with a count in the thousands at full size


@dataclass(frozen=True)
class Sizes:
    partnerships: int
    clients: int
    seconds: float  # each load runs this long at most
    requests: int  # ... or stops after this many requests
    pages: int  # the cold walk follows at most this many pages of a region


FULL = Sizes(50_000, 8, 20.0, 200_000, 25)
QUICK = Sizes(1_000, 8, 5.0, 50_000, 5)

# Set to a py-spy binary to record our server during the first run's cold load.
PY_SPY = os.environ.get("BENCH_PY_SPY")


@dataclass(frozen=True)
class Served:
    """A load's result and the server process's CPU time over it."""

    load: LoadResult
    server_cpu_s: float
    # Ours only, during the load: response-cache hits and misses, garbage collections.
    server_stats: dict[str, Any] | None

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / max(1, self.load.completed)

    def latency(self, q: float) -> float:
        return percentile(self.load.latencies_ms, q)

    def summary(self) -> dict[str, Any]:
        latencies = self.load.latencies_ms
        return {
            "completed": self.load.completed,
            "seconds": round(self.load.elapsed_s, 3),
            "per_second": round(self.load.per_second, 1),
            "latency_ms": {f"p{q}": round(percentile(latencies, q), 3) for q in (50, 90, 99)}
            | {"max": round(max(latencies), 3)},
            "failures": self.load.failures,
            "first_failure": self.load.first_failure,
            "mean_response_bytes": round(self.load.response_bytes / max(1, self.load.completed)),
            "server_cpu_s": round(self.server_cpu_s, 3),
            "server_cpu_ms_per_request": round(self.cpu_ms_per_request, 3),
            "server": self.server_stats,
        }

    def describe(self) -> str:
        return (
            f"{self.load.completed} in {self.load.elapsed_s:.1f} s = {self.load.per_second:,.0f}/s,"
            f" p50 {self.latency(50):.2f} ms, p99 {self.latency(99):.2f} ms,"
            f" server CPU {self.cpu_ms_per_request:.2f} ms/request, failures {self.load.failures},"
            f" server {self.server_stats}"
        )


@dataclass
class RunResult:
    warm: Served
    warm_baseline: Served
    cold: Served
    cold_baseline: Served
    warm_resolvers: Served
    cold_resolvers: Served
    notes: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        return {
            "warm": self.warm.summary(),
            "warm_baseline": self.warm_baseline.summary(),
            "cold": self.cold.summary(),
            "cold_baseline": self.cold_baseline.summary(),
            "warm_resolvers": self.warm_resolvers.summary(),
            "cold_resolvers": self.cold_resolvers.summary(),
            **self.notes,
        }


# ---------------------------------------------------------------------- the part
def run(options: Options) -> None:
    sizes = QUICK if options.quick else FULL
    figures = _Figures(sizes)
    details: dict[str, Any] = {"sizes": asdict(sizes), "document": REGION_PAGE}
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    with seeded_database(sizes.partnerships) as address:
        facts = machine_facts(address)
        regions = regions_with_partnerships(address)
        details |= {"events": event_count(address), "regions_walked": len(regions)}
        console.print(
            f"[bold]queries[/bold] on {address!r}: {sizes.partnerships:,} partnerships,"
            f" {details['events']:,} events, {len(regions)} areas with partnerships"
        )
        for number in range(1, options.runs + 1):
            console.rule(f"run {number} of {options.runs}")
            result = _one_run(address, sizes, regions, profile=number == 1)
            figures.record(result)
            runs.append(result.summary())
    details["runs"] = runs
    details["seconds"] = round(time.perf_counter() - started, 1)
    loads = ", ".join(str(r["load_average_before"]) for r in runs)
    caption = f"{details['seconds']:.0f} s in all; load average before each run: {loads}"
    report(PART, options, facts, figures.all, details, caption)


def regions_with_partnerships(address: DatabaseAddress) -> tuple[str, ...]:
    """Every M49 area that holds a partnership, the largest first (ties by code)."""
    with psycopg.connect(address.dsn(), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT area_code FROM read_model.region_stats"
            " WHERE practice_area = '*' AND sector = '*' AND partnership_count > 0"
            " ORDER BY partnership_count DESC, area_code"
        ).fetchall()
    return tuple(str(code) for (code,) in rows)


def _one_run(
    address: DatabaseAddress, sizes: Sizes, regions: tuple[str, ...], *, profile: bool
) -> RunResult:
    started, load_before = time.perf_counter(), load_average()
    if load_before > 1.0:
        console.print(f"[yellow]the machine is busy: load average {load_before}[/yellow]")
    warm = SameQuery(REGION_PAGE, {"region": WARM_REGION, "after": None}, sizes.clients)
    cold = RegionWalk(REGION_PAGE, regions, sizes.pages, sizes.clients)
    with (
        serving(OURS, address.dsn()) as ours,
        serving(OURS, address.dsn(), settings=RESOLVER_PATH) as resolvers,
        serving(BASELINE, address.dsn()) as baseline,
    ):
        checked = check_same_answers(ours.url, baseline.url, regions)
        checked += check_same_answers(ours.url, resolvers.url, regions)
        results = {
            "warm": _measure("warm, ours", ours, warm, sizes),
            "warm_resolvers": _measure("warm, resolver path", resolvers, warm, sizes),
            "warm_baseline": _measure("warm, baseline", baseline, warm, sizes),
            "cold": _measure("cold, ours", ours, cold, sizes, profile=profile),
            "cold_resolvers": _measure("cold, resolver path", resolvers, cold, sizes),
            "cold_baseline": _measure("cold, baseline", baseline, cold, sizes),
        }
    notes = {
        "answers_compared": checked,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return RunResult(**results, notes=notes)


def _measure(
    title: str,
    server: Running,
    workload: SameQuery | RegionWalk,
    sizes: Sizes,
    *,
    profile: bool = False,
) -> Served:
    plan = LoadPlan(server.url, workload, sizes.requests, sizes.seconds)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as generator:
        generator.submit(len, ()).result()  # the spawned interpreter is up before the clock
        stats_before = _server_stats(server)
        before = cpu_seconds(server.pid)
        recorder = _record_profile(server.pid, sizes.seconds) if profile and PY_SPY else None
        load = generator.submit(run_load, plan).result()
        after = cpu_seconds(server.pid)
        stats_after = _server_stats(server)
    if recorder is not None:
        recorder.wait()
    during = None
    if stats_before is not None and stats_after is not None:
        during = _difference(stats_before, stats_after)
    # Warm-up requests are in the CPU time too: 5 per client, against thousands measured.
    served = Served(load, after - before, during)
    console.log(f"{title}: {served.describe()}")
    if load.first_failure:
        console.print(f"[red]first failure:[/red] {load.first_failure}")
    return served


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


def check_same_answers(ours: str, baseline: str, regions: tuple[str, ...]) -> int:
    """Both apps give the same data for a first page and a followed page of a few regions."""
    compared = 0
    with httpx.Client(timeout=30) as http:
        for region in regions[:: max(1, len(regions) // 4)]:
            after = None
            for _page in range(2):
                body = {"query": REGION_PAGE, "variables": {"region": region, "after": after}}
                mine = http.post(f"{ours}/graphql", json=body).json()
                theirs = http.post(f"{baseline}/graphql", json=body).json()
                if mine != theirs:
                    raise RuntimeError(
                        f"the baseline answers {region} after {after} differently:\n"
                        f"ours: {json.dumps(mine)[:800]}\nbaseline: {json.dumps(theirs)[:800]}"
                    )
                compared += 1
                after = mine["data"]["partnerships"]["pageInfo"]["endCursor"]
                if after is None:
                    break
    return compared


class _Figures:
    def __init__(self, sizes: Sizes) -> None:
        clients = f"{sizes.clients} clients"
        warm, cold = f"warm, {clients}", f"cold, {clients}"
        self.warm = Figure(warm, "requests/s", "req/s", Target(1_000, True), "baseline")
        self.warm_p50 = Figure(warm, "latency p50", "ms", None, "baseline p50")
        self.warm_p99 = Figure(warm, "latency p99", "ms", Target(15, False), "baseline p99")
        self.warm_cpu = Figure(warm, "server CPU per request", "ms", None, "baseline")
        self.cold = Figure(cold, "requests/s", "req/s", Target(250, True), "baseline")
        self.cold_p50 = Figure(cold, "latency p50", "ms", None, "baseline p50")
        self.cold_p99 = Figure(cold, "latency p99", "ms", Target(60, False), "baseline p99")
        self.cold_cpu = Figure(cold, "server CPU per request", "ms", None, "baseline")
        self.warm_resolvers = Figure(warm, "requests/s, resolver path", "req/s", None, "ours")
        self.warm_resolvers_p99 = Figure(warm, "p99, resolver path", "ms", None, "ours p99")
        self.cold_resolvers = Figure(cold, "requests/s, resolver path", "req/s", None, "ours")
        self.cold_resolvers_p99 = Figure(cold, "p99, resolver path", "ms", None, "ours p99")
        self.failures = Figure("both", "failed requests (ours)", "count", Target(0, False))
        self.all = [
            self.warm,
            self.warm_p50,
            self.warm_p99,
            self.warm_cpu,
            self.cold,
            self.cold_p50,
            self.cold_p99,
            self.cold_cpu,
            self.warm_resolvers,
            self.warm_resolvers_p99,
            self.cold_resolvers,
            self.cold_resolvers_p99,
            self.failures,
        ]

    def record(self, r: RunResult) -> None:
        for rate, p50, p99, cpu, ours, base in (
            (self.warm, self.warm_p50, self.warm_p99, self.warm_cpu, r.warm, r.warm_baseline),
            (self.cold, self.cold_p50, self.cold_p99, self.cold_cpu, r.cold, r.cold_baseline),
        ):
            rate.add(ours.load.per_second, baseline=base.load.per_second)
            p50.add(ours.latency(50), baseline=base.latency(50))
            p99.add(ours.latency(99), baseline=base.latency(99))
            cpu.add(ours.cpu_ms_per_request, baseline=base.cpu_ms_per_request)
        for rate, p99, resolvers, ours in (
            (self.warm_resolvers, self.warm_resolvers_p99, r.warm_resolvers, r.warm),
            (self.cold_resolvers, self.cold_resolvers_p99, r.cold_resolvers, r.cold),
        ):
            rate.add(resolvers.load.per_second, baseline=ours.load.per_second)
            p99.add(resolvers.latency(99), baseline=ours.latency(99))
        self.failures.add(
            r.warm.load.failures
            + r.cold.load.failures
            + r.warm_resolvers.load.failures
            + r.cold_resolvers.load.failures
        )
