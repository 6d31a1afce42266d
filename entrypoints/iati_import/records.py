"""What the importer reads from an ``iati-activity``: plain records, no XML."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from projections.iati import codes
from registry.domain.codelists import PartnerRole, PracticeArea, ResultLevel, Verification


@dataclass(frozen=True)
class Note:
    """Something of the activity that was not imported (or not as written), and why."""

    element: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, <{self.element}>: {self.reason}"


@dataclass(frozen=True)
class Org:
    """A ``participating-org`` (or the ``reporting-org``) as the file names it."""

    name: str
    ref: str | None
    type_code: str | None
    role: PartnerRole
    line: int
    # The registry's own ``ppp:since``/``ppp:until``: IATI's element has no dates.
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class OutcomeRecord:
    """One indicator's period (or the indicator alone when it has none): one outcome."""

    result_level: ResultLevel
    indicator: str
    unit: str | None
    baseline: float | None
    target: float | None
    actual: float | None
    period_start: date | None
    period_end: date | None
    verification: Verification
    evidence_urls: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Document:
    url: str
    title: str
    day: date | None
    line: int


@dataclass
class IatiActivity:
    identifier: str
    line: int
    last_updated: str | None  # as the file writes it (the commands' keys derive from it)
    updated_at: datetime | None = None  # the same, read as a time to compare versions by
    title: str | None = None
    summary: str | None = None
    objectives: str | None = None
    conclusion: str | None = None
    reporting_org: Org | None = None
    secondary_reporter: bool = False
    participants: list[Org] = field(default_factory=list)
    status: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    practice_areas: list[PracticeArea] = field(default_factory=list)
    unmapped_sectors: list[Note] = field(default_factory=list)
    outcomes: list[OutcomeRecord] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def concluded(self) -> bool:
        return self.status == codes.STATUS_CLOSED
