"""Keys stored before keys had owners keep working: a database of the old layout is migrated.

The old ``registry_idempotency`` had one global key space (``key text PRIMARY KEY``). Each old
record goes to the scope of the actor its event names, so its owner's retries still replay and
everybody else's are new keys. The old layout is made here with the old DDL, verbatim, over
the records a registry wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

import psycopg
import pytest

from registry import commands as c
from registry import idempotency
from registry.application import Receipt, Registry
from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.domain.codelists import (
    LessonKind,
    OrganisationType,
    PartnerRole,
    PracticeArea,
    Sector,
)
from registry.idempotency import LEGACY_SCOPE, scope_of

# The table as the first releases created it (registry/event_store.py before scopes).
OLD_LAYOUT = (
    "CREATE TABLE registry_idempotency ("
    " key text PRIMARY KEY,"
    " fingerprint text NOT NULL,"
    " command text NOT NULL,"
    " aggregate_id uuid NOT NULL,"
    " version bigint NOT NULL,"
    " entity_id uuid,"
    " recorded_at timestamptz NOT NULL DEFAULT now())"
)
ADMIN = Actor("migration tests", Role.ADMIN)


@dataclass
class OldDatabase:
    address: DatabaseAddress
    partnership: UUID
    alice: Actor  # a contributor of the first organisation
    other_alice: Actor  # a contributor of the second, with the same name
    receipts: dict[str, tuple[Actor, c.Submission, Receipt]]


def _lesson(partnership: UUID, text: str) -> c.RecordLesson:
    return c.RecordLesson(partnership, LessonKind.RECOMMENDATION, text)


@pytest.fixture
def old_database(database: DatabaseAddress) -> Iterator[OldDatabase]:
    registry = Registry(env=database.eventsourcing_env())
    try:
        orgs = [
            registry.register_organisation(
                ADMIN,
                c.RegisterOrganisation(
                    name, OrganisationType.NATIONAL_NGO, Sector.CIVIL_SOCIETY, "KE"
                ),
                idempotency_key=f"org:{name}",
            ).aggregate_id
            for name in ("Org A", "Org B")
        ]
        partnership = registry.register_partnership(
            ADMIN,
            c.RegisterPartnership(
                title="Digital evidence for judges",
                summary="Judges trained in weighing digital evidence.",
                practice_areas=(PracticeArea.CAPACITY_BUILDING,),
                countries=("KE",),
                start_date=date(2023, 1, 9),
                partners=((orgs[0], PartnerRole.LEAD), (orgs[1], PartnerRole.FUNDER)),
            ),
        ).aggregate_id
        alice = Actor("alice", Role.CONTRIBUTOR, orgs[0])
        other_alice = Actor("alice", Role.CONTRIBUTOR, orgs[1])
        receipts = {}
        for key, actor in [(f"lesson-{n}", alice) for n in range(5)] + [("admin's", ADMIN)]:
            submission = c.Submission(_lesson(partnership, f"Lesson {key}."), idempotency_key=key)
            receipts[key] = (actor, submission, registry.submit(actor, submission))
    finally:
        registry.close()
    with psycopg.connect(database.dsn(), autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE old_records AS SELECT key, fingerprint, command, aggregate_id,"
            " version, entity_id, recorded_at FROM registry_idempotency"
        )
        connection.execute("DROP TABLE registry_idempotency")
        connection.execute(OLD_LAYOUT)
        connection.execute("INSERT INTO registry_idempotency SELECT * FROM old_records")
        connection.execute("DROP TABLE old_records")
    yield OldDatabase(database, partnership, alice, other_alice, receipts)


def _primary_key(address: DatabaseAddress) -> list[str]:
    with psycopg.connect(address.dsn()) as connection:
        rows = connection.execute(
            "SELECT a.attname FROM pg_index i"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            " WHERE i.indrelid = 'registry_idempotency'::regclass AND i.indisprimary"
            " ORDER BY array_position(i.indkey, a.attnum)"
        ).fetchall()
    return [row[0] for row in rows]


def _scopes(address: DatabaseAddress) -> dict[str, UUID]:
    """Each old key's scope (rows written after the migration under another scope excluded)."""
    with psycopg.connect(address.dsn()) as connection:
        rows = connection.execute(
            "SELECT key, scope FROM registry_idempotency ORDER BY recorded_at DESC"
        ).fetchall()
    return {key: scope for key, scope in rows}  # the oldest, written last, wins


