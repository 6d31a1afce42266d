"""The write side: one method per command, over the library's ``Application``.

Each submission loads what it needs, checks the caller's rights and the expected version, lets
the aggregate validate and trigger its events, and saves everything it touched in one
transaction together with its idempotency record. A batch (the importer) does the same for
many submissions in one transaction, and falls back to one transaction each if that fails.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, ClassVar, TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, StoredEvent

from registry import commands as c
from registry import idempotency, policy
from registry.domain.actor import Actor
from registry.domain.errors import (
    CommandRejected,
    ErrorCode,
    Problem,
    duplicate,
    not_found,
    version_conflict,
)
from registry.domain.organisation import Organisation, OrganisationNameIndex, name_key
from registry.domain.partnership import Partnership
from registry.event_store import RegistryRecorder
from registry.idempotency import IdempotencyRecord, KeyLocks, keyed_id, scope_of
from registry.transcodings import DateAsISO

A = TypeVar("A", bound=Aggregate)

# Each failed attempt means another writer's append to the same aggregate committed first, so
# with N concurrent writers one may lose N - 1 times: the bound must exceed the write
# concurrency (PPP_WRITE_THREADS, 8 by default, per server process).
_MAX_CONFLICT_RETRIES = 20


@dataclass(frozen=True)
class Receipt:
    """What a successful submission did; ``position`` is the log position of its last event."""

    command: str
    aggregate_id: UUID
    version: int
    position: int
    entity_id: UUID | None = None
    replayed: bool = False


@dataclass(frozen=True)
class _Change:
    aggregate_id: UUID
    entity_id: UUID | None = None
    version: int = 0


class _UnitOfWork:
    """The aggregates one transaction touches, so later submissions of a batch see earlier ones."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self.touched: dict[UUID, Aggregate] = {}
        self.records: list[IdempotencyRecord] = []
        self._absent: set[UUID] = set()  # known, by a prefetch, not to exist

    def prefetch(self, aggregate_ids: Iterable[UUID]) -> None:
        """Load many aggregates with one query, where ``find`` would send one or two each.

        The library's repository fast-forwards a cached aggregate with a query of its own, which
        made those queries a third of a bulk import's time. This asks once for the events after
        each cached version (or all events of an uncached aggregate). It only saves time: the
        append still checks every version, so a stale read fails the transaction as before.
        """
        repository = self._registry.repository
        cache = repository.cache
        wanted = [i for i in dict.fromkeys(aggregate_ids) if i not in self.touched]
        if not wanted:
            return
        cached: dict[UUID, Aggregate] = {}
        if cache is not None:
            for aggregate_id in wanted:
                with contextlib.suppress(KeyError):
                    cached[aggregate_id] = _cached_copy(repository, aggregate_id)
        newer: dict[UUID | str, list[StoredEvent]] = {}
        after = [(i, cached[i].version if i in cached else 0) for i in wanted]
        for stored in self._registry.store.events_after(after):
            newer.setdefault(stored.originator_id, []).append(stored)
        to_domain_event = self._registry.mapper.to_domain_event
        for aggregate_id in wanted:
            events = newer.get(aggregate_id)
            base = cached.get(aggregate_id)
            if events is None:
                if base is None:
                    self._absent.add(aggregate_id)
                else:
                    self.touched[aggregate_id] = base
                continue
            aggregate = base
            for stored in events:
                # What the library's project_aggregate does, without its per-event isinstance
                # check against a runtime Protocol (slow, and a third of this loop).
                aggregate = to_domain_event(stored).mutate(aggregate)  # type: ignore[attr-defined]
            if aggregate is None:
                continue
            if cache is not None:
                cache.put(aggregate_id, aggregate)
            self.touched[aggregate_id] = deepcopy(aggregate)

    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        aggregate = self.touched.get(aggregate_id)
        if aggregate is None and aggregate_id in self._absent:
            return None
        if aggregate is None:
            try:
                aggregate = self._registry.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None
        if not isinstance(aggregate, kind):
            return None
        self.touched[aggregate_id] = aggregate
        return aggregate

    def get(self, aggregate_id: UUID, kind: type[A], field: tuple[str, ...]) -> A:
        aggregate = self.find(aggregate_id, kind)
        if aggregate is None:
            raise not_found(field, f"no {kind.__name__.lower()} with this id")
        return aggregate

    def add(self, aggregate: Aggregate) -> None:
        self.touched[aggregate.id] = aggregate


