"""Regional exports: golden files for each format, reproducibility, escaping, bad input, and the
HTML rendered by headless Chromium.

Golden files live in ``tests/projections/golden``. After an intended change of an export, write
them again with ``PPP_UPDATE_GOLDEN=1 .venv/bin/pytest tests/projections/test_exports.py`` and
review the diff. The registry version is the only part that is not compared byte for byte (it is
replaced by ``X.Y.Z``), so a release does not invalidate them.
"""

from __future__ import annotations

import csv
import html.parser
import io
import json
import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import asyncpg
import pytest

import registry
from entrypoints.web import downloads
from projections import exports
from projections.case_studies import PositionBeyondHead, UnknownRegion
from projections.exports import to_csv, to_markdown
from projections.runner import Projector
from registry import commands as c
from registry.application import Registry
from registry.database import DatabaseAddress
from registry.domain.codelists import ActivityKind, PracticeArea
from schema import export_urls
from tests.postgres import scratch_database
from tests.projections.case_study_data import REVIEWER, World, Writer, build_world

pytestmark = pytest.mark.anyio

GOLDEN = Path(__file__).parent / "golden"
AFRICA = "002"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def world_database(postgres_server: DatabaseAddress) -> Iterator[DatabaseAddress]:
    with scratch_database(postgres_server) as address:
        yield address


@pytest.fixture(scope="module")
async def world(world_database: DatabaseAddress) -> World:
    app = Registry(env=world_database.eventsourcing_env())
    try:
        built = await build_world(app)
    finally:
        app.close()
    await Projector(world_database.dsn()).catch_up()
    return built


@pytest.fixture
async def db(world: World, world_database: DatabaseAddress) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(world_database.dsn(), min_size=1, max_size=2) as pool:
        yield pool


async def _export(db: asyncpg.Pool, fmt: exports.Format, region: str = AFRICA) -> str:
    return (await exports.build_export(db, region, fmt)).decode("utf-8")


