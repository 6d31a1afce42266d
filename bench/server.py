"""The API as the benchmarks start it: ``python -m uvicorn --factory bench.server:app``.

Settings come from the environment the benchmark gives the subprocess (``DATABASE_URL`` names
the bench database), exactly as ``ppp-registry serve`` reads them. ``serving`` starts any such
factory (ours, or a baseline app) in a uvicorn subprocess of its own and stops it after.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from registry.settings import Settings
from schema.app import RegistryGraphQL, create_app

REPOSITORY = Path(__file__).resolve().parent.parent


def app() -> Starlette:
    served = create_app(Settings.from_env())
    served.add_route("/bench/cache", cache_counts, methods=["GET"])
    return served


async def cache_counts(request: Request) -> Response:
    """The response cache's hits and misses so far: how cold a "cold" load really was."""
    (graphql,) = [
        route.endpoint
        for route in request.app.routes
        if isinstance(route, Route) and isinstance(route.endpoint, RegistryGraphQL)
    ]
    return JSONResponse({"hits": graphql.cache.hits, "misses": graphql.cache.misses})


@dataclass(frozen=True)
class Running:
    url: str  # http://127.0.0.1:PORT
    pid: int  # the uvicorn process: what a profiler attaches to


@contextmanager
def serving(factory: str, dsn: str, ready_path: str = "/readyz") -> Iterator[Running]:
    """``factory`` (``module:function``) served by one uvicorn process on a free loopback port.

    The access log is off and logging at WARNING, as a production server would run.
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "DATABASE_URL": dsn,
        "PPP_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPOSITORY),
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


def _free_port() -> int:
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
