"""The one owner of the process-wide cyclic garbage collector's settings.

Two kinds of work tune it: a long-lived server (collect less often, never walk what startup
made again) and building a large document (pause collection while it piles up acyclic objects).
Keeping both here means one place decides, and the two cannot undo each other by accident.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Generation 0 every 20,000 allocations net of frees, instead of 700 (the bench's experiments).
SERVING_THRESHOLDS = (20_000, 50, 100)

_pauses = 0  # builds running with the collector paused
_paused_by_us = False  # whether the first of them paused it (it may have been off already)
_pauses_lock = threading.Lock()  # exports are built on worker threads


def tune_for_serving() -> None:
    """Collect less often, and never walk what startup made again.

    A request allocates thousands of containers that live across awaits while other requests
    run, so many survive into the old generations; with the default thresholds full
    collections ran twice a second and each stalled every request in flight (the cold query
    bench's whole p99 tail). What startup made (modules, the schema, caches) lives as long as
    the process: frozen, collections skip it.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large document is built.

    A regional export creates hundreds of thousands of small, long-lived, acyclic objects (events,
    records, rows of text); the collector would traverse them again and again as they pile up,
    which more than doubles the time of a large export. Reference counting still frees
    everything; the collector resumes when the last concurrent build ends.
    """
    global _pauses, _paused_by_us
    with _pauses_lock:
        if _pauses == 0:
            _paused_by_us = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0 and _paused_by_us:
                gc.enable()
