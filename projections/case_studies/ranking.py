"""The ranking of case studies: the evidence score, written once as ``RULE``.

Case studies are ranked by ``evidence_score``, highest first, ties broken by title (code-point
order), then by partnership id:

- each outcome scores its verification level: INDEPENDENT 3, PARTNER_CONFIRMED 2,
  SELF_REPORTED 1, doubled when the outcome cites at least one evidence URL;
- each activity that is not retracted and cites at least one evidence URL scores 0.5;
- each current partner that has confirmed its participation scores 0.5.

Everything else is derived from ``RULE``: the Python score (``score_of``), the SQL over the
read-model tables (``halves_sql``), the sentence exports print (``RANKING``) and the GraphQL
description (``GRAPHQL_DESCRIPTION``). Prose that cannot be derived (this docstring,
``docs/case-studies.md``) is checked against ``RULE`` by a test.

The score only grows as evidence is added (more outcomes, stronger verification, evidence URLs,
confirmations); corrections and retractions change it as they change the facts. It is a multiple
of 0.5, so it is exact in floating point and in SQL alike: both compute it in halves, as an
integer, and ``case_studies_page`` pages on (score desc, title, id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections.case_studies.documents import CaseStudyDocument, CaseStudySummary, ScoreBreakdown
from projections.read_model import quoted
from registry.domain.codelists import Verification


@dataclass(frozen=True)
class Rule:
    """The evidence score's points; each a multiple of 0.5, so scores are whole halves."""

    verification_points: Mapping[str, int]  # an outcome's points by verification level
    evidence_multiplier: int  # an outcome citing evidence URLs counts this many times its points
    activity_points: float  # per activity (not retracted) citing evidence URLs
    confirmed_partner_points: float  # per current partner that confirmed its participation


RULE = Rule(
    verification_points={
        Verification.INDEPENDENT: 3,
        Verification.PARTNER_CONFIRMED: 2,
        Verification.SELF_REPORTED: 1,
    },
    evidence_multiplier=2,
    activity_points=0.5,
    confirmed_partner_points=0.5,
)


def _halves(points: float) -> int:
    halves = points * 2
    if halves != int(halves):
        raise ValueError(f"points are multiples of 0.5, not {points}")
    return int(halves)


# ---------------------------------------------------------------------------- the score


def outcome_halves(fields: Mapping[str, Any]) -> int:
    """An outcome's points, in halves (so every score is an exact integer of halves)."""
    points = RULE.verification_points.get(str(fields.get("verification")), 0)
    return _halves(points) * (RULE.evidence_multiplier if fields.get("evidence_urls") else 1)


def score_of(
    outcomes: Iterable[Mapping[str, Any]],
    activities: Iterable[tuple[bool, bool]],
    partners: Iterable[tuple[bool, bool]],
) -> ScoreBreakdown:
    """The score of outcomes (their fields), activities (retracted, cites evidence URLs) and
    partners (current, confirmed its participation)."""
    outcome_points = sum(outcome_halves(o) for o in outcomes)
    activity_count = sum(1 for retracted, evidence in activities if evidence and not retracted)
    partner_count = sum(1 for current, confirmed in partners if current and confirmed)
    return ScoreBreakdown(
        outcomes=outcome_points / 2,
        activities=activity_count * _halves(RULE.activity_points) / 2,
        partners=partner_count * _halves(RULE.confirmed_partner_points) / 2,
    )


def ranking_key(study: CaseStudyDocument | CaseStudySummary) -> tuple[float, str, UUID]:
    """Highest score first, then title (code-point order), then id."""
    title = study.title.value if isinstance(study, CaseStudyDocument) else study.title
    return (-study.evidence_score, title, study.partnership_id)


# ---------------------------------------------------------------------------- in SQL


def halves_sql(schema: str) -> str:
    """SQL for a case study's evidence score in halves, over ``ps`` (partnership_summary)."""
    s = quoted(schema)
    levels = " ".join(
        f"WHEN '{level}' THEN {_halves(points)}"
        for level, points in RULE.verification_points.items()
    )
    return f"""
    (coalesce((SELECT sum(CASE o.verification {levels} ELSE 0 END
                          * CASE WHEN cardinality(o.evidence_urls) > 0
                                 THEN {RULE.evidence_multiplier} ELSE 1 END)
               FROM {s}.partnership_outcomes o WHERE o.partnership_id = ps.id), 0)
     + (SELECT count(*) FROM {s}.partnership_activities a
        WHERE a.partnership_id = ps.id AND NOT a.retracted
          AND cardinality(a.evidence_urls) > 0) * {_halves(RULE.activity_points)}
     + (SELECT count(*) FROM {s}.partnership_partners pp
        WHERE pp.partnership_id = ps.id AND pp.confirmed AND pp.until IS NULL)
       * {_halves(RULE.confirmed_partner_points)}
    )::bigint
"""  # noqa: S608 - the schema is quoted, the rest are RULE's numbers and codes


# ---------------------------------------------------------------------------- in words


def _number(points: float) -> str:
    return f"{points:g}"


def _times(multiplier: int) -> str:
    return {2: "doubled", 3: "tripled"}.get(multiplier, f"multiplied by {multiplier}")


def _level(code: str) -> str:
    return code.lower().replace("_", "-")


def _ranking_sentence(rule: Rule) -> str:
    levels = ", ".join(f"{_level(c)} {p}" for c, p in rule.verification_points.items())
    return (
        "Case studies are ranked by evidence score, highest first; ties by title, then by id. "
        f"Each outcome scores its verification level ({levels}), "
        f"{_times(rule.evidence_multiplier)} when it cites evidence URLs; each activity citing"
        f" evidence URLs scores {_number(rule.activity_points)} (retracted ones nothing); each"
        " current partner that confirmed its participation scores"
        f" {_number(rule.confirmed_partner_points)}."
    )


def _graphql_description(rule: Rule) -> str:
    levels = [f"{p} ({_level(c)})" for c, p in rule.verification_points.items()]
    listed = ", ".join(levels[:-1]) + f" or {levels[-1]}" if len(levels) > 1 else levels[0]
    activity = _number(rule.activity_points)
    partner = "current partner that confirmed its participation"
    if rule.activity_points == rule.confirmed_partner_points:
        rest = f"{activity} per activity citing evidence and per {partner}"
    else:
        rest = (
            f"{activity} per activity citing evidence,"
            f" {_number(rule.confirmed_partner_points)} per {partner}"
        )
    return (
        f"The ranking score: each outcome {listed},"
        f" {_times(rule.evidence_multiplier)} with evidence URLs; {rest}."
    )


RANKING = _ranking_sentence(RULE)  # what exports print as the ranking's definition
GRAPHQL_DESCRIPTION = _graphql_description(RULE)  # CaseStudy.evidenceScore's description
