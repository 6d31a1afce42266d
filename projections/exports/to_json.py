"""The JSON export: the whole report with every value's citation, markup characters escaped."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import registry
from projections.case_studies import (
    RANKING,
    CaseStudyDocument,
    CaseStudySummary,
    Citation,
    Cited,
    Subject,
)
from projections.case_studies.regional import RegionPlan
from projections.exports.ticker import Ticker

JSON_SCHEMA_VERSION = 1


def _citation(c: Citation) -> dict[str, Any]:
    return {"event_id": str(c.event_id), "position": c.position, "type": c.type}


def _cited(c: Cited[Any] | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"value": _plain(c.value), "source": _citation(c.source)}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _sources(cs: Iterable[Citation]) -> list[dict[str, Any]]:
    return [_citation(c) for c in cs]


def _json_case_study(rank: int, cs: CaseStudyDocument) -> dict[str, Any]:
    return {
        "rank": rank,
        "partnership_id": str(cs.partnership_id),
        "version": cs.version,
        "evidence_score": cs.evidence_score,
        "score": {
            "outcomes": cs.score.outcomes,
            "activities": cs.score.activities,
            "partners": cs.score.partners,
        },
        "context": {
            "title": _cited(cs.title),
            "summary": _cited(cs.summary),
            "objectives": _cited(cs.objectives),
            "status": _cited(cs.status),
            "conclusion": _cited(cs.conclusion),
            "countries": _cited(cs.countries),
            "declared_regions": _cited(cs.declared_regions),
            "regions": list(cs.regions),
            "practice_areas": _cited(cs.practice_areas),
            "start_date": _cited(cs.start_date),
            "end_date": _cited(cs.end_date),
            "nomination": _cited(cs.nomination),
            "endorsement": _cited(cs.endorsement),
        },
        "partners": [
            {
                "sector": group.sector,
                "partners": [
                    {
                        "organisation_id": str(p.organisation_id),
                        "name": p.name,
                        "country": p.country,
                        "role": p.role,
                        "since": _plain(p.since),
                        "until": _plain(p.until),
                        "confirmed": p.confirmed,
                        "sources": _sources(p.sources),
                    }
                    for p in group.partners
                ],
            }
            for group in cs.partners
        ],
        "approach": [
            {
                "practice_area": area.practice_area,
                "activity_count": area.activity_count,
                "participants": area.participants,
                "people_trained": area.people_trained,
                "countries": list(area.countries),
                "target_groups": list(area.target_groups),
                "activities": [
                    {
                        "id": str(a.id),
                        "kind": a.kind,
                        "title": a.title,
                        "description": a.description,
                        "start_date": _plain(a.start_date),
                        "end_date": _plain(a.end_date),
                        "countries": list(a.countries),
                        "target_groups": list(a.target_groups),
                        "participants": a.participants,
                        "evidence_urls": list(a.evidence_urls),
                        "sources": _sources(a.sources),
                    }
                    for a in area.activities
                ],
            }
            for area in cs.approach
        ],
        "results": [
            {
                "id": str(o.id),
                "result_level": o.result_level,
                "indicator": o.indicator,
                "unit": o.unit,
                "baseline": o.baseline,
                "target": o.target,
                "actual": o.actual,
                "period_start": _plain(o.period_start),
                "period_end": _plain(o.period_end),
                "verification": o.verification,
                "evidence_urls": list(o.evidence_urls),
                "points": o.score,
                "sources": _sources(o.sources),
            }
            for o in cs.results
        ],
        "lessons": [
            {
                "kind": group.kind,
                "lessons": [
                    {"id": str(lesson.id), "text": lesson.text, "source": _citation(lesson.source)}
                    for lesson in group.lessons
                ],
            }
            for group in cs.lessons
        ],
        "timeline": [
            {"date": _plain(e.date), "text": e.text, "source": _citation(e.source)}
            for e in cs.timeline
        ],
        "citations": _sources(cs.citations),
    }


def _dumps(value: Any, depth: int) -> str:
    """``value`` as ``json.dumps`` writes it inside the whole document at ``depth`` (levels of
    indentation): a JSON string never holds a raw newline, so each line is indented alike."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)
    return text.replace("\n", "\n" + "  " * depth)


def _inert(text: str) -> bytes:
    # Outside strings JSON has no <, > or &: escaping them everywhere keeps markup in the data
    # inert even where the file ends up inside an HTML page.
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.encode("utf-8")


class JsonWriter:
    """The JSON export, written as ``json.dumps(document, sort_keys=True, indent=2)`` would write
    it, a piece at a time: its keys sort ``case_studies`` first and ``sources`` last, so the
    head opens the case studies, each batch adds its own, and the tail writes the rest."""

    def __init__(self, plan: RegionPlan) -> None:
        self._plan = plan
        self._written = 0

    def head(self, ranked: Sequence[CaseStudySummary]) -> bytes:
        return b'{\n  "case_studies": ['

    def studies(self, first_rank: int, batch: Sequence[CaseStudyDocument], tick: Ticker) -> bytes:
        parts = []
        for rank, cs in enumerate(batch, start=first_rank):
            parts.append(",\n    " if self._written else "\n    ")
            parts.append(_dumps(_json_case_study(rank, cs), 2))
            self._written += 1
            tick()
        return _inert("".join(parts))

    def tail(self, sources: Sequence[tuple[Citation, Subject | None]]) -> Iterator[bytes]:
        plan, f = self._plan, self._plan.figures
        rest = {
            "schema_version": JSON_SCHEMA_VERSION,
            "generator": {"name": "ppp-registry", "version": registry.__version__},
            "region": {
                "code": plan.area.code,
                "name": plan.area.name,
                "level": str(plan.area.level),
            },
            "position": plan.position,
            "ranking": {"key": "evidence_score", "definition": RANKING},
            "figures": {
                "partnerships": f.partnership_count,
                "active": f.active_count,
                "concluded": f.concluded_count,
                "people_trained": f.people_trained,
                "by_practice_area": [
                    {"practice_area": k, "partnerships": n} for k, n in f.by_practice_area
                ],
                "by_sector": [{"sector": k, "partnerships": n} for k, n in f.by_sector],
                "countries": [{"country": k, "partnerships": n} for k, n in f.countries],
                "case_studies": self._written,
            },
        }
        middle = _dumps(rest, 0)[2:-2]  # its keys, one level in, without the braces
        yield _inert(("\n  ]" if self._written else "]") + ",\n" + middle + ',\n  "sources": [')
        parts: list[str] = []
        for number, (c, subject) in enumerate(sources):
            source = {
                **_citation(c),
                "stream_id": str(c.stream_id),
                "stream_type": subject.kind if subject is not None else None,
                "stream_name": subject.name if subject is not None else None,
            }
            parts.append(",\n    " if number else "\n    ")
            parts.append(_dumps(source, 2))
            if len(parts) >= 4096:
                yield _inert("".join(parts))
                parts.clear()
        parts.append("\n  ]\n}\n" if sources else "]\n}\n")
        yield _inert("".join(parts))
