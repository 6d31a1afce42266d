"""A newcomer following the README on a fresh machine: the small things that went wrong.

Exports into directories that do not exist yet, token ids that survive an 80-column terminal,
``--version`` and help for every argument of every verb.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from entrypoints.cli import main
from entrypoints.cli import parser as cli_parser
from entrypoints.web.app import CONSISTENCY_HEADER
from registry import tokens
from registry.database import DatabaseAddress
from registry.domain.actor import Role
from schema.graphiql import STARTER_QUERY
from tests.e2e.conftest import Api, World

README = Path(__file__).parents[2] / "README.md"
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
def test_a_path_the_system_refuses_to_look_at_is_a_clear_error(
    verb: tuple[str, ...], cli: Any, world: World, tmp_path: Path
) -> None:
    # A name too long to look up: pathlib raises it (as it raises a permission error on a
    # directory this user may not search), where a missing one is only False.
    long = "d" * 300
    for out in (f"{tmp_path}/{long}/x.out", f"{tmp_path}/{long}/", f"{tmp_path}/{long}/a/"):
        code, _out, err = cli(*verb, "--out", out)
        assert code == 2, out
        assert "File name too long" in err and "Traceback" not in err, err
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


# --- token list and revoke ------------------------------------------------------------------


def _create(cli: Any, role: str, name: str, organisation: str | None = None) -> str:
    """A new token's id, as `token create` reports it."""
    extra = ("--organisation", organisation) if organisation else ()
    code, out, err = cli("token", "create", "--role", role, "--name", name, *extra)
    assert code == 0, err
    return out.split("(id ")[1].split(")")[0]


def _listed(cli: Any, *flags: str) -> list[dict[str, Any]]:
    code, out, err = cli("token", "list", "--json", *flags)
    assert code == 0, err
    listed: list[dict[str, Any]] = json.loads(out)
    return listed


def test_token_list_at_80_columns_shows_ids_whole_for_revoke(cli: Any, world: World) -> None:
    ids = [
        _create(cli, "admin", "registry admin"),
        _create(cli, "reviewer", "curator"),
        _create(cli, "contributor", "KCT staff", world.ngo_id),
    ]
    code, listing, _err = cli("token", "list")
    assert code == 0
    lines = listing.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    for token_id in ids:
        assert any(line.split()[0] == token_id for line in lines if line), (token_id, listing)
    # The organisation by the id the API gives it, whole: what `token create` takes.
    assert any(line.split() == ["org", world.ngo_id] for line in lines), listing
    # Copied from the listing as shown, an id revokes its token.
    copied = next(line for line in lines if line.endswith("curator")).split()[0]
    code, out, err = cli("token", "revoke", copied)
    assert code == 0 and copied in out, err
    code, listing, _err = cli("token", "list")
    assert "revoked" in listing.split(copied)[1].split("\n\n")[0]


def test_token_list_as_json_for_scripts(cli: Any, world: World) -> None:
    admin = _create(cli, "admin", 'a name with "quotes" and [brackets]')
    bound = _create(cli, "contributor", "KCT staff", world.ngo_id)
    listed = {entry["id"]: entry for entry in _listed(cli)}
    assert listed[admin]["name"] == 'a name with "quotes" and [brackets]'
    assert listed[admin]["role"] == "admin" and listed[admin]["organisation"] is None
    assert listed[bound]["organisation"] == world.ngo_id and listed[bound]["revoked"] is None
    assert listed[bound]["demo"] is False
    assert set(listed[bound]) == {
        "id",
        "name",
        "role",
        "organisation",
        "created",
        "revoked",
        "demo",
    }


def test_the_demo_datasets_tokens_are_listed_only_with_all(cli: Any) -> None:
    mine = _create(cli, "admin", "ops")
    code, _out, err = cli("seed", "--partnerships", "2", "--quiet")
    assert code == 0, err
    assert [entry["id"] for entry in _listed(cli)] == [mine]
    code, listing, err = cli("token", "list")
    assert "demo-seeder" not in listing and "--all" in err
    everything = _listed(cli, "--all")
    demo = [entry for entry in everything if entry["demo"]]
    assert demo and all(entry["name"].startswith("demo-seeder") for entry in demo)
    assert {entry["id"] for entry in everything} - {entry["id"] for entry in demo} == {mine}


