"""The geography reference data: ISO 3166-1 countries and UN M49 areas."""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import geography
from registry.geography import Area, AreaLevel, Country

M49_CSV = Path(__file__).parents[1] / "registry" / "data" / "m49.csv"


def _rows() -> list[dict[str, str]]:
    with M49_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


M49_COUNTRIES = sorted(row["ISO-alpha2 Code"] for row in _rows() if row["ISO-alpha2 Code"])
PYCOUNTRY_CODES = sorted(c.alpha_2 for c in pycountry.countries)
AREA_CODES = [a.code for a in geography.areas()]


def _codes(areas: tuple[Area, ...]) -> list[str]:
    return [a.code for a in areas]


# The data file --------------------------------------------------------------------------------


def test_the_m49_table_has_the_expected_shape() -> None:
    with M49_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        header = reader.fieldnames or []
    for column in (
        "Global Code",
        "Global Name",
        "Region Code",
        "Region Name",
        "Sub-region Code",
        "Sub-region Name",
        "Intermediate Region Code",
        "Intermediate Region Name",
        "Country or Area",
        "M49 Code",
        "ISO-alpha2 Code",
        "ISO-alpha3 Code",
    ):
        assert column in header
    assert 245 <= len(rows) <= 255
    assert all(row["Global Code"] == "001" for row in rows)
    assert len(M49_COUNTRIES) == len(set(M49_COUNTRIES))


def test_the_table_agrees_with_iso_3166() -> None:
    for row in (row for row in _rows() if row["ISO-alpha2 Code"]):
        entry = pycountry.countries.get(alpha_2=row["ISO-alpha2 Code"])
        assert entry is not None, row
        assert entry.alpha_3 == row["ISO-alpha3 Code"], row
        assert entry.numeric == row["M49 Code"], row


# Countries ------------------------------------------------------------------------------------


def test_a_country_has_its_common_name() -> None:
    assert geography.country("KE") == Country(code="KE", name="Kenya")
    taiwan = geography.country("TW")
    assert taiwan is not None and taiwan.name == "Taiwan"  # common_name over the official name
    assert geography.country("GB") == Country(code="GB", name="United Kingdom")


@pytest.mark.parametrize("code", ["ke", "Ke", "KEN", "404", "", "ZZ", "XK", " KE", "K"])
def test_unknown_or_malformed_country_codes_are_not_countries(code: str) -> None:
    assert geography.country(code) is None
    assert not geography.is_country(code)


def test_every_iso_country_is_a_country() -> None:
    for code in PYCOUNTRY_CODES:
        assert geography.is_country(code)
        found = geography.country(code)
        assert found is not None and found.code == code and found.name


# Areas ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "level"),
    [
        ("001", "World", AreaLevel.WORLD),
        ("002", "Africa", AreaLevel.REGION),
        ("019", "Americas", AreaLevel.REGION),
        ("150", "Europe", AreaLevel.REGION),
        ("202", "Sub-Saharan Africa", AreaLevel.SUB_REGION),
        ("419", "Latin America and the Caribbean", AreaLevel.SUB_REGION),
        ("154", "Northern Europe", AreaLevel.SUB_REGION),
        ("014", "Eastern Africa", AreaLevel.INTERMEDIATE_REGION),
        ("029", "Caribbean", AreaLevel.INTERMEDIATE_REGION),
        ("013", "Central America", AreaLevel.INTERMEDIATE_REGION),
        ("005", "South America", AreaLevel.INTERMEDIATE_REGION),
        ("830", "Channel Islands", AreaLevel.INTERMEDIATE_REGION),
    ],
)
def test_known_areas(code: str, name: str, level: AreaLevel) -> None:
    assert geography.area(code) == Area(code=code, name=name, level=level)
    assert geography.is_area(code)


@pytest.mark.parametrize("code", ["404", "KE", "826", "680", "010", "1", "01", "999", "", "0x1"])
def test_countries_and_unknown_codes_are_not_areas(code: str) -> None:
    assert geography.area(code) is None
    assert not geography.is_area(code)


def test_areas_are_sorted_and_filtered_by_level() -> None:
    everything = geography.areas()
    assert sorted(AREA_CODES) == AREA_CODES
    assert len(everything) == len(set(AREA_CODES))
    assert _codes(geography.areas(AreaLevel.WORLD)) == ["001"]
    assert _codes(geography.areas(AreaLevel.REGION)) == ["002", "009", "019", "142", "150"]
    by_level = [a for level in AreaLevel for a in geography.areas(level)]
    assert sorted(by_level, key=lambda a: a.code) == list(everything)
    intermediate = _codes(geography.areas(AreaLevel.INTERMEDIATE_REGION))
    assert intermediate == ["005", "011", "013", "014", "017", "018", "029", "830"]


def test_sub_saharan_africa_and_latin_america_have_intermediate_regions() -> None:
    def children(parent: str) -> set[str]:
        return {
            a.code
            for a in geography.areas(AreaLevel.INTERMEDIATE_REGION)
            if parent in _codes(geography.areas_of([], [a.code]))
        }

    assert children("202") == {"011", "014", "017", "018"}
    assert children("419") == {"005", "013", "029"}
    assert children("154") == {"830"}