def test_old_records_go_to_their_writers_and_their_retries_still_replay(
    old_database: OldDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idempotency, "MIGRATION_BATCH", 2)  # several batches of few records
    # Two processes starting at once on the old database: one migrates, the other waits.
    with ThreadPoolExecutor(max_workers=2) as pool:
        registries = list(
            pool.map(lambda _n: Registry(env=old_database.address.eventsourcing_env()), range(2))
        )
    try:
        assert _primary_key(old_database.address) == ["scope", "key"]
        scopes = _scopes(old_database.address)
        assert scopes["org:Org A"] == scopes["admin's"] == scope_of(ADMIN)
        assert scopes["lesson-0"] == scope_of(old_database.alice)
        registry = registries[0]
        events = registry.recorder.max_notification_id()
        for actor, submission, receipt in old_database.receipts.values():
            assert registry.submit(actor, submission) == replace(receipt, replayed=True)
        assert registry.recorder.max_notification_id() == events
        # The same key and input from another organisation: a key of its own, a write of its own.
        actor, submission, receipt = old_database.receipts["lesson-0"]
        other = registry.submit(old_database.other_alice, submission)
        assert not other.replayed and other.entity_id != receipt.entity_id
    finally:
        for registry in registries:
            registry.close()
    # Once migrated, a start finds nothing to do.
    Registry(env=old_database.address.eventsourcing_env()).close()
    # The old records keep their scopes (the other organisation's "lesson-0" is a row of its own).
    after = _scopes(old_database.address)
    assert all(after.get(key) == scope for key, scope in scopes.items())


def test_a_record_whose_writer_is_unknown_replays_only_an_identical_submission(
    old_database: OldDatabase,
) -> None:
    registry = Registry(env=old_database.address.eventsourcing_env())
    try:
        # As the migration leaves a record whose event it cannot read (encrypted, say).
        with psycopg.connect(old_database.address.dsn(), autocommit=True) as connection:
            connection.execute(
                "UPDATE registry_idempotency SET scope = %s WHERE key = 'lesson-1'",
                (LEGACY_SCOPE,),
            )
        actor, submission, receipt = old_database.receipts["lesson-1"]
        assert registry.submit(actor, submission) == replace(receipt, replayed=True)
        # Anyone else's submission under that key is not refused: the key is new to them.
        changed = replace(submission, command=_lesson(old_database.partnership, "Another."))
        # (Its entity id is derived from the owner's scope and the key; a record really left to
        # the legacy scope had its ids derived the old, unscoped way, so they cannot meet.)
        fresh = registry.submit(actor, changed)
        assert not fresh.replayed and fresh.position > receipt.position
        # Its owner being unknown, it is told only by the principal's name and the input
        # (the fingerprint): another principal's identical input is a write of its own.
        bob = replace(old_database.other_alice, principal="bob")
        other = registry.submit(bob, submission)
        assert not other.replayed and other.entity_id != receipt.entity_id
    finally:
        registry.close()


def test_a_writer_that_cannot_be_read_back_leaves_its_record_to_the_legacy_scope() -> None:
    assert idempotency._writer_scope(b"\x00 not json") == LEGACY_SCOPE
    assert idempotency._writer_scope(None) == LEGACY_SCOPE
    assert idempotency._writer_scope(b'{"actor": "nobody"}') == LEGACY_SCOPE
