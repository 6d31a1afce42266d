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

import asyncio
import ctypes
import ctypes.util
import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import OperationType, get_operation_ast
from graphql.error import GraphQLError

from schema.limits import MAX_CACHED_DOCUMENT, parse_document

TTL = 5.0
MAX_BYTES = 64 * 1024 * 1024  # the default of PPP_RESPONSE_CACHE_BYTES
_UNCACHEABLE = ("asOf", "projectionStatus")

Key = tuple[str, str, str | None, int]


def _is_cacheable_query(document: str, operation_name: str | None) -> bool:
    if len(document) > MAX_CACHED_DOCUMENT or any(word in document for word in _UNCACHEABLE):
        return False  # a large document is rare, and its key alone would take much room
    return _is_query(document, operation_name)


@lru_cache(maxsize=1_000)
def _is_query(document: str, operation_name: str | None) -> bool:
    try:  # the limits' parse: cached, and refusing an oversized document before parsing it
        operation = get_operation_ast(parse_document(document), operation_name)
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
    """Entries by least recent use, bounded in bytes (each response's encoded text plus its key),
    dropped when they expire: a sweep every ``ttl`` seconds while any are held, then the heap's
    free pages go back to the system, so memory returns after a burst of heavy queries."""

    def __init__(self, max_bytes: int = MAX_BYTES, ttl: float = TTL) -> None:
        self._entries: OrderedDict[Key, tuple[float, Any]] = OrderedDict()
        self._sizes: dict[Key, int] = {}
        self.max_bytes = max_bytes
        self.bytes = 0
        self._ttl = ttl
        self._sweep: asyncio.TimerHandle | None = None
        self.hits = 0
        self.misses = 0
        self.evictions = 0

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
        size = entry_size(key, result)
        if size > self.max_bytes // MIN_ENTRIES:
            return  # one response may not push out most of the others
        self._drop(key)
        self._entries[key] = (time.monotonic() + self._ttl, result)
        self._sizes[key] = size
        self.bytes += size
        while self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))
            self.evictions += 1
        self._schedule_sweep()

    def __len__(self) -> int:
        return len(self._entries)

    def sweep(self) -> None:
        """Drop every expired entry (recent use does not postpone expiry)."""
        self._sweep = None
        now = time.monotonic()
        before = self.bytes
        for key in [key for key, (expires, _) in self._entries.items() if expires < now]:
            self._drop(key)
        if before - self.bytes >= TRIM_AFTER_BYTES:
            release_free_memory()
        self._schedule_sweep()

    def _drop(self, key: Key) -> None:
        if self._entries.pop(key, None) is not None:
            self.bytes -= self._sizes.pop(key)

    def _schedule_sweep(self) -> None:
        if self._sweep is not None or not self._entries:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # used outside a server (tests): expiry still applies on get
        self._sweep = loop.call_later(self._ttl, self.sweep)


# What an entry holds beyond its text: the tuple, the key's strings, the result object.
ENTRY_OVERHEAD = 400
# No entry larger than a sixteenth of the budget.
MIN_ENTRIES = 16
TRIM_AFTER_BYTES = 1_048_576


def entry_size(key: Key, result: Any) -> int:
    document, variables, operation_name, _ = key
    data = getattr(result, "data", None)
    size = len(data.body) if isinstance(data, EncodedData) else len(json.dumps(data, default=str))
    return ENTRY_OVERHEAD + len(document) + len(variables) + len(operation_name or "") + size


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc keeps them otherwise: a freed
    megabyte of response text stays in the process's resident size)."""
    if (trim := _malloc_trim()) is not None:
        trim(0)


@lru_cache(maxsize=1)
def _malloc_trim() -> Any | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc: its allocator returns memory in its own way