def test_revoke_takes_a_unique_start_of_an_id(cli: Any) -> None:
    token_id = _create(cli, "admin", "leaver")
    code, out, err = cli("token", "revoke", token_id[:8].upper())
    assert code == 0, err
    assert token_id in out and "leaver" in out
    code, _out, err = cli("token", "revoke", token_id[:8])
    assert code == 2 and "already revoked" in err


@pytest.mark.parametrize(
    "spelling",
    [lambda i: i.replace("-", ""), lambda i: f"urn:uuid:{i}", lambda i: "{" + i.upper() + "}"],
    ids=["no dashes", "urn", "braces"],
)
def test_revoke_takes_a_whole_id_in_any_spelling_a_uuid_has(cli: Any, spelling: Any) -> None:
    token_id = _create(cli, "admin", "leaver")
    code, out, err = cli("token", "revoke", spelling(token_id))
    assert code == 0, err
    assert token_id in out


@pytest.mark.parametrize(
    ("given", "explained"),
    [
        ("abc", "not a token id"),  # too short to name one token safely
        ("not-an-id", "not a token id"),
        ("", "not a token id"),
        ("0000", "no token with an id starting '0000'"),
    ],
)
def test_revoke_explains_an_id_it_cannot_use(cli: Any, given: str, explained: str) -> None:
    _create(cli, "admin", "ops")
    if given == "0000":
        assert not any(entry["id"].startswith("0000") for entry in _listed(cli))
    code, _out, err = cli("token", "revoke", given)
    assert code == 2 and explained in err and "Traceback" not in err


def test_find_tokens_matches_the_start_of_ids_only(database: DatabaseAddress) -> None:
    async def check() -> None:
        connection = await asyncpg.connect(database.dsn())
        try:
            await tokens.ensure_schema(connection)
            for n in range(17):  # two share their first character, whatever the ids
                await tokens.create_token(
                    connection, name=f"t{n}", role=Role.REVIEWER, organisation_id=None
                )
            every = [str(r.id) for r in await tokens.list_tokens(connection)]
            for start in {token_id[0] for token_id in every} | {"%", "_", every[0][:13]}:
                found = [str(r.id) for r in await tokens.find_tokens(connection, start)]
                assert sorted(found) == sorted(i for i in every if i.startswith(start)), start
        finally:
            await connection.close()

    asyncio.run(check())


