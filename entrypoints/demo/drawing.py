"""Drawing from the vocabulary: the pools built once, fast random picks, and tables derived
from the vocabulary and texts for the generator's inner loops."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, TypeVar

from entrypoints.demo.texts import ACTIVITIES, INDICATORS, KINDS, LESSONS, PARTNERSHIP_TEXTS
from entrypoints.demo.vocabulary import (
    COUNTRIES,
    FIRST_DAY,
    LAST_DAY,
    PROFILES,
    REGIONS,
    SCOPE,
    TYPE_WEIGHTS,
)
from registry import geography
from registry.domain.codelists import (
    OrganisationType,
    PartnerRole,
    PracticeArea,
)
from registry.idempotency import keyed_id
from schema.ids import to_global_id

T = TypeVar("T")


# ---------------------------------------------------------------------- pools, built once
@dataclass(frozen=True)
class Pools:
    iso: tuple[str, ...]  # ISO dates, indexed by ordinal - FIRST_DAY
    country_names: dict[str, str]
    narrowest_area: dict[str, str]  # a country's narrowest M49 area, for explicit regions
    countries: dict[str, tuple[str, ...]]


@cache
def pools() -> Pools:
    countries: dict[str, tuple[str, ...]] = {}
    for region, codes in COUNTRIES.items():
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
    iso = tuple(date.fromordinal(day).isoformat() for day in range(FIRST_DAY, LAST_DAY + 1))
    return Pools(iso=iso, country_names=names, narrowest_area=narrowest, countries=countries)


def organisation_count(partnerships: int) -> int:
    """About one organisation per three partnerships, at least 20."""
    return max(20, round(partnerships / 3))


class Organisation:
    """An organisation the lines create; compared by identity, which is cheap."""

    __slots__ = ("country", "id", "number")

    def __init__(self, number: int, id: str, country: str) -> None:
        self.number = number
        self.id = id  # its global id
        self.country = country


_Random = Callable[[], float]


def pick(random: _Random, values: Sequence[T]) -> T:
    """``Random.choice``, several times faster (it is called millions of times)."""
    return values[int(random() * len(values))]


def between(random: _Random, low: int, high: int) -> int:
    """``Random.randint``, several times faster."""
    return low + int(random() * (high - low + 1))


class Cycle:
    """Every value once, in order, then random draws: small datasets still cover everything."""

    def __init__(self, random: _Random, values: Sequence[str]) -> None:
        self._random = random
        self._values = tuple(values)
        self._next = 0

    def draw(self, weighted: Sequence[str] | None = None) -> str:
        if self._next < len(self._values):
            self._next += 1
            return self._values[self._next - 1]
        return pick(self._random, weighted or self._values)


def values(enum: Any) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


AREAS = values(PracticeArea)
REGION_CODES = tuple(REGIONS)
ORGANISATION_TYPES = values(OrganisationType)
PARTNER_ROLES = tuple(r.value for r in PartnerRole if r is not PartnerRole.LEAD)
VERIFICATION_WEIGHTS = ("SELF_REPORTED",) * 5 + ("PARTNER_CONFIRMED",) * 3 + ("INDEPENDENT",) * 2
KIND_STRINGS = {area.value: tuple(k.value for k in kinds) for area, kinds in KINDS.items()}
PROFILE_BY_KIND = {kind.value: profile for kind, profile in ACTIVITIES.items()}
GROUPS_BY_KIND = {kind.value: tuple(g.value for g in p.groups) for kind, p in ACTIVITIES.items()}
INDICATORS_BY_AREA = {area.value: indicators for area, indicators in INDICATORS.items()}
TEXTS_BY_AREA = {area.value: texts for area, texts in PARTNERSHIP_TEXTS.items()}
LESSONS_BY_KIND = {kind.value: texts for kind, texts in LESSONS.items()}
TYPE_POOL = tuple(t.value for t, weight in TYPE_WEIGHTS.items() for _ in range(weight))
PROFILE_BY_TYPE = {
    t.value: (tuple(s.value for s in sectors), names) for t, (sectors, names) in PROFILES.items()
}
PARTNER_COUNTS = (1,) * 25 + (2,) * 35 + (3,) * 25 + (4,) * 15  # how many partners, weighted
EXTRA_COUNTRIES = (0,) * 55 + (1,) * 30 + (2,) * 15  # countries beyond the lead's, weighted
FIX_STEPS = (-3, -2, -1, 1, 2, 4)


def line(command: str, input: dict[str, Any]) -> dict[str, Any]:
    return {"command": command, "input": input}


def gid(type_name: str, key: str, purpose: str) -> str:
    return to_global_id(type_name, keyed_id(SCOPE, key, purpose))
