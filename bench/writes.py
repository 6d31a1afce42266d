"""Write throughput, each run beside raw asyncpg baselines measured in the same run.

(a) ``log_activity`` called sequentially on the application, (b) ``logActivity`` mutations over
HTTP from concurrent clients in another process, (c) a bulk import of an NDJSON file, then the
same file again (which must append nothing).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any
from uuid import uuid4

import asyncpg
import httpx
import strawberry

from bench.common import (
    REPOSITORY,
    Figure,
    Options,
    Target,
    bench_database,
    console,
    load_average,
    machine_facts,
    percentile,
    print_table,
    reset_database,
    scalar,
    write_results,
)
from bench.load import LoadConfig, LoadResult, run_load
from registry import tokens
from registry.application import Registry, keyed_id
from registry.commands import LogActivity, RegisterOrganisation, RegisterPartnership
from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.domain.codelists import (
    ActivityKind,
    OrganisationType,
    PartnerRole,
    PracticeArea,
    Sector,
    TargetGroup,
)
from schema.bulk_import import DEFAULT_BATCH_SIZE, ImportReport, run_import
from schema.ids import to_global_id
from schema.schema import build_schema

PART = "writes"
ADMIN = Actor(principal="bench", role=Role.ADMIN)


@dataclass(frozen=True)
class Sizes:
    sequential: int  # (a) log_activity calls, and the single-row baseline's rows
    requests: int  # (b) mutations at most, and the concurrent baseline's rows
    seconds: float  # (b) at most this long
    clients: int  # (b) concurrent clients, one partnership each; baseline connections
    import_events: int  # (c) events the file makes, and the COPY baseline's rows
    import_partnerships: int
    import_organisations: int


FULL = Sizes(2_000, 3_000, 30.0, 8, 100_000, 5_000, 500)
QUICK = Sizes(200, 300, 10.0, 8, 5_000, 250, 50)

# The size of a typical stored ActivityLogged state in the registry's own store (JSON, bytes).
STATE_BYTES = 560


# ---------------------------------------------------------------------- measurements
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
            summary["latency_ms"] = _latency_summary(self.latencies_ms)
        return summary


@dataclass(frozen=True)
class ImportOutcome:
    lines: int
    expected_events: int
    first: Rate  # events appended by the first import, and its time
    again: Rate  # events appended by the second import of the same file (0), and its time
    report: dict[str, int]
    again_report: dict[str, int]


@dataclass
class RunResult:
    single_row: Rate
    concurrent: Rate
    copy: Rate
    sequential: Rate
    http: LoadResult
    bulk: ImportOutcome
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def http_rate(self) -> Rate:
        return Rate(self.http.completed, self.http.elapsed_s, tuple(self.http.latencies_ms))

    def summary(self) -> dict[str, Any]:
        latencies = self.sequential.latencies_ms
        tenth = max(1, len(latencies) // 10)
        return {
            "baseline_single_row": self.single_row.summary(),
            "baseline_concurrent": self.concurrent.summary(),
            "baseline_copy": self.copy.summary(),
            "a_sequential": {
                **self.sequential.summary(),
                "p50_first_tenth_ms": round(percentile(latencies[:tenth], 50), 3),
                "p50_last_tenth_ms": round(percentile(latencies[-tenth:], 50), 3),
            },
            "b_http": {
                **self.http_rate.summary(),
                "user_errors": dict(self.http.user_errors),
                "failures": self.http.failures,
                "first_failure": self.http.first_failure,
            },
            "c_import": {
                "lines": self.bulk.lines,
                "expected_events": self.bulk.expected_events,
                "first": self.bulk.first.summary(),
                "first_report": self.bulk.report,
                "again": self.bulk.again.summary(),
                "again_report": self.bulk.again_report,
            },
            **self.notes,
        }


def _latency_summary(latencies: tuple[float, ...]) -> dict[str, float]:
    return {f"p{q}": round(percentile(latencies, q), 3) for q in (50, 90, 99)} | {
        "max": round(max(latencies), 3)
    }


# ---------------------------------------------------------------------- the part
def run(options: Options) -> None:
    sizes = QUICK if options.quick else FULL
    figures = _Figures(sizes)
    details: dict[str, Any] = {"sizes": asdict(sizes), "batch_size": DEFAULT_BATCH_SIZE}
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    with bench_database() as address, tempfile.TemporaryDirectory() as directory:
        facts = machine_facts(address)
        console.print(f"[bold]writes[/bold] on {address!r}: {facts['postgres']}")
        plan = write_import_file(Path(directory) / "import.ndjson", sizes)
        for number in range(1, options.runs + 1):
            console.rule(f"run {number} of {options.runs}")
            result = _one_run(address, sizes, plan)
            figures.record(result)
            runs.append(result.summary())
    details["runs"] = runs
    details["seconds"] = round(time.perf_counter() - started, 1)
    title = f"writes ({'quick' if options.quick else 'full'}, median of {options.runs} runs)"
    loads = ", ".join(str(r["load_average_before"]) for r in runs)
    caption = f"{details['seconds']:.0f} s in all; load average before each run: {loads}"
    print_table(title, figures.all, caption)
    path = write_results(PART, options, facts, figures.all, details)
    console.print(f"results: {path.relative_to(REPOSITORY)}")


def _one_run(address: DatabaseAddress, sizes: Sizes, plan: ImportPlan) -> RunResult:
    dsn = address.dsn()
    started, load_before = time.perf_counter(), load_average()
    if load_before > 1.0:
        console.print(f"[yellow]the machine is busy: load average {load_before}[/yellow]")
    reset_database(address)
    single_row = _step("baseline: single-row inserts", _baseline_single_row, dsn, sizes.sequential)
    concurrent = _step(
        f"baseline: single-row inserts from {sizes.clients} connections",
        _baseline_concurrent,
        dsn,
        sizes.requests,
        sizes.clients,
    )
    copy = _step("baseline: COPY", _baseline_copy, dsn, sizes.import_events)
    reset_database(address)
    sequential = _step("(a) sequential log_activity", sequential_log_activity, address, sizes)
    reset_database(address)
    http = _step("(b) logActivity over HTTP", http_mutations, address, sizes)
    reset_database(address)
    bulk = _step("(c) bulk import", bulk_import, address, plan)
    notes = {
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return RunResult(single_row, concurrent, copy, sequential, http, bulk, notes)


def _step(title: str, function: Any, *args: Any) -> Any:
    started = time.perf_counter()
    if asyncio.iscoroutinefunction(function):
        result = asyncio.run(function(*args))
    else:
        result = function(*args)
    console.log(f"{title}: {_describe(result)} ({time.perf_counter() - started:.1f} s)")
    return result


def _describe(result: object) -> str:
    if isinstance(result, Rate):
        text = f"{result.count} in {result.seconds:.2f} s = {result.per_second:,.0f}/s"
        if result.latencies_ms:
            text += f", p50 {result.latency(50):.2f} ms, p99 {result.latency(99):.2f} ms"
        return text
    if isinstance(result, LoadResult):
        rate = Rate(result.completed, result.elapsed_s or 1e-9, tuple(result.latencies_ms))
        errors = dict(result.user_errors)
        return f"{_describe(rate)}, userErrors {errors}, failures {result.failures}"
    if isinstance(result, ImportOutcome):
        return (
            f"{_describe(result.first)}; again: {result.again.count} events "
            f"in {result.again.seconds:.2f} s"
        )
    return repr(result)


class _Figures:
    def __init__(self, sizes: Sizes) -> None:
        base = "baseline"
        self.single_row = Figure(base, "single-row inserts, 1 conn", "rows/s")
        self.single_row_latency = Figure(base, "single-row insert latency p50", "ms")
        self.concurrent = Figure(base, f"single-row inserts, {sizes.clients} conns", "rows/s")
        self.concurrent_latency = Figure(base, f"insert latency p50, {sizes.clients} conns", "ms")
        self.copy = Figure(base, f"COPY {sizes.import_events:,} rows", "rows/s")

        a = "(a) log_activity, sequential"
        self.sequential = Figure(a, "events/s", "events/s", baseline_name="1-row inserts")
        self.sequential_latency = Figure(a, "latency p50", "ms", baseline_name="1-row insert")

        b = f"(b) logActivity HTTP, {sizes.clients} clients"
        self.http = Figure(
            b,
            "mutations/s",
            "mutations/s",
            Target(150, at_least=True),
            baseline_name=f"inserts, {sizes.clients} conns",
        )
        self.http_latency = Figure(
            b,
            "latency p50",
            "ms",
            Target(100, at_least=False, on_p99=True),
            baseline_name=f"insert, {sizes.clients} conns",
        )
        self.conflicts = Figure(b, "VERSION_CONFLICT userErrors", "count", Target(0, False))
        self.failures = Figure(b, "other errors", "count", Target(0, False))

        c = f"(c) bulk import {sizes.import_events:,} events"
        self.bulk = Figure(c, "events/s", "events/s", Target(5_000, True), baseline_name="COPY")
        self.bulk_vs_inserts = Figure(
            c, "events/s", "events/s", Target(5_000, True), baseline_name="1-row inserts"
        )
        self.bulk_seconds = Figure(c, "import time", "s")
        self.again_events = Figure(c, "re-import: events appended", "count", Target(0, False))
        self.again_seconds = Figure(c, "re-import: time", "s", baseline_name="first import s")
        self.all = [
            self.single_row,
            self.single_row_latency,
            self.concurrent,
            self.concurrent_latency,
            self.copy,
            self.sequential,
            self.sequential_latency,
            self.http,
            self.http_latency,
            self.conflicts,
            self.failures,
            self.bulk,
            self.bulk_vs_inserts,
            self.bulk_seconds,
            self.again_events,
            self.again_seconds,
        ]

    def record(self, r: RunResult) -> None:
        self.single_row.add(r.single_row.per_second)
        self.single_row_latency.add(r.single_row.latency(50), p99=r.single_row.latency(99))
        self.concurrent.add(r.concurrent.per_second)
        self.concurrent_latency.add(r.concurrent.latency(50), p99=r.concurrent.latency(99))
        self.copy.add(r.copy.per_second)
        self.sequential.add(r.sequential.per_second, baseline=r.single_row.per_second)
        self.sequential_latency.add(
            r.sequential.latency(50),
            p99=r.sequential.latency(99),
            baseline=r.single_row.latency(50),
        )
        http = r.http_rate
        self.http.add(http.per_second, baseline=r.concurrent.per_second)
        self.http_latency.add(
            http.latency(50), p99=http.latency(99), baseline=r.concurrent.latency(50)
        )
        self.conflicts.add(r.http.version_conflicts)
        self.failures.add(
            r.http.failures + sum(r.http.user_errors.values()) - r.http.version_conflicts
        )
        self.bulk.add(r.bulk.first.per_second, baseline=r.copy.per_second)
        self.bulk_vs_inserts.add(r.bulk.first.per_second, baseline=r.single_row.per_second)
        self.bulk_seconds.add(r.bulk.first.seconds)
        self.again_events.add(r.bulk.again.count)
        self.again_seconds.add(r.bulk.again.seconds, baseline=r.bulk.first.seconds)


# ---------------------------------------------------------------------- baselines
BASELINE_TABLE = "bench_baseline_events"
_CREATE_BASELINE = f"""
CREATE TABLE IF NOT EXISTS {BASELINE_TABLE} (
    originator_id uuid NOT NULL,
    originator_version int NOT NULL,
    topic text NOT NULL,
    state bytea NOT NULL,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version)
)
"""
_INSERT_BASELINE = (
    f"INSERT INTO {BASELINE_TABLE} (originator_id, originator_version, topic, state)"  # noqa: S608
    " VALUES ($1, $2, $3, $4)"
)
_TOPIC = "registry.domain.partnership:Partnership.ActivityLogged"


def _state() -> bytes:
    return os.urandom(STATE_BYTES)


async def _baseline_single_row(dsn: str, rows: int) -> Rate:
    """One connection, one transaction per insert (each statement commits on its own)."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(_CREATE_BASELINE)
        originator, state = uuid4(), _state()
        latencies: list[float] = []
        started = time.perf_counter()
        for version in range(1, rows + 1):
            sent = time.perf_counter()
            await connection.execute(_INSERT_BASELINE, originator, version, _TOPIC, state)
            latencies.append((time.perf_counter() - sent) * 1000)
        return Rate(rows, time.perf_counter() - started, tuple(latencies))
    finally:
        await connection.close()


