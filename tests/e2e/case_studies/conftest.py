"""The case-study doors (CLI, HTTP, GraphQL) over the projection tests' fixed dataset
(``tests/projections/case_study_data.py``), written once per module through the write side, and
the real app serving it. The tests only read, so one world serves a whole module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest
from starlette.testclient import TestClient

from entrypoints.cli import main
from entrypoints.web.app import create_app
from projections import exports
from projections.runner import Projector
from registry.application import Registry
from registry.database import DatabaseAddress
from registry.settings import Settings
from tests.e2e.conftest import Api
from tests.postgres import scratch_database
from tests.projections.case_study_data import World, build_world

AFRICA = "002"


@pytest.fixture(scope="module")
def case_database(postgres_server: DatabaseAddress) -> Iterator[DatabaseAddress]:
    with scratch_database(postgres_server) as address:
        yield address


@pytest.fixture(scope="module")
def case_world(case_database: DatabaseAddress) -> World:
    app = Registry(env=case_database.eventsourcing_env())
    try:
        world = asyncio.run(build_world(app))
    finally:
        app.close()
    asyncio.run(Projector(case_database.dsn()).catch_up())
    return world


@pytest.fixture(scope="module")
def reader(
    case_world: World, case_database: DatabaseAddress, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """Anyone, without a token, over the app's HTTP interface."""
    settings = replace(
        Settings.from_env({}),
        database_url=case_database.dsn(),
        data_dir=tmp_path_factory.mktemp("app"),
    )
    with TestClient(create_app(settings)) as http:
        yield Api(http, case_database)


Cli = Callable[..., tuple[int, bytes, str]]


@pytest.fixture
def cli(
    case_database: DatabaseAddress,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> Cli:
    """``ppp-registry ARGS...`` in this process, on the module's world: (exit code, stdout's
    bytes, stderr's text)."""
    monkeypatch.setenv("DATABASE_URL", case_database.dsn())

    def run(*args: str) -> tuple[int, bytes, str]:
        code = main(list(args))
        captured = capsysbinary.readouterr()
        return code, captured.out, captured.err.decode("utf-8")

    return run


def built(
    address: DatabaseAddress, fmt: exports.Format, at: int | None = None, region: str = AFRICA
) -> exports.Export:
    """What the builder makes, on a connection of the test's own."""

    async def build() -> exports.Export:
        connection = await asyncpg.connect(address.dsn())
        try:
            return await exports.export(connection, region, fmt, at)
        finally:
            await connection.close()

    return asyncio.run(build())


def head_of(address: DatabaseAddress) -> int:
    async def read() -> int:
        connection = await asyncpg.connect(address.dsn())
        try:
            position: int = await connection.fetchval(
                "SELECT position FROM read_model.projection_tracking"
            )
            return position
        finally:
            await connection.close()

    return asyncio.run(read())


def written(path: Path) -> bytes:
    assert path.is_file(), f"{path} was not written"
    return path.read_bytes()
