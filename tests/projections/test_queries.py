"""The read functions over a read model built from real events: filters, orders, keyset pages,
batches, region figures and the audit log."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections import queries as q
from projections.figures import TRAINING_KINDS
from projections.runner import Projector
from registry import commands as c
from registry import geography
from registry.application import Registry
from registry.domain.codelists import (
    ActivityKind,
    LessonKind,
    PartnerRole,
    PracticeArea,
    ResultLevel,
    Sector,
    Verification,
)
from registry.domain.errors import CommandRejected
from tests.projections.conftest import Scribe

pytestmark = pytest.mark.anyio

ORDERS = list(q.PartnershipOrder)
LESSONS = ["Local trainers", "Court backlog", "Funding gaps", "Language barriers"]
INDICATORS = ["Prosecutors trained", "Cases filed", "Convictions", "Guidelines adopted"]
KENYA_AREAS = ["001", "002", "202", "014"]  # world, Africa, Sub-Saharan Africa, Eastern Africa


@dataclass
class World:
    """A handful of partnerships whose every filter has a known answer."""

    acme: UUID  # private sector, KE
    ministry: UUID  # government, NG
    institute: UUID  # academia, FR
    ngo: UUID  # civil society, DE
    kenya: UUID  # KE; acme leads, the ministry implements; trained 40; outcomes, lessons
    france: UUID  # FR; the institute leads, the NGO funded it and left
    nigeria: UUID  # NG; the ministry leads; concluded, endorsed
    brazil: UUID  # BR; the NGO leads; nominated
    training: UUID
    campaign: UUID


@pytest.fixture
async def world(scribe: Scribe, dsn: str) -> World:
    acme = await scribe.organisation("ACME Security", Sector.PRIVATE_SECTOR, "KE")
    ministry = await scribe.organisation("Ministry of ICT", Sector.GOVERNMENT, "NG")
    institute = await scribe.organisation("Cyber Institute", Sector.ACADEMIA, "FR")
    ngo = await scribe.organisation("Digital Rights NGO", Sector.CIVIL_SOCIETY, "DE")
    kenya = await scribe.partnership(
        acme, title="Cyber capacity for Kenya", others=((ministry, PartnerRole.IMPLEMENTER),)
    )
    france = await scribe.partnership(
        institute,
        title="Policy dialogue in France",
        countries=("FR",),
        practice_areas=(PracticeArea.POLICY_DEVELOPMENT,),
        others=((ngo, PartnerRole.FUNDER),),
    )
    await scribe.submit(c.RemovePartner(france, ngo, "funding ended", date(2022, 6, 1)))
    nigeria = await scribe.partnership(
        ministry,
        title="Awareness across Nigeria",
        countries=("NG",),
        practice_areas=(PracticeArea.AWARENESS_RAISING, PracticeArea.CAPACITY_BUILDING),
    )
    await _log(scribe, nigeria, ActivityKind.WORKSHOP, "Awareness workshop", 25)
    await scribe.submit(c.NominateBestPractice(nigeria, "worth copying"))
    await scribe.submit(c.EndorseBestPractice(nigeria, "verified"))
    await scribe.submit(c.ConcludePartnership(nigeria, date(2024, 1, 31), "Done"))
    brazil = await scribe.partnership(
        ngo,
        title="Victim support in Brazil",
        countries=("BR",),
        practice_areas=(PracticeArea.VICTIM_SUPPORT,),
    )
    await scribe.submit(c.NominateBestPractice(brazil, "promising"))
    training = await _log(scribe, kenya, ActivityKind.TRAINING, "Evidence course", 40)
    campaign = await _log(scribe, kenya, ActivityKind.CAMPAIGN, "Posters", 1000)
    for title in ("Handbook", "Annual report", "Case digest"):  # more, so order is not luck
        await _log(scribe, kenya, ActivityKind.PUBLICATION, title, None)
    await scribe.submit(c.RetractActivity(kenya, campaign, "duplicate"))
    for text in LESSONS:
        await scribe.submit(c.RecordLesson(kenya, LessonKind.CHALLENGE, text))
    for indicator in INDICATORS:
        await scribe.submit(
            c.ReportOutcome(kenya, ResultLevel.OUTPUT, indicator, Verification.SELF_REPORTED)
        )
    await Projector(dsn).catch_up()
    return World(acme, ministry, institute, ngo, kenya, france, nigeria, brazil, training, campaign)


async def _log(scribe: Scribe, p: UUID, kind: ActivityKind, title: str, people: int | None) -> UUID:
    receipt = await scribe.submit(
        c.LogActivity(
            p, kind, PracticeArea.CAPACITY_BUILDING, title, date(2022, 1, 1), participants=people
        )
    )
    assert receipt.entity_id is not None
    return receipt.entity_id


@pytest.fixture
async def pool(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(dsn, min_size=1, max_size=2) as p:
        yield p


async def _walk(
    fetch: Callable[[str | None], Awaitable[q.Page[Any]]],
) -> tuple[list[Any], list[q.Page[Any]]]:
    """Every item of a paginated list, following end cursors, and the pages on the way."""
    items: list[Any] = []
    pages: list[q.Page[Any]] = []
    after: str | None = None
    while True:
        page = await fetch(after)
        pages.append(page)
        items.extend(page.items)
        assert len(page.cursors) == len(page.items)
        assert page.has_previous_page == (after is not None)
        assert page.items or after is None, "has_next_page promised a page that is empty"
        if not page.has_next_page:
            return items, pages
        assert len(pages) < 1000, "pagination does not end"
        after = page.cursors[-1]


async def _partnerships(
    db: Any, criteria: q.PartnershipFilter, order: q.PartnershipOrder, first: int = 2
) -> list[q.PartnershipRecord]:
    async def fetch(after: str | None) -> q.Page[q.PartnershipRecord]:
        return await q.partnerships_page(db, criteria, order, first, after)

    items, pages = await _walk(fetch)
    assert {p.total_count for p in pages} == {len(items)}
    return items


async def _matching(db: Any, **criteria: Any) -> set[UUID]:
    found = await _partnerships(db, q.PartnershipFilter(**criteria), q.PartnershipOrder.TITLE_ASC)
    return {p.id for p in found}


def _sort_key(order: q.PartnershipOrder) -> Callable[[q.PartnershipRecord], Any]:
    if order is q.PartnershipOrder.TITLE_ASC:
        return lambda p: (p.title, p.id)
    if order is q.PartnershipOrder.UPDATED_AT_DESC:
        return lambda p: (p.updated_at, p.id)
    return lambda p: (p.created_at, p.id)


def _expected_order(
    records: list[q.PartnershipRecord], order: q.PartnershipOrder
) -> list[q.PartnershipRecord]:
    return sorted(records, key=_sort_key(order), reverse=order.endswith("_DESC"))


# ---------------------------------------------------------------------------- filters


async def test_regions_match_only_partnerships_within_them(
    world: World, pool: asyncpg.Pool
) -> None:
    for code in KENYA_AREAS:  # every level of M49 above Kenya
        assert world.kenya in await _matching(pool, region=code), code
    everything = {world.kenya, world.france, world.nigeria, world.brazil}
    assert await _matching(pool, region="001") == everything
    assert await _matching(pool, region="002") == {world.kenya, world.nigeria}
    assert await _matching(pool, region="202") == {world.kenya, world.nigeria}
    assert await _matching(pool, region="014") == {world.kenya}
    assert await _matching(pool, region="150") == {world.france}
    assert await _matching(pool, region="419") == {world.brazil}
    assert await _matching(pool, region="053") == set()


async def test_each_filter_matches_what_it_names(world: World, pool: asyncpg.Pool) -> None:
    w = world
    assert await _matching(pool) == {w.kenya, w.france, w.nigeria, w.brazil}
    assert await _matching(pool, country="KE") == {w.kenya}
    assert await _matching(pool, country="DE") == set()
    assert await _matching(pool, practice_area="CAPACITY_BUILDING") == {w.kenya, w.nigeria}
    assert await _matching(pool, practice_area="POLICY_DEVELOPMENT") == {w.france}
    assert await _matching(pool, status="CONCLUDED") == {w.nigeria}
    assert await _matching(pool, status="ACTIVE") == {w.kenya, w.france, w.brazil}
    assert await _matching(pool, best_practice="ENDORSED") == {w.nigeria}
    assert await _matching(pool, best_practice="NOMINATED") == {w.brazil}
    assert await _matching(pool, best_practice="NONE") == {w.kenya, w.france}


async def test_sector_means_a_current_partner_of_it(world: World, pool: asyncpg.Pool) -> None:
    w = world
    assert await _matching(pool, sector="GOVERNMENT") == {w.kenya, w.nigeria}
    assert await _matching(pool, sector="ACADEMIA") == {w.france}
    # The NGO left the French partnership: only the one it still leads counts.
    assert await _matching(pool, sector="CIVIL_SOCIETY") == {w.brazil}
    assert await _matching(pool, sector="INTERGOVERNMENTAL") == set()


async def test_organisation_means_a_current_or_past_partner(
    world: World, pool: asyncpg.Pool
) -> None:
    assert await _matching(pool, organisation_id=world.ngo) == {world.france, world.brazil}
    assert await _matching(pool, organisation_id=world.ministry) == {world.kenya, world.nigeria}
    assert await _matching(pool, organisation_id=uuid4()) == set()


async def test_text_searches_title_and_summary(world: World, pool: asyncpg.Pool) -> None:
    w = world
    assert await _matching(pool, text="kenya") == {w.kenya}
    assert await _matching(pool, text="victims") == {w.brazil}  # stemmed: "victim" in the title
    assert await _matching(pool, text="policy or awareness") == {w.france, w.nigeria}
    assert await _matching(pool, text='"digital evidence" -kenya') == {
        w.france,
        w.nigeria,
        w.brazil,
    }
    assert await _matching(pool, text="quantum") == set()
    assert await _matching(pool, text="  ") == {w.kenya, w.france, w.nigeria, w.brazil}


async def test_filters_combine(world: World, pool: asyncpg.Pool) -> None:
    w = world
    assert await _matching(pool, region="002", sector="GOVERNMENT", status="ACTIVE") == {w.kenya}
    assert await _matching(pool, region="002", text="awareness") == {w.nigeria}
    assert await _matching(pool, region="150", organisation_id=w.ngo) == {w.france}
    assert await _matching(pool, region="150", sector="CIVIL_SOCIETY") == set()


async def test_total_count_is_the_number_of_matches_for_every_combination(
    world: World, pool: asyncpg.Pool
) -> None:
    """Totals of region filters come from region_stats, the others from counting: both agree."""
    del world
    stored = await _partnerships(pool, q.PartnershipFilter(), q.PartnershipOrder.TITLE_ASC, 100)
    ids = [p.id for p in stored]
    memberships = await q.memberships_of(pool, ids)
    org_ids = {m.organisation_id for ms in memberships for m in ms}
    sectors = {o.id: o.sector for o in await q.organisations_by_id(pool, list(org_ids)) if o}
    current = [{sectors[m.organisation_id] for m in ms if m.until is None} for ms in memberships]
    for region, status, sector, practice in itertools.product(
        ["001", "002", "014", "150", "053", None],
        [None, "ACTIVE", "CONCLUDED"],
        [None, "GOVERNMENT", "CIVIL_SOCIETY"],
        [None, "CAPACITY_BUILDING"],
    ):
        criteria = q.PartnershipFilter(
            region=region, status=status, sector=sector, practice_area=practice
        )
        page = await q.partnerships_page(pool, criteria, q.PartnershipOrder.TITLE_ASC, 100, None)
        expected = [
            p.id
            for p, sectors_now in zip(stored, current, strict=True)
            if (region is None or region in p.regions)
            and (status is None or p.status == status)
            and (sector is None or sector in sectors_now)
            and (practice is None or practice in p.practice_areas)
        ]
        assert [p.id for p in page.items] == expected, criteria
        assert page.total_count == len(expected), criteria


# ---------------------------------------------------------------------------- orders and pages


async def test_pages_of_two_walk_every_row_once_in_order(
    world: World, scribe: Scribe, dsn: str, pool: asyncpg.Pool
) -> None:
    # A revision moves one partnership in the title and update orders, away from registration.
    retitled = c.RevisePartnership(world.france, {"title": "A French policy dialogue"}, "clearer")
    await scribe.submit(retitled)
    await Projector(dsn).catch_up()
    for order in ORDERS:
        walked = await _partnerships(pool, q.PartnershipFilter(), order, first=2)
        everything = await _partnerships(pool, q.PartnershipFilter(), order, first=100)
        assert len(walked) == 4 and walked == everything, order
        assert walked == _expected_order(walked, order), order


async def test_each_order_sorts_by_its_column(world: World, pool: asyncpg.Pool) -> None:
    w = world
    everything = q.PartnershipFilter()
    by = {o: [p.id for p in await _partnerships(pool, everything, o, 100)] for o in ORDERS}
    registered = [w.kenya, w.france, w.nigeria, w.brazil]
    assert by[q.PartnershipOrder.CREATED_AT_ASC] == registered
    assert by[q.PartnershipOrder.CREATED_AT_DESC] == registered[::-1]
    assert by[q.PartnershipOrder.TITLE_ASC] == [w.nigeria, w.kenya, w.france, w.brazil]
    # The Kenyan partnership changed last (its outcomes), then Brazil (its nomination).
    assert by[q.PartnershipOrder.UPDATED_AT_DESC][:2] == [w.kenya, w.brazil]


async def test_a_page_says_what_lies_around_it(world: World, pool: asyncpg.Pool) -> None:
    del world
    order, everything = q.PartnershipOrder.CREATED_AT_ASC, q.PartnershipFilter()
    first = await q.partnerships_page(pool, everything, order, 3, None)
    assert (len(first.items), first.has_next_page, first.has_previous_page) == (3, True, False)
    assert first.total_count == 4
    last = await q.partnerships_page(pool, everything, order, 3, first.cursors[-1])
    assert (len(last.items), last.has_next_page, last.has_previous_page) == (1, False, True)
    beyond = await q.partnerships_page(pool, everything, order, 3, last.cursors[-1])
    assert (beyond.items, beyond.cursors, beyond.has_next_page) == ([], [], False)
    assert (beyond.has_previous_page, beyond.total_count) == (True, 4)
    exact = await q.partnerships_page(pool, everything, order, 4, None)
    assert (len(exact.items), exact.has_next_page) == (4, False)
    none = await q.partnerships_page(pool, q.PartnershipFilter(region="053"), order, 3, None)
    assert (none.items, none.total_count, none.has_next_page) == ([], 0, False)


async def test_a_page_size_outside_1_to_100_is_a_bug(world: World, pool: asyncpg.Pool) -> None:
    del world
    for first in (0, 101):
        with pytest.raises(ValueError, match="first"):
            await q.partnerships_page(
                pool, q.PartnershipFilter(), q.PartnershipOrder.TITLE_ASC, first, None
            )


def _cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


GARBAGE = [
    "",
    "!!!",
    "not a cursor",
    "W10",  # []
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    _cursor("CREATED_AT_DESC"),
    _cursor("CREATED_AT_DESC", "2024-01-01T00:00:00+00:00"),
    _cursor("CREATED_AT_DESC", "yesterday", str(uuid4())),
    _cursor("CREATED_AT_DESC", "2024-01-01T00:00:00", str(uuid4())),  # no time zone
    _cursor("CREATED_AT_DESC", 20240101, str(uuid4())),
    _cursor("CREATED_AT_DESC", "2024-01-01T00:00:00+00:00", "not-a-uuid"),
    _cursor("CREATED_AT_DESC", "2024-01-01T00:00:00+00:00", None),
    _cursor({"order": "CREATED_AT_DESC"}, 1, 2),
    json.dumps(["CREATED_AT_DESC", "2024-01-01T00:00:00+00:00", str(uuid4())]),  # not encoded
]


async def test_a_malformed_cursor_is_refused(world: World, pool: asyncpg.Pool) -> None:
    del world
    for garbage in GARBAGE:
        with pytest.raises(q.BadCursor):
            await q.partnerships_page(
                pool, q.PartnershipFilter(), q.PartnershipOrder.CREATED_AT_DESC, 2, garbage
            )
        with pytest.raises(q.BadCursor):
            await q.organisations_page(pool, q.OrganisationFilter(), 2, garbage)
    # PostgreSQL text holds no NUL and no lone surrogate: such a value must not reach the driver.
    for title in ("a\x00b", "\ud800"):
        cursor = _cursor("TITLE_ASC", title, str(uuid4()))
        with pytest.raises(q.BadCursor):
            await q.partnerships_page(
                pool, q.PartnershipFilter(), q.PartnershipOrder.TITLE_ASC, 2, cursor
            )


async def test_a_cursor_of_another_list_is_refused(world: World, pool: asyncpg.Pool) -> None:
    del world
    everything = q.PartnershipFilter()
    cursors = {
        o: (await q.partnerships_page(pool, everything, o, 1, None)).cursors[0] for o in ORDERS
    }
    for order in ORDERS:
        for other in ORDERS:
            if other is not order:
                with pytest.raises(q.BadCursor, match=str(other)):
                    await q.partnerships_page(pool, everything, order, 2, cursors[other])
    organisations = await q.organisations_page(pool, q.OrganisationFilter(), 1, None)
    events = await q.events_page(pool, None, 1, None)
    for cursor in (organisations.cursors[0], events.cursors[0]):
        with pytest.raises(q.BadCursor):
            await q.partnerships_page(pool, everything, q.PartnershipOrder.TITLE_ASC, 2, cursor)
    with pytest.raises(q.BadCursor):
        await q.organisations_page(pool, q.OrganisationFilter(), 2, cursors[ORDERS[0]])


# Titles of lower-case letters after one prefix: Python and any collation order them alike.
titles = st.text(alphabet="abc", min_size=1, max_size=3).map(lambda s: f"Partnership {s}")
countries = st.sampled_from(["KE", "NG", "FR", "BR"])
changes = st.one_of(
    st.tuples(st.just("register"), titles, countries),
    st.tuples(st.just("retitle"), st.integers(0, 1000), titles),
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    story=st.lists(changes, max_size=5),
    first=st.integers(min_value=1, max_value=4),
    region=st.sampled_from([None, "002", "150"]),
)
async def test_keyset_pages_walk_every_row_once_whatever_the_data(
    story: list[tuple[Any, ...]],
    first: int,
    region: str | None,
    scribe: Scribe,
    dsn: str,
    pool: asyncpg.Pool,
) -> None:
    # Examples share one database (hypothesis reuses function-scoped fixtures): each adds to it.
    if not scribe.organisations:
        await scribe.organisation("Lead")
    for change in story:
        if change[0] == "register":
            await scribe.partnership(
                scribe.organisations[0], title=change[1], countries=(change[2],)
            )
        elif scribe.partnerships:
            p = scribe.partnerships[change[1] % len(scribe.partnerships)]
            with contextlib.suppress(CommandRejected):  # the same title again changes nothing
                await scribe.submit(c.RevisePartnership(p, {"title": change[2]}, "story"))
    await Projector(dsn).catch_up()

    stored = await q.partnerships_by_id(pool, scribe.partnerships)
    records = [p for p in stored if p is not None and (region is None or region in p.regions)]
    criteria = q.PartnershipFilter(region=region)
    for order in ORDERS:
        walked = await _partnerships(pool, criteria, order, first)
        assert walked == _expected_order(records, order)


# ---------------------------------------------------------------------------- batches


async def test_batches_answer_in_the_order_asked(world: World, pool: asyncpg.Pool) -> None:
    w, unknown = world, uuid4()
    asked = [w.france, unknown, w.kenya, w.france]
    found = await q.partnerships_by_id(pool, asked)
    assert [p.id if p else None for p in found] == [w.france, None, w.kenya, w.france]
    kenya = found[2]
    assert kenya is not None
    assert kenya.title == "Cyber capacity for Kenya" and kenya.countries == ("KE",)
    assert set(KENYA_AREAS) <= set(kenya.regions) and "150" not in kenya.regions
    assert (kenya.status, kenya.best_practice, kenya.end_date) == ("ACTIVE", "NONE", None)
    assert kenya.practice_areas == ("CAPACITY_BUILDING",)

    organisations = await q.organisations_by_id(pool, [w.ngo, unknown, w.acme])
    assert [o.name if o else None for o in organisations] == [
        "Digital Rights NGO",
        None,
        "ACME Security",
    ]
    ngo = organisations[0]
    assert ngo is not None
    assert (ngo.sector, ngo.country, ngo.partnership_count) == ("CIVIL_SOCIETY", "DE", 1)

    for batch in (q.partnerships_by_id, q.organisations_by_id, q.memberships_of, q.lessons_of):
        assert await batch(pool, []) == []


async def test_lists_of_partnerships_come_grouped_and_ordered(
    world: World, pool: asyncpg.Pool
) -> None:
    w, unknown = world, uuid4()
    asked = [w.france, unknown, w.kenya]
    memberships = await q.memberships_of(pool, asked)
    assert [[(m.organisation_id, m.role) for m in ms] for ms in memberships] == [
        [(w.institute, "LEAD"), (w.ngo, "FUNDER")],
        [],
        [(w.acme, "LEAD"), (w.ministry, "IMPLEMENTER")],
    ]
    assert memberships[0][1].until == date(2022, 6, 1) and memberships[0][0].until is None

    activities = await q.activities_of(pool, asked)
    logged = [
        UUID(e.data["activity_id"])
        for e in await q.events_after(pool, 0, w.kenya, 1000)
        if e.type == "ActivityLogged"
    ]
    assert [[a.id for a in acts] for acts in activities] == [[], [], logged]
    assert logged[:2] == [w.training, w.campaign] and len(logged) == 5
    assert [a.retracted for a in activities[2]] == [False, True, False, False, False]
    assert activities[2][0].participants == 40 and activities[2][0].kind == "TRAINING"

    outcomes = await q.outcomes_of(pool, asked)
    assert [[o.indicator for o in os] for os in outcomes] == [[], [], INDICATORS]
    lessons = await q.lessons_of(pool, asked)
    assert [[x.text for x in ls] for ls in lessons] == [[], [], LESSONS]


# ---------------------------------------------------------------------------- organisations


async def test_organisations_come_by_name_in_pages(world: World, pool: asyncpg.Pool) -> None:
    del world

    async def names(first: int = 2, **criteria: Any) -> list[str]:
        async def fetch(after: str | None) -> q.Page[q.OrganisationRecord]:
            return await q.organisations_page(pool, q.OrganisationFilter(**criteria), first, after)

        items, pages = await _walk(fetch)
        assert {p.total_count for p in pages} == {len(items)}
        return [o.name for o in items]

    every = ["ACME Security", "Cyber Institute", "Digital Rights NGO", "Ministry of ICT"]
    assert await names() == every
    assert await names(first=1) == every
    assert await names(country="NG") == ["Ministry of ICT"]
    assert await names(sector="ACADEMIA") == ["Cyber Institute"]
    assert await names(org_type="OTHER") == every
    assert await names(org_type="GOVERNMENT") == []
    assert await names(text="ministry") == ["Ministry of ICT"]
    assert await names(text="cyber OR acme") == ["ACME Security", "Cyber Institute"]
    assert await names(country="KE", text="ministry") == []


# ---------------------------------------------------------------------------- region figures


async def test_region_figures_equal_counts_from_the_records(
    world: World, pool: asyncpg.Pool
) -> None:
    del world
    partnerships = await _partnerships(
        pool, q.PartnershipFilter(), q.PartnershipOrder.TITLE_ASC, 100
    )
    ids = [p.id for p in partnerships]
    memberships = await q.memberships_of(pool, ids)
    activities = await q.activities_of(pool, ids)
    organisations = {
        o.id: o
        for o in await q.organisations_by_id(
            pool, [m.organisation_id for ms in memberships for m in ms]
        )
        if o is not None
    }
    codes = [a.code for a in geography.areas()] + ["053", "nowhere"]
    figures = await q.region_figures(pool, codes)
    assert [f.area_code for f in figures] == codes

    for f in figures:
        inside = [i for i, p in enumerate(partnerships) if f.area_code in p.regions]
        expected = q.RegionStats(
            area_code=f.area_code,
            partnership_count=len(inside),
            active_count=sum(partnerships[i].status == "ACTIVE" for i in inside),
            concluded_count=sum(partnerships[i].status == "CONCLUDED" for i in inside),
            by_practice_area=_count(a for i in inside for a in partnerships[i].practice_areas),
            by_sector=_count(
                s
                for i in inside
                for s in {
                    organisations[m.organisation_id].sector
                    for m in memberships[i]
                    if m.until is None
                }
            ),
            people_trained=sum(
                a.participants or 0
                for i in inside
                for a in activities[i]
                if not a.retracted and a.kind in TRAINING_KINDS
            ),
        )
        assert f == expected
    africa = figures[codes.index("002")]
    assert (africa.partnership_count, africa.concluded_count, africa.people_trained) == (2, 1, 65)


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


async def test_region_figures_of_nothing_are_zeros(
    registry: Registry, dsn: str, pool: asyncpg.Pool
) -> None:
    del registry  # it creates the (empty) event store
    await Projector(dsn).catch_up()
    (world,) = await q.region_figures(pool, ["001"])
    assert world == q.RegionStats("001", 0, 0, 0, {}, {}, 0)
    assert await q.region_figures(pool, []) == []


# ---------------------------------------------------------------------------- the log


async def test_the_log_pages_in_position_order(world: World, pool: asyncpg.Pool) -> None:
    del world
    everything = await q.events_after(pool, 0, None, 10_000)
    positions = [e.position for e in everything]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert {e.stream_type for e in everything} == {"Organisation", "Partnership"}
    registered = next(e for e in everything if e.type == "OrganisationRegistered")
    assert registered.data["name"] == "ACME Security" and registered.version == 1

    async def fetch(after: str | None) -> q.Page[q.EventRecord]:
        position = None if after is None else q.decode_position(after)
        return await q.events_page(pool, position, 3, None)

    walked, _pages = await _walk(fetch)
    assert walked == everything
    assert await q.events_after(pool, positions[4], None, 2) == everything[5:7]
    assert await q.events_after(pool, positions[-1], None, 10) == []


async def test_the_log_of_one_stream(world: World, pool: asyncpg.Pool) -> None:
    everything = await q.events_after(pool, 0, None, 10_000)
    kenya = [e for e in everything if e.stream_id == world.kenya]
    assert [e.version for e in kenya] == list(range(1, len(kenya) + 1))
    assert await q.events_after(pool, 0, world.kenya, 10_000) == kenya
    page = await q.events_page(pool, kenya[1].position, 2, world.kenya)
    assert page.items == kenya[2:4] and page.has_next_page and page.has_previous_page
    assert await q.events_after(pool, 0, uuid4(), 10) == []


def test_a_position_is_read_from_digits_or_an_event_cursor() -> None:
    assert q.decode_position("42") == 42
    assert q.decode_position(q.event_cursor(42)) == 42
    for bad in (
        "",
        "-1",
        "4.2",
        "x",
        _cursor("EVENTS", -1),
        _cursor("EVENTS", True),
        _cursor("EVENTS", 2**63),
        _cursor("TITLE_ASC", 1),
        "9" * 30,
    ):
        with pytest.raises(q.BadCursor):
            q.decode_position(bad)


# ---------------------------------------------------------------------------- schemas


async def test_reads_follow_the_schema_they_are_given(
    world: World, dsn: str, pool: asyncpg.Pool
) -> None:
    await Projector(dsn, schema="shadow").catch_up()
    await pool.execute("DELETE FROM read_model.partnership_summary")
    assert await q.partnerships_by_id(pool, [world.kenya]) == [None]
    (shadowed,) = await q.partnerships_by_id(pool, [world.kenya], schema="shadow")
    assert shadowed is not None and shadowed.title == "Cyber capacity for Kenya"
    page = await q.partnerships_page(
        pool,
        q.PartnershipFilter(region="014"),
        q.PartnershipOrder.TITLE_ASC,
        5,
        None,
        schema="shadow",
    )
    assert [p.id for p in page.items] == [world.kenya]
