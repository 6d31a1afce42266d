"""A projector killed outright, again and again in the middle of catching up, loses nothing.

The projector runs in a process of its own, as in production, and is killed with SIGKILL: no
``finally`` runs, no connection is closed politely. Each batch commits whole with its tracking
position or not at all, and the advisory lock dies with the session, so the next process takes
over at once and the model it finishes equals one built cleanly from the same log.
"""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import anyio.to_thread
import asyncpg
import asyncpg.exceptions as pg
import pytest

from projections import locks
from projections.read_model import LIVE_SCHEMA
from projections.runner import Projector
from projections.tracking import Tracking, read_tracking
from registry import commands as c
from registry.application import Receipt, Registry
from registry.domain.codelists import (
    ActivityKind,
    LessonKind,
    OrganisationType,
    PartnerRole,
    PracticeArea,
    ResultLevel,
    Sector,
    Verification,
)
from registry.domain.errors import CommandRejected
from tests.projections.conftest import ADMIN, checksum

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
KILLS = 8
BATCH_SIZE = 50
LEADS_WITHIN = 5.0  # seconds: a fresh process starts, connects and takes the free lock
RELEASED_WITHIN = 5.0  # seconds: the server notices the dead client and drops its session
# Events left to apply when a projector starts: more than it gets through before its kill.
AHEAD = 2500

# A projector that runs until it is killed: nothing here ever sets ``stop``.
PROJECTOR_SCRIPT = f"""
import asyncio, sys
from projections.runner import Projector

async def main() -> None:
    await Projector(sys.argv[1], batch_size={BATCH_SIZE}, poll_interval=0.1).run(asyncio.Event())

asyncio.run(main())
"""

COUNTRIES = ("KE", "FR", "NG", "BR", "IN", "GH", "DE", "ZA", "JP", "MX")
AREAS = tuple(PracticeArea)


# ---------------------------------------------------------------------- the history
def _applied(results: Sequence[Receipt | CommandRejected]) -> list[Receipt]:
    rejected = [r for r in results if isinstance(r, CommandRejected)]
    assert not rejected, rejected[:3]
    return [r for r in results if isinstance(r, Receipt)]


def _submit_all(
    registry: Registry, commands: Sequence[c.Command], chunk: int = 250
) -> list[Receipt]:
    receipts: list[Receipt] = []
    for start in range(0, len(commands), chunk):
        submissions = [c.Submission(command) for command in commands[start : start + chunk]]
        receipts += _applied(registry.submit_batch(ADMIN, submissions))
    return receipts


def write_history(registry: Registry, prefix: str, partnerships: int = 300) -> int:
    """A few thousand events of every kind the projector handles; returns how many."""
    before = registry.recorder.max_notification_id() or 0
    organisations = [
        r.aggregate_id
        for r in _submit_all(
            registry,
            [
                c.RegisterOrganisation(
                    f"Organisation {prefix}-{n}",
                    tuple(OrganisationType)[n % len(OrganisationType)],
                    tuple(Sector)[n % len(Sector)],
                    COUNTRIES[n % len(COUNTRIES)],
                )
                for n in range(40)
            ],
        )
    ]
    ids = [
        r.aggregate_id
        for r in _submit_all(
            registry,
            [
                c.RegisterPartnership(
                    title=f"Partnership {n}",
                    summary="Training prosecutors and police in digital evidence.",
                    practice_areas=(AREAS[n % len(AREAS)],),
                    countries=(COUNTRIES[n % len(COUNTRIES)],),
                    start_date=date(2020, 1 + n % 12, 1),
                    partners=(
                        (organisations[n % 40], PartnerRole.LEAD),
                        (organisations[(n + 1) % 40], PartnerRole.FUNDER),
                    ),
                )
                for n in range(partnerships)
            ],
        )
    ]
    first: list[c.Command] = []
    for n, p in enumerate(ids):
        first += [
            c.LogActivity(
                p,
                ActivityKind.TRAINING,
                PracticeArea.CAPACITY_BUILDING,
                f"Course {n}",
                date(2021, 4, 1),
                countries=(COUNTRIES[(n + 3) % len(COUNTRIES)],),
                participants=10 + n % 7,
            ),
            c.ReportOutcome(
                p,
                ResultLevel.OUTPUT,
                f"Officers trained ({n})",
                Verification.SELF_REPORTED,
                baseline=0,
                target=100,
                actual=float(n % 90),
            ),
            c.RecordLesson(p, LessonKind.RECOMMENDATION, f"Lesson {n}"),
            c.AddPartner(p, organisations[(n + 2) % 40], PartnerRole.IMPLEMENTER),
            c.RevisePartnership(
                p,
                {"title": f"Partnership {n}, revised", "countries": (COUNTRIES[(n + 5) % 10],)},
                "scope changed",
            ),
        ]
    receipts = _submit_all(registry, first)
    activities = [r.entity_id for r in receipts if r.command == "LogActivity"]
    outcomes = [r.entity_id for r in receipts if r.command == "ReportOutcome"]
    second: list[c.Command] = []
    for n, (p, activity, outcome) in enumerate(zip(ids, activities, outcomes, strict=True)):
        assert activity is not None and outcome is not None
        second += [
            c.CorrectActivity(p, activity, {"participants": 30 + n % 11}, "miscounted"),
            c.CorrectOutcome(p, outcome, {"actual": float(100 + n % 60)}, "audited"),
            c.NominateBestPractice(p, "It worked."),
        ]
        if n % 3 == 0:
            second.append(c.RetractActivity(p, activity, "never happened"))
        if n % 4 == 0:
            second += [
                c.EndorseBestPractice(p, "It did."),
                c.RemovePartner(p, organisations[(n + 1) % 40], "funding ended", date(2022, 1, 1)),
            ]
        if n % 5 == 0:
            second.append(c.ConcludePartnership(p, date(2023, 6, 30), "Done."))
    second += [
        c.ReviseOrganisation(o, {"name": f"Organisation {prefix}-{n} (renamed)"}, "rebranded")
        for n, o in enumerate(organisations[::4])
    ]
    _submit_all(registry, second)
    return (registry.recorder.max_notification_id() or 0) - before


