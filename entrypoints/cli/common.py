"""What every verb of the command line shares: the consoles, user errors, progress bars and
argument types."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeAlias, TypeVar

import asyncpg
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from registry import tokens
from registry.database import DatabaseAddress
from registry.progress import Progress as ProgressCallback
from registry.settings import Settings

T = TypeVar("T")

out = Console()
err = Console(stderr=True)

# A verb's implementation: its parsed arguments and the settings in, the exit code out.
Verb = Callable[[argparse.Namespace, Settings], int]
# Subscripted only for the type checker: argparse's class is not generic at run time.
Verbs: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class CliError(Exception):
    """A user's mistake on the command line: printed without a traceback, exit code 2."""


def with_tokens(address: DatabaseAddress, work: Callable[[tokens.Connection], Awaitable[T]]) -> T:
    """Run ``work`` on a fresh connection to the token store, from synchronous code."""

    async def run() -> T:
        connection = await asyncpg.connect(address.dsn())
        try:
            await tokens.ensure_schema(connection)
            return await work(connection)
        finally:
            await connection.close()

    return asyncio.run(run())


@contextmanager
def progress_bar(label: str, *, quiet: bool = False) -> Iterator[ProgressCallback]:
    """A progress bar on stderr, shown from the first report of (done so far, total)."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, disable=quiet) as progress:
        tasks: list[TaskID] = []

        def report(done: int, total: int) -> None:
            if not tasks:
                tasks.append(progress.add_task(label, total=total))
            progress.update(tasks[0], completed=done, total=total)

        yield report


@contextmanager
def rate_bar(
    label: str, *, quiet: bool = False, unit: str = "events"
) -> Iterator[ProgressCallback]:
    """A bar fed (done so far, total), with the rate and the time left."""
    columns = (
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(f"{{task.fields[rate]}} {unit}/s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, disable=quiet) as progress:
        task = progress.add_task(label, total=None, rate="-")
        started = time.monotonic()

        def report(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-6)
            progress.update(task, completed=done, total=total, rate=f"{rate:,.0f}")

        yield report


def positive(raw: str) -> int:
    """An argument type: a whole number of at least 1."""
    try:
        number = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{raw}' is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def position(raw: str) -> int:
    """An argument type: a log position, 0 or more."""
    try:
        number = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{raw}' is not a log position (a number)") from None
    if number < 0:
        raise argparse.ArgumentTypeError("a log position is 0 or more")
    return number
