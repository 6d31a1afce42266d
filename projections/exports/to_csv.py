"""The CSV export: one row per case study, in rank order; formula-like cells are defused."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import registry
from projections.case_studies import CaseStudyDocument, CaseStudySummary, Citation, Subject
from projections.case_studies.regional import RegionPlan
from projections.exports.text import day, number
from projections.exports.ticker import Ticker
from registry.domain.codelists import PartnerRole

# One row per case study, in rank order. Lists are joined with "; ". See docs/case-studies.md.
CSV_COLUMNS: tuple[str, ...] = (
    "rank",
    "partnership_id",
    "title",
    "evidence_score",
    "outcome_points",
    "activity_points",
    "partner_points",
    "status",
    "start_date",
    "end_date",
    "countries",
    "declared_regions",
    "practice_areas",
    "partners",
    "partner_sectors",
    "current_partners",
    "confirmed_partners",
    "activities",
    "participants",
    "people_trained",
    "outcomes",
    "outcomes_independent",
    "outcomes_partner_confirmed",
    "outcomes_self_reported",
    "outcomes_with_evidence",
    "lessons",
    "endorsement_event_id",
    "endorsement_position",
    "citations",
    "region_code",
    "region_name",
    "position",
    "registry_version",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ROLE_ORDER: dict[str, int] = {str(role): i for i, role in enumerate(PartnerRole)}


def _cell(value: Any) -> str:
    """A text cell; one a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _joined(values: Iterable[Any]) -> str:
    return "; ".join(str(v) for v in values)


def _csv_row(rank: int, cs: CaseStudyDocument, plan: RegionPlan) -> list[str]:
    partners = sorted(
        (p for g in cs.partners for p in g.partners if p.current),
        key=lambda p: (_ROLE_ORDER.get(p.role, len(_ROLE_ORDER)), p.name, p.organisation_id),
    )
    verifications = [o.verification for o in cs.results]
    return [
        str(rank),
        str(cs.partnership_id),
        _cell(cs.title.value),
        number(cs.evidence_score),
        number(cs.score.outcomes),
        number(cs.score.activities),
        number(cs.score.partners),
        cs.status.value,
        day(cs.start_date.value),
        "" if cs.end_date.value is None else day(cs.end_date.value),
        _joined(cs.countries.value),
        _joined(cs.declared_regions.value),
        _joined(cs.practice_areas.value),
        _cell(_joined(f"{p.name} ({p.role})" for p in partners)),
        _joined(dict.fromkeys(p.sector for p in partners)),
        str(len(partners)),
        str(cs.confirmed_partner_count),
        str(cs.activity_count),
        str(cs.participants),
        str(cs.people_trained),
        str(len(cs.results)),
        str(verifications.count("INDEPENDENT")),
        str(verifications.count("PARTNER_CONFIRMED")),
        str(verifications.count("SELF_REPORTED")),
        str(sum(1 for o in cs.results if o.evidence_urls)),
        str(sum(len(g.lessons) for g in cs.lessons)),
        str(cs.endorsement.source.event_id),
        str(cs.endorsement.source.position),
        str(len(cs.citations)),
        plan.area.code,
        _cell(plan.area.name),
        str(plan.position),
        registry.__version__,
    ]


class CsvWriter:
    """The CSV export, a batch of rows at a time: the header, then one row per case study."""

    def __init__(self, plan: RegionPlan) -> None:
        self._plan = plan

    def _rows(self, rows: Iterable[Sequence[str]]) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        return out.getvalue().encode("utf-8")

    def head(self, ranked: Sequence[CaseStudySummary]) -> bytes:
        return self._rows([CSV_COLUMNS])

    def studies(self, first_rank: int, batch: Sequence[CaseStudyDocument], tick: Ticker) -> bytes:
        rows = []
        for rank, cs in enumerate(batch, start=first_rank):
            rows.append(_csv_row(rank, cs, self._plan))
            tick()
        return self._rows(rows)

    def tail(self, sources: Sequence[tuple[Citation, Subject | None]]) -> Iterator[bytes]:
        return iter(())  # the CSV lists no sources: each row counts its citations
