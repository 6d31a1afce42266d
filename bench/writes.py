"""Write throughput, each run beside raw asyncpg baselines measured in the same run.

(a) ``log_activity`` called sequentially on the application, (b) ``logActivity`` mutations over
HTTP from concurrent clients in another process: with group commit (the default) at 8 and at 32
clients, and at 8 clients with it off (``PPP_GROUP_COMMIT=false``, every mutation its own
transaction), all in the same run. The bulk import, once (c) here, is the part ``import``
(``bench/imports.py``).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import asyncpg
import httpx

from bench import baselines
from bench.common import (
    Figure,
    Options,
    Target,
    bench_database,
    console,
    load_average,
    machine_facts,
    percentile,
    report,
    reset_database,
)
from bench.load import LoadConfig, LoadResult, run_load
from bench.measure import Rate, step
from bench.server import serving
from registry import tokens
from registry.application import Registry
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

PART = "writes"
ADMIN = Actor(principal="bench", role=Role.ADMIN)


@dataclass(frozen=True)
class Sizes:
    sequential: int  # (a) log_activity calls, and the single-row baseline's rows
    requests: int  # (b) mutations at most, and the concurrent baseline's rows
    seconds: float  # (b) at most this long
    clients: int  # (b) concurrent clients, one partnership each; baseline connections
    many_clients: int  # (b) the larger load, with group commit


FULL = Sizes(2_000, 3_000, 30.0, 8, 32)
QUICK = Sizes(200, 300, 10.0, 8, 32)


# ---------------------------------------------------------------------- what a run measured
@dataclass
class RunResult:
    single_row: Rate
    concurrent: Rate
    sequential: Rate
    http: LoadResult
    http_ungrouped: LoadResult
    http_many: LoadResult
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def http_rate(self) -> Rate:
        return _rate(self.http)

    def summary(self) -> dict[str, Any]:
        latencies = self.sequential.latencies_ms
        tenth = max(1, len(latencies) // 10)
        return {
            "baseline_single_row": self.single_row.summary(),
            "baseline_concurrent": self.concurrent.summary(),
            "a_sequential": {
                **self.sequential.summary(),
                "p50_first_tenth_ms": round(percentile(latencies[:tenth], 50), 3),
                "p50_last_tenth_ms": round(percentile(latencies[-tenth:], 50), 3),
            },
            "b_http": _load_summary(self.http),
            "b_http_group_commit_off": _load_summary(self.http_ungrouped),
            "b_http_many_clients": _load_summary(self.http_many),
            **self.notes,
        }


def _rate(result: LoadResult) -> Rate:
    return Rate(result.completed, result.elapsed_s or 1e-9, tuple(result.latencies_ms))


def _load_summary(result: LoadResult) -> dict[str, Any]:
    return {
        **_rate(result).summary(),
        "user_errors": dict(result.user_errors),
        "failures": result.failures,
        "first_failure": result.first_failure,
    }


# ---------------------------------------------------------------------- the part
def run(options: Options) -> None:
    sizes = QUICK if options.quick else FULL
    figures = _Figures(sizes)
    details: dict[str, Any] = {"sizes": asdict(sizes)}
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    with bench_database() as address:
        facts = machine_facts(address)
        console.print(f"[bold]writes[/bold] on {address!r}: {facts['postgres']}")
        for number in range(1, options.runs + 1):
            console.rule(f"run {number} of {options.runs}")
            result = _one_run(address, sizes)
            figures.record(result)
            runs.append(result.summary())
    details["runs"] = runs
    details["seconds"] = round(time.perf_counter() - started, 1)
    loads = ", ".join(str(r["load_average_before"]) for r in runs)
    caption = f"{details['seconds']:.0f} s in all; load average before each run: {loads}"
    report(PART, options, facts, figures.all, details, caption)


def _one_run(address: DatabaseAddress, sizes: Sizes) -> RunResult:
    dsn = address.dsn()
    started, load_before = time.perf_counter(), load_average()
    if load_before > 1.0:
        console.print(f"[yellow]the machine is busy: load average {load_before}[/yellow]")
    reset_database(address)
    single_row = step("baseline: single-row inserts", baselines.single_row, dsn, sizes.sequential)
    concurrent = step(
        f"baseline: single-row inserts from {sizes.clients} connections",
        baselines.concurrent,
        dsn,
        sizes.requests,
        sizes.clients,
    )
    reset_database(address)
    sequential = step("(a) sequential log_activity", sequential_log_activity, address, sizes)
    reset_database(address)
    http = step(
        f"(b) logActivity over HTTP, {sizes.clients} clients, group commit",
        http_mutations,
        address,
        sizes,
        sizes.clients,
        describe=_describe_load,
    )
    reset_database(address)
    ungrouped = step(
        f"(b) logActivity over HTTP, {sizes.clients} clients, group commit off",
        http_mutations,
        address,
        sizes,
        sizes.clients,
        {"PPP_GROUP_COMMIT": "false"},
        describe=_describe_load,
    )
    reset_database(address)
    many = step(
        f"(b) logActivity over HTTP, {sizes.many_clients} clients, group commit",
        http_mutations,
        address,
        sizes,
        sizes.many_clients,
        describe=_describe_load,
    )
    notes = {
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return RunResult(single_row, concurrent, sequential, http, ungrouped, many, notes)


def _describe_load(result: LoadResult) -> str:
    rate = _rate(result)
    errors = dict(result.user_errors)
    return f"{rate.describe()}, userErrors {errors}, failures {result.failures}"


class _Figures:
    def __init__(self, sizes: Sizes) -> None:
        base = "baseline"
        self.single_row = Figure(base, "single-row inserts, 1 conn", "rows/s")
        self.single_row_latency = Figure(base, "single-row insert latency p50", "ms")
        self.concurrent = Figure(base, f"single-row inserts, {sizes.clients} conns", "rows/s")
        self.concurrent_latency = Figure(base, f"insert latency p50, {sizes.clients} conns", "ms")

        a = "(a) log_activity, sequential"
        self.sequential = Figure(a, "events/s", "events/s", baseline_name="1-row inserts")
        self.sequential_latency = Figure(a, "latency p50", "ms", baseline_name="1-row insert")

        b = f"(b) logActivity HTTP, {sizes.clients} clients"
        self.http = Figure(
            b,
            "mutations/s",
            "mutations/s",
            Target(500, at_least=True),
            baseline_name=f"inserts, {sizes.clients} conns",
        )
        self.http_latency = Figure(
            b,
            "latency p50",
            "ms",
            Target(50, at_least=False, on_p99=True),
            baseline_name=f"insert, {sizes.clients} conns",
        )
        off = f"(b) group commit off, {sizes.clients} clients"
        self.ungrouped = Figure(off, "mutations/s", "mutations/s", baseline_name="group commit")
        self.ungrouped_latency = Figure(off, "latency p50", "ms", baseline_name="group commit")
        many = f"(b) logActivity HTTP, {sizes.many_clients} clients"
        self.many = Figure(
            many,
            "mutations/s",
            "mutations/s",
            Target(800, at_least=True),
            baseline_name=f"inserts, {sizes.clients} conns",
        )
        self.many_latency = Figure(many, "latency p50", "ms")
        self.conflicts = Figure(b, "VERSION_CONFLICT userErrors", "count", Target(0, False))
        self.failures = Figure(b, "other errors (all loads)", "count", Target(0, False))

        self.all = [
            self.single_row,
            self.single_row_latency,
            self.concurrent,
            self.concurrent_latency,
            self.sequential,
            self.sequential_latency,
            self.http,
            self.http_latency,
            self.ungrouped,
            self.ungrouped_latency,
            self.many,
            self.many_latency,
            self.conflicts,
            self.failures,
        ]

    def record(self, r: RunResult) -> None:
        self.single_row.add(r.single_row.per_second)
        self.single_row_latency.add(r.single_row.latency(50), p99=r.single_row.latency(99))
        self.concurrent.add(r.concurrent.per_second)
        self.concurrent_latency.add(r.concurrent.latency(50), p99=r.concurrent.latency(99))
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
        ungrouped, many = _rate(r.http_ungrouped), _rate(r.http_many)
        self.ungrouped.add(ungrouped.per_second, baseline=http.per_second)
        self.ungrouped_latency.add(
            ungrouped.latency(50), p99=ungrouped.latency(99), baseline=http.latency(50)
        )
        self.many.add(many.per_second, baseline=r.concurrent.per_second)
        self.many_latency.add(many.latency(50), p99=many.latency(99))
        loads = (r.http, r.http_ungrouped, r.http_many)
        self.conflicts.add(sum(load.version_conflicts for load in loads))
        self.failures.add(
            sum(
                load.failures + sum(load.user_errors.values()) - load.version_conflicts
                for load in loads
            )
        )


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
def http_mutations(
    address: DatabaseAddress, sizes: Sizes, clients: int, settings: dict[str, str] | None = None
) -> LoadResult:
    """Start the API in a subprocess, then drive it from a load generator in another one: one
    client a partnership, ``clients`` at once."""
    with serving("bench.server:app", address.dsn(), settings=settings) as server:
        token = asyncio.run(_admin_token(address))
        partnerships = _register_partnerships(server.url, token, clients)
        config = LoadConfig(server.url, token, tuple(partnerships), sizes.requests, sizes.seconds)
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as generator:
            result = generator.submit(run_load, config).result()
        if result.first_failure:
            console.print(f"[red]first failure:[/red] {result.first_failure}")
        return result


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