# ---------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("fmt", exports.FORMATS)
async def test_each_format_matches_its_golden_file(
    fmt: exports.Format, world: World, db: asyncpg.Pool
) -> None:
    actual = (await exports.build_export(db, AFRICA, fmt)).replace(
        registry.__version__.encode(), b"X.Y.Z"
    )
    path = GOLDEN / f"case-studies-{AFRICA}.{fmt}"
    if os.environ.get("PPP_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(actual)
    assert path.exists(), f"no golden file {path}: run with PPP_UPDATE_GOLDEN=1 to write it"
    assert actual == path.read_bytes(), (
        f"the {fmt} export differs from {path.name}; if the change is intended, run with"
        " PPP_UPDATE_GOLDEN=1 and review the diff"
    )


# ---------------------------------------------------------------------------- reproducibility


async def test_an_export_names_its_region_position_and_version(
    world: World, db: asyncpg.Pool
) -> None:
    head = await db.fetchval("SELECT position FROM read_model.projection_tracking")
    version = registry.__version__
    for fmt in ("md", "html"):
        text = await _export(db, fmt)  # type: ignore[arg-type]
        assert "Africa" in text and "M49 002" in text, fmt
        assert "Log position" in text and str(head) in text, fmt
        assert f"ppp-registry {version}" in text, fmt
    document = json.loads(await _export(db, "json"))
    assert document["schema_version"] == 1
    assert document["region"] == {"code": "002", "name": "Africa", "level": "REGION"}
    assert document["position"] == head
    assert document["generator"] == {"name": "ppp-registry", "version": version}
    rows = list(csv.DictReader(io.StringIO(await _export(db, "csv"))))
    assert {(r["region_code"], r["position"], r["registry_version"]) for r in rows} == {
        ("002", str(head), version)
    }


async def test_no_export_holds_a_wall_clock_time(world: World, db: asyncpg.Pool) -> None:
    recorded = await db.fetch("SELECT recorded_at FROM read_model.event_log")
    days = {r["recorded_at"].date().isoformat() for r in recorded}
    moments = {r["recorded_at"].isoformat()[:16] for r in recorded}
    for fmt in exports.FORMATS:
        text = await _export(db, fmt)
        for moment in moments:
            assert moment not in text, fmt
        # The dataset's own dates are all before 2025; the clock's are not.
        assert not any(day in text for day in days if day >= "2025"), fmt


async def test_the_same_position_gives_the_same_bytes_after_more_events(
    database: DatabaseAddress,
) -> None:
    app = Registry(env=database.eventsourcing_env())
    try:
        world = await build_world(app)
        await Projector(database.dsn()).catch_up()
        async with asyncpg.create_pool(database.dsn(), min_size=1, max_size=2) as db:
            position = await db.fetchval("SELECT position FROM read_model.projection_tracking")
            before = {f: await exports.build_export(db, AFRICA, f) for f in exports.FORMATS}
            for fmt in exports.FORMATS:
                assert await exports.build_export(db, AFRICA, fmt, position) == before[fmt]
            # More history: a new case study (it was nominated), more evidence, a partnership
            # moved away, a rename.
            write = Writer(app)
            await write(
                "later-endorse", c.EndorseBestPractice(world.victims, "Now proven."), REVIEWER
            )
            await write(
                "later-activity",
                c.LogActivity(
                    world.judges,
                    ActivityKind.TRAINING,
                    PracticeArea.CAPACITY_BUILDING,
                    "Refresher course",
                    date(2024, 2, 1),
                    participants=30,
                    evidence_urls=("https://example.org/refresher",),
                ),
            )
            await write(
                "later-move",
                c.RevisePartnership(world.hygiene_rw, {"countries": ["FR"]}, "Moved"),
            )
            await write(
                "later-rename",
                c.ReviseOrganisation(world.acme, {"name": "ACME Cyber"}, "Renamed"),
            )
            await Projector(database.dsn()).catch_up()
            for fmt in exports.FORMATS:
                assert await exports.build_export(db, AFRICA, fmt, position) == before[fmt], fmt
                assert await exports.build_export(db, AFRICA, fmt) != before[fmt], fmt
            latest = await _export(db, "md")  # type: ignore[arg-type]
            assert "Victim support in Uganda" in latest
            assert "Cyber hygiene for Rwandan schools" not in latest
            assert "ACME Cyber" in latest
    finally:
        app.close()


# ---------------------------------------------------------------------------- escaping


async def test_markup_in_text_comes_out_escaped(world: World, db: asyncpg.Pool) -> None:
    page = await _export(db, "html")
    assert "<script" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    markdown = await _export(db, "md")
    assert "<script" not in markdown and "<img" not in markdown and "<b>" not in markdown
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in markdown
    assert r"\*friends\* \| \[link\](x)" in markdown  # no emphasis, table cell or link
    assert "- **Summary:** \\# Not a heading - not a list" in markdown
    document = await _export(db, "json")
    assert "<" not in document and ">" not in document
    assert json.loads(document)["case_studies"][1]["context"]["title"]["value"].startswith(
        "Awareness <script>"
    )
    rows = list(csv.DictReader(io.StringIO(await _export(db, "csv"))))
    assert rows[1]["title"].startswith("Awareness <script>")  # CSV is data, not markup
    assert all(not v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values())


def test_markdown_escaping() -> None:
    assert to_markdown.md("a <b> & c") == "a &lt;b&gt; & c"
    assert to_markdown.md("&lt; stays text") == "&amp;lt; stays text"
    assert to_markdown.md("*em* _u_ `c` [l](x) a|b ~s~ \\") == (
        r"\*em\* \_u\_ \`c\` \[l\](x) a\|b \~s\~ \\"
    )
    assert to_markdown.md("# h") == r"\# h"
    assert to_markdown.md("- item") == r"\- item"
    assert to_markdown.md("1. item") == r"1\. item"
    assert to_markdown.md("12) item") == r"12\) item"
    assert to_markdown.md("= x") == r"\= x"
    assert to_markdown.md("two\n\nparagraphs\tand  spaces ") == "two paragraphs and spaces"
    assert to_markdown.md(None) == "—"


def test_csv_cells_a_spreadsheet_would_run_are_quoted() -> None:
    assert to_csv._cell("=1+1") == "'=1+1"
    assert to_csv._cell("@SUM(A1)") == "'@SUM(A1)"
    assert to_csv._cell("plain") == "plain"


# ---------------------------------------------------------------------------- shapes


async def test_the_csv_has_one_row_per_case_study_and_the_documented_columns(
    world: World, db: asyncpg.Pool
) -> None:
    raw = await exports.build_export(db, AFRICA, "csv")
    assert not raw.startswith(b"\xef\xbb\xbf")  # UTF-8 without a byte-order mark
    reader = csv.reader(io.StringIO(raw.decode("utf-8")))
    header, *rows = list(reader)
    assert tuple(header) == exports.CSV_COLUMNS
    assert [(r[0], r[1]) for r in rows] == [
        ("1", str(world.judges)),
        ("2", str(world.awareness)),
        ("3", str(world.hygiene_et)),
        ("4", str(world.hygiene_rw)),
    ]
    judges = dict(zip(header, rows[0], strict=True))
    assert judges["evidence_score"] == "8"
    assert judges["countries"] == "KE; UG"
    assert judges["partners"] == (
        "ACME Security (LEAD); Ministry of ICT and Innovation (IMPLEMENTER)"
    )
    assert (judges["activities"], judges["people_trained"], judges["outcomes"]) == ("2", "54", "2")
    assert (judges["outcomes_independent"], judges["outcomes_with_evidence"]) == ("1", "1")
    documented = (Path(__file__).parents[2] / "docs" / "case-studies.md").read_text()
    for column in exports.CSV_COLUMNS:
        assert f"`{column}`" in documented, f"column {column} is not documented"


async def test_the_json_export_is_versioned_and_complete(world: World, db: asyncpg.Pool) -> None:
    document = json.loads(await _export(db, "json"))
    assert set(document) == {
        "schema_version",
        "generator",
        "region",
        "position",
        "ranking",
        "figures",
        "case_studies",
        "sources",
    }
    studies = document["case_studies"]
    assert [s["rank"] for s in studies] == [1, 2, 3, 4]
    judges = studies[0]
    assert judges["partnership_id"] == str(world.judges)
    assert set(judges) >= {"context", "partners", "approach", "results", "lessons", "timeline"}
    source = judges["context"]["countries"]["source"]
    assert source["type"] == "PartnershipRevised"
    cited = {s["position"] for s in document["sources"]}
    assert {c["position"] for s in studies for c in s["citations"]} == cited
    assert document["figures"]["partnerships"] == 6


async def test_a_region_without_case_studies_gives_a_document_that_says_so(
    world: World, db: asyncpg.Pool
) -> None:
    for code, name in (("053", "Australia and New Zealand"), ("009", "Oceania")):
        markdown = await _export(db, "md", code)
        assert f"No partnership in {name} is endorsed as a best practice" in markdown
        page = await _export(db, "html", code)
        assert f"No partnership in {name} is endorsed as a best practice" in page
        _parse_html(page)
        header, *rows = list(csv.reader(io.StringIO(await _export(db, "csv", code))))
        assert tuple(header) == exports.CSV_COLUMNS and rows == []
        document = json.loads(await _export(db, "json", code))
        assert document["case_studies"] == [] and document["region"]["code"] == code
        assert document["figures"]["partnerships"] == 0


async def test_bad_input_is_refused_clearly(world: World, db: asyncpg.Pool) -> None:
    with pytest.raises(UnknownRegion, match="--list-regions"):
        await exports.build_export(db, "999", "md")
    assert issubclass(exports.UnknownRegion, ValueError)
    head = await db.fetchval("SELECT position FROM read_model.projection_tracking")
    with pytest.raises(PositionBeyondHead, match="beyond the head"):
        await exports.build_export(db, AFRICA, "html", head + 1)
    with pytest.raises(ValueError, match="unknown export format"):
        await exports.build_export(db, AFRICA, "pdf")  # type: ignore[arg-type]


async def test_progress_counts_case_studies(world: World, db: asyncpg.Pool) -> None:
    for fmt in exports.FORMATS:
        calls: list[tuple[int, int]] = []

        def record(done: int, total: int, calls: list[tuple[int, int]] = calls) -> None:
            calls.append((done, total))

        await exports.build_export(db, AFRICA, fmt, progress=record)
        assert calls[0] == (0, 4) and calls[-1] == (4, 4), fmt
        assert [d for d, _t in calls] == sorted(d for d, _t in calls), fmt


async def test_an_export_says_where_it_was_made_for_downloads(
    world: World, db: asyncpg.Pool
) -> None:
    head = await db.fetchval("SELECT position FROM read_model.projection_tracking")
    made = await exports.export(db, AFRICA, "html")
    assert (made.region, made.format, made.position) == (AFRICA, "html", head)
    assert made.filename == f"case-studies-002-at-{head}.html"
    assert downloads.MEDIA_TYPES[made.format] == "text/html; charset=utf-8"
    assert made.data == await exports.build_export(db, AFRICA, "html", head)
    earlier = await exports.export(db, AFRICA, "md", world.moved_at)
    assert earlier.position == world.moved_at
    at_head = await exports.export(db, AFRICA, "md")
    assert downloads.export_etag(earlier.region, earlier.format, earlier.position) != (
        downloads.export_etag(at_head.region, at_head.format, at_head.position)
    )


def test_paths_names_and_formats() -> None:
    assert export_urls.export_path("002", "md") == "/exports/case-studies/002.md"
    assert export_urls.export_path("002", "html", 17) == (
        "/exports/case-studies/002.html?position=17"
    )
    assert exports.export_filename("002", "csv", 17) == "case-studies-002-at-17.csv"
    assert exports.format_of_extension("json") == "json"
    with pytest.raises(ValueError, match="unknown export format"):
        exports.format_of_extension("pdf")
    assert set(export_urls.GRAPHQL_FORMATS.values()) == set(exports.FORMATS)
    assert set(downloads.MEDIA_TYPES) == set(exports.FORMATS)


# ---------------------------------------------------------------------------- the HTML


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.headings: dict[str, list[str]] = {}
        self._heading: str | None = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, k, v) for k, v in attrs)
        if tag in ("h1", "h2", "h3"):
            self._heading = tag
            self.headings.setdefault(tag, []).append("")
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self._heading = None
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self.headings[self._heading][-1] += data
        if self._in_title:
            self.title += data


