"""Group commit: submissions saved together mean exactly what they mean alone.

A differential test runs one mixed sequence (several actors, rights refused, stale versions,
keys retried and reused, in-scope and across scopes, invalid input) through ``submit_group`` in
one database and through ``submit`` one at a time in another, and compares every answer and the
stored events. The writer's own tests check that concurrent submissions do form groups, that a
fault fails only the submission that meets it, and that closing saves what is queued.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from registry import commands as c
from registry.application import Receipt, Registry
from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.domain.codelists import (
    ActivityKind,
    OrganisationType,
    PartnerRole,
    PracticeArea,
    Sector,
)
from registry.domain.errors import CommandRejected
from registry.group_commit import GroupCommit
from tests.postgres import scratch_database

ADMIN = Actor("group-tests", Role.ADMIN)


@pytest.fixture
def registry(database: DatabaseAddress) -> Iterator[Registry]:
    application = Registry(env=database.eventsourcing_env())
    try:
        yield application
    finally:
        application.close()


def _organisation(name: str) -> c.RegisterOrganisation:
    return c.RegisterOrganisation(name, OrganisationType.NATIONAL_NGO, Sector.CIVIL_SOCIETY, "KE")


def _partnership(lead: UUID) -> c.RegisterPartnership:
    return c.RegisterPartnership(
        title="Digital evidence for judges",
        summary="Judges trained in weighing digital evidence.",
        practice_areas=(PracticeArea.CAPACITY_BUILDING,),
        countries=("KE",),
        regions=(),
        start_date=date(2023, 1, 9),
        partners=((lead, PartnerRole.LEAD),),
    )


def _activity(partnership: UUID, title: str) -> c.LogActivity:
    return c.LogActivity(
        partnership, ActivityKind.TRAINING, PracticeArea.CAPACITY_BUILDING, title, date(2023, 3, 1)
    )


def _keyed(registry: Registry, actor: Actor, command: c.Command, key: str) -> Receipt:
    return registry.submit(actor, c.Submission(command, idempotency_key=key))


def _setting(registry: Registry) -> tuple[Actor, Actor, UUID, UUID]:
    """Two organisations and a partnership each, with ids derived from keys (the same in
    every database), and a contributor of each organisation."""
    first = _keyed(registry, ADMIN, _organisation("Kenya Cyber Trust"), "org-1").aggregate_id
    second = _keyed(registry, ADMIN, _organisation("Lagos Digital Rights"), "org-2").aggregate_id
    ours = _keyed(registry, ADMIN, _partnership(first), "pp-1").aggregate_id
    theirs = _keyed(registry, ADMIN, _partnership(second), "pp-2").aggregate_id
    return (
        Actor("kct staff", Role.CONTRIBUTOR, first),
        Actor("ldr staff", Role.CONTRIBUTOR, second),
        ours,
        theirs,
    )


def _sequence(kct: Actor, ldr: Actor, ours: UUID, theirs: UUID) -> list[tuple[Actor, c.Submission]]:
    def s(command: c.Command, key: str | None = None, version: int | None = None) -> c.Submission:
        return c.Submission(command, expected_version=version, idempotency_key=key)

    # Every write that creates something has a key, so its ids are the same in both databases.
    return [
        (kct, s(_activity(ours, "first"), "a")),
        (ldr, s(_activity(ours, "not theirs to write"))),  # FORBIDDEN
        (kct, s(_activity(ours, "first"), "a")),  # a retry: the first answer
        (ldr, s(_activity(theirs, "same key, other scope"), "a")),  # its own scope: applied
        (kct, s(_activity(ours, "other input"), "a")),  # IDEMPOTENCY_KEY_REUSED
        (kct, s(_activity(ours, "expects version 2"), "v", version=2)),  # applied: 2 -> 3
        (kct, s(_activity(ours, "expects version 2 too"), "w", version=2)),  # VERSION_CONFLICT
        (kct, s(_activity(ours, ""))),  # invalid: an empty title
        (ADMIN, s(_activity(theirs, "the admin writes anywhere"), "b")),
        (ADMIN, s(_organisation("Kenya Cyber Trust"), "dup")),  # DUPLICATE name
        (kct, s(_activity(ours, "after the rejections"), "c", version=3)),
    ]


def _answer(outcome: Receipt | CommandRejected) -> tuple[Any, ...]:
    if isinstance(outcome, CommandRejected):
        return ("rejected", tuple(sorted((p.code, p.field) for p in outcome.problems)))
    return ("applied", outcome.command, outcome.aggregate_id, outcome.version, outcome.entity_id)


def _alone(registry: Registry, actor: Actor, submission: c.Submission) -> Receipt | CommandRejected:
    try:
        return registry.submit(actor, submission)
    except CommandRejected as rejected:
        return rejected


def _stored(registry: Registry) -> list[tuple[Any, ...]]:
    """Each aggregate's events in order. Across aggregates a group's events are in the log one
    aggregate after another, not in the order of its submissions (concurrent writes have none)."""
    return sorted(
        (n.originator_id, n.originator_version, n.topic.rsplit(".", 1)[-1])
        for n in registry.recorder.select_notifications(1, 1_000)
    )


def test_a_group_answers_and_stores_what_one_at_a_time_would(
    registry: Registry, postgres_server: DatabaseAddress
) -> None:
    with scratch_database(postgres_server) as other:
        alone = Registry(env=other.eventsourcing_env())
        try:
            sequence = _sequence(*_setting(registry))
            assert _setting(alone) == _setting(registry)  # the same ids, and a retry is a no-op
            grouped = registry.submit_group(sequence)
            one_by_one = [_alone(alone, actor, s) for actor, s in sequence]
            assert [_answer(o) for o in grouped] == [_answer(o) for o in one_by_one]
            assert _stored(registry) == _stored(alone)
        finally:
            alone.close()
    kinds = [_answer(o)[0] for o in grouped]
    assert kinds.count("rejected") == 5 and kinds.count("applied") == 6  # the test sees both


def test_concurrent_submissions_are_saved_in_groups(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    kct, _ldr, ours, _theirs = _setting(registry)
    sizes: list[int] = []
    submit_group = registry.submit_group

    def counted(group: Any) -> Any:
        sizes.append(len(group))
        return submit_group(group)

    monkeypatch.setattr(registry, "submit_group", counted)
    writer = GroupCommit(registry)
    try:
        futures = [
            writer.submit(kct, c.Submission(_activity(ours, f"session {n}"))) for n in range(40)
        ]
        receipts = [f.result(timeout=60) for f in futures]
    finally:
        writer.close()
    assert sorted(r.version for r in receipts) == list(range(2, 42))
    assert sizes and max(sizes) > 1  # forty queued while the first was saved cannot all be alone
    assert registry.repository.get(ours).version == 41


def test_a_fault_fails_only_the_submission_that_meets_it(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    kct, _ldr, ours, _theirs = _setting(registry)
    handle = registry._handle

    def faulty(uow: Any, actor: Actor, submission: c.Submission, *rest: Any) -> Any:
        command = submission.command
        if isinstance(command, c.LogActivity) and command.title == "boom":
            raise RuntimeError("a fault in one command's handling")
        return handle(uow, actor, submission, *rest)

    monkeypatch.setattr(registry, "_handle", faulty)
    writer = GroupCommit(registry)
    try:
        titles = ["before", "boom", "after", *(f"more {n}" for n in range(10))]
        futures = [writer.submit(kct, c.Submission(_activity(ours, t))) for t in titles]
        outcomes = [_settled(f) for f in futures]
    finally:
        writer.close()
    assert isinstance(outcomes[1], RuntimeError)
    assert all(isinstance(o, Receipt) for i, o in enumerate(outcomes) if i != 1)
    assert registry.repository.get(ours).version == 1 + len(titles) - 1


def test_closing_saves_what_is_queued_and_refuses_what_comes_after(registry: Registry) -> None:
    kct, _ldr, ours, _theirs = _setting(registry)
    writer = GroupCommit(registry)
    futures = [writer.submit(kct, c.Submission(_activity(ours, f"queued {n}"))) for n in range(10)]
    writer.close()
    assert all(isinstance(f.result(timeout=0), Receipt) for f in futures)
    late = writer.submit(kct, c.Submission(_activity(ours, "too late")))
    assert isinstance(_settled(late), RuntimeError)
    assert registry.repository.get(ours).version == 11


def _settled(future: Future[Receipt]) -> Receipt | BaseException:
    error = future.exception(timeout=60)
    return error if error is not None else future.result()


def test_a_database_outage_fails_the_whole_group_at_once(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each alone would meet the outage again, one after another on the one writer thread."""
    from eventsourcing.persistence import OperationalError

    kct, _ldr, ours, _theirs = _setting(registry)
    alone: list[c.Submission] = []
    submit = registry.submit

    def away(group: Any) -> Any:
        raise OperationalError("connection refused")

    def counted(actor: Actor, submission: c.Submission) -> Receipt:
        alone.append(submission)
        return submit(actor, submission)

    monkeypatch.setattr(registry, "submit_group", away)
    monkeypatch.setattr(registry, "submit", counted)
    writer = GroupCommit(registry)
    try:
        futures = [writer.submit(kct, c.Submission(_activity(ours, f"w{n}"))) for n in range(20)]
        outcomes = [_settled(f) for f in futures]
    finally:
        writer.close()
    grouped = [o for o in outcomes if isinstance(o, OperationalError)]
    assert len(grouped) + len(alone) == 20  # a lone first write is submitted alone, as ever
    assert len(alone) <= 1 and len(grouped) >= 19
