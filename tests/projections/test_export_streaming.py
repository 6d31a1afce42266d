"""Exports in bounded memory: the fold streams, so what it holds grows with the case studies of
a region, not with its partnerships; and batches never change a byte.

What is counted is what each pass keeps alive (folded partnership states, case-study documents)
while it runs, through weak references: an honest count of retained objects, not a timing or a
process-size figure (those are ``python -m bench memory``'s).
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest

from projections import exports
from projections.case_studies import composing, fold, regional
from projections.case_studies.documents import CaseStudyDocument
from projections.iati.export import iati_export, iati_stream
from projections.runner import Projector
from registry.application import Registry
from registry.database import DatabaseAddress
from registry.domain.codelists import PartnerRole, PracticeArea
from tests.postgres import scratch_database
from tests.projections.case_study_data import World, Writer, build_world

pytestmark = pytest.mark.anyio

AFRICA = "002"
EXTRA = 24  # partnerships in Africa that are no case study, beside the world's own
BATCH = 4  # partnerships folded at a time by the first pass in these tests


@pytest.fixture(scope="module")
def world_database(postgres_server: DatabaseAddress) -> Iterator[DatabaseAddress]:
    with scratch_database(postgres_server) as address:
        yield address


@pytest.fixture(scope="module")
async def world(world_database: DatabaseAddress) -> World:
    app = Registry(env=world_database.eventsourcing_env())
    try:
        built = await build_world(app)
        write = Writer(app)
        for n in range(EXTRA):
            await write.partnership(
                f"extra-{n}",
                f"Extra partnership {n}",
                ("KE",),
                (PracticeArea.CAPACITY_BUILDING,),
                ((built.acme, PartnerRole.LEAD),),
            )
    finally:
        app.close()
    await Projector(world_database.dsn()).catch_up()
    return built


@pytest.fixture
async def db(world: World, world_database: DatabaseAddress) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(world_database.dsn(), min_size=1, max_size=2) as pool:
        yield pool


class _Alive:
    """Weak references to every object a function made: how many are still alive."""

    def __init__(self) -> None:
        self.objects: weakref.WeakSet[Any] = weakref.WeakSet()
        self.most = 0

    def count(self) -> int:
        alive = len(self.objects)
        self.most = max(self.most, alive)
        return alive


async def test_the_first_pass_holds_one_batch_of_partnerships_at_a_time(
    db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    states = _Alive()
    made = fold.PartnershipState.__init__

    def tracked(self: fold.PartnershipState, *args: Any, **kwargs: Any) -> None:
        made(self, *args, **kwargs)
        states.objects.add(self)

    monkeypatch.setattr(fold.PartnershipState, "__init__", tracked)
    shape_events = regional.shape_events
    batches = 0

    async def counted(*args: Any) -> Any:
        nonlocal batches
        batches += 1
        states.count()  # before a batch is read, the previous one is gone
        return await shape_events(*args)

    monkeypatch.setattr(regional, "shape_events", counted)
    plan = await regional.region_plan(db, AFRICA, batch=BATCH)
    states.count()
    assert plan.figures.partnership_count > EXTRA  # the extra ones are all in Africa
    assert batches >= (EXTRA + BATCH - 1) // BATCH  # so there were many batches
    assert states.most <= BATCH  # never more than one batch of partnerships folded at once
    assert len(states.objects) == 0  # and none kept: the plan holds figures and a ranking
    assert 0 < len(plan.ranked) < EXTRA  # one summary per case study, none per partnership


async def test_the_second_pass_holds_one_batch_of_case_studies_at_a_time(
    db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = _Alive()
    compose = composing.document_of

    def tracked(*args: Any) -> CaseStudyDocument:
        document = compose(*args)
        documents.objects.add(document)
        return document

    monkeypatch.setattr(regional, "document_of", tracked)
    made = await exports.export_stream(db, AFRICA, "md", batch=1)
    pieces = 0
    async for _piece in made.chunks:
        pieces += 1
        documents.count()
    assert pieces >= 4  # head, a piece per case study, the sources
    assert documents.most <= 1  # one document alive at a time with batches of one


@pytest.mark.parametrize("fmt", exports.FORMATS)
async def test_batches_never_change_a_byte(
    db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch, fmt: exports.Format
) -> None:
    whole = await exports.build_export(db, AFRICA, fmt)
    plan = regional.region_plan.__kwdefaults__
    assert plan is not None
    monkeypatch.setitem(plan, "batch", 1)  # the first pass, one partnership at a time
    for batch in (1, 2, 1000):
        made = await exports.export_stream(db, AFRICA, fmt, batch=batch)
        assert b"".join([piece async for piece in made.chunks]) == whole, batch


async def test_the_plan_agrees_with_the_whole_report(db: asyncpg.Pool) -> None:
    one_by_one = await regional.region_plan(db, AFRICA, batch=1)
    report = await regional.region_report(db, AFRICA)
    assert one_by_one.figures == report.figures
    assert [s.partnership_id for s in one_by_one.ranked] == [
        s.partnership_id for s in report.case_studies
    ]
    assert [s.evidence_score for s in one_by_one.ranked] == [
        s.evidence_score for s in report.case_studies
    ]


async def test_the_iati_stream_is_the_iati_file(world: World, db: asyncpg.Pool) -> None:
    whole = await iati_export(db, AFRICA)
    made = await iati_stream(db, AFRICA)
    pieces = [piece async for piece in made.chunks]
    assert b"".join(pieces) == whole.data
    assert made.activity_count == whole.activity_count > EXTRA
    assert made.filename == whole.filename
