"""The generator: one ``random.Random(seed)`` telling the organisations' and each
partnership's story as command dicts, in date order."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from entrypoints.demo.drawing import (
    AREAS,
    EXTRA_COUNTRIES,
    FIX_STEPS,
    GROUPS_BY_KIND,
    INDICATORS_BY_AREA,
    KIND_STRINGS,
    LESSONS_BY_KIND,
    ORGANISATION_TYPES,
    PARTNER_COUNTS,
    PARTNER_ROLES,
    PROFILE_BY_KIND,
    PROFILE_BY_TYPE,
    REGION_CODES,
    TEXTS_BY_AREA,
    TYPE_POOL,
    VERIFICATION_WEIGHTS,
    Cycle,
    Organisation,
    between,
    gid,
    line,
    organisation_count,
    pick,
    pools,
    values,
)
from entrypoints.demo.texts import (
    CONCLUSIONS,
    CORRECTION_REASONS,
    DATE_REASONS,
    DESCRIPTIONS,
    ENDORSEMENTS,
    LEAVE_REASONS,
    NOMINATIONS,
    OUTCOME_REASONS,
    RETRACTION_REASONS,
    REVISION_REASONS,
    WITHDRAWALS,
)
from entrypoints.demo.vocabulary import (
    CONFIRMING_ORGANISATIONS,
    FIRST_DAY,
    LAST_DAY,
    LAST_START,
    REGIONS,
)
from registry.domain.codelists import (
    ActivityKind,
    LessonKind,
    TargetGroup,
    Verification,
)


# ---------------------------------------------------------------------- the generator
class Generator:
    def __init__(self, partnerships: int, seed: int) -> None:
        self.random = random.Random(seed).random  # noqa: S311 - invented data, not secrets
        self.partnerships = partnerships
        self.pools = pools()
        self.prefix = f"demo-{seed}"
        self.mark = "(demo)" if seed == 0 else f"(demo, seed {seed})"
        self.urls = f"https://example.org/demo/{seed}"
        self.organisations: list[Organisation] = []
        self.by_region: dict[str, list[Organisation]] = {r: [] for r in REGIONS}
        self.kinds = Cycle(self.random, values(ActivityKind))
        self.groups = Cycle(self.random, values(TargetGroup))
        self.verifications = Cycle(self.random, values(Verification))
        self.lessons = Cycle(self.random, values(LessonKind))
        self.roles = Cycle(self.random, PARTNER_ROLES)
        self.outcomes = 0
        self.nominations = 0

    def iso(self, day: int) -> str:
        return self.pools.iso[day - FIRST_DAY]

    # ------------------------------------------------------------------ organisations
    def organisation_lines(self) -> Iterator[dict[str, Any]]:
        random = self.random
        used: set[str] = set()
        types = len(ORGANISATION_TYPES)
        for n in range(organisation_count(self.partnerships)):
            # Every type (with its first sector) once, then weighted draws; regions in turn.
            org_type = ORGANISATION_TYPES[n] if n < types else pick(random, TYPE_POOL)
            sectors, patterns = PROFILE_BY_TYPE[org_type]
            sector = sectors[0] if n < types else pick(random, sectors)
            region = REGION_CODES[n % len(REGION_CODES)]
            country = pick(random, self.pools.countries[region])
            base = pick(random, patterns).format(
                c=self.pools.country_names[country], r=REGIONS[region]
            )
            name = f"Fictional {base} {self.mark}"
            copy = 1
            while name.casefold() in used:
                copy += 1
                name = f"Fictional {base} No. {copy} {self.mark}"
            used.add(name.casefold())
            key = f"{self.prefix}-org-{n}"
            input: dict[str, Any] = {
                "name": name,
                "orgType": org_type,
                "sector": sector,
                "country": country,
            }
            if random() < 0.6:
                input["website"] = f"{self.urls}/org-{n}"
            input["idempotencyKey"] = key
            organisation = Organisation(n, gid("Organisation", key, "organisation"), country)
            self.organisations.append(organisation)
            self.by_region[region].append(organisation)
            yield line("registerOrganisation", input)
            if random() < 0.05:
                website = input.get("website")
                yield line(
                    "reviseOrganisation",
                    {
                        "organisationId": organisation.id,
                        "website": f"{website}/en" if website else f"{self.urls}/org-{n}/home",
                        "reason": "The organisation moved its website.",
                        "idempotencyKey": f"{key}-revise",
                    },
                )

    # ------------------------------------------------------------------ partnerships
    def partnership_lines(self, p: int) -> list[dict[str, Any]]:
        random = self.random
        pools = self.pools
        out: list[dict[str, Any]] = []
        key = f"{self.prefix}-pp-{p}"
        pid = gid("Partnership", key, "partnership")

        # Practice areas: each area leads a partnership early on; some add one or two more.
        first = AREAS[p] if p < len(AREAS) else pick(random, AREAS)
        areas = [first]
        if random() < 0.35:
            for _ in range(between(random, 1, 2)):
                extra = pick(random, AREAS)
                if extra not in areas:
                    areas.append(extra)

        # Partners: a LEAD from the partnership's region, then up to three others from anywhere.
        region = pick(random, REGION_CODES)
        lead = pick(random, self.by_region[region])
        partners = [lead]
        for _ in range(pick(random, PARTNER_COUNTS) - 1):
            candidate = pick(random, self.organisations)
            if candidate not in partners:
                partners.append(candidate)
        roles = ["LEAD", *(self.roles.draw() for _ in partners[1:])]

        # Countries: the lead's, and up to two more, mostly from the same region.
        countries = [lead.country]
        for _ in range(pick(random, EXTRA_COUNTRIES)):
            from_region = region if random() < 0.75 else pick(random, REGION_CODES)
            candidate_country = pick(random, pools.countries[from_region])
            if candidate_country not in countries:
                countries.append(candidate_country)
        place = pools.country_names[countries[0]]

        # Timeline: started 2015-2024, runs half a year to five years, never past 2025.
        start = between(random, FIRST_DAY, LAST_START)
        horizon = min(start + between(random, 180, 1800), LAST_DAY)
        concluded = horizon <= LAST_DAY - 60 and random() < 0.55
        titles, summaries, objectives = TEXTS_BY_AREA[first]
        summary = (
            pick(random, summaries).format(c=place)
            + " Fictional demo data: this partnership does not exist."
        )
        objective = pick(random, objectives)
        registration: dict[str, Any] = {
            "title": pick(random, titles).format(c=place),
            "summary": summary,
        }
        if objective is not None:
            registration["objectives"] = objective
        registration["practiceAreas"] = areas
        registration["countries"] = countries[:]
        if random() < 0.2:
            registration["regions"] = [pools.narrowest_area[countries[0]]]
        registration["startDate"] = self.iso(start)
        if random() < 0.5:
            registration["endDate"] = self.iso(horizon)
        registration["partners"] = [
            {"organisationId": o.id, "role": role} for o, role in zip(partners, roles, strict=True)
        ]
        registration["idempotencyKey"] = key
        out.append(line("registerPartnership", registration))

        # A non-LEAD partner sometimes leaves; it is never one that confirms.
        leaver = partners[-1] if len(partners) > 1 and random() < 0.08 else None
        for organisation in partners:
            if organisation is not leaver:
                self.confirm(out, pid, key, organisation)

        # Activities, in date order, with the odd correction or retraction right after; a
        # partner may join and the partnership be revised along the way.
        count = between(random, 1, 6)
        last_start = max(start, horizon - 7)
        days = sorted([between(random, start, last_start) for _ in range(count)])
        joiner_at = int(random() * count) if random() < 0.12 else -1
        revision_at = int(random() * count) if random() < 0.12 else -1
        for a, day in enumerate(days):
            if a == joiner_at:
                self.add_partner(out, pid, key, partners, day)
            if a == revision_at:
                self.revise(out, pid, key, summary, countries, region)
            self.activity(out, pid, f"{key}-act-{a}", areas, countries, day, horizon, p, a)

        # Outcomes over the period so far, lessons, then best practice and conclusion.
        period_end = horizon if concluded else days[-1]
        for k in range(between(random, 1, 3)):
            self.outcome(out, pid, f"{key}-out-{k}", pick(random, areas), start, period_end, p, k)
        for k in range(between(random, 1, 3) if random() < 0.85 else 0):
            kind = self.lessons.draw()
            out.append(
                line(
                    "recordLesson",
                    {
                        "partnershipId": pid,
                        "kind": kind,
                        "text": pick(random, LESSONS_BY_KIND[kind]),
                        "idempotencyKey": f"{key}-lesson-{k}",
                    },
                )
            )
        if leaver is not None:
            out.append(
                line(
                    "removePartner",
                    {
                        "partnershipId": pid,
                        "organisationId": leaver.id,
                        "until": self.iso(days[-1]),
                        "reason": pick(random, LEAVE_REASONS),
                        "idempotencyKey": f"{key}-leave-{leaver.number}",
                    },
                )
            )
        if p % 10 == 7:
            self.best_practice(out, pid, key)
        if concluded:  # always the partnership's last line: nothing happens after it
            out.append(
                line(
                    "concludePartnership",
                    {
                        "partnershipId": pid,
                        "endDate": self.iso(horizon),
                        "summary": pick(random, CONCLUSIONS),
                        "idempotencyKey": f"{key}-conclude",
                    },
                )
            )
        return out

    def confirm(
        self, out: list[dict[str, Any]], pid: str, key: str, organisation: Organisation
    ) -> None:
        if organisation.number < CONFIRMING_ORGANISATIONS and self.random() < 0.6:
            out.append(
                line(
                    "confirmParticipation",
                    {
                        "partnershipId": pid,
                        "organisationId": organisation.id,
                        "idempotencyKey": f"{key}-confirm-{organisation.number}",
                    },
                )
            )

    def add_partner(
        self,
        out: list[dict[str, Any]],
        pid: str,
        key: str,
        partners: list[Organisation],
        day: int,
    ) -> None:
        joiner = pick(self.random, self.organisations)
        if joiner in partners:
            return
        partners.append(joiner)
        out.append(
            line(
                "addPartner",
                {
                    "partnershipId": pid,
                    "organisationId": joiner.id,
                    "role": self.roles.draw(),
                    "since": self.iso(day),
                    "idempotencyKey": f"{key}-join-{joiner.number}",
                },
            )
        )
        self.confirm(out, pid, key, joiner)

    def revise(
        self,
        out: list[dict[str, Any]],
        pid: str,
        key: str,
        summary: str,
        countries: list[str],
        region: str,
    ) -> None:
        random = self.random
        input: dict[str, Any] = {"partnershipId": pid}
        extra = pick(random, self.pools.countries[region])
        if len(countries) < 3 and extra not in countries:
            countries.append(extra)
            input["countries"] = countries[:]
        else:
            input["summary"] = (
                summary + " Its second phase adds follow-up mentoring and an evaluation."
            )
        input["reason"] = pick(random, REVISION_REASONS)
        input["idempotencyKey"] = f"{key}-revise"
        out.append(line("revisePartnership", input))

    def activity(
        self,
        out: list[dict[str, Any]],
        pid: str,
        key: str,
        areas: list[str],
        countries: list[str],
        day: int,
        horizon: int,
        p: int,
        a: int,
    ) -> None:
        random = self.random
        area = pick(random, areas)
        kind = self.kinds.draw(KIND_STRINGS[area])
        profile = PROFILE_BY_KIND[kind]
        plausible = GROUPS_BY_KIND[kind]
        groups = [self.groups.draw(plausible)]
        for _ in range(between(random, 0, 2)):
            group = pick(random, plausible)
            if group not in groups:
                groups.append(group)
        input: dict[str, Any] = {
            "partnershipId": pid,
            "kind": kind,
            "practiceArea": area,
            "title": pick(random, profile.titles),
        }
        if random() < 0.5:
            input["description"] = pick(random, DESCRIPTIONS)
        input["startDate"] = self.iso(day)
        length = min(between(random, 0, profile.days), horizon - day) if profile.days else 0
        end = day + length if length else None
        if end is not None:
            input["endDate"] = self.iso(end)
        input["countries"] = countries[: between(random, 1, len(countries))]
        input["targetGroups"] = groups
        participants = between(random, *profile.participants) if profile.participants else None
        if participants is not None:
            input["participants"] = participants
        urls = between(random, 0, 2)
        if urls:
            base = f"{self.urls}/pp-{p}/activity-{a}"
            input["evidenceUrls"] = [f"{base}/report.pdf", f"{base}/agenda.pdf"][:urls]
        input["idempotencyKey"] = key
        out.append(line("logActivity", input))

        draw = random()
        if draw >= 0.17:
            return
        aid = gid("Activity", key, "activity")
        if draw < 0.05:
            out.append(
                line(
                    "retractActivity",
                    {
                        "partnershipId": pid,
                        "activityId": aid,
                        "reason": pick(random, RETRACTION_REASONS),
                        "idempotencyKey": f"{key}-retract",
                    },
                )
            )
            return
        fix: dict[str, Any] = {"partnershipId": pid, "activityId": aid}
        if participants is not None:
            fix["participants"] = participants + pick(random, FIX_STEPS)
            fix["reason"] = pick(random, CORRECTION_REASONS)
        else:
            # Never past the partnership's horizon, and never the end it was logged with.
            fixed_end = min(day + length + between(random, 1, 5), horizon)
            fix["endDate"] = self.iso(fixed_end if fixed_end != end else day)
            fix["reason"] = pick(random, DATE_REASONS)
        fix["idempotencyKey"] = f"{key}-fix"
        out.append(line("correctActivity", fix))

    def outcome(
        self,
        out: list[dict[str, Any]],
        pid: str,
        key: str,
        area: str,
        start: int,
        end: int,
        p: int,
        k: int,
    ) -> None:
        random = self.random
        indicators = INDICATORS_BY_AREA[area]
        # The first three outcomes cover the three result levels.
        n = self.outcomes
        self.outcomes += 1
        indicator = indicators[n] if n < len(indicators) else pick(random, indicators)
        low, high = indicator.baseline
        baseline = _measure(low + (high - low) * random(), indicator.percent)
        low, high = indicator.change
        target = _measure(baseline + low + (high - low) * random(), indicator.percent)
        input: dict[str, Any] = {
            "partnershipId": pid,
            "resultLevel": indicator.level.value,
            "indicator": indicator.text,
            "unit": indicator.unit,
            "baseline": baseline,
            "target": target,
        }
        actual: float | None = None
        if random() < 0.85:
            achieved = 0.4 + 0.85 * random()  # 40% to 125% of the change aimed at
            actual = _measure(baseline + (target - baseline) * achieved, indicator.percent)
            input["actual"] = actual
        input["periodStart"] = self.iso(start)
        input["periodEnd"] = self.iso(end)
        verification = self.verifications.draw(VERIFICATION_WEIGHTS)
        input["verification"] = verification
        input["evidenceUrls"] = [f"{self.urls}/pp-{p}/outcome-{k}/data.csv"]
        input["idempotencyKey"] = key
        out.append(line("reportOutcome", input))
        if random() >= 0.2:
            return
        step = max(1.0, abs(target - baseline) * 0.1)
        corrected = _measure((target if actual is None else actual) - step, indicator.percent)
        if corrected == actual:  # clamped at zero: correct upwards instead
            corrected = _measure(corrected + step, indicator.percent)
        fix: dict[str, Any] = {
            "partnershipId": pid,
            "outcomeId": gid("Outcome", key, "outcome"),
            "actual": corrected,
        }
        if verification != "INDEPENDENT":
            fix["verification"] = "INDEPENDENT"
        fix["reason"] = pick(random, OUTCOME_REASONS)
        fix["idempotencyKey"] = f"{key}-fix"
        out.append(line("correctOutcome", fix))

    def best_practice(self, out: list[dict[str, Any]], pid: str, key: str) -> None:
        random = self.random
        n = self.nominations
        self.nominations += 1
        out.append(
            line(
                "nominateBestPractice",
                {
                    "partnershipId": pid,
                    "rationale": pick(random, NOMINATIONS),
                    "idempotencyKey": f"{key}-nominate",
                },
            )
        )
        if n % 6 == 5:  # most nominations are endorsed, not all
            return
        out.append(
            line(
                "endorseBestPractice",
                {
                    "partnershipId": pid,
                    "rationale": pick(random, ENDORSEMENTS),
                    "idempotencyKey": f"{key}-endorse",
                },
            )
        )
        if n % 5 == 2:  # a few endorsements are withdrawn
            out.append(
                line(
                    "withdrawEndorsement",
                    {
                        "partnershipId": pid,
                        "reason": pick(random, WITHDRAWALS),
                        "idempotencyKey": f"{key}-withdraw",
                    },
                )
            )


def _measure(value: float, percent: bool) -> float:
    """A plausible figure: percentages to one decimal within 0-100, counts whole and >= 0."""
    if percent:
        return round(min(100.0, max(0.0, value)), 1)
    return float(max(0, round(value)))
