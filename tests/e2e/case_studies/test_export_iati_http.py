"""A region's IATI 2.03 file over HTTP and on the command line: the same bytes both ways, valid
against the shipped schema, cacheable, and clear refusals for mistakes in the address."""

from __future__ import annotations

from pathlib import Path

from entrypoints.web.iati_downloads import MEDIA_TYPE, iati_etag
from projections.iati.validation import schema_errors
from registry.database import DatabaseAddress
from schema.export_urls import iati_path
from tests.e2e.case_studies.conftest import AFRICA, Cli, head_of
from tests.e2e.conftest import Api
from tests.projections.case_study_data import World


def test_the_head_downloads_as_a_valid_iati_file(
    reader: Api, case_database: DatabaseAddress
) -> None:
    head = head_of(case_database)
    response = reader.http.get(iati_path(AFRICA))
    assert response.status_code == 200, response.text
    assert schema_errors(response.content) == ()
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.headers["content-disposition"] == (
        f'attachment; filename="iati-{AFRICA}-at-{head}.xml"'
    )
    assert response.headers["etag"] == iati_etag(AFRICA, head)
    again = reader.http.get(iati_path(AFRICA), headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_a_pinned_download_is_byte_identical_to_the_cli_export(
    reader: Api, case_world: World, cli: Cli, tmp_path: Path
) -> None:
    position = case_world.moved_at - 1
    out = tmp_path / "africa.xml"
    code, _out, err = cli(
        "export", "iati", "--region", AFRICA, "--at-position", str(position),
        "--out", str(out), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    response = reader.http.get(iati_path(AFRICA, position))
    assert response.status_code == 200, response.text
    assert response.content == out.read_bytes()
    assert "max-age" in response.headers["cache-control"]


def test_graphqls_export_url_names_the_iati_file_at_the_querys_position(
    reader: Api, case_database: DatabaseAddress
) -> None:
    answer = reader.post('{ region(code: "002") { exportUrl(format: IATI) } }')
    assert "errors" not in answer, answer
    url = answer["data"]["region"]["exportUrl"]
    assert url == iati_path(AFRICA, head_of(case_database))
    response = reader.http.get(url)
    assert response.status_code == 200
    assert schema_errors(response.content) == ()


def test_mistakes_in_the_address_are_refused_clearly(reader: Api) -> None:
    assert reader.http.get("/exports/iati/Africa.xml").status_code == 404
    assert reader.http.get(f"/exports/iati/{AFRICA}.json").status_code == 404
    assert reader.http.get(iati_path(AFRICA), params={"position": "-1"}).status_code == 400
    far = reader.http.get(iati_path(AFRICA), params={"position": str(10**12)})
    assert far.status_code == 400 and "position" in far.text


def test_the_cli_refuses_an_unknown_region_without_a_traceback(cli: Cli) -> None:
    code, _out, err = cli("export", "iati", "--region", "Atlantis")
    assert code == 2 and "Traceback" not in err
