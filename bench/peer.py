"""PostGraphile 4, the peer the ``queries`` part measures us against: install, prepare, serve.

- **Install**: ``npm ci`` of ``bench/postgraphile/package-lock.json`` (PostGraphile pinned) into
  ``bench/.peer/`` (git-ignored), once per lock file: a stamp there holds the lock's hash.
- **Prepare**: ``bench/postgraphile/views.sql`` on the bench database (schema ``peer``: views of
  the read model with smart comments, a STABLE SQL function for the region filter), then the
  reference data the registry keeps in Python (M49 areas, practice areas, sectors).
- **Serve**: ``node .../postgraphile/cli.js`` in a process of its own on a free loopback port,
  with the flags its documentation recommends for production (no query log, no GraphiQL, no
  default mutations) and a pool as small as ours.

When to run it (``wanted``): without ``node`` or ``npm`` it is skipped with one line saying so.
A full run installs it when needed; a quick run (CI's smoke test) only when ``--peer`` asks for
it or it is already installed, so CI never waits for npm.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import httpx
import psycopg

from bench.common import REPOSITORY, Options, console
from bench.server import Running, free_port
from projections.case_studies import halves_sql
from projections.read_model import LIVE_SCHEMA
from registry import geography
from schema.enums import PracticeArea, Sector

SOURCE = REPOSITORY / "bench" / "postgraphile"
CACHE = REPOSITORY / "bench" / ".peer"
CLI = CACHE / "node_modules" / "postgraphile" / "cli.js"
STAMP = CACHE / "installed-lock.sha256"
VIEWS = SOURCE / "views.sql"
HALVES_MARK = "__EVIDENCE_HALVES__"
NAME = "PostGraphile"
READY_WITHIN = 90.0  # seconds: introspection and schema building on a loaded machine


def _lock_hash() -> str:
    return hashlib.sha256((SOURCE / "package-lock.json").read_bytes()).hexdigest()


def installed() -> bool:
    return CLI.is_file() and STAMP.is_file() and STAMP.read_text().strip() == _lock_hash()


def tools_missing() -> str | None:
    """Why PostGraphile cannot run here, or None."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not found on PATH" if missing else None


def wanted(options: Options) -> str | None:
    """None when PostGraphile takes part in this run, else why not (one line)."""
    missing = tools_missing()
    if missing:
        return f"{NAME} skipped: {missing}"
    if options.quick and not options.peer and not installed():
        return f"{NAME} skipped: quick run and not installed (pass --peer to install and run it)"
    return None


def install() -> None:
    """``npm ci`` into ``bench/.peer`` unless the same lock file is installed there already."""
    if installed():
        return
    CACHE.mkdir(exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(SOURCE / name, CACHE / name)
    console.log(f"peer: installing {NAME} with npm ci into {CACHE.relative_to(REPOSITORY)}")
    started = time.monotonic()
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--omit=dev"],  # noqa: S607
        cwd=CACHE,
        check=True,
        capture_output=True,
        timeout=600,
    )
    STAMP.write_text(_lock_hash() + "\n")
    console.log(f"peer: installed in {time.monotonic() - started:.0f} s")


def views_sql() -> str:
    return VIEWS.read_text(encoding="utf-8").replace(HALVES_MARK, halves_sql(LIVE_SCHEMA))


def prepare(dsn: str) -> None:
    """Schema ``peer`` on the database: views of the read model and the reference data."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        with connection.transaction():
            connection.execute(views_sql().encode())
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO peer.areas (code, name, level, rank) VALUES (%s, %s, %s, %s)",
                    [
                        (a.code, a.name, a.level.value, rank)
                        for rank, a in enumerate(geography.areas(None))
                    ],
                )
                cursor.executemany(
                    "INSERT INTO peer.practice_areas (name, rank) VALUES (%s, %s)",
                    [(a.value, rank) for rank, a in enumerate(PracticeArea)],
                )
                cursor.executemany(
                    "INSERT INTO peer.sectors (name, rank) VALUES (%s, %s)",
                    [(s.value, rank) for rank, s in enumerate(Sector)],
                )
        connection.execute("ANALYZE peer.areas, peer.practice_areas, peer.sectors")


@contextmanager
def serving(dsn: str, pool_size: int) -> Iterator[Running]:
    """PostGraphile over schema ``peer`` of ``dsn`` on a free loopback port, stopped after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = ["node", str(CLI), "--connection", dsn, "--schema", "peer"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--max-pool-size", str(pool_size)]
    command += ["--disable-default-mutations", "--disable-query-log", "--disable-graphiql"]
    command += ["--no-setof-functions-contain-nulls", "--legacy-relations", "omit"]
    command += ["--simple-collections", "both"]
    environment = {**os.environ, "NODE_ENV": "production"}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 - our own arguments
            command, env=environment, cwd=CACHE, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_ready(url, server, log)
            yield Running(url, server.pid)
        finally:
            _stop(server)


def _wait_until_ready(url: str, server: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{NAME} exited:\n" + log.read().decode(errors="replace")[-4000:])
        try:
            answer = httpx.post(f"{url}/graphql", json={"query": "{__typename}"}, timeout=5)
            if answer.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    log.seek(0)
    raise TimeoutError(
        f"{NAME} was not ready within {READY_WITHIN:.0f} s:\n"
        + log.read().decode(errors="replace")[-4000:]
    )


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
