"""Input rules shared by the aggregates' command methods.

A ``Checks`` collects every problem of one command, so a contributor sees all of them at once;
``raise_if_any`` then refuses the command before any event is triggered.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from urllib.parse import urlsplit

from registry import geography
from registry.domain.errors import CommandRejected, ErrorCode, Problem

Path = tuple[str, ...]

# Documented length limits (README "Limits"): characters for text, items for lists.
MAX_NAME = 200
MAX_TITLE = 200
MAX_LONG_TEXT = 5_000
MAX_REASON = 1_000
MAX_INDICATOR = 300
MAX_UNIT = 50
MAX_URL = 2_000
MAX_URLS = 20
MAX_COUNTRIES = 250
MAX_REGIONS = 50
MAX_PARTNERS = 100
MAX_PARTICIPANTS = 10_000_000
MAX_MEASURE = 1e15
EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2100, 12, 31)


class Checks:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(
        self, field: Path, message: str, code: ErrorCode = ErrorCode.VALIDATION_FAILED
    ) -> None:
        self.problems.append(Problem(code, field, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise CommandRejected(tuple(self.problems))

    def text(self, field: Path, value: str | None, limit: int, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.fail(field, "is required")
            return
        if required and not value.strip():
            self.fail(field, "must not be blank")
        elif len(value) > limit:
            self.fail(field, f"must be at most {limit} characters (got {len(value)})")
        elif any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
            self.fail(field, "must not contain control characters")

    def day(self, field: Path, value: date | None) -> None:
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            self.fail(field, f"must be between {EARLIEST_DATE} and {LATEST_DATE}")

    def in_order(
        self, start_field: Path, start: date | None, end_field: Path, end: date | None
    ) -> None:
        self.day(start_field, start)
        self.day(end_field, end)
        if start is not None and end is not None and end < start:
            self.fail(end_field, f"must not be before {start_field[-1]} ({start})")

    def country(self, field: Path, code: str) -> None:
        if not geography.is_country(code):
            self.fail(field, f"'{code}' is not an ISO 3166-1 alpha-2 country code")

    def countries(self, field: Path, codes: Sequence[str], *, required: bool = False) -> None:
        if required and not codes:
            self.fail(field, "must name at least one country")
        self.size(field, codes, MAX_COUNTRIES)
        for index, code in enumerate(codes):
            self.country((*field, str(index)), code)
        self.unique(field, codes)

    def regions(self, field: Path, codes: Sequence[str]) -> None:
        self.size(field, codes, MAX_REGIONS)
        for index, code in enumerate(codes):
            if not geography.is_area(code):
                self.fail((*field, str(index)), f"'{code}' is not a UN M49 region code")
        self.unique(field, codes)

    def urls(self, field: Path, urls: Sequence[str]) -> None:
        self.size(field, urls, MAX_URLS)
        for index, url in enumerate(urls):
            self.url((*field, str(index)), url)
        self.unique(field, urls)

    def url(self, field: Path, url: str | None) -> None:
        if url is None:
            return
        if len(url) > MAX_URL:
            self.fail(field, f"must be at most {MAX_URL} characters")
            return
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            self.fail(field, "must be an http(s) URL")
        elif any(ch.isspace() for ch in url):
            self.fail(field, "must not contain spaces")

    def count(self, field: Path, value: int | None, limit: int = MAX_PARTICIPANTS) -> None:
        if value is not None and not 0 <= value <= limit:
            self.fail(field, f"must be between 0 and {limit}")

    def measure(self, field: Path, value: float | None) -> None:
        if value is not None and not (math.isfinite(value) and abs(value) <= MAX_MEASURE):
            self.fail(field, "must be a finite number")

    def size(self, field: Path, items: Sequence[object], limit: int) -> None:
        if len(items) > limit:
            self.fail(field, f"must have at most {limit} items (got {len(items)})")

    def unique(self, field: Path, items: Iterable[object]) -> None:
        seen: set[object] = set()
        for index, item in enumerate(items):
            if item in seen:
                self.fail((*field, str(index)), f"'{item}' is listed twice")
            seen.add(item)

    def non_empty(self, field: Path, items: Sequence[object], what: str) -> None:
        if not items:
            self.fail(field, f"must name at least one {what}")