async def _baseline_concurrent(dsn: str, rows: int, connections: int) -> Rate:
    """``connections`` connections inserting one row per transaction each, at the same time."""
    pool = [await asyncpg.connect(dsn) for _ in range(connections)]
    try:
        await pool[0].execute(_CREATE_BASELINE)
        state = _state()
        latencies: list[float] = []

        async def insert(connection: asyncpg.Connection[Any], count: int) -> None:
            originator = uuid4()
            for version in range(1, count + 1):
                sent = time.perf_counter()
                await connection.execute(_INSERT_BASELINE, originator, version, _TOPIC, state)
                latencies.append((time.perf_counter() - sent) * 1000)

        shares = [rows // connections + (n < rows % connections) for n in range(connections)]
        started = time.perf_counter()
        await asyncio.gather(*(insert(c, n) for c, n in zip(pool, shares, strict=True)))
        return Rate(rows, time.perf_counter() - started, tuple(latencies))
    finally:
        for connection in pool:
            await connection.close()


async def _baseline_copy(dsn: str, rows: int) -> Rate:
    """COPY of ``rows`` rows spread over as many aggregates as the import has, in one go."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(_CREATE_BASELINE)
        aggregates = [uuid4() for _ in range(max(1, rows // 20))]
        state = _state()
        records = [
            (aggregates[n % len(aggregates)], n // len(aggregates) + 1, _TOPIC, state)
            for n in range(rows)
        ]
        started = time.perf_counter()
        await connection.copy_records_to_table(
            BASELINE_TABLE,
            records=records,
            columns=["originator_id", "originator_version", "topic", "state"],
        )
        return Rate(rows, time.perf_counter() - started)
    finally:
        await connection.close()


# ---------------------------------------------------------------------- (a) the application
def sequential_log_activity(address: DatabaseAddress, sizes: Sizes) -> Rate:
    registry = Registry(env=address.eventsourcing_env())
    try:
        organisation = registry.register_organisation(
            ADMIN,
            RegisterOrganisation(
                name="Kenya Cyber Trust",
                org_type=OrganisationType.NATIONAL_NGO,
                sector=Sector.CIVIL_SOCIETY,
                country="KE",
            ),
        ).aggregate_id
        partnership = registry.register_partnership(
            ADMIN,
            RegisterPartnership(
                title="Cybercrime training for Kenyan police",
                summary="Judges and police officers trained in digital evidence.",
                practice_areas=(PracticeArea.CAPACITY_BUILDING,),
                countries=("KE",),
                start_date=date(2024, 1, 15),
                partners=((organisation, PartnerRole.LEAD),),
            ),
        ).aggregate_id
        latencies: list[float] = []
        started = time.perf_counter()
        for number in range(sizes.sequential):
            command = LogActivity(
                partnership_id=partnership,
                kind=ActivityKind.TRAINING,
                practice_area=PracticeArea.CAPACITY_BUILDING,
                title=f"Digital evidence training {number}",
                start_date=date(2024, 2, 1),
                countries=("KE",),
                target_groups=(TargetGroup.LAW_ENFORCEMENT,),
                participants=20,
            )
            sent = time.perf_counter()
            registry.log_activity(ADMIN, command)
            latencies.append((time.perf_counter() - sent) * 1000)
        return Rate(sizes.sequential, time.perf_counter() - started, tuple(latencies))
    finally:
        registry.close()


# ---------------------------------------------------------------------- (b) over HTTP
def http_mutations(address: DatabaseAddress, sizes: Sizes) -> LoadResult:
    """Start the API in a subprocess, then drive it from a load generator in another one."""
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
            token = asyncio.run(_admin_token(address))
            partnerships = _register_partnerships(url, token, sizes.clients)
            config = LoadConfig(url, token, tuple(partnerships), sizes.requests, sizes.seconds)
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as generator:
                result = generator.submit(run_load, config).result()
            if result.first_failure:
                console.print(f"[red]first failure:[/red] {result.first_failure}")
            return result
        finally:
            _stop(server)
            if server.returncode not in (0, -signal.SIGINT):
                log.seek(0)
                console.print(log.read().decode(errors="replace")[-4000:])


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


async def _admin_token(address: DatabaseAddress) -> str:
    connection = await asyncpg.connect(address.dsn())
    try:
        await tokens.ensure_schema(connection)
        _record, secret = await tokens.create_token(
            connection, name="bench", role=Role.ADMIN, organisation_id=None
        )
        return secret
    finally:
        await connection.close()


_REGISTER_ORGANISATION = (
    "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) {"
    " organisation { id } userErrors { code field message } } }"
)
_REGISTER_PARTNERSHIP = (
    "mutation($input: RegisterPartnershipInput!) { registerPartnership(input: $input) {"
    " partnership { id } userErrors { code field message } } }"
)


def _register_partnerships(url: str, token: str, count: int) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:

        def mutate(query: str, name: str, input: dict[str, Any]) -> dict[str, Any]:
            response = http.post("/graphql", json={"query": query, "variables": {"input": input}})
            payload: dict[str, Any] = response.json()["data"][name]
            if payload["userErrors"]:
                raise RuntimeError(f"{name}: {payload['userErrors']}")
            return payload

        organisation = mutate(
            _REGISTER_ORGANISATION,
            "registerOrganisation",
            {
                "name": "Kenya Cyber Trust",
                "orgType": "NATIONAL_NGO",
                "sector": "CIVIL_SOCIETY",
                "country": "KE",
            },
        )["organisation"]["id"]
        return [
            mutate(
                _REGISTER_PARTNERSHIP,
                "registerPartnership",
                {
                    "title": f"Cybercrime training {n}",
                    "summary": "Judges and police officers trained in digital evidence.",
                    "practiceAreas": ["CAPACITY_BUILDING"],
                    "countries": ["KE"],
                    "startDate": "2024-01-15",
                    "partners": [{"organisationId": organisation, "role": "LEAD"}],
                },
            )["partnership"]["id"]
            for n in range(count)
        ]


# ---------------------------------------------------------------------- (c) bulk import
@dataclass(frozen=True)
class ImportPlan:
    path: Path
    lines: int
    expected_events: int


_COUNTRIES = ("KE", "NG", "GH", "SN", "FR", "DE", "BR", "IN", "PH", "ZA")
_SECTORS = (
    (OrganisationType.NATIONAL_NGO, Sector.CIVIL_SOCIETY),
    (OrganisationType.GOVERNMENT, Sector.GOVERNMENT),
    (OrganisationType.PRIVATE_SECTOR, Sector.PRIVATE_SECTOR),
    (OrganisationType.ACADEMIC_TRAINING_AND_RESEARCH, Sector.ACADEMIA),
)


def write_import_file(path: Path, sizes: Sizes) -> ImportPlan:
    """Organisations (2 events each: the organisation and its name index), partnerships, then
    activities, outcomes and lessons spread at random over the partnerships, one event each."""
    lines = 0
    with path.open("w", encoding="utf-8") as file:
        for line in _import_lines(sizes):
            file.write(json.dumps(line, separators=(",", ":")) + "\n")
            lines += 1
    return ImportPlan(path, lines, sizes.import_events)


def _import_lines(sizes: Sizes) -> Iterator[dict[str, Any]]:
    rng = random.Random(20261123)  # noqa: S311 - reproducible data, not secrets
    organisations = [
        _global("Organisation", f"bench-org-{n}", "organisation")
        for n in range(sizes.import_organisations)
    ]
    for n, _id in enumerate(organisations):
        org_type, sector = _SECTORS[n % len(_SECTORS)]
        yield _line(
            "registerOrganisation",
            name=f"Bench organisation {n:05d}",
            orgType=org_type.value,
            sector=sector.value,
            country=_COUNTRIES[n % len(_COUNTRIES)],
            idempotencyKey=f"bench-org-{n}",
        )
    partnerships = [
        _global("Partnership", f"bench-partnership-{n}", "partnership")
        for n in range(sizes.import_partnerships)
    ]
    count, half = len(organisations), len(organisations) // 2
    for n, _id in enumerate(partnerships):
        lead, funder = organisations[n % count], organisations[(n + half) % count]
        yield _line(
            "registerPartnership",
            title=f"Cybercrime partnership {n}",
            summary="Police, prosecutors and a CSIRT trained in handling digital evidence.",
            practiceAreas=["CAPACITY_BUILDING", "INFORMATION_SHARING"],
            countries=[_COUNTRIES[n % len(_COUNTRIES)]],
            startDate="2023-01-01",
            partners=[
                {"organisationId": lead, "role": "LEAD"},
                {"organisationId": funder, "role": "FUNDER"},
            ],
            idempotencyKey=f"bench-partnership-{n}",
        )
    rest = sizes.import_events - 2 * len(organisations) - len(partnerships)
    kinds = [k.value for k in ActivityKind]
    for n in range(rest):
        partnership = rng.choice(partnerships)
        draw = rng.random()
        if draw < 0.7:
            yield _line(
                "logActivity",
                partnershipId=partnership,
                kind=rng.choice(kinds),
                practiceArea="CAPACITY_BUILDING",
                title=f"Digital evidence training {n}",
                startDate="2024-03-01",
                countries=[rng.choice(_COUNTRIES)],
                targetGroups=["LAW_ENFORCEMENT", "PROSECUTORS"],
                participants=rng.randint(5, 200),
            )
        elif draw < 0.9:
            yield _line(
                "reportOutcome",
                partnershipId=partnership,
                resultLevel="OUTPUT",
                indicator=f"Officers trained in evidence handling ({n})",
                verification="SELF_REPORTED",
                unit="people",
                baseline=0,
                target=100,
                actual=rng.randint(0, 150),
            )
        else:
            yield _line(
                "recordLesson",
                partnershipId=partnership,
                kind="SUCCESS_FACTOR",
                text=f"Lesson {n}: joint training built trust between police and the CSIRT.",
            )


def _global(type_name: str, key: str, purpose: str) -> str:
    return to_global_id(type_name, keyed_id(key, purpose))


def _line(command: str, **input: Any) -> dict[str, Any]:
    return {"command": command, "input": input}


def bulk_import(address: DatabaseAddress, plan: ImportPlan) -> ImportOutcome:
    registry = Registry(env=address.eventsourcing_env())
    try:
        schema = build_schema()
        first, report = _import_once(address, registry, schema, plan)
        again, again_report = _import_once(address, registry, schema, plan)
    finally:
        registry.close()
    return ImportOutcome(plan.lines, plan.expected_events, first, again, report, again_report)


def _import_once(
    address: DatabaseAddress, registry: Registry, schema: strawberry.Schema, plan: ImportPlan
) -> tuple[Rate, dict[str, int]]:
    before = _event_count(address)
    with plan.path.open(encoding="utf-8") as lines:
        started = time.perf_counter()
        report = run_import(registry, ADMIN, schema, lines)
        seconds = time.perf_counter() - started
    if report.rejected:
        shown = "\n".join(str(r) for r in report.rejected[:5])
        raise RuntimeError(f"the import rejected {report.rejected_lines} lines:\n{shown}")
    return Rate(_event_count(address) - before, seconds), _report(report)


def _event_count(address: DatabaseAddress) -> int:
    return int(scalar(address, "SELECT count(*) FROM registry_events"))


def _report(report: ImportReport) -> dict[str, int]:
    return {
        "lines": report.lines,
        "appended": report.appended,
        "already_imported": report.already_imported,
        "rejected_lines": report.rejected_lines,
    }
