"""The API as the benchmarks start it: ``python -m uvicorn --factory bench.server:app``.

Settings come from the environment the benchmark gives the subprocess (``DATABASE_URL`` names
the bench database), exactly as ``ppp-registry serve`` reads them. ``serving`` starts any such
factory (ours, or a baseline app) in a uvicorn subprocess of its own and stops it after.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from entrypoints.web.app import RegistryGraphQL, create_app
from registry.settings import Settings

REPOSITORY = Path(__file__).resolve().parent.parent


def app() -> Starlette:
    served = create_app(Settings.from_env())
    served.add_route("/bench/stats", stats, methods=["GET"])
    gc.callbacks.append(_collections.observe)
    _tune_collector(served)
    return served


def _tune_collector(served: Starlette) -> None:
    """Experiments on the garbage collector, off unless asked for (the app does neither):

    - ``BENCH_GC_THRESHOLD=700,10,10``: ``gc.set_threshold`` with these values;
    - ``BENCH_GC_FREEZE=1``: ``gc.freeze()`` once the app has started, so full collections no
      longer traverse what startup made (schema, code tables, pools).
    """
    threshold = os.environ.get("BENCH_GC_THRESHOLD")
    if threshold:
        gc.set_threshold(*(int(value) for value in threshold.split(",")))
    if os.environ.get("BENCH_GC_FREEZE") != "1":
        return
    started = served.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[Any]:
        async with started(app) as state:
            gc.collect()
            gc.freeze()
            yield state

    served.router.lifespan_context = lifespan


class _Collections:
    """Garbage collections so far: how many, and the pauses they made (a latency tail's cause)."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.longest = 0.0
        self._started = 0.0

    def observe(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        generation = info["generation"]
        self.count[generation] += 1
        self.seconds[generation] += pause
        self.longest = max(self.longest, pause)


_collections = _Collections()


async def stats(request: Request) -> Response:
    """The response cache's hits and misses (how cold a "cold" load really was) and the
    garbage collector's pauses so far."""
    (graphql,) = [
        route.endpoint
        for route in request.app.routes
        if isinstance(route, Route) and isinstance(route.endpoint, RegistryGraphQL)
    ]
    return JSONResponse(
        {
            "hits": graphql.cache.hits,
            "misses": graphql.cache.misses,
            "gc_count": _collections.count,
            "gc_seconds": _collections.seconds,
            "gc_longest_ms": _collections.longest * 1000,
            # What a full collection has to traverse, and how much of it the cache holds.
            "tracked_objects": len(gc.get_objects()),
            "cache_entries": len(graphql.cache._entries),
        }
    )


@dataclass(frozen=True)
class Running:
    url: str  # http://127.0.0.1:PORT
    pid: int  # the uvicorn process: what a profiler attaches to


@contextmanager
def serving(
    factory: str, dsn: str, ready_path: str = "/readyz", settings: dict[str, str] | None = None
) -> Iterator[Running]:
    """``factory`` (``module:function``) served by one uvicorn process on a free loopback port.

    The access log is off and logging at WARNING, as a production server would run;
    ``settings`` are more environment variables (``PPP_COMPILED_READS=false``...).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "DATABASE_URL": dsn,
        "PPP_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPOSITORY),
        **(settings or {}),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", factory]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, env=environment, cwd=REPOSITORY, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_ready(url + ready_path, server, log)
            yield Running(url, server.pid)
        finally:
            _stop(server)
            if server.returncode not in (0, -signal.SIGINT):
                log.seek(0)
                sys.stderr.write(log.read().decode(errors="replace")[-4000:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(url: str, server: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError("the server exited:\n" + log.read().decode(errors="replace"))
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} was not ready within 60 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
