"""A counted, timed step of a run: its rate and latencies, logged as it finishes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from bench.common import console, percentile

T = TypeVar("T")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: float
    latencies_ms: tuple[float, ...] = ()

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def latency(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "count": self.count,
            "seconds": round(self.seconds, 4),
            "per_second": round(self.per_second, 1),
        }
        if self.latencies_ms:
            summary["latency_ms"] = latency_summary(self.latencies_ms)
        return summary

    def describe(self) -> str:
        text = f"{self.count} in {self.seconds:.2f} s = {self.per_second:,.0f}/s"
        if self.latencies_ms:
            text += f", p50 {self.latency(50):.2f} ms, p99 {self.latency(99):.2f} ms"
        return text


def latency_summary(latencies: Sequence[float]) -> dict[str, float]:
    return {f"p{q}": round(percentile(latencies, q), 3) for q in (50, 90, 99)} | {
        "max": round(max(latencies), 3)
    }


Describe = Callable[[Any], str]


@overload
def step(
    title: str,
    function: Callable[..., Coroutine[Any, Any, T]],
    *args: Any,
    describe: Describe | None = None,
) -> T: ...
@overload
def step(
    title: str, function: Callable[..., T], *args: Any, describe: Describe | None = None
) -> T: ...
def step(
    title: str, function: Callable[..., Any], *args: Any, describe: Describe | None = None
) -> Any:
    """Run ``function`` (a coroutine function on its own event loop), then log what it gave:
    ``describe(result)``, else the result's own ``describe()``, else its repr."""
    started = time.perf_counter()
    result: Any = function(*args)
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    if describe is None:
        own = getattr(result, "describe", None)
        describe = (lambda _result: own()) if callable(own) else repr
    text = describe(result)
    console.log(f"{title}: {text} ({time.perf_counter() - started:.1f} s)")
    return result
