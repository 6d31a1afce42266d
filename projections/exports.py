"""Regional case-study exports: one builder behind the CLI, the HTTP download and GraphQL.

``build_export(db, region, fmt)`` gives the bytes of one document: Markdown, HTML, CSV or JSON
(see ``docs/case-studies.md`` for each format's shape). Each names its region, the log position
it was made at and the registry version, and holds no wall-clock time, so the same position
always gives the same bytes. Markdown and HTML come from Jinja2 templates in
``projections/templates``; HTML is autoescaped, Markdown escaped by the ``md`` filter, CSV
cells that a spreadsheet would read as a formula are quoted with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Literal, get_args
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup, escape

import registry
from projections.case_studies import (
    RANKING,
    CaseStudyDocument,
    Citation,
    Cited,
    PositionBeyondHead,
    RegionReport,
    UnknownRegion,
    region_report,
)
from projections.queries import Db
from projections.read_model import LIVE_SCHEMA
from registry import geography
from registry.collector import paused
from registry.domain.codelists import PartnerRole
from registry.progress import Progress

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_ROUTE",
    "FORMATS",
    "GRAPHQL_FORMATS",
    "JSON_SCHEMA_VERSION",
    "MEDIA_TYPES",
    "Export",
    "Format",
    "PositionBeyondHead",
    "UnknownRegion",
    "build_export",
    "export",
    "export_etag",
    "export_filename",
    "export_path",
    "format_of_extension",
    "render",
]

Format = Literal["md", "html", "csv", "json"]
FORMATS: tuple[Format, ...] = get_args(Format)
MEDIA_TYPES: Mapping[Format, str] = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8; header=present",
    "json": "application/json",
}
# GraphQL's ExportFormat values, by format.
GRAPHQL_FORMATS: Mapping[str, Format] = {
    "MARKDOWN": "md",
    "HTML": "html",
    "CSV": "csv",
    "JSON": "json",
}
JSON_SCHEMA_VERSION = 1
EXPORT_ROUTE = "/exports/case-studies"


def format_of_extension(extension: str) -> Format:
    """``md``, ``html``, ``csv`` or ``json`` (as a file extension); ``ValueError`` otherwise."""
    for fmt in FORMATS:
        if extension == fmt:
            return fmt
    raise ValueError(f"unknown export format {extension!r}: use one of {', '.join(FORMATS)}")


def export_path(region: str, fmt: Format, at_position: int | None = None) -> str:
    """The download path of an export: ``/exports/case-studies/002.md?position=123``."""
    path = f"{EXPORT_ROUTE}/{quote(region, safe='')}.{fmt}"
    return path if at_position is None else f"{path}?position={at_position}"


def export_filename(region: str, fmt: Format, position: int) -> str:
    """A file name that says what the file holds: ``case-studies-002-at-123.md``."""
    safe = re.sub(r"[^0-9A-Za-z]", "_", region)
    return f"case-studies-{safe}-at-{position}.{fmt}"


@dataclass(frozen=True)
class Export:
    """An export's bytes and what a download needs to name and label them."""

    data: bytes
    region: str
    format: Format
    position: int  # the log position it was made at
    media_type: str
    filename: str  # e.g. case-studies-002-at-1234.md

    @property
    def etag(self) -> str:
        return export_etag(self.region, self.format, self.position)


def export_etag(region: str, fmt: Format, position: int) -> str:
    """A strong validator: one region, format, position and version give one content, so a
    download can be answered 304 before the export is built."""
    return f'"{region}-{position}-{fmt}-{registry.__version__}"'