# --- --version and help ---------------------------------------------------------------------


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ("ppp-registry",)
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser of the command line, by its verbs' path, the top one first."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def test_every_verb_and_every_argument_has_help() -> None:
    missing = []
    for path, parser in _parsers(cli_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helped = {choice.dest for choice in action._choices_actions if choice.help}
                missing += [(*path, verb) for verb in action.choices if verb not in helped]
            elif not action.help or action.help == argparse.SUPPRESS:
                missing.append(
                    (*path, action.option_strings[0] if action.option_strings else action.dest)
                )
    assert missing == []


def test_the_walk_reaches_every_verb() -> None:
    paths = {" ".join(path[1:]) for path, _parser in _parsers(cli_parser())}
    for verb in ("serve", "seed", "import", "token revoke", "export case-studies", "export iati"):
        assert verb in paths, paths


def test_version_comes_from_the_installed_package(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.strip() == f"ppp-registry {metadata.version('ppp-registry')}"


def test_the_installed_command_answers_version_without_a_database(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "ppp-registry"
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = subprocess.run(  # noqa: S603 - the installed command, on purpose
        [str(command), "--version"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ppp-registry", metadata.version("ppp-registry")]


# --- GraphiQL's starter query ---------------------------------------------------------------


def test_graphiql_opens_with_a_starter_query_that_runs_on_the_registry(world: World) -> None:
    page = world.api.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "ppp-registry GraphiQL" in page.text
    assert STARTER_QUERY in page.text
    body = world.api.post(STARTER_QUERY)
    assert "errors" not in body, body  # valid, and within every limit of the public API
    assert body["data"]["partnerships"]["totalCount"] == 1
    assert {r["area"]["code"] for r in body["data"]["regions"]} >= {"002", "150"}


def test_an_export_through_a_link_or_into_a_pipe_writes_through_it(
    cli: Any, world: World, tmp_path: Path
) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "africa.md").write_text("old")
    (tmp_path / "link.md").symlink_to(tmp_path / "real" / "africa.md")
    code, _out, err = cli(*CASE_STUDIES, "--out", str(tmp_path / "link.md"), "--quiet")
    assert code == 0, err
    assert (tmp_path / "link.md").is_symlink()  # not replaced by a file
    assert (tmp_path / "real" / "africa.md").read_text().startswith("#")

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    code, _out, err = cli(*CASE_STUDIES, "--out", str(pipe), "--quiet")
    reader.join(timeout=30)
    assert code == 0, err
    assert stat.S_ISFIFO(pipe.stat().st_mode)  # still a pipe, as /dev/null stays a device
    assert received and received[0].startswith(b"#")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "pipe", "real"]


# --- The README's commands ------------------------------------------------------------------


def test_the_readmes_keyed_id_snippet_names_what_the_import_created(
    cli: Any, api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli("token", "create", "--role", "admin", "--name", "importer")
    assert code == 0, err
    line = {
        "command": "registerOrganisation",
        "input": {
            "name": "Lagos Digital Rights Hub",
            "orgType": "NATIONAL_NGO",
            "sector": "CIVIL_SOCIETY",
            "country": "NG",
            "idempotencyKey": "org:lagos",
        },
    }
    commands = tmp_path / "commands.ndjson"
    commands.write_text(json.dumps(line) + "\n")
    code, _out, err = cli("import", str(commands), "--token", out.strip().split("\n")[-1])
    assert code == 0, err
    snippet = README.read_text().split("### Bulk import", 1)[1].split("```python\n")[1]
    exec(snippet.split("```")[0], {})  # noqa: S102 - the README's own code, on purpose
    organisation_id = capsys.readouterr().out.strip()
    response = api.http.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { organisation(id: $id) { name } }",
            "variables": {"id": organisation_id},
        },
        # Read once the projector has applied the import (a fresh log has no gaps).
        headers={CONSISTENCY_HEADER: str(api.event_count())},
    )
    assert response.json()["data"]["organisation"] == {"name": "Lagos Digital Rights Hub"}


@pytest.mark.parametrize(
    ("name", "explained"),
    [
        ("", "needs a name"),
        ("   ", "needs a name"),
        ("x" * 201, "at most 200 characters"),
        ("a\x1b[2Jb", "holds characters a name cannot"),  # an escape sequence, as typed
        (b"\xff".decode("utf-8", "surrogateescape"), "holds characters"),  # not UTF-8 in argv
    ],
)
def test_a_token_name_that_cannot_be_recorded_is_refused(
    cli: Any, name: str, explained: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        cli("token", "create", "--role", "admin", "--name", name)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert explained in err and "Traceback" not in err
    assert _listed(cli) == []


def test_an_import_with_a_secret_that_is_not_ascii_is_unauthenticated(
    cli: Any, tmp_path: Path
) -> None:
    commands = tmp_path / "commands.ndjson"
    commands.write_text("\n")
    for secret in ("ppp_" + b"\xff".decode("utf-8", "surrogateescape"), "ppp_é"):
        code, _out, err = cli("import", str(commands), "--token", secret)
        assert code == 2 and "UNAUTHENTICATED" in err, err


# --- serve ------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["99999", "0", "-1", "http"])
def test_serve_refuses_a_port_that_is_not_one(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        cli_parser().parse_args(["serve", "--port", given])  # parsing only: nothing starts
    assert exit.value.code == 2
    assert "--port" in capsys.readouterr().err


@pytest.mark.slow
def test_ctrl_c_stops_serve_without_a_traceback(database: DatabaseAddress, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database.dsn(), "PPP_DATA_DIR": str(tmp_path)}
    server = subprocess.Popen(  # noqa: S603 - the command line itself, on purpose
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        server.send_signal(signal.SIGINT)
        _out, err = server.communicate(timeout=30)
    finally:
        server.kill()
    assert server.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "interrupted" in err
