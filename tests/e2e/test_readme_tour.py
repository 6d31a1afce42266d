"""The README's five-minute tour runs as written, against a real server over real HTTP."""

# ruff: noqa: S603, S607 - the test runs the README's own commands with bash, on purpose

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from registry.database import DatabaseAddress

README = Path(__file__).parents[2] / "README.md"
# Run after the tour: what its step 6 says of a date of the partnership's own history as asOf.
AS_OF_A_DATE = (
    r'gql "" "{\"query\": \"{ partnership(id: \\\"$PP_ID\\\",'
    r' asOf: \\\"2024-01-01T00:00:00Z\\\") { version } }\"}"'
    "\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _tour() -> str:
    return (
        README.read_text()
        .split("## A five-minute tour", 1)[1]
        .split("```sh\n", 1)[1]
        .split("```")[0]
    )


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("curl") is None, reason="the tour uses curl, which is not installed"
)
def test_the_readme_tour_works_as_written(database: DatabaseAddress, tmp_path: Path) -> None:
    port = _free_port()
    venv_bin = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "DATABASE_URL": database.dsn(),
        "PPP_PORT": str(port),
        "PPP_DATA_DIR": str(tmp_path),
        "PATH": venv_bin + os.pathsep + os.environ["PATH"],
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        script = (
            _tour()
            .replace("8000", str(port))
            .replace(".venv/bin/", "")
            .replace("/tmp/last.json", str(tmp_path / "last.json"))
        )
        script += AS_OF_A_DATE
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert result.returncode == 0, result.stderr
    outputs = result.stdout.strip().splitlines()
    *writes, read, as_registered, as_of_a_date = outputs
    assert len(writes) == 4 and all('"userErrors":[]' in line for line in writes), result.stdout
    assert '"activities":[{"title":"Digital forensics for investigators"}]' in read
    assert '"version":2' in read
    # Step 6: asOf the moment of registering: version 1, before the activity was logged.
    assert '"version":1' in as_registered and '"activities":[]' in as_registered, as_registered
    assert "errors" not in as_registered
    assert as_of_a_date == '{"data":{"partnership":null}}', as_of_a_date
