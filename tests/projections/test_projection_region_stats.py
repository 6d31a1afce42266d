"""Region statistics and stored scores kept incrementally equal a recomputation from scratch,
whatever happens.

Hypothesis draws sequences of commands that move partnerships between areas, practice areas,
partners, sectors and best-practice stages, and change the evidence their score counts
(outcomes, evidence URLs, confirmations, corrections, retractions), with catch-ups of random
batch sizes in between. Taiwan has no M49 area: its partnerships count only in area '*'.
Examples share one database (hypothesis reuses function-scoped fixtures), so each one builds on
the last.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections import figures, scores
from projections.read_model import LIVE_SCHEMA
from projections.runner import Projector
from registry import commands as c
from registry.domain.codelists import (
    ActivityKind,
    PartnerRole,
    PracticeArea,
    ResultLevel,
    Sector,
    Verification,
)
from registry.domain.errors import CommandRejected
from tests.projections.conftest import Scribe

pytestmark = pytest.mark.anyio

COUNTRIES = ["KE", "NG", "FR", "DE", "BR", "JP", "TW"]
REGIONS = ["002", "150", "419", "014"]
SECTORS = [Sector.GOVERNMENT, Sector.PRIVATE_SECTOR, Sector.CIVIL_SOCIETY, Sector.ACADEMIA]
ORGANISATIONS = 4

pick = st.integers(min_value=0, max_value=1_000)  # an index into what exists, modulo its size
areas = st.tuples(
    st.lists(st.sampled_from(COUNTRIES), max_size=2, unique=True),
    st.lists(st.sampled_from(REGIONS), max_size=1, unique=True),
)
practice_areas = st.lists(st.sampled_from(list(PracticeArea)), min_size=1, max_size=2, unique=True)
steps = st.one_of(
    st.tuples(st.just("register"), pick, areas, practice_areas, pick),
    st.tuples(st.just("revise"), pick, areas, practice_areas),
    st.tuples(st.just("join"), pick, pick),
    st.tuples(st.just("leave"), pick, pick),
    st.tuples(
        st.just("train"), pick, st.sampled_from(["TRAINING", "CAMPAIGN"]), pick, st.booleans()
    ),
    st.tuples(st.just("correct"), pick, pick, pick),
    st.tuples(st.just("outcome"), pick, st.sampled_from(list(Verification)), st.booleans()),
    st.tuples(st.just("recorrect"), pick, pick, st.sampled_from(list(Verification)), st.booleans()),
    st.tuples(st.just("confirm"), pick, pick),
    st.tuples(st.just("stage"), pick, st.sampled_from(["nominate", "endorse", "withdraw"])),
    st.tuples(st.just("retract"), pick, pick),
    st.tuples(st.just("conclude"), pick),
    st.tuples(st.just("resector"), pick, st.sampled_from(SECTORS)),
    st.tuples(st.just("project"), st.integers(min_value=1, max_value=40)),
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(story=st.lists(steps, min_size=1, max_size=25))
async def test_region_stats_equal_a_recomputation_from_scratch(
    story: list[tuple[Any, ...]], scribe: Scribe, dsn: str, connection: asyncpg.Connection
) -> None:
    world = await _World.of(scribe)
    for step in story:
        if step[0] == "project":
            await Projector(dsn, batch_size=step[1]).catch_up()
        else:
            await world.act(step)
    await Projector(dsn, batch_size=7).catch_up()

    await connection.execute("SET search_path TO read_model")
    assert await figures.region_stats_rows(connection) == await figures.region_stats_from_scratch(
        connection
    )
    assert await figures.area_country_stats_rows(
        connection
    ) == await figures.area_country_stats_from_scratch(connection)
    assert await scores.stored_scores(connection, LIVE_SCHEMA) == await scores.scores_from_scratch(
        connection, LIVE_SCHEMA
    )
    counts = await connection.fetch(
        "SELECT o.id, o.partnership_count, (SELECT count(*) FROM partnership_partners p"
        " WHERE p.organisation_id = o.id AND p.until IS NULL) AS current"
        " FROM organisation_summary o"
    )
    assert all(r["partnership_count"] == r["current"] for r in counts)


class _World:
    """The commands of a story, applied to what exists; refused commands are part of life."""

    def __init__(self, scribe: Scribe) -> None:
        self.scribe = scribe
        self.outcomes: dict[Any, list[Any]] = {}  # by partnership, this example's

    @classmethod
    async def of(cls, scribe: Scribe) -> _World:
        while len(scribe.organisations) < ORGANISATIONS:
            n = len(scribe.organisations)
            await scribe.organisation(f"Organisation {n}", SECTORS[n % len(SECTORS)], COUNTRIES[n])
        return cls(scribe)

    def org(self, n: int) -> Any:
        return self.scribe.organisations[n % len(self.scribe.organisations)]

    def partnership(self, n: int) -> Any:
        return self.scribe.partnerships[n % len(self.scribe.partnerships)]

    async def act(self, step: tuple[Any, ...]) -> None:
        kind, *args = step
        if kind != "register" and not self.scribe.partnerships and kind != "resector":
            return
        with contextlib.suppress(CommandRejected):
            await getattr(self, f"_{kind}")(*args)

    async def _register(self, lead: int, where: Any, practice: Any, other: int) -> None:
        countries, regions = where
        distinct = self.org(other) != self.org(lead)
        others = ((self.org(other), PartnerRole.FUNDER),) if distinct else ()
        await self.scribe.partnership(
            self.org(lead),
            countries=tuple(countries),
            regions=tuple(regions),
            practice_areas=tuple(practice),
            others=others,
        )

    async def _revise(self, p: int, where: Any, practice: Any) -> None:
        countries, regions = where
        changes = {"countries": countries, "regions": regions, "practice_areas": practice}
        await self.scribe.submit(c.RevisePartnership(self.partnership(p), changes, "story"))

    async def _join(self, p: int, org: int) -> None:
        joining = c.AddPartner(self.partnership(p), self.org(org), PartnerRole.FUNDER)
        await self.scribe.submit(joining)

    async def _leave(self, p: int, org: int) -> None:
        await self.scribe.submit(c.RemovePartner(self.partnership(p), self.org(org), "story"))

    async def _train(self, p: int, kind: str, people: int, evidence: bool) -> None:
        receipt = await self.scribe.submit(
            c.LogActivity(
                self.partnership(p),
                ActivityKind(kind),
                PracticeArea.CAPACITY_BUILDING,
                "Course",
                date(2022, 1, 1),
                participants=people,
                evidence_urls=_urls(evidence),
            )
        )
        self.scribe.activities.setdefault(self.partnership(p), []).append(receipt.entity_id)

    async def _correct(self, p: int, a: int, people: int) -> None:
        activity = self._activity(p, a)
        if activity is not None:
            await self.scribe.submit(
                c.CorrectActivity(self.partnership(p), activity, {"participants": people}, "story")
            )

    async def _retract(self, p: int, a: int) -> None:
        activity = self._activity(p, a)
        if activity is not None:
            await self.scribe.submit(c.RetractActivity(self.partnership(p), activity, "story"))

    async def _conclude(self, p: int) -> None:
        ending = c.ConcludePartnership(self.partnership(p), date(2024, 1, 1), "end")
        await self.scribe.submit(ending)

    async def _resector(self, org: int, sector: Sector) -> None:
        await self.scribe.submit(c.ReviseOrganisation(self.org(org), {"sector": sector}, "story"))

    async def _outcome(self, p: int, verification: Verification, evidence: bool) -> None:
        receipt = await self.scribe.submit(
            c.ReportOutcome(
                self.partnership(p),
                ResultLevel.OUTPUT,
                "Investigators trained",
                verification,
                evidence_urls=_urls(evidence),
            )
        )
        self.outcomes.setdefault(self.partnership(p), []).append(receipt.entity_id)

    async def _recorrect(self, p: int, o: int, verification: Verification, evidence: bool) -> None:
        found = self.outcomes.get(self.partnership(p), [])
        if found:
            changes = {"verification": verification, "evidence_urls": list(_urls(evidence))}
            await self.scribe.submit(
                c.CorrectOutcome(self.partnership(p), found[o % len(found)], changes, "story")
            )

    async def _confirm(self, p: int, org: int) -> None:
        await self.scribe.confirm(self.partnership(p), self.org(org))

    async def _stage(self, p: int, stage: str) -> None:
        command = {
            "nominate": c.NominateBestPractice,
            "endorse": c.EndorseBestPractice,
            "withdraw": c.WithdrawEndorsement,
        }[stage]
        await self.scribe.submit(command(self.partnership(p), "story"))

    def _activity(self, p: int, a: int) -> Any:
        found = self.scribe.activities.get(self.partnership(p), [])
        return found[a % len(found)] if found else None


def _urls(evidence: bool) -> tuple[str, ...]:
    return ("https://example.org/evidence",) if evidence else ()
