"""Faults on purpose: a ``serve`` process on a PostgreSQL of its own, a write load, and kills.

Shared by the reliability tests (``tests/reliability``) and the recovery bench
(``bench/recovery.py``). Everything here runs against an embedded PostgreSQL started in a new
temporary directory through the application's own ``open_database``: killing its postmaster
can never touch the test session's shared server or a PostgreSQL of the machine, because the
process killed is the one whose pid file lies in that directory.

An *acknowledged* write is a mutation that answered HTTP 200 with a ``position`` and no
``userErrors``: the registry has promised it is in the log, so it must be there exactly once,
whatever was killed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from uuid import uuid4

import asyncpg
import httpx
from eventsourcing.persistence import OperationalError, StoredEvent

from registry import tokens
from registry.database import DatabaseAddress, open_database, revive_embedded
from registry.domain.actor import Role
from registry.event_store import RegistryRecorder
from registry.settings import Settings
from schema.ids import to_global_id

REPOSITORY = Path(__file__).resolve().parent.parent
UNAVAILABLE = "SERVICE_UNAVAILABLE"

REGISTER = (
    "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) {"
    " position userErrors { code } } }"
)
# A fresh id each time: the response cache cannot answer it, so every read reaches PostgreSQL.
READ = "query($id: ID!) { organisation(id: $id) { name } }"


# ---------------------------------------------------------------------- the database
@dataclass(frozen=True)
class DedicatedPostgres:
    """An embedded PostgreSQL in a temporary directory of its own, for one test or bench run."""

    data_dir: Path
    address: DatabaseAddress  # its administrative database (``postgres``)

    @property
    def pgdata(self) -> Path:
        return (self.data_dir / "pgdata").resolve()

    @property
    def settings(self) -> Settings:
        """What ``serve`` would read with ``PPP_DATA_DIR`` here and no ``DATABASE_URL``."""
        return dataclasses.replace(Settings.from_env({}), data_dir=self.data_dir)

    def postmaster_pid(self) -> int | None:
        try:
            first_line = (self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
        except FileNotFoundError:
            return None
        return int(first_line) if first_line.strip().isdigit() else None

    def kill_postmaster(self) -> int:
        """SIGKILL this server's postmaster (as ``kill -9`` would); its pid."""
        pid = self.postmaster_pid()
        assert pid is not None, "the dedicated server is not running"
        os.kill(pid, signal.SIGKILL)
        return pid

    def start_again(self) -> None:
        """Bring the server back after a kill, as an operator (or a supervisor) would."""
        revive_embedded(self.settings)

    def answers(self, timeout: float = 1.0) -> bool:
        async def ping() -> bool:
            try:
                connection = await asyncpg.connect(self.address.dsn(), timeout=timeout)
            except (OSError, asyncpg.PostgresError, TimeoutError):
                return False
            try:
                await connection.fetchval("SELECT 1")
                return True
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                return False
            finally:
                connection.terminate()

        return asyncio.run(ping())

    def wait_until_answering(self, timeout: float) -> float:
        """Block until the server accepts a query; the monotonic time it first did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answers():
                return time.monotonic()
            time.sleep(0.05)
        raise TimeoutError(f"the dedicated PostgreSQL did not answer within {timeout} s")

    def wait_until_dead(self, pid: int, timeout: float = 5.0) -> None:
        """Until the killed postmaster stopped answering (its children go with it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.answers(timeout=0.2):
            time.sleep(0.02)


@contextmanager
def dedicated_postgres() -> Iterator[DedicatedPostgres]:
    """A new embedded PostgreSQL, stopped and deleted afterwards.

    The directory is short and outside pytest's basetemp: the server's socket lives in it (the
    path must stay under 108 bytes), and pytest deletes old basetemps from under servers.
    """
    data_dir = Path(tempfile.mkdtemp(prefix="ppp-fault-"))
    try:
        settings = dataclasses.replace(Settings.from_env({}), data_dir=data_dir)
        with open_database(settings) as address:
            yield DedicatedPostgres(data_dir, address)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def create_database(admin: DatabaseAddress, name: str | None = None) -> DatabaseAddress:
    """A new database on ``admin``'s server (named ``fault_<hex>`` unless ``name`` is given)."""
    name = name or f"fault_{uuid4().hex[:12]}"

    async def create() -> None:
        connection = await asyncpg.connect(admin.dsn())
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    return admin.with_dbname(name)


def admin_token(address: DatabaseAddress) -> str:
    async def create() -> str:
        connection = await asyncpg.connect(address.dsn())
        try:
            await tokens.ensure_schema(connection)
            _record, secret = await tokens.create_token(
                connection, name="fault load", role=Role.ADMIN, organisation_id=None
            )
            return secret
        finally:
            await connection.close()

    return asyncio.run(create())


# ---------------------------------------------------------------------- serve
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serve_command() -> list[str]:
    script = Path(sys.executable).with_name("ppp-registry")
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-m", "entrypoints.cli", "serve"]


@dataclass
class Serve:
    """``ppp-registry serve`` in a subprocess: embedded (no URL) or on ``database_url``."""

    data_dir: Path
    database_url: str | None = None
    log_level: str = "WARNING"
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Serve:
        environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        environment.update(
            PPP_DATA_DIR=str(self.data_dir),
            PPP_HOST="127.0.0.1",
            PPP_PORT=str(self.port),
            PPP_LOG_LEVEL=self.log_level,
            PYTHONPATH=str(REPOSITORY),
        )
        if self.database_url is not None:
            environment["DATABASE_URL"] = self.database_url
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            _serve_command(),
            env=environment,
            cwd=REPOSITORY,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.running is False:
                raise RuntimeError(f"serve exited with {self.returncode}:\n{self.log()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            time.sleep(0.05)
        raise TimeoutError(f"serve was not ready within {timeout} s:\n{self.log()}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def terminate(self, timeout: float = 30.0) -> float:
        """SIGTERM, then the seconds it took to exit (``inf`` if it had to be killed)."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return float("inf")
        return time.monotonic() - started

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.running:
            self.terminate()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-20000:]


@contextmanager
def serving(data_dir: Path, database_url: str | None = None) -> Iterator[Serve]:
    serve = Serve(data_dir, database_url).start()
    try:
        serve.wait_ready()
        yield serve
    finally:
        serve.stop()


# ---------------------------------------------------------------------- the load
@dataclass(frozen=True)
class Answer:
    """One request of the load and what came back."""

    kind: str  # "write" or "read"
    sent: float  # monotonic
    done: float
    status: int | None  # None: no HTTP answer (connection refused or reset, timeout)
    body: str
    name: str = ""  # the organisation a write registers
    position: int | None = None  # an acknowledged write's log position

    @property
    def acknowledged(self) -> bool:
        return self.position is not None

    @property
    def failed(self) -> bool:
        """Neither a success nor a refusal of the client's input: no answer, a 5xx, or a 200
        with top-level errors (a masked internal error)."""
        if self.status is None or self.status >= 500:
            return True
        return self.status == 200 and _top_level_errors(self.body)

    @property
    def unavailable(self) -> bool:
        """A 503 whose body is the masked GraphQL error with its code."""
        return self.status == 503 and masked_unavailable(self.body)


def _errors(body: str) -> list[Any]:
    try:
        document = json.loads(body)
    except ValueError:
        return []
    errors = document.get("errors") if isinstance(document, dict) else None
    return errors if isinstance(errors, list) else []


def _top_level_errors(body: str) -> bool:
    return bool(_errors(body))


def masked_unavailable(body: str) -> bool:
    errors = _errors(body)
    return bool(errors) and all(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == UNAVAILABLE
        for e in errors
    )


# Words that would give the server's insides away in an error.
INTERNALS = ("errno", "connection refused", "socket", ".s.pgsql", "traceback", "psycopg", "asyncpg")


def shows_internals(body: str) -> bool:
    lowered = body.lower()
    return any(word in lowered for word in INTERNALS)


@dataclass
class Load:
    """Writers registering organisations and readers reading, each at a steady pace."""

    url: str
    token: str
    writers: int = 4
    readers: int = 1
    pause: float = 0.2  # seconds between one client's requests: 4 writers ~ 20 writes/s
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tag: str = field(default_factory=lambda: uuid4().hex[:8])

    def start(self) -> Load:
        for n in range(self.writers):
            self._threads.append(threading.Thread(target=self._write, args=(n,), daemon=True))
        for _n in range(self.readers):
            self._threads.append(threading.Thread(target=self._read, daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Answer]:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        with self._lock:
            return list(self.answers)

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def _write(self, writer: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, timeout=30) as client:
            for n in itertools.count():
                if self._stop.is_set():
                    return
                name = f"Outage test {self._tag} {writer}-{n}"
                variables = {
                    "input": {
                        "name": name,
                        "orgType": "NATIONAL_NGO",
                        "sector": "CIVIL_SOCIETY",
                        "country": "KE",
                    }
                }
                answer = _post(client, "write", REGISTER, variables, headers, name=name)
                self._record(answer)
                self._stop.wait(self.pause)

    def _read(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                variables = {"id": to_global_id("Organisation", uuid4())}
                self._record(_post(client, "read", READ, variables, headers))
                self._stop.wait(self.pause)

    def _record(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)


def _post(
    client: httpx.Client,
    kind: str,
    query: str,
    variables: dict[str, Any],
    headers: dict[str, str],
    name: str = "",
) -> Answer:
    sent = time.monotonic()
    try:
        response = client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
        )
    except httpx.TransportError as error:
        return Answer(kind, sent, time.monotonic(), None, type(error).__name__, name)
    done = time.monotonic()
    return Answer(kind, sent, done, response.status_code, response.text, name, _position(response))


def _position(response: httpx.Response) -> int | None:
    if response.status_code != 200:
        return None
    with contextlib.suppress(ValueError, AttributeError, KeyError, TypeError):
        payload = response.json()["data"]["registerOrganisation"]
        if payload and not payload["userErrors"] and payload["position"] is not None:
            return int(payload["position"])
    return None


# ---------------------------------------------------------------------- the log
@dataclass(frozen=True)
class LogCheck:
    acknowledged: int
    lost: list[str]  # acknowledged names not in the log at their position
    duplicated: list[str]  # acknowledged names registered more than once


def check_log(address: DatabaseAddress, answers: Sequence[Answer]) -> LogCheck:
    """Every acknowledged write is in the event store, at its position, exactly once."""
    acknowledged = [a for a in answers if a.acknowledged]

    async def read() -> dict[str, list[int]]:
        connection = await asyncpg.connect(address.dsn())
        try:
            rows = await connection.fetch(
                "SELECT notification_id, convert_from(state, 'UTF8')::jsonb ->> 'name' AS name"
                " FROM registry_events WHERE topic LIKE '%OrganisationRegistered'"
            )
        finally:
            await connection.close()
        positions: dict[str, list[int]] = {}
        for row in rows:
            positions.setdefault(row["name"], []).append(row["notification_id"])
        return positions

    logged = asyncio.run(read())
    lost = [a.name for a in acknowledged if a.position not in logged.get(a.name, [])]
    duplicated = [a.name for a in acknowledged if len(logged.get(a.name, [])) > 1]
    return LogCheck(len(acknowledged), lost, duplicated)


# ---------------------------------------------------------------------- a lost acknowledgement
class AckLosingRecorder(RegistryRecorder):
    """Commits the first append, then reports it failed, as a connection lost between the
    commit and its acknowledgement would. Chosen with ``APPLICATION_RECORDER_TOPIC``."""

    acks_lost = 0

    def _append_once(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._append_once(stored_events, **kwargs)
        if AckLosingRecorder.acks_lost == 0:
            AckLosingRecorder.acks_lost += 1
            raise OperationalError("server closed the connection unexpectedly")
        return positions


ACK_LOSING_RECORDER = f"{__name__}:AckLosingRecorder"
