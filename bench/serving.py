"""The API in a uvicorn subprocess, as ``ppp-registry serve`` runs it, for the parts that need it.

``bench/server.py`` builds the app from the environment given here (``DATABASE_URL`` names the
bench database); the access log is off and the projector runs in the same process, as by
default. The subprocess's peak resident memory is read from ``/proc`` before it stops.
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
from typing import IO

import httpx

from bench.common import REPOSITORY, console
from registry.database import DatabaseAddress


@dataclass(frozen=True)
class Server:
    url: str  # http://127.0.0.1:PORT
    pid: int

    def peak_rss_mb(self) -> float | None:
        """The process's peak resident set size so far (VmHWM), in MB; None off Linux."""
        return _peak_rss_mb(self.pid)


@contextmanager
def serving(address: DatabaseAddress) -> Iterator[Server]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "DATABASE_URL": address.dsn(),
        "PPP_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPOSITORY),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "bench.server:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, env=environment, cwd=REPOSITORY, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_ready(url, server, log)
            yield Server(url, server.pid)
        finally:
            _stop(server)
            if server.returncode not in (0, -signal.SIGINT):
                log.seek(0)
                console.print(log.read().decode(errors="replace")[-4000:])


def _peak_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


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
            raise RuntimeError("the API exited:\n" + log.read().decode(errors="replace"))
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the API at {url} was not ready within 60 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
