"""Bounded logs: a rejected request logs one line of at most ``MAX_LINE`` characters, and
repeated rejections of one kind are rate limited.

Strawberry logs every error of a response with ``str(error)``, which prints the error's source
line: a 900 KB one-line document wrote 0.96 MB of log per request, and ~1.4 KB for a small bad
one. Here a request's errors become one line (the first message, shortened, and the start of
the document), and each kind of rejection has a token bucket: ``BURST`` lines at once, then one
a ``REFILL_S``, with a bucket over all kinds behind them; what is suppressed is counted on the
next line of its kind let through. The access
log of a rejected request is shortened (a GET carries its document in the URL) and limited the
same way. Internal errors are no rejection: ``MaskInternalErrors`` logs them with their id.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graphql import GraphQLError

log = logging.getLogger("ppp_registry.rejected")

MAX_LINE = 2_000  # characters a rejection's log line may take
_MESSAGE_SHARE = 600  # of which the first error's message
_DOCUMENT_SHARE = 800  # and the start of the document
BURST = 20  # lines of one kind logged at once
REFILL_S = 1.0  # then one line of that kind a second
TOTAL_FACTOR = 3  # all kinds together: three times one kind's burst and rate
MAX_KINDS = 256  # buckets kept (the least recently used go); kinds come from client input
_MAX_ACCESS_PATH = 300
_VARYING = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")  # names and numbers vary; the kind does not


def shortened(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def kind_of(message: str) -> str:
    """The kind of a rejection, for rate limiting: its message with names and numbers blanked."""
    return _VARYING.sub("_", message.partition(" Did you mean")[0][:120])


@dataclass
class _Bucket:
    tokens: float
    updated: float
    suppressed: int = 0

    def take(self, burst: int, refill_s: float, now: float) -> bool:
        self.tokens = min(burst, self.tokens + (now - self.updated) / refill_s)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class RateLimit:
    """Token buckets per kind, and one over all kinds (an attacker can vary the kind).

    Thread-safe: handlers and tests may log from threads.
    """

    def __init__(
        self,
        burst: int = BURST,
        refill_s: float = REFILL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._burst, self._refill_s, self._clock = burst, refill_s, clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._all = _Bucket(float(burst * TOTAL_FACTOR), clock())
        self._lock = threading.Lock()

    def admit(self, kind: str) -> int | None:
        """None to drop this line; else how many lines of its kind were dropped before it."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.pop(kind, None) or _Bucket(float(self._burst), now)
            self._buckets[kind] = bucket
            if len(self._buckets) > MAX_KINDS:
                self._buckets.popitem(last=False)
            if not (
                bucket.take(self._burst, self._refill_s, now)
                and self._all.take(self._burst * TOTAL_FACTOR, self._refill_s / TOTAL_FACTOR, now)
            ):
                bucket.suppressed += 1
                return None
            suppressed, bucket.suppressed = bucket.suppressed, 0
            return suppressed


def rejection_line(errors: Sequence[GraphQLError], document: str | None) -> str:
    first = errors[0]
    where = ""
    if first.locations:
        location = first.locations[0]
        where = f" at {location.line}:{location.column}"
    more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
    text = shortened(" ".join((document or "").split()), _DOCUMENT_SHARE)  # one line
    line = f"rejected: {shortened(first.message, _MESSAGE_SHARE)}{where}{more}; document: {text}"
    return shortened(line, MAX_LINE)


class RejectionLog:
    """What the schema's ``process_errors`` calls, in place of strawberry's logger."""

    def __init__(self, limit: RateLimit | None = None) -> None:
        self._limit = limit or RateLimit()

    def __call__(self, errors: Sequence[GraphQLError], document: str | None) -> None:
        if not errors:
            return
        suppressed = self._limit.admit(kind_of(errors[0].message))
        if suppressed is None:
            return
        note = f" [{suppressed} similar suppressed]" if suppressed else ""
        log.info("%s%s", rejection_line(errors, document), note)


def is_rejection(error: GraphQLError) -> bool:
    """A client's error (parse, validation, a refused input), not a failure of the server."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


class BoundedAccessLog(logging.Filter):
    """uvicorn's access line of a 4xx answer: its path shortened and its kind rate limited.

    The access logger's arguments are (client, method, path, HTTP version, status).
    """

    def __init__(self, limit: RateLimit | None = None) -> None:
        super().__init__()
        self._limit = limit or RateLimit()

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not (isinstance(args, tuple) and len(args) == 5 and isinstance(args[4], int)):
            return True
        client, method, path, version, status = args
        assert isinstance(status, int)
        record.args = (client, method, shortened(str(path), _MAX_ACCESS_PATH), version, status)
        if not 400 <= status < 500:
            return True
        suppressed = self._limit.admit(f"{method} {status}")
        if suppressed is None:
            return False
        if suppressed:
            record.msg = f"{record.msg} [{suppressed} similar suppressed]"
        return True


def bound_access_log(logger: logging.Logger | None = None) -> None:
    """Install ``BoundedAccessLog`` on uvicorn's access logger, once."""
    target = logger or logging.getLogger("uvicorn.access")
    if not any(isinstance(f, BoundedAccessLog) for f in target.filters):
        target.addFilter(BoundedAccessLog())