async def export(
    db: Db,
    region_code: str,
    fmt: Format,
    at_position: int | None = None,
    progress: Progress | None = None,
    *,
    schema: str = LIVE_SCHEMA,
) -> Export:
    """The export of one region at a log position (the read model's head when not given).

    Raises ``UnknownRegion``, ``PositionBeyondHead``, or ``ValueError`` for an unknown format or
    a negative position. ``progress(done, total)`` is called as case studies are written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    with paused():
        report = await region_report(db, region_code, at_position, schema=schema)
        data = render(report, fmt, progress)
    return Export(
        data=data,
        region=report.area.code,
        format=fmt,
        position=report.position,
        media_type=MEDIA_TYPES[fmt],
        filename=export_filename(report.area.code, fmt, report.position),
    )


async def build_export(
    db: Db,
    region_code: str,
    fmt: Format,
    at_position: int | None = None,
    progress: Progress | None = None,
    *,
    schema: str = LIVE_SCHEMA,
) -> bytes:
    """The bytes of ``export(...)``: the same builder, for callers that need nothing else."""
    made = await export(db, region_code, fmt, at_position, progress, schema=schema)
    return made.data


def render(report: RegionReport, fmt: Format, progress: Progress | None = None) -> bytes:
    """The bytes of ``report`` in ``fmt``; a pure function of the report and the version."""
    tick = _Ticker(len(report.case_studies), progress)
    if fmt == "csv":
        return _csv(report, tick)
    if fmt == "json":
        return _json(report, tick)
    template = _environment(html=fmt == "html").get_template(f"region.{fmt}.j2")
    with paused():
        data = _rendered(template, _context(report, tick, html=fmt == "html"))
    tick.done()
    return data


def _rendered(template: jinja2.Template, context: Mapping[str, Any]) -> bytes:
    """The template's output as UTF-8, encoded as it streams: no list of every fragment."""
    out = io.BytesIO()
    batch: list[str] = []
    for fragment in template.generate(context):
        batch.append(fragment)
        if len(batch) >= 4096:
            out.write("".join(batch).encode("utf-8"))
            batch.clear()
    out.write("".join(batch).encode("utf-8"))
    return out.getvalue()


class _Ticker:
    """Calls ``progress`` once per case study written, and once at the end."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.count = 0
        self.progress = progress
        if progress is not None:
            progress(0, total)

    def __call__(self) -> str:
        self.count += 1
        if self.progress is not None:
            self.progress(self.count, self.total)
        return ""

    def done(self) -> None:
        if self.progress is not None and self.count != self.total:
            self.progress(self.total, self.total)


# ---------------------------------------------------------------------------- text helpers

_ACRONYMS = frozenset({"CSIRT", "NGO"})


def label(code: Any) -> str:
    """A codelist value as words: CAPACITY_BUILDING -> Capacity building."""
    words = str(code).split("_")
    shown = [w if w in _ACRONYMS else w.lower() for w in words]
    if shown and shown[0] not in _ACRONYMS:
        shown[0] = shown[0].capitalize()
    return " ".join(shown)


def number(value: float | int | None) -> str:
    """Integral values without a decimal point; others as their shortest exact form."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def day(value: date | None) -> str:
    return "—" if value is None else value.isoformat()


