"""A small fixed dataset for the case-study and export tests, written through the write side.

Every command has an idempotency key, so every id (organisations, partnerships, activities,
outcomes, lessons) derives from its key, and event ids derive from (stream, version): in a fresh
database the same commands give the same ids and the same log positions, which is what lets the
exports be compared with golden files. All dates are fixed; nothing depends on the clock.

In Africa (002) at the head:

- ``judges`` (KE, later also UG; Eastern Africa): endorsed, the strongest evidence.
- ``awareness`` (NG; Western Africa): endorsed, concluded; its title is full of markup.
- ``hygiene_rw`` and ``hygiene_et`` (RW, ET): endorsed with no evidence at all, so they tie on
  score and are ranked by title.
- ``victims`` (UG): nominated only. ``hotline`` (KE): endorsed, then withdrawn. Neither is a
  case study.
- ``moved`` (KE): endorsed, then moved to France (so a case study of Africa only before
  ``World.moved_at``).
- ``france`` (FR): endorsed, but in Europe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import anyio.to_thread

from registry import commands as c
from registry.application import Receipt, Registry
from registry.domain.actor import Actor, Role
from registry.domain.codelists import (
    ActivityKind,
    LessonKind,
    OrganisationType,
    PartnerRole,
    PracticeArea,
    ResultLevel,
    Sector,
    TargetGroup,
    Verification,
)

ADMIN = Actor("case-study-tests", Role.ADMIN)
REVIEWER = Actor("case-study-reviewer", Role.REVIEWER)
MARKUP_TITLE = "Awareness <script>alert('x')</script> across Nigeria & *friends* | [link](x)"


@dataclass
class World:
    acme: UUID
    ministry: UUID
    institute: UUID
    ngo: UUID
    judges: UUID
    awareness: UUID
    hygiene_rw: UUID
    hygiene_et: UUID
    victims: UUID
    hotline: UUID
    moved: UUID
    france: UUID
    training: UUID  # an activity of ``judges``
    moved_at: int  # the position of the revision that took ``moved`` out of Africa
    head: int  # the position of the last event


class Writer:
    """Submits keyed commands from a worker thread (the write side is synchronous)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    async def __call__(self, key: str, command: c.Command, actor: Actor = ADMIN) -> Receipt:
        submission = c.Submission(command, idempotency_key=key)
        receipt: Receipt = await anyio.to_thread.run_sync(self.registry.submit, actor, submission)
        return receipt

    async def organisation(self, key: str, name: str, sector: Sector, country: str) -> UUID:
        org_type = {
            Sector.GOVERNMENT: OrganisationType.GOVERNMENT,
            Sector.PRIVATE_SECTOR: OrganisationType.PRIVATE_SECTOR,
            Sector.ACADEMIA: OrganisationType.ACADEMIC_TRAINING_AND_RESEARCH,
            Sector.CIVIL_SOCIETY: OrganisationType.NATIONAL_NGO,
        }[sector]
        receipt = await self(key, c.RegisterOrganisation(name, org_type, sector, country))
        return receipt.aggregate_id

    async def partnership(
        self,
        key: str,
        title: str,
        countries: tuple[str, ...],
        areas: tuple[PracticeArea, ...],
        partners: tuple[tuple[UUID, PartnerRole], ...],
        *,
        summary: str = "Training and policy work against cybercrime.",
        objectives: str | None = None,
        regions: tuple[str, ...] = (),
    ) -> UUID:
        receipt = await self(
            key,
            c.RegisterPartnership(
                title=title,
                summary=summary,
                objectives=objectives,
                practice_areas=areas,
                countries=countries,
                regions=regions,
                start_date=date(2021, 3, 1),
                partners=partners,
            ),
        )
        return receipt.aggregate_id

    async def endorse(self, key: str, partnership: UUID) -> None:
        await self(f"{key}-nominate", c.NominateBestPractice(partnership, "Worth copying."))
        await self(
            f"{key}-endorse",
            c.EndorseBestPractice(partnership, "Verified by the review board."),
            REVIEWER,
        )

    async def confirm(self, key: str, partnership: UUID, organisation: UUID) -> None:
        member = Actor("member", Role.CONTRIBUTOR, organisation)
        await self(key, c.ConfirmParticipation(partnership, organisation), member)


