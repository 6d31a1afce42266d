"""Report authors download a region's case studies over HTTP: every format, the builder's exact
bytes, cacheable, and clear refusals for every mistake in the address."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.web import downloads
from projections import exports
from registry.database import DatabaseAddress
from tests.e2e.case_studies.conftest import AFRICA, Cli, built, head_of
from tests.e2e.conftest import Api
from tests.projections.case_study_data import MARKUP_TITLE, World

ROUTE = "/exports/case-studies"


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_each_format_downloads_as_the_builder_makes_it_at_the_head(
    fmt: exports.Format, reader: Api, case_database: DatabaseAddress
) -> None:
    response = reader.http.get(f"{ROUTE}/{AFRICA}.{fmt}")
    expected = built(case_database, fmt)
    assert response.status_code == 200, response.text
    assert response.content == expected.data
    assert expected.position == head_of(case_database)
    assert response.headers["content-type"] == downloads.MEDIA_TYPES[fmt]
    disposition = "inline" if fmt == "html" else "attachment"  # HTML opens in the browser
    assert response.headers["content-disposition"] == (
        f'{disposition}; filename="case-studies-{AFRICA}-at-{expected.position}.{fmt}"'
    )
    assert response.headers["etag"] == downloads.export_etag(AFRICA, fmt, expected.position)
    assert response.headers["cache-control"] == "no-cache"  # the head moves


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_a_download_at_a_position_is_byte_identical_to_the_cli_export(
    fmt: exports.Format,
    reader: Api,
    case_world: World,
    case_database: DatabaseAddress,
    cli: Cli,
    tmp_path: Path,
) -> None:
    position = case_world.moved_at - 1  # "moved" was still a case study of Africa then
    out = tmp_path / f"export.{fmt}"
    code, _out, err = cli(
        "export", "case-studies", "--region", AFRICA, "--format", fmt,
        "--at-position", str(position), "--out", str(out), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    response = reader.http.get(f"{ROUTE}/{AFRICA}.{fmt}", params={"position": position})
    assert response.status_code == 200, response.text
    assert response.content == out.read_bytes()
    assert response.content != built(case_database, fmt).data  # the head differs
    assert f"-at-{position}.{fmt}" in response.headers["content-disposition"]
    assert "max-age" in response.headers["cache-control"]  # a pinned position never changes


def test_a_matching_etag_is_answered_304_without_a_body(reader: Api) -> None:
    first = reader.http.get(f"{ROUTE}/{AFRICA}.csv")
    etag = first.headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = reader.http.get(f"{ROUTE}/{AFRICA}.csv", headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
    other = reader.http.get(f"{ROUTE}/{AFRICA}.csv", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200 and other.content == first.content
    # Another format or position is another document, with another tag.
    assert reader.http.get(f"{ROUTE}/{AFRICA}.json").headers["etag"] != etag
    assert reader.http.get(f"{ROUTE}/{AFRICA}.csv?position=1").headers["etag"] != etag


def test_reads_need_no_token(reader: Api) -> None:
    response = reader.http.get(
        f"{ROUTE}/{AFRICA}.md", headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("999.md", "--list-regions"),
        ("KE.md", "unknown region code"),  # a country is not an M49 area here
        ("002.pdf", "use one of md, html, csv, json"),
        ("002.MD", "use one of md, html, csv, json"),
        ("002", "ask for CODE.md"),
        ("002.", "unknown export format"),
        (".md", "unknown region code"),
        ("%3Cscript%3E.html", "unknown region code"),
    ],
)
def test_an_unknown_region_or_format_is_a_404_that_says_why(
    reader: Api, path: str, says: str
) -> None:
    response = reader.http.get(f"{ROUTE}/{path}")
    assert response.status_code == 404
    assert says in response.text
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "position",
    ["abc", "-1", "1.5", "", " 1", "\uff11\uff12", "9" * 30],  # fullwidth digits
)
def test_a_position_that_is_no_log_position_is_a_400(reader: Api, position: str) -> None:
    response = reader.http.get(f"{ROUTE}/{AFRICA}.md", params={"position": position})
    assert response.status_code == 400
    assert "position" in response.text


def test_a_position_beyond_the_head_is_a_400_naming_the_head(
    reader: Api, case_database: DatabaseAddress
) -> None:
    head = head_of(case_database)
    response = reader.http.get(f"{ROUTE}/{AFRICA}.json", params={"position": head + 1})
    assert response.status_code == 400
    assert f"beyond the head of the read model ({head})" in response.text


def test_the_html_download_shows_markup_as_text_and_forbids_fetching(reader: Api) -> None:
    response = reader.http.get(f"{ROUTE}/{AFRICA}.html")
    assert response.status_code == 200
    assert MARKUP_TITLE.startswith("Awareness <script>")
    assert "<script" not in response.text
    assert "Awareness &lt;script&gt;alert(" in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_json_download_ranks_as_documented(reader: Api, case_world: World) -> None:
    document = reader.http.get(f"{ROUTE}/{AFRICA}.json").json()
    ranked = [cs["partnership_id"] for cs in document["case_studies"]]
    # judges (an independent outcome with evidence) first; the two without evidence tie on
    # score and are ranked by title: Ethiopian before Rwandan.
    assert ranked == [
        str(case_world.judges),
        str(case_world.awareness),
        str(case_world.hygiene_et),
        str(case_world.hygiene_rw),
    ]
    scores = [cs["evidence_score"] for cs in document["case_studies"]]
    assert scores == sorted(scores, reverse=True)
