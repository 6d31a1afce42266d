"""The search's query parameters: read, checked, and written back into links.

``/partnerships?region=&country=&practiceArea=&sector=&status=&bestPractice=&q=&after=``: the
names are GraphQL's ``PartnershipFilter`` fields (``q`` is its ``text``), the values its enum
values, M49 codes and ISO alpha-2 codes. A value that is none of those is the reader's mistake,
answered with a 400 page that says which parameter and what it may be, never a silent "no hits".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from urllib.parse import urlencode

from entrypoints.web.portal.errors import BadRequest
from projections import queries as q
from registry import geography
from registry.domain.codelists import BestPracticeStatus, PartnershipStatus, PracticeArea, Sector

MAX_TEXT = 200  # characters of a search: more is no search a person typed
MAX_CURSOR = 1000

# Parameter name -> (field, codelist); region, country, q and after are checked on their own.
_CODED: Mapping[str, tuple[str, type[StrEnum]]] = {
    "practiceArea": ("practice_area", PracticeArea),
    "sector": ("sector", Sector),
    "status": ("status", PartnershipStatus),
    "bestPractice": ("best_practice", BestPracticeStatus),
}
_NAMES = {
    "region": "region",
    "country": "country",
    "practice_area": "practiceArea",
    "sector": "sector",
    "status": "status",
    "best_practice": "bestPractice",
    "text": "q",
    "after": "after",
}


@dataclass(frozen=True)
class Search:
    region: str | None = None
    country: str | None = None
    practice_area: str | None = None
    sector: str | None = None
    status: str | None = None
    best_practice: str | None = None
    text: str | None = None
    after: str | None = None

    def filter(self) -> q.PartnershipFilter:
        return q.PartnershipFilter(
            region=self.region,
            country=self.country,
            practice_area=self.practice_area,
            sector=self.sector,
            status=self.status,
            best_practice=self.best_practice,
            text=self.text,
        )

    def query(self, **changes: str | None) -> str:
        """This search's address with some criteria changed; a change starts at page one."""
        changed = replace(self, after=None, **changes)
        pairs = [
            (_NAMES[f.name], value)
            for f in fields(changed)
            if (value := getattr(changed, f.name)) is not None
        ]
        return "/partnerships" + (f"?{urlencode(pairs)}" if pairs else "")

    @property
    def narrowed(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self) if f.name != "after")


def _one(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None or not value.strip():
        return None  # an empty select or search box means "any"
    if "\x00" in value:
        raise BadRequest(f"{name}: a parameter may not hold a NUL character")
    return value.strip()


def _coded(params: Mapping[str, str], name: str, codes: type[StrEnum]) -> str | None:
    value = _one(params, name)
    if value is None:
        return None
    if value not in codes.__members__:
        allowed = ", ".join(codes.__members__)
        raise BadRequest(f"{name}: {value[:40]!r} is not one of {allowed}")
    return value


def parse_search(params: Mapping[str, str]) -> Search:
    region = _one(params, "region")
    if region is not None and not geography.is_area(region):
        raise BadRequest(
            f"region: {region[:40]!r} is not an M49 area code (three digits, e.g. 002 for Africa)"
        )
    country = _one(params, "country")
    if country is not None:
        country = country.upper()
        if not geography.is_country(country):
            raise BadRequest(f"country: {country[:40]!r} is not an ISO 3166-1 alpha-2 code")
    text = _one(params, "q")
    if text is not None and len(text) > MAX_TEXT:
        raise BadRequest(f"q: a search is at most {MAX_TEXT} characters")
    after = _one(params, "after")
    if after is not None and len(after) > MAX_CURSOR:
        raise BadRequest("after: not a page of this search; start again from the first page")
    coded = {field: _coded(params, name, codes) for name, (field, codes) in _CODED.items()}
    return Search(region=region, country=country, text=text, after=after, **coded)