class Registry(Application[UUID]):
    name = "Registry"
    env: ClassVar[dict[str, str]] = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": "registry.event_store:RegistryRecorder",
        "AGGREGATE_CACHE_MAXSIZE": "20000",
        "POSTGRES_POOL_SIZE": "8",
        "POSTGRES_MAX_OVERFLOW": "8",
        "POSTGRES_LOCK_TIMEOUT": "10",
        # Seconds a write waits for a pooled connection (30 by default): with the database
        # down, each try of an append or a read of the write side would wait that long.
        "POSTGRES_CONNECT_TIMEOUT": "2",
    }

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env)
        # Retries of one key in this process take turns (see ``submit``).
        self._key_locks = KeyLocks()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def store(self) -> RegistryRecorder:
        return cast(RegistryRecorder, self.recorder)

    # ------------------------------------------------------------------ one method per command
    # Options: expected_version=, idempotency_key=. Each returns a Receipt or raises
    # CommandRejected; all go through ``submit``.
    def register_organisation(
        self, actor: Actor, command: c.RegisterOrganisation, **options: Any
    ) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def revise_organisation(
        self, actor: Actor, command: c.ReviseOrganisation, **options: Any
    ) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def register_partnership(
        self, actor: Actor, command: c.RegisterPartnership, **options: Any
    ) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def revise_partnership(
        self, actor: Actor, command: c.RevisePartnership, **options: Any
    ) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def add_partner(self, actor: Actor, command: c.AddPartner, **options: Any) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def remove_partner(self, actor: Actor, command: c.RemovePartner, **options: Any) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def confirm_participation(
        self, actor: Actor, command: c.ConfirmParticipation, **options: Any
    ) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def log_activity(self, actor: Actor, command: c.LogActivity, **options: Any) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def correct_activity(self, actor: Actor, command: c.CorrectActivity, **options: Any) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def retract_activity(self, actor: Actor, command: c.RetractActivity, **options: Any) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def report_outcome(self, actor: Actor, command: c.ReportOutcome, **options: Any) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def correct_outcome(self, actor: Actor, command: c.CorrectOutcome, **options: Any) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def record_lesson(self, actor: Actor, command: c.RecordLesson, **options: Any) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def nominate_best_practice(
        self, actor: Actor, command: c.NominateBestPractice, **options: Any
    ) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def endorse_best_practice(
        self, actor: Actor, command: c.EndorseBestPractice, **options: Any
    ) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def withdraw_endorsement(
        self, actor: Actor, command: c.WithdrawEndorsement, **options: Any
    ) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    def conclude_partnership(
        self, actor: Actor, command: c.ConcludePartnership, **options: Any
    ) -> Receipt:
        return self.submit(actor, c.Submission(command, **options))

    # ------------------------------------------------------------------ submission
    def submit(self, actor: Actor, submission: c.Submission) -> Receipt:
        """Apply one submission; a retry of a keyed one answers the first one's receipt.

        Retries of one key in this process wait for the one in flight, then find its record.
        A retry in another process may race it: the loser's append fails on the key (or on its
        events' versions), and a loser's rejection may come from seeing the winner's write
        (DUPLICATE, VERSION_CONFLICT). So before either ends the submission, it looks again
        for the key's record: the first result, not the race, is the answer.
        """
        scope = scope_of(actor)
        with self._key_locks.held(scope, submission.idempotency_key):
            return self._submit(actor, scope, submission)

    def _submit(self, actor: Actor, scope: UUID, submission: c.Submission) -> Receipt:
        for _attempt in range(_MAX_CONFLICT_RETRIES):
            earlier = self._earlier_result(actor, scope, submission)
            if earlier is not None:
                return earlier
            uow = _UnitOfWork(self)
            try:
                change = self._handle(uow, actor, submission)
                positions = self._save(uow)
            except CommandRejected:
                if (earlier := self._earlier_result(actor, scope, submission)) is not None:
                    return earlier
                raise
            except IntegrityError:
                if (earlier := self._earlier_result(actor, scope, submission)) is not None:
                    return earlier
                self._explain_conflict(submission, uow)
                continue  # no expected version: someone else wrote first, so apply on top
            return self._receipt(submission, change, positions)
        raise CommandRejected.one(
            ErrorCode.VERSION_CONFLICT, (), "too many concurrent writes; please retry"
        )

    def submit_batch(
        self, actor: Actor, submissions: Sequence[c.Submission]
    ) -> list[Receipt | CommandRejected]:
        """Apply many submissions in one transaction; a rejected one changes nothing."""
        # No key locks here (a batch holding many could deadlock another): a concurrent
        # retry of one of its keys makes the append fail, and each is then submitted alone.
        earlier = self._earlier_results(actor, submissions)
        uow = _UnitOfWork(self)
        uow.prefetch(
            aggregate_id
            for s in submissions
            if s.idempotency_key not in earlier
            for aggregate_id in _aggregates_read_by(s.command)
        )
        outcomes: list[_Change | Receipt | CommandRejected] = []
        in_batch: dict[str, tuple[str, int]] = {}
        for index, submission in enumerate(submissions):
            key = submission.idempotency_key
            fingerprint = idempotency.fingerprint(actor, submission) if key is not None else None
            if key is not None and fingerprint is not None and key in earlier:
                replayed = self._replay(earlier[key], fingerprint)
                if replayed is not None:
                    outcomes.append(replayed)
                    continue
            if key is not None and key in in_batch:
                first_fingerprint, first_index = in_batch[key]
                outcomes.append(
                    outcomes[first_index]
                    if first_fingerprint == fingerprint
                    else idempotency.key_reused()
                )
                continue
            outcomes.append(self._try_handle(uow, actor, submission, fingerprint))
            if key is not None and fingerprint is not None:
                in_batch[key] = (fingerprint, index)
        try:
            positions = self._save(uow)
        except IntegrityError:
            # A concurrent writer got in between: redo each on its own, with its own retries.
            return [self._submit_alone(actor, s) for s in submissions]
        results = [
            self._receipt(s, o, positions) if isinstance(o, _Change) else o
            for s, o in zip(submissions, outcomes, strict=True)
        ]
        return self._first_results_of_rejected(actor, submissions, results)

    def _first_results_of_rejected(
        self,
        actor: Actor,
        submissions: Sequence[c.Submission],
        results: list[Receipt | CommandRejected],
    ) -> list[Receipt | CommandRejected]:
        """A keyed rejection may come from seeing a concurrent retry's write (as in ``submit``):
        if its key has a record now, that is the answer."""
        rejected = [
            s
            for s, r in zip(submissions, results, strict=True)
            if isinstance(r, CommandRejected) and s.idempotency_key is not None
        ]
        if not rejected:
            return results
        records = self._earlier_results(actor, rejected)
        answers: list[Receipt | CommandRejected] = []
        for submission, result in zip(submissions, results, strict=True):
            key = submission.idempotency_key
            record = records.get(key) if key is not None else None
            replayed = None
            if isinstance(result, CommandRejected) and record is not None:
                replayed = self._replay(record, idempotency.fingerprint(actor, submission))
            answers.append(replayed if replayed is not None else result)
        return answers

    def _submit_alone(self, actor: Actor, submission: c.Submission) -> Receipt | CommandRejected:
        try:
            return self.submit(actor, submission)
        except CommandRejected as rejected:
            return rejected

    def _try_handle(
        self, uow: _UnitOfWork, actor: Actor, submission: c.Submission, fingerprint: str | None
    ) -> _Change | CommandRejected:
        try:
            return self._handle(uow, actor, submission, fingerprint)
        except CommandRejected as rejected:
            return rejected

    def _handle(
        self,
        uow: _UnitOfWork,
        actor: Actor,
        submission: c.Submission,
        fingerprint: str | None = None,
    ) -> _Change:
        command = submission.command
        if isinstance(command, c.RegisterOrganisation):
            change = self._register_organisation(uow, actor, command, submission)
        elif isinstance(command, c.ReviseOrganisation):
            change = self._revise_organisation(uow, actor, command, submission)
        elif isinstance(command, c.RegisterPartnership):
            change = self._register_partnership(uow, actor, command, submission)
        else:
            change = self._change_partnership(uow, actor, command, submission)
        aggregate = uow.touched[change.aggregate_id]
        change = replace(change, version=aggregate.version)
        if submission.idempotency_key is not None:
            uow.records.append(
                IdempotencyRecord(
                    scope=scope_of(actor),
                    key=submission.idempotency_key,
                    fingerprint=fingerprint or idempotency.fingerprint(actor, submission),
                    command=type(command).__name__,
                    aggregate_id=change.aggregate_id,
                    version=aggregate.version,
                    entity_id=change.entity_id,
                )
            )
        return change

    def _save(self, uow: _UnitOfWork) -> dict[tuple[UUID, int], int]:
        changed = [a for a in uow.touched.values() if a.pending_events]
        if not changed:
            return {}
        recordings = self.save(*changed, idempotency=uow.records)
        cache = self.repository.cache
        if cache is not None:
            # Saved, each is its stored state at its new version: the next read of it (the next
            # batch of an import, say) starts there instead of replaying what was just written.
            # Reads copy from the cache and fast-forward from it, so a later write elsewhere
            # only makes them read a little more.
            for aggregate in changed:
                cache.put(aggregate.id, aggregate)
        return {
            (r.domain_event.originator_id, r.domain_event.originator_version): r.notification.id
            for r in recordings
        }

    def _receipt(
        self, submission: c.Submission, change: _Change, positions: dict[tuple[UUID, int], int]
    ) -> Receipt:
        return Receipt(
            command=type(submission.command).__name__,
            aggregate_id=change.aggregate_id,
            version=change.version,
            position=positions[(change.aggregate_id, change.version)],
            entity_id=change.entity_id,
        )

    # ------------------------------------------------------------------ idempotency
    def _earlier_result(
        self, actor: Actor, scope: UUID, submission: c.Submission
    ) -> Receipt | None:
        """The receipt of this key's first submission in the actor's scope, if there was one."""
        key = submission.idempotency_key
        if key is None:
            return None
        record = self.store.idempotency_records(scope, [key]).get(key)
        replayed = self._replay(record, idempotency.fingerprint(actor, submission))
        if isinstance(replayed, CommandRejected):
            raise replayed
        return replayed

    def _earlier_results(
        self, actor: Actor, submissions: Sequence[c.Submission]
    ) -> dict[str, IdempotencyRecord]:
        keys = [s.idempotency_key for s in submissions if s.idempotency_key is not None]
        return self.store.idempotency_records(scope_of(actor), keys)

    @staticmethod
    def _replay(
        record: IdempotencyRecord | None, fingerprint: str
    ) -> Receipt | CommandRejected | None:
        answer = idempotency.answer(record, fingerprint)
        if answer is None or isinstance(answer, CommandRejected):
            return answer
        record = answer
        return Receipt(
            command=record.command,
            aggregate_id=record.aggregate_id,
            version=record.version,
            position=record.position,
            entity_id=record.entity_id,
            replayed=True,
        )

    def _explain_conflict(self, submission: c.Submission, uow: _UnitOfWork) -> None:
        """After a failed append: refuse if the caller expected a version; else let it retry."""
        if submission.expected_version is not None:
            target = next(iter(uow.touched.values()))
            current: int = self.repository.get(target.id).version
            raise version_conflict(submission.expected_version, current)
        if isinstance(submission.command, c.RegisterOrganisation):
            # Another registration of the same name won the race for the name index.
            raise duplicate(("name",), "an organisation with this name is already registered")

    @staticmethod
    def new_id(actor: Actor, submission: c.Submission, purpose: str) -> UUID:
        if submission.idempotency_key is None:
            return uuid4()
        return keyed_id(scope_of(actor), submission.idempotency_key, purpose)

    # ------------------------------------------------------------------ organisations
    def _register_organisation(
        self,
        uow: _UnitOfWork,
        actor: Actor,
        command: c.RegisterOrganisation,
        submission: c.Submission,
    ) -> _Change:
        policy.authorize_organisation_command(actor, command)
        index = uow.find(OrganisationNameIndex.id_for(command.name), OrganisationNameIndex)
        if index is not None and index.organisation_id is not None:
            raise duplicate(("name",), "an organisation with this name is already registered")
        organisation = Organisation.register(
            id=self.new_id(actor, submission, "organisation"),
            name=command.name,
            org_type=command.org_type,
            sector=command.sector,
            country=command.country,
            website=command.website,
            actor=actor,
        )
        self._claim_name(uow, index, command.name, organisation.id)
        uow.add(organisation)
        return _Change(organisation.id)

    def _revise_organisation(
        self,
        uow: _UnitOfWork,
        actor: Actor,
        command: c.ReviseOrganisation,
        submission: c.Submission,
    ) -> _Change:
        organisation = uow.get(command.organisation_id, Organisation, ("organisation_id",))
        policy.authorize_organisation_command(actor, command)
        _check_version(organisation, submission)
        new_name = command.changes.get("name")
        renamed = new_name is not None and name_key(new_name) != name_key(organisation.name)
        new_index = None
        if renamed:
            assert new_name is not None
            new_index = uow.find(OrganisationNameIndex.id_for(new_name), OrganisationNameIndex)
            if new_index is not None and new_index.organisation_id is not None:
                raise duplicate(("name",), "an organisation with this name is already registered")
        old_name = organisation.name
        organisation.revise(changes=dict(command.changes), reason=command.reason, actor=actor)
        if renamed:
            assert new_name is not None
            old_index = uow.get(
                OrganisationNameIndex.id_for(old_name), OrganisationNameIndex, ("name",)
            )
            old_index.release()
            self._claim_name(uow, new_index, new_name, organisation.id)
        return _Change(organisation.id)

    @staticmethod
    def _claim_name(
        uow: _UnitOfWork, index: OrganisationNameIndex | None, name: str, organisation_id: UUID
    ) -> None:
        if index is None:
            uow.add(OrganisationNameIndex.claim(name, organisation_id))
        else:
            index.reclaim(organisation_id)

    # ------------------------------------------------------------------ partnerships
    def _register_partnership(
        self,
        uow: _UnitOfWork,
        actor: Actor,
        command: c.RegisterPartnership,
        submission: c.Submission,
    ) -> _Change:
        policy.authorize_registration(actor, command)
        missing = [
            Problem(
                ErrorCode.NOT_FOUND,
                ("partners", str(i), "organisation_id"),
                "no organisation with this id",
            )
            for i, (org, _role) in enumerate(command.partners)
            if uow.find(org, Organisation) is None
        ]
        if missing:
            raise CommandRejected(tuple(missing))
        partnership = Partnership.register(
            id=self.new_id(actor, submission, "partnership"),
            title=command.title,
            summary=command.summary,
            objectives=command.objectives,
            practice_areas=command.practice_areas,
            countries=command.countries,
            regions=command.regions,
            start_date=command.start_date,
            end_date=command.end_date,
            partners=command.partners,
            actor=actor,
        )
        uow.add(partnership)
        return _Change(partnership.id)

    def _change_partnership(
        self,
        uow: _UnitOfWork,
        actor: Actor,
        command: c.PartnershipCommand,
        submission: c.Submission,
    ) -> _Change:
        partnership = uow.get(command.partnership_id, Partnership, ("partnership_id",))
        policy.authorize_partnership_command(actor, command, partnership)
        _check_version(partnership, submission)
        handler = _PARTNERSHIP_HANDLERS[type(command)]
        entity_id = handler(self, uow, partnership, command, actor, submission)
        return _Change(partnership.id, entity_id)


