"""Idempotency keys: whose a key is, what it stands for, and who waits for whom.

A key belongs to a **scope**, the owner of its key space: a contributor's organisation (so every
token of that organisation shares it), or the principal of an admin or reviewer. Another owner's
use of the same key is simply another key: it neither replays nor blocks anything of the first.
Ids of what a keyed submission creates derive from (scope, key, purpose), so they cannot collide
across owners either.

The write path uses this module through a few pieces, meant to stay the interface when appends
are grouped (a group commit only has to carry ``IdempotencyRecord``s into its transaction):

- ``scope_of(actor)``, ``keyed_id(scope, key, purpose)``, ``fingerprint(actor, submission)``;
- ``answer(record, fingerprint)``: what an earlier record means for a submission;
- ``KeyLocks``: one submission at a time per (scope, key) in a process, so concurrent retries
  wait for the one in flight instead of racing it;
- ``IdempotencyTable``: the durable records, inserted in the transaction of their events under
  a primary key on (scope, key). Across processes that key is what lets exactly one retry
  append; the others fail their append and then find its record.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid5

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier, Literal

from registry import commands as c
from registry.domain.actor import Actor, Role
from registry.domain.errors import CommandRejected, ErrorCode

# The namespace of every id derived here. Before keys had owners, keyed ids were
# uuid5(NAMESPACE, "<purpose>:<key>"); those ids stay valid for what they name.
NAMESPACE = UUID("0d4f3f6e-7a0b-4f1e-8a57-2b9f3c6d1e42")

# The owner of records kept from before keys had owners whose writer could not be read back
# (see ``IdempotencyTable.migrate``). No scope name is "legacy", so no owner's scope is this.
LEGACY_SCOPE = uuid5(NAMESPACE, "legacy")
MIGRATION_BATCH = 5000  # old records given their scope per statement


# ---------------------------------------------------------------------- scopes and ids
def scope_name(actor: Actor) -> str:
    """Who owns the actor's keys, readably: ``organisation:<uuid>`` or ``<role>:<principal>``.

    Token names are not unique, so a contributor's scope is its organisation, never its name;
    an admin's and a reviewer's include the role, so two tokens of one name but different roles
    do not share keys.
    """
    if actor.role is Role.CONTRIBUTOR and actor.organisation_id is not None:
        return f"organisation:{actor.organisation_id}"
    return f"{actor.role.value}:{actor.principal}"


# A group or an import asks for each submission's scope several times; the actors are few.
@lru_cache(maxsize=1_024)
def scope_of(actor: Actor) -> UUID:
    """The scope as stored and as the namespace of keyed ids: fixed size, whatever the name."""
    return uuid5(NAMESPACE, scope_name(actor))


def keyed_id(scope: UUID, key: str, purpose: str) -> UUID:
    """The id a submission with this key in this scope gives what it creates.

    ``purpose`` is "organisation", "partnership", "activity", "outcome" or "lesson"; it has no
    colon, so "<purpose>:<key>" is unambiguous within the scope's namespace.
    """
    return uuid5(scope, f"{purpose}:{key}")


def fingerprint(actor: Actor, submission: c.Submission) -> str:
    """What a key's first submission was, to tell a retry from a reuse of the key.

    Stored with the key, so its text must never change: it is the JSON of ``asdict`` of the
    command, made without ``asdict``'s deep copy (a test keeps the two equal). It names the
    principal, so within an organisation a key one token used is refused to another.
    """
    canonical = json.dumps(
        {
            "command": type(submission.command).__name__,
            "input": submission.command,
            "expected_version": submission.expected_version,
            "principal": actor.principal,
        },
        default=_plain,
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: getattr(value, f.name)
            for f in fields(value)
            if not (f.metadata.get(c.ADDED_LATER) and getattr(value, f.name) == f.default)
        }
    return str(value)


# ---------------------------------------------------------------------- records and answers
@dataclass(frozen=True)
class IdempotencyRecord:
    """What a keyed submission produced: enough to answer a retry with the first payload."""

    scope: UUID
    key: str
    fingerprint: str
    command: str
    aggregate_id: UUID
    version: int
    entity_id: UUID | None
    position: int = 0  # the log position of that version's event, once recorded


def answer(
    record: IdempotencyRecord | None, fingerprint: str
) -> IdempotencyRecord | CommandRejected | None:
    """The record to replay, a refusal of a reused key, or None: the key is new to its owner.

    A legacy record (its owner unknown) is replayed only to a submission identical to its
    first one, principal included; anything else treats the key as new, so nobody is refused
    a key because of one of those.
    """
    if record is None:
        return None
    if record.fingerprint == fingerprint:
        return record
    if record.scope == LEGACY_SCOPE:
        return None
    return key_reused()


def key_reused() -> CommandRejected:
    return CommandRejected.one(
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        ("idempotency_key",),
        "this idempotency key was already used for a different submission",
    )


# ---------------------------------------------------------------------- waiting in a process
class KeyLocks:
    """A lock per (scope, key) in flight; an entry lives only while someone holds or awaits it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple[UUID, str], tuple[threading.Lock, int]] = {}

    @contextmanager
    def held(self, scope: UUID, key: str | None) -> Iterator[None]:
        if key is None:
            yield
            return
        lock = self._enter((scope, key))
        try:
            with lock:
                yield
        finally:
            self._leave((scope, key))

    def __len__(self) -> int:
        return len(self._locks)

    def _enter(self, name: tuple[UUID, str]) -> threading.Lock:
        with self._guard:
            lock, users = self._locks.get(name, (threading.Lock(), 0))
            self._locks[name] = (lock, users + 1)
            return lock

    def _leave(self, name: tuple[UUID, str]) -> None:
        with self._guard:
            lock, users = self._locks[name]
            if users == 1:
                del self._locks[name]
            else:
                self._locks[name] = (lock, users - 1)


