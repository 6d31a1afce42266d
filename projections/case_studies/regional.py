"""A region's report at a log position: its figures and its case studies, ranked.

Regional figures at a position, over the partnerships whose countries and declared regions (at
that position) fall in the area: partnerships, active and concluded; partnerships per practice
area; partnerships with a current partner of each sector (a partnership counts once per sector);
people trained (participants of activities of a training kind that are not retracted); countries
covered (the partnerships' countries inside the area, with how many partnerships name each).
These are the definitions ``region_stats`` uses, so at the head they equal
``queries.region_figures``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from projections.case_studies.composing import document_of, subjects_of, summary_of
from projections.case_studies.documents import (
    CaseStudyDocument,
    CaseStudySummary,
    RegionFiguresAt,
    RegionReport,
    Subject,
)
from projections.case_studies.fold import (
    OrganisationState,
    PartnershipState,
    fold_organisations,
    fold_partnerships,
)
from projections.case_studies.log import candidates, shape_events, stream_events
from projections.case_studies.positions import area_or_error, head_position, resolve_position
from projections.case_studies.ranking import ranking_key
from projections.queries import Db
from projections.read_model import LIVE_SCHEMA
from registry import geography
from registry.collector import paused
from registry.domain.codelists import PracticeArea, Sector

# The first pass folds this many partnerships at a time and keeps only the figures' running
# totals and the case studies' ranking keys, so its memory does not grow with the area; the
# second folds this many case studies at a time, in rank order, for a renderer to write out.
PARTNERSHIP_BATCH = 2000
CASE_STUDY_BATCH = 100


async def _documents(
    db: Db, ids: Sequence[UUID], position: int, schema: str
) -> tuple[list[CaseStudyDocument], dict[UUID, OrganisationState]]:
    """The case studies among ``ids`` at ``position``, unranked, and their partners."""
    states = fold_partnerships(
        await stream_events(db, ids, position, schema, stream_type="Partnership"), timeline=True
    )
    studies = [s for s in states.values() if s.is_case_study]
    partner_ids = sorted({org for s in studies for org in s.members})
    organisations = fold_organisations(
        await stream_events(db, partner_ids, position, schema, stream_type="Organisation")
    )
    return [document_of(s, organisations, position) for s in studies], organisations


@dataclass(frozen=True)
class RegionPlan:
    """A region at a log position before its case studies are folded in full: its figures and
    its case studies' ranking (``CaseStudySummary``, ranked), from the first pass."""

    area: geography.Area
    position: int
    figures: RegionFiguresAt
    ranked: tuple[CaseStudySummary, ...]


class _Tally:
    """The regional figures' running totals, one partnership at a time (see ``_figures``)."""

    def __init__(self, area: geography.Area) -> None:
        self.within = frozenset(geography.countries_in(area.code))
        self.count = self.active = self.concluded = self.trained = 0
        self.by_area: dict[str, int] = {str(a): 0 for a in PracticeArea}
        self.by_sector: dict[str, int] = {str(s): 0 for s in Sector}
        self.countries: dict[str, int] = {}

    def add(self, p: PartnershipState, sectors: Mapping[UUID, str | None]) -> None:
        self.count += 1
        self.active += p.status == "ACTIVE"
        self.concluded += p.status == "CONCLUDED"
        self.trained += p.people_trained()
        for practice_area in p.fields["practice_areas"]:
            self.by_area[practice_area] = self.by_area.get(practice_area, 0) + 1
        found = {sectors.get(org) for org in p.current_members()}
        for sector in found:
            if sector is not None:  # an organisation with no event at the position
                self.by_sector[sector] = self.by_sector.get(sector, 0) + 1
        for country in set(p.fields["countries"]) & self.within:
            self.countries[country] = self.countries.get(country, 0) + 1

    def figures(self) -> RegionFiguresAt:
        return RegionFiguresAt(
            partnership_count=self.count,
            active_count=self.active,
            concluded_count=self.concluded,
            by_practice_area=tuple(self.by_area.items()),
            by_sector=tuple(self.by_sector.items()),
            people_trained=self.trained,
            countries=tuple(sorted(self.countries.items())),
        )