def _cached_copy(repository: Repository[UUID], aggregate_id: UUID) -> Aggregate:
    """A copy of a cached aggregate of our own (KeyError if it is not cached).

    The library fast-forwards the cached object in place, under a lock per aggregate: a copy
    taken meanwhile could be torn, or newer than the version it was asked after, so it is
    taken under that lock.
    """
    assert repository.cache is not None
    aggregate = cast(Aggregate, repository.cache.get(aggregate_id))
    lock = repository._use_fastforward_lock(aggregate_id)
    try:
        with lock:
            return deepcopy(aggregate)
    finally:
        repository._disuse_fastforward_lock(aggregate_id)


def _aggregates_read_by(command: c.Command) -> tuple[UUID, ...]:
    """The aggregates handling ``command`` loads, for a batch to fetch them all at once."""
    if isinstance(command, c.RegisterOrganisation):
        return (OrganisationNameIndex.id_for(command.name),)
    if isinstance(command, c.ReviseOrganisation):
        return (command.organisation_id,)
    if isinstance(command, c.RegisterPartnership):
        return tuple(organisation_id for organisation_id, _role in command.partners)
    if isinstance(command, c.AddPartner):
        return (command.partnership_id, command.organisation_id)
    return (command.partnership_id,)


def _check_version(aggregate: Aggregate, submission: c.Submission) -> None:
    expected = submission.expected_version
    if expected is not None and expected != aggregate.version:
        raise version_conflict(expected, aggregate.version)


