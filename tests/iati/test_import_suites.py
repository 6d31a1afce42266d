"""The IATI-Schemas 2.03 test suites through the importer, and hostile files.

Every should-pass file imports or is rejected activity by activity with a reason, never a
crash; every should-fail file is refused as a file with a schema error, nothing appended. The
files are IATI's own (``data/iati-schemas``, see its README for source and licence).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from entrypoints.iati_import.applying import Status
from entrypoints.iati_import.screening import FileRefused, screen
from registry.application import Registry
from registry.database import DatabaseAddress
from registry.domain.codelists import PracticeArea
from tests.iati import iati_files as f
from tests.postgres import scratch_database

SUITES = Path(__file__).parent / "data" / "iati-schemas"
SHOULD_PASS = sorted(p for p in SUITES.rglob("*.xml") if "should-pass" in p.parts)
SHOULD_FAIL = sorted(p for p in SUITES.rglob("*.xml") if "should-fail" in p.parts)


def _name(path: Path) -> str:
    return str(path.relative_to(SUITES))


@pytest.fixture(scope="module")
def registry(postgres_server: DatabaseAddress) -> Iterator[Registry]:
    with scratch_database(postgres_server) as address, f.registry_over(address) as registry:
        yield registry


def _events(registry: Registry) -> int:
    return int(registry.store.max_notification_id() or 0)


def test_the_suites_are_all_here() -> None:
    assert len(SHOULD_PASS) > 150 and len(SHOULD_FAIL) > 300


@pytest.mark.parametrize("path", SHOULD_PASS, ids=_name)
def test_a_should_pass_file_is_imported_or_rejected_per_activity_with_a_reason(
    registry: Registry, path: Path
) -> None:
    for area in (None, PracticeArea.CAPACITY_BUILDING):
        report = f.import_file(registry, path, area=area)
        assert report.activities, "a valid file holds at least one activity"
        for activity in report.activities:
            if activity.status is Status.REJECTED:
                assert activity.refusals and all(r.strip() for r in activity.refusals)
            for note in activity.notes:
                assert note.reason and note.element


@pytest.mark.parametrize("path", SHOULD_FAIL, ids=_name)
def test_a_should_fail_file_is_refused_with_a_schema_error_and_nothing_appended(
    registry: Registry, path: Path
) -> None:
    before = _events(registry)
    with pytest.raises(FileRefused) as refused:
        f.import_file(registry, path, area=PracticeArea.CAPACITY_BUILDING)
    assert refused.value.errors and all(e.line >= 1 for e in refused.value.errors)
    assert _events(registry) == before


def test_a_valid_file_with_an_activity_refused_elsewhere_in_it_appends_nothing(
    registry: Registry, tmp_path: Path
) -> None:
    broken = f.activity("B-2").replace("<activity-status", "<foo/><activity-status")
    path = f.write(tmp_path, f.activities(f.activity("B-1"), broken))
    before = _events(registry)
    with pytest.raises(FileRefused) as refused:
        f.import_file(registry, path)
    assert _events(registry) == before
    [error] = refused.value.errors
    assert "foo" in error.message and error.line > 20  # the line of <foo/>, in the 2nd activity


XXE = """<?xml version="1.0"?>
<!DOCTYPE iati-activities [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<iati-activities version="2.03"><iati-activity><iati-identifier>&secret;</iati-identifier>
</iati-activity></iati-activities>"""

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + ']>\n<iati-activities version="2.03"><iati-activity>'
    "<iati-identifier>&lol9;</iati-identifier></iati-activity></iati-activities>"
)


@pytest.mark.parametrize("text", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_hostile_files_are_refused_and_nothing_appended(
    registry: Registry, tmp_path: Path, text: str
) -> None:
    path = f.write(tmp_path, text)
    before = _events(registry)
    with pytest.raises(FileRefused) as refused:
        f.import_file(registry, path)
    assert "DOCTYPE" in str(refused.value)
    assert "root:" not in str(refused.value)  # nothing of /etc/passwd
    assert _events(registry) == before


@pytest.mark.parametrize(
    "text",
    [b"", b'{"command": "x"}', b"<html><body/></html>", b"<iati-activities", b"\xff\xfe<a/>"],
    ids=["empty", "json", "html", "truncated", "bad-encoding"],
)
def test_what_is_not_an_iati_file_is_refused_with_a_line(tmp_path: Path, text: bytes) -> None:
    path = tmp_path / "file.xml"
    path.write_bytes(text)
    with pytest.raises(FileRefused) as refused:
        screen(path)
    assert refused.value.errors[0].line >= 1
