"""Case studies: partnerships endorsed as best practice, as documents that cite their events.

A partnership is a **case study** while it is endorsed as a best practice: its last best-practice
event is ``BestPracticeEndorsed`` (a nomination alone is not enough; a withdrawal ends it until a
new nomination is endorsed).

Documents are always folded from the audit log (``event_log``) up to a log position: the head the
read model has reached, or an earlier position for a reproducible export. The read model holds
only the latest state, while the log up to a position never changes, so the same position always
gives the same document, and a document at the head equals what the read-model tables show (a
test keeps them equal).

The parts, each with one job:

- ``documents``: what a case study and a regional report are (dataclasses);
- ``positions``: the read model's head, checked positions, M49 areas;
- ``log``: reading events from the audit log up to a position;
- ``fold``: events, in log order, to a partnership's or organisation's state;
- ``ranking``: the evidence score, written once (``RULE``), and what derives from it;
- ``composing``: a folded partnership to its document;
- ``regional``: a region's report (figures and ranked case studies: a first pass over the
  shaping fields, then the case studies in full, in rank order, in batches), documents by id;
- ``pages``: ranked, keyset-paginated pages of case studies for GraphQL.
"""

from __future__ import annotations

from projections.case_studies.documents import (
    CaseStudyDocument,
    CaseStudySummary,
    Citation,
    Cited,
    RegionFiguresAt,
    RegionReport,
    ScoreBreakdown,
    Subject,
)
from projections.case_studies.pages import case_studies_page, decode_after
from projections.case_studies.positions import (
    PositionBeyondHead,
    UnknownRegion,
    area_or_error,
    head_position,
    resolve_position,
)
from projections.case_studies.ranking import (
    GRAPHQL_DESCRIPTION,
    RANKING,
    RULE,
    halves_sql,
    ranking_key,
)
from projections.case_studies.regional import (
    RegionPlan,
    case_studies_by_id,
    case_study,
    ranked_documents,
    region_plan,
    region_report,
)

__all__ = [
    "GRAPHQL_DESCRIPTION",
    "RANKING",
    "RULE",
    "CaseStudyDocument",
    "CaseStudySummary",
    "Citation",
    "Cited",
    "PositionBeyondHead",
    "RegionFiguresAt",
    "RegionPlan",
    "RegionReport",
    "ScoreBreakdown",
    "Subject",
    "UnknownRegion",
    "area_or_error",
    "case_studies_by_id",
    "case_studies_page",
    "case_study",
    "decode_after",
    "halves_sql",
    "head_position",
    "ranked_documents",
    "ranking_key",
    "region_plan",
    "region_report",
    "resolve_position",
]
