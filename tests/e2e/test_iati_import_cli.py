"""``ppp-registry import FILE.xml``: IATI 2.03 files on the command line, exit codes 0/1/2."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from entrypoints.iati_import.planning import registration_key
from registry.application import load_partnership
from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.idempotency import keyed_id, scope_of
from schema.ids import from_global_id
from tests.e2e.conftest import Api, register_organisation
from tests.iati import iati_files as f

SUITES = Path(__file__).parents[1] / "iati" / "data" / "iati-schemas"


@pytest.fixture
def admin(cli: Any) -> str:
    out = cli("token", "create", "--role", "admin", "--name", "iati")[1]
    return str(out.strip().split("\n")[-1])


def _flat(text: str) -> str:
    """The report without the table's wrapping."""
    return " ".join(text.replace("│", " ").split())


def test_an_iati_file_is_told_by_its_content_imported_and_reimported_as_nothing(
    cli: Any, api: Api, admin: str, tmp_path: Path
) -> None:
    path = f.write(tmp_path, f.activities(f.activity(results=f.result(), documents=f.document())))
    code, out, err = cli("import", str(path), "--token", admin, "--quiet")
    assert code == 0, out + err
    assert "1 imported" in _flat(out)
    events = api.event_count()
    assert events > 0
    code, out, _err = cli("import", str(path), "--token", admin, "--quiet")
    assert code == 0 and "1 already imported" in _flat(out)
    assert api.event_count() == events


def test_some_activities_rejected_exit_1_with_element_line_and_reason(
    cli: Any, api: Api, admin: str, tmp_path: Path
) -> None:
    unmapped = f.activity("DAC-ONLY-1", sectors='<sector code="11110"/>')
    path = f.write(tmp_path, f.activities(f.activity(), unmapped))
    code, out, _err = cli("import", str(path), "--token", admin, "--quiet")
    flat = _flat(out)
    assert code == 1
    assert "1 imported" in flat and "1 rejected" in flat
    assert "DAC-ONLY-1" in flat and "<sector>" in flat and "--practice-area" in flat
    code, out, _err = cli(
        "import", str(path), "--token", admin, "--quiet", "--practice-area", "RESEARCH"
    )
    assert code == 0, out


@pytest.mark.parametrize(
    "name",
    [
        "activity-tests/should-fail/17-bad-hierarchy.xml",
        "activity-tests/should-fail/budget/12-non-decimal-value.xml",
    ],
)
def test_a_refused_file_exits_2_with_line_numbers_and_appends_nothing(
    cli: Any, api: Api, admin: str, name: str
) -> None:
    before = api.event_count()
    code, out, err = cli("import", str(SUITES / name), "--token", admin, "--quiet")
    assert code == 2
    assert "line " in err and "nothing was applied" in err
    assert "Traceback" not in out + err
    assert api.event_count() == before


def test_hostile_and_broken_files_exit_2(cli: Any, api: Api, admin: str, tmp_path: Path) -> None:
    before = api.event_count()
    xxe = f.write(
        tmp_path,
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<iati-activities version="2.03">&e;</iati-activities>',
        "xxe.xml",
    )
    truncated = f.write(tmp_path, f.activities(f.activity())[:400], "truncated.xml")
    for path in (xxe, truncated):
        code, out, err = cli("import", str(path), "--token", admin, "--quiet")
        assert code == 2, out + err
        assert "root:" not in out + err
    assert api.event_count() == before


def test_the_format_can_be_forced(cli: Any, api: Api, admin: str, tmp_path: Path) -> None:
    xml = f.write(tmp_path, f.activities(f.activity()))
    code, out, _err = cli("import", str(xml), "--token", admin, "--quiet", "--format", "ndjson")
    assert code == 1 and "not valid JSON" in _flat(out)  # read as lines of commands
    ndjson = f.write(tmp_path, '{"command": "x", "input": {}}\n', "commands.ndjson")
    code, _out, err = cli("import", str(ndjson), "--token", admin, "--quiet", "--format", "iati")
    assert code == 2 and "line 1" in err
    code, _out, err = cli("import", str(ndjson), "--token", admin, "--practice-area", "RESEARCH")
    assert code == 2 and "--practice-area is for IATI files" in err


