"""Work run in a fresh interpreter, which reports its own peak resident memory.

``in_child(work, *args)`` starts ``python -c`` on this module (not multiprocessing's spawn,
which would import the bench's ``__main__`` and every part with it), runs ``work``, one of the
functions below, there and returns what it gave with the child's peak RSS
(``VmHWM``, or ``ru_maxrss`` where there is no ``/proc``). This module imports only what the
work needs, so ``idle`` (the interpreter with these imports and nothing run) is the floor that
every other figure sits on.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import asyncpg

from projections import event_batches
from projections.decoding import decode
from projections.exports import Format, export_stream
from projections.iati.export import iati_stream
from projections.rebuild import rebuild

# Not bench.common's: importing it (rich, psycopg) would raise the floor of every figure.
REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Peak:
    mb: float  # peak resident set size of the child process
    seconds: float  # how long the work took in it
    result: Any = None


def in_child(work: Callable[..., Any], *args: Any) -> Peak:
    if globals().get(work.__name__) is not work:
        raise ValueError(f"{work.__name__} is not work of {__name__}")
    with tempfile.TemporaryDirectory() as directory:
        answer = Path(directory) / "peak.pickle"
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-c", f"import {__name__}; {__name__}._child()"],
            input=pickle.dumps((work.__name__, args, str(answer))),
            cwd=REPOSITORY,
            env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
            check=True,
        )
        peak: Peak = pickle.loads(answer.read_bytes())  # noqa: S301 - written by our child
    return peak


def _child() -> None:
    name, args, answer = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - from our parent
    started = time.perf_counter()
    result = globals()[name](*args)
    seconds = time.perf_counter() - started
    Path(answer).write_bytes(pickle.dumps(Peak(_peak_rss_mb(), seconds, result)))


def process_peak_mb(pid: int | str = "self") -> float | None:
    """A process's peak resident set size so far (``VmHWM``), in MB; None without ``/proc``."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _peak_rss_mb() -> float:
    # VmHWM, the peak of this address space: ru_maxrss would also count the parent's pages
    # the fork before exec held, as Linux keeps it across exec.
    peak_mb = process_peak_mb()
    if peak_mb is not None:
        return peak_mb
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Kilobytes on Linux, bytes on macOS.
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


# ---------------------------------------------------------------------- the work
def idle() -> None:
    """Nothing: the interpreter with this module's imports."""


def rebuild_read_model(dsn: str) -> int:
    """What ``ppp-registry rebuild`` runs; the position the new read model reached."""
    return asyncio.run(rebuild(dsn))


def decode_log(dsn: str, batch_size: int = 1000) -> int:
    """Read and decode the whole log by position, keeping nothing: the rebuild minus projecting."""

    async def run() -> int:
        connection = await asyncpg.connect(dsn)
        try:
            count, position = 0, 0
            while rows := await event_batches.fetch_rows(connection, position, batch_size):
                for row in rows:
                    decode(row)
                count += len(rows)
                position = rows[-1].position
            return count
        finally:
            await connection.close()

    return asyncio.run(run())


def export_region(dsn: str, region: str, fmt: Format | Literal["iati"]) -> int:
    """Write one export as the HTTP route and the CLI do, as it streams (here into nothing: a
    file's pages are the kernel's, not the process's); the size of the document in bytes."""

    async def run() -> int:
        async with asyncpg.create_pool(dsn, min_size=1, max_size=2) as pool:
            if fmt == "iati":
                chunks = (await iati_stream(pool, region)).chunks
            else:
                chunks = (await export_stream(pool, region, fmt)).chunks
            return sum([len(piece) async for piece in chunks])

    return asyncio.run(run())
