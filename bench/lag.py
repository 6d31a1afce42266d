"""Commit -> visible (part ``lag``): how long an appended event takes to reach the read model.

The API serves a clone of the projected demo dataset from a uvicorn subprocess
(``bench.server``), with its in-process projector, as ``ppp-registry serve`` runs. A writer in
another process (``bench.appender``) appends ``log_activity`` events at a steady, moderate rate
and records when each commit was acknowledged. This process listens on the projector's channel
(``read_model_advanced``), whose NOTIFY carries the position of each batch the projector
commits: the same signal the API's readers wait on for ``Registry-Consistent-With``. An event is
visible from the first notification at or past its position, because the notification is sent in
the batch's own transaction and delivered only after it commits.

So a lag is: projector notification received - append acknowledged, both on ``CLOCK_MONOTONIC``.
It slightly undercounts (the commit is visible a little before the writer hears it is done) and
slightly overcounts (delivery of the projector's NOTIFY to us).

Baseline, in the same run: the same writer, at the same rate, inserting a row and NOTIFYing it
in one raw asyncpg transaction, heard on another connection. Its notification arrives as soon as
its commit is acknowledged (the difference is within a few microseconds either way), so the
baseline is timed from when the writer *sent* the transaction: a whole insert, commit and NOTIFY
-> LISTEN round trip, the least a commit-then-notify path costs here. The registry's path has
two such hops (the event store's NOTIFY to the projector, the projector's to us) with the
projector's read, decode and write in between.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import asyncpg

from bench.appender import RAW_CHANNEL, AppendConfig, Appended, append_steadily
from bench.common import (
    Figure,
    Options,
    Target,
    console,
    load_average,
    machine_facts,
    percentile,
    report,
)
from bench.dataset import seeded_database
from bench.measure import latency_summary
from bench.server import serving
from projections.event_batches import advanced_channel
from projections.read_model import LIVE_SCHEMA
from registry.database import DatabaseAddress

PART = "lag"
# How long after the last append its notification may take before it counts as never visible.
PATIENCE_S = 10.0


@dataclass(frozen=True)
class Sizes:
    dataset_partnerships: int  # the demo dataset the API serves
    rate: float  # appends a second
    seconds: float


FULL = Sizes(dataset_partnerships=300, rate=50.0, seconds=30.0)
QUICK = Sizes(dataset_partnerships=300, rate=50.0, seconds=4.0)


@dataclass
class Lags:
    lags_ms: list[float] = field(default_factory=list)
    never_visible: int = 0
    appended: Appended = field(default_factory=Appended)

    def summary(self) -> dict[str, Any]:
        return {
            "count": len(self.lags_ms),
            "lag_ms": latency_summary(self.lags_ms) if self.lags_ms else None,
            "negative": sum(1 for lag in self.lags_ms if lag < 0),
            "never_visible": self.never_visible,
            "append_call_ms": latency_summary(self.appended.call_ms),
            "writer_behind_schedule_ms": round(self.appended.behind_ms, 3),
        }

    def describe(self) -> str:
        if not self.lags_ms:
            return f"nothing visible ({self.never_visible} appended)"
        return (
            f"{len(self.lags_ms)} visible, p50 {percentile(self.lags_ms, 50):.2f} ms,"
            f" p99 {percentile(self.lags_ms, 99):.2f} ms; {self.never_visible} never"
        )


def run(options: Options) -> None:
    sizes = QUICK if options.quick else FULL
    count = round(sizes.rate * sizes.seconds)
    figures = _Figures()
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    spawn = multiprocessing.get_context("spawn")
    with (
        seeded_database(sizes.dataset_partnerships) as address,
        serving("bench.server:app", address.dsn()),
        ProcessPoolExecutor(max_workers=1, mp_context=spawn) as writer,
    ):
        facts = machine_facts(address)
        console.print(f"[bold]lag[/bold]: {count} appends at {sizes.rate:g}/s on {address!r}")
        for number in range(1, options.runs + 1):
            console.rule(f"lag: run {number} of {options.runs}")
            load_before = load_average()
            raw = _measure("baseline: insert + NOTIFY", address, "raw", sizes, count, writer)
            ours = _measure("commit -> read model", address, "registry", sizes, count, writer)
            figures.record(raw, ours)
            runs.append(
                {
                    "baseline": raw.summary(),
                    "registry": ours.summary(),
                    "load_average_before": load_before,
                    "load_average_after": load_average(),
                }
            )
    details = {
        "sizes": asdict(sizes),
        "appends": count,
        "runs": runs,
        "seconds": round(time.perf_counter() - started, 1),
    }
    loads = ", ".join(str(r["load_average_before"]) for r in runs)
    caption = (
        f"{count} appends at {sizes.rate:g}/s per run; {details['seconds']:.0f} s in all;"
        f" load average: {loads}"
    )
    report(PART, options, facts, figures.all, details, caption)


class _Figures:
    def __init__(self) -> None:
        raw = "raw insert+NOTIFY"
        self.baseline = Figure("baseline", "insert+NOTIFY sent -> heard, p50", "ms")
        self.p50 = Figure("lag", "commit -> visible, p50", "ms", Target(3, False), raw)
        self.p99 = Figure(
            "lag", "commit -> visible, p99", "ms", Target(10, False, on_p99=True), raw
        )
        self.never = Figure("lag", "appends never visible", "count", Target(0, False))
        self.append = Figure("lag", "log_activity call p50", "ms")
        self.all = [self.baseline, self.p50, self.p99, self.never, self.append]

    def record(self, raw: Lags, ours: Lags) -> None:
        base50, base99 = percentile(raw.lags_ms, 50), percentile(raw.lags_ms, 99)
        p50, p99 = percentile(ours.lags_ms, 50), percentile(ours.lags_ms, 99)
        self.baseline.add(base50, p99=base99)
        self.p50.add(p50, p99=p99, baseline=base50)
        self.p99.add(p50, p99=p99, baseline=base50)
        self.never.add(ours.never_visible)
        calls = ours.appended.call_ms
        self.append.add(percentile(calls, 50), p99=percentile(calls, 99))


def _measure(
    title: str,
    address: DatabaseAddress,
    kind: str,
    sizes: Sizes,
    count: int,
    writer: ProcessPoolExecutor,
) -> Lags:
    config = AppendConfig(
        kind="raw" if kind == "raw" else "registry",
        dsn=address.dsn(),
        env=address.eventsourcing_env(),
        rate=sizes.rate,
        count=count,
    )
    channel = RAW_CHANNEL if kind == "raw" else advanced_channel(LIVE_SCHEMA)
    started = time.perf_counter()
    lags = asyncio.run(_observe(address.dsn(), channel, config, writer, since_sent=kind == "raw"))
    console.log(f"{title}: {lags.describe()} ({time.perf_counter() - started:.1f} s)")
    return lags


async def _observe(
    dsn: str, channel: str, config: AppendConfig, writer: ProcessPoolExecutor, *, since_sent: bool
) -> Lags:
    notes: list[tuple[int, float]] = []  # (position notified, when it arrived)

    def heard(_connection: object, _pid: int, _channel: str, payload: object) -> None:
        notes.append((int(str(payload)), time.monotonic()))

    listener = await asyncpg.connect(dsn)
    try:
        await listener.add_listener(channel, heard)
        loop = asyncio.get_running_loop()
        appended = await loop.run_in_executor(writer, append_steadily, config)
        last, deadline = appended.positions[-1], time.monotonic() + PATIENCE_S
        while max((p for p, _ in notes), default=0) < last and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
    finally:
        await listener.close()
    return _match(appended, notes, appended.sent_at if since_sent else appended.committed_at)


def _match(appended: Appended, notes: list[tuple[int, float]], since: list[float]) -> Lags:
    """Each append's lag, from ``since`` to the first notification (in arrival order) at or past
    its position."""
    lags = Lags(appended=appended)
    reached, index = 0, 0
    for position, committed in sorted(zip(appended.positions, since, strict=True)):
        while reached < position and index < len(notes):
            reached = max(reached, notes[index][0])
            index += 1
        if reached < position:
            lags.never_visible += 1
            continue
        lags.lags_ms.append((notes[index - 1][1] - committed) * 1000)
    return lags