def test_a_contributor_imports_with_its_own_rights(
    cli: Any, api: Api, admin: str, tmp_path: Path
) -> None:
    outsider = register_organisation(api, admin, "Outsider Org")
    token = api.token("contributor", outsider)
    before = api.event_count()
    path = f.write(tmp_path, f.activities(f.activity()))
    code, out, _err = cli("import", str(path), "--token", token, "--quiet")
    assert code == 1
    assert "FORBIDDEN" in _flat(out)
    # Refused as the mutation would be: no partnership without the contributor's organisation.
    assert "registerPartnership for the partnership" in _flat(out)
    assert api.event_count() >= before


def test_markup_in_the_file_is_printed_as_text(
    cli: Any, api: Api, admin: str, tmp_path: Path
) -> None:
    path = f.write(tmp_path, f.activities(f.activity("[bold]X-1[/bold]")))
    code, out, _err = cli("import", str(path), "--token", admin, "--quiet")
    assert code == 1  # "/" is not allowed in an IATI identifier: the registry refuses it
    assert "[bold]X-1[/bold]" in _flat(out).replace(" ", "")


def test_an_organisation_known_by_its_ref_is_matched_whoever_registered_it(
    cli: Any, api: Api, admin: str, tmp_path: Path, database: DatabaseAddress
) -> None:
    existing = register_organisation(
        api,
        admin,
        "United Nations Office on Drugs and Crime",
        orgType="MULTILATERAL",
        sector="INTERGOVERNMENTAL",
        identifiers=[{"ref": "XM-DAC-41122"}],
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the read model is where refs are looked up
        found = api.post(f'{{ node(id: "{existing}") {{ id }} }}', token=admin)
        if (found.get("data") or {}).get("node"):
            break
        time.sleep(0.2)
    path = f.write(tmp_path, f.activities(f.activity()))  # names it "UNODC", ref XM-DAC-41122
    code, out, _err = cli("import", str(path), "--token", admin, "--quiet")
    assert code == 0, out
    with f.registry_over(database) as registry:
        scope = scope_of(Actor("iati", Role.ADMIN))
        partnership = load_partnership(
            registry, keyed_id(scope, registration_key("XM-DAC-41122-CYBER-1"), "partnership")
        )
    assert partnership is not None
    assert from_global_id(existing, "Organisation") in partnership.memberships


def test_a_newer_version_imported_with_another_token_revises_the_same_partnership(
    cli: Any, api: Api, admin: str, tmp_path: Path, database: DatabaseAddress
) -> None:
    first = f.write(tmp_path, f.activities(f.activity()), "first.xml")
    assert cli("import", str(first), "--token", admin, "--quiet")[0] == 0
    scope = scope_of(Actor("iati", Role.ADMIN))
    original = keyed_id(scope, registration_key("XM-DAC-41122-CYBER-1"), "partnership")
    # No wait for the read model: the write side indexes IATI identifiers.
    other = (
        cli("token", "create", "--role", "admin", "--name", "another")[1].strip().split("\n")[-1]
    )
    newer = f.activities(f.activity(updated="2024-10-01T00:00:00Z", title="Phase 2"))
    code, out, _err = cli("import", str(f.write(tmp_path, newer, "newer.xml")), "--token", other)
    assert code == 0, out
    with f.registry_over(database) as registry:
        revised = load_partnership(registry, original)
        elsewhere = keyed_id(
            scope_of(Actor("another", Role.ADMIN)),
            registration_key("XM-DAC-41122-CYBER-1"),
            "partnership",
        )
        assert load_partnership(registry, elsewhere) is None
    assert revised is not None and revised.title == "Phase 2"
