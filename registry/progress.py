"""How long-running work (imports, seeding, rebuilds, exports) reports how far it has come."""

from __future__ import annotations

from collections.abc import Callable

# Called with (units done so far, units in total); the units are the caller's (events,
# partnerships, commands). The total may grow while the work runs, never the done count backwards.
Progress = Callable[[int, int], None]


def ignore(_done: int, _total: int) -> None:
    """A progress callback for callers that do not show progress."""