def _fields_of(command: Any) -> dict[str, Any]:
    """A command's fields by name; shallow, as commands are frozen and hold immutable values."""
    return {f.name: getattr(command, f.name) for f in fields(command)}


# ---------------------------------------------------------------------- partnership handlers
Handler = Callable[[Registry, _UnitOfWork, Partnership, Any, Actor, c.Submission], UUID | None]


def _revise(
    r: Registry, u: _UnitOfWork, p: Partnership, cmd: c.RevisePartnership, a: Actor, s: c.Submission
) -> None:
    p.revise(changes=dict(cmd.changes), reason=cmd.reason, actor=a)


def _add_partner(
    r: Registry, u: _UnitOfWork, p: Partnership, cmd: c.AddPartner, a: Actor, s: c.Submission
) -> None:
    u.get(cmd.organisation_id, Organisation, ("organisation_id",))
    p.add_partner(organisation_id=cmd.organisation_id, role=cmd.role, since=cmd.since, actor=a)


def _remove_partner(
    r: Registry, u: _UnitOfWork, p: Partnership, cmd: c.RemovePartner, a: Actor, s: c.Submission
) -> None:
    p.remove_partner(
        organisation_id=cmd.organisation_id, until=cmd.until, reason=cmd.reason, actor=a
    )


