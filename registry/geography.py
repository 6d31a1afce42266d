"""Geographic reference data: ISO 3166-1 countries and UN M49 areas.

Countries are ISO 3166-1 alpha-2 codes, looked up in ``pycountry``. Areas are the UN Statistics
Division's M49 regions at every level (World, region, sub-region, intermediate region), read
from ``registry/data/m49.csv`` (see ``registry/data/M49-SOURCE.md``). Countries themselves are
never areas here: an area is a grouping of countries.

Everything is loaded lazily, on first use, and cached for the life of the process.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

import pycountry

__all__ = [
    "Area",
    "AreaLevel",
    "Country",
    "area",
    "areas",
    "areas_of",
    "areas_of_country",
    "countries_in",
    "country",
    "is_area",
    "is_country",
]

WORLD = "001"


class AreaLevel(StrEnum):
    """The level of an M49 area, from the widest to the narrowest."""

    WORLD = "WORLD"
    REGION = "REGION"
    SUB_REGION = "SUB_REGION"
    INTERMEDIATE_REGION = "INTERMEDIATE_REGION"


@dataclass(frozen=True)
class Area:
    """An M49 area: a three-digit code, its English name and its level."""

    code: str
    name: str
    level: AreaLevel


@dataclass(frozen=True)
class Country:
    """An ISO 3166-1 country: its alpha-2 code and its common English name."""

    code: str
    name: str


# The M49 table's columns for each level, widest first.
_LEVEL_COLUMNS: tuple[tuple[AreaLevel, str, str], ...] = (
    (AreaLevel.WORLD, "Global Code", "Global Name"),
    (AreaLevel.REGION, "Region Code", "Region Name"),
    (AreaLevel.SUB_REGION, "Sub-region Code", "Sub-region Name"),
    (AreaLevel.INTERMEDIATE_REGION, "Intermediate Region Code", "Intermediate Region Name"),
)


@dataclass(frozen=True)
class _M49:
    """The M49 table, indexed."""

    areas: dict[str, Area]
    parents: dict[str, str | None]
    chains: dict[str, tuple[str, ...]]
    members: dict[str, tuple[str, ...]]


def _read_m49_text() -> str:
    return (resources.files("registry") / "data" / "m49.csv").read_text(encoding="utf-8")


@cache
def _m49() -> _M49:
    found: dict[str, Area] = {}
    parents: dict[str, str | None] = {}
    chains: dict[str, tuple[str, ...]] = {}
    members: dict[str, set[str]] = {}
    for row in csv.DictReader(io.StringIO(_read_m49_text())):
        chain: list[str] = []
        for level, code_column, name_column in _LEVEL_COLUMNS:
            code = row[code_column].strip()
            if not code:
                continue
            if code not in found:
                found[code] = Area(code=code, name=row[name_column].strip(), level=level)
                parents[code] = chain[-1] if chain else None
            chain.append(code)
        alpha2 = row["ISO-alpha2 Code"].strip()
        if not alpha2:
            continue  # e.g. Sark: an M49 country or area with no ISO 3166-1 code
        chains[alpha2] = tuple(chain)
        for code in chain:
            members.setdefault(code, set()).add(alpha2)
    return _M49(
        areas=dict(sorted(found.items())),
        parents=parents,
        chains=chains,
        members={code: tuple(sorted(codes)) for code, codes in members.items()},
    )


@cache
def _countries() -> dict[str, Country]:
    result: dict[str, Country] = {}
    for entry in pycountry.countries:
        code = str(entry.alpha_2)
        name = getattr(entry, "common_name", None) or entry.name
        result[code] = Country(code=code, name=str(name))
    return result


def country(code: str) -> Country | None:
    """The ISO 3166-1 country with this alpha-2 code (exact, upper case), or ``None``."""
    return _countries().get(code)


def countries() -> tuple[Country, ...]:
    """Every ISO 3166-1 country, by code."""
    return tuple(_countries()[code] for code in sorted(_countries()))


def is_country(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code (exact, upper case)."""
    return code in _countries()


def area(code: str) -> Area | None:
    """The M49 area (World, region, sub-region or intermediate region) with this code."""
    return _m49().areas.get(code)


def is_area(code: str) -> bool:
    """Whether ``code`` is an M49 area code at any level; country codes are not areas."""
    return code in _m49().areas


def areas(level: AreaLevel | None = None) -> tuple[Area, ...]:
    """Every M49 area, or every one at ``level``, sorted by code."""
    everything = _m49().areas.values()
    return tuple(a for a in everything if level is None or a.level is level)


def _ancestry(code: str) -> tuple[Area, ...]:
    """The area with ``code`` and all its ancestors, widest first; empty if unknown."""
    table = _m49()
    chain: list[Area] = []
    current: str | None = code if code in table.areas else None
    while current is not None:
        chain.append(table.areas[current])
        current = table.parents[current]
    return tuple(reversed(chain))


def areas_of_country(alpha2: str) -> tuple[Area, ...]:
    """Every M49 area the country is in, from World down to its narrowest area.

    Empty for a code the M49 table does not list (including unknown codes).
    """
    table = _m49()
    return tuple(table.areas[code] for code in table.chains.get(alpha2, ()))


def areas_of(countries: Iterable[str], regions: Iterable[str]) -> tuple[Area, ...]:
    """The areas covered by some countries and some explicit M49 regions, sorted by code.

    Each country contributes every area it is in; each region contributes itself and its
    ancestors. Codes that are not known countries or areas contribute nothing.
    """
    found: dict[str, Area] = {}
    for alpha2 in countries:
        found.update((a.code, a) for a in areas_of_country(alpha2))
    for code in regions:
        found.update((a.code, a) for a in _ancestry(code))
    return tuple(found[code] for code in sorted(found))


def countries_in(area_code: str) -> tuple[str, ...]:
    """The alpha-2 codes of every country in the area, at any depth, sorted."""
    return _m49().members.get(area_code, ())
