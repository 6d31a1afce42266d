"""Case studies folded from the audit log: which partnerships are case studies, their ranking,
their citations, documents at past positions, and agreement with the read-model tables."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from uuid import UUID, uuid4

import asyncpg
import pytest

from projections import case_studies as cs
from projections import queries as q
from projections.runner import Projector
from registry import geography
from registry.application import Registry
from registry.collector import paused
from registry.database import DatabaseAddress
from tests.postgres import scratch_database
from tests.projections.case_study_data import MARKUP_TITLE, World, build_world

pytestmark = pytest.mark.anyio

AFRICA = "002"


# ---------------------------------------------------------------------------- fixtures
# One database with the fixed dataset for the whole module: these tests only read it.


@pytest.fixture(scope="module")
def world_database(postgres_server: DatabaseAddress) -> Iterator[DatabaseAddress]:
    with scratch_database(postgres_server) as address:
        yield address


@pytest.fixture(scope="module")
async def world(world_database: DatabaseAddress) -> World:
    app = Registry(env=world_database.eventsourcing_env())
    try:
        built = await build_world(app)
    finally:
        app.close()
    await Projector(world_database.dsn()).catch_up()
    return built


@pytest.fixture
async def db(world: World, world_database: DatabaseAddress) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(world_database.dsn(), min_size=1, max_size=2) as pool:
        yield pool


def _ids(report: cs.RegionReport) -> list[UUID]:
    return [s.partnership_id for s in report.case_studies]


def _study(report: cs.RegionReport, partnership: UUID) -> cs.CaseStudyDocument:
    return next(s for s in report.case_studies if s.partnership_id == partnership)


# ---------------------------------------------------------------------------- the rules


async def test_a_case_study_is_a_partnership_endorsed_and_not_withdrawn(
    world: World, db: asyncpg.Pool
) -> None:
    africa = await cs.region_report(db, AFRICA)
    assert set(_ids(africa)) == {world.judges, world.awareness, world.hygiene_rw, world.hygiene_et}
    assert world.victims not in _ids(africa)  # nominated only
    assert world.hotline not in _ids(africa)  # endorsed, then withdrawn
    europe = await cs.region_report(db, "150")
    assert set(_ids(europe)) == {world.france, world.moved}  # moved to France after endorsement


async def test_case_studies_are_ranked_by_evidence_score_then_title(
    world: World, db: asyncpg.Pool
) -> None:
    report = await cs.region_report(db, AFRICA)
    assert _ids(report) == [world.judges, world.awareness, world.hygiene_et, world.hygiene_rw]
    assert [s.evidence_score for s in report.case_studies] == [8.0, 2.0, 0.0, 0.0]
    judges = _study(report, world.judges)
    # Outcomes: independent with evidence 3 x 2, self-reported 1. Activities: the course has
    # evidence (the retracted campaign would not count anyway). Partners: the ministry
    # confirmed; the institute confirmed but left.
    assert judges.score == cs.ScoreBreakdown(outcomes=7.0, activities=0.5, partners=0.5)
    assert [o.score for o in judges.results] == [1.0, 6.0]
    # The tie between the two hygiene projects is broken by title.
    assert report.case_studies[2].title.value < report.case_studies[3].title.value


def test_ranking_breaks_ties_by_title_then_id() -> None:
    def summary(score: float, title: str, id_: int) -> cs.CaseStudySummary:
        return cs.CaseStudySummary(UUID(int=id_), title, (), (), score)

    studies = [
        summary(1.0, "B", 1),
        summary(2.0, "Z", 9),
        summary(1.0, "A", 7),
        summary(1.0, "A", 3),
        summary(0.5, "0", 2),
    ]
    ranked = sorted(studies, key=cs.ranking_key)
    assert [(s.evidence_score, s.title, s.id.int) for s in ranked] == [
        (2.0, "Z", 9),
        (1.0, "A", 3),
        (1.0, "A", 7),
        (1.0, "B", 1),
        (0.5, "0", 2),
    ]


async def test_the_document_holds_context_partners_approach_results_lessons_timeline(
    world: World, db: asyncpg.Pool
) -> None:
    judges = _study(await cs.region_report(db, AFRICA), world.judges)
    assert judges.title.value == "Digital evidence for Kenyan judges"
    assert judges.countries.value == ("KE", "UG")
    assert judges.status.value == "ACTIVE"
    assert {"001", "002", "202", "014"} <= set(judges.regions)
    # Partners by sector, current and former, with names as the log last gave them.
    assert [g.sector for g in judges.partners] == ["GOVERNMENT", "PRIVATE_SECTOR", "ACADEMIA"]
    ministry, acme, institute = (g.partners[0] for g in judges.partners)
    assert (ministry.name, ministry.role, ministry.confirmed) == (
        "Ministry of ICT and Innovation",
        "IMPLEMENTER",
        True,
    )
    assert (acme.role, acme.confirmed, acme.current) == ("LEAD", False, True)
    assert (institute.current, str(institute.until)) == (False, "2023-06-30")
    assert (judges.partner_count, judges.confirmed_partner_count) == (2, 1)
    # Approach: retracted activities are left out; corrections are applied.
    assert [(a.practice_area, a.activity_count, a.participants) for a in judges.approach] == [
        ("CAPACITY_BUILDING", 1, 42),
        ("POLICY_DEVELOPMENT", 1, 12),
    ]
    assert judges.approach[0].target_groups == ("JUDGES", "PROSECUTORS")
    assert judges.people_trained == 54
    # Results by level, corrected.
    assert [(o.result_level, o.indicator, o.actual) for o in judges.results] == [
        ("OUTPUT", "Judges trained", 42.0),
        ("OUTCOME", "Digital-evidence rulings upheld on appeal", 81.5),
    ]
    assert judges.results[1].evidence_urls == ("https://example.org/evaluation",)
    assert [(g.kind, len(g.lessons)) for g in judges.lessons] == [
        ("SUCCESS_FACTOR", 1),
        ("CHALLENGE", 1),
        ("RECOMMENDATION", 1),
    ]
    awareness = _study(await cs.region_report(db, AFRICA), world.awareness)
    assert awareness.title.value == MARKUP_TITLE
    assert awareness.status.value == "CONCLUDED"
    assert awareness.conclusion is not None
    assert awareness.conclusion.value == "Handed over to the ministry."
    assert str(awareness.end_date.value) == "2023-12-31"


# ---------------------------------------------------------------------------- citations


async def test_every_citation_is_a_real_event_of_the_log(world: World, db: asyncpg.Pool) -> None:
    report = await cs.region_report(db, AFRICA)
    rows = await db.fetch(
        "SELECT position, event_id, type, stream_id FROM read_model.event_log ORDER BY position"
    )
    log = {r["position"]: (r["event_id"], r["type"], r["stream_id"]) for r in rows}
    assert report.citations
    for citation in report.citations:
        assert log[citation.position] == (citation.event_id, citation.type, citation.stream_id)
        assert citation.position <= report.position


async def test_the_timeline_cites_every_event_of_the_partnership(
    world: World, db: asyncpg.Pool
) -> None:
    report = await cs.region_report(db, AFRICA)
    for study in report.case_studies:
        positions = [
            r["position"]
            for r in await db.fetch(
                "SELECT position FROM read_model.event_log WHERE stream_id = $1 ORDER BY position",
                study.partnership_id,
            )
        ]
        assert [e.source.position for e in study.timeline] == positions
        assert study.version == len(positions)
        assert set(positions) <= {c.position for c in study.citations}


async def test_each_statement_cites_the_event_that_last_set_it(
    world: World, db: asyncpg.Pool
) -> None:
    report = await cs.region_report(db, AFRICA)
    judges = _study(report, world.judges)
    assert judges.title.source.type == "PartnershipRegistered"
    assert judges.countries.source.type == "PartnershipRevised"
    assert judges.endorsement.source.type == "BestPracticeEndorsed"
    assert judges.nomination is not None
    assert judges.nomination.source.type == "BestPracticeNominated"
    course = judges.approach[0].activities[0]
    assert [s.type for s in course.sources] == ["ActivityLogged", "ActivityCorrected"]
    ministry = judges.partners[0].partners[0]
    assert [s.type for s in ministry.sources] == [
        "OrganisationRegistered",  # country and sector
        "PartnershipRegistered",  # role and since
        "ParticipationConfirmed",
        "OrganisationRevised",  # the name
    ]
    awareness = _study(report, world.awareness)
    assert awareness.status.source.type == "PartnershipConcluded"
    assert awareness.end_date.source.type == "PartnershipConcluded"
    assert awareness.summary.source.type == "PartnershipRegistered"


# ---------------------------------------------------------------------------- positions


async def test_a_past_position_shows_the_registry_as_it_was(world: World, db: asyncpg.Pool) -> None:
    before_move = await cs.region_report(db, AFRICA, world.moved_at - 1)
    assert world.moved in _ids(before_move)
    assert before_move.position == world.moved_at - 1
    moved = _study(before_move, world.moved)
    assert moved.countries.value == ("KE",)
    assert moved.declared_regions.value == ("014",)
    eastern = await cs.region_report(db, "014", world.moved_at - 1)
    assert world.moved in _ids(eastern)
    assert world.moved not in _ids(await cs.region_report(db, "014"))
    # The ministry was renamed last: before that, documents show its old name.
    judges = _study(before_move, world.judges)
    assert judges.partners[0].partners[0].name == "Ministry of ICT"
    assert before_move.figures.partnership_count == 7
    assert (await cs.region_report(db, AFRICA)).figures.partnership_count == 6


async def test_position_zero_is_an_empty_registry(world: World, db: asyncpg.Pool) -> None:
    report = await cs.region_report(db, AFRICA, 0)
    assert report.case_studies == ()
    assert report.figures.partnership_count == 0
    assert all(n == 0 for _code, n in report.figures.by_practice_area)


async def test_the_head_is_the_read_models_position(world: World, db: asyncpg.Pool) -> None:
    head = await db.fetchval("SELECT position FROM read_model.projection_tracking")
    assert head >= world.head
    assert (await cs.region_report(db, AFRICA)).position == head
    assert await cs.resolve_position(db, None) == head
    assert await cs.resolve_position(db, head) == head


async def test_a_position_beyond_the_head_is_refused(world: World, db: asyncpg.Pool) -> None:
    head = await cs.head_position(db)
    with pytest.raises(cs.PositionBeyondHead) as error:
        await cs.region_report(db, AFRICA, head + 1)
    assert error.value.head == head
    assert f"beyond the head of the read model ({head})" in str(error.value)
    with pytest.raises(ValueError, match="whole number"):
        await cs.region_report(db, AFRICA, -1)


async def test_an_unknown_region_is_refused_with_how_to_list_codes(
    world: World, db: asyncpg.Pool
) -> None:
    for code in ("999", "KE", "", "2"):
        with pytest.raises(cs.UnknownRegion) as error:
            await cs.region_report(db, code)
        assert "{ regions { area { code name } } }" in str(error.value)
        assert "ppp-registry export --list-regions" in str(error.value)


# ---------------------------------------------------------------------------- the read model


async def test_documents_at_the_head_agree_with_the_read_model(
    world: World, db: asyncpg.Pool
) -> None:
    report = await cs.region_report(db, "001")
    ids = _ids(report)
    activities = await q.activities_of(db, ids)
    outcomes = await q.outcomes_of(db, ids)
    memberships = await q.memberships_of(db, ids)
    lessons = await q.lessons_of(db, ids)
    partnerships = await q.partnerships_by_id(db, ids)
    for study, acts, outs, members, learnt, summary in zip(
        report.case_studies, activities, outcomes, memberships, lessons, partnerships, strict=True
    ):
        assert summary is not None
        assert summary.best_practice == "ENDORSED"
        assert (summary.title, summary.summary, summary.objectives, summary.status) == (
            study.title.value,
            study.summary.value,
            study.objectives.value,
            study.status.value,
        )
        assert summary.countries == study.countries.value
        assert summary.regions == study.regions
        assert summary.practice_areas == study.practice_areas.value
        assert (summary.start_date, summary.end_date) == (
            study.start_date.value,
            study.end_date.value,
        )
        assert summary.version == study.version
        live = {a.id: a for a in acts if not a.retracted}
        shown = {a.id: a for area in study.approach for a in area.activities}
        assert set(live) == set(shown)
        for activity_id, row in live.items():
            doc = shown[activity_id]
            assert (row.kind, row.practice_area, row.title, row.description) == (
                doc.kind,
                doc.practice_area,
                doc.title,
                doc.description,
            )
            assert (row.start_date, row.end_date, row.participants) == (
                doc.start_date,
                doc.end_date,
                doc.participants,
            )
            assert (row.countries, row.target_groups, row.evidence_urls) == (
                doc.countries,
                doc.target_groups,
                doc.evidence_urls,
            )
        by_id = {o.id: o for o in study.results}
        assert set(by_id) == {o.id for o in outs}
        for row in outs:
            doc_outcome = by_id[row.id]
            assert replace(row, partnership_id=study.partnership_id) == q.OutcomeRecord(
                id=doc_outcome.id,
                partnership_id=study.partnership_id,
                result_level=doc_outcome.result_level,
                indicator=doc_outcome.indicator,
                unit=doc_outcome.unit,
                baseline=doc_outcome.baseline,
                target=doc_outcome.target,
                actual=doc_outcome.actual,
                period_start=doc_outcome.period_start,
                period_end=doc_outcome.period_end,
                verification=doc_outcome.verification,
                evidence_urls=doc_outcome.evidence_urls,
            )
        partners = {p.organisation_id: p for g in study.partners for p in g.partners}
        assert {m.organisation_id: (m.role, m.since, m.until, m.confirmed) for m in members} == {
            k: (p.role, p.since, p.until, p.confirmed) for k, p in partners.items()
        }
        assert sorted((lesson.kind, lesson.text) for lesson in learnt) == sorted(
            (lesson.kind, lesson.text) for g in study.lessons for lesson in g.lessons
        )


async def test_figures_at_the_head_equal_the_read_models_region_figures(
    world: World, db: asyncpg.Pool
) -> None:
    codes = ["001", "002", "202", "014", "011", "017", "150", "155", "053"]
    expected = await q.region_figures(db, codes)
    for code, figures in zip(codes, expected, strict=True):
        report = await cs.region_report(db, code)
        mine = report.figures
        assert (
            mine.partnership_count,
            mine.active_count,
            mine.concluded_count,
            mine.people_trained,
        ) == (
            figures.partnership_count,
            figures.active_count,
            figures.concluded_count,
            figures.people_trained,
        ), code
        assert {k: n for k, n in mine.by_practice_area if n} == figures.by_practice_area, code
        assert {k: n for k, n in mine.by_sector if n} == figures.by_sector, code
        within = set(geography.countries_in(code))
        assert all(country in within for country, _n in mine.countries)


# ---------------------------------------------------------------------------- for GraphQL


async def _walk(
    db: asyncpg.Pool, region: str | None, practice_area: str | None
) -> list[cs.CaseStudySummary]:
    found: list[cs.CaseStudySummary] = []
    after: str | None = None
    totals = set()
    while True:
        page = await cs.case_studies_page(db, region, practice_area, 1, after)
        totals.add(page.total_count)
        found.extend(page.items)
        assert page.has_previous_page == (after is not None)
        if not page.has_next_page:
            break
        after = page.cursors[-1]
    assert totals == {len(found)}
    return found


async def test_pages_of_case_studies_rank_as_the_export_does(
    world: World, db: asyncpg.Pool
) -> None:
    for region in ("001", AFRICA, "150", "014", "053"):
        report = await cs.region_report(db, region)
        pages = await _walk(db, region=region, practice_area=None)
        assert [(p.id, p.title, p.evidence_score) for p in pages] == [
            (s.id, s.title.value, s.evidence_score) for s in report.case_studies
        ], region
        assert all(p.regions == s.regions for p, s in zip(pages, report.case_studies, strict=True))
    everywhere = await _walk(db, region=None, practice_area=None)
    assert len(everywhere) == len((await cs.region_report(db, "001")).case_studies)
    aware = await _walk(db, region=AFRICA, practice_area="AWARENESS_RAISING")
    assert [p.id for p in aware] == [world.awareness, world.hygiene_et, world.hygiene_rw]
    assert await _walk(db, region=AFRICA, practice_area="RESEARCH") == []


async def test_a_page_refuses_foreign_cursors_and_unknown_regions(
    world: World, db: asyncpg.Pool
) -> None:
    partnerships = await q.partnerships_page(
        db, q.PartnershipFilter(), q.PartnershipOrder.TITLE_ASC, 1, None
    )
    for cursor in ("garbage", partnerships.cursors[0], "", "W10"):
        with pytest.raises(q.BadCursor):
            await cs.case_studies_page(db, None, None, 10, cursor)
    with pytest.raises(cs.UnknownRegion):
        await cs.case_studies_page(db, "999", None, 10, None)
    with pytest.raises(ValueError, match="first"):
        await cs.case_studies_page(db, None, None, 0, None)


async def test_a_case_study_by_id_carries_its_citations(world: World, db: asyncpg.Pool) -> None:
    judges = await cs.case_study(db, world.judges)
    assert judges is not None
    assert judges.evidence_score == 8.0
    assert [c.position for c in judges.citations] == sorted({c.position for c in judges.citations})
    assert {c.type for c in judges.citations} >= {"PartnershipRegistered", "OrganisationRevised"}
    assert await cs.case_study(db, world.victims) is None
    assert await cs.case_study(db, world.hotline) is None
    assert await cs.case_study(db, world.acme) is None  # an organisation
    assert await cs.case_study(db, uuid4()) is None
    batch = await cs.case_studies_by_id(db, [world.victims, world.judges, world.judges])
    assert [s.id if s else None for s in batch] == [None, world.judges, world.judges]
    assert await cs.case_studies_by_id(db, []) == []


def test_builds_pause_the_garbage_collector_and_restore_it() -> None:
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer build is still running
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