async def build_world(registry: Registry) -> World:
    w = Writer(registry)
    acme = await w.organisation("org-acme", "ACME Security", Sector.PRIVATE_SECTOR, "KE")
    ministry = await w.organisation("org-ministry", "Ministry of ICT", Sector.GOVERNMENT, "KE")
    institute = await w.organisation("org-institute", "Cyber Institute", Sector.ACADEMIA, "FR")
    ngo = await w.organisation("org-ngo", "Digital Rights NGO", Sector.CIVIL_SOCIETY, "NG")

    # -- judges: the strongest evidence
    judges = await w.partnership(
        "p-judges",
        "Digital evidence for Kenyan judges",
        ("KE",),
        (PracticeArea.CAPACITY_BUILDING, PracticeArea.POLICY_DEVELOPMENT),
        (
            (acme, PartnerRole.LEAD),
            (ministry, PartnerRole.IMPLEMENTER),
            (institute, PartnerRole.KNOWLEDGE_PARTNER),
        ),
        summary="Judges and prosecutors trained to handle digital evidence.\nSecond line.",
        objectives="Faster, fairer cybercrime trials.",
    )
    await w(
        "judges-revise",
        c.RevisePartnership(judges, {"countries": ["KE", "UG"]}, "Uganda joined the programme"),
    )
    training = await w(
        "judges-training",
        c.LogActivity(
            judges,
            ActivityKind.TRAINING,
            PracticeArea.CAPACITY_BUILDING,
            "Digital evidence course",
            date(2022, 2, 7),
            description="Five days in Nairobi.",
            end_date=date(2022, 2, 11),
            countries=("KE",),
            target_groups=(TargetGroup.JUDGES, TargetGroup.PROSECUTORS),
            participants=40,
            evidence_urls=("https://example.org/reports/course_2022.pdf",),
        ),
    )
    assert training.entity_id is not None
    await w(
        "judges-training-fix",
        c.CorrectActivity(judges, training.entity_id, {"participants": 42}, "Late sign-ups"),
    )
    await w(
        "judges-workshop",
        c.LogActivity(
            judges,
            ActivityKind.WORKSHOP,
            PracticeArea.POLICY_DEVELOPMENT,
            "Bench book drafting workshop",
            date(2022, 5, 3),
            countries=("KE",),
            target_groups=(TargetGroup.JUDGES,),
            participants=12,
        ),
    )
    campaign = await w(
        "judges-campaign",
        c.LogActivity(
            judges,
            ActivityKind.CAMPAIGN,
            PracticeArea.CAPACITY_BUILDING,
            "Posters (duplicate)",
            date(2022, 6, 1),
            participants=1000,
        ),
    )
    assert campaign.entity_id is not None
    await w(
        "judges-campaign-retract",
        c.RetractActivity(judges, campaign.entity_id, "Logged twice"),
    )
    await w(
        "judges-outcome-1",
        c.ReportOutcome(
            judges,
            ResultLevel.OUTCOME,
            "Digital-evidence rulings upheld on appeal",
            Verification.INDEPENDENT,
            unit="%",
            baseline=40,
            target=75,
            actual=81.5,
            period_start=date(2022, 1, 1),
            period_end=date(2023, 12, 31),
            evidence_urls=("https://example.org/evaluation",),
        ),
    )
    outcome = await w(
        "judges-outcome-2",
        c.ReportOutcome(
            judges,
            ResultLevel.OUTPUT,
            "Judges trained",
            Verification.SELF_REPORTED,
            unit="people",
            target=50,
            actual=40,
        ),
    )
    assert outcome.entity_id is not None
    await w(
        "judges-outcome-2-fix",
        c.CorrectOutcome(judges, outcome.entity_id, {"actual": 42}, "Late sign-ups"),
    )
    await w(
        "judges-lesson-1",
        c.RecordLesson(judges, LessonKind.SUCCESS_FACTOR, "Local trainers kept attendance high."),
    )
    await w(
        "judges-lesson-2",
        c.RecordLesson(judges, LessonKind.CHALLENGE, "Court calendars left little time."),
    )
    await w(
        "judges-lesson-3",
        c.RecordLesson(judges, LessonKind.RECOMMENDATION, "Train clerks alongside judges."),
    )
    await w.confirm("judges-confirm-ministry", judges, ministry)
    await w.confirm("judges-confirm-institute", judges, institute)
    await w(
        "judges-institute-leaves",
        c.RemovePartner(judges, institute, "Funding ended", date(2023, 6, 30)),
    )
    await w.endorse("judges", judges)

    # -- awareness: markup everywhere, concluded
    awareness = await w.partnership(
        "p-awareness",
        MARKUP_TITLE,
        ("NG",),
        (PracticeArea.AWARENESS_RAISING,),
        ((ngo, PartnerRole.LEAD), (acme, PartnerRole.FUNDER)),
        summary="# Not a heading\n- not a list <b>bold</b> &amp; `code`",
    )
    await w(
        "awareness-campaign",
        c.LogActivity(
            awareness,
            ActivityKind.CAMPAIGN,
            PracticeArea.AWARENESS_RAISING,
            "Radio spots <img src=x onerror=alert(1)>",
            date(2022, 9, 1),
            countries=("NG",),
            target_groups=(TargetGroup.GENERAL_PUBLIC,),
            participants=None,
        ),
    )
    await w(
        "awareness-outcome",
        c.ReportOutcome(
            awareness,
            ResultLevel.OUTPUT,
            '=HYPERLINK("http://evil.example")',
            Verification.PARTNER_CONFIRMED,
            actual=3,
        ),
    )
    await w.endorse("awareness", awareness)
    await w(
        "awareness-conclude",
        c.ConcludePartnership(awareness, date(2023, 12, 31), "Handed over to the ministry."),
    )

    # -- two without evidence: tie on score, ranked by title
    hygiene_rw = await w.partnership(
        "p-hygiene-rw",
        "Cyber hygiene for Rwandan schools",
        ("RW",),
        (PracticeArea.AWARENESS_RAISING,),
        ((ngo, PartnerRole.LEAD),),
    )
    await w.endorse("hygiene-rw", hygiene_rw)
    hygiene_et = await w.partnership(
        "p-hygiene-et",
        "Cyber hygiene for Ethiopian schools",
        ("ET",),
        (PracticeArea.AWARENESS_RAISING,),
        ((ngo, PartnerRole.LEAD),),
    )
    await w.endorse("hygiene-et", hygiene_et)

    # -- not case studies
    victims = await w.partnership(
        "p-victims",
        "Victim support in Uganda",
        ("UG",),
        (PracticeArea.VICTIM_SUPPORT,),
        ((ngo, PartnerRole.LEAD),),
    )
    await w("victims-nominate", c.NominateBestPractice(victims, "Promising."))
    hotline = await w.partnership(
        "p-hotline",
        "Cybercrime hotline in Kenya",
        ("KE",),
        (PracticeArea.VICTIM_SUPPORT,),
        ((acme, PartnerRole.LEAD),),
    )
    await w.endorse("hotline", hotline)
    await w(
        "hotline-withdraw",
        c.WithdrawEndorsement(hotline, "Results could not be verified."),
        REVIEWER,
    )
    france = await w.partnership(
        "p-france",
        "Policy dialogue in France",
        ("FR",),
        (PracticeArea.POLICY_DEVELOPMENT,),
        ((institute, PartnerRole.LEAD),),
    )
    await w.endorse("france", france)

    # -- moved out of Africa after its endorsement
    moved = await w.partnership(
        "p-moved",
        "Exchange programme, first in Kenya",
        ("KE",),
        (PracticeArea.INFORMATION_SHARING,),
        ((institute, PartnerRole.LEAD),),
        regions=("014",),
    )
    await w.endorse("moved", moved)
    revision = await w(
        "moved-revise",
        c.RevisePartnership(moved, {"countries": ["FR"], "regions": []}, "Moved to Paris"),
    )
    # A rename after everything else: documents at earlier positions keep the old name.
    last = await w(
        "ministry-revise",
        c.ReviseOrganisation(ministry, {"name": "Ministry of ICT and Innovation"}, "Renamed"),
    )
    return World(
        acme=acme,
        ministry=ministry,
        institute=institute,
        ngo=ngo,
        judges=judges,
        awareness=awareness,
        hygiene_rw=hygiene_rw,
        hygiene_et=hygiene_et,
        victims=victims,
        hotline=hotline,
        moved=moved,
        france=france,
        training=training.entity_id,
        moved_at=revision.position,
        head=last.position,
    )
