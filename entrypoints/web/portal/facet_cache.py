"""Facet counts remembered per read-model position: the same search at the same position has
the same counts, so only the first reader after each event pays for counting.

Counting every value of every facet reads all the hits of a search (at 50,000 partnerships,
all of them for a search with no criteria); a page of results reads 20 rows by an index. The
counts are kept with the read model's head position they were counted at and used while the
head has not moved, as GraphQL's response cache is keyed by the same position.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from projections import queries as q
from projections.case_studies import head_position
from projections.queries.facets import FacetCounts, partnership_facets

ENTRIES = 256  # searches remembered; each is a few hundred counts

Key = tuple[q.PartnershipFilter, tuple[str, ...]]


class FacetCache:
    def __init__(self, entries: int = ENTRIES) -> None:
        self._entries = entries
        self._found: OrderedDict[Key, tuple[int, FacetCounts]] = OrderedDict()

    async def counts(
        self, db: q.Db, criteria: q.PartnershipFilter, areas: Sequence[str]
    ) -> FacetCounts:
        key = (criteria, tuple(areas))
        position = await head_position(db)
        kept = self._found.get(key)
        if kept is not None and kept[0] == position:
            self._found.move_to_end(key)
            return kept[1]
        # Read before counting: if the head moves meanwhile, the counts are kept under the
        # older position and recounted at the next request.
        counts = await partnership_facets(db, criteria, areas)
        self._found[key] = (position, counts)
        self._found.move_to_end(key)
        while len(self._found) > self._entries:
            self._found.popitem(last=False)
        return counts

    def clear(self) -> None:
        self._found.clear()