async def region_plan(
    db: Db,
    area_code: str,
    at_position: int | None = None,
    *,
    schema: str = LIVE_SCHEMA,
    batch: int = PARTNERSHIP_BATCH,
) -> RegionPlan:
    """Pass 1: the area's figures and ranked case studies at a log position (the head by default).

    Partnerships are folded ``batch`` at a time, in the order they were registered (so codes
    are counted in the order they were first seen, as one fold of them all would), from the
    shaping fields of their events; each is reduced to the figures' totals (and, for a case
    study, its ranking) before the next batch is read. Raises ``UnknownRegion`` and
    ``PositionBeyondHead``.
    """
    area = area_or_error(area_code)
    position = await resolve_position(db, at_position, schema=schema)
    ids = await candidates(db, area.code, position, schema)
    tally = _Tally(area)
    ranked: list[CaseStudySummary] = []
    sectors: dict[UUID, str | None] = {}  # an organisation's sector at the position, or None
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with paused():
            states = fold_partnerships(
                await shape_events(db, chunk, position, schema), timeline=False
            )
            inside = [states[i] for i in chunk if i in states and area.code in states[i].areas()]
            wanted = sorted({org for s in inside for org in s.current_members()} - sectors.keys())
            folded = fold_organisations(
                await stream_events(db, wanted, position, schema, stream_type="Organisation")
            )
            sectors.update((org, None) for org in wanted)
            sectors.update(
                (org, state.get("sector", Sector.OTHER)) for org, state in folded.items()
            )
            for state in inside:
                tally.add(state, sectors)
                if state.is_case_study:
                    ranked.append(summary_of(state))
        del states, inside, folded
    ranked.sort(key=ranking_key)
    return RegionPlan(area, position, tally.figures(), tuple(ranked))


async def ranked_documents(
    db: Db, plan: RegionPlan, *, schema: str = LIVE_SCHEMA, batch: int = CASE_STUDY_BATCH
) -> AsyncIterator[tuple[list[CaseStudyDocument], dict[UUID, Subject]]]:
    """Pass 2: the plan's case studies in full, in rank order, ``batch`` at a time, each batch
    with the subjects (partnership titles, partner names) its citations name."""
    for start in range(0, len(plan.ranked), batch):
        wanted = plan.ranked[start : start + batch]
        with paused():
            studies, organisations = await _documents(
                db, [s.partnership_id for s in wanted], plan.position, schema
            )
            by_id = {s.partnership_id: s for s in studies}
            documents = [by_id[s.partnership_id] for s in wanted]
            for summary, document in zip(wanted, documents, strict=True):
                if ranking_key(summary) != ranking_key(document):  # both folds read one log
                    raise RuntimeError(
                        f"case study {summary.partnership_id}: the first pass ranks it by"
                        f" {ranking_key(summary)}, its document by {ranking_key(document)}"
                    )
            subjects = subjects_of(documents, organisations)
        yield documents, subjects


async def region_report(
    db: Db,
    area_code: str,
    at_position: int | None = None,
    *,
    schema: str = LIVE_SCHEMA,
) -> RegionReport:
    """An area's figures and ranked case studies at a log position (the head by default), all
    in memory: for GraphQL and tests; the exports stream ``region_plan`` and
    ``ranked_documents`` instead.

    Raises ``UnknownRegion`` for a code that is no M49 area and ``PositionBeyondHead`` for a
    position the read model has not reached.
    """
    plan = await region_plan(db, area_code, at_position, schema=schema)
    studies: list[CaseStudyDocument] = []
    subjects: dict[UUID, Subject] = {}
    async for documents, named in ranked_documents(db, plan, schema=schema):
        studies.extend(documents)
        subjects.update(named)
    return RegionReport(
        area=plan.area,
        position=plan.position,
        figures=plan.figures,
        case_studies=tuple(studies),
        subjects=subjects,
    )


# ---------------------------------------------------------------------------- for GraphQL


async def case_studies_by_id(
    db: Db, partnership_ids: Sequence[UUID], *, schema: str = LIVE_SCHEMA
) -> list[CaseStudyDocument | None]:
    """Each id's case study at the head, in order (None: not a case study); for DataLoaders."""
    if not partnership_ids:
        return []
    position = await head_position(db, schema=schema)
    with paused():
        studies, _ = await _documents(db, sorted(set(partnership_ids)), position, schema)
    found = {s.partnership_id: s for s in studies}
    return [found.get(i) for i in partnership_ids]


async def case_study(
    db: Db, partnership_id: UUID, *, schema: str = LIVE_SCHEMA
) -> CaseStudyDocument | None:
    """The partnership's case study at the head, with its citations; None if it is none."""
    (found,) = await case_studies_by_id(db, [partnership_id], schema=schema)
    return found
