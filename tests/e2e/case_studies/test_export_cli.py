"""Report authors export a region's case studies from the command line: every format, at the head
or a past position, to a file, a directory or standard output; mistakes are explained."""

# ruff: noqa: S603 - the test runs the installed command line on purpose

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from entrypoints.cli import parser
from projections import exports
from registry import geography
from registry.database import DatabaseAddress
from tests.e2e.case_studies.conftest import AFRICA, Cli, built, head_of
from tests.projections.case_study_data import World

README = Path(__file__).parents[3] / "README.md"
EXPORT = ("export", "case-studies", "--region", AFRICA)


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_each_format_is_written_to_the_file_named_as_the_builder_makes_it(
    fmt: exports.Format, cli: Cli, case_database: DatabaseAddress, tmp_path: Path
) -> None:
    out = tmp_path / f"africa.{fmt}"
    code, stdout, err = cli(*EXPORT, "--format", fmt, "--out", str(out), "--quiet")
    assert code == 0, err
    expected = built(case_database, fmt)
    assert out.read_bytes() == expected.data
    assert f"at log position {expected.position}" in " ".join(stdout.decode().split())


def test_without_out_the_export_takes_its_own_name_in_the_current_directory(
    cli: Cli, case_database: DatabaseAddress, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _stdout, err = cli(*EXPORT, "--format", "md", "--quiet")
    assert code == 0, err
    head = head_of(case_database)
    assert [p.name for p in tmp_path.iterdir()] == [f"case-studies-{AFRICA}-at-{head}.md"]


def test_out_may_name_a_directory_or_standard_output(
    cli: Cli, case_database: DatabaseAddress, tmp_path: Path
) -> None:
    expected = built(case_database, "csv")
    code, _stdout, err = cli(*EXPORT, "--format", "csv", "--out", str(tmp_path), "--quiet")
    assert code == 0, err
    assert (tmp_path / expected.filename).read_bytes() == expected.data
    code, stdout, err = cli(*EXPORT, "--format", "csv", "--out", "-", "--quiet")
    assert code == 0, err
    assert stdout == expected.data  # the bytes alone: nothing else on standard output


def test_at_position_reproduces_the_registry_as_it_was(
    cli: Cli, case_world: World, case_database: DatabaseAddress, tmp_path: Path
) -> None:
    before = case_world.moved_at - 1
    for position, moved_included in ((before, True), (case_world.moved_at, False)):
        out = tmp_path / f"at-{position}.json"
        code, _stdout, err = cli(
            *EXPORT, "--format", "json", "--at-position", str(position), "--out", str(out)
        )
        assert code == 0, err
        assert out.read_bytes() == built(case_database, "json", position).data
        assert (str(case_world.moved) in out.read_text()) is moved_included


def test_a_progress_bar_counts_case_studies_on_stderr(cli: Cli, tmp_path: Path) -> None:
    code, _stdout, err = cli(*EXPORT, "--format", "html", "--out", str(tmp_path / "a.html"))
    assert code == 0
    assert "exporting" in err and "4/4" in err and "case studies/s" in err


def test_list_regions_shows_every_m49_code_and_name(cli: Cli) -> None:
    code, stdout, _err = cli("export", "--list-regions")
    assert code == 0
    listing = stdout.decode()
    for area in geography.areas():
        assert area.code in listing, area
    assert "Eastern Africa" in listing and "SUB_REGION" in listing


def test_an_unknown_region_says_how_to_list_the_codes(cli: Cli, tmp_path: Path) -> None:
    code, _stdout, err = cli(*EXPORT[:3], "999", "--format", "md", "--out", str(tmp_path / "x"))
    assert code == 2
    assert "unknown region code '999'" in err and "ppp-registry export --list-regions" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_position_beyond_the_head_names_the_head(
    cli: Cli, case_database: DatabaseAddress, tmp_path: Path
) -> None:
    head = head_of(case_database)
    code, _stdout, err = cli(
        *EXPORT, "--format", "md", "--at-position", str(head + 5), "--out", str(tmp_path / "x")
    )
    assert code == 2
    assert f"log position {head + 5} is beyond the head of the read model ({head})" in err
    assert list(tmp_path.iterdir()) == []


def test_mistakes_in_the_arguments_are_explained(cli: Cli, tmp_path: Path) -> None:
    code, _stdout, err = cli("export")
    assert code == 2 and "--list-regions" in err and "case-studies" in err
    for wrong in (("--format", "pdf"), ("--format", "md", "--at-position", "-1")):
        with pytest.raises(SystemExit) as exit:
            cli(*EXPORT, *wrong)
        assert exit.value.code == 2
    code, _stdout, err = cli(*EXPORT, "--format", "md", "--out", str(tmp_path / "no" / "x.md"))
    assert code == 2 and "cannot write" in err


def test_the_readmes_export_commands_are_valid() -> None:
    section = README.read_text().split("### Exporting case studies", 1)[1].split("```sh\n")[1]
    commands = [
        shlex.split(line, comments=True)[1:]
        for line in section.split("```")[0].splitlines()
        if line.startswith(".venv/bin/ppp-registry ")
    ]
    assert len(commands) == 5
    for args in commands:
        parsed = parser().parse_args(args)
        assert parsed.verb == "export", args


def test_the_installed_command_fails_without_a_traceback(
    case_database: DatabaseAddress, tmp_path: Path
) -> None:
    env = {**os.environ, "DATABASE_URL": case_database.dsn(), "PPP_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *EXPORT[:3], "Africa", "--format", "md"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown region code 'Africa'" in result.stderr
    assert "Traceback" not in result.stderr
