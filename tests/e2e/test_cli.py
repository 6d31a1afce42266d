"""The command line: tokens (create, list, revoke) and the NDJSON bulk import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.idempotency import keyed_id, scope_of
from schema.ids import to_global_id
from tests.e2e.conftest import Api

# The scope of the admin token the import tests create (named "importer").
IMPORTER = scope_of(Actor(principal="importer", role=Role.ADMIN))


def test_token_create_prints_the_token_alone_on_the_last_line(
    database: DatabaseAddress, tmp_path: Path
) -> None:
    env = {**os.environ, "DATABASE_URL": database.dsn(), "PPP_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "entrypoints.cli",
            "token",
            "create",
            "--role",
            "admin",
            "--name",
            "ops",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    last = result.stdout.rstrip("\n").split("\n")[-1]
    assert last.startswith("ppp_") and " " not in last and len(last) >= 40


def test_a_contributor_token_is_bound_to_an_existing_organisation(cli: Any, api: Api) -> None:
    code, _out, err = cli("token", "create", "--role", "contributor", "--name", "x")
    assert code == 2 and "--organisation" in err
    missing = to_global_id("Organisation", keyed_id(IMPORTER, "nobody", "organisation"))
    code, _out, err = cli(
        "token", "create", "--role", "contributor", "--organisation", missing, "--name", "x"
    )
    assert code == 2 and "no organisation" in err
    code, _out, err = cli(
        "token", "create", "--role", "contributor", "--organisation", "garbage", "--name", "x"
    )
    assert code == 2 and "not a registry id" in err


def test_listing_tokens_shows_names_never_secrets(cli: Any) -> None:
    _code, out, _err = cli("token", "create", "--role", "reviewer", "--name", "curator")
    secret = out.strip().split("\n")[-1]
    code, listing, _err = cli("token", "list")
    assert code == 0 and "curator" in listing and "reviewer" in listing
    assert secret not in listing


def test_a_revoked_token_can_no_longer_write(cli: Any, api: Api) -> None:
    _code, out, _err = cli("token", "create", "--role", "admin", "--name", "leaver")
    secret = out.strip().split("\n")[-1]
    token_id = out.split("(id ")[1].split(")")[0]
    assert cli("token", "revoke", token_id)[0] == 0
    payload = api.mutate(
        "registerOrganisation",
        {"name": "Late Org", "orgType": "OTHER", "sector": "OTHER", "country": "KE"},
        secret,
    )
    assert [e["code"] for e in payload["userErrors"]] == ["UNAUTHENTICATED"]
    assert cli("token", "revoke", token_id)[0] == 2  # already revoked


def _organisation_line(key: str, name: str) -> dict[str, Any]:
    return {
        "command": "registerOrganisation",
        "input": {
            "name": name,
            "orgType": "NATIONAL_NGO",
            "sector": "CIVIL_SOCIETY",
            "country": "NG",
            "idempotencyKey": key,
        },
    }


def _import_file(tmp_path: Path, lines: list[Any]) -> Path:
    path = tmp_path / "commands.ndjson"
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )
    return path


def _good_lines() -> list[Any]:
    org = to_global_id("Organisation", keyed_id(IMPORTER, "org:lagos", "organisation"))
    partnership = to_global_id("Partnership", keyed_id(IMPORTER, "pp:lagos", "partnership"))
    return [
        _organisation_line("org:lagos", "Lagos Digital Rights Hub"),
        {
            "command": "registerPartnership",
            "input": {
                "title": "Cyber hygiene for SMEs",
                "summary": "Workshops for small firms.",
                "practiceAreas": ["AWARENESS_RAISING"],
                "countries": ["NG"],
                "startDate": "2023-02-01",
                "partners": [{"organisationId": org, "role": "LEAD"}],
                "idempotencyKey": "pp:lagos",
            },
        },
        *(
            {
                "command": "logActivity",
                "input": {
                    "partnershipId": partnership,
                    "kind": "WORKSHOP",
                    "practiceArea": "AWARENESS_RAISING",
                    "title": f"Workshop {n}",
                    "startDate": "2023-03-01",
                    "participants": 20 + n,
                },
            }
            for n in range(5)
        ),
        {
            "command": "recordLesson",
            "input": {
                "partnershipId": partnership,
                "kind": "CHALLENGE",
                "text": "Small firms have little time.",
            },
        },
    ]


def test_importing_a_file_twice_appends_nothing_the_second_time(
    cli: Any, api: Api, tmp_path: Path
) -> None:
    token = (
        cli("token", "create", "--role", "admin", "--name", "importer")[1].strip().split("\n")[-1]
    )
    path = _import_file(tmp_path, _good_lines())
    code, out, _err = cli("import", str(path), "--token", token, "--quiet")
    assert code == 0, out
    assert "8 applied" in out
    events = api.event_count()
    code, out, _err = cli("import", str(path), "--token", token, "--quiet")
    assert code == 0 and "0 applied" in out and "8 already imported" in out
    assert api.event_count() == events


def test_rejected_lines_are_reported_with_number_code_and_reason(
    cli: Any, api: Api, tmp_path: Path
) -> None:
    token = (
        cli("token", "create", "--role", "admin", "--name", "importer")[1].strip().split("\n")[-1]
    )
    good = _good_lines()
    bad_partnership = dict(good[1]["input"], countries=["NG", "ZZ"], idempotencyKey="pp:bad")
    lines = [
        good[0],
        "{not json",
        {"command": "dropTable", "input": {}},
        {"command": "registerPartnership", "input": bad_partnership},
        {"command": "logActivity", "input": {"partnershipId": "nope", "extra": 1}},
        good[1],
        '{"command": "recordLesson", "input": {"partnershipId": "x", "kind": "CHALLENGE",'
        ' "text": "\\ud800"}}',
    ]
    code, out, _err = cli(
        "import",
        str(
            _import_file(tmp_path, lines),
        ),
        "--token",
        token,
        "--quiet",
    )
    assert code == 1
    assert "2 applied" in out and "5 rejected" in out
    for number, fragment in [
        (2, "not valid JSON"),
        (3, "unknown command"),
        (4, "ZZ"),
        (5, "extra"),
    ]:
        assert any(
            line.lstrip("│ ").startswith(f"{number} ") and fragment in line
            for line in out.splitlines()
        ) or (fragment in out), (number, fragment, out)
    assert "countries.1" in out  # the field at fault, as the file spells it
    # The partnership with one bad country was not half-applied: only the good lines' events.
    assert api.event_count() == 3  # organisation + its name index + the good partnership


def test_an_import_needs_a_live_token(cli: Any, tmp_path: Path) -> None:
    code, _out, err = cli(
        "import", str(_import_file(tmp_path, _good_lines())), "--token", "ppp_nope"
    )
    assert code == 2 and "UNAUTHENTICATED" in err
