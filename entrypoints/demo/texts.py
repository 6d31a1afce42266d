"""What the stories say: titles, summaries, activities, indicators, lessons and the reasons
given for corrections, per practice area and kind. All invented, and saying so."""

from __future__ import annotations

from dataclasses import dataclass

from registry.domain.codelists import (
    ActivityKind,
    LessonKind,
    PracticeArea,
    ResultLevel,
    TargetGroup,
)

_P = PracticeArea
_K = ActivityKind
_G = TargetGroup

# Per practice area: partnership titles, summaries and objectives ({c}: the first country).
# Objectives may be None: not every partnership states them.
_Texts = tuple[tuple[str, ...], tuple[str, ...], tuple[str | None, ...]]
PARTNERSHIP_TEXTS: dict[PracticeArea, _Texts] = {
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
KINDS: dict[PracticeArea, tuple[ActivityKind, ...]] = {
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


ACTIVITIES: dict[ActivityKind, _KindProfile] = {
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

DESCRIPTIONS = (
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


INDICATORS: dict[PracticeArea, tuple[_Indicator, ...]] = {
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

LESSONS: dict[LessonKind, tuple[str, ...]] = {
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

CORRECTION_REASONS = (
    "Attendance sheets recounted after the final report.",
    "Figures updated with the partners' audited data.",
    "Typing error in the first entry.",
)
DATE_REASONS = (
    "Dates corrected after the final report.",
    "The activity was extended at the participants' request.",
)
RETRACTION_REASONS = (
    "Logged twice by mistake.",
    "The activity was cancelled before it took place.",
)
OUTCOME_REASONS = (
    "Figures updated with the final audited data.",
    "An independent evaluation confirmed the figures.",
    "Baseline data corrected by the national statistics office.",
)
REVISION_REASONS = (
    "Scope extended after the mid-term review.",
    "Second phase agreed by the partners.",
)
LEAVE_REASONS = (
    "Its funding cycle ended.",
    "It handed its tasks over to a national institution.",
)
NOMINATIONS = (
    "Clear, measured results and material that others can reuse.",
    "A model of cooperation between police, industry and civil society.",
)
ENDORSEMENTS = (
    "Reviewed the evidence: results are independently verified and the approach is transferable.",
    "Endorsed after review of outcomes and lessons; the approach has been replicated.",
)
WITHDRAWALS = (
    "A later evaluation could not confirm the reported results.",
    "The reported figures were corrected downwards after endorsement.",
)
CONCLUSIONS = (
    "Completed as planned; national institutions continue the work.",
    "Concluded after its final evaluation; material remains available to all partners.",
    "Ended when funding ran out; the trained trainers continue the courses.",
)
