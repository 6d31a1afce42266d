"""Fixtures every kind of test may use: the async backend and PostgreSQL."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.database import DatabaseAddress
from registry.settings import Settings
from tests.postgres import postgres_server as running_postgres
from tests.postgres import scratch_database, settings_for_tests

_DATABASE_FIXTURES = frozenset({"postgres_server", "database"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def postgres_settings() -> Iterator[Settings]:
    """Settings naming the tests' PostgreSQL: ``DATABASE_URL`` or an embedded server."""
    # Not under pytest's basetemp: pytest deletes old numbered basetemps when a new session
    # starts, which would pull the data directory from under a server still running for a
    # concurrent session. A short path, too: the server's socket lives in it (< 108 bytes).
    data_dir = Path(tempfile.mkdtemp(prefix="ppp-pg-"))
    try:
        yield settings_for_tests(data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server(postgres_settings: Settings) -> Iterator[DatabaseAddress]:
    """An administrative database on the tests' PostgreSQL server, for the whole session."""
    with running_postgres(postgres_settings) as address:
        yield address


@pytest.fixture
def database(postgres_server: DatabaseAddress) -> Iterator[DatabaseAddress]:
    """A brand-new empty database for one test, dropped after it."""
    with scratch_database(postgres_server) as address:
        yield address
