"""The ``lag`` part's writer: appends at a steady rate, in a process of its own.

Run through ``append_steadily`` in a spawned process, so that neither the server's projector nor
the observer shares its interpreter. Appends are scheduled open-loop (the k-th at start + k /
rate), so a slow append does not slow the rate. For each append it records the log position it
committed, ``time.monotonic()`` as the call began, and again right after it returned, that is
once the commit was acknowledged. ``CLOCK_MONOTONIC`` is one clock for every process on the
machine, so the observer can subtract its own readings from these.

Two kinds of append:

- ``registry``: ``Registry.log_activity`` (the write side, event store + NOTIFY), on a few
  partnerships registered first; the position is the receipt's log position;
- ``raw``: the baseline, one asyncpg transaction that inserts a row and NOTIFYs its sequence
  number, the least any commit-then-notify path can cost.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Literal
from uuid import UUID, uuid4

import asyncpg

from registry.application import Registry
from registry.commands import LogActivity, RegisterOrganisation, RegisterPartnership
from registry.domain.actor import Actor, Role
from registry.domain.codelists import (
    ActivityKind,
    OrganisationType,
    PartnerRole,
    PracticeArea,
    Sector,
    TargetGroup,
)

ADMIN = Actor(principal="bench-lag", role=Role.ADMIN)
RAW_CHANNEL = "bench_lag_raw"
RAW_TABLE = "bench_lag_raw"


@dataclass(frozen=True)
class AppendConfig:
    kind: Literal["registry", "raw"]
    dsn: str
    env: dict[str, str]  # the eventsourcing settings of the same database
    rate: float  # appends a second
    count: int
    partnerships: int = 4


@dataclass
class Appended:
    positions: list[int] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)  # time.monotonic() as the call began
    committed_at: list[float] = field(default_factory=list)  # ... and once it returned
    call_ms: list[float] = field(default_factory=list)  # how long each append call took
    behind_ms: float = 0.0  # how far the writer fell behind its schedule, at most


def append_steadily(config: AppendConfig) -> Appended:
    if config.kind == "raw":
        return asyncio.run(_append_raw(config))
    return _append_registry(config)


def _append_registry(config: AppendConfig) -> Appended:
    registry = Registry(env=config.env)
    try:
        # Organisation names are unique: a tag per call, as each run appends to the same store.
        tag = uuid4().hex[:8]
        partnerships = [_register(registry, n, tag) for n in range(config.partnerships)]
        appended = Appended()
        start = time.monotonic()
        for k in range(config.count):
            _sleep_until(start + k / config.rate, appended)
            command = _activity(partnerships[k % len(partnerships)], k)
            sent = time.monotonic()
            receipt = registry.log_activity(ADMIN, command)
            _record(appended, receipt.position, sent)
        return appended
    finally:
        registry.close()


async def _append_raw(config: AppendConfig) -> Appended:
    connection = await asyncpg.connect(config.dsn)
    try:
        # Every run numbers its rows from 1 again.
        await connection.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        await connection.execute(f"CREATE TABLE {RAW_TABLE} (n bigint PRIMARY KEY, state bytea)")
        state = b"x" * 560
        appended = Appended()
        start = time.monotonic()
        for k in range(1, config.count + 1):
            delay = start + (k - 1) / config.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                appended.behind_ms = max(appended.behind_ms, -delay * 1000)
            sent = time.monotonic()
            async with connection.transaction():
                await connection.execute(f"INSERT INTO {RAW_TABLE} VALUES ($1, $2)", k, state)  # noqa: S608
                await connection.execute("SELECT pg_notify($1, $2)", RAW_CHANNEL, str(k))
            _record(appended, k, sent)
        return appended
    finally:
        await connection.close()


def _record(appended: Appended, position: int, sent: float) -> None:
    done = time.monotonic()
    appended.positions.append(position)
    appended.sent_at.append(sent)
    appended.committed_at.append(done)
    appended.call_ms.append((done - sent) * 1000)


def _sleep_until(moment: float, appended: Appended) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    else:
        appended.behind_ms = max(appended.behind_ms, -delay * 1000)


def _register(registry: Registry, number: int, tag: str) -> UUID:
    organisation = registry.register_organisation(
        ADMIN,
        RegisterOrganisation(
            name=f"Lag bench organisation {tag}-{number}",
            org_type=OrganisationType.NATIONAL_NGO,
            sector=Sector.CIVIL_SOCIETY,
            country="KE",
        ),
    ).aggregate_id
    return registry.register_partnership(
        ADMIN,
        RegisterPartnership(
            title=f"Lag bench partnership {number}",
            summary="Police and a CSIRT sharing indicators of compromise.",
            practice_areas=(PracticeArea.INFORMATION_SHARING,),
            countries=("KE",),
            start_date=date(2024, 1, 15),
            partners=((organisation, PartnerRole.LEAD),),
        ),
    ).aggregate_id


def _activity(partnership: UUID, number: int) -> LogActivity:
    return LogActivity(
        partnership_id=partnership,
        kind=ActivityKind.TRAINING,
        practice_area=PracticeArea.CAPACITY_BUILDING,
        title=f"Digital evidence training {number}",
        start_date=date(2024, 2, 1),
        countries=("KE",),
        target_groups=(TargetGroup.LAW_ENFORCEMENT,),
        participants=20,
    )
