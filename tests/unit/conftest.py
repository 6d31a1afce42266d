"""What the domain's unit tests share: an actor, builders, a refusal check and an in-memory replay.

All of it is served by session-scoped fixtures holding plain functions, so that hypothesis tests
can use them too (hypothesis refuses function-scoped fixtures, which it would not reset between
examples). No database: aggregates are used directly, and replay goes through the library's
in-memory (POPO) persistence.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from registry.domain.actor import Actor, Role
from registry.domain.codelists import (
    ActivityKind,
    LessonKind,
    PartnerRole,
    PracticeArea,
    ResultLevel,
    TargetGroup,
    Verification,
)
from registry.domain.errors import CommandRejected, ErrorCode
from registry.domain.partnership import Partnership
from registry.transcodings import DateAsISO

if TYPE_CHECKING:
    from eventsourcing.persistence import JSONTranscoder

A = TypeVar("A", bound=Aggregate)
Expected = tuple[ErrorCode, tuple[str, ...]]
Refused = Callable[..., AbstractContextManager[None]]

ACTOR = Actor(principal="t", role=Role.CONTRIBUTOR, organisation_id=uuid4())
LEAD = UUID("00000000-0000-4000-8000-00000000000a")
IMPLEMENTER = UUID("00000000-0000-4000-8000-00000000000b")


class InMemoryRegistry(Application[UUID]):
    """The library's application with the registry's date transcoding: saving an aggregate and
    getting it back replays its events through the same JSON the event store holds."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


@pytest.fixture
def new_registry() -> Callable[[], InMemoryRegistry]:
    """An empty in-memory registry each call (a fixture: test modules cannot import conftest
    reliably, as more than one ``conftest`` module exists)."""
    return lambda: InMemoryRegistry(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def replay(aggregate: A) -> A:
    """Save ``aggregate`` (which collects its pending events) and get it back from its events."""
    # The constructor's env wins over the process environment, which may name PostgreSQL.
    app = InMemoryRegistry(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app.save(aggregate)
    copy_: A = app.repository.get(aggregate.id)
    return copy_


@contextmanager
def refusing(aggregate: Aggregate | None, *expected: Expected) -> Iterator[None]:
    """The block must be refused with exactly the ``expected`` problems, as (code, field) pairs,
    and leave ``aggregate`` as it was: same version, no new pending event, same state."""
    before = copy.deepcopy(aggregate)
    with pytest.raises(CommandRejected) as rejection:
        yield
    assert [(p.code, p.field) for p in rejection.value.problems] == list(expected)
    if aggregate is not None and before is not None:
        assert aggregate.version == before.version
        assert len(aggregate.pending_events) == len(before.pending_events)
        assert aggregate == before


@dataclass(frozen=True)
class Build:
    """Valid commands for a partnership, each field overridable by keyword."""

    lead: UUID = LEAD
    implementer: UUID = IMPLEMENTER
    start: date = date(2020, 1, 1)
    actor: Actor = ACTOR

    def registration(self, **overrides: Any) -> dict[str, Any]:
        return {
            "id": uuid4(),
            "title": "Cyber capacity for West Africa",
            "summary": "Training investigators and prosecutors in digital evidence.",
            "objectives": None,
            "practice_areas": [PracticeArea.CAPACITY_BUILDING],
            "countries": ["GH", "NG"],
            "regions": [],
            "start_date": self.start,
            "end_date": None,
            "partners": [
                (self.lead, PartnerRole.LEAD),
                (self.implementer, PartnerRole.IMPLEMENTER),
            ],
            "actor": self.actor,
            **overrides,
        }

    def partnership(self, **overrides: Any) -> Partnership:
        return Partnership.register(**self.registration(**overrides))

    def activity_fields(self, **overrides: Any) -> dict[str, Any]:
        return {
            "activity_id": uuid4(),
            "kind": ActivityKind.TRAINING,
            "practice_area": PracticeArea.CAPACITY_BUILDING,
            "title": "Digital evidence for first responders",
            "description": "Five days in Accra.",
            "start_date": date(2021, 3, 1),
            "end_date": date(2021, 3, 5),
            "countries": ["GH"],
            "target_groups": [TargetGroup.LAW_ENFORCEMENT, TargetGroup.PROSECUTORS],
            "participants": 40,
            "evidence_urls": ["https://example.org/report.pdf"],
            "actor": self.actor,
            **overrides,
        }

    def activity(self, partnership: Partnership, **overrides: Any) -> UUID:
        """Log an activity and return its id."""
        fields = self.activity_fields(**overrides)
        partnership.log_activity(**fields)
        activity_id: UUID = fields["activity_id"]
        return activity_id

    def outcome_fields(self, **overrides: Any) -> dict[str, Any]:
        return {
            "outcome_id": uuid4(),
            "result_level": ResultLevel.OUTCOME,
            "indicator": "Cases prosecuted with digital evidence",
            "unit": "cases",
            "baseline": 3.0,
            "target": 20.0,
            "actual": 12.0,
            "period_start": date(2021, 1, 1),
            "period_end": date(2021, 12, 31),
            "verification": Verification.PARTNER_CONFIRMED,
            "evidence_urls": ["https://example.org/outcomes"],
            "actor": self.actor,
            **overrides,
        }

    def outcome(self, partnership: Partnership, **overrides: Any) -> UUID:
        """Report an outcome and return its id."""
        fields = self.outcome_fields(**overrides)
        partnership.report_outcome(**fields)
        outcome_id: UUID = fields["outcome_id"]
        return outcome_id

    def lesson(self, partnership: Partnership, text: str = "Mixed classes built trust.") -> None:
        partnership.record_lesson(
            lesson_id=uuid4(), kind=LessonKind.SUCCESS_FACTOR, text=text, actor=self.actor
        )


@pytest.fixture(scope="session")
def actor() -> Actor:
    return ACTOR


@pytest.fixture(scope="session")
def build() -> Build:
    return Build()


@pytest.fixture
def partnership(build: Build) -> Partnership:
    return build.partnership()


@pytest.fixture(scope="session")
def refused() -> Refused:
    return refusing


@pytest.fixture(scope="session")
def replayed() -> Callable[[A], A]:
    return replay
