"""The write side's application: submissions in, receipts out, over the library's ``Application``.

Each submission loads what it needs, checks the caller's rights and the expected version, lets
the aggregate validate and trigger its events (the handlers in ``organisation_handlers`` and
``partnership_handlers``, over a ``UnitOfWork``), and saves everything it touched in one
transaction together with its idempotency record. A group (the importer's batches, and the API's
concurrent writes gathered by ``group_commit``) does the same for many submissions in one
transaction, and falls back to one transaction each if that fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from registry import commands as c
from registry import idempotency, organisation_handlers, partnership_handlers
from registry.domain.actor import Actor
from registry.domain.errors import CommandRejected, ErrorCode, duplicate, version_conflict
from registry.domain.identifiers import IatiActivityIndex
from registry.domain.organisation import Organisation, OrganisationNameIndex
from registry.domain.partnership import Partnership
from registry.event_store import RegistryRecorder
from registry.idempotency import IdempotencyRecord, KeyLocks, keyed_id, scope_of
from registry.transcodings import DateAsISO
from registry.unit_of_work import Change, NewId, UnitOfWork

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

    # ------------------------------------------------------------------ one method per use case
    # Those called in-process (by the benches and tests); the API and the importer hand over
    # any command as a ``Submission``. Each returns a Receipt or raises CommandRejected.
    def register_organisation(
        self,
        actor: Actor,
        command: c.RegisterOrganisation,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Receipt:
        return self.submit(
            actor,
            c.Submission(
                command, expected_version=expected_version, idempotency_key=idempotency_key
            ),
        )

    def register_partnership(
        self,
        actor: Actor,
        command: c.RegisterPartnership,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Receipt:
        return self.submit(
            actor,
            c.Submission(
                command, expected_version=expected_version, idempotency_key=idempotency_key
            ),
        )

    def log_activity(
        self,
        actor: Actor,
        command: c.LogActivity,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Receipt:
        return self.submit(
            actor,
            c.Submission(
                command, expected_version=expected_version, idempotency_key=idempotency_key
            ),
        )

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
            uow = self._unit_of_work()
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
        """Apply many submissions of one actor in one transaction (the importer)."""
        return self.submit_group([(actor, submission) for submission in submissions])

    def submit_group(
        self, group: Sequence[tuple[Actor, c.Submission]]
    ) -> list[Receipt | CommandRejected]:
        """Apply many submissions, of one actor or many, in one transaction.

        Each is handled as if alone, in order, seeing the ones before it: its own rights,
        validation, version check and idempotency record; a rejected one changes nothing and
        fails no other. If the save fails (a concurrent writer got in between), each is submitted
        alone, with its own retries.
        """
        # No key locks here (a group holding many could deadlock another): a concurrent
        # retry of one of its keys makes the append fail, and each is then submitted alone.
        earlier = self._earlier_results(group)
        uow = self._unit_of_work()
        uow.prefetch(
            aggregate_id
            for actor, s in group
            if (scope_of(actor), s.idempotency_key) not in earlier
            for aggregate_id in _aggregates_read_by(s.command)
        )
        outcomes: list[Change | Receipt | CommandRejected] = []
        in_group: dict[tuple[UUID, str], tuple[str, int]] = {}
        for index, (actor, submission) in enumerate(group):
            key = submission.idempotency_key
            scoped = (scope_of(actor), key) if key is not None else None
            fingerprint = idempotency.fingerprint(actor, submission) if key is not None else None
            if scoped is not None and fingerprint is not None and scoped in earlier:
                replayed = self._replay(earlier[scoped], fingerprint)
                if replayed is not None:
                    outcomes.append(replayed)
                    continue
            if scoped is not None and scoped in in_group:
                first_fingerprint, first_index = in_group[scoped]
                outcomes.append(
                    outcomes[first_index]
                    if first_fingerprint == fingerprint
                    else idempotency.key_reused()
                )
                continue
            outcomes.append(self._try_handle(uow, actor, submission, fingerprint))
            if scoped is not None and fingerprint is not None:
                in_group[scoped] = (fingerprint, index)
        try:
            positions = self._save(uow)
        except IntegrityError:
            # A concurrent writer got in between: redo each on its own, with its own retries.
            return [self._submit_alone(actor, s) for actor, s in group]
        results = [
            self._receipt(s, o, positions) if isinstance(o, Change) else o
            for (_actor, s), o in zip(group, outcomes, strict=True)
        ]
        return self._first_results_of_rejected(group, results)

    def _first_results_of_rejected(
        self,
        group: Sequence[tuple[Actor, c.Submission]],
        results: list[Receipt | CommandRejected],
    ) -> list[Receipt | CommandRejected]:
        """A keyed rejection may come from seeing a concurrent retry's write (as in ``submit``):
        if its key has a record now, that is the answer."""
        rejected = [
            (actor, s)
            for (actor, s), r in zip(group, results, strict=True)
            if isinstance(r, CommandRejected) and s.idempotency_key is not None
        ]
        if not rejected:
            return results
        records = self._earlier_results(rejected)
        answers: list[Receipt | CommandRejected] = []
        for (actor, submission), result in zip(group, results, strict=True):
            key = submission.idempotency_key
            record = records.get((scope_of(actor), key)) if key is not None else None
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
        self, uow: UnitOfWork, actor: Actor, submission: c.Submission, fingerprint: str | None
    ) -> Change | CommandRejected:
        try:
            return self._handle(uow, actor, submission, fingerprint)
        except CommandRejected as rejected:
            return rejected

    def _handle(
        self,
        uow: UnitOfWork,
        actor: Actor,
        submission: c.Submission,
        fingerprint: str | None = None,
    ) -> Change:
        command = submission.command
        new_id = _new_ids(actor, submission)
        expected_version = submission.expected_version
        if isinstance(command, c.RegisterOrganisation):
            change = organisation_handlers.register_organisation(uow, actor, command, new_id)
        elif isinstance(command, c.ReviseOrganisation):
            change = organisation_handlers.revise_organisation(
                uow, actor, command, expected_version
            )
        elif isinstance(command, c.RegisterPartnership):
            change = partnership_handlers.register_partnership(uow, actor, command, new_id)
        elif isinstance(command, c.RecordIatiVersion):
            change = partnership_handlers.record_iati_version(uow, actor, command)
        else:
            change = partnership_handlers.change_partnership(
                uow, actor, command, expected_version, new_id
            )
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

    def _save(self, uow: UnitOfWork) -> dict[tuple[UUID, int], int]:
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
        self, submission: c.Submission, change: Change, positions: dict[tuple[UUID, int], int]
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
        self, group: Sequence[tuple[Actor, c.Submission]]
    ) -> dict[tuple[UUID, str], IdempotencyRecord]:
        """The first submissions' records of the group's keys, by (scope, key): one query a
        scope."""
        keys: dict[UUID, list[str]] = {}
        for actor, submission in group:
            if submission.idempotency_key is not None:
                keys.setdefault(scope_of(actor), []).append(submission.idempotency_key)
        return {
            (scope, key): record
            for scope, scoped_keys in keys.items()
            for key, record in self.store.idempotency_records(scope, scoped_keys).items()
        }

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

    def _explain_conflict(self, submission: c.Submission, uow: UnitOfWork) -> None:
        """After a failed append: refuse if the caller expected a version; else let it retry."""
        if submission.expected_version is not None:
            target = next(iter(uow.touched.values()))
            current: int = self.repository.get(target.id).version
            raise version_conflict(submission.expected_version, current)
        if isinstance(submission.command, c.RegisterOrganisation):
            # Another registration of the same name won the race for the name index.
            raise duplicate(("name",), "an organisation with this name is already registered")

    def _unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.repository, self.store, self.mapper)


def _new_ids(actor: Actor, submission: c.Submission) -> NewId:
    """Ids for what a submission creates: derived from its key, so a retry names the same."""

    def new_id(purpose: str) -> UUID:
        if submission.idempotency_key is None:
            return uuid4()
        return keyed_id(scope_of(actor), submission.idempotency_key, purpose)

    return new_id


def _aggregates_read_by(command: c.Command) -> tuple[UUID, ...]:
    """The aggregates handling ``command`` loads, for a batch to fetch them all at once."""
    if isinstance(command, c.RegisterOrganisation):
        return (OrganisationNameIndex.id_for(command.name),)
    if isinstance(command, c.ReviseOrganisation):
        return (command.organisation_id,)
    if isinstance(command, c.RegisterPartnership):
        partners = tuple(organisation_id for organisation_id, _role in command.partners)
        if command.iati_identifier is None:
            return partners
        return (*partners, IatiActivityIndex.id_for(command.iati_identifier))
    if isinstance(command, c.AddPartner):
        return (command.partnership_id, command.organisation_id)
    if isinstance(command, c.RecordIatiVersion):
        return (IatiActivityIndex.id_for(command.iati_identifier),)
    return (command.partnership_id,)


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
