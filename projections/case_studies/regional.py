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

from collections.abc import Mapping, Sequence
from uuid import UUID

from projections.case_studies.composing import document_of, subjects_of
from projections.case_studies.documents import CaseStudyDocument, RegionFiguresAt, RegionReport
from projections.case_studies.fold import (
    OrganisationState,
    PartnershipState,
    fold_organisations,
    fold_partnerships,
)
from projections.case_studies.log import shape_events, stream_events
from projections.case_studies.positions import area_or_error, head_position, resolve_position
from projections.case_studies.ranking import ranking_key
from projections.queries import Db
from projections.read_model import LIVE_SCHEMA
from registry import geography
from registry.collector import paused
from registry.domain.codelists import PracticeArea, Sector


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


async def region_report(
    db: Db,
    area_code: str,
    at_position: int | None = None,
    *,
    schema: str = LIVE_SCHEMA,
) -> RegionReport:
    """An area's figures and ranked case studies at a log position (the head by default).

    Raises ``UnknownRegion`` for a code that is no M49 area and ``PositionBeyondHead`` for a
    position the read model has not reached.
    """
    area = area_or_error(area_code)
    position = await resolve_position(db, at_position, schema=schema)
    with paused():
        # Pass 1: which partnerships are in the area then, their figures, the case studies.
        shapes = fold_partnerships(
            await shape_events(db, area.code, position, schema), timeline=False
        )
        inside = [s for s in shapes.values() if area.code in s.areas()]
        member_ids = sorted({org for s in inside for org in s.current_members()})
        sectors = fold_organisations(
            await stream_events(db, member_ids, position, schema, stream_type="Organisation")
        )
        figures = _figures(area, inside, sectors)
        chosen = sorted(s.id for s in inside if s.is_case_study)
        del shapes, inside, sectors  # pass 2 needs none of it
        # Pass 2: the case studies in full, from all their events.
        studies, organisations = await _documents(db, chosen, position, schema)
        studies.sort(key=ranking_key)
        return RegionReport(
            area=area,
            position=position,
            figures=figures,
            case_studies=tuple(studies),
            subjects=subjects_of(studies, organisations),
        )


def _figures(
    area: geography.Area,
    inside: Sequence[PartnershipState],
    organisations: Mapping[UUID, OrganisationState],
) -> RegionFiguresAt:
    by_area: dict[str, int] = {str(a): 0 for a in PracticeArea}
    by_sector: dict[str, int] = {str(s): 0 for s in Sector}
    countries: dict[str, int] = {}
    within = set(geography.countries_in(area.code))
    for p in inside:
        for practice_area in p.fields["practice_areas"]:
            by_area[practice_area] = by_area.get(practice_area, 0) + 1
        sectors = set()
        for org_id in p.current_members():
            org = organisations.get(org_id)
            if org is not None:
                sectors.add(org.get("sector", Sector.OTHER))
        for sector in sectors:
            by_sector[sector] = by_sector.get(sector, 0) + 1
        for country in set(p.fields["countries"]) & within:
            countries[country] = countries.get(country, 0) + 1
    return RegionFiguresAt(
        partnership_count=len(inside),
        active_count=sum(1 for p in inside if p.status == "ACTIVE"),
        concluded_count=sum(1 for p in inside if p.status == "CONCLUDED"),
        by_practice_area=tuple(by_area.items()),
        by_sector=tuple(by_sector.items()),
        people_trained=sum(p.people_trained() for p in inside),
        countries=tuple(sorted(countries.items())),
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
