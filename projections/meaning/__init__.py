"""What each event means for the read model: event -> row writes. No I/O here.

One function per event type (in ``partnerships``, ``records``, ``organisations``) returns a
``Meaning``: the writes to run, in order, plus the keys whose derived figures (people trained,
partnership counts, region statistics) the runner refreshes once per batch.
"""

from __future__ import annotations

# Importing the handler modules registers their functions with ``core.on``.
from projections.meaning import organisations, partnerships, records  # noqa: F401
from projections.meaning.batch import BatchMeaning, head_writes, log_row, meaning_of_batch, plain
from projections.meaning.core import (
    IGNORED,
    Meaning,
    UnknownEvent,
    UnknownField,
    Write,
    meaning_of,
)

__all__ = [
    "IGNORED",
    "BatchMeaning",
    "Meaning",
    "UnknownEvent",
    "UnknownField",
    "Write",
    "head_writes",
    "log_row",
    "meaning_of",
    "meaning_of_batch",
    "plain",
]
