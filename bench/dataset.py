"""A seeded demo dataset, built once per (size, seed, sources) and cloned for every run.

Seeding goes through the registry's own path (``entrypoints.seeding.seed_demo``, the bulk
importer) at a few thousand events a second, so a million-event log takes minutes. It is built
once into a template database and each run gets a copy (``CREATE DATABASE ... TEMPLATE``), which
PostgreSQL makes at disk speed. Two templates per dataset:

- ``bench_tpl_<N>p_s<seed>_<hash>_log``: the event store and the tokens, no read model;
- ``bench_tpl_<N>p_s<seed>_<hash>_read``: a copy of the first with the read model rebuilt to
  head by ``projections.rebuild`` (what ``ppp-registry rebuild`` runs).

The hash covers the sources that shape the data (the demo generator, the domain, the read
model's DDL and ``PROJECTION_VERSION``), so a change to any of them builds a new template
instead of reusing a stale one; older templates of the same size and seed are dropped then.
Templates live on DATABASE_URL's server, or in the embedded one, like every bench database.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import uuid4

import psycopg
from psycopg import sql

from bench.common import REPOSITORY, console, scalar
from entrypoints import seeding
from projections.read_model import PROJECTION_VERSION
from projections.rebuild import rebuild
from registry.application import Registry
from registry.database import DatabaseAddress, open_database
from registry.settings import Settings

PREFIX = "bench_tpl_"
# Seconds between two progress lines while a template is being built.
PROGRESS_EVERY = 10.0


@contextmanager
def seeded_database(
    partnerships: int, *, seed: int = 0, projected: bool = True
) -> Iterator[DatabaseAddress]:
    """A new database holding the demo dataset of ``partnerships`` partnerships, then dropped.

    It holds the event store and the seeder's tokens, and when ``projected`` the read model
    projected to the head of the log.
    """
    with open_database(Settings.from_env()) as admin:
        template = ensure_template(admin, partnerships, seed=seed, projected=projected)
        name = f"bench_{uuid4().hex[:12]}"
        _run(admin, sql.SQL("CREATE DATABASE {} TEMPLATE {}"), name, template)
        try:
            yield admin.with_dbname(name)
        finally:
            _run(admin, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"), name)


def event_count(address: DatabaseAddress) -> int:
    return int(scalar(address, "SELECT count(*) FROM public.registry_events"))


def template_name(partnerships: int, seed: int, projected: bool) -> str:
    kind = "read" if projected else "log"
    return f"{_stem(partnerships, seed)}{sources_hash(projected)}_{kind}"


def sources_hash(projected: bool) -> str:
    """A short hash of what shapes the dataset; the read model's sources only when projected."""
    paths = sorted((REPOSITORY / "entrypoints" / "demo").glob("*.py"))
    paths += sorted((REPOSITORY / "registry" / "domain").glob("*.py"))
    if projected:
        paths.append(REPOSITORY / "projections" / "schema.sql")
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(REPOSITORY)).encode())
        digest.update(path.read_bytes())
    if projected:
        digest.update(f"PROJECTION_VERSION={PROJECTION_VERSION}".encode())
    return digest.hexdigest()[:8]


def ensure_template(
    admin: DatabaseAddress, partnerships: int, *, seed: int = 0, projected: bool = True
) -> str:
    """The name of the template for this dataset, built first if there is none yet.

    An advisory lock per template makes concurrent callers (parallel bench parts) wait for one
    build instead of each building their own.
    """
    name = template_name(partnerships, seed, projected)
    with psycopg.connect(admin.dsn(), autocommit=True) as lock:
        lock.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
        if _exists(lock, name):
            return name
        _drop_stale(lock, _stem(partnerships, seed), name)
        building = f"{name}__building"
        # A build that crashed leaves its half-made database behind.
        _drop(lock, building)
        if projected:
            source = ensure_template(admin, partnerships, seed=seed, projected=False)
            _run(admin, sql.SQL("CREATE DATABASE {} TEMPLATE {}"), building, source)
            _project(admin.with_dbname(building))
        else:
            _run(admin, sql.SQL("CREATE DATABASE {}"), building)
            _seed(admin.with_dbname(building), partnerships, seed)
        # Nobody may connect to a template while it is cloned; renaming also needs it idle.
        lock.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(*_ids(building, name)))
        lock.execute(
            sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false").format(
                sql.Identifier(name)
            )
        )
        console.log(f"dataset: template {name} ready")
        return name


