"""A fictional demo dataset: NDJSON commands telling plausible stories of PPPs against cybercrime.

Everything here is invented and says so: organisation names start with "Fictional" and end with
"(demo)", every summary calls itself demo data, web addresses are on ``example.org`` and no person
is named (no names, no e-mails). Only ``random.Random(seed)`` decides, never the clock, so the
same ``partnerships`` and ``seed`` give the same lines, byte for byte.

A line is ``{"command": <mutation>, "input": {...}}``, exactly as ``ppp-registry import`` reads
it. Every line carries an ``idempotencyKey`` (``demo-<seed>-...``) and refers to what earlier
lines created through ``keyed_id(SCOPE, key, purpose)``, so applying the lines twice appends
nothing. ``SCOPE`` is the key space of the admin token named ``SEEDER``, which applies every
creating line: ids derived from keys belong to whoever applies them.

What the lines hold:

- about one organisation per three partnerships (at least 20), of every ``OrganisationType`` and
  ``Sector``, based in countries of every M49 region (Africa, Americas, Asia, Europe, Oceania);
  a few organisations are revised later;
- partnerships of every ``PracticeArea``, with 1 to 4 partners (exactly one LEAD), 1 to 3
  countries and sometimes an explicit M49 region, started between 2015 and 2024;
- per partnership, in date order: activities of every kind for every target group
  (participants for the kinds people attend), outcomes with baseline, target, actual, evidence
  and each verification level, lessons of each kind; some corrections, retractions, revisions,
  partners joining and leaving; about 10% nominated as best practice, most of them endorsed and
  a few of those withdrawn; about 40% concluded, the conclusion always their last line;
- ``confirmParticipation`` lines, only ever for organisations among the first
  ``CONFIRMING_ORGANISATIONS``: the policy lets only an organisation's own contributors confirm,
  so whoever applies the lines must issue those with a contributor token of that organisation
  (``registry.seeding`` does), and everything else with an admin token.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, TypeVar

from registry import geography
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
from registry.idempotency import keyed_id, scope_of
from schema.ids import to_global_id

__all__ = [
    "CONFIRMING_ORGANISATIONS",
    "REGIONS",
    "SCOPE",
    "SEEDER",
    "commands",
    "encode",
    "lines",
    "organisation_count",
]

# Only these first organisations confirm their participation, so a seeder needs at most this
# many contributor tokens however large the dataset.
CONFIRMING_ORGANISATIONS = 40

# The admin token that applies every line but the confirmations, and so owns their keys.
SEEDER = "demo-seeder"
SCOPE = scope_of(Actor(principal=SEEDER, role=Role.ADMIN))

# The five M49 regions organisations are spread over, and the adjective their names use.
REGIONS: dict[str, str] = {
    "002": "African",
    "019": "Americas",
    "142": "Asian",
    "150": "European",
    "009": "Pacific",
}

# A few well-known countries per region, so stories read plausibly; each is checked against the
# shipped M49 table when the pools are built.
_COUNTRIES: dict[str, tuple[str, ...]] = {
    "002": ("KE", "NG", "GH", "SN", "ZA", "MA", "EG", "RW", "CI", "ET", "ZM", "TN", "BW", "CM"),
    "019": ("BR", "MX", "CO", "CL", "AR", "PE", "CA", "US", "JM", "CR", "DO", "EC", "TT", "UY"),
    "142": ("IN", "ID", "PH", "VN", "TH", "MY", "SG", "JP", "KZ", "JO", "LK", "BD", "MN", "GE"),
    "150": ("FR", "DE", "NL", "EE", "PL", "PT", "RO", "IE", "FI", "UA", "IT", "ES", "SE", "MD"),
    "009": ("AU", "NZ", "FJ", "PG", "WS", "TO", "VU", "SB", "KI", "PW"),
}

_FIRST_DAY = date(2015, 1, 1).toordinal()
_LAST_START = date(2024, 12, 31).toordinal()
_LAST_DAY = date(2025, 12, 31).toordinal()

T = TypeVar("T")

_S = Sector
_T = OrganisationType

# Per organisation type: plausible sectors (the first is used while covering every type) and
# name patterns ({c}: the country's name, {r}: the region's adjective).
_PROFILES: dict[OrganisationType, tuple[tuple[Sector, ...], tuple[str, ...]]] = {
    _T.GOVERNMENT: (
        (_S.GOVERNMENT,),
        (
            "Ministry of Digital Affairs of {c}",
            "National Cybercrime Unit of {c}",
            "Ministry of Justice of {c}",
            "National Police Academy of {c}",
            "Ministry of the Interior of {c}",
        ),
    ),
    _T.LOCAL_GOVERNMENT: (
        (_S.GOVERNMENT,),
        (
            "Capital City Council of {c}",
            "Northern Province Administration of {c}",
            "Coastal District Authority of {c}",
        ),
    ),
    _T.OTHER_PUBLIC_SECTOR: (
        (_S.GOVERNMENT, _S.TECHNICAL_COMMUNITY),
        (
            "National CSIRT of {c}",
            "Judicial Training Institute of {c}",
            "Data Protection Authority of {c}",
            "Public Prosecution Service of {c}",
            "Central Bank Cyber Desk of {c}",
        ),
    ),
    _T.INTERNATIONAL_NGO: (
        (_S.CIVIL_SOCIETY, _S.TECHNICAL_COMMUNITY),
        (
            "Global Alliance for Online Safety, {c} office",
            "International Digital Rights Network, {c} office",
            "Worldwide Child Online Protection Trust, {c} office",
        ),
    ),
    _T.NATIONAL_NGO: (
        (_S.CIVIL_SOCIETY,),
        (
            "Cyber Trust of {c}",
            "Digital Literacy Foundation of {c}",
            "Online Fraud Victims Association of {c}",
            "Safer Internet Centre of {c}",
        ),
    ),
    _T.REGIONAL_NGO: (
        (_S.CIVIL_SOCIETY,),
        ("{r} Cyber Capacity Network, {c}", "{r} Digital Safety Coalition, {c}"),
    ),
    _T.PARTNER_COUNTRY_BASED_NGO: (
        (_S.CIVIL_SOCIETY,),
        (
            "Community Cyber Watch of {c}",
            "Women in Cybersecurity Circle of {c}",
            "Youth Online Safety Club of {c}",
        ),
    ),
    _T.PUBLIC_PRIVATE_PARTNERSHIP: (
        (_S.TECHNICAL_COMMUNITY, _S.OTHER),
        (
            "Cyber Security Alliance of {c}",
            "Anti-Phishing Working Group of {c}",
            "Financial Sector Cyber Forum of {c}",
        ),
    ),
    _T.MULTILATERAL: (
        (_S.INTERGOVERNMENTAL,),
        ("{r} Cybercrime Programme, {c} hub", "Intergovernmental Cyber Capacity Facility, {c} hub"),
    ),
    _T.FOUNDATION: (
        (_S.CIVIL_SOCIETY, _S.PRIVATE_SECTOR),
        ("Open Internet Foundation of {c}", "Digital Trust Fund of {c}"),
    ),
    _T.PRIVATE_SECTOR: (
        (_S.PRIVATE_SECTOR,),
        (
            "SecureNet Solutions of {c}",
            "Mobile Money Operator of {c}",
            "Telecom of {c}",
            "Commercial Bank of {c}",
        ),
    ),
    _T.PRIVATE_SECTOR_IN_PROVIDER_COUNTRY: (
        (_S.PRIVATE_SECTOR,),
        ("CloudShield Services, {c}", "Threat Intelligence Labs, {c}"),
    ),
    _T.PRIVATE_SECTOR_IN_AID_RECIPIENT_COUNTRY: (
        (_S.PRIVATE_SECTOR,),
        ("Digital Forensics Consultancy of {c}", "Internet Service Provider of {c}"),
    ),
    _T.PRIVATE_SECTOR_IN_THIRD_COUNTRY: (
        (_S.PRIVATE_SECTOR,),
        ("Cyber Training Academy, {c}", "Incident Response Partners, {c}"),
    ),
    _T.ACADEMIC_TRAINING_AND_RESEARCH: (
        (_S.ACADEMIA,),
        (
            "University of {c}, Cybercrime Research Centre",
            "Institute of Technology of {c}",
            "Police Science College of {c}",
        ),
    ),
    _T.OTHER: (
        (_S.OTHER, _S.TECHNICAL_COMMUNITY),
        ("Internet Exchange Point of {c}", "Bar Association Cyber Law Committee of {c}"),
    ),
}

# After every type has appeared once, types are drawn with these weights.
_TYPE_WEIGHTS: dict[OrganisationType, int] = {
    _T.GOVERNMENT: 14,
    _T.LOCAL_GOVERNMENT: 3,
    _T.OTHER_PUBLIC_SECTOR: 10,
    _T.INTERNATIONAL_NGO: 6,
    _T.NATIONAL_NGO: 12,
    _T.REGIONAL_NGO: 4,
    _T.PARTNER_COUNTRY_BASED_NGO: 5,
    _T.PUBLIC_PRIVATE_PARTNERSHIP: 4,
    _T.MULTILATERAL: 4,
    _T.FOUNDATION: 4,
    _T.PRIVATE_SECTOR: 12,
    _T.PRIVATE_SECTOR_IN_PROVIDER_COUNTRY: 3,
    _T.PRIVATE_SECTOR_IN_AID_RECIPIENT_COUNTRY: 3,
    _T.PRIVATE_SECTOR_IN_THIRD_COUNTRY: 2,
    _T.ACADEMIC_TRAINING_AND_RESEARCH: 10,
    _T.OTHER: 2,
}

_P = PracticeArea
_K = ActivityKind
_G = TargetGroup

# Per practice area: partnership titles, summaries and objectives ({c}: the first country).
# Objectives may be None: not every partnership states them.
_Texts = tuple[tuple[str, ...], tuple[str, ...], tuple[str | None, ...]]
_PARTNERSHIP_TEXTS: dict[PracticeArea, _Texts] = {
    _P.CAPACITY_BUILDING: (
        (
            "Digital evidence training for police and judges in {c}",
            "Cybercrime investigation academy for {c}",
            "Specialised cybercrime prosecutors' network in {c}",
            "Financial investigators and cryptocurrency tracing in {c}",
        ),
        (
            "Investigators, prosecutors and judges in {c} learn to collect, preserve and assess"
            " electronic evidence, with a pool of national trainers to keep the courses going.",
            "A training cycle that gives the cybercrime unit of {c} the skills and tools to"
            " investigate online fraud and ransomware cases end to end.",
        ),
        (
            "Certify a national pool of trainers; embed a cybercrime module in the police and"
            " judicial curricula.",
            "Shorten investigations and raise the share of cases that reach a court decision.",
        ),
    ),
    _P.POLICY_DEVELOPMENT: (
        (
            "Drafting a cybercrime law for {c}",
            "National cybersecurity strategy for {c}",
            "Aligning {c}'s procedural law with international cooperation standards",
        ),
        (
            "Government, industry and civil society in {c} draft a cybercrime law with"
            " safeguards for human rights and rules for international cooperation.",
            "A multi-stakeholder process that reviews existing legislation in {c} and proposes"
            " the provisions still missing.",
        ),
        (
            "A draft law submitted to parliament; implementing regulations prepared.",
            "A strategy adopted by the cabinet, with an action plan and a budget.",
        ),
    ),
    _P.AWARENESS_RAISING: (
        (
            "Think before you click: a phishing awareness campaign in {c}",
            "Safer online shopping for small businesses in {c}",
            "Online romance scam awareness for older people in {c}",
            "Cyber hygiene in schools across {c}",
        ),
        (
            "A nationwide campaign in {c} on radio, social media and in schools that teaches"
            " people to spot and report scams.",
            "Banks, telecom operators and an NGO in {c} explain common fraud schemes in plain"
            " language and in local languages.",
        ),
        (
            "Reach a large part of the population; raise the share of people who recognise a"
            " phishing message.",
            "More people reporting fraud attempts to the national reporting platform.",
        ),
    ),
    _P.OPERATIONAL_COOPERATION: (
        (
            "Joint botnet disruption cell in {c}",
            "Rapid takedown of phishing sites targeting {c}",
            "24/7 point of contact for cybercrime cooperation in {c}",
        ),
        (
            "Police, the national CSIRT and internet providers in {c} work from one desk to take"
            " down malicious infrastructure quickly.",
            "A standing arrangement that lets investigators in {c} obtain data from providers"
            " within days instead of months.",
        ),
        (
            "Cut the time to take down malicious sites; run joint operations every year.",
            None,
        ),
    ),
    _P.INFORMATION_SHARING: (
        (
            "Threat intelligence exchange between banks and police in {c}",
            "Fraud indicator sharing platform for {c}",
            "Regional incident information sharing anchored in {c}",
        ),
        (
            "Financial institutions, telecom operators and law enforcement in {c} share"
            " indicators of compromise and fraud patterns on a common platform.",
            "A trusted community in {c} that exchanges early warnings on attacks against critical"
            " services.",
        ),
        ("More members sharing indicators; faster detection of incidents.", None),
    ),
    _P.VICTIM_SUPPORT: (
        (
            "Helpline for victims of online fraud in {c}",
            "Support network for victims of sextortion in {c}",
            "Recovering from ransomware: support for small firms in {c}",
        ),
        (
            "A free helpline in {c} that advises victims, helps them report to the police and"
            " refers them to specialised support.",
            "Counsellors, lawyers and police officers in {c} coordinate the support given to"
            " people harmed by online crime.",
        ),
        ("Assist victims quickly and refer them to the right service.", None),
    ),
    _P.RESEARCH: (
        (
            "Measuring the cost of cybercrime for small firms in {c}",
            "Survey of online fraud victimisation in {c}",
            "Evaluating cybercrime training outcomes in {c}",
        ),
        (
            "Researchers and practitioners in {c} measure how cybercrime affects people and"
            " firms, and publish the data openly.",
            "A study that follows trained officers in {c} to learn which courses change practice.",
        ),
        ("Publish open data and evidence-based recommendations.", None),
    ),
}

# Kinds of activity that suit each practice area (after every kind has appeared once).
_KINDS: dict[PracticeArea, tuple[ActivityKind, ...]] = {
    _P.CAPACITY_BUILDING: (_K.TRAINING, _K.TRAINING, _K.WORKSHOP, _K.MENTORING, _K.EXERCISE),
    _P.POLICY_DEVELOPMENT: (
        _K.LEGISLATIVE_REVIEW,
        _K.ADVISORY_MISSION,
        _K.WORKSHOP,
        _K.ASSESSMENT,
        _K.CONFERENCE,
    ),
    _P.AWARENESS_RAISING: (_K.CAMPAIGN, _K.CAMPAIGN, _K.PUBLICATION, _K.WORKSHOP, _K.CONFERENCE),
    _P.OPERATIONAL_COOPERATION: (
        _K.EXERCISE,
        _K.ADVISORY_MISSION,
        _K.EQUIPMENT_OR_SOFTWARE,
        _K.MENTORING,
    ),
    _P.INFORMATION_SHARING: (
        _K.CONFERENCE,
        _K.WORKSHOP,
        _K.EQUIPMENT_OR_SOFTWARE,
        _K.PUBLICATION,
    ),
    _P.VICTIM_SUPPORT: (_K.TRAINING, _K.CAMPAIGN, _K.PUBLICATION, _K.MENTORING),
    _P.RESEARCH: (_K.ASSESSMENT, _K.PUBLICATION, _K.CONFERENCE, _K.WORKSHOP),
}


@dataclass(frozen=True)
class _KindProfile:
    titles: tuple[str, ...]
    groups: tuple[TargetGroup, ...]
    participants: tuple[int, int] | None  # a range, for the kinds people attend
    days: int  # the longest an activity of this kind lasts


_ACTIVITIES: dict[ActivityKind, _KindProfile] = {
    _K.TRAINING: _KindProfile(
        (
            "Digital forensics course for investigators",
            "Cryptocurrency tracing for financial investigators",
            "Electronic evidence in court: a course for judges",
            "Cybercrime investigation basics for police officers",
            "Training of trainers on online child protection",
            "Incident handling course for CSIRT staff",
        ),
        (_G.LAW_ENFORCEMENT, _G.PROSECUTORS, _G.JUDGES, _G.CSIRT),
        (12, 60),
        5,
    ),
    _K.WORKSHOP: _KindProfile(
        (
            "Workshop on international cooperation requests",
            "Cyber hygiene workshop for small businesses",
            "Stakeholder workshop on the draft strategy",
            "Workshop on reporting online fraud",
        ),
        (_G.POLICYMAKERS, _G.PRIVATE_SECTOR, _G.CIVIL_SOCIETY, _G.LAW_ENFORCEMENT),
        (15, 80),
        2,
    ),
    _K.MENTORING: _KindProfile(
        (
            "Case mentoring for the cybercrime unit",
            "Mentoring of newly appointed cybercrime prosecutors",
            "Peer mentoring for helpline counsellors",
        ),
        (_G.LAW_ENFORCEMENT, _G.PROSECUTORS, _G.CIVIL_SOCIETY),
        (3, 20),
        30,
    ),
    _K.EXERCISE: _KindProfile(
        (
            "National cyber crisis exercise",
            "Ransomware tabletop exercise with banks and police",
            "Cross-border botnet takedown simulation",
        ),
        (_G.CSIRT, _G.LAW_ENFORCEMENT, _G.PRIVATE_SECTOR, _G.POLICYMAKERS),
        (20, 150),
        3,
    ),
    _K.ADVISORY_MISSION: _KindProfile(
        (
            "Advisory mission on the cybercrime unit's structure",
            "Expert mission on data retention rules",
            "Advisory visit to the national CSIRT",
        ),
        (_G.POLICYMAKERS, _G.LAW_ENFORCEMENT, _G.CSIRT),
        None,
        5,
    ),
    _K.LEGISLATIVE_REVIEW: _KindProfile(
        (
            "Review of the draft cybercrime bill",
            "Gap analysis of procedural powers for electronic evidence",
            "Review of data protection safeguards in the draft law",
        ),
        (_G.POLICYMAKERS, _G.PROSECUTORS, _G.JUDGES),
        None,
        60,
    ),
    _K.CAMPAIGN: _KindProfile(
        (
            "Radio and social media campaign on phishing",
            "School campaign on safe use of social networks",
            "Campaign on investment and romance scams",
            "Campaign on reporting sextortion",
        ),
        (_G.GENERAL_PUBLIC, _G.VULNERABLE_GROUPS, _G.VICTIMS, _G.CIVIL_SOCIETY),
        None,
        90,
    ),
    _K.CONFERENCE: _KindProfile(
        (
            "Regional conference on cybercrime cooperation",
            "Annual threat intelligence sharing forum",
            "Conference on victims of online crime",
        ),
        (_G.POLICYMAKERS, _G.ACADEMIA, _G.PRIVATE_SECTOR, _G.LAW_ENFORCEMENT),
        (80, 600),
        3,
    ),
    _K.PUBLICATION: _KindProfile(
        (
            "Handbook on electronic evidence",
            "Guide for victims of online fraud",
            "Annual report on cybercrime trends",
            "Policy brief on cybercrime legislation",
        ),
        (_G.GENERAL_PUBLIC, _G.POLICYMAKERS, _G.ACADEMIA, _G.VICTIMS),
        None,
        0,
    ),
    _K.ASSESSMENT: _KindProfile(
        (
            "Cybercrime capacity assessment",
            "Baseline survey of online fraud victimisation",
            "Assessment of digital forensics laboratories",
        ),
        (_G.POLICYMAKERS, _G.LAW_ENFORCEMENT, _G.ACADEMIA, _G.VULNERABLE_GROUPS),
        None,
        45,
    ),
    _K.EQUIPMENT_OR_SOFTWARE: _KindProfile(
        (
            "Forensic workstations for the cybercrime unit",
            "Open-source threat sharing platform deployed",
            "Case management software for prosecutors",
        ),
        (_G.LAW_ENFORCEMENT, _G.CSIRT, _G.PROSECUTORS),
        None,
        0,
    ),
}

_DESCRIPTIONS = (
    "Delivered jointly by the partners, using material adapted to the local legal framework.",
    "Participants were selected by their institutions; the material is published openly.",
    "Organised with the support of the private-sector partners, who provided trainers.",
    "Follows up on recommendations of the earlier assessment.",
)

_RL = ResultLevel


@dataclass(frozen=True)
class _Indicator:
    text: str
    unit: str
    level: ResultLevel
    baseline: tuple[float, float]
    change: tuple[float, float]  # target = baseline + change (negative: a reduction)
    percent: bool = False


_INDICATORS: dict[PracticeArea, tuple[_Indicator, ...]] = {
    _P.CAPACITY_BUILDING: (
        _Indicator(
            "Officers trained in digital evidence handling", "people", _RL.OUTPUT, (0, 0), (40, 200)
        ),
        _Indicator(
            "Cybercrime cases referred to prosecutors",
            "cases per year",
            _RL.OUTCOME,
            (5, 40),
            (10, 60),
        ),
        _Indicator(
            "Cybercrime cases reaching a court decision",
            "%",
            _RL.IMPACT,
            (10, 30),
            (10, 30),
            percent=True,
        ),
    ),
    _P.POLICY_DEVELOPMENT: (
        _Indicator(
            "Provisions of the draft law aligned with international standards",
            "provisions",
            _RL.OUTPUT,
            (0, 5),
            (10, 40),
        ),
        _Indicator("Implementing regulations adopted", "regulations", _RL.OUTCOME, (0, 0), (2, 8)),
        _Indicator(
            "Mutual legal assistance requests answered within 90 days",
            "%",
            _RL.IMPACT,
            (20, 50),
            (10, 30),
            percent=True,
        ),
    ),
    _P.AWARENESS_RAISING: (
        _Indicator("People reached by the campaign", "people", _RL.OUTPUT, (0, 0), (50e3, 2e6)),
        _Indicator(
            "Respondents who recognise a phishing message",
            "%",
            _RL.OUTCOME,
            (20, 50),
            (10, 30),
            percent=True,
        ),
        _Indicator(
            "Reported losses to online fraud", "USD millions", _RL.IMPACT, (20, 80), (-15, -5)
        ),
    ),
    _P.OPERATIONAL_COOPERATION: (
        _Indicator("Joint operations carried out", "operations", _RL.OUTPUT, (0, 0), (2, 10)),
        _Indicator("Malicious domains taken down", "domains", _RL.OUTCOME, (0, 50), (200, 5000)),
        _Indicator(
            "Median time to take down a phishing site", "hours", _RL.IMPACT, (48, 96), (-40, -20)
        ),
    ),
    _P.INFORMATION_SHARING: (
        _Indicator(
            "Organisations sharing threat indicators",
            "organisations",
            _RL.OUTPUT,
            (2, 10),
            (10, 70),
        ),
        _Indicator(
            "Indicators shared per month", "indicators", _RL.OUTCOME, (100, 1000), (500, 5000)
        ),
        _Indicator(
            "Incidents detected within 24 hours", "%", _RL.IMPACT, (20, 50), (10, 30), percent=True
        ),
    ),
    _P.VICTIM_SUPPORT: (
        _Indicator("Victims assisted by the helpline", "people", _RL.OUTPUT, (0, 0), (500, 1e4)),
        _Indicator(
            "Victims referred to specialised support",
            "%",
            _RL.OUTCOME,
            (10, 40),
            (10, 30),
            percent=True,
        ),
        _Indicator(
            "Victims who report to the police", "%", _RL.IMPACT, (5, 25), (5, 20), percent=True
        ),
    ),
    _P.RESEARCH: (
        _Indicator("Studies published", "publications", _RL.OUTPUT, (0, 0), (2, 6)),
        _Indicator(
            "Policy recommendations taken up", "recommendations", _RL.OUTCOME, (0, 0), (3, 12)
        ),
        _Indicator("Firms covered by the survey", "firms", _RL.OUTPUT, (0, 0), (300, 3000)),
    ),
}

_LESSONS: dict[LessonKind, tuple[str, ...]] = {
    LessonKind.SUCCESS_FACTOR: (
        "Involving prosecutors and judges from the start made the training relevant to court"
        " practice.",
        "A national pool of trainers kept the courses running after the experts left.",
        "Private-sector partners brought realistic case material and tools.",
        "Material in local languages reached far more people than material in English.",
        "A single point of contact in each institution made cooperation fast.",
    ),
    LessonKind.CHALLENGE: (
        "High staff turnover in the police meant trained officers left the cybercrime unit.",
        "Procurement rules delayed the delivery of forensic equipment by months.",
        "Victims were reluctant to report because they feared being blamed.",
        "Data on cybercrime cases was scattered across institutions and hard to compare.",
        "Legal limits on sharing data slowed down the exchange between banks and police.",
    ),
    LessonKind.RECOMMENDATION: (
        "Budget for follow-up mentoring, not only for initial courses.",
        "Agree on indicators and a baseline with all partners before the first activity.",
        "Publish training material under an open licence so others can reuse it.",
        "Plan the handover to national institutions from the first year.",
        "Measure outcomes a year after training, not only at the end of the course.",
    ),
}

_CORRECTION_REASONS = (
    "Attendance sheets recounted after the final report.",
    "Figures updated with the partners' audited data.",
    "Typing error in the first entry.",
)
_DATE_REASONS = (
    "Dates corrected after the final report.",
    "The activity was extended at the participants' request.",
)
_RETRACTION_REASONS = (
    "Logged twice by mistake.",
    "The activity was cancelled before it took place.",
)
_OUTCOME_REASONS = (
    "Figures updated with the final audited data.",
    "An independent evaluation confirmed the figures.",
    "Baseline data corrected by the national statistics office.",
)
_REVISION_REASONS = (
    "Scope extended after the mid-term review.",
    "Second phase agreed by the partners.",
)
_LEAVE_REASONS = (
    "Its funding cycle ended.",
    "It handed its tasks over to a national institution.",
)
_NOMINATIONS = (
    "Clear, measured results and material that others can reuse.",
    "A model of cooperation between police, industry and civil society.",
)
_ENDORSEMENTS = (
    "Reviewed the evidence: results are independently verified and the approach is transferable.",
    "Endorsed after review of outcomes and lessons; the approach has been replicated.",
)
_WITHDRAWALS = (
    "A later evaluation could not confirm the reported results.",
    "The reported figures were corrected downwards after endorsement.",
)
_CONCLUSIONS = (
    "Completed as planned; national institutions continue the work.",
    "Concluded after its final evaluation; material remains available to all partners.",
    "Ended when funding ran out; the trained trainers continue the courses.",
)


# ---------------------------------------------------------------------- pools, built once
@dataclass(frozen=True)
class _Pools:
    iso: tuple[str, ...]  # ISO dates, indexed by ordinal - _FIRST_DAY
    country_names: dict[str, str]
    narrowest_area: dict[str, str]  # a country's narrowest M49 area, for explicit regions
    countries: dict[str, tuple[str, ...]]


@cache
def _pools() -> _Pools:
    countries: dict[str, tuple[str, ...]] = {}
    for region, codes in _COUNTRIES.items():
        members = set(geography.countries_in(region))
        strays = [code for code in codes if code not in members]
        assert not strays, f"{strays} are not in M49 region {region}"
        countries[region] = codes
    names: dict[str, str] = {}
    narrowest: dict[str, str] = {}
    for codes in countries.values():
        for code in codes:
            found = geography.country(code)
            assert found is not None, code
            names[code] = found.name
            narrowest[code] = geography.areas_of_country(code)[-1].code
    iso = tuple(date.fromordinal(day).isoformat() for day in range(_FIRST_DAY, _LAST_DAY + 1))
    return _Pools(iso=iso, country_names=names, narrowest_area=narrowest, countries=countries)


def organisation_count(partnerships: int) -> int:
    """About one organisation per three partnerships, at least 20."""
    return max(20, round(partnerships / 3))


class _Organisation:
    """An organisation the lines create; compared by identity, which is cheap."""

    __slots__ = ("country", "id", "number")

    def __init__(self, number: int, id: str, country: str) -> None:
        self.number = number
        self.id = id  # its global id
        self.country = country


_Random = Callable[[], float]


def _pick(random: _Random, values: Sequence[T]) -> T:
    """``Random.choice``, several times faster (it is called millions of times)."""
    return values[int(random() * len(values))]


def _between(random: _Random, low: int, high: int) -> int:
    """``Random.randint``, several times faster."""
    return low + int(random() * (high - low + 1))


class _Cycle:
    """Every value once, in order, then random draws: small datasets still cover everything."""

    def __init__(self, random: _Random, values: Sequence[str]) -> None:
        self._random = random
        self._values = tuple(values)
        self._next = 0

    def draw(self, weighted: Sequence[str] | None = None) -> str:
        if self._next < len(self._values):
            self._next += 1
            return self._values[self._next - 1]
        return _pick(self._random, weighted or self._values)


def _values(enum: Any) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


_AREAS = _values(PracticeArea)
_REGION_CODES = tuple(REGIONS)
_ORGANISATION_TYPES = _values(OrganisationType)
_PARTNER_ROLES = tuple(r.value for r in PartnerRole if r is not PartnerRole.LEAD)
_VERIFICATION_WEIGHTS = ("SELF_REPORTED",) * 5 + ("PARTNER_CONFIRMED",) * 3 + ("INDEPENDENT",) * 2
_KIND_STRINGS = {area.value: tuple(k.value for k in kinds) for area, kinds in _KINDS.items()}
_PROFILE_BY_KIND = {kind.value: profile for kind, profile in _ACTIVITIES.items()}
_GROUPS_BY_KIND = {kind.value: tuple(g.value for g in p.groups) for kind, p in _ACTIVITIES.items()}
_INDICATORS_BY_AREA = {area.value: indicators for area, indicators in _INDICATORS.items()}
_TEXTS_BY_AREA = {area.value: texts for area, texts in _PARTNERSHIP_TEXTS.items()}
_LESSONS_BY_KIND = {kind.value: texts for kind, texts in _LESSONS.items()}
_TYPE_POOL = tuple(t.value for t, weight in _TYPE_WEIGHTS.items() for _ in range(weight))
_PROFILE_BY_TYPE = {
    t.value: (tuple(s.value for s in sectors), names) for t, (sectors, names) in _PROFILES.items()
}
_PARTNER_COUNTS = (1,) * 25 + (2,) * 35 + (3,) * 25 + (4,) * 15  # how many partners, weighted
_EXTRA_COUNTRIES = (0,) * 55 + (1,) * 30 + (2,) * 15  # countries beyond the lead's, weighted
_FIX_STEPS = (-3, -2, -1, 1, 2, 4)


def _line(command: str, input: dict[str, Any]) -> dict[str, Any]:
    return {"command": command, "input": input}


def _gid(type_name: str, key: str, purpose: str) -> str:
    return to_global_id(type_name, keyed_id(SCOPE, key, purpose))


# ---------------------------------------------------------------------- the generator
class _Generator:
    def __init__(self, partnerships: int, seed: int) -> None:
        self.random = random.Random(seed).random  # noqa: S311 - invented data, not secrets
        self.partnerships = partnerships
        self.pools = _pools()
        self.prefix = f"demo-{seed}"
        self.mark = "(demo)" if seed == 0 else f"(demo, seed {seed})"
        self.urls = f"https://example.org/demo/{seed}"
        self.organisations: list[_Organisation] = []
        self.by_region: dict[str, list[_Organisation]] = {r: [] for r in REGIONS}
        self.kinds = _Cycle(self.random, _values(ActivityKind))
        self.groups = _Cycle(self.random, _values(TargetGroup))
        self.verifications = _Cycle(self.random, _values(Verification))
        self.lessons = _Cycle(self.random, _values(LessonKind))
        self.roles = _Cycle(self.random, _PARTNER_ROLES)
        self.outcomes = 0
        self.nominations = 0

    def iso(self, day: int) -> str:
        return self.pools.iso[day - _FIRST_DAY]

    # ------------------------------------------------------------------ organisations
    def organisation_lines(self) -> Iterator[dict[str, Any]]:
        random = self.random
        used: set[str] = set()
        types = len(_ORGANISATION_TYPES)
        for n in range(organisation_count(self.partnerships)):
            # Every type (with its first sector) once, then weighted draws; regions in turn.
            org_type = _ORGANISATION_TYPES[n] if n < types else _pick(random, _TYPE_POOL)
            sectors, patterns = _PROFILE_BY_TYPE[org_type]
            sector = sectors[0] if n < types else _pick(random, sectors)
            region = _REGION_CODES[n % len(_REGION_CODES)]
            country = _pick(random, self.pools.countries[region])
            base = _pick(random, patterns).format(
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
            organisation = _Organisation(n, _gid("Organisation", key, "organisation"), country)
            self.organisations.append(organisation)
            self.by_region[region].append(organisation)
            yield _line("registerOrganisation", input)
            if random() < 0.05:
                website = input.get("website")
                yield _line(
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
        pid = _gid("Partnership", key, "partnership")

        # Practice areas: each area leads a partnership early on; some add one or two more.
        first = _AREAS[p] if p < len(_AREAS) else _pick(random, _AREAS)
        areas = [first]
        if random() < 0.35:
            for _ in range(_between(random, 1, 2)):
                extra = _pick(random, _AREAS)
                if extra not in areas:
                    areas.append(extra)

        # Partners: a LEAD from the partnership's region, then up to three others from anywhere.
        region = _pick(random, _REGION_CODES)
        lead = _pick(random, self.by_region[region])
        partners = [lead]
        for _ in range(_pick(random, _PARTNER_COUNTS) - 1):
            candidate = _pick(random, self.organisations)
            if candidate not in partners:
                partners.append(candidate)
        roles = ["LEAD", *(self.roles.draw() for _ in partners[1:])]

        # Countries: the lead's, and up to two more, mostly from the same region.
        countries = [lead.country]
        for _ in range(_pick(random, _EXTRA_COUNTRIES)):
            from_region = region if random() < 0.75 else _pick(random, _REGION_CODES)
            candidate_country = _pick(random, pools.countries[from_region])
            if candidate_country not in countries:
                countries.append(candidate_country)
        place = pools.country_names[countries[0]]

        # Timeline: started 2015-2024, runs half a year to five years, never past 2025.
        start = _between(random, _FIRST_DAY, _LAST_START)
        horizon = min(start + _between(random, 180, 1800), _LAST_DAY)
        concluded = horizon <= _LAST_DAY - 60 and random() < 0.55
        titles, summaries, objectives = _TEXTS_BY_AREA[first]
        summary = (
            _pick(random, summaries).format(c=place)
            + " Fictional demo data: this partnership does not exist."
        )
        objective = _pick(random, objectives)
        registration: dict[str, Any] = {
            "title": _pick(random, titles).format(c=place),
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
        out.append(_line("registerPartnership", registration))

        # A non-LEAD partner sometimes leaves; it is never one that confirms.
        leaver = partners[-1] if len(partners) > 1 and random() < 0.08 else None
        for organisation in partners:
            if organisation is not leaver:
                self.confirm(out, pid, key, organisation)

        # Activities, in date order, with the odd correction or retraction right after; a
        # partner may join and the partnership be revised along the way.
        count = _between(random, 1, 6)
        last_start = max(start, horizon - 7)
        days = sorted([_between(random, start, last_start) for _ in range(count)])
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
        for k in range(_between(random, 1, 3)):
            self.outcome(out, pid, f"{key}-out-{k}", _pick(random, areas), start, period_end, p, k)
        for k in range(_between(random, 1, 3) if random() < 0.85 else 0):
            kind = self.lessons.draw()
            out.append(
                _line(
                    "recordLesson",
                    {
                        "partnershipId": pid,
                        "kind": kind,
                        "text": _pick(random, _LESSONS_BY_KIND[kind]),
                        "idempotencyKey": f"{key}-lesson-{k}",
                    },
                )
            )
        if leaver is not None:
            out.append(
                _line(
                    "removePartner",
                    {
                        "partnershipId": pid,
                        "organisationId": leaver.id,
                        "until": self.iso(days[-1]),
                        "reason": _pick(random, _LEAVE_REASONS),
                        "idempotencyKey": f"{key}-leave-{leaver.number}",
                    },
                )
            )
        if p % 10 == 7:
            self.best_practice(out, pid, key)
        if concluded:  # always the partnership's last line: nothing happens after it
            out.append(
                _line(
                    "concludePartnership",
                    {
                        "partnershipId": pid,
                        "endDate": self.iso(horizon),
                        "summary": _pick(random, _CONCLUSIONS),
                        "idempotencyKey": f"{key}-conclude",
                    },
                )
            )
        return out

    def confirm(
        self, out: list[dict[str, Any]], pid: str, key: str, organisation: _Organisation
    ) -> None:
        if organisation.number < CONFIRMING_ORGANISATIONS and self.random() < 0.6:
            out.append(
                _line(
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
        partners: list[_Organisation],
        day: int,
    ) -> None:
        joiner = _pick(self.random, self.organisations)
        if joiner in partners:
            return
        partners.append(joiner)
        out.append(
            _line(
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
        extra = _pick(random, self.pools.countries[region])
        if len(countries) < 3 and extra not in countries:
            countries.append(extra)
            input["countries"] = countries[:]
        else:
            input["summary"] = (
                summary + " Its second phase adds follow-up mentoring and an evaluation."
            )
        input["reason"] = _pick(random, _REVISION_REASONS)
        input["idempotencyKey"] = f"{key}-revise"
        out.append(_line("revisePartnership", input))

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
        area = _pick(random, areas)
        kind = self.kinds.draw(_KIND_STRINGS[area])
        profile = _PROFILE_BY_KIND[kind]
        plausible = _GROUPS_BY_KIND[kind]
        groups = [self.groups.draw(plausible)]
        for _ in range(_between(random, 0, 2)):
            group = _pick(random, plausible)
            if group not in groups:
                groups.append(group)
        input: dict[str, Any] = {
            "partnershipId": pid,
            "kind": kind,
            "practiceArea": area,
            "title": _pick(random, profile.titles),
        }
        if random() < 0.5:
            input["description"] = _pick(random, _DESCRIPTIONS)
        input["startDate"] = self.iso(day)
        length = min(_between(random, 0, profile.days), horizon - day) if profile.days else 0
        end = day + length if length else None
        if end is not None:
            input["endDate"] = self.iso(end)
        input["countries"] = countries[: _between(random, 1, len(countries))]
        input["targetGroups"] = groups
        participants = _between(random, *profile.participants) if profile.participants else None
        if participants is not None:
            input["participants"] = participants
        urls = _between(random, 0, 2)
        if urls:
            base = f"{self.urls}/pp-{p}/activity-{a}"
            input["evidenceUrls"] = [f"{base}/report.pdf", f"{base}/agenda.pdf"][:urls]
        input["idempotencyKey"] = key
        out.append(_line("logActivity", input))

        draw = random()
        if draw >= 0.17:
            return
        aid = _gid("Activity", key, "activity")
        if draw < 0.05:
            out.append(
                _line(
                    "retractActivity",
                    {
                        "partnershipId": pid,
                        "activityId": aid,
                        "reason": _pick(random, _RETRACTION_REASONS),
                        "idempotencyKey": f"{key}-retract",
                    },
                )
            )
            return
        fix: dict[str, Any] = {"partnershipId": pid, "activityId": aid}
        if participants is not None:
            fix["participants"] = participants + _pick(random, _FIX_STEPS)
            fix["reason"] = _pick(random, _CORRECTION_REASONS)
        else:
            # Never past the partnership's horizon, and never the end it was logged with.
            fixed_end = min(day + length + _between(random, 1, 5), horizon)
            fix["endDate"] = self.iso(fixed_end if fixed_end != end else day)
            fix["reason"] = _pick(random, _DATE_REASONS)
        fix["idempotencyKey"] = f"{key}-fix"
        out.append(_line("correctActivity", fix))

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
        indicators = _INDICATORS_BY_AREA[area]
        # The first three outcomes cover the three result levels.
        n = self.outcomes
        self.outcomes += 1
        indicator = indicators[n] if n < len(indicators) else _pick(random, indicators)
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
        verification = self.verifications.draw(_VERIFICATION_WEIGHTS)
        input["verification"] = verification
        input["evidenceUrls"] = [f"{self.urls}/pp-{p}/outcome-{k}/data.csv"]
        input["idempotencyKey"] = key
        out.append(_line("reportOutcome", input))
        if random() >= 0.2:
            return
        step = max(1.0, abs(target - baseline) * 0.1)
        corrected = _measure((target if actual is None else actual) - step, indicator.percent)
        if corrected == actual:  # clamped at zero: correct upwards instead
            corrected = _measure(corrected + step, indicator.percent)
        fix: dict[str, Any] = {
            "partnershipId": pid,
            "outcomeId": _gid("Outcome", key, "outcome"),
            "actual": corrected,
        }
        if verification != "INDEPENDENT":
            fix["verification"] = "INDEPENDENT"
        fix["reason"] = _pick(random, _OUTCOME_REASONS)
        fix["idempotencyKey"] = f"{key}-fix"
        out.append(_line("correctOutcome", fix))

    def best_practice(self, out: list[dict[str, Any]], pid: str, key: str) -> None:
        random = self.random
        n = self.nominations
        self.nominations += 1
        out.append(
            _line(
                "nominateBestPractice",
                {
                    "partnershipId": pid,
                    "rationale": _pick(random, _NOMINATIONS),
                    "idempotencyKey": f"{key}-nominate",
                },
            )
        )
        if n % 6 == 5:  # most nominations are endorsed, not all
            return
        out.append(
            _line(
                "endorseBestPractice",
                {
                    "partnershipId": pid,
                    "rationale": _pick(random, _ENDORSEMENTS),
                    "idempotencyKey": f"{key}-endorse",
                },
            )
        )
        if n % 5 == 2:  # a few endorsements are withdrawn
            out.append(
                _line(
                    "withdrawEndorsement",
                    {
                        "partnershipId": pid,
                        "reason": _pick(random, _WITHDRAWALS),
                        "idempotencyKey": f"{key}-withdraw",
                    },
                )
            )


def _measure(value: float, percent: bool) -> float:
    """A plausible figure: percentages to one decimal within 0-100, counts whole and >= 0."""
    if percent:
        return round(min(100.0, max(0.0, value)), 1)
    return float(max(0, round(value)))


# ---------------------------------------------------------------------- public API
def commands(partnerships: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """The demo dataset as command dicts: organisations first, then each partnership's story."""
    if partnerships < 0:
        raise ValueError("partnerships must not be negative")
    generator = _Generator(partnerships, seed)
    yield from generator.organisation_lines()
    for p in range(partnerships):
        yield from generator.partnership_lines(p)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(command: dict[str, Any]) -> str:
    """One command as an NDJSON line (without its newline)."""
    return _ENCODER.encode(command)


def lines(partnerships: int, seed: int = 0) -> Iterator[str]:
    """The demo dataset as NDJSON lines, ready for ``ppp-registry import`` or ``run_import``."""
    encode = _ENCODER.encode
    for command in commands(partnerships, seed):
        yield encode(command)
