"""The read model from the command line: project, rebuild, status."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from registry.database import DatabaseAddress
from tests.e2e.conftest import World


def test_status_shows_the_read_model_caught_up(cli: Any, world: World) -> None:
    world.api.post("{ __typename }", None)
    code, out, _err = cli("status")
    assert code == 0
    assert "position" in out and "lag" in out


def test_rebuild_switches_in_an_equal_read_model(cli: Any, world: World) -> None:
    query = "{ partnerships { totalCount edges { node { title partners { role } } } } }"
    before = world.api.post(query)
    code, out, _err = cli("rebuild", "--quiet")
    assert code == 0 and "rebuilt up to position" in out
    assert world.api.post(query) == before


@pytest.mark.slow
def test_project_runs_the_projector_alone_until_told_to_stop(
    database: DatabaseAddress, tmp_path: Path
) -> None:
    env = {**os.environ, "DATABASE_URL": database.dsn(), "PPP_DATA_DIR": str(tmp_path)}
    log = tmp_path / "projector.log"
    with log.open("w") as output:
        projector = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "project"],
            env={**env, "COLUMNS": "200"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        code = 1
        while time.monotonic() < deadline:
            status = subprocess.run(
                [sys.executable, "-m", "entrypoints.cli", "status"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            code = status.returncode
            # Running means its signal handlers are in place: SIGTERM stops it cleanly.
            if code == 0 and "projector running" in log.read_text():
                break
            time.sleep(0.5)
        assert code == 0
    finally:
        projector.send_signal(signal.SIGTERM)
        assert projector.wait(timeout=30) == 0, log.read_text()
