"""Group commit: the API's concurrent writes saved together, one transaction for many.

Every append takes the event store's table lock for its transaction, so concurrent writers
queue on it one at a time and each pays its own round trips and commit. Here one writer thread
takes what has queued while the previous group was being saved, and saves it with
``Registry.submit_group``: one lock, one commit. Each submission keeps its own validation,
version check and idempotency record, and a rejected one fails no other (see there). No waiting
to fill a group: a lone write is saved at once, and groups grow only when writes arrive faster
than one transaction at a time can take them.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from eventsourcing.persistence import InterfaceError, OperationalError

from registry.application import Receipt, Registry
from registry.commands import Submission
from registry.domain.actor import Actor
from registry.domain.errors import CommandRejected

log = logging.getLogger(__name__)

# Bounds one transaction's work (and the time the first of a group waits for the last).
MAX_GROUP = 64


@dataclass(frozen=True)
class _Pending:
    actor: Actor
    submission: Submission
    answer: Future[Receipt] = field(default_factory=Future)


_STOP = object()


class GroupCommit:
    """One writer thread saving queued submissions in groups; ``submit`` from any thread."""

    def __init__(self, registry: Registry, max_group: int = MAX_GROUP) -> None:
        self._registry = registry
        self._max_group = max_group
        self._queue: queue.SimpleQueue[_Pending | object] = queue.SimpleQueue()
        self._closed = False
        # Held to queue and to close: nothing is queued after the stop, so every queued
        # submission is answered.
        self._closing = threading.Lock()
        self._writer = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self._writer.start()

    def submit(self, actor: Actor, submission: Submission) -> Future[Receipt]:
        """Queue a submission: its future gives the receipt or raises ``CommandRejected``."""
        pending = _Pending(actor, submission)
        with self._closing:
            if not self._closed:
                self._queue.put(pending)
                return pending.answer
        pending.answer.set_exception(RuntimeError("the registry is shutting down"))
        return pending.answer

    def close(self) -> None:
        """Save what is queued, then stop the writer."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._writer.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            group = [first]
            while len(group) < self._max_group:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                group.append(item)
            # A request cancelled while queued is dropped before anything of it is written; once
            # running, its future can no longer be cancelled, so its answer can always be set.
            self._commit(
                [
                    p
                    for p in group
                    if isinstance(p, _Pending) and p.answer.set_running_or_notify_cancel()
                ]
            )

    def _commit(self, group: list[_Pending]) -> None:
        if not group:
            return
        if len(group) == 1:
            self._answer_alone(group[0])  # the key locks and retries of ``submit`` itself
            return
        try:
            results = self._registry.submit_group([(p.actor, p.submission) for p in group])
        except (OperationalError, InterfaceError) as unreachable:
            # The database is away (the event store has already retried): every one of them
            # would meet it again, one after another, so all are told at once (a 503 upstream).
            for pending in group:
                pending.answer.set_exception(unreachable)
            return
        except Exception:
            # Not a rejection (those come back as results): a fault that one of them hit.
            # Each alone, so it fails only the one that meets it.
            log.exception("a group of %d writes failed; saving each alone", len(group))
            for pending in group:
                self._answer_alone(pending)
            return
        for pending, result in zip(group, results, strict=True):
            if isinstance(result, CommandRejected):
                pending.answer.set_exception(result)
            else:
                pending.answer.set_result(result)

    def _answer_alone(self, pending: _Pending) -> None:
        try:
            pending.answer.set_result(self._registry.submit(pending.actor, pending.submission))
        except Exception as error:  # the caller's request re-raises it
            pending.answer.set_exception(error)