# ---------------------------------------------------------------------- the processes
def _named(dsn: str, name: str) -> str:
    """The DSN with an application_name, so pg_stat_activity tells whose session is whose."""
    separator = "&" if urlsplit(dsn).query else "?"
    return dsn + separator + urlencode({"application_name": name})


@dataclass
class Projectors:
    """Projector processes, each with its stderr in a file; killed at the end if still alive."""

    dsn: str
    logs: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 (our own interpreter, our own script)
                [sys.executable, "-c", PROJECTOR_SCRIPT, _named(self.dsn, name)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-2000:]


@pytest.fixture
def projectors(dsn: str, tmp_path: Path) -> Iterator[Projectors]:
    processes = Projectors(dsn, tmp_path)
    try:
        yield processes
    finally:
        for process in processes.started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


async def leader(connection: asyncpg.Connection) -> str | None:
    """The application_name of the session holding the projector's lock, if any does."""
    holders = await connection.fetch(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int::oid"
        " AND l.objid = hashtext($2)::oid"
        # pg_locks spans the cluster: another database's projector is not this one.
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        locks.LOCK_CLASS,
        f"{locks.PROJECTOR}:{LIVE_SCHEMA}",
    )
    assert len(holders) <= 1, holders
    return holders[0]["application_name"] if holders else None


async def wait_until(condition: Callable[[], Awaitable[bool]], timeout: float) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def tracking(connection: asyncpg.Connection) -> Tracking:
    try:
        return await read_tracking(connection, LIVE_SCHEMA)
    except (pg.UndefinedTableError, pg.InvalidSchemaNameError, LookupError):
        return Tracking(0, None, None)  # the first projector has not created the model yet


async def position(connection: asyncpg.Connection) -> int:
    return (await tracking(connection)).position


# ---------------------------------------------------------------------- the test
async def test_a_projector_killed_mid_catch_up_again_and_again_ends_equal_to_a_clean_build(
    registry: Registry,
    dsn: str,
    connection: asyncpg.Connection,
    projectors: Projectors,
) -> None:
    rng = random.Random()  # noqa: S311 (timing, not secrets)
    reached = [0]
    in_a_transaction = 0

    async def head() -> int:
        value: int = await connection.fetchval(
            "SELECT coalesce(max(notification_id), 0) FROM registry_events"
        )
        return value

    for kill in range(KILLS):
        # Enough of the log left that this kill lands before the head, however fast the machine.
        while await head() - reached[-1] < AHEAD:
            events = await anyio.to_thread.run_sync(write_history, registry, str(kill))
            assert events > 3000

        name = f"crash-test-{kill}"
        process = projectors.start(name)

        async def leads(name: str = name) -> bool:
            return await leader(connection) == name

        # The previous one's lock is gone (checked below), so this one leads at once.
        assert await wait_until(leads, LEADS_WITHIN), (
            f"{name} does not lead; {await leader(connection)} does: {projectors.log(name)}"
        )

        async def moved(before: int = reached[-1]) -> bool:
            return await position(connection) > before

        # Let it apply a batch or more, then kill it wherever it is: nearly always inside one.
        assert await wait_until(moved, 10), (
            f"{name} applies nothing: {await tracking(connection)} {projectors.log(name)}"
        )
        await asyncio.sleep(rng.uniform(0.05, 0.3))
        in_a_transaction += await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1"
            " AND xact_start IS NOT NULL",
            name,
        )
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL

        async def released(name: str = name) -> bool:
            return await leader(connection) != name

        assert await wait_until(released, RELEASED_WITHIN), f"the killed {name} still leads"
        reached.append(await position(connection))
        # The kill landed during the catch-up: after progress, before the head.
        assert reached[-2] < reached[-1] < await head(), reached

    assert in_a_transaction > 0, "no kill caught the projector inside a transaction"

    # A last process takes over and finishes; then it, too, is killed.
    process = projectors.start("crash-test-last")
    end = await head()

    async def done() -> bool:
        return await position(connection) == end

    assert await wait_until(done, 30), (
        f"stuck before {end}: {await tracking(connection)} {projectors.log('crash-test-last')}"
    )
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert (await tracking(connection)).last_error is None

    await Projector(dsn, schema="clean").catch_up()
    assert await checksum(connection, LIVE_SCHEMA) == await checksum(connection, "clean")