def period(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return "—"
    if end is None:
        return f"from {day(start)}"
    if start is None:
        return f"until {day(end)}"
    return f"{day(start)} to {day(end)}"


def country_name(code: str) -> str:
    found = geography.country(code)
    return f"{found.name} ({code})" if found is not None else code


def area_name(code: str) -> str:
    found = geography.area(code)
    return f"{found.name} ({code})" if found is not None else code


def safe_url(url: str) -> str | None:
    """An evidence URL fit for a link (http or https), or None to show it as text only."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def url_host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


_MD_INLINE = re.compile(r"[\\`*_\[\]|~]")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_MD_LEADING = re.compile(r"^([#+\-=>])")
_MD_NUMBERED = re.compile(r"^(\d+)([.)])")
_WHITESPACE = re.compile(r"\s+")


def md(value: Any) -> str:
    """Text made inert for Markdown: no markup, no HTML, no structure; one line.

    ``<``, ``>`` and entity-like ``&`` become character references; the characters of emphasis,
    code, links, tables and strike-through are backslash-escaped; a leading ``#``, ``-``, ``+``,
    ``=``, ``>`` or list number is escaped; runs of whitespace (newlines too) become one space.
    """
    if value is None:
        return "—"
    text = _WHITESPACE.sub(" ", str(value)).strip()
    text = _MD_ENTITY.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(lambda m: "\\" + m.group(0), text)
    text = _MD_LEADING.sub(r"\\\1", text)
    return _MD_NUMBERED.sub(r"\1\\\2", text)


def md_url(url: str) -> str:
    """A URL as a Markdown link destination: characters that could end it are %-encoded."""
    return quote(url, safe="/:?#@!$&'*+,;=%-._~")


# Citations and links are written by filters rather than template macros: a large export has
# hundreds of thousands of them, and a Jinja macro call costs far more than a Python call.


def md_cite(source: Citation) -> str:
    return f"[^{int(source.position)}]"


def md_cites(sources: Iterable[Citation]) -> str:
    return "".join(f"[^{int(s.position)}]" for s in sources)


def md_links(urls: Sequence[str]) -> str:
    if not urls:
        return "—"
    return ", ".join(
        f"[{md(url_host(url))}](<{md_url(url)}>)" if safe_url(url) else md(url) for url in urls
    )


def html_cite(source: Citation) -> Markup:
    position = int(source.position)  # an int: nothing to escape
    return Markup(f'<sup class="cite"><a href="#e{position}">{position}</a></sup>')  # noqa: S704


def html_cites(sources: Iterable[Citation]) -> Markup:
    return Markup("").join(html_cite(s) for s in sources)


def html_links(urls: Sequence[str]) -> Markup:
    if not urls:
        return Markup("—")
    return Markup(", ").join(
        Markup('<a class="evidence" href="{}" rel="nofollow noopener noreferrer">{}</a>').format(
            url, url_host(url)
        )
        if safe_url(url)
        else escape(url)
        for url in urls
    )


# ---------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    width: str  # in SVG user units, fixed decimals so the bytes never vary


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    bars: tuple[Bar, ...]
    height: int


BAR_SPACE = 220.0  # the widest bar, in the charts' 420-unit-wide viewBox
BAR_PITCH = 28


def chart(id: str, title: str, counts: Sequence[tuple[str, int]]) -> Chart:
    largest = max((n for _code, n in counts), default=0)
    bars = tuple(
        Bar(label(code), n, f"{(n / largest * BAR_SPACE) if largest else 0.0:.1f}")
        for code, n in counts
    )
    return Chart(id, title, bars, len(bars) * BAR_PITCH + 8)


# ---------------------------------------------------------------------------- templates


@cache
def _environment(*, html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("projections", "templates"),
        autoescape=html,  # noqa: S701 - Markdown text is escaped by the md filter instead
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    if html:
        env.filters.update(cite=html_cite, cites=html_cites, links=html_links)
    else:
        env.filters.update(cite=md_cite, cites=md_cites, links=md_links)
    env.filters.update(
        label=label,
        num=number,
        day=day,
        country=country_name,
        area=area_name,
        host=url_host,
        safe_url=safe_url,
        md=md,
        md_url=md_url,
    )
    return env


def _context(report: RegionReport, tick: _Ticker, *, html: bool) -> dict[str, Any]:
    figures = report.figures
    context: dict[str, Any] = {
        "report": report,
        "area": report.area,
        "level": label(report.area.level),
        "position": report.position,
        "version": registry.__version__,
        "figures": figures,
        "studies": report.case_studies,
        "ranking": RANKING,
        "sources": [(c, report.subjects.get(c.stream_id)) for c in report.citations],
        "period": period,
        "tick": tick,
    }
    if html:
        context["charts"] = (
            chart("chart-areas", "Partnerships by practice area", figures.by_practice_area),
            chart("chart-sectors", "Partnerships by partner sector", figures.by_sector),
        )
    return context


# ---------------------------------------------------------------------------- CSV

# One row per case study, in rank order. Lists are joined with "; ". See docs/case-studies.md.
CSV_COLUMNS: tuple[str, ...] = (
    "rank",
    "partnership_id",
    "title",
    "evidence_score",
    "outcome_points",
    "activity_points",
    "partner_points",
    "status",
    "start_date",
    "end_date",
    "countries",
    "declared_regions",
    "practice_areas",
    "partners",
    "partner_sectors",
    "current_partners",
    "confirmed_partners",
    "activities",
    "participants",
    "people_trained",
    "outcomes",
    "outcomes_independent",
    "outcomes_partner_confirmed",
    "outcomes_self_reported",
    "outcomes_with_evidence",
    "lessons",
    "endorsement_event_id",
    "endorsement_position",
    "citations",
    "region_code",
    "region_name",
    "position",
    "registry_version",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ROLE_ORDER: dict[str, int] = {str(role): i for i, role in enumerate(PartnerRole)}


def _cell(value: Any) -> str:
    """A text cell; one a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _joined(values: Iterable[Any]) -> str:
    return "; ".join(str(v) for v in values)


def _csv_row(rank: int, cs: CaseStudyDocument, report: RegionReport) -> list[str]:
    partners = sorted(
        (p for g in cs.partners for p in g.partners if p.current),
        key=lambda p: (_ROLE_ORDER.get(p.role, len(_ROLE_ORDER)), p.name, p.organisation_id),
    )
    verifications = [o.verification for o in cs.results]
    return [
        str(rank),
        str(cs.partnership_id),
        _cell(cs.title.value),
        number(cs.evidence_score),
        number(cs.score.outcomes),
        number(cs.score.activities),
        number(cs.score.partners),
        cs.status.value,
        day(cs.start_date.value),
        "" if cs.end_date.value is None else day(cs.end_date.value),
        _joined(cs.countries.value),
        _joined(cs.declared_regions.value),
        _joined(cs.practice_areas.value),
        _cell(_joined(f"{p.name} ({p.role})" for p in partners)),
        _joined(dict.fromkeys(p.sector for p in partners)),
        str(len(partners)),
        str(cs.confirmed_partner_count),
        str(cs.activity_count),
        str(cs.participants),
        str(cs.people_trained),
        str(len(cs.results)),
        str(verifications.count("INDEPENDENT")),
        str(verifications.count("PARTNER_CONFIRMED")),
        str(verifications.count("SELF_REPORTED")),
        str(sum(1 for o in cs.results if o.evidence_urls)),
        str(sum(len(g.lessons) for g in cs.lessons)),
        str(cs.endorsement.source.event_id),
        str(cs.endorsement.source.position),
        str(len(cs.citations)),
        report.area.code,
        _cell(report.area.name),
        str(report.position),
        registry.__version__,
    ]


def _csv(report: RegionReport, tick: _Ticker) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rank, cs in enumerate(report.case_studies, start=1):
        writer.writerow(_csv_row(rank, cs, report))
        tick()
    tick.done()
    return out.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------- JSON


def _citation(c: Citation) -> dict[str, Any]:
    return {"event_id": str(c.event_id), "position": c.position, "type": c.type}


def _cited(c: Cited[Any] | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"value": _plain(c.value), "source": _citation(c.source)}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _sources(cs: Iterable[Citation]) -> list[dict[str, Any]]:
    return [_citation(c) for c in cs]


def _json_case_study(rank: int, cs: CaseStudyDocument) -> dict[str, Any]:
    return {
        "rank": rank,
        "partnership_id": str(cs.partnership_id),
        "version": cs.version,
        "evidence_score": cs.evidence_score,
        "score": {
            "outcomes": cs.score.outcomes,
            "activities": cs.score.activities,
            "partners": cs.score.partners,
        },
        "context": {
            "title": _cited(cs.title),
            "summary": _cited(cs.summary),
            "objectives": _cited(cs.objectives),
            "status": _cited(cs.status),
            "conclusion": _cited(cs.conclusion),
            "countries": _cited(cs.countries),
            "declared_regions": _cited(cs.declared_regions),
            "regions": list(cs.regions),
            "practice_areas": _cited(cs.practice_areas),
            "start_date": _cited(cs.start_date),
            "end_date": _cited(cs.end_date),
            "nomination": _cited(cs.nomination),
            "endorsement": _cited(cs.endorsement),
        },
        "partners": [
            {
                "sector": group.sector,
                "partners": [
                    {
                        "organisation_id": str(p.organisation_id),
                        "name": p.name,
                        "country": p.country,
                        "role": p.role,
                        "since": _plain(p.since),
                        "until": _plain(p.until),
                        "confirmed": p.confirmed,
                        "sources": _sources(p.sources),
                    }
                    for p in group.partners
                ],
            }
            for group in cs.partners
        ],
        "approach": [
            {
                "practice_area": area.practice_area,
                "activity_count": area.activity_count,
                "participants": area.participants,
                "people_trained": area.people_trained,
                "countries": list(area.countries),
                "target_groups": list(area.target_groups),
                "activities": [
                    {
                        "id": str(a.id),
                        "kind": a.kind,
                        "title": a.title,
                        "description": a.description,
                        "start_date": _plain(a.start_date),
                        "end_date": _plain(a.end_date),
                        "countries": list(a.countries),
                        "target_groups": list(a.target_groups),
                        "participants": a.participants,
                        "evidence_urls": list(a.evidence_urls),
                        "sources": _sources(a.sources),
                    }
                    for a in area.activities
                ],
            }
            for area in cs.approach
        ],
        "results": [
            {
                "id": str(o.id),
                "result_level": o.result_level,
                "indicator": o.indicator,
                "unit": o.unit,
                "baseline": o.baseline,
                "target": o.target,
                "actual": o.actual,
                "period_start": _plain(o.period_start),
                "period_end": _plain(o.period_end),
                "verification": o.verification,
                "evidence_urls": list(o.evidence_urls),
                "points": o.score,
                "sources": _sources(o.sources),
            }
            for o in cs.results
        ],
        "lessons": [
            {
                "kind": group.kind,
                "lessons": [
                    {"id": str(lesson.id), "text": lesson.text, "source": _citation(lesson.source)}
                    for lesson in group.lessons
                ],
            }
            for group in cs.lessons
        ],
        "timeline": [
            {"date": _plain(e.date), "text": e.text, "source": _citation(e.source)}
            for e in cs.timeline
        ],
        "citations": _sources(cs.citations),
    }


def _json(report: RegionReport, tick: _Ticker) -> bytes:
    f = report.figures
    studies = []
    for rank, cs in enumerate(report.case_studies, start=1):
        studies.append(_json_case_study(rank, cs))
        tick()
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "generator": {"name": "ppp-registry", "version": registry.__version__},
        "region": {
            "code": report.area.code,
            "name": report.area.name,
            "level": str(report.area.level),
        },
        "position": report.position,
        "ranking": {"key": "evidence_score", "definition": RANKING},
        "figures": {
            "partnerships": f.partnership_count,
            "active": f.active_count,
            "concluded": f.concluded_count,
            "people_trained": f.people_trained,
            "by_practice_area": [
                {"practice_area": k, "partnerships": n} for k, n in f.by_practice_area
            ],
            "by_sector": [{"sector": k, "partnerships": n} for k, n in f.by_sector],
            "countries": [{"country": k, "partnerships": n} for k, n in f.countries],
            "case_studies": len(report.case_studies),
        },
        "case_studies": studies,
        "sources": [
            {
                **_citation(c),
                "stream_id": str(c.stream_id),
                "stream_type": subject.kind if subject is not None else None,
                "stream_name": subject.name if subject is not None else None,
            }
            for c in report.citations
            for subject in [report.subjects.get(c.stream_id)]
        ],
    }
    tick.done()
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2)
    # Outside strings JSON has no <, > or &: escaping them everywhere keeps markup in the data
    # inert even where the file ends up inside an HTML page.
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return (text + "\n").encode("utf-8")
