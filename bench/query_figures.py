"""The ``queries`` part's table: each question's figures with their ratios and the issue's targets.

For every question and load (warm, cold), one line per contender (its requests a second, its
p99 in the p99 column), then ours over each other contender of the same run as ratios
(the median of the runs' ratios). The targets are issue 11's: for the region page, cold at
least 2.0x PostGraphile's requests a second with a p99 at most 0.6x its p99, at least 250/s
with p99 <= 60 ms; warm at least 5x PostGraphile with p99 <= 15 ms. Each other page at least
2x PostGraphile, or, when PostGraphile does not take part, at least 4x our resolver path.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.common import Figure, Target, percentile
from bench.load import LoadResult
from bench.questions import BASELINE, OURS, PEER, RESOLVERS, TITLES, Question

WARM, COLD = "warm", "cold"


@dataclass(frozen=True)
class Served:
    """A load's result and the server process's CPU time over it."""

    load: LoadResult
    server_cpu_s: float

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / max(1, self.load.completed)

    @property
    def per_second(self) -> float:
        return self.load.per_second

    def latency(self, q: float) -> float:
        return percentile(self.load.latencies_ms, q) if self.load.latencies_ms else float("nan")


# (question key, load, contender) -> what it served in one run
RunLoads = Mapping[tuple[str, str, str], Served]


@dataclass(frozen=True)
class _Targets:
    rate: Target | None = None
    p99: Target | None = None
    over_peer: Target | None = None
    p99_over_peer: Target | None = None
    over_resolvers: Target | None = None


def _targets(question: Question, load: str, peer: bool) -> _Targets:
    if question.baseline and load == COLD:
        return _Targets(Target(250, True), Target(60, False), Target(2.0, True), Target(0.6, False))
    if question.baseline:
        return _Targets(p99=Target(15, False), over_peer=Target(5.0, True))
    if load == WARM:
        return _Targets()
    return (
        _Targets(over_peer=Target(2.0, True))
        if peer
        else _Targets(over_resolvers=Target(4.0, True))
    )


@dataclass
class _Lines:
    """The figures of one question under one load."""

    question: Question
    load: str
    contenders: Sequence[str]
    figures: list[Figure] = field(default_factory=list)

    def __post_init__(self) -> None:
        part = f"{self.question.title}, {self.load}"
        targets = _targets(self.question, self.load, PEER in self.contenders)
        self.rates = {
            c: Figure(
                part, f"requests/s, {TITLES[c]}", "req/s", targets.rate if c == OURS else None
            )
            for c in self.contenders
        }
        self.p99 = Figure(part, f"latency p99, {TITLES[OURS]}", "ms", targets.p99)
        self.cpu = Figure(part, f"server CPU per request, {TITLES[OURS]}", "ms")
        others = [c for c in self.contenders if c != OURS]
        self.over = {
            c: Figure(
                part,
                f"{TITLES[OURS]} / {TITLES[c]}, requests/s",
                "x",
                {PEER: targets.over_peer, RESOLVERS: targets.over_resolvers}.get(c),
            )
            for c in others
        }
        self.p99_over_peer = (
            Figure(part, f"{TITLES[OURS]} / PostGraphile, p99", "x", targets.p99_over_peer)
            if PEER in self.contenders
            else None
        )
        self.figures = [*self.rates.values(), self.p99, self.cpu, *self.over.values()]
        if self.p99_over_peer is not None:
            self.figures.append(self.p99_over_peer)
        if PEER in self.contenders:
            self.cpu.baseline_name = "PostGraphile (node)"

    def record(self, loads: RunLoads) -> None:
        served = {c: loads[(self.question.key, self.load, c)] for c in self.contenders}
        for contender, figure in self.rates.items():
            figure.add(served[contender].per_second, p99=served[contender].latency(99))
        ours = served[OURS]
        self.p99.add(ours.latency(99))
        peer = served.get(PEER)
        self.cpu.add(ours.cpu_ms_per_request, baseline=peer.cpu_ms_per_request if peer else None)
        for contender, figure in self.over.items():
            figure.add(_ratio(ours.per_second, served[contender].per_second))
        if self.p99_over_peer is not None and peer is not None:
            self.p99_over_peer.add(_ratio(ours.latency(99), peer.latency(99)))


def _ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else float("nan")


class QueryFigures:
    """Every line of the part's table, filled run by run."""

    def __init__(self, questions: Sequence[Question], contenders: Sequence[str]) -> None:
        self.lines = [
            _Lines(q, load, [c for c in contenders if c != BASELINE or q.baseline])
            for q in questions
            for load in (COLD, WARM)
        ]
        self.failures = Figure("all", "failed requests", "count", Target(0, False))

    @property
    def all(self) -> list[Figure]:
        return [f for lines in self.lines for f in lines.figures] + [self.failures]

    def record(self, loads: RunLoads) -> None:
        for lines in self.lines:
            lines.record(loads)
        self.failures.add(sum(s.load.failures for s in loads.values()))


def describe(served: Served) -> str:
    load = served.load
    p50 = statistics.median(load.latencies_ms) if load.latencies_ms else float("nan")
    return (
        f"{load.completed} in {load.elapsed_s:.1f} s = {load.per_second:,.0f}/s,"
        f" p50 {p50:.2f} ms, p99 {served.latency(99):.2f} ms,"
        f" server CPU {served.cpu_ms_per_request:.2f} ms/request, failures {load.failures}"
    )


__all__ = ["BASELINE", "COLD", "OURS", "WARM", "QueryFigures", "RunLoads", "Served", "describe"]