def _seed(address: DatabaseAddress, partnerships: int, seed: int) -> None:
    total = seeding.line_count(partnerships, seed)
    console.log(
        f"dataset: seeding {partnerships:,} partnerships ({total:,} lines, seed {seed}) into "
        f"{address.dbname}; built once, then cloned"
    )
    report_progress = _Reporter("seeding", "lines", total)
    registry = Registry(env=address.eventsourcing_env())
    try:
        report = seeding.seed_demo(
            registry,
            address,
            partnerships=partnerships,
            seed=seed,
            progress=lambda done, _total: report_progress.to(done),  # done so far, not more
        )
    finally:
        registry.close()
    if report.rejected:
        shown = "; ".join(f"line {r.line}: {r.code.value} {r.reason}" for r in report.rejected[:5])
        raise RuntimeError(f"the demo dataset was rejected in part: {shown}")
    report_progress.finish(f"{report.events:,} events")


def _project(address: DatabaseAddress) -> None:
    total = event_count(address)
    console.log(f"dataset: projecting {total:,} events into the read model of {address.dbname}")
    report_progress = _Reporter("projecting", "events", total)
    asyncio.run(rebuild(address.dsn(), progress=lambda done, _total: report_progress.to(done)))
    report_progress.finish(f"read model at {total:,} events")


class _Reporter:
    """Prints how far a long build has got, every PROGRESS_EVERY seconds, with rate and ETA."""

    def __init__(self, what: str, unit: str, total: int) -> None:
        self.what, self.unit, self.total = what, unit, total
        self.done = 0
        self.started = self.last = time.monotonic()

    def to(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        rate = self.done / (now - self.started)
        left = (self.total - self.done) / rate if rate else float("inf")
        console.log(
            f"dataset: {self.what} {self.done:,}/{self.total:,} {self.unit}"
            f" ({rate:,.0f}/s, about {left:,.0f} s left)"
        )

    def finish(self, outcome: str) -> None:
        console.log(
            f"dataset: {self.what} done, {outcome}, in {time.monotonic() - self.started:.0f} s"
        )


# ---------------------------------------------------------------------- databases
def _stem(partnerships: int, seed: int) -> str:
    return f"{PREFIX}{partnerships}p_s{seed}_"


def _exists(connection: psycopg.Connection[tuple[object, ...]], name: str) -> bool:
    row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def _drop_stale(connection: psycopg.Connection[tuple[object, ...]], stem: str, keep: str) -> None:
    """Templates of the same dataset built from other sources: nobody should clone them now."""
    suffix = keep[keep.rindex("_") :]  # _log or _read: leave the other kind to its own build
    rows = connection.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, %s) AND datname <> %s"
        " AND right(datname, %s) = %s",
        (stem, keep, len(suffix), suffix),
    ).fetchall()
    for (stale,) in rows:
        console.log(f"dataset: dropping the stale template {stale}")
        _drop(connection, str(stale))


def _drop(connection: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    if not _exists(connection, name):
        return
    # A template cannot be dropped until it is an ordinary database again.
    connection.execute(
        sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE false").format(sql.Identifier(name))
    )
    connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _ids(*names: str) -> list[sql.Identifier]:
    return [sql.Identifier(name) for name in names]


def _run(address: DatabaseAddress, statement: sql.SQL, *names: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    with psycopg.connect(address.dsn(), autocommit=True) as connection:
        connection.execute(statement.format(*_ids(*names)))
