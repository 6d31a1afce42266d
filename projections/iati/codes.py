"""The IATI 2.03 codes the registry's values map to, and what a publisher configures.

One table per IATI codelist the export uses, keyed by the registry's own codelist values, so
``docs/iati.md`` and the code say the same thing. Codes are IATI's, as strings (attributes are
text). Where IATI has no place for a registry value, the registry's extension namespace
(``EXTENSION_NAMESPACE``, prefix ``ppp``) carries it on the elements whose schema allows foreign
attributes, so an import can restore it while other IATI readers ignore it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from registry.domain.codelists import (
    OrganisationType,
    PartnerRole,
    PracticeArea,
    ResultLevel,
    Sector,
)

IATI_VERSION = "2.03"
# Names, not addresses: a namespace URI is an identifier nobody has to fetch.
EXTENSION_NAMESPACE = "urn:ppp-registry:iati-extension:1"
EXTENSION_PREFIX = "ppp"

# ---------------------------------------------------------------------------- the publisher

# Placeholders that make an export work out of the box; a deployment that publishes to the IATI
# Registry sets its own organisation identifier (org-id.guide) and the address where it serves
# docs/iati.md, so that the practice-area vocabulary is published where the files say it is.
DEFAULT_REPORTING_ORG_REF = "XX-PPP-REGISTRY"
DEFAULT_REPORTING_ORG_NAME = "PPP Registry"
DEFAULT_REPORTING_ORG_TYPE = OrganisationType.OTHER
DEFAULT_PRACTICE_AREA_VOCABULARY_URI = "https://ppp-registry.example.org/docs/iati#practice-areas"


@dataclass(frozen=True)
class Publisher:
    """Who reports the activities (``reporting-org``) and where its own vocabulary lives.

    ``ref`` is the IATI organisation identifier of the registry's operator; it also prefixes the
    ``iati-identifier`` of every activity the registry did not import with one of its own.
    """

    ref: str = DEFAULT_REPORTING_ORG_REF
    name: str = DEFAULT_REPORTING_ORG_NAME
    org_type: OrganisationType = DEFAULT_REPORTING_ORG_TYPE
    practice_area_vocabulary_uri: str = DEFAULT_PRACTICE_AREA_VOCABULARY_URI

    def activity_identifier(self, partnership_id: object) -> str:
        """``<reporting-org ref>-<partnership id>``, as IATI builds activity identifiers."""
        return f"{self.ref}-{partnership_id}"


# ---------------------------------------------------------------------------- organisations

# OrganisationRole: 1 Funding, 2 Accountable, 3 Extending, 4 Implementing. IATI has no role for
# a knowledge partner or a beneficiary: a knowledge partner brings expertise to carrying the
# work out, and a beneficiary organisation (a police force trained, a ministry advised) takes
# part in it, so both are Implementing. Neither is Extending, which IATI defines as managing the
# funder's budget. ``ppp:role`` keeps the registry's role.
ROLE_CODES: Mapping[str, str] = {
    PartnerRole.FUNDER: "1",
    PartnerRole.LEAD: "2",
    PartnerRole.IMPLEMENTER: "4",
    PartnerRole.KNOWLEDGE_PARTNER: "4",
    PartnerRole.BENEFICIARY: "4",
}
ROLE_ORDER: Mapping[str, int] = {role: i for i, role in enumerate(ROLE_CODES)}

# An organisation's IATI type is its own ``org_type`` (the registry's OrganisationType is IATI's
# codelist). Only an organisation with no type falls back to one read from its sector; sectors
# IATI has no single code for are 90 Other.
SECTOR_TYPE_CODES: Mapping[str, str] = {
    Sector.GOVERNMENT: "10",
    Sector.PRIVATE_SECTOR: "70",
    Sector.CIVIL_SOCIETY: "90",
    Sector.ACADEMIA: "80",
    Sector.INTERGOVERNMENTAL: "40",
    Sector.TECHNICAL_COMMUNITY: "90",
    Sector.OTHER: "90",
}
OTHER_ORGANISATION_TYPE = "90"


def organisation_type_code(org_type: str | None, sector: str | None) -> str:
    """The IATI OrganisationType code of an organisation of this type and sector."""
    if org_type is not None and org_type in OrganisationType.__members__:
        return str(OrganisationType(org_type).iati_code)
    return SECTOR_TYPE_CODES.get(sector or "", OTHER_ORGANISATION_TYPE)


def organisation_ref(identifiers: object) -> str | None:
    """The IATI organisation identifier among an organisation's identifiers, if it has one.

    An identifier is recorded as ``{"scheme": <org-id.guide list, e.g. "XM-DAC">, "id": ...}``
    (the ref is ``scheme-id``) or as ``{"ref": <a whole IATI organisation identifier>}``; the
    first one that gives a ref is taken.
    """
    if not isinstance(identifiers, list):
        return None
    for identifier in identifiers:
        if not isinstance(identifier, dict):
            continue
        ref = identifier.get("ref")
        if isinstance(ref, str) and ref.strip():
            return ref.strip()
        scheme, value = identifier.get("scheme"), identifier.get("id")
        if isinstance(scheme, str) and isinstance(value, str) and scheme.strip() and value.strip():
            return f"{scheme.strip()}-{value.strip()}"
    return None


# ---------------------------------------------------------------------------- the activity

# DescriptionType: 1 General (the summary), 2 Objectives, 3 Target Groups (those the
# partnership's activities reached), 4 Other (the conclusion of a concluded partnership).
DESCRIPTION_GENERAL = "1"
DESCRIPTION_OBJECTIVES = "2"
DESCRIPTION_TARGET_GROUPS = "3"
DESCRIPTION_OTHER = "4"

# ActivityStatus, derived from the events and the date of the log position (see
# ``activity_status``): 1 Pipeline/identification, 2 Implementation, 3 Finalisation, 4 Closed.
STATUS_PIPELINE = "1"
STATUS_IMPLEMENTATION = "2"
STATUS_FINALISATION = "3"
STATUS_CLOSED = "4"

# ActivityDateType.
DATE_PLANNED_START = "1"
DATE_ACTUAL_START = "2"
DATE_PLANNED_END = "3"
DATE_ACTUAL_END = "4"


def activity_status(concluded: bool, start_date: date, end_date: date | None, as_of: date) -> str:
    """Closed once concluded; before its start date, Pipeline; past a planned end date that has
    not been concluded yet, Finalisation; otherwise Implementation."""
    if concluded:
        return STATUS_CLOSED
    if start_date > as_of:
        return STATUS_PIPELINE
    if end_date is not None and end_date < as_of:
        return STATUS_FINALISATION
    return STATUS_IMPLEMENTATION


def activity_dates(
    concluded: bool, start_date: date, end_date: date | None, as_of: date
) -> tuple[tuple[str, date], ...]:
    """(ActivityDateType, date) pairs: the start is actual once reached, the end actual once
    the partnership is concluded (its end date is then the conclusion's) and that day has come;
    IATI allows no actual date in the future."""
    dates = [(DATE_ACTUAL_START if start_date <= as_of else DATE_PLANNED_START, start_date)]
    if end_date is not None:
        actual = concluded and end_date <= as_of
        dates.append((DATE_ACTUAL_END if actual else DATE_PLANNED_END, end_date))
    return tuple(dates)


# RegionVocabulary 2: UN M49, the registry's own region codes.
REGION_VOCABULARY_M49 = "2"

# SectorVocabulary 99 (Reporting Organisation): the practice areas, described at the publisher's
# vocabulary URI. SectorVocabulary 1: OECD DAC CRS purpose codes (5 digit).
SECTOR_VOCABULARY_OWN = "99"
SECTOR_VOCABULARY_DAC5 = "1"

# A DAC purpose code names the sector a flow supports; a practice area names the kind of work.
# They coincide only where the kind of work fixes the sector, given that every partnership in the
# registry counters cybercrime: writing cybercrime policy and law is justice, law-and-order
# policy, and operational cooperation against cybercrime is law enforcement. Capacity building,
# awareness, information sharing, victim support and research are done for many sectors at once
# (police, courts, CSIRTs, schools...), so they get no DAC code rather than a guessed one.
DAC_PURPOSE_CODES: Mapping[str, tuple[str, str]] = {
    PracticeArea.POLICY_DEVELOPMENT: (
        "15131",
        "Justice, law and order policy, planning and administration",
    ),
    PracticeArea.OPERATIONAL_COOPERATION: ("15130", "Legal and judicial development"),
}
PRACTICE_AREA_ORDER: Mapping[str, int] = {area: i for i, area in enumerate(PracticeArea)}

# ---------------------------------------------------------------------------- results

# ResultType: 1 Output, 2 Outcome, 3 Impact (9 Other for a level the registry does not know).
RESULT_TYPES: Mapping[str, str] = {
    ResultLevel.OUTPUT: "1",
    ResultLevel.OUTCOME: "2",
    ResultLevel.IMPACT: "3",
}
RESULT_TYPE_OTHER = "9"
RESULT_LEVEL_ORDER: Mapping[str, int] = {level: i for i, level in enumerate(ResultLevel)}

# IndicatorMeasure: 2 Percentage for a unit that says percent, else 1 Unit (a count or an
# amount of the indicator's unit). The registry's indicators are all quantitative.
MEASURE_UNIT = "1"
MEASURE_PERCENTAGE = "2"
_PERCENT_UNITS = frozenset({"%", "percent", "per cent", "percentage", "pct"})


def indicator_measure(unit: str | None) -> str:
    if unit is not None and unit.strip().casefold() in _PERCENT_UNITS:
        return MEASURE_PERCENTAGE
    return MEASURE_UNIT


# ---------------------------------------------------------------------------- documents

# DocumentCategory A08: Results, outcomes and outputs; what the evidence of activities and
# outcomes is.
DOCUMENT_CATEGORY_RESULTS = "A08"
# FileFormat (IANA media types), told by the URL's extension; a page when it tells nothing.
_FORMATS_BY_EXTENSION: Mapping[str, str] = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "csv": "text/csv",
    "txt": "text/plain",
    "json": "application/json",
    "xml": "application/xml",
    "zip": "application/zip",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "svg": "image/svg+xml",
    "mp4": "video/mp4",
}
DEFAULT_DOCUMENT_FORMAT = "text/html"


def document_format(url: str) -> str:
    """The IATI FileFormat (a media type) of the document at ``url``, from its extension."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return DEFAULT_DOCUMENT_FORMAT
    name = path.rsplit("/", 1)[-1]
    if "." not in name:
        return DEFAULT_DOCUMENT_FORMAT
    return _FORMATS_BY_EXTENSION.get(name.rsplit(".", 1)[-1].casefold(), DEFAULT_DOCUMENT_FORMAT)