def _parse_html(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


async def test_the_html_is_self_contained_printable_and_fits_a_phone(
    world: World, db: asyncpg.Pool
) -> None:
    text = await _export(db, "html")
    page = _parse_html(text)
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert not [a for a in page.attributes if a[1] in ("src", "srcset", "poster", "data")]
    assert "@import" not in text and "url(" not in text
    evidence = {
        "https://example.org/reports/course_2022.pdf",
        "https://example.org/evaluation",
    }
    for tag, name, value in page.attributes:
        if name == "href":
            assert value is not None
            assert value.startswith("#") or value in evidence, value
            assert tag == "a"
    anchors = {v for _t, k, v in page.attributes if k == "id"}
    for _tag, name, value in page.attributes:
        if name == "href" and value and value.startswith("#"):
            assert value[1:] in anchors, f"dangling link {value}"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert "@media print" in text and "@page" in text
    assert text.count("<svg") == 2  # practice areas and partner sectors
    assert "Content-Security-Policy" in text
    assert page.title.startswith("Best-practice case studies: Africa (M49 002)")
    assert [h for h in page.headings["h3"] if h[:1].isdigit()] == [
        "1. Digital evidence for Kenyan judges9",
        "2. Awareness <script>alert('x')</script> across Nigeria & *friends* | [link](x)27",
        "3. Cyber hygiene for Ethiopian schools36",
        "4. Cyber hygiene for Rwandan schools33",
    ]


def _png_colours(data: bytes, limit: int = 50) -> int:
    """How many distinct colours an 8-bit RGB(A) PNG holds (counting up to ``limit``)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, header = 8, [], b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        offset += 12 + length
    width, height, depth, colour_type, _c, _f, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0
    pixel = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * pixel
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - pixel] if i >= pixel else 0
            up = previous[i]
            corner = previous[i - pixel] if i >= pixel else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 0xFF
        if y % 7 == 0:  # a sample of rows is plenty to tell a page from a blank
            colours.update(bytes(line[i : i + 3]) for i in range(0, stride, pixel * 5))
            if len(colours) >= limit:
                return len(colours)
        previous = line
    return len(colours)


def _chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run(  # noqa: S603 - a fixed program and our own arguments
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
async def test_the_html_renders_in_headless_chromium(
    world: World, db: asyncpg.Pool, tmp_path: Path
) -> None:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip(f"headless Chromium is not installed here ({CHROMIUM} is missing)")
    document = tmp_path / "africa.html"
    document.write_bytes(await exports.build_export(db, AFRICA, "html"))
    url = document.as_uri()
    for size in ("1200,2000", "390,844"):  # a desk and a phone
        screenshot = tmp_path / f"page-{size.replace(',', 'x')}.png"
        shot = _chromium(tmp_path, f"--screenshot={screenshot}", f"--window-size={size}", url)
        assert screenshot.exists(), shot.stderr[-2000:]
        assert _png_colours(screenshot.read_bytes()) > 10, f"the page looks blank at {size}"
    dom = _chromium(tmp_path, "--dump-dom", "--window-size=1200,2000", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = _parse_html(dom.stdout)
    assert rendered.title.startswith("Best-practice case studies: Africa (M49 002)")
    assert rendered.headings["h1"] == ["Best-practice case studies: Africa"]
    studies = [h for h in rendered.headings["h3"] if h[:1].isdigit()]
    assert [h.split(". ", 1)[1][:20] for h in studies] == [
        "Digital evidence for",
        "Awareness <script>al",
        "Cyber hygiene for Et",
        "Cyber hygiene for Rw",
    ]
    assert "<script" not in dom.stdout
