"""The PostgreSQL event store: the library's recorder plus a durable idempotency table.

Idempotency records are inserted in the same transaction as the events they stand for, so a
retried submission either finds its record or appends nothing: there is no window in which the
events exist without the key, or the key without the events.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from registry.idempotency import IdempotencyRecord, IdempotencyTable

# Advisory lock key under which the registry creates its tables (shared with registry.tokens).
DDL_LOCK = 0x5050_0001

# When the database goes away (see ``RegistryRecorder.insert_events``).
APPEND_RETRY_S = 5.0  # how long an append keeps trying before it reports the outage
RETRY_PAUSE_S = 0.2
# psycopg's pool retries a failed connection 1, 2, 4, 8... s apart for 5 minutes: after a long
# outage its next try could come long after the server is back. Given up after a second, a
# connection is made afresh (at once) by the next request that needs one.
POOL_RECONNECT_S = 1.0

T = TypeVar("T")

# The library's methods without its retry decorator, which this recorder replaces.
_library_insert_events: Callable[..., Sequence[int] | None] = inspect.unwrap(
    PostgresApplicationRecorder.insert_events
)
_library_select_events: Callable[..., Sequence[StoredEvent]] = inspect.unwrap(
    PostgresApplicationRecorder.select_events
)


@contextmanager
def ddl_locked(datastore: PostgresDatastore) -> Iterator[None]:
    """Hold the registry's DDL lock: processes starting together on a new database (an API
    and a projector, say) would race in CREATE TABLE IF NOT EXISTS, which can fail on
    PostgreSQL's catalog. One at a time, then: the others wait and find the tables there."""
    with datastore.get_connection() as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK,))


class RegistryRecorder(PostgresApplicationRecorder):
    """Keeps the library's ordered appends (table lock + NOTIFY) and adds idempotency keys.

    Do not enable POSTGRES_ENABLE_DB_FUNCTIONS: its insert function skips the table lock that
    makes log positions commit in order, which the projector relies on to never skip an event.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.idempotency = IdempotencyTable(datastore.schema or "public", events_table_name)
        self.sql_create_statements.append(self.idempotency.create_statement())
        datastore.pool.reconnect_timeout = POOL_RECONNECT_S

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Append, retrying while the database is away, without ever appending twice.

        In place of the library's retry (ten tries, each waiting up to the pool's timeout), for
        two reasons. It held a request for minutes while the database was down. And a commit
        whose acknowledgement was lost with the connection was retried into a conflict with
        its own events, which ``Registry.submit`` takes for another writer's and applies again
        on top: the write twice in the log. A retry that meets a conflict after an uncertain
        attempt first looks for its own events.
        """
        uncertain = False

        def append() -> Sequence[int] | None:
            nonlocal uncertain
            try:
                return self._append_once(stored_events, **kwargs)
            except IntegrityError:
                if uncertain and (positions := self._positions_if_stored(stored_events)):
                    return positions
                raise
            except (InterfaceError, OperationalError):
                uncertain = True
                raise

        return self._retrying(append)

    def select_events(self, *args: Any, **kwargs: Any) -> Sequence[StoredEvent]:
        # Reading an aggregate is safe to retry; retried here to the same deadline as appends.
        return self._retrying(lambda: _library_select_events(self, *args, **kwargs))

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """``attempt()`` again while the database is unreachable, for ``APPEND_RETRY_S``."""
        deadline = time.monotonic() + APPEND_RETRY_S
        while True:
            try:
                return attempt()
            except (InterfaceError, OperationalError):
                if self.datastore.pool.closed or time.monotonic() + RETRY_PAUSE_S >= deadline:
                    raise  # closed: the process is stopping, and nothing will answer
                # Drop every connection a restart left dead, not one per retry.
                self.datastore.pool.check()
                time.sleep(RETRY_PAUSE_S)

    def _append_once(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        return _library_insert_events(self, stored_events, **kwargs)

    def _positions_if_stored(self, stored_events: Sequence[StoredEvent]) -> list[int] | None:
        """The log positions of exactly these events if they are all stored already."""
        if not stored_events:
            return None
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL(
                    "SELECT e.originator_id, e.originator_version, e.topic, e.state,"
                    " e.notification_id"
                    " FROM unnest(%s::uuid[], %s::bigint[]) AS w(id, version)"
                    " JOIN {}.{} AS e"
                    " ON e.originator_id = w.id AND e.originator_version = w.version"
                ).format(
                    Identifier(self.datastore.schema or "public"),
                    Identifier(self.events_table_name),
                ),
                (
                    [e.originator_id for e in stored_events],
                    [e.originator_version for e in stored_events],
                ),
            )
            stored = {
                (row["originator_id"], row["originator_version"]): row for row in curs.fetchall()
            }
        positions = []
        for event in stored_events:
            row = stored.get((event.originator_id, event.originator_version))
            # Byte for byte: the state holds the event's own timestamp and ids, so another
            # writer's event for the same version never equals ours.
            if row is None or row["topic"] != event.topic or bytes(row["state"]) != event.state:
                return None
            positions.append(row["notification_id"])
        return positions

    def create_table(self) -> None:
        with ddl_locked(self.datastore):
            super().create_table()
            # A database made before keys had owners: give its records theirs, once.
            with self.datastore.transaction(commit=True) as curs:
                self.idempotency.migrate(curs)

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # A concurrent retry with the same key in the same scope violates the primary key
        # here, which rolls back the whole append: exactly one of them records events.
        self.idempotency.insert(curs, kwargs.get("idempotency", ()))
        super()._insert_events(curs, stored_events, **kwargs)

    def idempotency_records(self, scope: UUID, keys: Sequence[str]) -> dict[str, IdempotencyRecord]:
        """The records of these keys in this scope, with their events' positions, at once."""
        if not keys:
            return {}
        with self.datastore.transaction(commit=False) as curs:
            return self.idempotency.select(curs, scope, keys)

    def events_after(self, versions: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """The events of each aggregate after its given version, in one statement.

        Ordered by aggregate and version, as replaying them needs.
        """
        if not versions:
            return []
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL(
                    "SELECT e.originator_id, e.originator_version, e.topic, e.state"
                    " FROM unnest(%s::uuid[], %s::bigint[]) AS w(id, after)"
                    " JOIN {}.{} AS e"
                    " ON e.originator_id = w.id AND e.originator_version > w.after"
                    " ORDER BY e.originator_id, e.originator_version"
                ).format(
                    Identifier(self.datastore.schema or "public"),
                    Identifier(self.events_table_name),
                ),
                ([i for i, _v in versions], [v for _i, v in versions]),
            )
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]