def _confirm(
    r: Registry,
    u: _UnitOfWork,
    p: Partnership,
    cmd: c.ConfirmParticipation,
    a: Actor,
    s: c.Submission,
) -> None:
    p.confirm_participation(organisation_id=cmd.organisation_id, actor=a)


def _log_activity(
    r: Registry, u: _UnitOfWork, p: Partnership, cmd: c.LogActivity, a: Actor, s: c.Submission
) -> UUID:
    activity_id = r.new_id(a, s, "activity")
    values = {k: v for k, v in _fields_of(cmd).items() if k != "partnership_id"}
    p.log_activity(activity_id=activity_id, actor=a, **values)
    return activity_id


def _correct_activity(
    r: Registry, u: _UnitOfWork, p: Partnership, cmd: c.CorrectActivity, a: Actor, s: c.Submission
) -> UUID:
    p.correct_activity(
        activity_id=cmd.activity_id, changes=dict(cmd.changes), reason=cmd.reason, actor=a
    )
    return cmd.activity_id


def _retract_activity(
    r: Registry, u: _UnitOfWork, p: Partnership, cmd: c.RetractActivity, a: Actor, s: c.Submission
) -> UUID:
    p.retract_activity(activity_id=cmd.activity_id, reason=cmd.reason, actor=a)
    return cmd.activity_id