# ---------------------------------------------------------------------- the durable table
class IdempotencyTable:
    """``registry_idempotency``: SQL over a cursor of the event store's own transactions."""

    def __init__(self, schema: str, events_table: str) -> None:
        self.schema = schema
        self.name = Identifier(schema, "registry_idempotency")
        self.events = Identifier(schema, events_table)

    def create_statement(self) -> Composed:
        return SQL(
            "CREATE TABLE IF NOT EXISTS {} ("
            " scope uuid NOT NULL,"
            " key text NOT NULL,"
            " fingerprint text NOT NULL,"
            " command text NOT NULL,"
            " aggregate_id uuid NOT NULL,"
            " version bigint NOT NULL,"
            " entity_id uuid,"
            " recorded_at timestamptz NOT NULL DEFAULT now(),"
            " PRIMARY KEY (scope, key))"
        ).format(self.name)

    def insert(self, curs: Cursor[DictRow], records: Sequence[IdempotencyRecord]) -> None:
        """Insert in the caller's transaction; a key already there violates the primary key.

        Sorted, so two transactions inserting the same keys wait for each other rather than
        deadlock.
        """
        if not records:
            return
        ordered = sorted(records, key=lambda r: (r.scope, r.key))
        # One statement for the lot (a row a statement was a fifth of a bulk import's time);
        # WITH ORDINALITY keeps the sorted order the rows are inserted in.
        curs.execute(
            SQL(
                "INSERT INTO {} (scope, key, fingerprint, command, aggregate_id, version,"
                " entity_id) SELECT scope, key, fingerprint, command, aggregate_id, version,"
                " entity_id FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[],"
                " %s::uuid[], %s::bigint[], %s::uuid[]) WITH ORDINALITY AS r(scope, key,"
                " fingerprint, command, aggregate_id, version, entity_id, n) ORDER BY n"
            ).format(self.name),
            (
                [r.scope for r in ordered],
                [r.key for r in ordered],
                [r.fingerprint for r in ordered],
                [r.command for r in ordered],
                [r.aggregate_id for r in ordered],
                [r.version for r in ordered],
                [r.entity_id for r in ordered],
            ),
        )

    def select(
        self, curs: Cursor[DictRow], scope: UUID, keys: Sequence[str]
    ) -> dict[str, IdempotencyRecord]:
        """Each key's record in this scope, else its legacy record, with its event's position."""
        curs.execute(
            SQL(
                "SELECT DISTINCT ON (k.key) k.scope, k.key, k.fingerprint, k.command,"
                " k.aggregate_id, k.version, k.entity_id, e.notification_id AS position"
                " FROM {} AS k JOIN {} AS e"
                " ON e.originator_id = k.aggregate_id AND e.originator_version = k.version"
                " WHERE k.key = ANY(%s) AND k.scope IN (%s, {})"
                " ORDER BY k.key, k.scope = {}"
            ).format(self.name, self.events, Literal(LEGACY_SCOPE), Literal(LEGACY_SCOPE)),
            (list(keys), scope),
        )
        return {row["key"]: IdempotencyRecord(**row) for row in curs.fetchall()}

    def migrate(self, curs: Cursor[DictRow]) -> int:
        """Give the records of the old layout (one global key space) their owners.

        Each old record points at the event its submission appended, and every event names its
        actor: the record goes to that actor's scope, so its owner's retries still replay and
        nobody else's see it. A record whose event cannot be read (encrypted or compressed by
        settings) goes to the legacy scope (see ``answer``). Run under the DDL lock, in one
        transaction; returns how many records it moved (0 when the layout is already new).
        """
        curs.execute(
            "SELECT 1 FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = 'registry_idempotency'"
            " AND column_name = 'scope'",
            (self.schema,),
        )
        if curs.fetchone() is not None:
            return 0
        curs.execute(SQL("ALTER TABLE {} ADD COLUMN scope uuid").format(self.name))
        moved = 0
        while batch := self._unscoped(curs, MIGRATION_BATCH):
            curs.execute(
                SQL(
                    "UPDATE {} AS k SET scope = w.scope"
                    " FROM unnest(%s::text[], %s::uuid[]) AS w(key, scope) WHERE k.key = w.key"
                ).format(self.name),
                ([key for key, _scope in batch], [scope for _key, scope in batch]),
            )
            moved += len(batch)
        curs.execute(
            SQL(
                "ALTER TABLE {0} ALTER COLUMN scope SET NOT NULL,"
                " DROP CONSTRAINT registry_idempotency_pkey, ADD PRIMARY KEY (scope, key)"
            ).format(self.name)
        )
        return moved

    def _unscoped(self, curs: Cursor[DictRow], limit: int) -> list[tuple[str, UUID]]:
        curs.execute(
            SQL(
                "SELECT k.key, e.state FROM {} AS k LEFT JOIN {} AS e"
                " ON e.originator_id = k.aggregate_id AND e.originator_version = k.version"
                " WHERE k.scope IS NULL LIMIT %s"
            ).format(self.name, self.events),
            (limit,),
        )
        return [(row["key"], _writer_scope(row["state"])) for row in curs.fetchall()]


def _writer_scope(state: bytes | None) -> UUID:
    """The scope of the actor an event's stored state names, or the legacy scope."""
    try:
        record: Any = json.loads(bytes(state or b""))["actor"]
        actor = Actor(
            principal=str(record["principal"]),
            role=Role(record["role"]),
            organisation_id=UUID(record["organisation"]) if record["organisation"] else None,
        )
    except (ValueError, KeyError, TypeError):
        return LEGACY_SCOPE
    return scope_of(actor)