def test_every_areas_ancestors_are_areas() -> None:
    for a in geography.areas():
        ancestry = geography.areas_of([], [a.code])
        assert a in ancestry
        assert ancestry[0].code == "001"
        for ancestor in ancestry:
            assert geography.area(ancestor.code) == ancestor


# Countries within areas -----------------------------------------------------------------------


def test_kenya_is_in_eastern_sub_saharan_africa() -> None:
    assert _codes(geography.areas_of_country("KE")) == ["001", "002", "202", "014"]
    levels = [a.level for a in geography.areas_of_country("KE")]
    assert levels == list(AreaLevel)
    for code in ("001", "002", "202", "014"):
        assert "KE" in geography.countries_in(code)
    assert "KE" not in geography.countries_in("015")


def test_latin_america_and_the_channel_islands() -> None:
    assert _codes(geography.areas_of_country("BR")) == ["001", "019", "419", "005"]
    assert _codes(geography.areas_of_country("MX")) == ["001", "019", "419", "013"]
    assert _codes(geography.areas_of_country("JM")) == ["001", "019", "419", "029"]
    assert _codes(geography.areas_of_country("US")) == ["001", "019", "021"]
    assert _codes(geography.areas_of_country("GG")) == ["001", "150", "154", "830"]
    assert geography.countries_in("830") == ("GG", "JE")  # Sark has no ISO code
    assert _codes(geography.areas_of_country("GB")) == ["001", "150", "154"]


def test_antarctica_is_only_in_the_world() -> None:
    assert _codes(geography.areas_of_country("AQ")) == ["001"]
    assert "AQ" in geography.countries_in("001")


def test_every_m49_country_is_in_the_world_and_a_region() -> None:
    assert len(M49_COUNTRIES) >= 245
    for code in PYCOUNTRY_CODES:
        if code not in M49_COUNTRIES:
            assert geography.areas_of_country(code) == ()
            continue
        levels = [a.level for a in geography.areas_of_country(code)]
        assert levels[0] is AreaLevel.WORLD
        if code != "AQ":
            assert AreaLevel.REGION in levels, code
        assert levels == sorted(levels, key=list(AreaLevel).index)


def test_countries_in_agrees_with_areas_of_country() -> None:
    assert set(geography.countries_in("001")) == set(M49_COUNTRIES)
    for a in geography.areas():
        members = geography.countries_in(a.code)
        assert members and list(members) == sorted(members)
        for code in members:
            assert a in geography.areas_of_country(code)


def test_unknown_codes_have_no_areas_or_members() -> None:
    assert geography.areas_of_country("ZZ") == ()
    assert geography.areas_of_country("ke") == ()
    assert geography.countries_in("999") == ()
    assert geography.countries_in("KE") == ()
    assert geography.areas_of(["ZZ"], ["999", "KE"]) == ()


def test_areas_of_unions_countries_and_regions_with_their_ancestors() -> None:
    assert _codes(geography.areas_of(["KE"], [])) == ["001", "002", "014", "202"]
    assert _codes(geography.areas_of([], ["029"])) == ["001", "019", "029", "419"]
    assert _codes(geography.areas_of(["KE", "BR"], ["150"])) == [
        "001",
        "002",
        "005",
        "014",
        "019",
        "150",
        "202",
        "419",
    ]
    assert geography.areas_of([], []) == ()


# Properties -----------------------------------------------------------------------------------

country_codes = st.lists(st.sampled_from([*PYCOUNTRY_CODES, "ZZ", "ke"]), max_size=8)
region_codes = st.lists(st.sampled_from([*AREA_CODES, "999", "KE"]), max_size=4)


@given(country_codes, region_codes)
def test_areas_of_is_sorted_and_deduplicated(countries: list[str], regions: list[str]) -> None:
    result = _codes(geography.areas_of(countries, regions))
    assert result == sorted(set(result))


@given(country_codes, region_codes, st.data())
def test_areas_of_is_order_independent(
    countries: list[str], regions: list[str], data: st.DataObject
) -> None:
    shuffled_countries = data.draw(st.permutations(countries))
    shuffled_regions = data.draw(st.permutations(regions))
    assert geography.areas_of(countries, regions) == geography.areas_of(
        shuffled_countries, shuffled_regions
    )
    assert geography.areas_of(countries, regions) == geography.areas_of(
        reversed(countries), iter(regions[::-1])
    )


@given(country_codes, region_codes)
def test_areas_of_is_idempotent(countries: list[str], regions: list[str]) -> None:
    once = geography.areas_of(countries, regions)
    assert geography.areas_of(countries, [a.code for a in once]) == once
    assert geography.areas_of([], [a.code for a in once]) == once
    assert geography.areas_of(countries + countries, regions + regions) == once


@given(country_codes, region_codes)
def test_areas_of_is_the_union_of_its_parts(countries: list[str], regions: list[str]) -> None:
    whole = set(geography.areas_of(countries, regions))
    parts: set[Area] = set()
    for code in countries:
        parts |= set(geography.areas_of_country(code))
    for code in regions:
        parts |= set(geography.areas_of([], [code]))
    assert whole == parts