def _report_outcome(
    r: Registry, u: _UnitOfWork, p: Partnership, cmd: c.ReportOutcome, a: Actor, s: c.Submission
) -> UUID:
    outcome_id = r.new_id(a, s, "outcome")
    values = {k: v for k, v in _fields_of(cmd).items() if k != "partnership_id"}
    p.report_outcome(outcome_id=outcome_id, actor=a, **values)
    return outcome_id


def _correct_outcome(
    r: Registry, u: _UnitOfWork, p: Partnership, cmd: c.CorrectOutcome, a: Actor, s: c.Submission
) -> UUID:
    p.correct_outcome(
        outcome_id=cmd.outcome_id, changes=dict(cmd.changes), reason=cmd.reason, actor=a
    )
    return cmd.outcome_id


def _record_lesson(
    r: Registry, u: _UnitOfWork, p: Partnership, cmd: c.RecordLesson, a: Actor, s: c.Submission
) -> UUID:
    lesson_id = r.new_id(a, s, "lesson")
    p.record_lesson(lesson_id=lesson_id, kind=cmd.kind, text=cmd.text, actor=a)
    return lesson_id


def _nominate(
    r: Registry,
    u: _UnitOfWork,
    p: Partnership,
    cmd: c.NominateBestPractice,
    a: Actor,
    s: c.Submission,
) -> None:
    p.nominate_best_practice(rationale=cmd.rationale, actor=a)


