"""An exact cache of query responses.

The read model changes only when the projector commits, so a query's response is a function of
(document, variables, operation, read-model position) — reads are public, so the caller's
visibility is the same for everyone. The position comes from the projector's notifications
(``Advances``); entries also expire after ``TTL`` seconds, bounding the harm of a lost
notification. Not cached: mutations and subscriptions, documents that read the write side
(``asOf``) or change without the projector (``projectionStatus``: its head moves on append),
and any response with errors.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import OperationType, get_operation_ast, parse
from graphql.error import GraphQLError

TTL = 5.0
MAX_ENTRIES = 2_000
_UNCACHEABLE = ("asOf", "projectionStatus")

Key = tuple[str, str, str | None, int]


@lru_cache(maxsize=1_000)
def _is_cacheable_query(document: str, operation_name: str | None) -> bool:
    if any(word in document for word in _UNCACHEABLE):
        return False
    try:
        operation = get_operation_ast(parse(document), operation_name)
    except GraphQLError:
        return False  # let execution report it
    return operation is not None and operation.operation is OperationType.QUERY


@dataclass(frozen=True, slots=True)
class EncodedData:
    """A response's ``data`` as encoded JSON, as the cache keeps it and compiled reads make it.

    One object an entry instead of a tree of hundreds: a full cache held most of the server's
    heap, which the garbage collector walked on every full collection. A hit is also not
    encoded again.
    """

    body: bytes  # UTF-8 JSON; from the query compiler, the bytes PostgreSQL sent

    @classmethod
    def of(cls, data: Any) -> EncodedData:
        if isinstance(data, EncodedData):
            return data
        return cls(json.dumps(data, separators=(",", ":")).encode())


class ResponseCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, ttl: float = TTL) -> None:
        self._entries: OrderedDict[Key, tuple[float, Any]] = OrderedDict()
        self._max_entries = max_entries
        self._ttl = ttl
        self.hits = 0
        self.misses = 0

    def key(
        self,
        document: str | None,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        position: int,
    ) -> Key | None:
        if not document or not _is_cacheable_query(document, operation_name):
            return None
        canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
        return (document, canonical, operation_name, position)

    def get(self, key: Key) -> Any | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[1]

    def put(self, key: Key, result: Any) -> None:
        self._entries[key] = (time.monotonic() + self._ttl, result)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
