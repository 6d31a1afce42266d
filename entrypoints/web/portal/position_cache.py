"""Reads remembered per read-model position: the same read at the same position gives the same
answer, so only the first reader after each event pays for the costly ones.

Counting every value of every facet reads all the hits of a search (at 50,000 partnerships,
all of them for a search with no criteria), and ranking a region's case studies scores every one
of them (3,000 for the World); a page of results reads 20 rows by an index. Those answers are
kept with the read model's head position they were read at and used while the head has not
moved, as GraphQL's response cache is keyed by the same position.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar, cast

from projections import queries as q
from projections.case_studies import head_position

ENTRIES = 512  # answers remembered; each is a few hundred numbers or a page of 20 rows

T = TypeVar("T")


class PositionCache:
    def __init__(self, entries: int = ENTRIES) -> None:
        self._entries = entries
        self._found: OrderedDict[Hashable, tuple[int, object]] = OrderedDict()

    async def read(self, db: q.Db, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        """``read()``'s answer at the head, from memory when it was read at this position."""
        position = await head_position(db)
        kept = self._found.get(key)
        if kept is not None and kept[0] == position:
            self._found.move_to_end(key)
            return cast(T, kept[1])
        # The position is read first: if the head moves meanwhile, the answer is kept under
        # the older position and read again at the next request, never kept past its time.
        answer = await read()
        self._found[key] = (position, answer)
        self._found.move_to_end(key)
        while len(self._found) > self._entries:
            self._found.popitem(last=False)
        return answer

    def clear(self) -> None:
        self._found.clear()