def _endorse(
    r: Registry,
    u: _UnitOfWork,
    p: Partnership,
    cmd: c.EndorseBestPractice,
    a: Actor,
    s: c.Submission,
) -> None:
    p.endorse_best_practice(rationale=cmd.rationale, actor=a)


def _withdraw(
    r: Registry,
    u: _UnitOfWork,
    p: Partnership,
    cmd: c.WithdrawEndorsement,
    a: Actor,
    s: c.Submission,
) -> None:
    p.withdraw_endorsement(reason=cmd.reason, actor=a)


def _conclude(
    r: Registry,
    u: _UnitOfWork,
    p: Partnership,
    cmd: c.ConcludePartnership,
    a: Actor,
    s: c.Submission,
) -> None:
    p.conclude(end_date=cmd.end_date, summary=cmd.summary, actor=a)


_PARTNERSHIP_HANDLERS: dict[type[Any], Handler] = {
    c.RevisePartnership: _revise,
    c.AddPartner: _add_partner,
    c.RemovePartner: _remove_partner,
    c.ConfirmParticipation: _confirm,
    c.LogActivity: _log_activity,
    c.CorrectActivity: _correct_activity,
    c.RetractActivity: _retract_activity,
    c.ReportOutcome: _report_outcome,
    c.CorrectOutcome: _correct_outcome,
    c.RecordLesson: _record_lesson,
    c.NominateBestPractice: _nominate,
    c.EndorseBestPractice: _endorse,
    c.WithdrawEndorsement: _withdraw,
    c.ConcludePartnership: _conclude,
}


# ---------------------------------------------------------------------- reads of the write side
def load_partnership(
    registry: Registry,
    partnership_id: UUID,
    *,
    version: int | None = None,
    as_of: datetime | None = None,
) -> Partnership | None:
    """A partnership at a version, or as it stood at a moment (rebuilt from its events)."""
    if as_of is not None:
        version = _version_at(registry, partnership_id, as_of)
        if version is None:
            return None
    try:
        aggregate: Aggregate = registry.repository.get(partnership_id, version=version)
    except AggregateNotFoundError:
        return None
    return aggregate if isinstance(aggregate, Partnership) else None


def load_organisation(
    registry: Registry, organisation_id: UUID, *, version: int | None = None
) -> Organisation | None:
    try:
        aggregate: Aggregate = registry.repository.get(organisation_id, version=version)
    except AggregateNotFoundError:
        return None
    return aggregate if isinstance(aggregate, Organisation) else None


def _version_at(registry: Registry, aggregate_id: UUID, moment: datetime) -> int | None:
    version = None
    for event in registry.events.get(aggregate_id):
        if not isinstance(event, DomainEvent) or event.timestamp > moment:
            break
        version = event.originator_version
    return version
