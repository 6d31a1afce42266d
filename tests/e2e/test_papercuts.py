"""A newcomer following the README on a fresh machine: the small things that went wrong.

Exports into directories that do not exist yet, token ids that survive an 80-column terminal,
``--version`` and help for every argument.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from entrypoints.cli import main
from registry.database import DatabaseAddress
from tests.e2e.conftest import World

CASE_STUDIES = ("export", "case-studies", "--region", "002", "--format", "md")
IATI = ("export", "iati", "--region", "002")


@pytest.fixture
def cli(
    database: DatabaseAddress, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    """``ppp-registry ARGS...`` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", database.dsn())
    monkeypatch.setenv("COLUMNS", "80")  # the terminal of the newcomer's report

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def _files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*"))


# --- export --out ---------------------------------------------------------------------------


@pytest.mark.parametrize("verb", [CASE_STUDIES, IATI], ids=["case-studies", "iati"])
def test_an_out_ending_in_a_slash_makes_the_directory(
    verb: tuple[str, ...], cli: Any, world: World, tmp_path: Path
) -> None:
    code, out, err = cli(*verb, "--out", f"{tmp_path}/reports/2024/", "--quiet")
    assert code == 0, err
    written = _files(tmp_path / "reports" / "2024")
    assert len(written) == 1 and written[0].endswith((".md", ".xml")), written
    assert (tmp_path / "reports" / "2024" / written[0]).stat().st_size > 0
    assert written[0] in " ".join(out.split())  # "wrote .../NAME (N bytes) ..."


@pytest.mark.parametrize("verb", [CASE_STUDIES, IATI], ids=["case-studies", "iati"])
def test_a_file_in_a_missing_directory_fails_before_the_export_is_built(
    verb: tuple[str, ...], cli: Any, world: World, tmp_path: Path
) -> None:
    code, _out, err = cli(*verb, "--out", str(tmp_path / "missing" / "x.out"))
    assert code == 2
    assert "does not exist" in err and f"--out {tmp_path / 'missing'}/" in " ".join(err.split())
    assert "exporting" not in err  # no progress bar: nothing was built
    assert _files(tmp_path) == []


@pytest.mark.parametrize("verb", [CASE_STUDIES, IATI], ids=["case-studies", "iati"])
def test_a_file_where_a_directory_should_be_fails_before_the_export_is_built(
    verb: tuple[str, ...], cli: Any, world: World, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    for out in (
        f"{tmp_path}/notes.txt/x.out",
        f"{tmp_path}/notes.txt/",
        f"{tmp_path}/notes.txt/a/",
    ):
        code, _out, err = cli(*verb, "--out", out)
        assert code == 2, out
        assert "notes.txt" in err and "not a directory" in err.lower(), err
        assert "exporting" not in err and "Traceback" not in err
    assert _files(tmp_path) == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_failed_export_leaves_no_directory_and_no_partial_file(
    cli: Any, world: World, tmp_path: Path
) -> None:
    code, _out, err = cli(
        *CASE_STUDIES, "--at-position", "999999", "--out", f"{tmp_path}/new/deeper/", "--quiet"
    )
    assert code == 2 and "beyond the head" in err
    assert _files(tmp_path) == []  # the directories it made are gone again, and the .part file


def test_an_export_over_an_existing_file_replaces_it_whole(
    cli: Any, world: World, tmp_path: Path
) -> None:
    target = tmp_path / "africa.md"
    target.write_text("an older export")
    code, _out, err = cli(*CASE_STUDIES, "--out", str(target), "--quiet")
    assert code == 0, err
    assert target.read_text().startswith("#")
    assert _files(tmp_path) == ["africa.md"]
