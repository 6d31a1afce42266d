"""The input rules every command shares (``registry.domain.validation.Checks``)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.errors import CommandRejected, ErrorCode, Problem
from registry.domain.validation import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_COUNTRIES,
    MAX_INDICATOR,
    MAX_LONG_TEXT,
    MAX_MEASURE,
    MAX_NAME,
    MAX_PARTICIPANTS,
    MAX_PARTNERS,
    MAX_REASON,
    MAX_REGIONS,
    MAX_TITLE,
    MAX_UNIT,
    MAX_URL,
    MAX_URLS,
    Checks,
)

if TYPE_CHECKING:
    from collections.abc import Callable

F = ("field",)
FAILED = ErrorCode.VALIDATION_FAILED
COUNTRIES = sorted(country.alpha_2 for country in pycountry.countries)
TEXT_LIMITS = [MAX_NAME, MAX_TITLE, MAX_LONG_TEXT, MAX_REASON, MAX_INDICATOR, MAX_UNIT]
LIST_LIMITS = [MAX_COUNTRIES, MAX_REGIONS, MAX_PARTNERS, MAX_URLS]
# Control characters the rules refuse: C0 but for the line breaks and the tab.
CONTROL = [chr(i) for i in range(32) if chr(i) not in "\n\r\t"]

# Text a contributor may write: any character but control characters and lone surrogates.
writable = st.characters(exclude_categories=("Cc", "Cs"))


def check(run: Callable[[Checks], None]) -> list[tuple[ErrorCode, tuple[str, ...]]]:
    checks = Checks()
    run(checks)
    return [(problem.code, problem.field) for problem in checks.problems]


def url_of_length(length: int) -> str:
    prefix = "https://example.org/"
    return prefix + "a" * (length - len(prefix))


# ---------------------------------------------------------------------- collecting problems
def test_checks_collect_every_problem_and_refuse_them_together() -> None:
    checks = Checks()
    checks.text(("title",), " ", MAX_TITLE)
    checks.count(("participants",), -1)
    with pytest.raises(CommandRejected) as rejection:
        checks.raise_if_any()
    assert [p.field for p in rejection.value.problems] == [("title",), ("participants",)]


def test_checks_without_problems_refuse_nothing() -> None:
    Checks().raise_if_any()


def test_a_rejection_message_names_each_field_at_fault() -> None:
    rejection = CommandRejected((Problem(FAILED, ("a", "0"), "bad"), Problem(FAILED, (), "no")))
    assert str(rejection) == "a.0: bad; -: no"


# ---------------------------------------------------------------------- text
@pytest.mark.parametrize("limit", TEXT_LIMITS)
def test_a_text_of_exactly_its_limit_is_accepted(limit: int) -> None:
    assert check(lambda c: c.text(F, "x" * limit, limit)) == []


@pytest.mark.parametrize("limit", TEXT_LIMITS)
def test_a_text_one_character_over_its_limit_is_refused(limit: int) -> None:
    assert check(lambda c: c.text(F, "x" * (limit + 1), limit)) == [(FAILED, F)]


@pytest.mark.parametrize("blank", ["", " ", "   ", "\n", "\t \r\n"])
def test_a_blank_required_text_is_refused(blank: str) -> None:
    assert check(lambda c: c.text(F, blank, MAX_TITLE)) == [(FAILED, F)]


def test_a_missing_required_text_is_refused() -> None:
    assert check(lambda c: c.text(F, None, MAX_TITLE)) == [(FAILED, F)]


@pytest.mark.parametrize("value", [None, "", "  "])
def test_an_optional_text_may_be_missing_or_empty(value: str | None) -> None:
    assert check(lambda c: c.text(F, value, MAX_UNIT, required=False)) == []


def test_an_optional_text_over_its_limit_is_refused() -> None:
    assert check(lambda c: c.text(F, "x" * (MAX_UNIT + 1), MAX_UNIT, required=False)) == [
        (FAILED, F)
    ]


@pytest.mark.parametrize("control", CONTROL)
def test_a_text_with_a_control_character_is_refused(control: str) -> None:
    assert check(lambda c: c.text(F, f"before{control}after", MAX_TITLE)) == [(FAILED, F)]


def test_line_breaks_and_tabs_are_allowed_in_text() -> None:
    assert check(lambda c: c.text(F, "first line\r\nsecond\tline\n", MAX_LONG_TEXT)) == []


@given(st.text(writable, min_size=1, max_size=MAX_TITLE).filter(str.strip))
def test_any_non_blank_text_within_its_limit_without_control_characters_is_accepted(
    text: str,
) -> None:
    assert check(lambda c: c.text(F, text, MAX_TITLE)) == []


@given(
    st.text(writable, min_size=1, max_size=MAX_TITLE - 1).filter(str.strip),
    st.sampled_from(CONTROL),
    st.data(),
)
def test_any_text_with_a_control_character_is_refused(
    text: str, control: str, data: st.DataObject
) -> None:
    at = data.draw(st.integers(0, len(text)))
    assert check(lambda c: c.text(F, text[:at] + control + text[at:], MAX_TITLE)) == [(FAILED, F)]


@given(st.text(writable, min_size=MAX_TITLE + 1, max_size=MAX_TITLE + 50))
def test_any_text_over_its_limit_is_refused(text: str) -> None:
    assert check(lambda c: c.text(F, text, MAX_TITLE)) == [(FAILED, F)]


# ---------------------------------------------------------------------- dates
@pytest.mark.parametrize("day", [EARLIEST_DATE, date(2024, 2, 29), LATEST_DATE])
def test_a_date_from_1990_to_2100_is_accepted(day: date) -> None:
    assert check(lambda c: c.day(F, day)) == []


@pytest.mark.parametrize(
    "day", [EARLIEST_DATE - timedelta(days=1), LATEST_DATE + timedelta(days=1), date(1, 1, 1)]
)
def test_a_date_before_1990_or_after_2100_is_refused(day: date) -> None:
    assert check(lambda c: c.day(F, day)) == [(FAILED, F)]


def test_the_date_range_is_1990_to_2100() -> None:
    assert (date(1990, 1, 1), date(2100, 12, 31)) == (EARLIEST_DATE, LATEST_DATE)


def test_an_end_before_the_start_is_refused_on_the_end() -> None:
    refused = check(lambda c: c.in_order(("start",), date(2021, 5, 2), ("end",), date(2021, 5, 1)))
    assert refused == [(FAILED, ("end",))]


def test_an_end_on_the_start_day_is_accepted() -> None:
    assert (
        check(lambda c: c.in_order(("start",), date(2021, 5, 1), ("end",), date(2021, 5, 1))) == []
    )


def test_an_open_end_is_accepted() -> None:
    assert check(lambda c: c.in_order(("start",), date(2021, 5, 1), ("end",), None)) == []


@given(st.dates(EARLIEST_DATE, LATEST_DATE), st.dates(EARLIEST_DATE, LATEST_DATE))
def test_any_pair_of_dates_is_accepted_if_and_only_if_the_end_is_not_before_the_start(
    start: date, end: date
) -> None:
    problems = check(lambda c: c.in_order(("start",), start, ("end",), end))
    assert problems == ([] if end >= start else [(FAILED, ("end",))])


@given(st.dates())
def test_any_date_is_accepted_if_and_only_if_it_is_from_1990_to_2100(day: date) -> None:
    assert (check(lambda c: c.day(F, day)) == []) == (EARLIEST_DATE <= day <= LATEST_DATE)


# ---------------------------------------------------------------------- geography
@pytest.mark.parametrize("code", ["FR", "GH", "BR", "US", "KE"])
def test_an_iso_3166_alpha_2_country_is_accepted(code: str) -> None:
    assert check(lambda c: c.country(F, code)) == []


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("fr", id="lowercase"),
        pytest.param("Fr", id="mixed-case"),
        pytest.param("FRA", id="alpha-3"),
        pytest.param("250", id="numeric"),
        pytest.param("XX", id="unassigned"),
        pytest.param("ZZ", id="user-assigned"),
        pytest.param("", id="empty"),
        pytest.param(" FR", id="padded"),
    ],
)
def test_anything_but_an_iso_3166_alpha_2_country_is_refused(code: str) -> None:
    assert check(lambda c: c.country(F, code)) == [(FAILED, F)]


def test_a_country_listed_twice_is_refused_where_it_repeats() -> None:
    assert check(lambda c: c.countries(F, ["FR", "DE", "FR"])) == [(FAILED, (*F, "2"))]


def test_each_unknown_country_of_a_list_is_refused_by_its_position() -> None:
    problems = check(lambda c: c.countries(F, ["FR", "fr", "FRA"]))
    assert problems == [(FAILED, (*F, "1")), (FAILED, (*F, "2"))]


def test_a_required_list_of_countries_must_not_be_empty() -> None:
    assert check(lambda c: c.countries(F, [], required=True)) == [(FAILED, F)]
    assert check(lambda c: c.countries(F, [])) == []


@given(st.lists(st.sampled_from(COUNTRIES), unique=True, max_size=40))
def test_any_list_of_distinct_iso_countries_is_accepted(codes: list[str]) -> None:
    assert check(lambda c: c.countries(F, codes)) == []


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("002", id="Africa"),
        pytest.param("150", id="Europe"),
        pytest.param("154", id="Northern-Europe"),
        pytest.param("011", id="Western-Africa"),
        pytest.param("005", id="South-America-intermediate"),
        pytest.param("419", id="Latin-America-and-the-Caribbean"),
    ],
)
def test_a_un_m49_region_code_is_accepted(code: str) -> None:
    assert check(lambda c: c.regions(F, [code])) == []


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("999", id="unassigned"),
        pytest.param("15", id="not-zero-padded"),
        pytest.param("Europe", id="a-name"),
        pytest.param("FR", id="a-country"),
        pytest.param("", id="empty"),
    ],
)
def test_anything_but_a_un_m49_region_code_is_refused(code: str) -> None:
    assert check(lambda c: c.regions(F, ["150", code])) == [(FAILED, (*F, "1"))]


def test_a_region_listed_twice_is_refused_where_it_repeats() -> None:
    assert check(lambda c: c.regions(F, ["150", "150"])) == [(FAILED, (*F, "1"))]


# ---------------------------------------------------------------------- URLs
@pytest.mark.parametrize(
    "url",
    [
        "https://example.org",
        "http://example.org/path?q=1#part",
        "HTTPS://EXAMPLE.ORG/",
        "https://sub.example.co.uk:8443/a/b",
        "https://192.0.2.1/report",
    ],
)
def test_an_http_or_https_url_is_accepted(url: str) -> None:
    assert check(lambda c: c.url(F, url)) == []


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("ftp://example.org/file", id="ftp"),
        pytest.param("mailto:someone@example.org", id="mailto"),
        pytest.param("file:///etc/passwd", id="file"),
        pytest.param("data:text/html,<script>", id="data"),
        pytest.param("https://", id="no-host"),
        pytest.param("http:///path", id="empty-host"),
        pytest.param("example.org/report", id="no-scheme"),
        pytest.param("//example.org/report", id="scheme-relative"),
        pytest.param("https://exa mple.org", id="space-in-host"),
        pytest.param("https://example.org/a report.pdf", id="space-in-path"),
        pytest.param("https://example.org/\ta", id="tab"),
        pytest.param("https://[::1", id="unparseable"),
        pytest.param("", id="empty"),
    ],
)
def test_anything_but_an_http_or_https_url_with_a_host_and_no_spaces_is_refused(url: str) -> None:
    assert check(lambda c: c.url(F, url)) == [(FAILED, F)]


def test_a_url_of_exactly_its_limit_is_accepted() -> None:
    assert check(lambda c: c.url(F, url_of_length(MAX_URL))) == []


def test_a_url_one_character_over_its_limit_is_refused() -> None:
    assert check(lambda c: c.url(F, url_of_length(MAX_URL + 1))) == [(FAILED, F)]


def test_a_list_of_urls_at_its_limit_is_accepted() -> None:
    urls = [f"https://example.org/{i}" for i in range(MAX_URLS)]
    assert check(lambda c: c.urls(F, urls)) == []


def test_a_list_of_urls_one_over_its_limit_is_refused() -> None:
    urls = [f"https://example.org/{i}" for i in range(MAX_URLS + 1)]
    assert check(lambda c: c.urls(F, urls)) == [(FAILED, F)]


def test_a_url_listed_twice_is_refused_where_it_repeats() -> None:
    urls = ["https://example.org/a", "https://example.org/a"]
    assert check(lambda c: c.urls(F, urls)) == [(FAILED, (*F, "1"))]


hosts = st.lists(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True), min_size=1)
paths = st.lists(st.from_regex(r"[A-Za-z0-9._~%-]{1,20}", fullmatch=True), max_size=4)


@given(st.sampled_from(["http", "https"]), hosts, st.sampled_from(["org", "int", "ng"]), paths)
def test_any_http_url_with_a_host_is_accepted(
    scheme: str, labels: list[str], tld: str, segments: list[str]
) -> None:
    url = f"{scheme}://{'.'.join([*labels, tld])}/{'/'.join(segments)}"
    assert check(lambda c: c.url(F, url)) == []


@given(
    st.from_regex(r"[a-z][a-z0-9+.-]{0,10}", fullmatch=True).filter(
        lambda scheme: scheme not in ("http", "https")
    )
)
def test_any_other_scheme_is_refused(scheme: str) -> None:
    assert check(lambda c: c.url(F, f"{scheme}://example.org/x")) == [(FAILED, F)]


# ---------------------------------------------------------------------- numbers
@pytest.mark.parametrize("count", [0, 1, MAX_PARTICIPANTS])
def test_a_count_from_zero_to_its_limit_is_accepted(count: int) -> None:
    assert check(lambda c: c.count(F, count)) == []


@pytest.mark.parametrize("count", [-1, -MAX_PARTICIPANTS, MAX_PARTICIPANTS + 1])
def test_a_negative_count_or_one_over_its_limit_is_refused(count: int) -> None:
    assert check(lambda c: c.count(F, count)) == [(FAILED, F)]


@given(st.integers())
def test_any_count_is_accepted_if_and_only_if_it_is_from_zero_to_its_limit(count: int) -> None:
    assert (check(lambda c: c.count(F, count)) == []) == (0 <= count <= MAX_PARTICIPANTS)


@pytest.mark.parametrize("value", [0.0, -1.5, 42, MAX_MEASURE, -MAX_MEASURE])
def test_a_finite_measure_within_its_limit_is_accepted(value: float) -> None:
    assert check(lambda c: c.measure(F, value)) == []


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, MAX_MEASURE * 10, -MAX_MEASURE * 10]
)
def test_a_measure_that_is_not_a_finite_number_within_its_limit_is_refused(value: float) -> None:
    assert check(lambda c: c.measure(F, value)) == [(FAILED, F)]


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_any_measure_is_accepted_if_and_only_if_it_is_finite_and_within_its_limit(
    value: float,
) -> None:
    accepted = math.isfinite(value) and abs(value) <= MAX_MEASURE
    assert (check(lambda c: c.measure(F, value)) == []) == accepted


# ---------------------------------------------------------------------- lists
@pytest.mark.parametrize("limit", LIST_LIMITS)
def test_a_list_of_exactly_its_limit_is_accepted(limit: int) -> None:
    assert check(lambda c: c.size(F, list(range(limit)), limit)) == []


@pytest.mark.parametrize("limit", LIST_LIMITS)
def test_a_list_one_item_over_its_limit_is_refused(limit: int) -> None:
    assert check(lambda c: c.size(F, list(range(limit + 1)), limit)) == [(FAILED, F)]


def test_a_list_that_must_name_something_is_refused_empty() -> None:
    assert check(lambda c: c.non_empty(F, [], "thing")) == [(FAILED, F)]
