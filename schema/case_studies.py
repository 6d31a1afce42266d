"""The CASE STUDIES section: ranked pages from the read model, citations folded from the log.

A page (``caseStudies``) ranks from the read-model tables in one statement; a case study's
citations need its document, folded from the audit log, which the request's DataLoader does for
every case study of a response at once. ``exportUrl`` pins the download to the position the
read model had when the request read it, so following it later gives the same bytes.
"""

from __future__ import annotations

from enum import Enum
from uuid import UUID

import strawberry
from graphql import GraphQLError

from projections import case_studies as cs
from projections import queries as q
from projections.read_model import LIVE_SCHEMA
from schema.context import Info
from schema.enums import PracticeArea
from schema.export_urls import GRAPHQL_FORMATS, export_path, iati_path
from schema.ids import BadGlobalId, parse_global_id, to_global_id
from schema.pages import PageInfo, page_size
from schema.types import Area, Node, Partnership


@strawberry.enum(description="A format of the regional case-study export.")
class ExportFormat(Enum):
    MARKDOWN = "MARKDOWN"
    HTML = "HTML"
    CSV = "CSV"
    JSON = "JSON"
    IATI = "IATI"  # the area's partnerships as IATI 2.03 activities, not its case studies


@strawberry.type(description="The event a statement of a case study comes from.")
class Citation:
    event_id: strawberry.ID = strawberry.field(
        description="The event's id, as `events` shows it (a RegistryEvent id)."
    )
    position: str = strawberry.field(description="Its log position.")
    type: str = strawberry.field(description='Past-tense event name, e.g. "OutcomeReported".')

    @classmethod
    def of(cls, citation: cs.Citation) -> Citation:
        return cls(
            event_id=strawberry.ID(to_global_id("RegistryEvent", citation.event_id)),
            position=str(citation.position),
            type=citation.type,
        )


async def _partnership(root: CaseStudy, info: Info) -> Partnership:
    record = await info.context.loaders.partnerships.load(root.uuid)
    assert record is not None, "a case study is a partnership of the read model"
    return Partnership.of(record)


async def _citations(root: CaseStudy, info: Info) -> list[Citation]:
    document = root.document or await info.context.loaders.case_studies.load(root.uuid)
    # None: its endorsement was withdrawn between the page's read and the log's.
    return [] if document is None else [Citation.of(c) for c in document.citations]


@strawberry.type(
    description="A partnership endorsed as a best practice (nominated, endorsed, not withdrawn)."
)
class CaseStudy(Node):
    id: strawberry.ID
    partnership: Partnership = strawberry.field(
        resolver=_partnership, description="The partnership, as the read model shows it now."
    )
    title: str
    regions: list[Area] = strawberry.field(
        description="Every M49 area it belongs to, at all levels."
    )
    evidence_score: float = strawberry.field(
        description=cs.GRAPHQL_DESCRIPTION  # derived from the ranking rule
    )
    citations: list[Citation] = strawberry.field(
        resolver=_citations, description="Every event its document cites, once each, in log order."
    )
    uuid: strawberry.Private[UUID]
    document: strawberry.Private[cs.CaseStudyDocument | None]

    @classmethod
    def of_summary(cls, summary: cs.CaseStudySummary) -> CaseStudy:
        return cls(
            id=strawberry.ID(to_global_id("CaseStudy", summary.id)),
            title=summary.title,
            regions=Area.all_of(summary.regions),
            evidence_score=summary.evidence_score,
            uuid=summary.id,
            document=None,
        )

    @classmethod
    def of_document(cls, document: cs.CaseStudyDocument) -> CaseStudy:
        return cls(
            id=strawberry.ID(to_global_id("CaseStudy", document.id)),
            title=document.title.value,
            regions=Area.all_of(document.regions),
            evidence_score=document.evidence_score,
            uuid=document.id,
            document=document,
        )


@strawberry.type
class CaseStudyEdge:
    cursor: str
    node: CaseStudy


@strawberry.type
class CaseStudyConnection:
    edges: list[CaseStudyEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def of(cls, page: q.Page[cs.CaseStudySummary]) -> CaseStudyConnection:
        edges = [
            CaseStudyEdge(cursor=c, node=CaseStudy.of_summary(s))
            for s, c in zip(page.items, page.cursors, strict=True)
        ]
        return cls(edges=edges, page_info=PageInfo.of(page), total_count=page.total_count)


async def case_studies(
    info: Info,
    region: str | None = None,
    practice_area: PracticeArea | None = None,
    first: int | None = None,
    after: str | None = None,
) -> CaseStudyConnection:
    area = practice_area.value if practice_area is not None else None
    try:
        page = await cs.case_studies_page(info.context.pool, region, area, page_size(first), after)
    except cs.UnknownRegion as error:
        raise GraphQLError(f"region: {error}") from None
    except q.BadCursor as error:
        raise GraphQLError(f"after: {error}") from None
    return CaseStudyConnection.of(page)


async def case_study(info: Info, id: strawberry.ID) -> CaseStudy | None:
    uuid = case_study_uuid(id)
    if uuid is None:
        return None
    document = await info.context.loaders.case_studies.load(uuid)
    return CaseStudy.of_document(document) if document is not None else None


def case_study_uuid(global_id: str) -> UUID | None:
    """A case study's id is its partnership's uuid, so a Partnership id finds it too."""
    try:
        type_name, uuid = parse_global_id(global_id)
    except BadGlobalId:
        return None
    return uuid if type_name in ("CaseStudy", "Partnership") else None


async def export_url(info: Info, region: str, format: ExportFormat) -> str:
    position = await info.context.loaders.head.load(LIVE_SCHEMA)
    if format is ExportFormat.IATI:
        return iati_path(region, position)
    return export_path(region, GRAPHQL_FORMATS[format.value], position)
