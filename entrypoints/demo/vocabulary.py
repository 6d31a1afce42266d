"""The dataset's fixed choices: who seeds it, the regions and countries stories happen in, the
days they span, and what each type of organisation is called and works in."""

from __future__ import annotations

from datetime import date

from registry.domain.actor import Actor, Role
from registry.domain.codelists import (
    OrganisationType,
    Sector,
)
from registry.idempotency import scope_of

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
COUNTRIES: dict[str, tuple[str, ...]] = {
    "002": ("KE", "NG", "GH", "SN", "ZA", "MA", "EG", "RW", "CI", "ET", "ZM", "TN", "BW", "CM"),
    "019": ("BR", "MX", "CO", "CL", "AR", "PE", "CA", "US", "JM", "CR", "DO", "EC", "TT", "UY"),
    "142": ("IN", "ID", "PH", "VN", "TH", "MY", "SG", "JP", "KZ", "JO", "LK", "BD", "MN", "GE"),
    "150": ("FR", "DE", "NL", "EE", "PL", "PT", "RO", "IE", "FI", "UA", "IT", "ES", "SE", "MD"),
    "009": ("AU", "NZ", "FJ", "PG", "WS", "TO", "VU", "SB", "KI", "PW"),
}

FIRST_DAY = date(2015, 1, 1).toordinal()
LAST_START = date(2024, 12, 31).toordinal()
LAST_DAY = date(2025, 12, 31).toordinal()

_S = Sector
_T = OrganisationType

# Per organisation type: plausible sectors (the first is used while covering every type) and
# name patterns ({c}: the country's name, {r}: the region's adjective).
PROFILES: dict[OrganisationType, tuple[tuple[Sector, ...], tuple[str, ...]]] = {
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
TYPE_WEIGHTS: dict[OrganisationType, int] = {
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
