"""Each owner of keys sees its own consistent results, whoever else uses the same keys.

The write side itself (``Registry``), where inputs vary: sequences of (who, key, input, single
or batch) submissions are checked against a model in which a key belongs to its scope, the
first submission of a key wins, an identical retry replays it, and anything else under the same
key in the same scope is refused. Plus concurrent retries on two applications over one
database, as two server processes would be, and the pieces of ``registry.idempotency``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import commands as c
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
from registry.domain.errors import CommandRejected, ErrorCode
from registry.idempotency import (
    LEGACY_SCOPE,
    IdempotencyRecord,
    KeyLocks,
    answer,
    keyed_id,
    scope_name,
    scope_of,
)

SETUP = Actor("scope tests", Role.ADMIN)


@dataclass
class Registries:
    first: Registry
    second: Registry  # another application on the same database: another server process
    partnership: UUID  # both organisations are partners
    actors: tuple[Actor, ...]


@pytest.fixture
def registries(database: DatabaseAddress) -> Iterator[Registries]:
    first = Registry(env=database.eventsourcing_env())
    second = Registry(env=database.eventsourcing_env())
    try:
        orgs = [
            first.register_organisation(
                SETUP,
                c.RegisterOrganisation(
                    name, OrganisationType.NATIONAL_NGO, Sector.CIVIL_SOCIETY, "KE"
                ),
            ).aggregate_id
            for name in ("Org A", "Org B")
        ]
        partnership = first.register_partnership(
            SETUP,
            c.RegisterPartnership(
                title="Digital evidence for judges",
                summary="Judges trained in weighing digital evidence.",
                practice_areas=(PracticeArea.CAPACITY_BUILDING,),
                countries=("KE",),
                start_date=date(2023, 1, 9),
                partners=((orgs[0], PartnerRole.LEAD), (orgs[1], PartnerRole.FUNDER)),
            ),
        ).aggregate_id
        actors = (
            Actor("alice", Role.CONTRIBUTOR, orgs[0]),
            Actor("bob", Role.CONTRIBUTOR, orgs[0]),  # alice's colleague: one key space
            Actor("alice", Role.CONTRIBUTOR, orgs[1]),  # same name, another organisation
            Actor("alice", Role.ADMIN),
            Actor("alice", Role.REVIEWER),  # may not record lessons: refused, keeps no key
        )
        yield Registries(first, second, partnership, actors)
    finally:
        first.close()
        second.close()


def _lesson(partnership: UUID, text: str) -> c.RecordLesson:
    return c.RecordLesson(partnership, LessonKind.RECOMMENDATION, text)


def _submit(
    registry: Registry, actor: Actor, submission: c.Submission, batch: bool
) -> Receipt | CommandRejected:
    if batch:
        (result,) = registry.submit_batch(actor, [submission])
        return result
    try:
        return registry.submit(actor, submission)
    except CommandRejected as rejected:
        return rejected


def _codes(result: Receipt | CommandRejected) -> list[ErrorCode]:
    return [p.code for p in result.problems] if isinstance(result, CommandRejected) else []


STEPS = st.lists(
    st.tuples(
        st.integers(0, 4),  # who
        st.integers(0, 2),  # which key
        st.sampled_from(["Bring prosecutors in early.", "Train the trainers."]),
        st.booleans(),  # alone or as a batch (the importer's path)
        st.booleans(),  # to the first application or the second
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_each_owner_of_keys_sees_its_own_consistent_results(
    registries: Registries, steps: list[tuple[int, int, str, bool, bool]]
) -> None:
    prefix = uuid4().hex  # examples share the database: keys of their own
    first: dict[tuple[UUID, str], tuple[str, str, Receipt]] = {}
    lessons: set[UUID] = set()
    for who, which, text, batch, second in steps:
        actor, key = registries.actors[who], f"{prefix}-{which}"
        registry = registries.second if second else registries.first
        before = registry.recorder.max_notification_id()
        result = _submit(
            registry,
            actor,
            c.Submission(_lesson(registries.partnership, text), idempotency_key=key),
            batch,
        )
        appended = (registry.recorder.max_notification_id() or 0) - (before or 0)
        scope = scope_of(actor)
        if actor.role is Role.REVIEWER:
            assert _codes(result) == [ErrorCode.FORBIDDEN] and appended == 0
        elif (scope, key) not in first:
            assert isinstance(result, Receipt) and not result.replayed, result
            assert appended == 1
            assert result.entity_id == keyed_id(scope, key, "lesson")
            assert result.entity_id not in lessons  # no owner's id is another's
            lessons.add(result.entity_id)
            first[(scope, key)] = (actor.principal, text, result)
        elif first[(scope, key)][:2] == (actor.principal, text):
            assert result == replace(first[(scope, key)][2], replayed=True)
            assert appended == 0
        else:
            assert _codes(result) == [ErrorCode.IDEMPOTENCY_KEY_REUSED] and appended == 0


@pytest.mark.parametrize("expected_version", [False, True])
def test_retries_at_once_on_two_applications_all_get_the_first_result(
    registries: Registries, expected_version: bool
) -> None:
    actor = registries.actors[0]
    for round in range(3):
        version = registries.first.repository.get(registries.partnership).version
        submission = c.Submission(
            _lesson(registries.partnership, f"Round {round}."),
            expected_version=version if expected_version else None,
            idempotency_key=f"at-once-{expected_version}-{round}",
        )
        before = registries.first.recorder.max_notification_id()
        barrier = threading.Barrier(16)

        def send(
            n: int, submission: c.Submission = submission, barrier: threading.Barrier = barrier
        ) -> Receipt | CommandRejected:
            registry = registries.second if n % 2 else registries.first
            barrier.wait()
            return _submit(registry, actor, submission, batch=n % 4 == 3)

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(send, range(16)))
        assert [r for r in results if not isinstance(r, Receipt)] == [], results
        receipts = {replace(r, replayed=False) for r in results if isinstance(r, Receipt)}
        assert len(receipts) == 1
        assert registries.first.recorder.max_notification_id() == (before or 0) + 1


# ---------------------------------------------------------------------- the pieces
def test_a_contributors_scope_is_its_organisation_and_an_admins_its_role_and_name() -> None:
    org = uuid4()
    assert scope_of(Actor("a", Role.CONTRIBUTOR, org)) == scope_of(
        Actor("b", Role.CONTRIBUTOR, org)
    )
    assert scope_of(Actor("a", Role.CONTRIBUTOR, org)) != scope_of(
        Actor("a", Role.CONTRIBUTOR, uuid4())
    )
    assert scope_of(Actor("a", Role.ADMIN)) != scope_of(Actor("a", Role.REVIEWER))
    assert scope_name(Actor("a", Role.ADMIN)) == "admin:a"
    assert LEGACY_SCOPE not in {scope_of(Actor("legacy", role)) for role in Role}


@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=20), st.text(max_size=20))
def test_keyed_ids_of_different_scopes_or_keys_differ(
    first_name: str, second_name: str, first_key: str, second_key: str
) -> None:
    # Colons in names and keys cannot make two (scope, key) pairs spell one id.
    first = keyed_id(scope_of(Actor(first_name, Role.ADMIN)), first_key, "activity")
    second = keyed_id(scope_of(Actor(second_name, Role.ADMIN)), second_key, "activity")
    assert (first == second) == ((first_name, first_key) == (second_name, second_key))


def test_a_legacy_record_replays_only_an_identical_submission_and_blocks_nothing() -> None:
    record = IdempotencyRecord(LEGACY_SCOPE, "k", "print", "RecordLesson", uuid4(), 3, None)
    assert answer(record, "print") == record
    assert answer(record, "other") is None
    owned = replace(record, scope=uuid4())
    assert _codes_of(answer(owned, "other")) == [ErrorCode.IDEMPOTENCY_KEY_REUSED]
    assert answer(None, "print") is None


def _codes_of(value: object) -> list[ErrorCode]:
    assert isinstance(value, CommandRejected)
    return [p.code for p in value.problems]


def test_key_locks_are_forgotten_once_nobody_holds_or_awaits_them() -> None:
    locks = KeyLocks()
    scope = uuid4()
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with locks.held(scope, "k"):
            entered.set()
            release.wait(5)

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = pool.submit(hold)
        entered.wait(5)
        waiter = pool.submit(hold)
        assert len(locks) == 1
        release.set()
        holder.result(5), waiter.result(5)
    assert len(locks) == 0
    with locks.held(scope, None):
        assert len(locks) == 0
